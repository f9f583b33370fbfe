// File: cotangent/sorting.cc
// Everything here is lax::argsort and gathers by the permutation (take_along_axis, take),
// so derivatives, batching and jit come from those primitives' rules.

#include "cotangent/sorting.h"

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/indexing.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

void CheckDefined(const Tensor& x, const char* op, const char* what) {
  if (!x.defined()) ThrowInvalid(op, ": ", what, " is an undefined tensor");
}

// x (flattened when axis is unset) and the canonical axis to sort it along.
std::pair<Tensor, int64_t> SortOperand(const Tensor& x, std::optional<int64_t> axis,
                                       const char* op) {
  CheckDefined(x, op, "x");
  if (!axis) return {reshape(x, {-1}), 0};
  if (x.ndim() == 0) ThrowInvalid(op, ": x must have an axis, got ", x.aval().ToString());
  return {x, CanonicalAxis(*axis, x.ndim(), op)};
}

// Total order of the sort on elementwise pairs: x before y (NaN after every number; complex
// numbers by real part, then imaginary part).
Tensor SortsBefore(const Tensor& x, const Tensor& y) {
  if (IsComplex(x.dtype()) || IsComplex(y.dtype())) {
    const Tensor rx = real(x), ry = real(y);
    const Tensor tie = logical_or(rx == ry, logical_and(isnan(rx), isnan(ry)));
    return logical_or(SortsBefore(rx, ry), logical_and(tie, SortsBefore(imag(x), imag(y))));
  }
  if (!IsFloating(x.dtype()) && !IsFloating(y.dtype())) return x < y;
  return logical_or(x < y, logical_and(isnan(y), logical_not(isnan(x))));
}

}  // namespace

Tensor argsort(const Tensor& x, std::optional<int64_t> axis, bool descending) {
  const auto [operand, a] = SortOperand(x, axis, "argsort");
  return lax::argsort({operand}, a, descending);
}

Tensor sort(const Tensor& x, std::optional<int64_t> axis, bool descending) {
  const auto [operand, a] = SortOperand(x, axis, "sort");
  return take_along_axis(operand, lax::argsort({operand}, a, descending), a, IndexMode::kClip);
}

std::vector<Tensor> sort_operands(const std::vector<Tensor>& operands, int64_t dimension,
                                  int64_t num_keys) {
  const int64_t count = static_cast<int64_t>(operands.size());
  if (num_keys < 1 || num_keys > count) {
    ThrowInvalid("sort_operands: num_keys ", num_keys, " of ", count, " operands (need 1 to ",
                 count, ")");
  }
  for (const Tensor& x : operands) CheckDefined(x, "sort_operands", "an operand");
  const int64_t rank = operands[0].ndim();
  if (rank == 0) {
    ThrowInvalid("sort_operands: operands must have an axis, got ", operands[0].aval().ToString());
  }
  const int64_t a = CanonicalAxis(dimension, rank, "sort_operands");
  const Tensor perm = lax::argsort(absl::MakeConstSpan(operands.data(), num_keys), a);
  std::vector<Tensor> out;
  for (const Tensor& x : operands) {
    if (x.shape() != operands[0].shape()) {
      ThrowInvalid("sort_operands: operands ", operands[0].aval().ToString(), " and ",
                   x.aval().ToString(), " differ in shape");
    }
    out.push_back(take_along_axis(x, perm, a, IndexMode::kClip));
  }
  return out;
}

std::pair<Tensor, Tensor> sort_key_val(const Tensor& keys, const Tensor& values,
                                       int64_t dimension) {
  std::vector<Tensor> sorted = sort_operands({keys, values}, dimension, 1);
  return {sorted[0], sorted[1]};
}

std::pair<Tensor, Tensor> top_k(const Tensor& x, int64_t k) {
  CheckDefined(x, "top_k", "x");
  if (x.ndim() == 0) ThrowInvalid("top_k: x must have an axis, got ", x.aval().ToString());
  const int64_t a = x.ndim() - 1, n = x.shape()[a];
  if (k < 0 || k > n) {
    ThrowInvalid("top_k: k = ", k, " for ", x.aval().ToString(), " (its last axis has ", n, ")");
  }
  const Tensor indices = lax::argsort({x}, a, /*descending=*/true, k);
  return {take_along_axis(x, indices, a, IndexMode::kClip), indices};
}

Tensor searchsorted(const Tensor& a, const Tensor& v, Side side) {
  CheckDefined(a, "searchsorted", "a");
  CheckDefined(v, "searchsorted", "v");
  if (a.ndim() != 1) ThrowInvalid("searchsorted: a must be 1-D, got ", a.aval().ToString());
  const int64_t n = a.shape()[0];
  // The answer lies in (low, high]; each step halves the interval by a[mid].
  Tensor low = full(v.shape(), 0, i32), high = full(v.shape(), static_cast<double>(n), i32);
  const int levels = static_cast<int>(std::ceil(std::log2(static_cast<double>(n) + 1)));
  for (int level = 0; level < levels; ++level) {
    const Tensor mid = lax::div(low + high, full_like(low, 2));
    const Tensor at = take(a, mid, 0, IndexMode::kClip);
    const Tensor go_left =
        side == Side::kLeft ? logical_not(SortsBefore(at, v)) : SortsBefore(v, at);
    low = where(go_left, low, mid);
    high = where(go_left, mid, high);
  }
  return high;
}

