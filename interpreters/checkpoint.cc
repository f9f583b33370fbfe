// File: interpreters/checkpoint.cc
// checkpoint's partial evaluation and name's rules. checkpoint transforms as a call
// (interpreters/call.cc: jvp, transpose and vmap of its program, bound as checkpoint again);
// what makes it a checkpoint is its partial evaluation, JAX's remat_partial_eval: the program
// is split as a call's would be, then each stored residual the policy does not save is
// dropped from the known half and recomputed at the head of the unknown half from the
// function's known inputs and the saved residuals. The unknown half is what reverse mode
// transposes, so the recomputation runs in the backward pass, and only saved values live from
// the forward pass to the backward pass.

#include "interpreters/checkpoint.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "interpreters/call.h"
#include "interpreters/graph.h"
#include "interpreters/program_transforms.h"
#include "interpreters/rules.h"

namespace cotangent {

std::string CheckpointPolicy::ToString() const {
  switch (saves) {
    case Saves::kNothing: return "nothing_saveable";
    case Saves::kEverything: return "everything_saveable";
    case Saves::kDots: return "dots_saveable";
    case Saves::kNames: return absl::StrCat("save_only_these_names(", absl::StrJoin(names, ", "), ")");
  }
  return "";
}

bool PolicyObject::Saveable(const Equation& eqn) const {
  switch (policy_.saves) {
    case CheckpointPolicy::Saves::kNothing: return false;
    case CheckpointPolicy::Saves::kEverything: return true;
    case CheckpointPolicy::Saves::kDots:  // dot_general and conv_general_dilated, as JAX
      return KindOf(eqn.prim) == PrimitiveKind::kContraction;
    case CheckpointPolicy::Saves::kNames:
      return eqn.prim == Primitive::kName &&
             std::find(policy_.names.begin(), policy_.names.end(), eqn.params->name) !=
                 policy_.names.end();
  }
  return false;
}

std::vector<Tensor> CheckpointProgram(const ClosedProgram& program, absl::Span<const Tensor> args,
                                      const CheckpointPolicy& policy) {
  return CallProgram(program, args, "", Primitive::kCheckpoint,
                     std::make_shared<PolicyObject>(policy));
}

Tensor CheckpointName(const Tensor& x, const std::string& name) {
  Params p;
  p.name = name;
  return Bind1(Primitive::kName, {&x, 1}, p);
}

namespace {

TensorList CheckpointPartialEval(Interpreter& interpreter, TensorSpan inputs, const Params& p,
                                 AvalSpan out_avals) {
  const auto& policy = static_cast<const PolicyObject&>(*p.object);
  const auto [unknown, known_or_not] = SplitKnown(inputs);
  std::vector<Tensor> known_values;
  TensorList unknown_tracers;
  std::vector<size_t> known_rank(inputs.size(), 0);  // input i's position among the known
  for (size_t i = 0; i < inputs.size(); ++i) {
    known_rank[i] = known_values.size();
    if (unknown[i]) {
      unknown_tracers.push_back(inputs[i]);
    } else {
      known_values.push_back(known_or_not[i]);
    }
  }
  const size_t m = out_avals.size();
  const PartialProgram part =
      PartialEvalProgram(*p.program, unknown, Mask(m, false), Mask(inputs.size(), true));
  // The known half with its constants as leading inputs: (consts, known inputs) -> (known
  // outputs, stored residuals). Which stored residuals the policy saves: inputs and literals
  // cost nothing; others by the equation that made them.
  const Program known = *ConstsAsInputs(*part.known.program);
  const size_t n_known_out = m - std::count(part.out.begin(), part.out.end(), true);
  std::vector<int32_t> producer(known.avals.size(), -1);
  for (size_t e = 0; e < known.eqns.size(); ++e) {
    for (int32_t v : known.eqns[e].outputs) producer[v] = static_cast<int32_t>(e);
  }
  // Stored residuals the policy saves (inputs and literals cost nothing), and the others,
  // recomputed from the known inputs and the saved values their computation reaches (JAX's
  // remat: a named or dot value is stored, what is computed from it is not).
  std::vector<Atom> kept_outs(known.outvars.begin(), known.outvars.begin() + n_known_out);
  std::vector<Atom> recomputed;
  Mask is_saved;  // per stored residual
  std::vector<bool> needed(known.avals.size(), false), is_input(known.avals.size(), false);
  for (int32_t v : known.invars) is_input[v] = true;
  for (size_t k = n_known_out; k < known.outvars.size(); ++k) {
    const Atom& a = known.outvars[k];
    const bool saved = a.is_literal() || is_input[a.var] ||
                       policy.Saveable(known.eqns[producer[a.var]]);
    is_saved.push_back(saved);
    (saved ? kept_outs : recomputed).push_back(a);
    if (!saved) needed[a.var] = true;
  }
  const size_t n_saved = kept_outs.size() - n_known_out;
  std::vector<bool> keep(known.eqns.size(), false);
  std::vector<int32_t> cuts;  // saved values the recomputation starts from
  for (size_t e = known.eqns.size(); e-- > 0;) {
    const Equation& eqn = known.eqns[e];
    bool used = false;
    for (int32_t v : eqn.outputs) used = used || needed[v];
    if (!used) continue;
    const bool cut = policy.Saveable(eqn) &&
                     std::none_of(recomputed.begin(), recomputed.end(), [&](const Atom& a) {
                       return std::find(eqn.outputs.begin(), eqn.outputs.end(), a.var) !=
                              eqn.outputs.end();
                     });
    if (cut) {
      for (int32_t v : eqn.outputs) {
        if (needed[v]) cuts.push_back(v);
      }
      continue;
    }
    keep[e] = true;
    for (const Atom& a : eqn.inputs) {
      if (!a.is_literal() && !is_input[a.var]) needed[a.var] = true;
    }
  }
  for (int32_t v : cuts) kept_outs.push_back(Atom::Var(v));
  // Known now: the known outputs, the saved residuals and the cut values.
  const ClosedProgram known_half{
      ExtractProgram(known, {}, known.invars, std::vector<bool>(known.eqns.size(), true),
                     kept_outs),
      {}};
  std::vector<Tensor> known_args = part.known.consts;
  known_args.insert(known_args.end(), known_values.begin(), known_values.end());
  const std::vector<Tensor> known_out =
      CallProgram(known_half, known_args, "", Primitive::kCheckpoint, p.object);
  // Unknown: (consts, known inputs, saved residuals, cut values, unknown inputs) -> unknown
  // outputs, the residuals not saved recomputed first.
  std::vector<int32_t> recompute_in = known.invars;
  recompute_in.insert(recompute_in.end(), cuts.begin(), cuts.end());
  const std::shared_ptr<const Program> recompute =
      ExtractProgram(known, {}, recompute_in, keep, recomputed);
  std::vector<ShapedArray> u_avals;
  for (int32_t v : known.invars) u_avals.push_back(known.avals[v]);
  for (size_t k = n_known_out; k < kept_outs.size(); ++k) u_avals.push_back(known.AvalOf(kept_outs[k]));
  for (const Tensor& x : unknown_tracers) u_avals.push_back(x.aval());
  const size_t n_in = known.invars.size(), consts = part.known.consts.size();
  const size_t n_kept = kept_outs.size() - n_known_out;
  const ClosedProgram unknown_half = TraceToProgram(
      [&](const std::vector<Tensor>& xs) {
        const std::vector<Tensor> in(xs.begin(), xs.begin() + n_in);
        const std::vector<Tensor> saved(xs.begin() + n_in, xs.begin() + n_in + n_saved);
        std::vector<Tensor> args(in);
        args.insert(args.end(), xs.begin() + n_in + n_saved, xs.begin() + n_in + n_kept);
        const std::vector<Tensor> again = EvalProgram(*recompute, {}, args, "checkpoint");
        std::vector<Tensor> residuals;
        for (size_t r = 0, k = 0, s = 0, a = 0; r < part.forwarded.size(); ++r) {
          const int64_t f = part.forwarded[r];
          if (f >= 0) {
            residuals.push_back(in[consts + known_rank[f]]);
            continue;
          }
          residuals.push_back(is_saved[k] ? saved[s++] : again[a++]);
          ++k;
        }
        residuals.insert(residuals.end(), xs.begin() + n_in + n_kept, xs.end());
        return EvalProgram(*part.unknown, {}, residuals, "checkpoint");
      },
      u_avals);
  TensorList u_in(unknown_half.consts.begin(), unknown_half.consts.end());
  u_in.insert(u_in.end(), known_args.begin(), known_args.end());
  u_in.insert(u_in.end(), known_out.begin() + n_known_out, known_out.end());
  u_in.insert(u_in.end(), unknown_tracers.begin(), unknown_tracers.end());
  Params up = p;
  up.program = ConstsAsInputs(*unknown_half.program);
  return Merge(part.out, known_out,
               RecordUnknown(interpreter, Primitive::kCheckpoint, up, u_in, out_avals, part.out));
}

// name: the identity in every transformation (the tangent and cotangent pass unnamed, the
// batched value keeps its name).
std::pair<TensorList, TensorList> NameJvp(TensorSpan primals, TensorSpan tangents,
                                          const Params& p) {
  return {{Bind1(Primitive::kName, primals, p)}, {tangents[0]}};
}
TensorList NameTranspose(TensorSpan cts, TensorSpan, AvalSpan, const Params&) { return {cts[0]}; }
BatchedList NameBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  return {{Bind1(Primitive::kName, args, p)}, {bdims[0]}};
}

}  // namespace

void RegisterCheckpointRules(RuleTable& table) {
  table[Primitive::kCheckpoint].partial_eval = CheckpointPartialEval;
  PrimitiveRules& name = table[Primitive::kName];
  name.jvp = NameJvp;
  name.transpose = NameTranspose;
  name.batch = NameBatch;
}

}  // namespace cotangent
