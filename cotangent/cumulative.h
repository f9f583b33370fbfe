// File: cotangent/cumulative.h
// Cumulative reductions as jax.lax / jax.numpy: associative_scan (lax.associative_scan's
// parallel prefix: O(n) work, O(log n) depth, each level a few slices, pads and one call of
// fn) and, built on it, cumsum, cumprod, cummax, cummin and cumlogsumexp. Compositions of
// movement primitives and fn, so every transformation applies; their derivatives are the
// derivatives of the scan, which is how JAX defines the derivatives of cumprod, cummax and
// cummin too.

#ifndef COTANGENT_COTANGENT_CUMULATIVE_H_
#define COTANGENT_COTANGENT_CUMULATIVE_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "core/tensor.h"

namespace cotangent {

// out[i] = x[0] op x[1] op ... op x[i] along axis (from the end when reverse), for an
// associative fn(a, b) = a op b applied elementwise to tensors of one shape (fn may be called
// on any slices of x along axis, and must keep shape and dtype).
Tensor associative_scan(const std::function<Tensor(const Tensor&, const Tensor&)>& fn,
                        const Tensor& x, int64_t axis = 0, bool reverse = false);

// Running sum / product / maximum / minimum / log-sum-exp along axis; over the flattened x
// when axis is unset (jnp's default). Sums and products count bool in i32 and u8 in u32, as jnp
// (core/dtype.h SumDType).
Tensor cumsum(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool reverse = false);
Tensor cumprod(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool reverse = false);
Tensor cummax(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool reverse = false);
Tensor cummin(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool reverse = false);
Tensor cumlogsumexp(const Tensor& x, std::optional<int64_t> axis = std::nullopt,
                    bool reverse = false);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CUMULATIVE_H_
