// File: core/rules/helpers.h
// Small pieces shared by the rule families: arithmetic on tangents that may be symbolic zeros
// (undefined tensors), and the builders for common rule shapes (linear, elementwise).

#ifndef COTANGENT_CORE_RULES_HELPERS_H_
#define COTANGENT_CORE_RULES_HELPERS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

#include "core/constants.h"
#include "core/lax.h"
#include "core/rules.h"
#include "core/tensor.h"

namespace cotangent::rules {

// a + b where an undefined operand is a zero.
inline Tensor AddTangents(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return lax::add(a, b);
}

// t, or a concrete zero of aval when t is a symbolic zero.
inline Tensor Instantiate(const Tensor& t, const ShapedArray& aval) {
  return t.defined() ? t : Full(aval, 0.0);
}

// t * factor, undefined when t is.
inline Tensor ScaleTangent(const Tensor& t, const Tensor& factor) {
  return t.defined() ? lax::mul(t, factor) : Tensor();
}

// A scalar constant broadcast to x's shape and dtype.
inline Tensor Const(const Tensor& like, double value) { return FullLike(like, value); }

// ---- builders: one-output rules in the table's list forms ----

template <auto F>
AvalList AbstractEval1(AvalSpan in, const Params& p) {
  return {F(in, p)};
}
// F(ct, operands, avals, params) of a one-output linear primitive.
template <auto F>
TensorList Transpose1(TensorSpan cts, TensorSpan operands, AvalSpan avals, const Params& p) {
  std::vector<Tensor> out = F(cts[0], operands, avals, p);
  return TensorList(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
}
// F(args, bdims, params) -> Batched of a one-output primitive.
template <auto F>
BatchedList Batch1(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  Batched out = F(args, bdims, p);
  return {{std::move(out.value)}, {out.bdim}};
}

// ---- batching: operands carry a batch axis bdim (kNotMapped when unbatched) ----

// x with its batch axis moved from `from` to `to` (a transpose view).
Tensor MoveBatchAxis(const Tensor& x, int64_t from, int64_t to);

// x with a batch axis of `size` at `to`: moved there if x is batched (bdim), else broadcast
// (a view: no copy).
Tensor MaterializeBatch(const Tensor& x, int64_t bdim, int64_t size, int64_t to);

// The batch size, read off the first batched operand.
int64_t BatchSize(absl::Span<const Tensor> args, absl::Span<const int64_t> bdims);

// An axis of the unbatched operand, renumbered for the batched operand (batch axis at bdim).
inline int64_t AxisWithBatch(int64_t axis, int64_t bdim) { return axis >= bdim ? axis + 1 : axis; }

}  // namespace cotangent::rules

#endif  // COTANGENT_CORE_RULES_HELPERS_H_
