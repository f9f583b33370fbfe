// File: core/rules/movement.cc
// Rules of the movement primitives: reshape, transpose, broadcast_in_dim, slice, pad,
// concatenate and bitcast_convert_type, one block per primitive, each ending with its kDef
// (core/rules/helpers.h). The first six change where elements sit, never their values, so they
// are linear; bitcast_convert_type reads the bits as another dtype, a zero derivative.

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "core/rules.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using rules::Def;
using rules::Instantiate;
using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;
using Bdims = absl::Span<const int64_t>;

std::string Ints(absl::Span<const int64_t> v) { return ShapeToString(v); }

// Movement primitives are linear: the tangent moves exactly as the primal.
template <Primitive prim>
Tensor LinearJvp(Span, Span t, const Tensor&, const Params& p) {
  return Bind1(prim, {t[0]}, p);
}

// Each row's block, below.
template <Primitive prim>
constexpr Def kDef = {};

// ---- reshape(x; shape): row-major order kept ----

ShapedArray ReshapeAbstractEval(Avals in, const Params& params) {
  const ShapedArray& x = in[0];
  CheckShape("reshape", ShapedArray{params.shape, x.dtype});  // before counting its elements
  if (NumElements(params.shape) != x.size()) {
    ThrowInvalid("reshape: cannot reshape ", x.ToString(), " (", x.size(), " elements) to ",
                 Ints(params.shape), " (", NumElements(params.shape), " elements)");
  }
  return ShapedArray{params.shape, x.dtype};
}
// reshape: ct_x = reshape(ct, shape of x)
std::vector<Tensor> ReshapeTranspose(const Tensor& ct, Span, Avals avals, const Params&) {
  return {lax::reshape(ct, avals[0].shape)};
}
// reshape per example: batch axis first, then the new shape behind it.
Batched ReshapeBatch(Span x, Bdims bdims, const Params& p) {
  const Tensor x0 = rules::MoveBatchAxis(x[0], bdims[0], 0);
  Shape shape = p.shape;
  shape.insert(shape.begin(), x0.shape()[0]);
  return {lax::reshape(x0, shape), 0};
}
template <> constexpr Def kDef<Primitive::kReshape> = {
    .abstract_eval = ReshapeAbstractEval, .tangent = LinearJvp<Primitive::kReshape>,
    .transpose = ReshapeTranspose, .batch = ReshapeBatch};

// ---- transpose(x; permutation): output axis i is input axis permutation[i] ----

ShapedArray TransposeAbstractEval(Avals in, const Params& params) {
  const ShapedArray& x = in[0];
  const auto& perm = params.permutation;
  std::vector<bool> seen(x.rank(), false);
  bool ok = static_cast<int64_t>(perm.size()) == x.rank();
  for (int64_t p : perm) {
    ok = ok && p >= 0 && p < x.rank() && !seen[p];
    if (ok) seen[p] = true;
  }
  if (!ok) {
    ThrowInvalid("transpose: ", Ints(perm), " is not a permutation of the axes of ", x.ToString());
  }
  Shape out(x.rank());
  for (int64_t i = 0; i < x.rank(); ++i) out[i] = x.shape[perm[i]];
  return ShapedArray{std::move(out), x.dtype};
}
// transpose: ct_x = transpose(ct, inverse permutation)
std::vector<Tensor> TransposeTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  std::vector<int64_t> inverse(p.permutation.size());
  for (size_t i = 0; i < p.permutation.size(); ++i) inverse[p.permutation[i]] = i;
  return {lax::transpose(ct, inverse)};
}
// transpose per example: the batch axis leads, the other axes permuted as asked.
Batched TransposeBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t b = bdims[0];
  std::vector<int64_t> perm = {b};
  for (int64_t axis : p.permutation) perm.push_back(rules::AxisWithBatch(axis, b));
  return {lax::transpose(x[0], perm), 0};
}
template <> constexpr Def kDef<Primitive::kTranspose> = {
    .abstract_eval = TransposeAbstractEval, .tangent = LinearJvp<Primitive::kTranspose>,
    .transpose = TransposeTranspose, .batch = TransposeBatch};

// ---- broadcast_in_dim(x; shape, broadcast_dimensions) ----

