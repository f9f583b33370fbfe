// File: cotangent/windows.h
// Reductions over sliding windows, as lax.reduce_window (sum, max, min with strides, padding,
// base and window dilation), and the pooling layers built on them (flax.linen's avg_pool and
// max_pool). A composite: the input padded and dilated once (lax.pad), then one strided slice
// per window element combined elementwise, so the work is O(window x output) with no patch
// array, and every transformation applies through the slices, pads and selects.
//
// The derivative of a window max or min goes to the first extremal element of each window in
// row-major window order, as XLA's select-and-scatter (JAX's reduce_window_max jvp); NaN
// propagates. A window reduction over an axis is the identity there for a window of 1.

#ifndef COTANGENT_COTANGENT_WINDOWS_H_
#define COTANGENT_COTANGENT_WINDOWS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace cotangent {

enum class WindowReduction { kSum, kMax, kMin };

// lax.padtype_to_pads: VALID is no padding; SAME pads so that the output has ceil(n / stride)
// elements, the extra element at the end when the padding is odd.
enum class Padding { kValid, kSame };

// Per-axis (low, high) padding of `in_shape` for windows and strides (one per axis).
std::vector<std::pair<int64_t, int64_t>> padtype_to_pads(const Shape& in_shape,
                                                         const std::vector<int64_t>& window,
                                                         const std::vector<int64_t>& strides,
                                                         Padding padding);

// lax.reduce_window with a sum, max or min: window_dimensions has one entry per axis of x;
// window_strides, base_dilation and window_dilation default to ones; padding to none (negative
// padding crops). Padding takes the reduction's identity (0, -inf, +inf; the i32 extremes).
// The output has floor((padded - ((w - 1) window_dilation + 1)) / stride) + 1 elements per axis
// (padded: the base-dilated size plus the padding), at least 0.
Tensor reduce_window(const Tensor& x, WindowReduction reduction,
                     const std::vector<int64_t>& window_dimensions,
                     const std::vector<int64_t>& window_strides = {},
                     const std::vector<std::pair<int64_t, int64_t>>& padding = {},
                     const std::vector<int64_t>& base_dilation = {},
                     const std::vector<int64_t>& window_dilation = {});
Tensor reduce_window(const Tensor& x, WindowReduction reduction,
                     const std::vector<int64_t>& window_dimensions,
                     const std::vector<int64_t>& window_strides, Padding padding);

// flax.linen pooling over x's window axes: x is (batch..., window axes..., features), one
// window axis per entry of window_shape, strides default to ones. avg_pool divides by the
// window size (count_include_pad) or by the number of elements of x it covers.
Tensor max_pool(const Tensor& x, const std::vector<int64_t>& window_shape,
                const std::vector<int64_t>& strides = {}, Padding padding = Padding::kValid);
Tensor avg_pool(const Tensor& x, const std::vector<int64_t>& window_shape,
                const std::vector<int64_t>& strides = {}, Padding padding = Padding::kValid,
                bool count_include_pad = true);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_WINDOWS_H_
