// File: core/rules/indexing.cc
// Rules of gather, the scatters and argsort, one block each, as lax defines them. gather and
// scatter_add are linear in their array operands and never in the indices: the transpose of a
// gather is the scatter_add of its cotangent at the same starts, and that of a scatter_add
// gathers its cotangent there; the other scatters' derivatives are written with these two. Batching
// follows JAX's gather/scatter rules: an operand's batch axis becomes one more window axis, an
// indices' one more batch axis, and when both are batched each example's number joins its index
// vector as the start along the operand's batch axis. argsort has a zero derivative (its output is
// integer); it batches along the next axis.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using rules::Def;
using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;
using Bdims = absl::Span<const int64_t>;

std::string Ints(absl::Span<const int64_t> v) { return ShapeToString(v); }

// Why `axes` is not a list of distinct axes below `rank` (ascending when `sorted`); "" if it is.
std::string AxisListError(const std::vector<int64_t>& axes, int64_t rank, bool sorted,
                          const char* what) {
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = axes[i];
    if (a < 0 || a >= rank)
      return absl::StrCat(what, " ", Ints(axes), " has an axis outside [0, ", rank, ")");
    if (seen[a]) return absl::StrCat(what, " ", Ints(axes), " repeats axis ", a);
    if (sorted && i > 0 && a < axes[i - 1])
      return absl::StrCat(what, " ", Ints(axes), " is not sorted");
    seen[a] = true;
  }
  return "";
}

