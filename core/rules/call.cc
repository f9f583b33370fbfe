// File: core/rules/call.cc
// closed_call, custom_jvp_call, custom_vjp_call and custom_lin. closed_call(args; program): the part of its rules core owns. Abstract evaluation checks the
// operands against the program's inputs (a program without constants: a traced function's
// constants are the call's leading operands); evaluation runs the program at the current
// level. Its jvp, transpose, batch and partial-eval rules transform the program with the
// interpreters (interpreters/call.cc).

#include "core/constants.h"
#include "core/error.h"
#include "core/program.h"
#include "core/rules.h"

namespace cotangent {
namespace {

// The program's output types, once the operands match its inputs.
AvalList ClosedCallAbstractEval(AvalSpan in, const Params& params) {
  if (params.program == nullptr) ThrowInvalid("closed_call: no program to call");
  const Program& p = *params.program;
  if (!p.constvars.empty()) {
    ThrowInvalid("closed_call: the called program has ", p.constvars.size(),
                 " constants; pass them as leading operands");
  }
  if (in.size() != p.invars.size()) {
    ThrowInvalid("closed_call: the program takes ", p.invars.size(), " operands, got ", in.size());
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != p.avals[p.invars[i]]) {
      ThrowInvalid("closed_call: operand ", i, " has type ", in[i].ToString(),
                   " but the program takes ", p.avals[p.invars[i]].ToString());
    }
  }
  const std::vector<ShapedArray> out = p.OutAvals();
  return AvalList(out.begin(), out.end());
}

// closed_call(args) = program(args), bound equation by equation below the caller.
TensorList ClosedCallImpl(TensorSpan in, const Params& params) {
  const std::vector<Tensor> out = EvalProgram(*params.program, {}, in, "closed_call");
  return TensorList(out.begin(), out.end());
}

const CustomLinearRule& Rule(const Params& p) {
  return static_cast<const CustomLinearRule&>(*p.object);
}

// custom_lin: the rule's output type; operands are residuals, then one tangent per argument.
AvalList CustomLinAbstractEval(AvalSpan in, const Params& params) {
  if (dynamic_cast<const CustomLinearRule*>(params.object.get()) == nullptr) {
    ThrowInvalid("custom_lin: no rule");
  }
  if (params.num_consts < 0 || params.num_consts > static_cast<int64_t>(in.size())) {
    ThrowInvalid("custom_lin: ", params.num_consts, " residuals among ", in.size(), " operands");
  }
  return {Rule(params).OutAval()};
}

TensorList CustomLinImpl(TensorSpan, const Params& params) {
  ThrowInvalid(Rule(params).name(), ": a custom_vjp function can only be transposed "
               "(reverse mode), not evaluated forward");
}

// ct_args = bwd(residuals, ct); residuals get no cotangent.
TensorList CustomLinTranspose(TensorSpan cts, TensorSpan operands, AvalSpan, const Params& p) {
  const std::vector<Tensor> residuals(operands.begin(), operands.begin() + p.num_consts);
  const Tensor ct = cts[0].defined() ? cts[0] : Full(Rule(p).OutAval(), 0.0);
  const std::vector<Tensor> args_ct = Rule(p).Transpose(residuals, ct);
  TensorList out(p.num_consts);
  out.insert(out.end(), args_ct.begin(), args_ct.end());
  return out;
}

}  // namespace

void RegisterCallRules(RuleTable& table) {
  // custom_jvp_call and custom_vjp_call apply the function's program as closed_call does;
  // their rules (interpreters/custom_call.cc) are the custom ones.
  for (Primitive prim :
       {Primitive::kClosedCall, Primitive::kCustomJvpCall, Primitive::kCustomVjpCall}) {
    table[prim].abstract_eval = ClosedCallAbstractEval;
    table[prim].impl = ClosedCallImpl;
  }
  table[Primitive::kCustomLin].abstract_eval = CustomLinAbstractEval;
  table[Primitive::kCustomLin].impl = CustomLinImpl;
  table[Primitive::kCustomLin].transpose = CustomLinTranspose;
}

}  // namespace cotangent
