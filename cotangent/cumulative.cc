// File: cotangent/cumulative.cc
// associative_scan by the odd-even recursion of lax.associative_scan (Blelloch's): combine
// neighbouring pairs, scan the pairs (half as many), and fill the even positions from the
// scanned pairs and the elements between them; the two halves are interleaved back by
// interior padding and a select. Each level costs O(its length), so a scan of n elements is
// O(n) work in about 2 log2(n) levels.

#include "cotangent/cumulative.h"

#include <vector>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/indexing.h"
#include "cotangent/numpy.h"
#include "cotangent/special.h"

namespace cotangent {
namespace {

using Combine = std::function<Tensor(const Tensor&, const Tensor&)>;

// x[start:limit:stride] along axis a.
Tensor Slice(const Tensor& x, int64_t a, int64_t start, int64_t limit, int64_t stride = 1) {
  std::vector<int64_t> starts(x.ndim(), 0), strides(x.ndim(), 1);
  std::vector<int64_t> limits(x.shape().begin(), x.shape().end());
  starts[a] = start;
  limits[a] = limit;
  strides[a] = stride;
  return lax::slice(x, starts, limits, strides);
}

// even[0], odd[0], even[1], odd[1], ... along axis a (even has as many elements as odd, or one
// more): each spread out by interior padding, then picked by a constant mask.
Tensor Interleave(const Tensor& even, const Tensor& odd, int64_t a) {
  const int64_t e = even.shape()[a], o = odd.shape()[a], n = e + o;
  std::vector<int64_t> low(even.ndim(), 0), high(even.ndim(), 0), interior(even.ndim(), 0);
  interior[a] = 1;
  high[a] = e == o ? 1 : 0;
  const Tensor spread_even = lax::pad(even, 0.0, low, high, interior);
  low[a] = 1;
  high[a] = e == o ? 0 : 1;
  const Tensor spread_odd = lax::pad(odd, 0.0, low, high, interior);
  std::vector<double> pattern(n);
  for (int64_t i = 0; i < n; ++i) pattern[i] = i % 2 == 0 ? 1 : 0;
  const Tensor mask = lax::broadcast_in_dim(tensor(pattern, {n}, bool_), spread_even.shape(), {a});
  return lax::select(mask, spread_even, spread_odd);
}

Tensor Scan(const Combine& fn, const Tensor& x, int64_t a) {
  const int64_t n = x.shape()[a];
  if (n < 2) return x;
  // odd[k]: the scan at position 2k+1, from the scan of the pairs x[2k] op x[2k+1].
  const Tensor odd = Scan(fn, fn(Slice(x, a, 0, n - 1, 2), Slice(x, a, 1, n, 2)), a);
  // even[k]: x[0] for k = 0, else odd[k-1] op x[2k].
  const Tensor rest = Slice(x, a, 2, n, 2);
  if (rest.shape()[a] == 0) return Interleave(Slice(x, a, 0, 1), odd, a);
  const Tensor tail = fn(Slice(odd, a, 0, rest.shape()[a]), rest);
  return Interleave(concatenate({Slice(x, a, 0, 1), tail}, a), odd, a);
}

// x along `axis` (the flattened x when unset); sums and products in SumDType (bool counted in
// i32, u8 in u32) when `accumulate`.
Tensor Cumulative(const Combine& fn, const Tensor& x, std::optional<int64_t> axis, bool reverse,
                  bool accumulate, const char* op) {
  if (!x.defined()) ThrowInvalid(op, ": x is an undefined tensor");
  Tensor operand = accumulate ? astype(x, SumDType(x.dtype())) : x;
  if (!axis) operand = reshape(operand, {-1});
  return associative_scan(fn, operand, axis.value_or(0), reverse);
}

}  // namespace

Tensor associative_scan(const Combine& fn, const Tensor& x, int64_t axis, bool reverse) {
  if (!x.defined()) ThrowInvalid("associative_scan: x is an undefined tensor");
  if (x.ndim() == 0)
    ThrowInvalid("associative_scan: x must have an axis, got ", x.aval().ToString());
  const int64_t a = CanonicalAxis(axis, x.ndim(), "associative_scan");
  if (reverse) return rev(Scan(fn, rev(x, {a}), a), {a});
  return Scan(fn, x, a);
}

Tensor cumsum(const Tensor& x, std::optional<int64_t> axis, bool reverse) {
  return Cumulative([](const Tensor& a, const Tensor& b) { return a + b; }, x, axis, reverse, true,
                    "cumsum");
}
Tensor cumprod(const Tensor& x, std::optional<int64_t> axis, bool reverse) {
  return Cumulative([](const Tensor& a, const Tensor& b) { return a * b; }, x, axis, reverse, true,
                    "cumprod");
}
Tensor cummax(const Tensor& x, std::optional<int64_t> axis, bool reverse) {
  return Cumulative([](const Tensor& a, const Tensor& b) { return maximum(a, b); }, x, axis,
                    reverse, false, "cummax");
}
Tensor cummin(const Tensor& x, std::optional<int64_t> axis, bool reverse) {
  return Cumulative([](const Tensor& a, const Tensor& b) { return minimum(a, b); }, x, axis,
                    reverse, false, "cummin");
}
Tensor cumlogsumexp(const Tensor& x, std::optional<int64_t> axis, bool reverse) {
  return Cumulative([](const Tensor& a, const Tensor& b) { return logaddexp(a, b); }, x, axis,
                    reverse, false, "cumlogsumexp");
}

}  // namespace cotangent
