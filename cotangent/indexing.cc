// File: cotangent/indexing.cc
// jax.numpy's indexing as gathers and scatters (cotangent/indexing.h). Each function
// builds lax's dimension numbers for one pattern: the index vectors (i32, last axis) name
// starts along some operand axes; those axes are collapsed (take, at) or kept (dynamic_slice).

#include "cotangent/indexing.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

std::vector<int64_t> Range(int64_t begin, int64_t end) {
  std::vector<int64_t> v(std::max<int64_t>(end - begin, 0));
  std::iota(v.begin(), v.end(), begin);
  return v;
}

// Index tensors of any integer dtype, as JAX's, as the i32 the primitives take. Values outside
// i32 saturate first, which keeps an out-of-bounds index out of bounds (no axis reaches 2^31
// elements), where a plain conversion would wrap it into range (2^32 + 1 to 1).
Tensor AsIndices(const Tensor& indices, const char* op) {
  if (!indices.defined()) ThrowInvalid(op, ": the indices are an undefined tensor");
  const DType d = indices.dtype();
  if (!IsInteger(d)) {
    ThrowInvalid(op, ": indices must be integers, got ", indices.aval().ToString());
  }
  using L = std::numeric_limits<int32_t>;
  Tensor i = indices;
  if (d == DType::kU32 || d == DType::kI64) i = minimum(i, L::max());
  if (d == DType::kI64) i = maximum(i, L::min());
  return astype(i, DType::kI32);
}

// Negative indices count from the end of an axis of size n (in i32: a double would promote).
Tensor Normalized(const Tensor& i, int64_t n) {
  return where(i < scalar(0, DType::kI32), i + scalar(static_cast<double>(n), DType::kI32), i);
}

// The numpy broadcast of the shapes of xs (an Error naming op when they do not broadcast).
Shape BroadcastShapes(const std::vector<Tensor>& xs, const char* op) {
  Shape out;
  for (const Tensor& x : xs) {
    const Shape& s = x.shape();
    if (s.size() > out.size()) out.insert(out.begin(), s.size() - out.size(), 1);
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[out.size() - s.size() + i];
      if (o != s[i] && o != 1 && s[i] != 1) {
        ThrowInvalid(op, ": index shapes ", ShapeToString(out), " and ", ShapeToString(s),
                     " do not broadcast");
      }
      if (o == 1) o = s[i];
    }
  }
  return out;
}

// The dimension numbers of x[i0, ..., ik-1]: the k indexed axes collapse, the rest are window
// axes after the batch axes.
IndexDims AtDims(int64_t rank, int64_t k, int64_t batch_rank) {
  IndexDims d;
  d.window_dims = Range(batch_rank, batch_rank + rank - k);
  d.collapsed_dims = Range(0, k);
  d.start_index_map = Range(0, k);
  return d;
}

// The index vector of a block's start: one integer scalar per axis, checked, as i32.
Tensor BlockStart(const std::vector<Tensor>& starts, const char* op) {
  std::vector<Tensor> components;
  for (const Tensor& s : starts) {
    components.push_back(AsIndices(s, op));
    if (s.ndim() != 0) ThrowInvalid(op, ": a start must be a scalar, got ", s.aval().ToString());
  }
  return starts.empty() ? zeros({0}, DType::kI32) : stack(components, 0);
}

// A block of x's rank: every axis a window axis, started by the index vector's components.
IndexDims BlockDims(int64_t rank) {
  IndexDims d;
  d.window_dims = Range(0, rank);
  d.start_index_map = Range(0, rank);
  return d;
}

// A dtype the combining scatters compute in: bool values go through i32.
Tensor Summable(const Tensor& x) { return x.dtype() == DType::kBool ? astype(x, DType::kI32) : x; }

}  // namespace

Number DefaultFillValue(DType dtype) {
  if (dtype == DType::kBool) return 1;
  if (IsInexact(dtype)) return std::numeric_limits<double>::quiet_NaN();
  return VisitDType(dtype, [](auto tag) -> Number {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      using L = std::numeric_limits<T>;
      return static_cast<int64_t>(L::is_signed ? L::min() : L::max());
    } else {
      return 0;  // inexact: NaN above
    }
  });
}

