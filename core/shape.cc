// File: core/shape.cc
// Shape arithmetic shared by abstract evaluation, views and the backends.

#include "core/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error.h"

namespace cotangent {

int64_t NumElements(absl::Span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Strides ContiguousStrides(absl::Span<const int64_t> shape) {
  Strides strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

std::string ShapeToString(absl::Span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

int64_t CanonicalAxis(int64_t axis, int64_t rank, std::string_view op) {
  if (axis < -rank || axis >= rank) {
    ThrowInvalid(op, ": axis ", axis, " out of range for rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

std::string ShapedArray::ToString() const {
  return absl::StrCat(DTypeName(dtype), ShapeToString(shape));
}

}  // namespace cotangent
