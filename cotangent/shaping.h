// File: cotangent/shaping.h
// numpy's array-manipulation and matrix routines that users reach for first, composed of the
// movement primitives (slice, pad, broadcast, reshape, concatenate) so that every
// transformation applies to them unchanged: split, array_split, tile, repeat, roll, meshgrid,
// tril, triu, diagonal, diag, trace, outer. Semantics and errors follow jax.numpy; none makes
// a data-dependent shape.

#ifndef COTANGENT_COTANGENT_SHAPING_H_
#define COTANGENT_COTANGENT_SHAPING_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace cotangent {

// x cut along axis into `sections` equal parts (an Error when the length does not divide, as
// numpy), or at the given indices (parts x[:i0], x[i0:i1], ..., x[ik:]; indices past the end
// give empty parts).
std::vector<Tensor> split(const Tensor& x, int64_t sections, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& indices, int64_t axis = 0);
// As split into `sections` parts, but the length need not divide: the first length % sections
// parts have one more element.
std::vector<Tensor> array_split(const Tensor& x, int64_t sections, int64_t axis = 0);

// x repeated reps[i] times along axis i; reps shorter than x's rank applies to the last axes,
// longer promotes x with leading axes of size 1.
Tensor tile(const Tensor& x, const std::vector<int64_t>& reps);
// Each element repeated `repeats` times along axis (of the flattened x when axis is nullopt).
Tensor repeat(const Tensor& x, int64_t repeats, std::optional<int64_t> axis = std::nullopt);
// Elements shifted by `shift` positions along axis (of the flattened x when axis is nullopt),
// wrapping around; negative shifts go the other way.
Tensor roll(const Tensor& x, int64_t shift, std::optional<int64_t> axis = std::nullopt);

// Coordinate grids from 1-D tensors: output k holds xs[k] broadcast along axis k ("ij"), or
// with the first two axes swapped ("xy", numpy's default, for Cartesian x-y grids).
std::vector<Tensor> meshgrid(const std::vector<Tensor>& xs, std::string_view indexing = "xy");

// The lower (tril: column - row <= k) or upper (triu: column - row >= k) triangle of the last
// two axes, zeros elsewhere.
Tensor tril(const Tensor& x, int64_t k = 0);
Tensor triu(const Tensor& x, int64_t k = 0);

// The diagonal x[..., i, i + offset] of axes axis1 and axis2, as a new last axis (the other
// axes keep their order), read with a strided slice: O(n), not a masked sum.
Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t axis1 = 0, int64_t axis2 = 1);
// A 1-D v as the k-th diagonal of a square matrix (placed by interior padding), or the k-th
// diagonal of a 2-D v.
Tensor diag(const Tensor& v, int64_t k = 0);
// The sum of the diagonal of axes axis1, axis2.
Tensor trace(const Tensor& x, int64_t offset = 0, int64_t axis1 = 0, int64_t axis2 = 1);
// a.ravel()[:, None] * b.ravel()[None, :].
Tensor outer(const Tensor& a, const Tensor& b);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_SHAPING_H_
