// File: interpreters/jvp.cc
// The jvp interpreter's Process: primal by bind, tangent by the primitive's jvp rule, skipped
// entirely when every input tangent is a symbolic zero or the output is not differentiable.

#include "interpreters/jvp.h"

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "core/constants.h"
#include "interpreters/rules.h"
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

TensorList JvpInterpreter::Process(Primitive prim, absl::Span<const Tensor> inputs,
                                   const Params& params, absl::Span<const ShapedArray> out_avals) {
  const auto [primals, tangents, any_tangent] = Unzip(inputs);
  const PrimitiveRules& rules = AllRules()[prim];
  bool floating = false;
  for (const ShapedArray& aval : out_avals) floating = floating || IsFloating(aval.dtype);
  TensorList out;
  if (!any_tangent || !floating || rules.non_differentiable) {
    for (Tensor& y : Bind(prim, primals, params)) out.push_back(Pack(std::move(y), Tensor()));
    return out;
  }
  if (rules.jvp != nullptr) {
    auto [primals_out, tangents_out] = rules.jvp(primals, tangents, params);
    for (size_t i = 0; i < primals_out.size(); ++i) {
      out.push_back(Pack(std::move(primals_out[i]), std::move(tangents_out[i])));
    }
    return out;
  }
  if (rules.tangent == nullptr) {
    ThrowInvalid("jvp: primitive ", PrimitiveName(prim), " has no jvp rule (operand ",
                 inputs[0].aval().ToString(), ")");
  }
  Tensor primal_out = Bind1(prim, primals, params);
  Tensor tangent_out = rules.tangent(primals, tangents, primal_out, params);
  out.push_back(Pack(std::move(primal_out), std::move(tangent_out)));
  return out;
}

namespace {

// The linear function a custom_vjp function leaves in reverse mode: its transpose is the
// user's bwd on the saved residuals, with the cotangents checked against the arguments.
class CustomVjpLinear final : public CustomLinearRule {
 public:
  std::string Describe() const override { return absl::StrCat("bwd=", name_); }
  CustomVjpLinear(std::string name, CustomVjpFunction::Bwd bwd, std::vector<ShapedArray> avals,
                  ShapedArray out_aval)
      : name_(std::move(name)), bwd_(std::move(bwd)), avals_(std::move(avals)),
        out_aval_(std::move(out_aval)) {}
  const std::string& name() const override { return name_; }
  ShapedArray OutAval() const override { return out_aval_; }
  std::vector<Tensor> Transpose(const std::vector<Tensor>& residuals,
                                const Tensor& ct) const override {
    std::vector<Tensor> cts = bwd_(residuals, ct);
    if (cts.size() != avals_.size()) {
      ThrowInvalid(name_, ": bwd returned ", cts.size(), " cotangents for ", avals_.size(),
                   " arguments");
    }
    for (size_t i = 0; i < cts.size(); ++i) {
      if (cts[i].defined() && cts[i].aval() != avals_[i]) {
        ThrowInvalid(name_, ": bwd returned cotangent ", cts[i].aval().ToString(),
                     " for argument ", i, " of type ", avals_[i].ToString());
      }
    }
    return cts;
  }

 private:
  std::string name_;
  CustomVjpFunction::Bwd bwd_;
  std::vector<ShapedArray> avals_;
  ShapedArray out_aval_;
};

// custom_lin(residuals..., tangents...): recorded by the graph interpreter of reverse mode.
Tensor RecordCustomVjp(const CustomVjpFunction& f, std::vector<Tensor> residuals,
                       const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents,
                       const ShapedArray& out_aval) {
  std::vector<Tensor> operands = std::move(residuals);
  Params params;
  params.num_consts = static_cast<int64_t>(operands.size());
  std::vector<ShapedArray> avals;
  for (size_t i = 0; i < tangents.size(); ++i) {
    const Tensor& t = tangents[i];
    const auto* tracer = t.defined() ? dynamic_cast<const GraphTracer*>(t.node()) : nullptr;
    if (t.defined() && (tracer == nullptr || tracer->var() < 0)) {
      ThrowInvalid(f.name(), ": custom_vjp is supported under grad/vjp/jacrev and "
                   "compositions of them; here its tangents come from another transformation");
    }
    operands.push_back(t.defined() ? t : Full(primals[i].aval(), 0.0));
    avals.push_back(primals[i].aval());
  }
  params.object =
      std::make_shared<CustomVjpLinear>(f.name(), f.bwd(), std::move(avals), out_aval);
  return Bind1(Primitive::kCustomLin, operands, params);
}

}  // namespace

std::pair<Tensor, Tensor> CustomJvpOf(const CustomJvpFunction& f, const std::vector<Tensor>& primals,
                                      std::vector<Tensor> tangents) {
  for (size_t i = 0; i < tangents.size(); ++i) {
    if (!tangents[i].defined()) tangents[i] = Full(primals[i].aval(), 0.0);
  }
  auto [out, tangent_out] = f.Jvp(primals, tangents);
  if (f.checked()) CheckRuleOutput(f, f.out_avals(), "the custom_jvp rule", out, primals);
  if (!tangent_out.defined() || tangent_out.aval() != out.aval()) {
    ThrowInvalid(f.name(), ": the custom_jvp rule returned primal output ", out.aval().ToString(),
                 " and tangent output ",
                 tangent_out.defined() ? tangent_out.aval().ToString() : "(none)",
                 "; they must have the same shape and dtype");
  }
  return {std::move(out), std::move(tangent_out)};
}

std::pair<Tensor, Tensor> CustomVjpOf(const CustomVjpFunction& f, const std::vector<Tensor>& primals,
                                      const std::vector<Tensor>& tangents, bool reverse) {
  if (!reverse) {
    ThrowInvalid("jvp: cannot differentiate custom_vjp function ", f.name(),
                 " in forward mode (it defines reverse mode only); use custom_jvp for "
                 "forward mode, as in JAX");
  }
  auto [out, residuals] = f.fwd()(primals);
  if (f.checked()) CheckRuleOutput(f, f.out_avals(), "fwd", out, primals);
  const ShapedArray out_aval = out.aval();
  Tensor tangent = RecordCustomVjp(f, std::move(residuals), primals, tangents, out_aval);
  return {std::move(out), std::move(tangent)};
}

Tensor JvpInterpreter::ProcessCustom(const CustomFunction& f, absl::Span<const Tensor> inputs) {
  auto [primals, tangents, any_tangent] = Unzip(inputs);
  if (!any_tangent) return Pack(BindCustom(f, primals), Tensor());
  if (const auto* custom = dynamic_cast<const CustomJvpFunction*>(&f)) {
    auto [out, tangent_out] = CustomJvpOf(*custom, primals, tangents);
    return Pack(std::move(out), std::move(tangent_out));
  }
  if (const auto* custom = dynamic_cast<const CustomVjpFunction*>(&f)) {
    auto [out, tangent_out] = CustomVjpOf(*custom, primals, tangents, reverse_);
    return Pack(std::move(out), std::move(tangent_out));
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