namespace {

// jnp.quantile (ignore_nan: jnp.nanquantile). Each line's values sorted (NaN last); q's
// positions q (count - 1) among its count numbers (n, or the non-NaN ones), between the
// sorted values at floor and ceil as `method` says; one pass per q (q is small).
Tensor Quantile(const Tensor& x, const Tensor& q, std::optional<int64_t> axis,
                QuantileMethod method, bool keepdims, bool ignore_nan, const char* op) {
  CheckDefined(q, op, "q");
  if (q.ndim() > 1) ThrowInvalid(op, ": q must be a scalar or 1-D, got ", q.aval().ToString());
  CheckDefined(x, op, "x");
  if (IsComplex(x.dtype())) {
    ThrowInvalid(op, ": complex x is not supported (as in JAX), got ", x.aval().ToString());
  }
  const auto operand = SortOperand(IsFloating(x.dtype()) ? x : astype(x, f32), axis, op);
  const int64_t ax = operand.second;
  Tensor a = operand.first;
  const int64_t n = a.shape()[ax];
  if (n == 0) ThrowInvalid(op, ": no elements along the axis of ", x.aval().ToString());
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  if (!ignore_nan) a = where(any(isnan(a), {ax}, true), kNan, a);
  const Tensor sorted = take_along_axis(a, lax::argsort({a}, ax), ax, IndexMode::kClip);
  Shape line_shape = a.shape();  // a's with the sorted axis kept as 1
  line_shape[ax] = 1;
  const Tensor count = ignore_nan ? sum(astype(logical_not(isnan(a)), a.dtype()), {ax}, true)
                                  : full(line_shape, static_cast<double>(n), a.dtype());
  const Tensor qs = reshape(astype(q, a.dtype()), {-1});
  std::vector<Tensor> per_q;
  for (int64_t i = 0; i < qs.shape()[0]; ++i) {
    const Tensor pos = reshape(lax::slice(qs, {i}, {i + 1}), {}) * (count - 1.0);
    const Tensor below = floor(pos), w = pos - below;
    const auto value_at = [&](const Tensor& position) {  // clamped to the line by kClip
      return take_along_axis(sorted, astype(maximum(position, 0.0), i32), ax, IndexMode::kClip);
    };
    const Tensor low = value_at(below), high = value_at(ceil(pos));
    Tensor r;
    switch (method) {
      case QuantileMethod::kLinear:
        r = low * (1.0 - w) + high * w;
        break;
      case QuantileMethod::kLower:
        r = low;
        break;
      case QuantileMethod::kHigher:
        r = high;
        break;
      case QuantileMethod::kMidpoint:
        r = (low + high) * 0.5;
        break;
      case QuantileMethod::kNearest:
        r = where(w <= 0.5, low, high);
        break;
    }
    per_q.push_back(ignore_nan ? where(count == 0.0, kNan, r) : r);
  }
  Shape shape = {qs.shape()[0]};
  for (int64_t d = 0; d < x.ndim(); ++d) {
    if (keepdims)
      shape.push_back(axis && d != ax ? x.shape()[d] : 1);
    else if (axis && d != ax)
      shape.push_back(x.shape()[d]);
  }
  if (q.ndim() == 0) shape.erase(shape.begin());
  return reshape(stack(per_q, 0), shape);
}

}  // namespace

Tensor quantile(const Tensor& x, const Tensor& q, std::optional<int64_t> axis,
                QuantileMethod method, bool keepdims) {
  return Quantile(x, q, axis, method, keepdims, false, "quantile");
}
Tensor nanquantile(const Tensor& x, const Tensor& q, std::optional<int64_t> axis,
                   QuantileMethod method, bool keepdims) {
  return Quantile(x, q, axis, method, keepdims, true, "nanquantile");
}

Tensor quantile(const Tensor& x, double q, std::optional<int64_t> axis, QuantileMethod method,
                bool keepdims) {
  return quantile(x, scalar(q, f64), axis, method, keepdims);
}

Tensor percentile(const Tensor& x, double p, std::optional<int64_t> axis, QuantileMethod method,
                  bool keepdims) {
  return quantile(x, p / 100, axis, method, keepdims);
}

Tensor median(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return quantile(x, 0.5, axis, QuantileMethod::kLinear, keepdims);
}

Tensor nanquantile(const Tensor& x, double q, std::optional<int64_t> axis, QuantileMethod method,
                   bool keepdims) {
  return nanquantile(x, scalar(q, f64), axis, method, keepdims);
}
Tensor nanpercentile(const Tensor& x, double p, std::optional<int64_t> axis, QuantileMethod method,
                     bool keepdims) {
  return nanquantile(x, p / 100, axis, method, keepdims);
}
Tensor nanmedian(const Tensor& x, std::optional<int64_t> axis, bool keepdims) {
  return nanquantile(x, 0.5, axis, QuantileMethod::kLinear, keepdims);
}

}  // namespace cotangent
