// File: interpreters/backward.cc
// The backward pass: a forward sweep over the non-linear equations, then cotangents
// accumulated per variable while the linear equations are transposed last to first.

#include "interpreters/backward.h"

#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/rules/helpers.h"
#include "interpreters/rules.h"

namespace cotangent {

std::vector<Tensor> BackwardPass(const Program& p, absl::Span<const Tensor> consts,
                                 absl::Span<const Tensor> args, absl::Span<const Tensor> cts) {
  std::vector<Tensor> value(p.avals.size());  // non-linear values
  std::vector<bool> linear(p.avals.size(), false);
  for (size_t i = 0; i < consts.size(); ++i) value[p.constvars[i]] = consts[i];
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].defined()) {
      value[p.invars[i]] = args[i];
    } else {
      linear[p.invars[i]] = true;
    }
  }
  const auto operand = [&](const Atom& a) {
    return a.is_literal() ? Literal(a.value, a.dtype) : value[a.var];
  };
  const auto is_linear = [&](const Atom& a) { return !a.is_literal() && linear[a.var]; };
  // Forward: equations on non-linear values only are evaluated; the rest are transposed.
  std::vector<const Equation*> linear_eqns;
  for (const Equation& eqn : p.eqns) {
    bool any_linear = false;
    for (const Atom& a : eqn.inputs) any_linear = any_linear || is_linear(a);
    if (any_linear) {
      for (int32_t v : eqn.outputs) linear[v] = true;
      linear_eqns.push_back(&eqn);
      continue;
    }
    TensorList in;
    for (const Atom& a : eqn.inputs) in.push_back(operand(a));
    TensorList out = Bind(eqn.prim, in, *eqn.params);
    for (size_t i = 0; i < out.size(); ++i) value[eqn.outputs[i]] = std::move(out[i]);
  }
  std::vector<Tensor> ct(p.avals.size());
  const auto accumulate = [&](int32_t v, const Tensor& t) {
    if (t.defined()) ct[v] = rules::AddTangents(ct[v], t);
  };
  for (size_t i = 0; i < p.outvars.size(); ++i) {
    if (is_linear(p.outvars[i])) accumulate(p.outvars[i].var, cts[i]);
  }
  for (auto it = linear_eqns.rbegin(); it != linear_eqns.rend(); ++it) {
    const Equation& eqn = **it;
    TensorList out_cts;
    bool any = false;
    for (int32_t v : eqn.outputs) {
      out_cts.push_back(std::move(ct[v]));  // released as soon as it is consumed
      ct[v] = Tensor();
      any = any || out_cts.back().defined();
    }
    if (!any) continue;
    TensorList operands;
    std::vector<ShapedArray> avals;
    for (const Atom& a : eqn.inputs) {
      operands.push_back(is_linear(a) ? Tensor() : operand(a));  // undefined = linear operand
      avals.push_back(p.AvalOf(a));
    }
    const TransposeRule rule = AllRules()[eqn.prim].transpose;
    if (rule == nullptr) {
      ThrowInvalid("vjp: primitive ", PrimitiveName(eqn.prim), " has no transpose rule (operand ",
                   avals[0].ToString(), "); it is not linear in the differentiated values");
    }
    const TensorList operand_cts = rule(out_cts, operands, avals, *eqn.params);
    for (size_t i = 0; i < eqn.inputs.size() && i < operand_cts.size(); ++i) {
      if (is_linear(eqn.inputs[i])) accumulate(eqn.inputs[i].var, operand_cts[i]);
    }
  }
  std::vector<Tensor> result;
  for (size_t i = 0; i < args.size(); ++i) {
    result.push_back(args[i].defined() ? Tensor() : ct[p.invars[i]]);
  }
  return result;
}

}  // namespace cotangent
