// File: core/dtype.cc
// Names, sizes and the promotion lattice of DType.

#include "core/dtype.h"

#include <algorithm>

namespace cotangent {

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kBool: return "bool";
    case DType::kU8: return "u8";
    case DType::kU32: return "u32";
    case DType::kI32: return "i32";
    case DType::kI64: return "i64";
    case DType::kF32: return "f32";
    case DType::kF64: return "f64";
  }
  return "?";
}

int64_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kBool: return 1;
    case DType::kU8: return 1;
    case DType::kU32: return 4;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
    case DType::kF32: return 4;
    case DType::kF64: return 8;
  }
  return 0;
}

namespace {

// Bits of an integer dtype's magnitude range, for the join of an unsigned and a signed type.
int IntegerBits(DType d) { return static_cast<int>(DTypeSize(d)) * 8; }

}  // namespace

DType PromoteTypes(DType a, DType b) {
  if (a == b || b == DType::kBool) return a;
  if (a == DType::kBool) return b;
  if (IsFloating(a) || IsFloating(b)) {
    if (IsFloating(a) && IsFloating(b)) return std::max(a, b);
    return IsFloating(a) ? a : b;
  }
  if (IsUnsigned(a) == IsUnsigned(b)) return DTypeSize(a) >= DTypeSize(b) ? a : b;
  // One unsigned u, one signed s: s if it holds every u, else the next wider signed type.
  const DType u = IsUnsigned(a) ? a : b;
  const DType s = IsUnsigned(a) ? b : a;
  return IntegerBits(s) > IntegerBits(u) ? s : DType::kI64;
}

uint64_t ElementBits(double value, DType dtype) {
  uint64_t bits = 0;
  VisitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = ConvertValue<T, decltype(tag)::dtype>(value);
    std::memcpy(&bits, &v, sizeof(T));
  });
  return bits;
}

DType PromoteWithScalar(DType tensor_dtype, Scalar scalar) {
  if (scalar.integral()) return tensor_dtype == DType::kBool ? DType::kI32 : tensor_dtype;
  return IsFloating(tensor_dtype) ? tensor_dtype : kDefaultFloat;
}

}  // namespace cotangent
