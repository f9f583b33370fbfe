// File: core/rules/helpers.h
// What the rule families share: rules::Def, the block of rules one primitive writes, and
// Define, which installs it in the table checked against the primitive's row; arithmetic on
// tangents that may be symbolic zeros (undefined tensors); batch-axis movement.

#ifndef COTANGENT_CORE_RULES_HELPERS_H_
#define COTANGENT_CORE_RULES_HELPERS_H_

#include <cstdint>
#include <iterator>
#include <vector>

#include "absl/types/span.h"

#include "core/constants.h"
#include "core/lax.h"
#include "core/primitive.h"
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

// An order-reversing involution, so that min(x) = OrderReversed(max(OrderReversed(x))): -x for
// floats and complex numbers (exact; NaN stays NaN; -z reverses their lexicographic order
// too), and bitwise not for bool and the integers (~x = -1 - x signed, max - x unsigned),
// which unlike -x never overflows (-INT32_MIN does) nor wraps around (unsigned -x).
inline Tensor OrderReversed(const Tensor& x) {
  return IsInexact(x.dtype()) ? lax::neg(x) : lax::bitwise_not(x);
}

// ---- one block per primitive ----

// The rules of a one-output primitive in their one-output forms, as its block in
// core/rules/<family>.cc writes them, ending with
//   template <> constexpr Def kDef<Primitive::kSin> = {.tangent = SinJvp};
// What a block leaves null comes from its family (abstract evaluation, batching) or is not
// needed: a tangent rule only for derivative kByRule, a transpose rule only for a linear row.
struct Def {
  // The output type; operand dtypes are already checked against the row (AbstractEval).
  ShapedArray (*abstract_eval)(AvalSpan in, const Params& params) = nullptr;
  TangentRule tangent = nullptr;
  // The cotangents of the linear operands (undefined in `operands`) from the output's; the
  // operands are already checked against the row's linear column (CheckLinearOperands).
  std::vector<Tensor> (*transpose)(const Tensor& ct, TensorSpan operands, AvalSpan avals,
                                   const Params& params) = nullptr;
  Batched (*batch)(TensorSpan args, absl::Span<const int64_t> bdims,
                   const Params& params) = nullptr;
  // Collectives: vmap over one of the named axes (NamedBatchRule).
  Batched (*named_batch)(TensorSpan args, absl::Span<const int64_t> bdims, const Params& params,
                         const NamedAxis& axis) = nullptr;
};

template <auto F>
AvalList AbstractEval1(AvalSpan in, const Params& p) {
  return ListOf(F(in, p));
}
template <Primitive prim, auto F>
TensorList Transpose1(TensorSpan cts, TensorSpan operands, AvalSpan avals, const Params& p) {
  CheckLinearOperands(prim, operands, avals);
  std::vector<Tensor> out = F(cts[0], operands, avals, p);
  return TensorList(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
}
template <auto F>
BatchedList Batch1(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  Batched out = F(args, bdims, p);
  return {ListOf(std::move(out.value)), {out.bdim}};
}
template <auto F>
BatchedList NamedBatch1(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p,
                        const NamedAxis& axis) {
  Batched out = F(args, bdims, p, axis);
  return {ListOf(std::move(out.value)), {out.bdim}};
}

// Installs prim's block in the table, in the table's list forms. A block that disagrees with
// its row of core/primitives.def does not compile; the error's "In instantiation of ... [with
// prim = Primitive::kErf]" names the primitive.
template <Primitive prim, const Def& def>
void Define(RuleTable& table) {
  static_assert(PrimitiveOutputs(prim) == 1, "Def is for one-output primitives");
  static_assert(def.abstract_eval != nullptr, "no abstract evaluation rule: write it in the block");
  static_assert((def.tangent != nullptr) == (DerivativeOf(prim) == Derivative::kByRule),
                "derivative column kByRule needs a tangent rule in the block, kZero none");
  static_assert((def.transpose != nullptr) == IsLinear(prim),
                "a row linear in some operand needs a transpose rule in the block, no other row");
  static_assert(def.batch != nullptr || PrimitiveArity(prim) == 0,
                "no batching rule: write one in the block");
  static_assert((def.named_batch != nullptr) == (KindOf(prim) == PrimitiveKind::kCollective),
                "a collective needs a batching rule for its named axes, no other row");
  PrimitiveRules& rules = table[prim];
  if constexpr (def.named_batch != nullptr) rules.named_batch = NamedBatch1<def.named_batch>;
  rules.abstract_eval = AbstractEval1<def.abstract_eval>;
  rules.tangent = def.tangent;
  if constexpr (def.transpose != nullptr) rules.transpose = Transpose1<prim, def.transpose>;
  if constexpr (def.batch != nullptr) rules.batch = Batch1<def.batch>;
}

// ---- batching: operands carry a batch axis bdim (kNotMapped when unbatched) ----

// x with its batch axis moved from `from` to `to` (a transpose view).
Tensor MoveBatchAxis(const Tensor& x, int64_t from, int64_t to);

// x with `axis` folded into the one after it, [.., n, m, ..] -> [.., n m, ..] (n major), and
// the inverse, axis split as [.., n m, ..] -> [.., n, m, ..] (collectives' blocks).
Tensor FoldAxis(const Tensor& x, int64_t axis);
Tensor SplitAxis(const Tensor& x, int64_t axis, int64_t n);

// x with a batch axis of `size` at `to`: moved there if x is batched (bdim), else broadcast
// (a view: no copy); a float0 x (no values) is float0 zeros of that shape.
Tensor MaterializeBatch(const Tensor& x, int64_t bdim, int64_t size, int64_t to);

// The batch size, read off the first batched operand.
int64_t BatchSize(absl::Span<const Tensor> args, absl::Span<const int64_t> bdims);

// An axis of the unbatched operand, renumbered for the batched operand (batch axis at bdim).
inline int64_t AxisWithBatch(int64_t axis, int64_t bdim) { return axis >= bdim ? axis + 1 : axis; }

}  // namespace cotangent::rules

#endif  // COTANGENT_CORE_RULES_HELPERS_H_
