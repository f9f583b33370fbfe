// File: cotangent/indexing.h
// Indexing by index values, as jax.numpy: take, take_along_axis, integer-array indexing with
// functional updates (at(x, i).get() / set / add / mul / min / max), dynamic_slice,
// dynamic_update_slice, rev and flip. All are compositions of lax's gather and scatters
// (core/lax.h), so every transformation applies to them; index tensors are of any integer dtype
// (converted to i32, saturating: an out-of-bounds index stays out of bounds) and negative
// indices count from the end, as numpy's. Out-of-bounds indices never read or write outside the
// array: retrieval clamps them (take fills, as jnp.take), updates drop them, and `mode` chooses
// otherwise. No result has a data-dependent shape (boolean masks are `where`, as in JAX).

#ifndef COTANGENT_COTANGENT_INDEXING_H_
#define COTANGENT_COTANGENT_INDEXING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/params.h"
#include "core/primitive.h"
#include "core/tensor.h"

namespace cotangent {

// JAX's default fill of out-of-bounds windows: NaN for floats, a signed type's minimum, an
// unsigned type's maximum, true.
Number DefaultFillValue(DType dtype);

// x's elements at `indices` (integers, any shape) along axis: the result's shape is
// x.shape[:axis] + indices.shape + x.shape[axis+1:]. mode kFill (jnp.take's default) gives
// fill_value (DefaultFillValue when unset) for an index outside [-n, n); kClip clamps it.
Tensor take(const Tensor& x, const Tensor& indices, int64_t axis = 0,
            IndexMode mode = IndexMode::kFill, std::optional<Number> fill_value = std::nullopt);

// x's elements at `indices` along axis, where indices has x's rank and, along every other
// axis, x's size or 1 (broadcast): out[..., i, ...] = x[..., indices[..., i, ...], ...]. The
// result has indices' shape with the other axes broadcast to x's. Out of bounds: kFill.
Tensor take_along_axis(const Tensor& x, const Tensor& indices, int64_t axis,
                       IndexMode mode = IndexMode::kFill);

// x[i0, i1, ..., ik-1] with integer-array indices on x's leading k axes (numpy's advanced
// indexing): the indices broadcast together to shape B, and the element or sub-array at each
// position of B is gathered, giving B + x.shape[k:]. JAX's x.at[i0, ...] (C++ has no member
// to add to Tensor from here): at(x, {i, j}).add(v) is x.at[i, j].add(v).
class IndexedTensor {
 public:
  IndexedTensor(Tensor x, std::vector<Tensor> indices);

  // x[indices]. Out of bounds: kClip (JAX's retrieval) or kFill (fill_value, DefaultFillValue
  // when unset).
  Tensor get(IndexMode mode = IndexMode::kClip,
             std::optional<Number> fill_value = std::nullopt) const;
  // x with `values` (broadcast to the shape get() returns and cast to x's dtype) stored
  // (set), added, multiplied in, or combined by min or max at the indices, as lax's
  // scatter, scatter_add, scatter_mul, scatter_min and scatter_max. Repeated indices combine
  // every value, in index order; set keeps the last (JAX leaves which one unspecified). Out of
  // bounds: kFill drops the update (JAX's default), kClip clamps the index.
  Tensor set(const Tensor& values, IndexMode mode = IndexMode::kFill) const;
  Tensor add(const Tensor& values, IndexMode mode = IndexMode::kFill) const;
  Tensor mul(const Tensor& values, IndexMode mode = IndexMode::kFill) const;
  Tensor min(const Tensor& values, IndexMode mode = IndexMode::kFill) const;
  Tensor max(const Tensor& values, IndexMode mode = IndexMode::kFill) const;
  Tensor set(Number value, IndexMode mode = IndexMode::kFill) const;
  Tensor add(Number value, IndexMode mode = IndexMode::kFill) const;
  Tensor mul(Number value, IndexMode mode = IndexMode::kFill) const;
  Tensor min(Number value, IndexMode mode = IndexMode::kFill) const;
  Tensor max(Number value, IndexMode mode = IndexMode::kFill) const;

 private:
  Tensor Scatter(Primitive prim, const Tensor& values, IndexMode mode) const;
  Tensor x_;
  Tensor indices_;  // i32, B + [k]: the index vectors, normalized to [0, n)
};
IndexedTensor at(const Tensor& x, std::vector<Tensor> indices);
IndexedTensor at(const Tensor& x, const Tensor& index);

// The block of x of shape `sizes` starting at `starts` (one integer scalar per axis, traced or
// concrete), as lax.dynamic_slice: starts are clamped so that the block fits.
Tensor dynamic_slice(const Tensor& x, const std::vector<Tensor>& starts,
                     const std::vector<int64_t>& sizes);
// x with `update` written over the block at `starts` (clamped so that it fits), as
// lax.dynamic_update_slice.
Tensor dynamic_update_slice(const Tensor& x, const Tensor& update,
                            const std::vector<Tensor>& starts);

// x reversed along `axes` (lax.rev); flip reverses every axis when axis is unset (jnp.flip).
Tensor rev(const Tensor& x, const std::vector<int64_t>& axes);
Tensor flip(const Tensor& x, std::optional<int64_t> axis = std::nullopt);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_INDEXING_H_
