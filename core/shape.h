// File: core/shape.h
// Shapes, strides and the abstract value (shape + dtype) that abstract evaluation computes.
// ShapedArray::ToString gives the "f32[3,4]" spelling used in every error message.

#ifndef COTANGENT_CORE_SHAPE_H_
#define COTANGENT_CORE_SHAPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "core/dtype.h"

namespace cotangent {

// Dimensions of an array, outermost first (row-major). A scalar has the empty shape.
using Shape = std::vector<int64_t>;

// Element strides of an array view, one per dimension (0 for a broadcast dimension).
using Strides = std::vector<int64_t>;

// Number of elements: the product of the dimensions (1 for a scalar).
int64_t NumElements(absl::Span<const int64_t> shape);

// Row-major strides of a dense array of this shape.
Strides ContiguousStrides(absl::Span<const int64_t> shape);

// "[3,4]".
std::string ShapeToString(absl::Span<const int64_t> shape);

// Normalizes a possibly negative axis against rank, or throws "<op>: axis A out of range for
// rank R".
int64_t CanonicalAxis(int64_t axis, int64_t rank, std::string_view op);

// The abstract value of an array: what abstract evaluation knows without the data.
struct ShapedArray {
  Shape shape;
  DType dtype = DType::kF32;

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t size() const { return NumElements(shape); }
  // "f32[3,4]"; a scalar is "f32[]".
  std::string ToString() const;
  bool operator==(const ShapedArray& other) const {
    return dtype == other.dtype && shape == other.shape;
  }
  bool operator!=(const ShapedArray& other) const { return !(*this == other); }
};

}  // namespace cotangent

#endif  // COTANGENT_CORE_SHAPE_H_
