// File: interpreters/call.cc
// The transformation rules of closed_call and pjit, together, templated on the primitive: each
// transforms the called program by tracing the transformation of EvalProgram into a new
// program, then binds the same primitive on that (JAX's call rules and pjit's: grad of a
// jitted function runs its jvp and transpose programs compiled). jvp: the program's jvp;
// transpose: its backward pass; batch: its vmap; partial evaluation: the known part evaluated
// now, the unknown part recorded with the residuals it needs. pjit keeps what it derived
// (CompiledCalls::Derive), so a transformed jitted function traces and compiles once per key.
// Abstract evaluation and evaluation are core's (core/rules/call.cc).

#include "interpreters/call.h"

#include <functional>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

#include "core/constants.h"
#include "core/error.h"
#include "core/executable.h"
#include "core/interpreter.h"
#include "core/rules/helpers.h"
#include "interpreters/autodiff.h"
#include "interpreters/backward.h"
#include "interpreters/batching.h"
#include "interpreters/graph.h"
#include "interpreters/rules.h"

namespace cotangent {

std::shared_ptr<const Program> ConstsAsInputs(const Program& program) {
  if (program.constvars.empty()) return std::make_shared<const Program>(program);
  auto p = std::make_shared<Program>(program);
  p->invars.insert(p->invars.begin(), p->constvars.begin(), p->constvars.end());
  p->constvars.clear();
  return p;
}

std::vector<Tensor> CallProgram(const ClosedProgram& program, absl::Span<const Tensor> args,
                                std::string name, Primitive prim,
                                std::shared_ptr<const ParamObject> object) {
  Params p;
  p.program = ConstsAsInputs(*program.program);
  p.name = std::move(name);
  p.object = std::move(object);
  TensorList operands(program.consts.begin(), program.consts.end());
  operands.insert(operands.end(), args.begin(), args.end());
  TensorList out = Bind(prim, operands, p);
  return std::vector<Tensor>(out.begin(), out.end());
}

namespace {

// The calls a transformation of p's call makes: `trace` (if set) traces the transformed
// program, and each of `calls` calls gets its own object (pjit: its compiled plans; a
// transformed call donates nothing, since it owns none of its operands). pjit's are made once
// per key and kept by p's CompiledCalls; closed_call's every time.
template <Primitive prim>
std::shared_ptr<const CompiledCalls::Derived> Derive(const Params& p, const std::string& key,
                                                     const std::function<ClosedProgram()>& trace,
                                                     int calls = 1) {
  const auto make = [&] {
    CompiledCalls::Derived d;
    if (trace) d.program = trace();
    for (int i = 0; i < calls; ++i) {
      d.calls.push_back(prim == Primitive::kPjit ? std::make_shared<CompiledCalls>() : nullptr);
    }
    return d;
  };
  if constexpr (prim == Primitive::kPjit) {
    return static_cast<const CompiledCalls&>(*p.object).Derive(key, make);
  } else {
    return std::make_shared<const CompiledCalls::Derived>(make());
  }
}

// A key's part for which of xs are defined: "0110".
std::string Mask(TensorSpan xs) {
  std::string mask;
  for (const Tensor& x : xs) mask.push_back(x.defined() ? '1' : '0');
  return mask;
}

std::string Named(const char* transform, const std::string& name) {
  return name.empty() ? "" : absl::StrCat(transform, "(", name, ")");
}

TensorList AsList(const std::vector<Tensor>& xs) { return TensorList(xs.begin(), xs.end()); }

FlatFn Evaluator(const Program& program) {
  return [&program](const std::vector<Tensor>& xs) {
    return EvalProgram(program, {}, xs, "closed_call");
  };
}

// jvp: closed_call of the program's jvp, (primals, nonzero tangents) -> (outs, out tangents).
template <Primitive prim>
std::pair<TensorList, TensorList> CallJvp(TensorSpan primals, TensorSpan tangents,
                                                const Params& p) {
  const Program& program = *p.program;
  const size_t n = primals.size();
  std::vector<ShapedArray> avals = program.InAvals();
  std::vector<size_t> nonzero;
  for (size_t i = 0; i < n; ++i) {
    if (!tangents[i].defined()) continue;
    nonzero.push_back(i);
    const ShapedArray aval = avals[i];
    avals.push_back(aval);
  }
  const auto jvp = Derive<prim>(p, "jvp " + Mask(tangents), [&] {
    return TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          const std::vector<Tensor> ps(xs.begin(), xs.begin() + n);
          std::vector<Tensor> ts(n);
          for (size_t k = 0; k < nonzero.size(); ++k) ts[nonzero[k]] = xs[n + k];
          auto [ys, ys_dot] = JvpFlat("closed_call", Evaluator(program), ps, ts);
          ys.insert(ys.end(), ys_dot.begin(), ys_dot.end());
          return ys;
        },
        avals);
  });
  std::vector<Tensor> args(primals.begin(), primals.end());
  for (size_t i : nonzero) args.push_back(tangents[i]);
  const std::vector<Tensor> out =
      CallProgram(jvp->program, args, Named("jvp", p.name), prim, jvp->calls[0]);
  const size_t m = program.outvars.size();
  TensorList ys(out.begin(), out.begin() + m), ys_dot(out.begin() + m, out.end());
  for (size_t j = 0; j < m; ++j) {
    if (!IsFloating(ys[j].dtype())) ys_dot[j] = Tensor();  // integers have no tangent
  }
  return {std::move(ys), std::move(ys_dot)};
}

