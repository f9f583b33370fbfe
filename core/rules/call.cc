// File: core/rules/call.cc
// closed_call, pjit, checkpoint, custom_jvp_call, custom_vjp_call, custom_lin and name.
// closed_call(args; program): the part of its rules core owns. Abstract evaluation checks the
// operands against the program's inputs (a program without constants: a traced function's
// constants are the call's leading operands); evaluation runs the program at the current
// level; pjit's runs it compiled (core/executable.h) on the operands' backend. Their jvp, transpose, batch and partial-eval rules transform the program with the
// interpreters (interpreters/call.cc).

#include "core/constants.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/executable.h"
#include "core/program.h"
#include "core/rules.h"

namespace cotangent {
namespace {

// The program's output types, once the operands match its inputs.
template <Primitive prim>
AvalList CallAbstractEval(AvalSpan in, const Params& params) {
  constexpr const char* kName = PrimitiveName(prim);
  if (params.program == nullptr) ThrowInvalid(kName, ": no program to call");
  const Program& p = *params.program;
  if (!p.constvars.empty()) {
    ThrowInvalid(kName, ": the called program has ", p.constvars.size(),
                 " constants; pass them as leading operands");
  }
  if (in.size() != p.invars.size()) {
    ThrowInvalid(kName, ": the program takes ", p.invars.size(), " operands, got ", in.size());
  }
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != p.avals[p.invars[i]]) {
      ThrowInvalid(kName, ": operand ", i, " has type ", in[i].ToString(),
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

// pjit(args) = the program compiled for the operands' backend, run on their arrays. Donated
// operands are deleted (their tensors' later use is an Error) and may hold outputs.
TensorList PjitImpl(TensorSpan in, const Params& params) {
  std::shared_ptr<const CompiledCalls> calls =
      std::dynamic_pointer_cast<const CompiledCalls>(params.object);
  if (calls == nullptr) calls = std::make_shared<CompiledCalls>();
  std::vector<Array> arrays;
  arrays.reserve(in.size());
  bool committed = false;
  for (const Tensor& x : in) {
    arrays.push_back(x.array());
    committed = committed || arrays.back().committed;
  }
  Backend& backend = in.empty() ? DefaultBackend() : TargetBackend("jit", arrays);
  for (Array& x : arrays) {
    if (&x.backend() != &backend) x = ValueOrThrow(TransferArray(x, backend));
  }
  const std::vector<bool>& donated = calls->donated();
  for (size_t i = 0; i < donated.size() && i < in.size(); ++i) {
    if (donated[i]) DeleteDonated(in[i]);
  }
  const std::shared_ptr<const Executable> exe = calls->For(*params.program, backend);
  std::vector<Array> outs = exe->Run(std::move(arrays), donated);
  TensorList result;
  for (Array& out : outs) {
    out.committed = out.committed && committed;
    result.push_back(Tensor(std::move(out)));
  }
  return result;
}

const CustomLinearRule& Rule(const Params& p) {
  return static_cast<const CustomLinearRule&>(*p.object);
}

// custom_lin: the rule's output types; operands are residuals, then one tangent per argument.
AvalList CustomLinAbstractEval(AvalSpan in, const Params& params) {
  if (dynamic_cast<const CustomLinearRule*>(params.object.get()) == nullptr) {
    ThrowInvalid("custom_lin: no rule");
  }
  if (params.num_consts < 0 || params.num_consts > static_cast<int64_t>(in.size())) {
    ThrowInvalid("custom_lin: ", params.num_consts, " residuals among ", in.size(), " operands");
  }
  const std::vector<ShapedArray> avals = Rule(params).OutAvals();
  return AvalList(avals.begin(), avals.end());
}

TensorList CustomLinImpl(TensorSpan, const Params& params) {
  ThrowInvalid(Rule(params).name(), ": a custom_vjp function can only be transposed "
               "(reverse mode), not evaluated forward");
}

// ct_args = bwd(residuals, cts) (a zero cotangent materialized); residuals get none.
TensorList CustomLinTranspose(TensorSpan cts, TensorSpan operands, AvalSpan, const Params& p) {
  const std::vector<Tensor> residuals(operands.begin(), operands.begin() + p.num_consts);
  const std::vector<ShapedArray> out_avals = Rule(p).OutAvals();
  std::vector<Tensor> out_cts(cts.begin(), cts.end());
  for (size_t i = 0; i < out_cts.size(); ++i) {
    if (!out_cts[i].defined()) out_cts[i] = Full(out_avals[i], 0.0);
  }
  const std::vector<Tensor> args_ct = Rule(p).Transpose(residuals, out_cts);
  TensorList out(p.num_consts);
  out.insert(out.end(), args_ct.begin(), args_ct.end());
  return out;
}

// name(x) = x.
AvalList NameAbstractEval(AvalSpan in, const Params&) {
  if (in.size() != 1) ThrowInvalid("name: expected one operand, got ", in.size());
  return {in[0]};
}
TensorList NameImpl(TensorSpan in, const Params&) { return {in[0]}; }

}  // namespace

void RegisterCallRules(RuleTable& table) {
  for (Primitive prim : {Primitive::kCheckpoint, Primitive::kCustomVmapCall}) {
    table[prim].impl = ClosedCallImpl;
  }
  table[Primitive::kCheckpoint].abstract_eval = CallAbstractEval<Primitive::kCheckpoint>;
  table[Primitive::kCustomVmapCall].abstract_eval = CallAbstractEval<Primitive::kCustomVmapCall>;
  table[Primitive::kName].abstract_eval = NameAbstractEval;
  table[Primitive::kName].impl = NameImpl;
  // custom_jvp_call and custom_vjp_call apply the function's program as closed_call does;
  // their rules (interpreters/custom_call.cc) are the custom ones.
  table[Primitive::kClosedCall].abstract_eval = CallAbstractEval<Primitive::kClosedCall>;
  table[Primitive::kPjit].abstract_eval = CallAbstractEval<Primitive::kPjit>;
  table[Primitive::kCustomJvpCall].abstract_eval = CallAbstractEval<Primitive::kCustomJvpCall>;
  table[Primitive::kCustomVjpCall].abstract_eval = CallAbstractEval<Primitive::kCustomVjpCall>;
  for (Primitive prim :
       {Primitive::kClosedCall, Primitive::kCustomJvpCall, Primitive::kCustomVjpCall}) {
    table[prim].impl = ClosedCallImpl;
  }
  table[Primitive::kPjit].impl = PjitImpl;
  table[Primitive::kCustomLin].abstract_eval = CustomLinAbstractEval;
  table[Primitive::kCustomLin].impl = CustomLinImpl;
  table[Primitive::kCustomLin].transpose = CustomLinTranspose;
}

}  // namespace cotangent
