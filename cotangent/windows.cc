// File: cotangent/windows.cc
// reduce_window as pad + one strided slice per window element, combined in window order; the
// pools over it. Window element k of output position o reads padded element o * stride +
// k * window_dilation along each axis, so the slice for k starts at k * window_dilation and
// steps by the stride.

#include "cotangent/windows.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

std::string Ints(const std::vector<int64_t>& v) { return ShapeToString(v); }

// `v`, or ones when empty; throws unless it has one entry >= 1 per axis.
std::vector<int64_t> PerAxis(const char* op, const char* what, const std::vector<int64_t>& v,
                             const Tensor& x) {
  if (v.empty()) return std::vector<int64_t>(x.ndim(), 1);
  if (static_cast<int64_t>(v.size()) != x.ndim()) {
    ThrowInvalid(op, ": ", what, " ", Ints(v), " has ", v.size(), " entries for ",
                 x.aval().ToString(), " (one per axis)");
  }
  for (int64_t d : v) {
    if (d < 1) ThrowInvalid(op, ": ", what, " ", Ints(v), " must be >= 1 on every axis");
  }
  return v;
}

// The reduction's identity in x's dtype: what padding holds.
double Identity(WindowReduction r, DType dtype) {
  if (r == WindowReduction::kSum) return 0.0;
  const bool max = r == WindowReduction::kMax;
  if (dtype == DType::kI32) {
    return max ? std::numeric_limits<int32_t>::lowest() : std::numeric_limits<int32_t>::max();
  }
  if (dtype == DType::kBool) return max ? 0.0 : 1.0;
  return max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

// acc combined with the next window element: a sum, or the strictly greater (smaller) one, so
// the first extremal element is kept and its tangent taken; a NaN element wins (max and min
// propagate NaN).
Tensor Combine(WindowReduction r, const Tensor& acc, const Tensor& next) {
  if (r == WindowReduction::kSum) return lax::add(acc, next);
  Tensor take = r == WindowReduction::kMax ? lax::gt(next, acc) : lax::lt(next, acc);
  if (IsFloating(next.dtype())) {
    take = lax::bitwise_or(take, lax::ne(next, next));
  }
  return lax::select(take, next, acc);
}

}  // namespace

std::vector<std::pair<int64_t, int64_t>> padtype_to_pads(const Shape& in_shape,
                                                         const std::vector<int64_t>& window,
                                                         const std::vector<int64_t>& strides,
                                                         Padding padding) {
  if (window.size() != in_shape.size() || strides.size() != in_shape.size()) {
    ThrowInvalid("padtype_to_pads: window ", Ints(window), " and strides ", Ints(strides),
                 " need one entry per axis of ", ShapeToString(in_shape));
  }
  std::vector<std::pair<int64_t, int64_t>> pads(in_shape.size(), {0, 0});
  if (padding == Padding::kValid) return pads;
  for (size_t a = 0; a < in_shape.size(); ++a) {
    if (strides[a] < 1) ThrowInvalid("padtype_to_pads: strides ", Ints(strides), " must be >= 1");
    const int64_t out = (in_shape[a] + strides[a] - 1) / strides[a];
    const int64_t total = std::max<int64_t>((out - 1) * strides[a] + window[a] - in_shape[a], 0);
    pads[a] = {total / 2, total - total / 2};
  }
  return pads;
}

