// File: core/rules/reduction.cc
// Rules of the reductions: reduce_sum, reduce_max and reduce_prod over a set of axes, argmax over
// one; one block per primitive, each ending with its kDef (core/rules/helpers.h).

#include <algorithm>

#include "absl/strings/str_join.h"
#include "core/error.h"
#include "core/rules.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

// The operand shape without the reduced axes; checks that axes are in range and unique.
Shape ReducedShape(std::string_view op, const ShapedArray& x, absl::Span<const int64_t> axes) {
  std::vector<bool> reduced(x.rank(), false);
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= x.rank()) {
      ThrowInvalid(op, ": axis ", axis, " out of range for ", x.ToString());
    }
    if (reduced[axis]) ThrowInvalid(op, ": repeated axis ", axis, " for ", x.ToString());
    reduced[axis] = true;
  }
  Shape out;
  for (int64_t i = 0; i < x.rank(); ++i) {
    if (!reduced[i]) out.push_back(x.shape[i]);
  }
  return out;
}

using rules::Def;
using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;
using Bdims = absl::Span<const int64_t>;

// Reduce the same axes, renumbered around the batch axis.
template <Primitive prim>
Batched ReduceBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t b = bdims[0];
  Params q = p;
  int64_t out_bdim = b;
  for (int64_t& axis : q.axes) {
    axis = rules::AxisWithBatch(axis, b);
    if (axis < b) --out_bdim;
  }
  return {Bind1(prim, {x[0]}, q), out_bdim};
}

// Each row's block, below.
template <Primitive prim>
constexpr Def kDef = {};

// reduce_sum: d sum(x) = sum(dx); ct_x = ct broadcast back along the reduced axes
ShapedArray ReduceSumAbstractEval(Avals in, const Params& params) {
  return ShapedArray{ReducedShape("reduce_sum", in[0], params.axes), in[0].dtype};
}
Tensor ReduceSumJvp(Span, Span t, const Tensor&, const Params& p) {
  return lax::reduce_sum(t[0], p.axes);
}
std::vector<Tensor> ReduceSumTranspose(const Tensor& ct, Span, Avals avals, const Params& p) {
  return {lax::broadcast_in_dim(ct, avals[0].shape, KeptDims(avals[0].rank(), p.axes))};
}
template <> constexpr Def kDef<Primitive::kReduceSum> = {
    .abstract_eval = ReduceSumAbstractEval, .tangent = ReduceSumJvp,
    .transpose = ReduceSumTranspose, .batch = ReduceBatch<Primitive::kReduceSum>};

// reduce_max: d max(x) = mean of dx over the positions that attain the maximum (ties share
// equally)
ShapedArray ReduceMaxAbstractEval(Avals in, const Params& params) {
  return ShapedArray{ReducedShape("reduce_max", in[0], params.axes), in[0].dtype};
}
Tensor ReduceMaxJvp(Span x, Span t, const Tensor& out, const Params& p) {
  const std::vector<int64_t> kept = KeptDims(x[0].ndim(), p.axes);
  const Tensor at_max = lax::eq(x[0], lax::broadcast_in_dim(out, x[0].shape(), kept));
  const Tensor mask = lax::convert_element_type(at_max, x[0].dtype());
  return lax::div(lax::reduce_sum(lax::mul(t[0], mask), p.axes), lax::reduce_sum(mask, p.axes));
}
template <> constexpr Def kDef<Primitive::kReduceMax> = {
    .abstract_eval = ReduceMaxAbstractEval, .tangent = ReduceMaxJvp,
    .batch = ReduceBatch<Primitive::kReduceMax>};

// reduce_prod: JAX's rule, exact where elements are zero (it never divides by the product):
// the reduced axes moved to the front and flattened to n rows, the rows are multiplied in
// pairs, ceil(log2 n) levels, each carrying the product rule (p1, t1)(p2, t2) = (p1 p2,
// t1 p2 + p1 t2), an odd last row paired with (1, 0). Linear in t, so its transpose is vjp's.
ShapedArray ReduceProdAbstractEval(Avals in, const Params& params) {
  return ShapedArray{ReducedShape("reduce_prod", in[0], params.axes), in[0].dtype};
}
Tensor ReduceProdJvp(Span x, Span t, const Tensor& out, const Params& p) {
  std::vector<int64_t> order = p.axes;
  const std::vector<int64_t> kept = KeptDims(x[0].ndim(), p.axes);
  order.insert(order.end(), kept.begin(), kept.end());
  Shape rows = {1};
  for (int64_t axis : p.axes) rows[0] *= x[0].shape()[axis];
  for (int64_t axis : kept) rows.push_back(x[0].shape()[axis]);
  if (rows[0] == 0) return ZerosLike(out);
  const auto as_rows = [&](const Tensor& a) {
    return lax::reshape(p.axes.empty() ? a : lax::transpose(a, order), rows);
  };
  Tensor prod = as_rows(x[0]), tangent = as_rows(t[0]);
  // Rows [from, to) of a, padded to `count` rows with `fill`.
  const auto take = [](const Tensor& a, int64_t from, int64_t to, int64_t count, double fill) {
    std::vector<int64_t> start(a.ndim(), 0), limit(a.shape().begin(), a.shape().end());
    start[0] = from;
    limit[0] = to;
    const Tensor part = lax::slice(a, start, limit);
    if (to - from == count) return part;
    std::vector<int64_t> low(a.ndim(), 0), high(a.ndim(), 0);
    high[0] = count - (to - from);
    return lax::pad(part, fill, low, high);
  };
  for (int64_t n = rows[0]; n > 1; n = (n + 1) / 2) {
    const int64_t half = (n + 1) / 2;
    const Tensor p1 = take(prod, 0, half, half, 1), p2 = take(prod, half, n, half, 1);
    const Tensor t1 = take(tangent, 0, half, half, 0), t2 = take(tangent, half, n, half, 0);
    prod = lax::mul(p1, p2);
    tangent = lax::add(lax::mul(t1, p2), lax::mul(p1, t2));
  }
  return lax::reshape(tangent, out.shape());
}
template <>
constexpr Def kDef<Primitive::kReduceProd> = {.abstract_eval = ReduceProdAbstractEval,
                                              .tangent = ReduceProdJvp,
                                              .batch = ReduceBatch<Primitive::kReduceProd>};

// argmax: the index (i32) of the first maximum along one axis; derivative zero
ShapedArray ArgmaxAbstractEval(Avals in, const Params& params) {
  const ShapedArray& x = in[0];
  const int64_t axis = params.dimension;
  Shape out = ReducedShape("argmax", x, {axis});
  if (x.shape[axis] == 0) {
    ThrowInvalid("argmax: axis ", axis, " of ", x.ToString(), " is empty");
  }
  return ShapedArray{std::move(out), DType::kI32};
}
Batched ArgmaxBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t b = bdims[0];
  Params q = p;
  q.dimension = rules::AxisWithBatch(p.dimension, b);
  return {Bind1(Primitive::kArgmax, {x[0]}, q), q.dimension < b ? b - 1 : b};
}
template <> constexpr Def kDef<Primitive::kArgmax> = {.abstract_eval = ArgmaxAbstractEval,
                                                      .batch = ArgmaxBatch};

}  // namespace

void RegisterReductionRules(RuleTable& table) {
  ForEachPrimitive([&]<Primitive prim>() {
    if constexpr (KindOf(prim) == PrimitiveKind::kReduce) rules::Define<prim, kDef<prim>>(table);
  });
}

}  // namespace cotangent
