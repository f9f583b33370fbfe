// File: core/fusible.cc
// What fuses (core/fusible.h).

#include "core/fusible.h"

#include <algorithm>

namespace cotangent {

bool IsFusible(Primitive prim) {
  switch (KindOf(prim)) {
    case PrimitiveKind::kUnary:
      return prim != Primitive::kStopGradient;
    case PrimitiveKind::kBinary:
    case PrimitiveKind::kCompare:
    case PrimitiveKind::kSelect:
    case PrimitiveKind::kConvert:
      return true;
    case PrimitiveKind::kReduce:
    case PrimitiveKind::kMovement:
    case PrimitiveKind::kContraction:
    case PrimitiveKind::kIndexing:
    case PrimitiveKind::kLinalg:
    case PrimitiveKind::kCall:
    case PrimitiveKind::kCollective:
    case PrimitiveKind::kComplexParts: return false;
  }
  return false;
}

bool Fuses(Primitive prim, const ShapedArray& out, const FusionLimits& limits) {
  return IsFusible(prim) && limits.min_elements >= 0 &&
         out.size() >= std::max<int64_t>(limits.min_elements, 1);
}

std::optional<FusedSize> Combine(const FusedSize& a, const FusedSize& b) {
  if (a.math && b.math && *a.math != *b.math) return std::nullopt;
  return FusedSize{a.inputs + b.inputs, a.equations + b.equations, a.math ? a.math : b.math};
}

bool WithinLimits(const FusedSize& size, const FusionLimits& limits) {
  return size.inputs <= limits.max_inputs && size.equations <= limits.max_equations;
}

}  // namespace cotangent
