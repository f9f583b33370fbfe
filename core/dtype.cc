// File: core/dtype.cc
// Names, sizes and the promotion lattice of DType.

#include "core/dtype.h"

#include <algorithm>

namespace cotangent {

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kBool: return "bool";
    case DType::kI32: return "i32";
    case DType::kF32: return "f32";
    case DType::kF64: return "f64";
  }
  return "?";
}

int64_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kBool: return 1;
    case DType::kI32: return 4;
    case DType::kF32: return 4;
    case DType::kF64: return 8;
  }
  return 0;
}

DType PromoteTypes(DType a, DType b) { return std::max(a, b); }

DType PromoteWithScalar(DType tensor_dtype) {
  return IsFloating(tensor_dtype) ? tensor_dtype : kDefaultFloat;
}

}  // namespace cotangent
