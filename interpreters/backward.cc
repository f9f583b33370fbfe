// File: interpreters/backward.cc
// The backward pass: accumulate cotangents per graph value, transpose equations last to first.

#include "interpreters/backward.h"

#include "absl/container/flat_hash_map.h"
#include "core/error.h"
#include "core/rules.h"
#include "core/rules/helpers.h"
#include "interpreters/graph.h"

namespace cotangent {
namespace {

// The cotangents of an equation's operands from its output cotangent.
std::vector<Tensor> TransposeEquation(uint64_t program, const Equation& eqn, const Tensor& ct) {
  if (eqn.custom != nullptr) return eqn.custom->transpose(ct);
  std::vector<Tensor> operands;
  std::vector<ShapedArray> avals;
  for (const Tensor& x : eqn.operands) {
    operands.push_back(IsGraphValue(x, program) ? Tensor() : x);  // undefined = linear operand
    avals.push_back(x.aval());
  }
  const TransposeRule rule = Rules()[eqn.prim].transpose;
  if (rule == nullptr) {
    ThrowInvalid("vjp: primitive ", PrimitiveName(eqn.prim), " has no transpose rule (operand ",
                 avals[0].ToString(), "); it is not linear in the differentiated values");
  }
  return rule(ct, operands, avals, eqn.params);
}

}  // namespace

std::vector<Tensor> BackwardPass(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs,
                                 absl::Span<const Tensor> cts) {
  // Values of other programs (an enclosing make_jaxpr or grad) are constants here.
  const uint64_t program = ProgramOf(inputs);
  absl::flat_hash_map<const Node*, Tensor> ct_of;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!IsGraphValue(outputs[i], program) || !cts[i].defined()) continue;
    Tensor& acc = ct_of[outputs[i].node()];
    acc = rules::AddTangents(acc, cts[i]);
  }
  const std::vector<const GraphTracer*> order = TopologicalOrder(program, outputs);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Equation* eqn = (*it)->equation().get();
    if (eqn == nullptr) continue;
    auto found = ct_of.find(*it);
    if (found == ct_of.end()) continue;
    const Tensor ct = std::move(found->second);
    ct_of.erase(found);  // release cotangents as soon as they are consumed
    const std::vector<Tensor> operand_cts = TransposeEquation(program, *eqn, ct);
    for (size_t i = 0; i < eqn->operands.size(); ++i) {
      if (!IsGraphValue(eqn->operands[i], program) || i >= operand_cts.size() ||
          !operand_cts[i].defined()) {
        continue;
      }
      Tensor& acc = ct_of[eqn->operands[i].node()];
      acc = rules::AddTangents(acc, operand_cts[i]);
    }
  }
  std::vector<Tensor> result;
  for (const Tensor& x : inputs) {
    auto found = ct_of.find(x.node());
    result.push_back(found == ct_of.end() ? Tensor() : found->second);
  }
  return result;
}

}  // namespace cotangent
