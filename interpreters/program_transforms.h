// File: interpreters/program_transforms.h
// Transformations of a Program into another Program, for the rules of primitives that carry
// programs (interpreters/control_flow.cc): its jvp, its vmap and its partial evaluation
// (JAX's jvp_jaxpr, batch_jaxpr and partial_eval_jaxpr_nounits), each reporting which
// outputs came out nonzero, batched or unknown, which loop rules iterate to a fixpoint.
// Each traces the transformation of EvalProgram into a new program (interpreters/graph.h).

#ifndef COTANGENT_INTERPRETERS_PROGRAM_TRANSFORMS_H_
#define COTANGENT_INTERPRETERS_PROGRAM_TRANSFORMS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "core/interpreter.h"
#include "core/program.h"

namespace cotangent {

using Mask = std::vector<bool>;

// A transformed program with the output flags its transformation found.
struct MaskedProgram {
  ClosedProgram program;
  Mask out;
};

// The jvp of `program`: inputs are its inputs, then the tangents of those flagged in
// `nonzero`; outputs are its outputs, then the tangents of the outputs flagged in `out` (the
// nonzero ones, plus those of `instantiate` that are floating, as zeros).
MaskedProgram JvpProgram(const Program& program, const Mask& nonzero, const Mask& instantiate);

// `program` mapped over a leading axis of `size` on the inputs flagged in `batched`; outputs
// flagged in `out` are batched along axis 0 (those of `force` always), the others are not.
// For batch rules: the axis gets the name of the vmap running the rule (RuleAxisName).
MaskedProgram BatchProgram(const Program& program, int64_t size, const Mask& batched,
                           const Mask& force);

// `program` split by which inputs are `unknown`: `known` maps the known inputs to the known
// outputs and then the residuals; `unknown` maps the residuals and then the unknown inputs to
// the unknown outputs (flagged in `out`: those computed from unknown inputs, and those of
// `instantiate`). A residual that is a known input flagged in `forwardable` (a loop's
// constants and xs, not its carry) is not an output of `known`: its entry of `forwarded`
// names that input (among all inputs); the others' are -1.
struct PartialProgram {
  ClosedProgram known;
  std::shared_ptr<const Program> unknown;
  Mask out;
  std::vector<ShapedArray> residual_avals;
  std::vector<int64_t> forwarded;  // per residual
};
PartialProgram PartialEvalProgram(const Program& program, const Mask& unknown,
                                  const Mask& instantiate, const Mask& forwardable);

// `program` with inputs in_order[0], in_order[1], ... of the old ones and outputs likewise.
std::shared_ptr<const Program> Permuted(const Program& program,
                                        const std::vector<size_t>& in_order,
                                        const std::vector<size_t>& out_order);

// `program` with inputs of `avals` inserted unused at position `at`.
std::shared_ptr<const Program> WithUnusedInputs(const Program& program, size_t at,
                                                const std::vector<ShapedArray>& avals);

// Fixpoints of loop rules: grows `flags` (the carries' flags) by `out` (the flags the body
// gives them); true if it grew.
bool Grow(Mask& flags, const Mask& out);
Mask Cat(const Mask& a, const Mask& b);

// A partial-eval rule's inputs (interpreters/graph.h tracers): which are unknown (program
// variables), and the known ones' values (undefined for the unknown).
struct KnownSplit {
  Mask unknown;
  std::vector<Tensor> known;
};
KnownSplit SplitKnown(absl::Span<const Tensor> inputs);
// The unknown half of a split rule recorded on `graph` (a GraphInterpreter): prim over
// operands, with the outputs of out_avals flagged in `unknown`; nothing when none is.
TensorList RecordUnknown(Interpreter& graph, Primitive prim, const Params& params,
                         absl::Span<const Tensor> operands, absl::Span<const ShapedArray> out_avals,
                         const Mask& unknown);
// A split rule's outputs in order: the unknown ones from `unknown_out`, the others from
// `known_out`, each in turn.
TensorList Merge(const Mask& unknown, absl::Span<const Tensor> known_out,
                 absl::Span<const Tensor> unknown_out);

// xs[i] for the i flagged (or not flagged, `keep` false) in mask.
template <typename T>
std::vector<T> Select(const std::vector<T>& xs, const Mask& mask, bool keep = true) {
  std::vector<T> out;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (mask[i] == keep) out.push_back(xs[i]);
  }
  return out;
}

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_PROGRAM_TRANSFORMS_H_
