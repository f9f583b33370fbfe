// File: cotangent/random_internal.h
// What cotangent/random.cc and random_distributions.cc share and users do not need: the
// sampler's checks, the cached jit every public sampler runs through, and the traced building
// blocks over a key's u32[2] data (split, uniform, normal, exponential, rademacher), each
// JAX's definition (random.cc cites them).

#ifndef COTANGENT_COTANGENT_RANDOM_INTERNAL_H_
#define COTANGENT_COTANGENT_RANDOM_INTERNAL_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "cotangent/jit.h"
#include "cotangent/random.h"

namespace cotangent::random::internal {

// The jitted form of a sampler, made once and never destroyed: its compiled plans may hold
// backend objects, which must not outlive their backend at exit.
template <typename F>
const auto& Compiled(F f, const char* name, std::vector<int> static_args) {
  return *new auto(jit(std::move(f), static_argnums(std::move(static_args)), jit_name(name)));
}

// Throws unless key is one defined key (shape []).
void CheckSingleKey(const char* op, const Key& key);
// Throws as CheckShape for a shape that cannot exist, and ResourceExhausted when the words it
// needs (8 bytes per element at most) cannot fit in memory.
void CheckSampleShape(const char* op, const Shape& shape, DType dtype);
// The checks of a floating sampler: one key, a shape that can exist, f32 or f64.
void CheckFloatSampler(const char* op, const Key& key, const Shape& shape, DType dtype,
                       bool halves = false);

// The checks of the samplers with parameters (random_distributions.cc). numpy's broadcast of
// two shapes, or an Error naming op.
Shape Broadcast(const char* op, const Shape& a, const Shape& b);
// A distribution's parameter: defined and floating or integer (converted to the dtype drawn).
void CheckParameter(const char* op, const char* name, const Tensor& x);
// The sample shape: `shape` when given (the parameters must broadcast to it), else the
// parameters' broadcast shape.
Shape SampleShape(const char* op, const std::optional<Shape>& shape, const Shape& params);
// Each parameter checked (named), and the sample shape of their broadcast.
using Parameters = std::initializer_list<std::pair<const char*, const Tensor*>>;
Shape ParameterShape(const char* op, Parameters params, const std::optional<Shape>& shape);
// ParameterShape and CheckFloatSampler: the sample shape of a floating sampler.
Shape CheckSampler(const char* op, const Key& key, Parameters params,
                   const std::optional<Shape>& shape, DType dtype, bool halves = false);
// A parameter converted to dtype and broadcast to the sample shape.
Tensor Parameter(const Tensor& a, const Shape& shape, DType dtype);

// n keys from key data (u32[2]), as u32[n, 2].
Tensor SplitData(const Tensor& data, int64_t n);
// Samples of shape and floating dtype from key data: uniform in [minval, maxval), standard
// normal, standard exponential; rademacher of any numeric dtype.
Tensor Uniform(const Tensor& data, const Shape& shape, DType dtype, double minval, double maxval);
Tensor Normal(const Tensor& data, const Shape& shape, DType dtype);
Tensor Exponential(const Tensor& data, const Shape& shape, DType dtype);
Tensor Rademacher(const Tensor& data, const Shape& shape, DType dtype);

}  // namespace cotangent::random::internal

#endif  // COTANGENT_COTANGENT_RANDOM_INTERNAL_H_
