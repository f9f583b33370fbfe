// File: cotangent/sorting.h
// Sorting, as jax.numpy and lax: sort, argsort, lax.sort of several operands (sort_operands),
// sort_key_val, top_k, searchsorted, and quantile, percentile and median (and their nan*
// forms) on sorted values.
// All are the argsort primitive (core/primitives.def) and gathers by its permutation, so every
// transformation applies and the derivative of a sorted value is that of the element it came
// from (JAX's sort rule); the permutation itself has a zero derivative.
//
// The order is lax.sort's total order: -0 equals +0, NaN sorts after +inf and every NaN is
// equal; bool false < true; complex numbers by real part, then imaginary part (each in that
// order). Sorts are stable: equal keys keep their order, also descending
// (jnp.argsort(stable=True, descending=True)). No result has a data-dependent shape (unique
// and nonzero are not here, as in JAX without their size argument).

#ifndef COTANGENT_COTANGENT_SORTING_H_
#define COTANGENT_COTANGENT_SORTING_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace cotangent {

// x sorted along axis (the flattened x when unset), ascending or descending.
Tensor sort(const Tensor& x, std::optional<int64_t> axis = -1, bool descending = false);
// The permutation (i32) that sorts x along axis (the flattened x when unset), stably.
Tensor argsort(const Tensor& x, std::optional<int64_t> axis = -1, bool descending = false);

// lax.sort: operands of one shape reordered along dimension by the lexicographic order of the
// first num_keys of them (the others follow their keys), stably. (Not an overload of sort:
// sort({x}, 0, true) would call the one above.)
std::vector<Tensor> sort_operands(const std::vector<Tensor>& operands, int64_t dimension = -1,
                                  int64_t num_keys = 1);
// lax.sort_key_val: keys sorted along dimension, and values reordered with them.
std::pair<Tensor, Tensor> sort_key_val(const Tensor& keys, const Tensor& values,
                                       int64_t dimension = -1);

// lax.top_k: the k largest entries along the last axis, largest first, and their indices (i32);
// equal entries in index order, NaN above every number. argsort's k: the CPU selects rather
// than sorts (backends/cpu/kernels_sort.cc).
std::pair<Tensor, Tensor> top_k(const Tensor& x, int64_t k);

// Where each element of v would go into the sorted 1-D a to keep it sorted (i32, v's shape):
// kLeft, the first such index i (a[i-1] < v <= a[i]); kRight, the last (a[i-1] <= v < a[i]);
// in the sort order above (NaN last). A binary search of ceil(log2(n + 1)) gathers, as
// jnp.searchsorted's default method.
enum class Side { kLeft, kRight };
Tensor searchsorted(const Tensor& a, const Tensor& v, Side side = Side::kLeft);

// jnp.quantile: the q-th quantiles (q in [0, 1], a scalar or 1-D tensor, whose axis comes
// first in the result) of x along axis (all of x when unset), between the sorted values at
// floor and ceil of q (n - 1) as `method` says (kNearest takes the lower one at a tie, as
// JAX). Integer x is computed in f32; complex x is an error, as in JAX. Any NaN along the axis
// gives NaN. keepdims keeps the reduced axes with size 1.
enum class QuantileMethod { kLinear, kLower, kHigher, kMidpoint, kNearest };
Tensor quantile(const Tensor& x, const Tensor& q, std::optional<int64_t> axis = std::nullopt,
                QuantileMethod method = QuantileMethod::kLinear, bool keepdims = false);
Tensor quantile(const Tensor& x, double q, std::optional<int64_t> axis = std::nullopt,
                QuantileMethod method = QuantileMethod::kLinear, bool keepdims = false);
// quantile of p / 100.
Tensor percentile(const Tensor& x, double p, std::optional<int64_t> axis = std::nullopt,
                  QuantileMethod method = QuantileMethod::kLinear, bool keepdims = false);
// The 0.5 quantile (the mean of the two middle values for an even count).
Tensor median(const Tensor& x, std::optional<int64_t> axis = std::nullopt, bool keepdims = false);
// The same ignoring NaNs (jnp.nanquantile, nanpercentile, nanmedian): the quantiles of each
// line's numbers; NaN where a line has none.
Tensor nanquantile(const Tensor& x, const Tensor& q, std::optional<int64_t> axis = std::nullopt,
                   QuantileMethod method = QuantileMethod::kLinear, bool keepdims = false);
Tensor nanquantile(const Tensor& x, double q, std::optional<int64_t> axis = std::nullopt,
                   QuantileMethod method = QuantileMethod::kLinear, bool keepdims = false);
Tensor nanpercentile(const Tensor& x, double p, std::optional<int64_t> axis = std::nullopt,
                     QuantileMethod method = QuantileMethod::kLinear, bool keepdims = false);
Tensor nanmedian(const Tensor& x, std::optional<int64_t> axis = std::nullopt,
                 bool keepdims = false);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_SORTING_H_
