// File: interpreters/jvp.cc
// The jvp interpreter's Process: primal by bind, tangent by the primitive's jvp rule, skipped
// entirely when every input tangent is a symbolic zero or the output is not differentiable.

#include "interpreters/jvp.h"

#include "absl/container/inlined_vector.h"
#include "core/error.h"
#include "core/constants.h"
#include "core/rules.h"
#include "interpreters/custom.h"
#include "interpreters/graph.h"

namespace cotangent {
namespace {

struct Unzipped {
  std::vector<Tensor> primals, tangents;
  bool any_tangent = false;
};

// The primals and tangents of this interpreter's tracers, and whether any tangent is nonzero.
Unzipped Unzip(absl::Span<const Tensor> inputs) {
  Unzipped out;
  for (const Tensor& x : inputs) {
    const auto& tracer = static_cast<const JvpTracer&>(*x.node());
    out.primals.push_back(tracer.primal());
    out.tangents.push_back(tracer.tangent());
    out.any_tangent = out.any_tangent || tracer.tangent().defined();
  }
  return out;
}

}  // namespace

Tensor JvpInterpreter::Pack(Tensor primal, Tensor tangent) const {
  return Tensor(std::make_shared<JvpTracer>(*this, std::move(primal), std::move(tangent)));
}

std::pair<Tensor, Tensor> JvpInterpreter::Unpack(const Tensor& x) const {
  if (x.defined() && x.level() == level()) {
    const auto& tracer = static_cast<const JvpTracer&>(*x.node());
    if (tracer.trace_id() == trace_id()) return {tracer.primal(), tracer.tangent()};
  }
  return {x, Tensor()};
}

Tensor JvpInterpreter::Process(Primitive prim, absl::Span<const Tensor> inputs,
                               const Params& params, const ShapedArray& out_aval) {
  const auto [primals, tangents, any_tangent] = Unzip(inputs);
  Tensor primal_out = Bind(prim, primals, params);
  const PrimitiveRules& rules = Rules()[prim];
  if (!any_tangent || !IsFloating(out_aval.dtype) || rules.non_differentiable) {
    return Pack(std::move(primal_out), Tensor());
  }
  if (rules.jvp == nullptr) {
    ThrowInvalid("jvp: primitive ", PrimitiveName(prim), " has no jvp rule (operand ",
                 inputs[0].aval().ToString(), ")");
  }
  Tensor tangent_out = rules.jvp(primals, tangents, primal_out, params);
  return Pack(std::move(primal_out), std::move(tangent_out));
}

namespace {

// The linear node of a custom_vjp function: its transpose is bwd on the saved residuals.
Tensor RecordCustomVjp(const CustomVjpFunction& f, std::vector<Tensor> residuals,
                       const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents,
                       const ShapedArray& out_aval) {
  const GraphInterpreter* graph = nullptr;
  std::vector<Tensor> operands;
  for (size_t i = 0; i < tangents.size(); ++i) {
    const Tensor& t = tangents[i];
    if (t.defined()) {
      graph = IsGraphValue(t) ? dynamic_cast<const GraphInterpreter*>(InterpreterAt(t.level()))
                              : nullptr;
      if (graph == nullptr) {
        ThrowInvalid(f.name(), ": custom_vjp is supported under grad/vjp/jacrev and "
                     "compositions of them; here its tangents come from another transformation");
      }
    }
    operands.push_back(t.defined() ? t : Full(primals[i].aval(), 0.0));
  }
  std::vector<ShapedArray> avals;
  for (const Tensor& x : primals) avals.push_back(x.aval());
  auto custom = std::make_shared<CustomLinear>();
  custom->name = f.name();
  custom->transpose = [bwd = f.bwd(), residuals = std::move(residuals), avals,
                       name = std::string(f.name())](const Tensor& ct) {
    std::vector<Tensor> cts = bwd(residuals, ct);
    if (cts.size() != avals.size()) {
      ThrowInvalid(name, ": bwd returned ", cts.size(), " cotangents for ", avals.size(),
                   " arguments");
    }
    for (size_t i = 0; i < cts.size(); ++i) {
      if (cts[i].defined() && cts[i].aval() != avals[i]) {
        ThrowInvalid(name, ": bwd returned cotangent ", cts[i].aval().ToString(),
                     " for argument ", i, " of type ", avals[i].ToString());
      }
    }
    return cts;
  };
  return graph->RecordCustom(std::move(custom), std::move(operands), out_aval);
}

}  // namespace

Tensor JvpInterpreter::ProcessCustom(const CustomFunction& f, absl::Span<const Tensor> inputs) {
  auto [primals, tangents, any_tangent] = Unzip(inputs);
  if (!any_tangent) return Pack(BindCustom(f, primals), Tensor());
  if (const auto* custom = dynamic_cast<const CustomJvpFunction*>(&f)) {
    for (size_t i = 0; i < tangents.size(); ++i) {
      if (!tangents[i].defined()) tangents[i] = Full(primals[i].aval(), 0.0);
    }
    auto [out, tangent_out] = custom->Jvp(primals, tangents);
    if (custom->checked()) {
      CheckRuleOutput(f, custom->out_avals(), "the custom_jvp rule", out, primals);
    }
    if (!tangent_out.defined() || tangent_out.aval() != out.aval()) {
      ThrowInvalid(f.name(), ": the custom_jvp rule returned primal output ",
                   out.aval().ToString(), " and tangent output ",
                   tangent_out.defined() ? tangent_out.aval().ToString() : "(none)",
                   "; they must have the same shape and dtype");
    }
    return Pack(std::move(out), std::move(tangent_out));
  }
  if (const auto* custom = dynamic_cast<const CustomVjpFunction*>(&f)) {
    if (!reverse_) {
      ThrowInvalid("jvp: cannot differentiate custom_vjp function ", f.name(),
                   " in forward mode (it defines reverse mode only); use custom_jvp for "
                   "forward mode, as in JAX");
    }
    auto [out, residuals] = custom->fwd()(primals);
    if (custom->checked()) CheckRuleOutput(f, custom->out_avals(), "fwd", out, primals);
    const ShapedArray out_aval = out.aval();
    return Pack(std::move(out),
                RecordCustomVjp(*custom, std::move(residuals), primals, tangents, out_aval));
  }
  return Interpreter::ProcessCustom(f, inputs);
}

Tensor JvpInterpreter::LowerClosedOver(const Tensor& x, const CustomFunction& f) {
  const auto& tracer = static_cast<const JvpTracer&>(*x.node());
  // A closed-over value with a zero tangent is a constant of the rule.
  if (!tracer.tangent().defined()) return tracer.primal();
  ThrowClosedOverDifferentiation(f, x);
}

}  // namespace cotangent