bool Contains(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// i32 [..., 1] beside indices (batch axis first): each example's number, the start along the
// operand's batch axis.
Tensor WithExampleNumbers(const Tensor& indices) {
  Shape shape = indices.shape();
  shape.back() = 1;
  const int64_t per_example = NumElements(shape) / std::max<int64_t>(shape[0], 1);
  const Tensor numbers = Generate(shape, DType::kI32, "vmap of an indexing primitive",
                                  [&](int64_t i) { return static_cast<double>(i / per_example); });
  return lax::concatenate({numbers, indices}, indices.ndim() - 1);
}

void ShiftAxes(std::vector<int64_t>& axes) {
  for (int64_t& a : axes) ++a;
}

template <Primitive prim>
constexpr Def kDef = {};

// ---- gather(operand, indices; index, slice_sizes, mode, fill_value) ----

ShapedArray GatherAbstractEval(Avals in, const Params& p) {
  const ShapedArray &x = in[0], &idx = in[1];
  const IndexDims& d = p.index;
  const auto fail = [&](const std::string& why) {
    ThrowInvalid("gather: operand ", x.ToString(), ", indices ", idx.ToString(), ", offset_dims ",
                 Ints(d.window_dims), ", collapsed_slice_dims ", Ints(d.collapsed_dims),
                 ", start_index_map ", Ints(d.start_index_map), ", slice_sizes ",
                 Ints(p.slice_sizes), ": ", why);
  };
  const int64_t r = x.rank();
  if (idx.rank() < 1) fail("the indices need an index vector axis (their last)");
  if (idx.shape.back() != static_cast<int64_t>(d.start_index_map.size())) {
    fail("the index vector has a different length than start_index_map");
  }
  for (const std::string& e : {AxisListError(d.start_index_map, r, false, "start_index_map"),
                               AxisListError(d.collapsed_dims, r, true, "collapsed_slice_dims")}) {
    if (!e.empty()) fail(e);
  }
  if (static_cast<int64_t>(p.slice_sizes.size()) != r)
    fail("one slice size per operand axis needed");
  for (int64_t a = 0; a < r; ++a) {
    if (p.slice_sizes[a] < 0 || p.slice_sizes[a] > x.shape[a]) {
      fail(absl::StrCat("slice size ", p.slice_sizes[a], " along axis ", a, " of size ",
                        x.shape[a]));
    }
    if (Contains(d.collapsed_dims, a) && p.slice_sizes[a] != 1) {
      fail(absl::StrCat("collapsed axis ", a, " has slice size ", p.slice_sizes[a], ", not 1"));
    }
  }
  const int64_t kept = r - static_cast<int64_t>(d.collapsed_dims.size());
  const int64_t out_rank = idx.rank() - 1 + kept;
  if (static_cast<int64_t>(d.window_dims.size()) != kept) {
    fail("offset_dims needs one output axis per uncollapsed operand axis");
  }
  if (std::string e = AxisListError(d.window_dims, out_rank, true, "offset_dims"); !e.empty())
    fail(e);
  Shape out(out_rank);
  size_t batch = 0, window = 0;
  for (int64_t o = 0; o < out_rank; ++o) {
    if (Contains(d.window_dims, o)) {
      while (Contains(d.collapsed_dims, static_cast<int64_t>(window))) ++window;
      out[o] = p.slice_sizes[window++];
    } else {
      out[o] = idx.shape[batch++];
    }
  }
  return ShapedArray{std::move(out), x.dtype};
}
// gather is linear in the operand; a filled window's tangent is zero, not the fill value.
Tensor GatherJvp(Span x, Span t, const Tensor&, const Params& p) {
  Params q = p;
  q.fill_value = 0;
  return t[0].defined() ? Bind1(Primitive::kGather, {t[0], x[1]}, q) : Tensor();
}
// gather: ct_operand = scatter_add(0, indices, ct) with the same dimension numbers (a filled
// window drops its cotangent, a clipped one adds it where it was read).
std::vector<Tensor> GatherTranspose(const Tensor& ct, Span operands, Avals avals, const Params& p) {
  return {lax::scatter_add(Full(avals[0], 0.0), operands[1], ct, p.index, p.mode), Tensor()};
}
Batched GatherBatch(Span x, Bdims bdims, const Params& p) {
  Params q = p;
  IndexDims& d = q.index;
  ShiftAxes(d.window_dims);
  if (bdims[1] == kNotMapped) {  // the operand's batch axis is one more window axis
    const Tensor operand = rules::MoveBatchAxis(x[0], bdims[0], 0);
    ShiftAxes(d.collapsed_dims);
    ShiftAxes(d.start_index_map);
    d.window_dims.insert(d.window_dims.begin(), 0);
    q.slice_sizes.insert(q.slice_sizes.begin(), operand.shape()[0]);
    return {Bind1(Primitive::kGather, {operand, x[1]}, q), 0};
  }
  // The indices' batch axis is the output's first batch axis (every window axis moved past it).
  const Tensor indices = rules::MoveBatchAxis(x[1], bdims[1], 0);
  if (bdims[0] == kNotMapped) return {Bind1(Primitive::kGather, {x[0], indices}, q), 0};
  const Tensor operand = rules::MoveBatchAxis(x[0], bdims[0], 0);
  ShiftAxes(d.collapsed_dims);
  ShiftAxes(d.start_index_map);
  d.collapsed_dims.insert(d.collapsed_dims.begin(), 0);
  d.start_index_map.insert(d.start_index_map.begin(), 0);
  q.slice_sizes.insert(q.slice_sizes.begin(), 1);
  return {Bind1(Primitive::kGather, {operand, WithExampleNumbers(indices)}, q), 0};
}
template <>
constexpr Def kDef<Primitive::kGather> = {.abstract_eval = GatherAbstractEval,
                                          .tangent = GatherJvp,
                                          .transpose = GatherTranspose,
                                          .batch = GatherBatch};

// ---- the scatters (operand, indices, updates; index, mode) ----
// One abstract evaluation and one batch rule for scatter_add, scatter, scatter_mul,
// scatter_min and scatter_max; a derivative block each.

template <Primitive prim>
ShapedArray ScatterAbstractEval(Avals in, const Params& p) {
  const ShapedArray &x = in[0], &idx = in[1], &u = in[2];
  const IndexDims& d = p.index;
  const auto fail = [&](const std::string& why) {
    ThrowInvalid(PrimitiveName(prim), ": operand ", x.ToString(), ", indices ", idx.ToString(),
                 ", updates ", u.ToString(), ", update_window_dims ", Ints(d.window_dims),
                 ", inserted_window_dims ", Ints(d.collapsed_dims),
                 ", scatter_dims_to_operand_dims ", Ints(d.start_index_map), ": ", why);
  };
  const int64_t r = x.rank();
  if (u.dtype != x.dtype) fail("updates and operand differ in dtype");
  if (idx.rank() < 1) fail("the indices need an index vector axis (their last)");
  if (idx.shape.back() != static_cast<int64_t>(d.start_index_map.size())) {
    fail("the index vector has a different length than scatter_dims_to_operand_dims");
  }
  for (const std::string& e :
       {AxisListError(d.start_index_map, r, false, "scatter_dims_to_operand_dims"),
        AxisListError(d.collapsed_dims, r, true, "inserted_window_dims"),
        AxisListError(d.window_dims, u.rank(), true, "update_window_dims")}) {
    if (!e.empty()) fail(e);
  }
  if (d.window_dims.size() + d.collapsed_dims.size() != static_cast<size_t>(r)) {
    fail("each operand axis needs an update window axis or an inserted one");
  }
  Shape batch;
  for (int64_t a = 0; a < u.rank(); ++a) {
    if (!Contains(d.window_dims, a)) batch.push_back(u.shape[a]);
  }
  if (batch != Shape(idx.shape.begin(), idx.shape.end() - 1)) {
    fail("the updates' scatter axes differ from the indices' batch axes");
  }
  const std::vector<int64_t> window = ScatterWindow(r, u.shape, d);
  for (int64_t a = 0; a < r; ++a) {
    if (window[a] > x.shape[a]) fail(absl::StrCat("a window of ", window[a], " along axis ", a));
  }
  return x;
}
// Every example scatters into its own operand: the operand and updates get the batch axis
// first (broadcast when unbatched), a window axis of the updates or, when the indices are
// batched too, an inserted axis whose start is the example's number.
template <Primitive prim>
Batched ScatterBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t n = rules::BatchSize(x, bdims);
  const Tensor operand = rules::MaterializeBatch(x[0], bdims[0], n, 0);
  const Tensor updates = rules::MaterializeBatch(x[2], bdims[2], n, 0);
  Params q = p;
  IndexDims& d = q.index;
  ShiftAxes(d.window_dims);
  ShiftAxes(d.collapsed_dims);
  ShiftAxes(d.start_index_map);
  if (bdims[1] == kNotMapped) {
    d.window_dims.insert(d.window_dims.begin(), 0);
    return {Bind1(prim, {operand, x[1], updates}, q), 0};
  }
  d.collapsed_dims.insert(d.collapsed_dims.begin(), 0);
  d.start_index_map.insert(d.start_index_map.begin(), 0);
  const Tensor indices = WithExampleNumbers(rules::MoveBatchAxis(x[1], bdims[1], 0));
  return {Bind1(prim, {operand, indices, updates}, q), 0};
}
// scatter and scatter_add are linear in operand and updates together: the same scatter of the
// tangents.
template <Primitive prim>
Tensor JointlyLinearScatterJvp(Span x, Span t, const Tensor&, const Params& p) {
  if (!t[0].defined() && !t[2].defined()) return Tensor();
  return Bind1(prim,
               {rules::Instantiate(t[0], x[0].aval()), x[1], rules::Instantiate(t[2], x[2].aval())},
               p);
}