Tensor take(const Tensor& x, const Tensor& index_values, int64_t axis, IndexMode mode,
            std::optional<Number> fill_value) {
  const Tensor indices = AsIndices(index_values, "take");
  if (!x.defined()) ThrowInvalid("take: x is an undefined tensor");
  const int64_t r = x.ndim(), a = CanonicalAxis(axis, r, "take");
  const int64_t nb = indices.ndim();
  IndexDims d;
  d.window_dims = Range(0, a);
  for (int64_t o : Range(a + nb, r - 1 + nb)) d.window_dims.push_back(o);
  d.collapsed_dims = {a};
  d.start_index_map = {a};
  std::vector<int64_t> sizes = x.shape();
  sizes[a] = std::min<int64_t>(1, sizes[a]);
  if (sizes[a] == 0)
    ThrowInvalid("take: cannot take from ", x.aval().ToString(), " along empty axis ", a);
  return lax::gather(x, expand_dims(Normalized(indices, x.shape()[a]), -1), std::move(d),
                     std::move(sizes), mode, fill_value.value_or(DefaultFillValue(x.dtype())));
}

Tensor take_along_axis(const Tensor& x, const Tensor& index_values, int64_t axis,
                       IndexMode mode) {
  const Tensor indices = AsIndices(index_values, "take_along_axis");
  const int64_t r = x.ndim(), a = CanonicalAxis(axis, r, "take_along_axis");
  if (indices.ndim() != r) {
    ThrowInvalid("take_along_axis: indices ", indices.aval().ToString(), " need the rank of x ",
                 x.aval().ToString());
  }
  Shape shape = indices.shape();
  for (int64_t k = 0; k < r; ++k) {
    if (k == a) continue;
    const int64_t n = x.shape()[k], m = indices.shape()[k];
    if (n != m && n != 1 && m != 1) {
      ThrowInvalid("take_along_axis: indices ", indices.aval().ToString(),
                   " do not broadcast with x ", x.aval().ToString(), " along axis ", k);
    }
    shape[k] = std::max(n, m);
  }
  // Index vector: the index along `axis`, and each other axis' own position (0 where x is 1).
  std::vector<Tensor> components;
  for (int64_t k = 0; k < r; ++k) {
    if (k == a) {
      components.push_back(broadcast_to(Normalized(indices, x.shape()[a]), shape));
    } else if (x.shape()[k] == 1) {
      components.push_back(zeros(shape, DType::kI32));
    } else {
      components.push_back(lax::broadcast_in_dim(arange(shape[k]), shape, {k}));
    }
  }
  IndexDims d;
  d.collapsed_dims = Range(0, r);
  d.start_index_map = Range(0, r);
  return lax::gather(x, stack(components, -1), std::move(d), std::vector<int64_t>(r, 1), mode,
                     DefaultFillValue(x.dtype()));
}

IndexedTensor::IndexedTensor(Tensor x, std::vector<Tensor> indices) : x_(std::move(x)) {
  if (!x_.defined()) ThrowInvalid("at: x is an undefined tensor");
  if (indices.empty() || static_cast<int64_t>(indices.size()) > x_.ndim()) {
    ThrowInvalid("at: ", indices.size(), " index tensors for ", x_.aval().ToString(),
                 " (between 1 and its rank)");
  }
  for (Tensor& i : indices) i = AsIndices(i, "at");
  const Shape batch = BroadcastShapes(indices, "at");
  for (size_t k = 0; k < indices.size(); ++k) {
    indices[k] = broadcast_to(Normalized(indices[k], x_.shape()[k]), batch);
  }
  indices_ = stack(indices, -1);
}

IndexedTensor at(const Tensor& x, std::vector<Tensor> indices) {
  return IndexedTensor(x, std::move(indices));
}
IndexedTensor at(const Tensor& x, const Tensor& index) { return IndexedTensor(x, {index}); }

Tensor IndexedTensor::get(IndexMode mode, std::optional<Number> fill_value) const {
  const int64_t k = indices_.shape().back();
  std::vector<int64_t> sizes = x_.shape();
  for (int64_t a = 0; a < k; ++a) {
    if (sizes[a] == 0)
      ThrowInvalid("at: cannot index empty axis ", a, " of ", x_.aval().ToString());
    sizes[a] = 1;
  }
  return lax::gather(x_, indices_, AtDims(x_.ndim(), k, indices_.ndim() - 1), std::move(sizes),
                     mode, fill_value.value_or(DefaultFillValue(x_.dtype())));
}

