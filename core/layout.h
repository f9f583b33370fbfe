// File: core/layout.h
// Layout math, written once for eval's views (core/eval.cc) and both backends' kernels: the
// strides of a view (transpose, broadcast_in_dim, slice, reshape), where pad puts its operand
// and where concatenate puts each of its operands (PlanMovement: the strided copies of a
// movement primitive), how a fused kernel can read an operand, and the coalescing of the
// dimensions of several strided operands into the fewest loops. An element (i_0, ..., i_{r-1})
// of an Array sits at offset + sum_d i_d * strides[d] (core/array.h).

#ifndef COTANGENT_CORE_LAYOUT_H_
#define COTANGENT_CORE_LAYOUT_H_

#include <cstdint>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "core/array.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/shape.h"

namespace cotangent {

// prim of x as a view of x's buffer, no element moved, or nullopt when prim is no view of x.
// Output index i reads x at:
//   transpose         strides'[k] = strides[permutation[k]]
//   broadcast_in_dim  strides'[broadcast_dimensions[j]] = strides[j], except 0 where x's axis j
//                     has size 1; 0 on the new axes (an element repeated)
//   slice             offset' = offset + sum_d start[d] * strides[d],
//                     strides'[d] = strides[d] * stride[d], but 0 on an axis of one element:
//                     it never steps, and its stride may be near INT64_MAX (an overflow)
//   reshape           only of contiguous x: the dense strides of the new shape at x's offset
//   stop_gradient, convert to x's own dtype: x itself.
// core/eval.cc returns these views, so no backend receives transpose, broadcast_in_dim, slice
// or stop_gradient from it.
std::optional<Array> ViewOf(Primitive prim, const Array& x, const Params& params,
                            const ShapedArray& out_aval);

// A c64 or c128 array as the real array of its (real, imaginary) pairs, a view: z's shape and
// a last axis of 2, its parts' dtype (f32, f64), strides doubled and 1 along the new axis.
// Backends move complex data through it (no kernel copies a 16-byte element).
Array ComplexPairs(const Array& z);

// dst[i] = src[i] for every index i of src.aval.shape; dst.aval == src.aval.
struct StridedCopy {
  Array src, dst;
};

// pad: x's element i lands at out index low + i * (interior + 1) along each axis; those landing
// outside out (negative low or high edges crop) are dropped. Along an axis of n elements with
// step = interior + 1, the kept ones are [first, last) with
//   first = ceil(-low / step) if low < 0 else 0,   last = min(n, ceil((out_n - low) / step)),
// read from x at offset + first * stride and written to out from (low + first * step) with
// stride step * out_stride. The copy of the kept elements into out, or nullopt when every
// element is cropped away.
std::optional<StridedCopy> PadPlacement(const Array& x, const Params& params, const Array& out);

// concatenate: operand k fills the window out[..., b_k : b_k + n_k, ...] along the axis, where
// n_k is its size there and b_k = n_0 + ... + n_{k-1}: a view of out with out's strides at
// offset out.offset + b_k * out.strides[axis]. One copy per operand.
absl::InlinedVector<StridedCopy, 2> ConcatenateWindows(absl::Span<const Array> in,
                                                       const Params& params, const Array& out);

// A movement primitive as a backend runs it into its dense output: fill out with `fill` when
// set (pad's background), then the copies. Every primitive of the movement family and
// stop_gradient has one: reshape copies x in its own shape into out's dense strides (row-major
// order is all reshape keeps); a view (ViewOf) is one copy of the view; pad and concatenate as
// above. nullopt for any other primitive.
struct MovementPlan {
  std::optional<Number> fill;
  absl::InlinedVector<StridedCopy, 2> copies;
};
std::optional<MovementPlan> PlanMovement(Primitive prim, absl::Span<const Array> in,
                                         const Params& params, const Array& out);

// How a kernel walking its output by flat (row-major) position p can read an operand of the
// output's shape: dense (element p at offset + p), or one element repeated (at offset: every
// stride 0, or a single element). nullopt for every other layout (transposed, sliced with
// gaps, partly broadcast). Fused elementwise kernels read only these (core/fusible.h).
enum class FlatRead { kDense, kRepeated };
std::optional<FlatRead> FlatReadOf(const Array& x);

// Dimensions of a coalesced iteration space (inline up to rank 8: no allocation).
using Dims = absl::InlinedVector<int64_t, 8>;

// An iteration space of several operands over one shape: position (i_0, ..., i_{r-1}) of
// operand k is at element offsets[k] + sum_d i_d * strides[k][d]. Rank >= 1.
struct StridedSpace {
  Dims shape;
  absl::InlinedVector<int64_t, 4> offsets;
  absl::InlinedVector<Dims, 4> strides;

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t size() const { return NumElements(shape); }
  // Stride of operand k along the innermost dimension.
  int64_t inner_stride(int k) const { return strides[k].back(); }
};

// The space over `shape` with each operand's strides (and offsets; all 0 when empty),
// coalesced: dimensions of size 1 are dropped, and dimension d merges into its outer
// neighbour d' when every operand steps over the pair as over one dimension,
//   strides[k][d'] == strides[k][d] * shape[d]   for every k,
// which keeps the row-major order of positions (a dense operand stays dense, a transposed pair
// stays two dimensions). A dimension of size 0 never merges. A scalar or all-ones shape is one
// dimension of size 1 with strides 0.
StridedSpace Coalesce(absl::Span<const int64_t> shape,
                      absl::Span<const absl::Span<const int64_t>> strides,
                      absl::Span<const int64_t> offsets = {});

}  // namespace cotangent

#endif  // COTANGENT_CORE_LAYOUT_H_