ShapedArray BroadcastInDimAbstractEval(Avals in, const Params& params) {
  const ShapedArray& x = in[0];
  const Shape& shape = params.shape;
  const auto& dims = params.broadcast_dimensions;
  const auto fail = [&](std::string_view why) {
    ThrowInvalid("broadcast_in_dim: cannot broadcast ", x.ToString(), " to ", Ints(shape),
                 " with broadcast_dimensions ", Ints(dims), ": ", why);
  };
  if (static_cast<int64_t>(dims.size()) != x.rank()) fail("one dimension per operand axis needed");
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= static_cast<int64_t>(shape.size())) fail("dimension out of range");
    if (i > 0 && dims[i] <= dims[i - 1]) fail("dimensions must be strictly increasing");
    if (x.shape[i] != 1 && x.shape[i] != shape[dims[i]]) fail("operand size must be 1 or match");
  }
  return ShapedArray{shape, x.dtype};
}
// broadcast_in_dim: ct_x = ct summed over the new axes and the stretched size-1 axes
std::vector<Tensor> BroadcastInDimTranspose(const Tensor& ct, Span, Avals avals, const Params& p) {
  const ShapedArray& x = avals[0];
  std::vector<int64_t> summed;
  for (int64_t axis = 0; axis < static_cast<int64_t>(p.shape.size()); ++axis) {
    const auto it = std::find(p.broadcast_dimensions.begin(), p.broadcast_dimensions.end(), axis);
    if (it == p.broadcast_dimensions.end() ||
        (x.shape[it - p.broadcast_dimensions.begin()] == 1 && p.shape[axis] != 1)) {
      summed.push_back(axis);
    }
  }
  return {lax::reshape(lax::reduce_sum(ct, summed), x.shape)};
}
// broadcast_in_dim per example: a leading batch axis maps to output axis 0.
Batched BroadcastInDimBatch(Span x, Bdims bdims, const Params& p) {
  const Tensor x0 = rules::MoveBatchAxis(x[0], bdims[0], 0);
  Shape shape = p.shape;
  shape.insert(shape.begin(), x0.shape()[0]);
  std::vector<int64_t> dims = {0};
  for (int64_t d : p.broadcast_dimensions) dims.push_back(d + 1);
  return {lax::broadcast_in_dim(x0, shape, dims), 0};
}
template <> constexpr Def kDef<Primitive::kBroadcastInDim> = {
    .abstract_eval = BroadcastInDimAbstractEval, .tangent = LinearJvp<Primitive::kBroadcastInDim>,
    .transpose = BroadcastInDimTranspose, .batch = BroadcastInDimBatch};

// ---- slice(x; start, limit, stride) ----

ShapedArray SliceAbstractEval(Avals in, const Params& params) {
  const ShapedArray& x = in[0];
  const auto& [start, limit, stride] = std::tie(params.start, params.limit, params.stride);
  const auto fail = [&](std::string_view why) {
    ThrowInvalid("slice: cannot slice ", x.ToString(), " with start ", Ints(start), " limit ",
                 Ints(limit), " stride ", Ints(stride), ": ", why);
  };
  const size_t rank = x.shape.size();
  if (start.size() != rank || limit.size() != rank || stride.size() != rank) {
    fail("one start, limit and stride per axis needed");
  }
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (start[i] < 0 || start[i] > limit[i] || limit[i] > x.shape[i]) {
      fail("indices must satisfy 0 <= start <= limit <= size");
    }
    if (stride[i] < 1) fail("strides must be positive");
    // ceil((limit - start) / stride), without forming limit - start + stride - 1 (which
    // overflows for a stride near INT64_MAX).
    const int64_t n = limit[i] - start[i];
    out[i] = n == 0 ? 0 : (n - 1) / stride[i] + 1;
  }
  return ShapedArray{std::move(out), x.dtype};
}
// slice: ct_x = ct padded with zeros back to the operand's shape (interior = stride - 1)
std::vector<Tensor> SliceTranspose(const Tensor& ct, Span, Avals avals, const Params& p) {
  const Shape& in = avals[0].shape;
  std::vector<int64_t> low = p.start, high(in.size()), interior(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const int64_t n = ct.shape()[i];
    const int64_t real_limit = n == 0 ? p.start[i] : p.start[i] + (n - 1) * p.stride[i] + 1;
    high[i] = in[i] - real_limit;
    interior[i] = n == 0 ? 0 : p.stride[i] - 1;
  }
  return {lax::pad(ct, 0.0, low, high, interior)};
}
// slice per example: the batch axis is taken whole.
Batched SliceBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t b = bdims[0];
  Params q = p;
  q.start.insert(q.start.begin() + b, 0);
  q.limit.insert(q.limit.begin() + b, x[0].shape()[b]);
  q.stride.insert(q.stride.begin() + b, 1);
  return {Bind1(Primitive::kSlice, {x[0]}, q), b};
}
template <> constexpr Def kDef<Primitive::kSlice> = {
    .abstract_eval = SliceAbstractEval, .tangent = LinearJvp<Primitive::kSlice>,
    .transpose = SliceTranspose, .batch = SliceBatch};

