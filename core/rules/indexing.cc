// File: core/rules/indexing.cc
// Rules of gather, scatter_add and argsort, one block each, as lax defines them. The first two
// are linear in their array operands and never in the indices: the transpose of a gather is
// the scatter_add of its cotangent at the same starts, and that of a scatter_add gathers its
// cotangent there. Batching follows JAX's gather/scatter rules: an operand's batch axis
// becomes one more window axis, an indices' one more batch axis, and when both are batched
// each example's number joins its index vector as the start along the operand's batch axis.
// argsort has a zero derivative (its output is integer); it batches along the next axis.

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

// ---- scatter_add(operand, indices, updates; index, mode) ----

ShapedArray ScatterAddAbstractEval(Avals in, const Params& p) {
  const ShapedArray &x = in[0], &idx = in[1], &u = in[2];
  const IndexDims& d = p.index;
  const auto fail = [&](const std::string& why) {
    ThrowInvalid("scatter_add: operand ", x.ToString(), ", indices ", idx.ToString(), ", updates ",
                 u.ToString(), ", update_window_dims ", Ints(d.window_dims),
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
Tensor ScatterAddJvp(Span x, Span t, const Tensor&, const Params& p) {
  if (!t[0].defined() && !t[2].defined()) return Tensor();
  return Bind1(Primitive::kScatterAdd,
               {rules::Instantiate(t[0], x[0].aval()), x[1], rules::Instantiate(t[2], x[2].aval())},
               p);
}
// scatter_add: ct_operand = ct; ct_updates = gather(ct, indices) of the windows (a dropped
// window's cotangent is zero).
std::vector<Tensor> ScatterAddTranspose(const Tensor& ct, Span operands, Avals avals,
                                        const Params& p) {
  std::vector<Tensor> out(3);
  if (!operands[0].defined()) out[0] = ct;
  if (!operands[2].defined()) {
    out[2] = lax::gather(ct, operands[1], p.index,
                         ScatterWindow(avals[0].rank(), avals[2].shape, p.index), p.mode, 0.0);
  }
  return out;
}
// Every example scatters into its own operand: the operand and updates get the batch axis
// first (broadcast when unbatched), a window axis of the updates or, when the indices are
// batched too, an inserted axis whose start is the example's number.
Batched ScatterAddBatch(Span x, Bdims bdims, const Params& p) {
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
    return {Bind1(Primitive::kScatterAdd, {operand, x[1], updates}, q), 0};
  }
  d.collapsed_dims.insert(d.collapsed_dims.begin(), 0);
  d.start_index_map.insert(d.start_index_map.begin(), 0);
  const Tensor indices = WithExampleNumbers(rules::MoveBatchAxis(x[1], bdims[1], 0));
  return {Bind1(Primitive::kScatterAdd, {operand, indices, updates}, q), 0};
}
template <>
constexpr Def kDef<Primitive::kScatterAdd> = {.abstract_eval = ScatterAddAbstractEval,
                                              .tangent = ScatterAddJvp,
                                              .transpose = ScatterAddTranspose,
                                              .batch = ScatterAddBatch};

// ---- argsort(keys...; dimension, descending) ----

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
  if (in[0].shape[p.dimension] > std::numeric_limits<int32_t>::max()) {
    fail("more elements along the axis than an i32 index holds");
  }
  return ShapedArray{in[0].shape, DType::kI32};
}
// Every example's keys sort along the same axis, one further in: the batch axis first.
Batched ArgsortBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t n = rules::BatchSize(x, bdims);
  std::vector<Tensor> keys;
  for (size_t i = 0; i < x.size(); ++i) {
    keys.push_back(rules::MaterializeBatch(x[i], bdims[i], n, 0));
  }
  return {lax::argsort(keys, p.dimension + 1, p.descending), 0};
}
template <>
constexpr Def kDef<Primitive::kArgsort> = {.abstract_eval = ArgsortAbstractEval,
                                           .batch = ArgsortBatch};

}  // namespace

void RegisterIndexingRules(RuleTable& table) {
  rules::Define<Primitive::kGather, kDef<Primitive::kGather>>(table);
  rules::Define<Primitive::kScatterAdd, kDef<Primitive::kScatterAdd>>(table);
  rules::Define<Primitive::kArgsort, kDef<Primitive::kArgsort>>(table);
}

}  // namespace cotangent
