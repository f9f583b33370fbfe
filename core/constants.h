// File: core/constants.h
// Concrete values made from host data or a fill value: the one place numbers become device
// arrays, used by the creation API (cotangent/creation.h) and by rules that need constants
// (zeros, ones). Every function validates the shape (CheckShape) and allocates the device
// array before any host work, so an impossible size is an Error naming the operation:
// InvalidArgument for a shape that cannot exist, ResourceExhausted (with the bytes) for memory
// that cannot be had.

#ifndef COTANGENT_CORE_CONSTANTS_H_
#define COTANGENT_CORE_CONSTANTS_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent {

// Throws "<op>: value V is not representable as u8" for a fractional, non-finite or
// out-of-range value of an integer dtype; every number is representable in the others (a
// float dtype rounds it).
void CheckRepresentable(Number value, DType dtype, const char* op);

// A dense tensor from `count` row-major elements of dtype at `data`, on the default backend.
// Throws "<op>: got N values for shape [..]" when count does not match the shape.
Tensor FromHost(const void* data, int64_t count, const Shape& shape, DType dtype, const char* op);

// A dense tensor from doubles converted to dtype; throws when a value is not representable
// (a fractional or out-of-range value for an integer dtype). Doubles hold every integer up to
// 2^53 exactly; larger i64 values come through FromHost.
Tensor FromDoubles(const std::vector<double>& values, const Shape& shape, DType dtype,
                   const char* op);

// A dense tensor whose row-major element i is value(i) converted to dtype, with FromDoubles'
// check. Costs the array and one host copy of it in dtype (never a vector of doubles).
Tensor Generate(const Shape& shape, DType dtype, const char* op,
                absl::FunctionRef<double(int64_t)> value);

// A dense tensor of aval with every element `value`, filled on its device (Backend::Fill): it
// costs the array alone. Throws when value is not representable in aval.dtype.
Tensor Filled(const ShapedArray& aval, Number value, const char* op);

// A tensor of aval filled with value: one filled scalar broadcast as a view (no copy). It is
// uncommitted (core/array.h): used with arrays of another backend, it moves there.
Tensor Full(const ShapedArray& aval, Number value);

// A scalar of dtype equal to value (exact in dtype), as a program literal evaluates: cached per
// thread and default backend, so a literal costs no allocation or fill after its first use.
Tensor Literal(Number value, DType dtype);
inline Tensor ZerosLike(const Tensor& x) { return Full(x.aval(), 0.0); }
inline Tensor OnesLike(const Tensor& x) { return Full(x.aval(), 1.0); }
// A scalar constant broadcast to x's shape, in x's dtype.
inline Tensor FullLike(const Tensor& x, Number value) { return Full(x.aval(), value); }

}  // namespace cotangent

#endif  // COTANGENT_CORE_CONSTANTS_H_