// ---- pad(x; low, high, interior, padding_value) ----

ShapedArray PadAbstractEval(Avals in, const Params& params) {
  const ShapedArray& x = in[0];
  const size_t rank = x.shape.size();
  const auto fail = [&](std::string_view why) {
    ThrowInvalid("pad: cannot pad ", x.ToString(), " with low ", Ints(params.low), " high ",
                 Ints(params.high), " interior ", Ints(params.interior), ": ", why);
  };
  if (params.low.size() != rank || params.high.size() != rank || params.interior.size() != rank) {
    fail("one low, high and interior padding per axis needed");
  }
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t d = x.shape[i], low = params.low[i], high = params.high[i];
    const int64_t interior = params.interior[i];
    if (interior < 0) fail("interior padding must be non-negative");
    // out = low + high + dilated with dilated = d + (d - 1) * interior. The kernels also form
    // interior + 1 (the step between elements) and dilated + high (the room after low), so
    // every one of these must fit in int64.
    const auto plus = [](std::optional<int64_t> a, int64_t b) {
      return a ? CheckedAdd(*a, b) : std::nullopt;
    };
    std::optional<int64_t> gaps = 0;
    if (d > 1) gaps = CheckedMul(d - 1, interior);
    const std::optional<int64_t> dilated = plus(gaps, d);
    const std::optional<int64_t> total = plus(plus(dilated, low), high);
    if (!plus(interior, 1) || !plus(dilated, high) || !total) {
      fail("the padded size overflows int64");
    }
    if (*total < 0) fail("negative output size");
    out[i] = *total;
  }
  return ShapedArray{std::move(out), x.dtype};
}
// pad: ct_x = the elements of ct that came from x (undo edges, then stride over interior)
std::vector<Tensor> PadTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  std::vector<int64_t> low, high, step;
  for (size_t i = 0; i < p.low.size(); ++i) {
    low.push_back(-p.low[i]);
    high.push_back(-p.high[i]);
    step.push_back(p.interior[i] + 1);
  }
  const Tensor unpadded = lax::pad(ct, 0.0, low, high);
  return {lax::slice(unpadded, std::vector<int64_t>(low.size(), 0), unpadded.shape(), step)};
}
// pad: d pad(x, v) = pad(dx, 0); the padding value is a constant parameter
Tensor PadJvp(Span, Span t, const Tensor&, const Params& p) {
  return lax::pad(t[0], 0.0, p.low, p.high, p.interior);
}
// pad per example: no padding along the batch axis.
Batched PadBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t b = bdims[0];
  Params q = p;
  q.low.insert(q.low.begin() + b, 0);
  q.high.insert(q.high.begin() + b, 0);
  q.interior.insert(q.interior.begin() + b, 0);
  return {Bind1(Primitive::kPad, {x[0]}, q), b};
}
template <> constexpr Def kDef<Primitive::kPad> = {
    .abstract_eval = PadAbstractEval, .tangent = PadJvp,
    .transpose = PadTranspose, .batch = PadBatch};

// ---- concatenate(x...; dimension) ----

