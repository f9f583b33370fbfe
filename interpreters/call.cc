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
#include "interpreters/program_transforms.h"
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

// The calls a transformation of p's call makes: `fill` (if set) sets the transformed
// programs, and each of `calls` calls gets its own object (pjit: its compiled plans; a
// transformed call donates nothing, since it owns none of its operands). pjit's are made once
// per key and kept by p's CompiledCalls; closed_call's every time.
template <Primitive prim>
std::shared_ptr<const CompiledCalls::Derived> Derive(
    const Params& p, const std::string& key,
    const std::function<void(CompiledCalls::Derived&)>& fill, int calls = 1) {
  const auto make = [&] {
    CompiledCalls::Derived d;
    if (fill) fill(d);
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

// The object a transformed call of prim carries: pjit's derived call (its compiled plans),
// checkpoint's policy, nothing for closed_call.
template <Primitive prim>
std::shared_ptr<const ParamObject> ObjectOf(const Params& p,
                                            std::shared_ptr<const CompiledCalls> derived) {
  if constexpr (prim == Primitive::kPjit) return derived;
  if constexpr (prim == Primitive::kCheckpoint) return p.object;
  return nullptr;
}

// Derive with one transformed program, traced by `trace`.
template <Primitive prim>
std::shared_ptr<const CompiledCalls::Derived> DeriveProgram(
    const Params& p, const std::string& key, const std::function<ClosedProgram()>& trace) {
  return Derive<prim>(p, key, [&](CompiledCalls::Derived& d) { d.program = trace(); });
}

// A key's part for which of xs are defined: "0110".
std::string KeyOf(TensorSpan xs) {
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
  const auto jvp = DeriveProgram<prim>(p, "jvp " + KeyOf(tangents), [&] {
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
      CallProgram(jvp->program, args, Named("jvp", p.name), prim, ObjectOf<prim>(p, jvp->calls[0]));
  const size_t m = program.outvars.size();
  TensorList ys(out.begin(), out.begin() + m), ys_dot(out.begin() + m, out.end());
  for (size_t j = 0; j < m; ++j) {
    if (!IsInexact(ys[j].dtype())) ys_dot[j] = Tensor();  // integers have no tangent
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
  const auto transposed = DeriveProgram<prim>(p, "transpose " + KeyOf(operands) + KeyOf(cts), [&] {
    return TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          std::vector<Tensor> args(operands.size());
          for (size_t k = 0; k < known.size(); ++k) args[known[k]] = xs[k];
          std::vector<Tensor> c(xs.begin() + known.size(), xs.end());
          // A symbolic zero stays one: an output nothing reads (a comparison) is not transposed.
          for (size_t j = 0; j < c.size(); ++j) c[j] = cts[j].defined() ? c[j] : Tensor();
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
                                            Named("transpose", p.name), prim,
                                            ObjectOf<prim>(p, transposed->calls[0]));
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
  // The axis name is part of the key: collectives inside depend on it.
  const std::string& axis = RuleAxisName();
  std::string key = absl::StrCat("vmap ", size, " ", axis, " ");
  for (const std::optional<int64_t>& axis : in_axes) key.push_back(axis ? '1' : '0');
  const auto batched = DeriveProgram<prim>(p, key, [&] {
    return TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          return VmapFlat(Evaluator(program), xs, in_axes, 0, size,
                          std::vector<std::string>(xs.size(), "closed_call operand"), axis);
        },
        avals);
  });
  BatchedList out;
  out.values =
      AsList(CallProgram(batched->program, moved, Named("vmap", p.name), prim,
                                     ObjectOf<prim>(p, batched->calls[0])));
  out.bdims.assign(out.values.size(), 0);
  return out;
}

// Partial evaluation: the program split by which operands are known
// (interpreters/program_transforms.h: by the interpreters, so primitives inside it, loops
// included, split by their own rules); the known half runs now (below the graph's level),
// the unknown half is recorded, reading the residuals it needs.
template <Primitive prim>
TensorList CallPartialEval(Interpreter& interpreter, TensorSpan inputs, const Params& p,
                           AvalSpan out_avals) {
  const Program& program = *p.program;
  const auto [unknown, known] = SplitKnown(inputs);
  TensorList known_values, unknown_tracers;
  std::string key = "partial_eval ";
  for (size_t i = 0; i < inputs.size(); ++i) {
    key.push_back(unknown[i] ? '0' : '1');
    (unknown[i] ? unknown_tracers : known_values).push_back(unknown[i] ? inputs[i] : known[i]);
  }
  // Kept per set of known operands, with the halves' calls (their compiled plans).
  const auto halves = Derive<prim>(p, key, [&](CompiledCalls::Derived& d) {
    PartialProgram part = PartialEvalProgram(program, unknown, Mask(out_avals.size(), false),
                                             Mask(inputs.size(), true));
    d.program = std::move(part.known);
    d.unknown = std::move(part.unknown);
    d.out_unknown = std::move(part.out);
    d.forwarded = std::move(part.forwarded);
  }, 2);
  const std::vector<bool>& out_unknown = halves->out_unknown;
  const size_t n_known = out_unknown.size() - std::count(out_unknown.begin(), out_unknown.end(), true);
  TensorList known_results;
  if (!halves->program.program->outvars.empty()) {
    known_results = AsList(CallProgram(halves->program, known_values, p.name, prim,
                                       ObjectOf<prim>(p, halves->calls[0])));
  }
  TensorList u_operands;
  for (size_t r = 0, k = n_known; r < halves->forwarded.size(); ++r) {
    const int64_t f = halves->forwarded[r];
    u_operands.push_back(f >= 0 ? known[f] : known_results[k++]);
  }
  u_operands.insert(u_operands.end(), unknown_tracers.begin(), unknown_tracers.end());
  Params up = p;
  up.program = halves->unknown;
  up.object = ObjectOf<prim>(p, halves->calls[1]);
  return Merge(out_unknown, known_results,
               RecordUnknown(interpreter, prim, up, u_operands, out_avals, out_unknown));
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
  // checkpoint transforms as a call; its partial evaluation is its own
  // (interpreters/checkpoint.cc).
  RegisterRules<Primitive::kCheckpoint>(table);
}

}  // namespace cotangent