Tensor reduce_window(const Tensor& x, WindowReduction reduction,
                     const std::vector<int64_t>& window_dimensions,
                     const std::vector<int64_t>& window_strides,
                     const std::vector<std::pair<int64_t, int64_t>>& padding,
                     const std::vector<int64_t>& base_dilation,
                     const std::vector<int64_t>& window_dilation) {
  const char* op = "reduce_window";
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
  if (reduction == WindowReduction::kSum && x.dtype() == DType::kBool) {
    ThrowInvalid(op, ": a window sum of bool ", x.aval().ToString(), "; convert it first");
  }
  if (static_cast<int64_t>(window_dimensions.size()) != x.ndim()) {
    ThrowInvalid(op, ": window_dimensions ", Ints(window_dimensions), " has ",
                 window_dimensions.size(), " entries for ", x.aval().ToString(), " (one per axis)");
  }
  const std::vector<int64_t> window = PerAxis(op, "window_dimensions", window_dimensions, x);
  const std::vector<int64_t> strides = PerAxis(op, "window_strides", window_strides, x);
  const std::vector<int64_t> base = PerAxis(op, "base_dilation", base_dilation, x);
  const std::vector<int64_t> dilation = PerAxis(op, "window_dilation", window_dilation, x);
  if (!padding.empty() && static_cast<int64_t>(padding.size()) != x.ndim()) {
    ThrowInvalid(op, ": padding has ", padding.size(), " (low, high) pairs for ",
                 x.aval().ToString(), " (one per axis)");
  }
  const int64_t r = x.ndim();
  std::vector<int64_t> low(r, 0), high(r, 0), interior(r), out(r);
  for (int64_t a = 0; a < r; ++a) {
    if (!padding.empty()) std::tie(low[a], high[a]) = padding[a];
    interior[a] = base[a] - 1;
    const int64_t dilated = x.shape()[a] == 0 ? 0 : (x.shape()[a] - 1) * base[a] + 1;
    const int64_t padded = dilated + low[a] + high[a];
    if (padded < 0) {
      ThrowInvalid(op, ": padding (", low[a], ", ", high[a], ") crops more than axis ", a, " of ",
                   x.aval().ToString(), " holds");
    }
    const int64_t span = (window[a] - 1) * dilation[a] + 1;
    out[a] = padded < span ? 0 : (padded - span) / strides[a] + 1;
  }
  const Tensor padded = lax::pad(x, Identity(reduction, x.dtype()), low, high, interior);
  // One strided slice per window element k (row-major over the window). An empty output is
  // the first one's (later ones may start past the end).
  const bool empty = std::find(out.begin(), out.end(), 0) != out.end();
  Tensor acc;
  std::vector<int64_t> k(r, 0), start(r), limit(r);
  for (;;) {
    for (int64_t a = 0; a < r; ++a) {
      start[a] = k[a] * dilation[a];
      limit[a] = out[a] == 0 ? start[a] : start[a] + (out[a] - 1) * strides[a] + 1;
    }
    const Tensor piece = lax::slice(padded, start, limit, strides);
    acc = acc.defined() ? Combine(reduction, acc, piece) : piece;
    if (empty) break;
    int64_t a = r - 1;
    while (a >= 0 && ++k[a] == window[a]) k[a--] = 0;
    if (a < 0) break;
  }
  return acc;
}

Tensor reduce_window(const Tensor& x, WindowReduction reduction,
                     const std::vector<int64_t>& window_dimensions,
                     const std::vector<int64_t>& window_strides, Padding padding) {
  if (!x.defined()) ThrowInvalid("reduce_window: undefined tensor");
  const std::vector<int64_t> strides =
      window_strides.empty() ? std::vector<int64_t>(x.ndim(), 1) : window_strides;
  return reduce_window(x, reduction, window_dimensions, strides,
                       padtype_to_pads(x.shape(), window_dimensions, strides, padding));
}

namespace {

// The window and strides of a pool over x's axes (batch..., window axes..., features).
std::pair<std::vector<int64_t>, std::vector<int64_t>> PoolWindow(
    const char* op, const Tensor& x, const std::vector<int64_t>& window_shape,
    const std::vector<int64_t>& strides) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
  const int64_t k = static_cast<int64_t>(window_shape.size());
  if (x.ndim() < k + 1) {
    ThrowInvalid(op, ": x ", x.aval().ToString(), " needs ", k,
                 " window axes and a features axis for window_shape ", Ints(window_shape));
  }
  if (!strides.empty() && strides.size() != window_shape.size()) {
    ThrowInvalid(op, ": strides ", Ints(strides), " and window_shape ", Ints(window_shape),
                 " differ in length");
  }
  const int64_t batch = x.ndim() - k - 1;
  std::vector<int64_t> window(x.ndim(), 1), step(x.ndim(), 1);
  for (int64_t i = 0; i < k; ++i) {
    window[batch + i] = window_shape[i];
    if (!strides.empty()) step[batch + i] = strides[i];
  }
  return {window, step};
}

}  // namespace

Tensor max_pool(const Tensor& x, const std::vector<int64_t>& window_shape,
                const std::vector<int64_t>& strides, Padding padding) {
  const auto [window, step] = PoolWindow("max_pool", x, window_shape, strides);
  return reduce_window(x, WindowReduction::kMax, window, step, padding);
}

Tensor avg_pool(const Tensor& x, const std::vector<int64_t>& window_shape,
                const std::vector<int64_t>& strides, Padding padding, bool count_include_pad) {
  const auto [window, step] = PoolWindow("avg_pool", x, window_shape, strides);
  Tensor sums = reduce_window(x, WindowReduction::kSum, window, step, padding);
  if (!IsFloating(sums.dtype())) sums = astype(sums, kDefaultFloat);
  if (count_include_pad) {
    int64_t size = 1;
    for (int64_t w : window) size *= w;
    return sums / static_cast<double>(size);
  }
  // The elements of x each window covers: the same window sum over ones of x's window axes.
  Shape ones_shape(x.ndim(), 1);
  std::vector<int64_t> ones_window(x.ndim(), 1), ones_step(x.ndim(), 1);
  for (int64_t a = 0; a < x.ndim(); ++a) {
    if (window[a] > 1 || step[a] > 1) {
      ones_shape[a] = x.shape()[a];
      ones_window[a] = window[a];
      ones_step[a] = step[a];
    }
  }
  const Tensor counts = reduce_window(ones(ones_shape, sums.dtype()), WindowReduction::kSum,
                                      ones_window, ones_step, padding);
  return sums / counts;
}

}  // namespace cotangent
