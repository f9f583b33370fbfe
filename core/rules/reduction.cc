// File: core/rules/reduction.cc
// Rules of the reductions: reduce_sum and reduce_max over a set of axes, argmax over one.

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

ShapedArray ReduceSumAbstractEval(absl::Span<const ShapedArray> in, const Params& params) {
  if (in[0].dtype == DType::kBool) {
    ThrowInvalid("reduce_sum: expected a numeric operand, got ", in[0].ToString());
  }
  return ShapedArray{ReducedShape("reduce_sum", in[0], params.axes), in[0].dtype};
}

ShapedArray ReduceMaxAbstractEval(absl::Span<const ShapedArray> in, const Params& params) {
  return ShapedArray{ReducedShape("reduce_max", in[0], params.axes), in[0].dtype};
}

ShapedArray ArgmaxAbstractEval(absl::Span<const ShapedArray> in, const Params& params) {
  const ShapedArray& x = in[0];
  const int64_t axis = params.dimension;
  Shape out = ReducedShape("argmax", x, {axis});
  if (x.shape[axis] == 0) {
    ThrowInvalid("argmax: axis ", axis, " of ", x.ToString(), " is empty");
  }
  return ShapedArray{std::move(out), DType::kI32};
}


using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;

// The output axes that remain after reducing `axes` of a rank-r operand, as broadcast
// dimensions mapping the reduced result back into the operand's shape.
std::vector<int64_t> KeptDims(int64_t rank, const std::vector<int64_t>& axes) {
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) kept.push_back(i);
  }
  return kept;
}

// d sum(x) = sum(dx)
Tensor ReduceSumJvp(Span, Span t, const Tensor&, const Params& p) {
  return lax::reduce_sum(t[0], p.axes);
}
// sum: ct_x = ct broadcast back along the reduced axes
std::vector<Tensor> ReduceSumTranspose(const Tensor& ct, Span, Avals avals, const Params& p) {
  return {lax::broadcast_in_dim(ct, avals[0].shape, KeptDims(avals[0].rank(), p.axes))};
}
// d max(x) = mean of dx over the positions that attain the maximum (ties share equally)
Tensor ReduceMaxJvp(Span x, Span t, const Tensor& out, const Params& p) {
  const std::vector<int64_t> kept = KeptDims(x[0].ndim(), p.axes);
  const Tensor at_max = lax::eq(x[0], lax::broadcast_in_dim(out, x[0].shape(), kept));
  const Tensor mask = lax::convert_element_type(at_max, x[0].dtype());
  return lax::div(lax::reduce_sum(lax::mul(t[0], mask), p.axes), lax::reduce_sum(mask, p.axes));
}


// ---- batch rules: reduce the same axes, renumbered around the batch axis ----

using Bdims = absl::Span<const int64_t>;

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

Batched ArgmaxBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t b = bdims[0];
  Params q = p;
  q.dimension = rules::AxisWithBatch(p.dimension, b);
  return {Bind1(Primitive::kArgmax, {x[0]}, q), q.dimension < b ? b - 1 : b};
}

}  // namespace

void RegisterReductionRules(RuleTable& table) {
  table[Primitive::kReduceSum].abstract_eval = rules::AbstractEval1<ReduceSumAbstractEval>;
  table[Primitive::kReduceMax].abstract_eval = rules::AbstractEval1<ReduceMaxAbstractEval>;
  table[Primitive::kArgmax].abstract_eval = rules::AbstractEval1<ArgmaxAbstractEval>;
  table[Primitive::kArgmax].non_differentiable = true;
  table[Primitive::kReduceSum].tangent = ReduceSumJvp;
  table[Primitive::kReduceSum].transpose = rules::Transpose1<ReduceSumTranspose>;
  table[Primitive::kReduceMax].tangent = ReduceMaxJvp;
  table[Primitive::kReduceSum].batch = rules::Batch1<ReduceBatch<Primitive::kReduceSum>>;
  table[Primitive::kReduceMax].batch = rules::Batch1<ReduceBatch<Primitive::kReduceMax>>;
  table[Primitive::kArgmax].batch = rules::Batch1<ArgmaxBatch>;
}

}  // namespace cotangent