// The window of `x` (of the operand's shape) that each update element lands on, laid out as
// the updates (aval `updates`): lax's inverse gather. A dropped window reads 0.
Tensor InverseGather(const Tensor& x, const Tensor& indices, const ShapedArray& updates,
                     const Params& p) {
  return lax::gather(x, indices, p.index, ScatterWindow(x.ndim(), updates.shape, p.index), p.mode,
                     0.0);
}
// The operand-shaped sum of `values` (laid out as the updates) at their windows.
Tensor ScatterSum(const ShapedArray& operand, const Tensor& indices, const Tensor& values,
                  const Params& p) {
  return lax::scatter_add(Full(operand, 0.0), indices, values, p.index, p.mode);
}
Tensor Indicator(const Tensor& pred, const Tensor& like) {
  return lax::select(pred, rules::Const(like, 1), rules::Const(like, 0));
}

// scatter_add: ct_operand = ct; ct_updates = gather(ct, indices) of the windows (a dropped
// window's cotangent is zero).
std::vector<Tensor> ScatterAddTranspose(const Tensor& ct, Span operands, Avals avals,
                                        const Params& p) {
  std::vector<Tensor> out(3);
  if (!operands[0].defined()) out[0] = ct;
  if (!operands[2].defined()) out[2] = InverseGather(ct, operands[1], avals[2], p);
  return out;
}
template <>
constexpr Def kDef<Primitive::kScatterAdd> = {
    .abstract_eval = ScatterAbstractEval<Primitive::kScatterAdd>,
    .tangent = JointlyLinearScatterJvp<Primitive::kScatterAdd>,
    .transpose = ScatterAddTranspose,
    .batch = ScatterBatch<Primitive::kScatterAdd>};

