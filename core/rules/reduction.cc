// File: core/rules/reduction.cc
// Rules of the reductions: reduce_sum and reduce_max over a set of axes, argmax over one; one
// block per primitive, each ending with its kDef (core/rules/helpers.h).

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

// The output axes that remain after reducing `axes` of a rank-r operand, as broadcast
// dimensions mapping the reduced result back into the operand's shape.
std::vector<int64_t> KeptDims(int64_t rank, const std::vector<int64_t>& axes) {
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) kept.push_back(i);
  }
  return kept;
}

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