// transpose: closed_call of the program's backward pass, (non-linear operands, output
// cotangents) -> cotangents of the linear operands.
template <Primitive prim>
TensorList CallTranspose(TensorSpan cts, TensorSpan operands, AvalSpan avals,
                               const Params& p) {
  const Program& program = *p.program;
  std::vector<size_t> known, linear;
  std::vector<ShapedArray> t_avals;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (operands[i].defined()) {
      known.push_back(i);
      t_avals.push_back(avals[i]);
    } else {
      linear.push_back(i);
    }
  }
  const std::vector<ShapedArray> out_avals = program.OutAvals();
  t_avals.insert(t_avals.end(), out_avals.begin(), out_avals.end());
  const auto transposed = Derive<prim>(p, "transpose " + Mask(operands), [&] {
    return TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          std::vector<Tensor> args(operands.size());
          for (size_t k = 0; k < known.size(); ++k) args[known[k]] = xs[k];
          const std::vector<Tensor> c(xs.begin() + known.size(), xs.end());
          const std::vector<Tensor> r = BackwardPass(program, {}, args, c);
          std::vector<Tensor> out;
          for (size_t i : linear) out.push_back(rules::Instantiate(r[i], avals[i]));
          return out;
        },
        t_avals);
  });
  std::vector<Tensor> args;
  for (size_t i : known) args.push_back(operands[i]);
  for (size_t j = 0; j < cts.size(); ++j) args.push_back(rules::Instantiate(cts[j], out_avals[j]));
  const std::vector<Tensor> r = CallProgram(transposed->program, args,
                                            Named("transpose", p.name), prim, transposed->calls[0]);
  TensorList out(operands.size());
  for (size_t k = 0; k < linear.size(); ++k) out[linear[k]] = r[k];
  return out;
}

// batch: closed_call of the program's vmap over the batched operands (batch axes moved to
// 0); every output is batched along 0.
template <Primitive prim>
BatchedList CallBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  const Program& program = *p.program;
  const int64_t size = rules::BatchSize(args, bdims);
  std::vector<Tensor> moved;
  std::vector<ShapedArray> avals;
  std::vector<std::optional<int64_t>> in_axes;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool mapped = bdims[i] != kNotMapped;
    moved.push_back(mapped ? rules::MoveBatchAxis(args[i], bdims[i], 0) : args[i]);
    avals.push_back(moved.back().aval());
    in_axes.push_back(mapped ? std::optional<int64_t>(0) : std::nullopt);
  }
  std::string key = absl::StrCat("vmap ", size, " ");
  for (const std::optional<int64_t>& axis : in_axes) key.push_back(axis ? '1' : '0');
  const auto batched = Derive<prim>(p, key, [&] {
    return TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          return VmapFlat(Evaluator(program), xs, in_axes, 0, size,
                          std::vector<std::string>(xs.size(), "closed_call operand"));
        },
        avals);
  });
  BatchedList out;
  out.values =
      AsList(CallProgram(batched->program, moved, Named("vmap", p.name), prim, batched->calls[0]));
  out.bdims.assign(out.values.size(), 0);
  return out;
}