Tensor IndexedTensor::Scatter(Primitive prim, const Tensor& values, IndexMode mode) const {
  const int64_t k = indices_.shape().back(), batch_rank = indices_.ndim() - 1;
  Shape shape(indices_.shape().begin(), indices_.shape().end() - 1);
  for (int64_t a = k; a < x_.ndim(); ++a) shape.push_back(x_.shape()[a]);
  if (!values.defined()) ThrowInvalid("at: the values are an undefined tensor");
  // scatter moves any dtype; the combining scatters see bool as i32 (and, or: min, max).
  const Tensor base = prim == Primitive::kScatter ? x_ : Summable(x_);
  const Tensor updates = broadcast_to(astype(values, base.dtype()), shape);
  const IndexDims d = AtDims(x_.ndim(), k, batch_rank);
  Tensor out;
  switch (prim) {
    case Primitive::kScatter:
      out = lax::scatter(base, indices_, updates, d, mode);
      break;
    case Primitive::kScatterMul:
      out = lax::scatter_mul(base, indices_, updates, d, mode);
      break;
    case Primitive::kScatterMin:
      out = lax::scatter_min(base, indices_, updates, d, mode);
      break;
    case Primitive::kScatterMax:
      out = lax::scatter_max(base, indices_, updates, d, mode);
      break;
    default:
      out = lax::scatter_add(base, indices_, updates, d, mode);
      break;
  }
  return x_.dtype() == DType::kBool && prim != Primitive::kScatter ? out != 0.0 : out;
}

Tensor IndexedTensor::set(const Tensor& values, IndexMode mode) const {
  return Scatter(Primitive::kScatter, values, mode);
}
Tensor IndexedTensor::add(const Tensor& values, IndexMode mode) const {
  return Scatter(Primitive::kScatterAdd, values, mode);
}
Tensor IndexedTensor::mul(const Tensor& values, IndexMode mode) const {
  return Scatter(Primitive::kScatterMul, values, mode);
}
Tensor IndexedTensor::min(const Tensor& values, IndexMode mode) const {
  return Scatter(Primitive::kScatterMin, values, mode);
}
Tensor IndexedTensor::max(const Tensor& values, IndexMode mode) const {
  return Scatter(Primitive::kScatterMax, values, mode);
}
Tensor IndexedTensor::set(Number value, IndexMode mode) const {
  return set(full({}, value, x_.dtype()), mode);
}
Tensor IndexedTensor::add(Number value, IndexMode mode) const {
  return add(full({}, value, Summable(x_).dtype()), mode);
}
Tensor IndexedTensor::mul(Number value, IndexMode mode) const {
  return mul(full({}, value, Summable(x_).dtype()), mode);
}
Tensor IndexedTensor::min(Number value, IndexMode mode) const {
  return min(full({}, value, Summable(x_).dtype()), mode);
}
Tensor IndexedTensor::max(Number value, IndexMode mode) const {
  return max(full({}, value, Summable(x_).dtype()), mode);
}

Tensor dynamic_slice(const Tensor& x, const std::vector<Tensor>& starts,
                     const std::vector<int64_t>& sizes) {
  if (!x.defined()) ThrowInvalid("dynamic_slice: x is an undefined tensor");
  const int64_t r = x.ndim();
  if (static_cast<int64_t>(starts.size()) != r || static_cast<int64_t>(sizes.size()) != r) {
    ThrowInvalid("dynamic_slice: ", x.aval().ToString(),
                 " needs one start and one size per axis, got ", starts.size(),
                 " starts and sizes ", ShapeToString(sizes));
  }
  return lax::gather(x, BlockStart(starts, "dynamic_slice"), BlockDims(r), sizes, IndexMode::kClip);
}

Tensor dynamic_update_slice(const Tensor& x, const Tensor& update,
                            const std::vector<Tensor>& starts) {
  if (!x.defined() || !update.defined()) ThrowInvalid("dynamic_update_slice: an undefined tensor");
  const int64_t r = x.ndim();
  if (update.ndim() != r || update.dtype() != x.dtype() ||
      static_cast<int64_t>(starts.size()) != r) {
    ThrowInvalid("dynamic_update_slice: x ", x.aval().ToString(), ", update ",
                 update.aval().ToString(), " and ", starts.size(),
                 " starts: needs an update of x's rank and dtype and one start per axis");
  }
  return lax::scatter(x, BlockStart(starts, "dynamic_update_slice"), update, BlockDims(r),
                      IndexMode::kClip);
}

Tensor rev(const Tensor& x, const std::vector<int64_t>& axes) {
  if (!x.defined()) ThrowInvalid("rev: x is an undefined tensor");
  Tensor out = x;
  std::vector<bool> seen(x.ndim(), false);
  for (int64_t axis : axes) {
    const int64_t a = CanonicalAxis(axis, x.ndim(), "rev");
    if (seen[a]) ThrowInvalid("rev: axis ", a, " repeated in ", ShapeToString(axes));
    seen[a] = true;
    const int64_t n = x.shape()[a];
    if (n <= 1) continue;
    out = take(out, arange(static_cast<double>(n - 1), -1, -1, DType::kI32), a, IndexMode::kClip);
  }
  return out;
}

Tensor flip(const Tensor& x, std::optional<int64_t> axis) {
  if (axis) return rev(x, {*axis});
  return rev(x, Range(0, x.defined() ? x.ndim() : 0));
}

}  // namespace cotangent