ShapedArray ConcatenateAbstractEval(Avals in, const Params& params) {
  if (in.empty()) ThrowInvalid("concatenate: expected at least one operand");
  const ShapedArray& first = in[0];
  const int64_t axis = params.dimension;
  if (axis < 0 || axis >= first.rank()) {
    ThrowInvalid("concatenate: axis ", axis, " out of range for ", first.ToString());
  }
  Shape out = first.shape;
  out[axis] = 0;
  for (const ShapedArray& x : in) {
    bool ok = x.dtype == first.dtype && x.rank() == first.rank();
    for (int64_t i = 0; ok && i < x.rank(); ++i) ok = i == axis || x.shape[i] == first.shape[i];
    if (!ok) {
      ThrowInvalid("concatenate: operands ", first.ToString(), " and ", x.ToString(),
                   " differ outside axis ", axis);
    }
    const std::optional<int64_t> sum = CheckedAdd(out[axis], x.shape[axis]);
    if (!sum) {
      ThrowInvalid("concatenate: the sizes along axis ", axis, " add up past int64 (",
                   first.ToString(), ", ...)");
    }
    out[axis] = *sum;
  }
  return ShapedArray{std::move(out), first.dtype};
}
// concatenate: each linear operand's cotangent is its slice of ct
std::vector<Tensor> ConcatenateTranspose(const Tensor& ct, Span x, Avals avals, const Params& p) {
  std::vector<Tensor> cts(x.size());
  std::vector<int64_t> start(ct.ndim(), 0);
  std::vector<int64_t> limit = ct.shape();
  int64_t offset = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t size = avals[i].shape[p.dimension];
    if (!x[i].defined()) {
      start[p.dimension] = offset;
      limit[p.dimension] = offset + size;
      cts[i] = lax::slice(ct, start, limit);
    }
    offset += size;
  }
  return cts;
}
// d concatenate(x...) = concatenate(dx...)
Tensor ConcatenateJvp(Span x, Span t, const Tensor&, const Params& p) {
  std::vector<Tensor> tangents;
  for (size_t i = 0; i < x.size(); ++i) tangents.push_back(Instantiate(t[i], x[i].aval()));
  return lax::concatenate(tangents, p.dimension);
}
// concatenate per example: every operand with a leading batch axis (broadcast if unbatched).
Batched ConcatenateBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t size = rules::BatchSize(x, bdims);
  std::vector<Tensor> operands;
  for (size_t i = 0; i < x.size(); ++i) {
    operands.push_back(rules::MaterializeBatch(x[i], bdims[i], size, 0));
  }
  return {lax::concatenate(operands, p.dimension + 1), 0};
}
template <> constexpr Def kDef<Primitive::kConcatenate> = {
    .abstract_eval = ConcatenateAbstractEval, .tangent = ConcatenateJvp,
    .transpose = ConcatenateTranspose, .batch = ConcatenateBatch};

// ---- bitcast_convert_type(x; new_dtype): the bytes of each element read as new_dtype ----

// A dtype of n bytes holds n / m elements of m bytes (little-endian order within it, as the
// host's memory and numpy's view), so the last axis grows or shrinks by the ratio. bool only
// bitcasts to bool (JAX's rule: its byte holds 0 or 1, not any bits).
ShapedArray BitcastAbstractEval(Avals in, const Params& p) {
  const ShapedArray& x = in[0];
  const DType to = p.new_dtype;
  const std::string what =
      absl::StrCat("bitcast_convert_type: ", x.ToString(), " to ", DTypeName(to));
  if ((x.dtype == DType::kBool) != (to == DType::kBool)) {
    ThrowInvalid(what, ": bool bitcasts only to bool");
  }
  const int64_t from_size = DTypeSize(x.dtype), to_size = DTypeSize(to);
  Shape shape = x.shape;
  if (from_size > to_size) {
    shape.push_back(from_size / to_size);
  } else if (from_size < to_size) {
    const int64_t ratio = to_size / from_size;
    if (x.rank() == 0 || x.shape.back() != ratio) {
      ThrowInvalid(what, ": a wider dtype takes a last axis of ", ratio, " elements (", to_size,
                   " bytes of ", from_size, "), the operand's is ",
                   x.rank() == 0 ? "missing (a scalar)" : absl::StrCat(x.shape.back()));
    }
    shape.pop_back();
  }
  return ShapedArray{std::move(shape), to};
}
// Per example: the batch axis stays where it is (a narrower dtype's new axis goes last, after
// it), unless it is the last axis, which a wider dtype consumes: then it goes first.
Batched BitcastBatch(Span x, Bdims bdims, const Params& p) {
  const bool wider = DTypeSize(p.new_dtype) > DTypeSize(x[0].dtype());
  const int64_t b = wider && bdims[0] == x[0].ndim() - 1 ? 0 : bdims[0];
  return {Bind1(Primitive::kBitcastConvert, {rules::MoveBatchAxis(x[0], bdims[0], b)}, p), b};
}
template <>
constexpr Def kDef<Primitive::kBitcastConvert> = {.abstract_eval = BitcastAbstractEval,
                                                  .batch = BitcastBatch};

}  // namespace

void RegisterMovementRules(RuleTable& table) {
  ForEachPrimitive([&]<Primitive prim>() {
    if constexpr (KindOf(prim) == PrimitiveKind::kMovement) rules::Define<prim, kDef<prim>>(table);
  });
}

}  // namespace cotangent
