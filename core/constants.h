// File: core/constants.h
// Concrete values made from host data: the one place host numbers become device arrays, used
// by the creation API (cotangent/creation.h) and by rules that need constants (zeros, ones).

#ifndef COTANGENT_CORE_CONSTANTS_H_
#define COTANGENT_CORE_CONSTANTS_H_

#include <cstdint>
#include <vector>

#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent {

// A dense tensor from `count` row-major elements of dtype at `data`, on the default backend.
// Throws "<op>: got N values for shape [..]" when count does not match the shape.
Tensor FromHost(const void* data, int64_t count, const Shape& shape, DType dtype, const char* op);

// A dense tensor from doubles converted to dtype; throws when a value is not representable
// (a fractional or out-of-range value for i32).
Tensor FromDoubles(const std::vector<double>& values, const Shape& shape, DType dtype,
                   const char* op);

// A tensor of aval filled with value: one uploaded scalar broadcast as a view (no copy). It is
// uncommitted (core/array.h): used with arrays of another backend, it moves there.
Tensor Full(const ShapedArray& aval, double value);

inline Tensor ZerosLike(const Tensor& x) { return Full(x.aval(), 0.0); }
inline Tensor OnesLike(const Tensor& x) { return Full(x.aval(), 1.0); }
// A scalar constant broadcast to x's shape, in x's dtype.
inline Tensor FullLike(const Tensor& x, double value) { return Full(x.aval(), value); }

}  // namespace cotangent

#endif  // COTANGENT_CORE_CONSTANTS_H_