// scatter: ct_operand = ct where no window was stored; ct_updates = ct at its window for the
// update that won there (the last in index order), 0 for the ones overwritten. The winners
// are found by scattering each update's number (1 + its scatter position) and reading back.
std::vector<Tensor> ScatterTranspose(const Tensor& ct, Span operands, Avals avals,
                                     const Params& p) {
  std::vector<Tensor> out(3);
  const Tensor& indices = operands[1];
  if (!operands[0].defined()) {
    out[0] = Bind1(Primitive::kScatter, {ct, indices, Full(avals[2], 0.0)}, p);
  }
  if (!operands[2].defined()) {
    Shape positions;
    std::vector<int64_t> position_axes;
    for (int64_t a = 0; a < avals[2].rank(); ++a) {
      if (Contains(p.index.window_dims, a)) continue;
      positions.push_back(avals[2].shape[a]);
      position_axes.push_back(a);
    }
    const Tensor numbers =
        lax::broadcast_in_dim(Generate(positions, DType::kI32, "transpose of scatter",
                                       [](int64_t i) { return static_cast<double>(i + 1); }),
                              avals[2].shape, position_axes);
    const Tensor stored =
        Bind1(Primitive::kScatter,
              {Full(ShapedArray{avals[0].shape, DType::kI32}, 0.0), indices, numbers}, p);
    const Tensor won = lax::eq(InverseGather(stored, indices, avals[2], p), numbers);
    out[2] = lax::select(won, InverseGather(ct, indices, avals[2], p), Full(avals[2], 0.0));
  }
  return out;
}
template <>
constexpr Def kDef<Primitive::kScatter> = {
    .abstract_eval = ScatterAbstractEval<Primitive::kScatter>,
    .tangent = JointlyLinearScatterJvp<Primitive::kScatter>,
    .transpose = ScatterTranspose,
    .batch = ScatterBatch<Primitive::kScatter>};

// scatter_mul: out[j] = x[j] * prod of the factors y[u] landing on j. Linear in x (tangent
// scatter_mul(dx, i, y)); d out[j] / d y[u] = x[j] * the product of the other factors, found
// without dividing by a zero: with P[j] = x[j] * the product of j's nonzero factors and Z[j]
// their number of zeros, it is P / y[u] when Z = 0, P when y[u] is j's only zero, else 0.
// (JAX defines this derivative only for unique indices.)
Tensor ScatterMulJvp(Span x, Span t, const Tensor&, const Params& p) {
  const Tensor &operand = x[0], &indices = x[1], &y = x[2];
  Tensor out;
  if (t[0].defined()) out = Bind1(Primitive::kScatterMul, {t[0], indices, y}, p);
  if (!t[2].defined()) return out;
  const Tensor zero = lax::eq(y, rules::Const(y, 0));
  const Tensor nonzero_y = lax::select(zero, rules::Const(y, 1), y);
  const Tensor product = InverseGather(
      Bind1(Primitive::kScatterMul, {operand, indices, nonzero_y}, p), indices, y.aval(), p);
  const Tensor zeros_there = InverseGather(
      ScatterSum(operand.aval(), indices, Indicator(zero, y), p), indices, y.aval(), p);
  const Tensor others =
      lax::select(lax::eq(zeros_there, rules::Const(y, 0)), lax::div(product, nonzero_y),
                  lax::select(lax::eq(zeros_there, rules::Const(y, 1)),
                              lax::select(zero, product, rules::Const(y, 0)), rules::Const(y, 0)));
  return rules::AddTangents(out, ScatterSum(operand.aval(), indices, lax::mul(t[2], others), p));
}
// Linear in the operand: out = x * M with M = scatter_mul(1, i, y), so ct_x = ct * M.
std::vector<Tensor> ScatterMulTranspose(const Tensor& ct, Span operands, Avals, const Params& p) {
  return {Bind1(Primitive::kScatterMul, {ct, operands[1], operands[2]}, p), Tensor(), Tensor()};
}
template <>
constexpr Def kDef<Primitive::kScatterMul> = {
    .abstract_eval = ScatterAbstractEval<Primitive::kScatterMul>,
    .tangent = ScatterMulJvp,
    .transpose = ScatterMulTranspose,
    .batch = ScatterBatch<Primitive::kScatterMul>};

