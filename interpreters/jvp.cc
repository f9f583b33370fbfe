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
  for (const ShapedArray& aval : out_avals) floating = floating || IsInexact(aval.dtype);
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
  std::string Describe() const override { return absl::StrCat("bwd=", function_->name()); }
  CustomVjpLinear(std::shared_ptr<const CustomVjpFunction> f, std::vector<ShapedArray> avals,
                  std::vector<ShapedArray> out_avals)
      : function_(std::move(f)), name_(function_->name()), avals_(std::move(avals)),
        out_avals_(std::move(out_avals)) {}
  const std::string& name() const override { return name_; }
  std::vector<ShapedArray> OutAvals() const override { return out_avals_; }
  std::vector<Tensor> Transpose(const std::vector<Tensor>& residuals,
                                const std::vector<Tensor>& cts) const override {
    std::vector<Tensor> arg_cts = function_->bwd()(residuals, cts);
    CheckMatchingAvals(*function_, "bwd cotangent", "argument", arg_cts, avals_,
                       /*allow_zero=*/true);
    return arg_cts;
  }

 private:
  std::shared_ptr<const CustomVjpFunction> function_;
  std::string name_;
  std::vector<ShapedArray> avals_, out_avals_;
};

// custom_lin(residuals..., tangents...): recorded by the graph interpreter of reverse mode.
std::vector<Tensor> RecordCustomVjp(const CustomVjpFunction& f, std::vector<Tensor> residuals,
                                    const std::vector<Tensor>& primals,
                                    const std::vector<Tensor>& tangents,
                                    std::vector<ShapedArray> out_avals) {
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
  params.object = std::make_shared<CustomVjpLinear>(
      std::static_pointer_cast<const CustomVjpFunction>(f.shared_from_this()), std::move(avals),
      std::move(out_avals));
  const TensorList out = Bind(Primitive::kCustomLin, operands, params);
  return std::vector<Tensor>(out.begin(), out.end());
}

}  // namespace

OutsAndTangents CustomJvpOf(const CustomJvpFunction& f, const std::vector<Tensor>& primals,
                            std::vector<Tensor> tangents) {
  for (size_t i = 0; i < tangents.size(); ++i) {
    if (!tangents[i].defined()) tangents[i] = Full(primals[i].aval(), 0.0);
  }
  auto [outs, tangent_outs] = f.Jvp(primals, tangents);
  if (f.checked()) CheckRuleOutput(f, f.out_avals(), "the custom_jvp rule", outs, primals);
  CheckRuleTangents(f, outs, tangent_outs);
  return {std::move(outs), std::move(tangent_outs)};
}

OutsAndTangents CustomVjpOf(const CustomVjpFunction& f, const std::vector<Tensor>& primals,
                            const std::vector<Tensor>& tangents, bool reverse) {
  if (!reverse) {
    ThrowInvalid("jvp: cannot differentiate custom_vjp function ", f.name(),
                 " in forward mode (it defines reverse mode only); use custom_jvp for "
                 "forward mode, as in JAX");
  }
  auto [outs, residuals] = f.fwd()(primals);
  if (f.checked()) CheckRuleOutput(f, f.out_avals(), "fwd", outs, primals);
  std::vector<ShapedArray> out_avals;
  for (const Tensor& y : outs) out_avals.push_back(y.aval());
  std::vector<Tensor> tangent_outs =
      RecordCustomVjp(f, std::move(residuals), primals, tangents, std::move(out_avals));
  return {std::move(outs), std::move(tangent_outs)};
}

std::vector<Tensor> JvpInterpreter::ProcessCustom(const CustomFunction& f,
                                                  absl::Span<const Tensor> inputs) {
  auto [primals, tangents, any_tangent] = Unzip(inputs);
  std::vector<Tensor> outs;
  if (!any_tangent) {
    for (Tensor& y : BindCustom(f, primals)) outs.push_back(Pack(std::move(y), Tensor()));
    return outs;
  }
  OutsAndTangents result;
  if (const auto* custom = dynamic_cast<const CustomJvpFunction*>(&f)) {
    result = CustomJvpOf(*custom, primals, tangents);
  } else if (const auto* custom = dynamic_cast<const CustomVjpFunction*>(&f)) {
    result = CustomVjpOf(*custom, primals, tangents, reverse_);
  } else {
    return Interpreter::ProcessCustom(f, inputs);
  }
  for (size_t i = 0; i < result.first.size(); ++i) {
    outs.push_back(Pack(std::move(result.first[i]), std::move(result.second[i])));
  }
  return outs;
}

Tensor JvpInterpreter::LowerClosedOver(const Tensor& x, const CustomFunction& f) {
  const auto& tracer = static_cast<const JvpTracer&>(*x.node());
  // A closed-over value with a zero tangent is a constant of the rule.
  if (!tracer.tangent().defined()) return tracer.primal();
  ThrowClosedOverDifferentiation(f, x);
}

}  // namespace cotangent
