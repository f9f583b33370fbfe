// File: cotangent/control_flow.cc
// The checks that turn cond's predicate and switch's index into the cond primitive's index.

#include "cotangent/control_flow.h"

#include "core/constants.h"

namespace cotangent::internal {

Tensor PredicateIndex(const char* op, const Tensor& pred) {
  if (pred.ndim() != 0 || (pred.dtype() != DType::kBool && pred.dtype() != DType::kI32)) {
    ThrowInvalid(op, ": the predicate must be a bool or integer scalar, got ",
                 pred.aval().ToString());
  }
  const Tensor truth = pred.dtype() == DType::kBool ? pred : lax::ne(pred, FullLike(pred, 0));
  return lax::convert_element_type(truth, DType::kI32);
}

Tensor BranchIndex(const char* op, const Tensor& index) {
  if (index.ndim() != 0 || index.dtype() != DType::kI32) {
    ThrowInvalid(op, ": the index must be an i32 scalar, got ", index.aval().ToString());
  }
  return index;
}

}  // namespace cotangent::internal