// scatter_min and scatter_max: the tangent at j is the mean of the tangents of everything
// attaining the result there (the operand's own value and each update equal to it), as JAX's
// (and as max's own rule shares ties); where no update attains it, the operand's tangent.
template <Primitive prim>
Tensor ScatterExtremumJvp(Span x, Span t, const Tensor& result, const Params& p) {
  if (!t[0].defined() && !t[2].defined()) return Tensor();
  const Tensor &operand = x[0], &indices = x[1], &y = x[2];
  const Tensor won = lax::eq(y, InverseGather(result, indices, y.aval(), p));
  const Tensor winners = ScatterSum(operand.aval(), indices, Indicator(won, y), p);
  const Tensor kept = Indicator(lax::eq(operand, result), operand);
  const Tensor share = lax::div(rules::Const(operand, 1),
                                lax::max(lax::add(kept, winners), rules::Const(operand, 1)));
  Tensor out;
  if (t[0].defined()) {
    const Tensor none = lax::eq(winners, rules::Const(operand, 0));
    out = lax::mul(t[0], lax::select(none, rules::Const(operand, 1), lax::mul(kept, share)));
  }
  if (t[2].defined()) {
    const Tensor shared = lax::mul(t[2], InverseGather(share, indices, y.aval(), p));
    out = rules::AddTangents(
        out, ScatterSum(operand.aval(), indices, lax::select(won, shared, rules::Const(y, 0)), p));
  }
  return out;
}
template <>
constexpr Def kDef<Primitive::kScatterMin> = {
    .abstract_eval = ScatterAbstractEval<Primitive::kScatterMin>,
    .tangent = ScatterExtremumJvp<Primitive::kScatterMin>,
    .batch = ScatterBatch<Primitive::kScatterMin>};
template <>
constexpr Def kDef<Primitive::kScatterMax> = {
    .abstract_eval = ScatterAbstractEval<Primitive::kScatterMax>,
    .tangent = ScatterExtremumJvp<Primitive::kScatterMax>,
    .batch = ScatterBatch<Primitive::kScatterMax>};

// ---- argsort(keys...; dimension, descending, k) ----

ShapedArray ArgsortAbstractEval(Avals in, const Params& p) {
  std::vector<std::string> keys;
  for (const ShapedArray& k : in) keys.push_back(k.ToString());
  const auto fail = [&](const std::string& why) {
    ThrowInvalid("argsort: keys (", absl::StrJoin(keys, ", "), "), dimension ", p.dimension, ": ",
                 why);
  };
  if (in.empty()) fail("needs at least one key");
  for (const ShapedArray& k : in) {
    if (k.shape != in[0].shape) fail("the keys differ in shape");
  }
  if (p.dimension < 0 || p.dimension >= in[0].rank()) fail("no such axis");
  const int64_t n = in[0].shape[p.dimension];
  if (n > std::numeric_limits<int32_t>::max()) {
    fail("more elements along the axis than an i32 index holds");
  }
  if (p.k < -1 || p.k > n) fail(absl::StrCat("k = ", p.k, " of ", n, " elements along the axis"));
  Shape shape = in[0].shape;
  if (p.k >= 0) shape[p.dimension] = p.k;
  return ShapedArray{shape, DType::kI32};
}
// Every example's keys sort along the same axis, one further in: the batch axis first.
Batched ArgsortBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t n = rules::BatchSize(x, bdims);
  std::vector<Tensor> keys;
  for (size_t i = 0; i < x.size(); ++i) {
    keys.push_back(rules::MaterializeBatch(x[i], bdims[i], n, 0));
  }
  return {lax::argsort(keys, p.dimension + 1, p.descending, p.k), 0};
}
template <>
constexpr Def kDef<Primitive::kArgsort> = {.abstract_eval = ArgsortAbstractEval,
                                           .batch = ArgsortBatch};

}  // namespace

void RegisterIndexingRules(RuleTable& table) {
  rules::Define<Primitive::kGather, kDef<Primitive::kGather>>(table);
  rules::Define<Primitive::kScatterAdd, kDef<Primitive::kScatterAdd>>(table);
  rules::Define<Primitive::kScatter, kDef<Primitive::kScatter>>(table);
  rules::Define<Primitive::kScatterMul, kDef<Primitive::kScatterMul>>(table);
  rules::Define<Primitive::kScatterMin, kDef<Primitive::kScatterMin>>(table);
  rules::Define<Primitive::kScatterMax, kDef<Primitive::kScatterMax>>(table);
  rules::Define<Primitive::kArgsort, kDef<Primitive::kArgsort>>(table);
}

}  // namespace cotangent
