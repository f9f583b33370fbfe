// File: cotangent/shaping.cc
// split, tile, repeat, roll, meshgrid, triangles and diagonals (cotangent/shaping.h) as slices,
// pads, broadcasts and reshapes of core/lax.h.

#include "cotangent/shaping.h"

#include <algorithm>
#include <numeric>

#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

void CheckDefined(const Tensor& x, const char* op) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
}

// x[..., start:limit, ...] on axis a.
Tensor SliceAxis(const Tensor& x, int64_t a, int64_t start, int64_t limit) {
  std::vector<int64_t> starts(x.ndim(), 0);
  std::vector<int64_t> limits(x.shape().begin(), x.shape().end());
  starts[a] = start;
  limits[a] = limit;
  return lax::slice(x, starts, limits);
}

// Axis a of x repeated count times, by a new axis of size count broadcast beside it and merged
// into it: placed before a, the whole axis repeats (tile); after it, each element (repeat).
Tensor Replicate(const Tensor& x, int64_t a, int64_t count, bool whole) {
  const int64_t at = whole ? a : a + 1;  // where the new axis goes
  Shape wide = x.shape();
  wide.insert(wide.begin() + at, count);
  std::vector<int64_t> dims(x.ndim());
  std::iota(dims.begin(), dims.end(), 0);
  for (int64_t i = at; i < x.ndim(); ++i) ++dims[i];
  Shape merged = x.shape();
  merged[a] *= count;
  return lax::reshape(lax::broadcast_in_dim(x, wide, dims), merged);
}

// Whether element (row, column) of the last two axes of x is kept: column - row <= k (lower)
// or >= k (upper).
Tensor Triangle(const char* op, const Tensor& x, int64_t k, bool lower) {
  CheckDefined(x, op);
  if (x.ndim() < 2) ThrowInvalid(op, ": expected at least 2 axes, got ", x.aval().ToString());
  const int64_t rows = x.shape()[x.ndim() - 2], cols = x.shape()[x.ndim() - 1];
  const Tensor offset = lax::sub(lax::broadcast_in_dim(arange(cols), {rows, cols}, {1}),
                                 lax::broadcast_in_dim(arange(rows), {rows, cols}, {0}));
  const double bound = static_cast<double>(k);
  return where(lower ? offset <= bound : offset >= bound, x, ZerosLike(x));
}

}  // namespace

std::vector<Tensor> split(const Tensor& x, int64_t sections, int64_t axis) {
  CheckDefined(x, "split");
  const int64_t a = CanonicalAxis(axis, x.ndim(), "split");
  const int64_t n = x.shape()[a];
  if (sections <= 0 || n % sections != 0) {
    ThrowInvalid("split: axis ", a, " of ", x.aval().ToString(), " does not divide into ",
                 sections, " equal parts (array_split allows unequal ones)");
  }
  std::vector<int64_t> indices;
  for (int64_t k = 1; k < sections; ++k) indices.push_back(k * (n / sections));
  return split(x, indices, axis);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& indices, int64_t axis) {
  CheckDefined(x, "split");
  const int64_t a = CanonicalAxis(axis, x.ndim(), "split");
  const int64_t n = x.shape()[a];
  // Python slice bounds: negative counts from the end; out of range clamps.
  const auto bound = [n](int64_t i) { return std::clamp(i < 0 ? i + n : i, int64_t{0}, n); };
  std::vector<Tensor> parts;
  int64_t start = 0;
  for (size_t k = 0; k <= indices.size(); ++k) {  // part k is x[b_k:b_k+1], empty if reversed
    const int64_t limit = k < indices.size() ? bound(indices[k]) : n;
    parts.push_back(SliceAxis(x, a, start, std::max(start, limit)));
    start = limit;
  }
  return parts;
}

std::vector<Tensor> array_split(const Tensor& x, int64_t sections, int64_t axis) {
  CheckDefined(x, "array_split");
  const int64_t a = CanonicalAxis(axis, x.ndim(), "array_split");
  if (sections <= 0) ThrowInvalid("array_split: sections must be positive, got ", sections);
  const int64_t n = x.shape()[a], base = n / sections, extra = n % sections;
  std::vector<int64_t> indices;
  for (int64_t k = 1, at = 0; k < sections; ++k) indices.push_back(at += base + (k <= extra));
  return split(x, indices, axis);
}

Tensor tile(const Tensor& x, const std::vector<int64_t>& reps) {
  CheckDefined(x, "tile");
  for (int64_t r : reps) {
    if (r < 0) ThrowInvalid("tile: negative repetition ", r, " for ", x.aval().ToString());
  }
  const int64_t rank = std::max<int64_t>(x.ndim(), static_cast<int64_t>(reps.size()));
  Shape shape(rank - x.ndim(), 1);
  shape.insert(shape.end(), x.shape().begin(), x.shape().end());
  std::vector<int64_t> all(rank - reps.size(), 1);
  all.insert(all.end(), reps.begin(), reps.end());
  Tensor out = lax::reshape(x, shape);
  for (int64_t i = 0; i < rank; ++i) out = Replicate(out, i, all[i], /*whole=*/true);
  return out;
}

