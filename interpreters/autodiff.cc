// File: interpreters/autodiff.cc
// jvp, linearize and transpose on flat functions, with the checks that name the transformation.

#include "interpreters/autodiff.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "interpreters/backward.h"
#include "interpreters/graph.h"
#include "interpreters/jvp.h"

namespace cotangent {

void CheckDifferentiable(const char* op, const Tensor& x, size_t index) {
  if (IsInexact(x.dtype())) return;
  // The transformations that take allow_int say so, as JAX's message does.
  const std::string_view name(op);
  const bool takes_allow_int = name == "grad" || name == "value_and_grad" || name == "jacrev";
  ThrowInvalid(op, ": cannot differentiate with respect to input ", index, " of type ",
               x.aval().ToString(),
               ": only floating and complex inputs (f16, bf16, f32, f64, c64, c128) have tangents",
               takes_allow_int ? "; pass allow_int for a float0 zero gradient, or use vjp" : "");
}

ShapedArray TangentAval(const ShapedArray& aval) {
  return IsInexact(aval.dtype) ? aval : ShapedArray{aval.shape, DType::kFloat0};
}

Tensor ZeroTangent(const ShapedArray& aval) {
  return IsInexact(aval.dtype) ? Full(aval, 0.0) : Filled(TangentAval(aval), 0.0, "zeros");
}

std::pair<std::vector<Tensor>, std::vector<Tensor>> JvpFlat(const char* op, const FlatFn& f,
                                                            const std::vector<Tensor>& primals,
                                                            const std::vector<Tensor>& tangents) {
  if (primals.size() != tangents.size()) {
    ThrowInvalid(op, ": got ", primals.size(), " primals and ", tangents.size(), " tangents");
  }
  CheckLiveTracers(op, primals);
  CheckLiveTracers(op, tangents);
  JvpInterpreter jvp;
  std::vector<Tensor> outs;
  {
    InterpreterScope scope(jvp);
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < primals.size(); ++i) {
      // An integer or bool input's tangent is float0, a zero: it enters as a symbolic zero.
      const Tensor& t = tangents[i];
      const ShapedArray want = TangentAval(primals[i].aval());
      if (t.defined() && t.aval() != want) {
        ThrowInvalid(op, ": tangent ", t.aval().ToString(), " does not match primal ",
                     primals[i].aval().ToString(), " (input ", i, ")",
                     want.dtype == DType::kFloat0
                         ? absl::StrCat(": the tangent of an integer or bool input is ",
                                        want.ToString(), ", as JAX's")
                         : "");
      }
      inputs.push_back(jvp.Pack(primals[i], want.dtype == DType::kFloat0 ? Tensor() : t));
    }
    outs = f(inputs);
  }
  std::vector<Tensor> primals_out, tangents_out;
  for (const Tensor& y : outs) {
    auto [primal, tangent] = jvp.Unpack(y);
    tangents_out.push_back(tangent.defined() ? tangent : Full(primal.aval(), 0.0));
    primals_out.push_back(std::move(primal));
  }
  return {std::move(primals_out), std::move(tangents_out)};
}

Linearized LinearizeFlat(const char* op, const FlatFn& f, const std::vector<Tensor>& primals,
                         const std::vector<bool>& wrt, bool reverse) {
  CheckLiveTracers(op, primals);
  Linearized lin;
  GraphInterpreter graph;
  JvpInterpreter jvp(reverse);
  std::vector<Tensor> outs, tangent_inputs, tangent_outputs;
  {
    InterpreterScope graph_scope(graph);
    std::vector<Tensor> tangents(primals.size());
    for (size_t i = 0; i < primals.size(); ++i) {
      if (!wrt[i]) continue;
      CheckDifferentiable(op, primals[i], i);
      tangents[i] = graph.NewInput(primals[i].aval());
      lin.wrt_avals.push_back(primals[i].aval());
      tangent_inputs.push_back(tangents[i]);
    }
    InterpreterScope jvp_scope(jvp);
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < primals.size(); ++i) inputs.push_back(jvp.Pack(primals[i], tangents[i]));
    outs = f(inputs);
    for (const Tensor& y : outs) {
      auto [primal, tangent] = jvp.Unpack(y);
      lin.primals_out.push_back(std::move(primal));
      tangent_outputs.push_back(std::move(tangent));
    }
  }
  std::vector<ShapedArray> out_avals;
  for (const Tensor& y : lin.primals_out) out_avals.push_back(y.aval());
  lin.linear = graph.Finish(tangent_inputs, tangent_outputs, out_avals);
  return lin;
}

std::vector<Tensor> Linearized::Transpose(const std::vector<Tensor>& cts) const {
  std::vector<Tensor> result = BackwardPass(*linear.program, linear.consts,
                                            std::vector<Tensor>(wrt_avals.size()), cts);
  for (size_t i = 0; i < result.size(); ++i) {
    if (!result[i].defined()) result[i] = Full(wrt_avals[i], 0.0);
  }
  return result;
}

std::vector<Tensor> Linearized::Apply(const std::vector<Tensor>& tangents) const {
  return EvalProgram(*linear.program, linear.consts, tangents, "linearize");
}

ClosedProgram MakeJaxprFlat(const FlatFn& f, const std::vector<ShapedArray>& avals) {
  return TraceToProgram(f, avals);
}

Tensor StopGradient(const Tensor& x) { return lax::stop_gradient(x); }

}  // namespace cotangent