// Partial evaluation: equations on known values run now (one closed_call of the known part,
// below the graph's level), the rest is recorded as a closed_call of the unknown part, which
// reads the known values it needs as residuals.
template <Primitive prim>
TensorList CallPartialEval(Interpreter& interpreter, TensorSpan inputs, const Params& p,
                                 AvalSpan out_avals) {
  auto& graph = static_cast<GraphInterpreter&>(interpreter);
  const Program& program = *p.program;
  std::vector<bool> known(program.avals.size(), false);
  std::vector<int32_t> known_in, unknown_in;
  TensorList known_values, unknown_tracers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& tracer = static_cast<const GraphTracer&>(*inputs[i].node());
    const int32_t v = program.invars[i];
    if (tracer.var() < 0) {
      known[v] = true;
      known_in.push_back(v);
      known_values.push_back(tracer.known());
    } else {
      unknown_in.push_back(v);
      unknown_tracers.push_back(inputs[i]);
    }
  }
  const auto is_known = [&](const Atom& a) { return a.is_literal() || known[a.var]; };
  std::vector<bool> known_eqn(program.eqns.size(), false);
  std::vector<int32_t> residuals;
  std::vector<bool> is_residual(program.avals.size(), false);
  for (size_t e = 0; e < program.eqns.size(); ++e) {
    const Equation& eqn = program.eqns[e];
    bool all = true;
    for (const Atom& a : eqn.inputs) all = all && is_known(a);
    known_eqn[e] = all;
    if (all) {
      for (int32_t v : eqn.outputs) known[v] = true;
      continue;
    }
    for (const Atom& a : eqn.inputs) {
      if (!a.is_literal() && known[a.var] && !is_residual[a.var]) {
        is_residual[a.var] = true;
        residuals.push_back(a.var);
      }
    }
  }
  std::vector<Atom> known_outs, unknown_outs;
  for (const Atom& a : program.outvars) (is_known(a) ? known_outs : unknown_outs).push_back(a);
  for (int32_t v : residuals) known_outs.push_back(Atom::Var(v));
  std::vector<bool> unknown_eqn(known_eqn.size());
  for (size_t e = 0; e < known_eqn.size(); ++e) unknown_eqn[e] = !known_eqn[e];

  // The halves' calls (their compiled plans) are kept per set of known operands.
  std::string key = "partial_eval ";
  for (const Tensor& x : inputs) {
    key.push_back(static_cast<const GraphTracer&>(*x.node()).var() < 0 ? '1' : '0');
  }
  const auto halves = Derive<prim>(p, key, nullptr, 2);
  Params kp = p;
  kp.program = ExtractProgram(program, {}, known_in, known_eqn, known_outs);
  kp.object = halves->calls[0];
  const TensorList known_results = known_outs.empty() ? TensorList() : Bind(prim, known_values, kp);
  std::vector<int32_t> u_in = residuals;
  u_in.insert(u_in.end(), unknown_in.begin(), unknown_in.end());
  Params up = p;
  up.program = ExtractProgram(program, {}, u_in, unknown_eqn, unknown_outs);
  up.object = halves->calls[1];
  const size_t n_known = known_outs.size() - residuals.size();
  TensorList u_operands(known_results.begin() + n_known, known_results.end());
  u_operands.insert(u_operands.end(), unknown_tracers.begin(), unknown_tracers.end());
  std::vector<ShapedArray> u_avals;
  for (const Atom& a : unknown_outs) u_avals.push_back(program.AvalOf(a));
  const TensorList unknown_results = graph.Record(prim, up, u_operands, u_avals);
  TensorList out;
  size_t k = 0, u = 0;
  for (const Atom& a : program.outvars) {
    out.push_back(is_known(a) ? known_results[k++] : unknown_results[u++]);
  }
  (void)out_avals;
  return out;
}

}  // namespace

namespace {
template <Primitive prim>
void RegisterRules(RuleTable& table) {
  PrimitiveRules& call = table[prim];
  call.jvp = CallJvp<prim>;
  call.transpose = CallTranspose<prim>;
  call.batch = CallBatch<prim>;
  call.partial_eval = CallPartialEval<prim>;
}
}  // namespace

void RegisterCallTransformRules(RuleTable& table) {
  RegisterRules<Primitive::kClosedCall>(table);
  RegisterRules<Primitive::kPjit>(table);
}

}  // namespace cotangent
