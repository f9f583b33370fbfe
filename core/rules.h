// File: core/rules.h
// The rule tables: per primitive, abstract evaluation (the only place operands are validated),
// and the jvp, transpose and batching rules the transformations use. Rules of one primitive sit
// together in one block of its family's file, core/rules/<family>.cc (start reading at
// core/rules/helpers.h, rules::Def); the families are registered explicitly from core/rules.cc.

#ifndef COTANGENT_CORE_RULES_H_
#define COTANGENT_CORE_RULES_H_

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent {

using TensorSpan = absl::Span<const Tensor>;
using AvalSpan = absl::Span<const ShapedArray>;

// Computes the output types, or throws an Error naming the primitive and the shapes.
using AbstractEvalRule = AvalList (*)(AvalSpan in, const Params& params);

// Evaluation on concrete operands when it is not a backend kernel (closed_call runs its
// program). Null: core/eval.h's EvalPrimitive (views, then the backend).
using ImplRule = TensorList (*)(TensorSpan in, const Params& params);

// Forward mode, jointly: (primal outputs, tangent outputs) from the primals and their tangents
// (undefined = symbolic zero, not all undefined). Written with traced ops, so it is
// differentiable again. Higher-order primitives need this form (their primal and tangent
// come from one transformed program).
using JvpRule = std::pair<TensorList, TensorList> (*)(TensorSpan primals, TensorSpan tangents,
                                                      const Params& params);

// Forward mode, defjvp-style, for one-output primitives: the output tangent from the primals,
// their tangents and the primal output (bound by the interpreter). Most rules are one line.
using TangentRule = Tensor (*)(TensorSpan primals, TensorSpan tangents, const Tensor& primal_out,
                               const Params& params);

// Linear primitives: the cotangents of the linear operands (undefined in `operands`, their
// avals given) from the output cotangents (one per output; undefined = zero, not all
// undefined). Entries for non-linear operands stay undefined.
using TransposeRule = TensorList (*)(TensorSpan cts, TensorSpan operands, AvalSpan avals,
                                     const Params& params);

// vmap: the results and their batch axes from operands with batch axes (kNotMapped =
// unbatched, not all unbatched).
inline constexpr int64_t kNotMapped = -1;
struct Batched {
  Tensor value;
  int64_t bdim = kNotMapped;
};
struct BatchedList {
  TensorList values;
  absl::InlinedVector<int64_t, 1> bdims;  // one per value
};
using BatchRule = BatchedList (*)(TensorSpan args, absl::Span<const int64_t> bdims,
                                  const Params& params);

class Interpreter;
struct NamedAxis;

// vmap with an axis name, for a collective over that name (and perhaps others): the results
// and their batch axes (operands may all be unbatched; axis_index has none). JAX's
// fancy_primitive_batchers. Over other names a collective batches by its `batch` rule.
using NamedBatchRule = BatchedList (*)(TensorSpan args, absl::Span<const int64_t> bdims,
                                       const Params& params, const NamedAxis& axis);

// Partial evaluation (tracing into a program, interpreters/graph.h) when some operands are
// known and some are not: evaluates what it can now and records the rest on `graph`. Null:
// record the whole application (and evaluate it when every operand is known).
using PartialEvalRule = TensorList (*)(Interpreter& graph, TensorSpan inputs, const Params& params,
                                       AvalSpan out_avals);

struct PrimitiveRules {
  AbstractEvalRule abstract_eval = nullptr;
  ImplRule impl = nullptr;
  JvpRule jvp = nullptr;          // set this or `tangent`
  TangentRule tangent = nullptr;
  TransposeRule transpose = nullptr;
  BatchRule batch = nullptr;
  PartialEvalRule partial_eval = nullptr;
  NamedBatchRule named_batch = nullptr;  // collectives
  // A zero derivative everywhere it is defined (compare, argmax, floor...): the row's
  // derivative column says kZero (set from it, never by hand).
  bool non_differentiable = false;
};

class RuleTable {
 public:
  PrimitiveRules& operator[](Primitive prim) { return rules_[static_cast<int>(prim)]; }
  const PrimitiveRules& operator[](Primitive prim) const { return rules_[static_cast<int>(prim)]; }

 private:
  std::array<PrimitiveRules, kNumPrimitives> rules_;
};

// The table, built once on first use by the Register*Rules functions below.
const RuleTable& Rules();

// Checks the operands' dtypes against prim's dtypes column, then runs its abstract evaluation
// rule and checks its results with CheckShape.
AvalList AbstractEval(Primitive prim, AvalSpan in, const Params& params);

// Throws unless the operands a transpose rule is asked for (the undefined ones) are operands
// prim is linear in (its linear column), at most one of them for a bilinear primitive.
void CheckLinearOperands(Primitive prim, TensorSpan operands, AvalSpan avals);

void RegisterElementwiseRules(RuleTable& table);
void RegisterReductionRules(RuleTable& table);
void RegisterMovementRules(RuleTable& table);
void RegisterDotGeneralRules(RuleTable& table);
void RegisterConvolutionRules(RuleTable& table);
void RegisterIndexingRules(RuleTable& table);
void RegisterLinalgRules(RuleTable& table);
void RegisterCollectiveRules(RuleTable& table);
// closed_call's abstract evaluation and evaluation; its transformation rules transform its
// program with the interpreters and are registered by interpreters/call.cc.
void RegisterCallRules(RuleTable& table);
// cond's, while's, scan's and custom_linear_solve's abstract evaluation and evaluation
// (core/rules/control_flow.cc); their transformation rules are the interpreters' (interpreters/
// control_flow.cc, interpreters/linear_solve.cc).
void RegisterControlFlowRules(RuleTable& table);

// custom_linear_solve's operands (core/primitives.def): program k's constants are operands
// offsets[k] .. offsets[k + 1] - 1, b's the num_b from offsets.back(). Throws on an equation
// whose programs and operands do not fit together.
struct LinearSolveOperands {
  std::vector<size_t> offsets;
  size_t num_b = 0;
};
LinearSolveOperands SplitLinearSolve(size_t num_operands, const Params& p);

}  // namespace cotangent

#endif  // COTANGENT_CORE_RULES_H_
