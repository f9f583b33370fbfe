// File: core/shape.cc
// Shape arithmetic shared by abstract evaluation, views and the backends, and CheckShape, the
// one validity test of a shape.

#include "core/shape.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error.h"

namespace cotangent {

std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t product;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

int64_t NumElements(absl::Span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    [[maybe_unused]] const bool overflow = __builtin_mul_overflow(n, d, &n);
    assert(!overflow && "NumElements of a shape CheckShape would reject");
  }
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

std::vector<int64_t> KeptDims(int64_t rank, absl::Span<const int64_t> axes) {
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) kept.push_back(i);
  }
  return kept;
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

std::string AvalsToString(absl::Span<const ShapedArray> avals) {
  std::string out = "(";
  for (size_t i = 0; i < avals.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", avals[i].ToString());
  }
  return out + ")";
}

void CheckShape(std::string_view op, const ShapedArray& aval) {
  for (int64_t d : aval.shape) {
    if (d < 0) ThrowInvalid(op, ": negative dimension in shape ", ShapeToString(aval.shape));
  }
  std::optional<int64_t> bytes = DTypeSize(aval.dtype);
  for (int64_t d : aval.shape) {
    if (d != 0 && bytes) bytes = CheckedMul(*bytes, d);
  }
  if (!bytes) {
    ThrowInvalid(op, ": ", aval.ToString(), " is too large: its size in bytes overflows int64");
  }
}

}  // namespace cotangent
