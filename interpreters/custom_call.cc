// File: interpreters/custom_call.cc
// The transformation rules of custom_jvp_call and custom_vjp_call, the equations a staged
// custom function becomes (interpreters/graph.cc). Their operands are the function's
// closed-over constants, then its arguments; their object is the function itself, whose rules
// differentiate it exactly as the eager path does (interpreters/jvp.cc). Abstract evaluation
// and evaluation (the function's program) are core's (core/rules/call.cc).

#include <optional>

#include "core/error.h"
#include "core/rules/helpers.h"
#include "interpreters/batching.h"
#include "interpreters/custom.h"
#include "interpreters/graph.h"
#include "interpreters/jvp.h"
#include "interpreters/rules.h"

namespace cotangent {
namespace {

const CustomFunction& FunctionOf(const Params& p) {
  return static_cast<const CustomFunction&>(*p.object);
}

// The arguments (past the constants) and their tangents; a constant may not have a tangent:
// the rule does not describe differentiation with respect to what the function closes over.
std::pair<std::vector<Tensor>, std::vector<Tensor>> Arguments(TensorSpan primals,
                                                              TensorSpan tangents,
                                                              const Params& p) {
  for (int64_t i = 0; i < p.num_consts; ++i) {
    if (tangents[i].defined()) ThrowClosedOverDifferentiation(FunctionOf(p), primals[i]);
  }
  return {std::vector<Tensor>(primals.begin() + p.num_consts, primals.end()),
          std::vector<Tensor>(tangents.begin() + p.num_consts, tangents.end())};
}

std::pair<TensorList, TensorList> AsLists(const OutsAndTangents& r) {
  return {TensorList(r.first.begin(), r.first.end()),
          TensorList(r.second.begin(), r.second.end())};
}

// d custom_jvp_call = the function's custom_jvp rule.
std::pair<TensorList, TensorList> CustomJvpCallJvp(TensorSpan primals, TensorSpan tangents,
                                                   const Params& p) {
  auto [args, arg_tangents] = Arguments(primals, tangents, p);
  return AsLists(
      CustomJvpOf(static_cast<const CustomJvpFunction&>(FunctionOf(p)), args, arg_tangents));
}

// custom_vjp_call under reverse mode: fwd, and bwd as the transpose of a custom_lin. The
// tangents are variables of the linearizing trace there; anything else is forward mode.
std::pair<TensorList, TensorList> CustomVjpCallJvp(TensorSpan primals, TensorSpan tangents,
                                                   const Params& p) {
  auto [args, arg_tangents] = Arguments(primals, tangents, p);
  bool reverse = false;
  for (const Tensor& t : arg_tangents) {
    const auto* tracer = t.defined() ? dynamic_cast<const GraphTracer*>(t.node()) : nullptr;
    reverse = reverse || (tracer != nullptr && tracer->var() >= 0);
  }
  return AsLists(CustomVjpOf(static_cast<const CustomVjpFunction&>(FunctionOf(p)), args,
                            arg_tangents, reverse));
}

// vmap of a custom call: the function applied under a vmap of its own, where the batching
// interpreter keeps its rules (interpreters/batching.cc); batched along 0. The constants
// were concrete when the call was staged, so they are never batched.
BatchedList CustomCallBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  for (int64_t i = 0; i < p.num_consts; ++i) {
    if (bdims[i] != kNotMapped) {
      ThrowInvalid(FunctionOf(p).name(), ": vmap over a constant the custom function closes over");
    }
  }
  const std::shared_ptr<const CustomFunction> f =
      std::static_pointer_cast<const CustomFunction>(p.object);
  const std::vector<Tensor> xs(args.begin() + p.num_consts, args.end());
  std::vector<std::optional<int64_t>> in_axes;
  for (size_t i = p.num_consts; i < args.size(); ++i) {
    in_axes.push_back(bdims[i] == kNotMapped ? std::nullopt : std::optional<int64_t>(bdims[i]));
  }
  const std::vector<Tensor> out = VmapFlat(
      [&f](const std::vector<Tensor>& in) { return BindCustom(*f, in); }, xs, in_axes, 0,
      rules::BatchSize(args, bdims),
      std::vector<std::string>(xs.size(), std::string(f->name()) + " argument"), RuleAxisName());
  BatchedList batched;
  for (const Tensor& y : out) {
    batched.values.push_back(y);
    batched.bdims.push_back(0);
  }
  return batched;
}

}  // namespace

void RegisterCustomCallRules(RuleTable& table) {
  table[Primitive::kCustomJvpCall].jvp = CustomJvpCallJvp;
  table[Primitive::kCustomJvpCall].batch = CustomCallBatch;
  table[Primitive::kCustomVjpCall].jvp = CustomVjpCallJvp;
  table[Primitive::kCustomVjpCall].batch = CustomCallBatch;
}

}  // namespace cotangent