Tensor repeat(const Tensor& x, int64_t repeats, std::optional<int64_t> axis) {
  CheckDefined(x, "repeat");
  if (repeats < 0) ThrowInvalid("repeat: negative repeats ", repeats);
  if (!axis) return Replicate(lax::reshape(x, {x.size()}), 0, repeats, /*whole=*/false);
  return Replicate(x, CanonicalAxis(*axis, x.ndim(), "repeat"), repeats, /*whole=*/false);
}

Tensor roll(const Tensor& x, int64_t shift, std::optional<int64_t> axis) {
  CheckDefined(x, "roll");
  if (!axis) return lax::reshape(roll(lax::reshape(x, {x.size()}), shift, 0), x.shape());
  const int64_t a = CanonicalAxis(*axis, x.ndim(), "roll");
  const int64_t n = x.shape()[a];
  const int64_t s = n == 0 ? 0 : ((shift % n) + n) % n;
  if (s == 0) return x;
  return lax::concatenate({SliceAxis(x, a, n - s, n), SliceAxis(x, a, 0, n - s)}, a);
}

std::vector<Tensor> meshgrid(const std::vector<Tensor>& xs, std::string_view indexing) {
  if (indexing != "xy" && indexing != "ij") {
    ThrowInvalid("meshgrid: indexing must be \"xy\" or \"ij\", got \"", indexing, "\"");
  }
  Shape shape;
  for (const Tensor& x : xs) {
    CheckDefined(x, "meshgrid");
    if (x.ndim() != 1) ThrowInvalid("meshgrid: expected 1-D tensors, got ", x.aval().ToString());
    shape.push_back(x.shape()[0]);
  }
  const bool swap = indexing == "xy" && xs.size() >= 2;
  if (swap) std::swap(shape[0], shape[1]);
  std::vector<Tensor> out;
  for (int64_t k = 0; k < static_cast<int64_t>(xs.size()); ++k) {
    const int64_t at = swap && k < 2 ? 1 - k : k;
    out.push_back(lax::broadcast_in_dim(xs[k], shape, {at}));
  }
  return out;
}

Tensor tril(const Tensor& x, int64_t k) { return Triangle("tril", x, k, /*lower=*/true); }
Tensor triu(const Tensor& x, int64_t k) { return Triangle("triu", x, k, /*lower=*/false); }

Tensor diagonal(const Tensor& x, int64_t offset, int64_t axis1, int64_t axis2) {
  CheckDefined(x, "diagonal");
  if (x.ndim() < 2) ThrowInvalid("diagonal: expected at least 2 axes, got ", x.aval().ToString());
  const int64_t a1 = CanonicalAxis(axis1, x.ndim(), "diagonal");
  const int64_t a2 = CanonicalAxis(axis2, x.ndim(), "diagonal");
  if (a1 == a2) ThrowInvalid("diagonal: axis1 and axis2 are both ", a1);
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.ndim(); ++i) {
    if (i != a1 && i != a2) perm.push_back(i);
  }
  perm.push_back(a1);
  perm.push_back(a2);
  const Tensor y = lax::transpose(x, perm);
  const int64_t rows = x.shape()[a1], cols = x.shape()[a2];
  const int64_t row0 = offset < 0 ? -offset : 0, col0 = offset > 0 ? offset : 0;
  const int64_t n = std::max<int64_t>(0, std::min(rows - row0, cols - col0));
  // The n x n block whose main diagonal it is; flattened, that diagonal is every (n+1)-th
  // element starting at 0.
  const int64_t r = y.ndim();
  const Tensor block = SliceAxis(SliceAxis(y, r - 2, row0, row0 + n), r - 1, col0, col0 + n);
  Shape flat(block.shape().begin(), block.shape().end() - 2);
  flat.push_back(n * n);
  std::vector<int64_t> start(flat.size(), 0), limit(flat.begin(), flat.end());
  std::vector<int64_t> stride(flat.size(), 1);
  stride.back() = n + 1;
  return lax::slice(lax::reshape(block, flat), start, limit, stride);
}

Tensor diag(const Tensor& v, int64_t k) {
  CheckDefined(v, "diag");
  if (v.ndim() == 2) return diagonal(v, k);
  if (v.ndim() != 1) ThrowInvalid("diag: expected a 1-D or 2-D tensor, got ", v.aval().ToString());
  // Row-major, element (i, i + k) of an n x n matrix is at i * (n + 1) + k (k < 0: |k| rows
  // down): v with n zeros between its elements, shifted by that start, padded to n * n.
  const int64_t m = v.shape()[0], n = m + (k < 0 ? -k : k);
  const int64_t low = k >= 0 ? k : -k * n;
  const int64_t spread = m == 0 ? 0 : m + (m - 1) * n;
  const Tensor flat = lax::pad(v, 0.0, {low}, {n * n - low - spread}, {n});
  return lax::reshape(flat, {n, n});
}

Tensor trace(const Tensor& x, int64_t offset, int64_t axis1, int64_t axis2) {
  return sum(diagonal(x, offset, axis1, axis2), -1);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  CheckDefined(a, "outer");
  CheckDefined(b, "outer");
  return lax::reshape(a, {a.size(), 1}) * lax::reshape(b, {1, b.size()});
}

}  // namespace cotangent
