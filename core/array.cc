// File: core/array.cc
// Layout queries of strided array views.

#include "core/array.h"

#include <utility>

namespace cotangent {

bool Array::IsContiguous() const {
  int64_t expected = 1;
  for (size_t i = aval.shape.size(); i-- > 0;) {
    if (aval.shape[i] != 1 && strides[i] != expected) return false;
    expected *= aval.shape[i];
  }
  return true;
}

Array DenseArray(std::shared_ptr<Buffer> buffer, ShapedArray aval) {
  Strides strides = ContiguousStrides(aval.shape);
  return Array{std::move(buffer), std::move(aval), std::move(strides), 0};
}

}  // namespace cotangent
