// File: cotangent/creation.h
// Making concrete tensors from host data: tensor, scalar, zeros, ones, full, arange, linspace,
// eye, from_vector. New tensors go to the default backend (COTANGENT_BACKEND, cpu when unset).

#ifndef COTANGENT_COTANGENT_CREATION_H_
#define COTANGENT_COTANGENT_CREATION_H_

#include <cstdint>
#include <vector>

#include "core/constants.h"
#include "core/dtype.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent {

// A tensor of `shape` from row-major `values`, converted to dtype. Throws when the number of
// values differs from the number of elements of shape.
Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype = f32);

// A tensor from typed host data; the dtype is that of T (bool, uint8_t, uint32_t, int32_t,
// int64_t, float16, bfloat16, float, double: DTypeOf in core/dtype.h), exact for every value.
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);

// A rank-0 tensor. The value is a Number (core/dtype.h): an integer stays exact (an i64 past
// 2^53 too), and one the dtype cannot hold (a fraction or an out-of-range integer for an
// integer dtype) is an Error.
Tensor scalar(Number value, DType dtype = f32);

Tensor zeros(const Shape& shape, DType dtype = f32);
Tensor ones(const Shape& shape, DType dtype = f32);
Tensor full(const Shape& shape, Number value, DType dtype = f32);
// Same shape and dtype as x (and concrete, even when x is traced).
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
Tensor full_like(const Tensor& x, Number value);

// [0, 1, ..., n-1], i32 by default as jnp.arange(n).
Tensor arange(int64_t n, DType dtype = i32);
// start, start + step, ... up to but excluding stop, as numpy.
Tensor arange(double start, double stop, double step, DType dtype = f32);
// num evenly spaced values from start to stop inclusive.
Tensor linspace(double start, double stop, int64_t num, DType dtype = f32);
// The n x m identity (m = n when omitted).
Tensor eye(int64_t n, DType dtype = f32);
Tensor eye(int64_t n, int64_t m, DType dtype);

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return FromHost(bytes.data(), static_cast<int64_t>(bytes.size()), shape, DType::kBool,
                    "from_vector");
  } else {
    return FromHost(values.data(), static_cast<int64_t>(values.size()), shape,
                    DTypeOf<T>::value, "from_vector");
  }
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CREATION_H_
