// File: core/shape.h
// Shapes, strides and the abstract value (shape + dtype) that abstract evaluation computes.
// ShapedArray::ToString gives the "f32[3,4]" spelling used in every error message. CheckShape
// is the one test of whether a shape can exist (no negative dimension, sizes fit in int64);
// every abstract evaluation and every creation passes through it.

#ifndef COTANGENT_CORE_SHAPE_H_
#define COTANGENT_CORE_SHAPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "core/dtype.h"

namespace cotangent {

// Dimensions of an array, outermost first (row-major). A scalar has the empty shape.
using Shape = std::vector<int64_t>;

// Element strides of an array view, one per dimension (0 for a broadcast dimension).
using Strides = std::vector<int64_t>;

// a * b and a + b, or nullopt when the exact result does not fit in int64. Shape arithmetic on
// user-given sizes goes through these: a wrapped product is how f32[2^40,2^40] once got 0
// elements.
std::optional<int64_t> CheckedMul(int64_t a, int64_t b);
std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);

// Number of elements: the product of the dimensions (1 for a scalar). The shape must be valid
// (CheckShape); an overflowing product is an internal error (assert).
int64_t NumElements(absl::Span<const int64_t> shape);

// Row-major strides of a dense array of this shape.
Strides ContiguousStrides(absl::Span<const int64_t> shape);

// The axes of a rank-r operand that remain after reducing `axes`: the broadcast dimensions
// mapping the reduced result back into the operand's shape.
std::vector<int64_t> KeptDims(int64_t rank, absl::Span<const int64_t> axes);

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
  // Bytes of a dense array of this aval.
  int64_t bytes() const { return size() * DTypeSize(dtype); }
  // "f32[3,4]"; a scalar is "f32[]".
  std::string ToString() const;
  bool operator==(const ShapedArray& other) const {
    return dtype == other.dtype && shape == other.shape;
  }
  bool operator!=(const ShapedArray& other) const { return !(*this == other); }
  template <typename H>
  friend H AbslHashValue(H h, const ShapedArray& a) {
    return H::combine(std::move(h), a.shape, a.dtype);
  }
};

// The output types of a primitive application (most primitives have one).
using AvalList = absl::InlinedVector<ShapedArray, 1>;

// "(f32[2], i32[])": a list of types in messages.
std::string AvalsToString(absl::Span<const ShapedArray> avals);

// A one-element list (AvalList, TensorList) with x moved in: a braced list `{x}`
// copies its element, which on the eager path is a reference count or a shape vector per op.
template <typename T>
absl::InlinedVector<T, 1> ListOf(T x) {
  absl::InlinedVector<T, 1> list;
  list.push_back(std::move(x));
  return list;
}

// Throws Error(kInvalidArgument) naming op unless aval can exist: "<op>: negative dimension in
// shape [2,-1]", or "<op>: f32[2^40,2^40] is too large: its size in bytes overflows int64".
// As numpy, the byte count is the product of the non-zero dimensions times the element size,
// so that [0,2^62,2^62] is rejected too (its strides would overflow). Then size(), bytes()
// and every stride and offset into a dense array of aval fit in int64.
void CheckShape(std::string_view op, const ShapedArray& aval);

}  // namespace cotangent

#endif  // COTANGENT_CORE_SHAPE_H_
