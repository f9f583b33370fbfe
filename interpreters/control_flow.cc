// File: interpreters/control_flow.cc
// The flat control-flow functions (tracing branches and bodies into programs) and cond's
// transformation rules, as JAX defines them: jvp is the cond of the branches' jvps; transpose
// the cond of their transposes; vmap with an unbatched index the cond of the vmapped branches
// and with a batched index every branch, merged by select; partial evaluation splits every
// branch the same way and passes each branch's residuals (zeros from the others) to the
// unknown half. Loops: interpreters/scan.cc, interpreters/while_loop.cc.

#include "interpreters/control_flow.h"

#include "absl/strings/str_cat.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules/helpers.h"
#include "interpreters/backward.h"
#include "interpreters/call.h"
#include "interpreters/graph.h"
#include "interpreters/program_transforms.h"
#include "interpreters/rules.h"

namespace cotangent {

std::pair<std::vector<std::shared_ptr<const Program>>, std::vector<Tensor>> JoinBranches(
    const std::vector<ClosedProgram>& branches) {
  std::vector<Tensor> consts;
  std::vector<ShapedArray> const_avals;
  for (const ClosedProgram& b : branches) {
    consts.insert(consts.end(), b.consts.begin(), b.consts.end());
    for (const Tensor& c : b.consts) const_avals.push_back(c.aval());
  }
  std::vector<std::shared_ptr<const Program>> programs;
  size_t before = 0;
  for (const ClosedProgram& b : branches) {
    const size_t own = b.consts.size();
    auto p = WithUnusedInputs(*ConstsAsInputs(*b.program), 0,
                              {const_avals.begin(), const_avals.begin() + before});
    programs.push_back(WithUnusedInputs(*p, before + own,
                                        {const_avals.begin() + before + own, const_avals.end()}));
    before += own;
  }
  return {std::move(programs), std::move(consts)};
}

namespace {

TensorList BindCond(const Tensor& index, const std::vector<ClosedProgram>& branches,
                    const std::vector<Tensor>& operands) {
  auto [programs, consts] = JoinBranches(branches);
  Params p;
  p.programs = std::move(programs);
  TensorList in{index};
  in.insert(in.end(), consts.begin(), consts.end());
  in.insert(in.end(), operands.begin(), operands.end());
  return Bind(Primitive::kCond, in, p);
}

}  // namespace

std::vector<Tensor> SwitchFlat(const Tensor& index, const std::vector<FlatFn>& branches,
                               const std::vector<Tensor>& operands) {
  if (branches.empty()) ThrowInvalid("switch: no branches");
  CheckLiveTracers("cond", {&index, 1});
  CheckLiveTracers("cond", operands);
  if (index.aval() != ShapedArray{{}, DType::kI32}) {
    ThrowInvalid("switch: the index must be an i32 scalar, got ", index.aval().ToString());
  }
  std::vector<ShapedArray> avals;
  for (const Tensor& x : operands) avals.push_back(x.aval());
  std::vector<ClosedProgram> traced;
  for (const FlatFn& branch : branches) traced.push_back(TraceToProgram(branch, avals, "cond"));
  const TensorList out = BindCond(index, traced, operands);
  return std::vector<Tensor>(out.begin(), out.end());
}

std::vector<Tensor> WhileFlat(const FlatFn& cond, const FlatFn& body,
                              const std::vector<Tensor>& init) {
  CheckLiveTracers("while_loop", init);
  std::vector<ShapedArray> avals;
  for (const Tensor& x : init) avals.push_back(x.aval());
  const ClosedProgram c = TraceToProgram(cond, avals, "while_loop");
  const ClosedProgram b = TraceToProgram(body, avals, "while_loop");
  Params p;
  p.programs = {ConstsAsInputs(*c.program), ConstsAsInputs(*b.program)};
  p.num_consts = static_cast<int64_t>(c.consts.size());
  p.num_carry = static_cast<int64_t>(init.size());
  TensorList in(c.consts.begin(), c.consts.end());
  in.insert(in.end(), b.consts.begin(), b.consts.end());
  in.insert(in.end(), init.begin(), init.end());
  const TensorList out = Bind(Primitive::kWhile, in, p);
  return std::vector<Tensor>(out.begin(), out.end());
}

std::vector<Tensor> ScanFlat(const FlatFn& body, const std::vector<Tensor>& init,
                             const std::vector<Tensor>& xs, std::optional<int64_t> length,
                             bool reverse, int64_t unroll) {
  CheckLiveTracers("scan", init);
  CheckLiveTracers("scan", xs);
  std::vector<ShapedArray> avals;
  for (const Tensor& c : init) avals.push_back(c.aval());
  for (size_t i = 0; i < xs.size(); ++i) {
    const ShapedArray& aval = xs[i].aval();
    if (aval.shape.empty()) {
      ThrowInvalid("scan: xs ", i, " is a scalar, ", aval.ToString(),
                   "; every xs needs a leading axis to scan over");
    }
    if (!length) length = aval.shape[0];
    if (aval.shape[0] != *length) {
      ThrowInvalid("scan: xs ", i, " has type ", aval.ToString(), " but the length is ", *length,
                   i == 0 ? "" : " (from xs 0 or the length option)");
    }
    ShapedArray row = aval;
    row.shape.erase(row.shape.begin());
    avals.push_back(row);
  }
  if (!length) ThrowInvalid("scan: no xs and no length: give the length option");
  if (*length < 0) ThrowInvalid("scan: negative length ", *length);
  const ClosedProgram b = TraceToProgram(body, avals, "scan");
  Params p;
  p.program = ConstsAsInputs(*b.program);
  p.num_consts = static_cast<int64_t>(b.consts.size());
  p.num_carry = static_cast<int64_t>(init.size());
  p.length = *length;
  p.reverse = reverse;
  p.unroll = unroll;
  TensorList in(b.consts.begin(), b.consts.end());
  in.insert(in.end(), init.begin(), init.end());
  in.insert(in.end(), xs.begin(), xs.end());
  const TensorList out = Bind(Primitive::kScan, in, p);
  return std::vector<Tensor>(out.begin(), out.end());
}

namespace {

TensorList AsList(const std::vector<Tensor>& xs) { return TensorList(xs.begin(), xs.end()); }

// jvp: cond(index, primals, nonzero tangents) over the branches' jvps, every floating output
// with a tangent (so that the branches agree on which).
std::pair<TensorList, TensorList> CondJvp(TensorSpan primals, TensorSpan tangents,
                                          const Params& p) {
  const std::vector<Tensor> ops(primals.begin() + 1, primals.end());
  Mask nonzero;
  std::vector<Tensor> args = ops;
  for (size_t i = 1; i < tangents.size(); ++i) {
    nonzero.push_back(tangents[i].defined());
    if (nonzero.back()) args.push_back(tangents[i]);
  }
  std::vector<ClosedProgram> jvps;
  Mask out_nonzero;
  for (const auto& branch : p.programs) {
    MaskedProgram jvp = JvpProgram(*branch, nonzero, Mask(branch->outvars.size(), true));
    jvps.push_back(std::move(jvp.program));
    out_nonzero = std::move(jvp.out);
  }
  const TensorList out = BindCond(primals[0], jvps, args);
  const size_t m = out_nonzero.size();
  TensorList ys(out.begin(), out.begin() + m), ys_dot(m);
  for (size_t j = 0, k = m; j < m; ++j) {
    if (out_nonzero[j]) ys_dot[j] = out[k++];
  }
  return {std::move(ys), std::move(ys_dot)};
}

// transpose: cond(index, non-linear operands, cts) over the branches' backward passes.
TensorList CondTranspose(TensorSpan cts, TensorSpan operands, AvalSpan avals, const Params& p) {
  Mask linear;
  std::vector<ShapedArray> t_avals;
  std::vector<Tensor> args;
  for (size_t i = 1; i < operands.size(); ++i) {
    linear.push_back(!operands[i].defined());
    if (linear.back()) continue;
    t_avals.push_back(avals[i]);
    args.push_back(operands[i]);
  }
  const std::vector<ShapedArray> out_avals = p.programs[0]->OutAvals();
  t_avals.insert(t_avals.end(), out_avals.begin(), out_avals.end());
  for (size_t j = 0; j < cts.size(); ++j) args.push_back(rules::Instantiate(cts[j], out_avals[j]));
  std::vector<ClosedProgram> transposed;
  for (const auto& branch : p.programs) {
    transposed.push_back(TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          std::vector<Tensor> in;
          size_t k = 0;
          for (size_t i = 0; i < linear.size(); ++i) in.push_back(linear[i] ? Tensor() : xs[k++]);
          const std::vector<Tensor> c(xs.begin() + k, xs.end());
          const std::vector<Tensor> r = BackwardPass(*branch, {}, in, c);
          std::vector<Tensor> out;
          for (size_t i = 0; i < linear.size(); ++i) {
            if (linear[i]) out.push_back(rules::Instantiate(r[i], avals[i + 1]));
          }
          return out;
        },
        t_avals));
  }
  const TensorList r = BindCond(operands[0], transposed, args);
  TensorList out(operands.size());
  for (size_t i = 0, k = 0; i < linear.size(); ++i) {
    if (linear[i]) out[i + 1] = r[k++];
  }
  return out;
}

// vmap: an unbatched index picks among the vmapped branches; a batched one runs every branch
// and selects each lane's result (JAX's select_n).
BatchedList CondBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  const int64_t size = rules::BatchSize(args, bdims);
  std::vector<Tensor> ops;
  Mask batched;
  for (size_t i = 1; i < args.size(); ++i) {
    batched.push_back(bdims[i] != kNotMapped);
    ops.push_back(batched.back() ? rules::MoveBatchAxis(args[i], bdims[i], 0) : args[i]);
  }
  std::vector<ClosedProgram> mapped;
  for (const auto& branch : p.programs) {
    mapped.push_back(
        BatchProgram(*branch, size, batched, Mask(branch->outvars.size(), true)).program);
  }
  BatchedList out;
  if (bdims[0] == kNotMapped) {
    out.values = BindCond(args[0], mapped, ops);
  } else {
    const Tensor index = rules::MoveBatchAxis(args[0], bdims[0], 0);
    const int64_t n = static_cast<int64_t>(mapped.size());
    const Tensor clamped =
        lax::max(lax::min(index, FullLike(index, static_cast<double>(n - 1))), FullLike(index, 0));
    for (int64_t b = 0; b < n; ++b) {
      const std::vector<Tensor> ys = mapped[b](ops);
      if (b == 0) {
        out.values = AsList(ys);
        continue;
      }
      const Tensor pick = lax::eq(clamped, FullLike(clamped, static_cast<double>(b)));
      for (size_t j = 0; j < ys.size(); ++j) {
        const Tensor mask = lax::broadcast_in_dim(pick, ys[j].shape(), {0});
        out.values[j] = lax::select(mask, ys[j], out.values[j]);
      }
    }
  }
  out.bdims.assign(out.values.size(), 0);
  return out;
}

// Partial evaluation with a known index: the known halves of the branches run now as one
// cond, the unknown halves are recorded as another, reading every branch's residuals.
TensorList CondPartialEval(Interpreter& interpreter, TensorSpan inputs, const Params& p,
                           AvalSpan out_avals) {
  auto& graph = static_cast<GraphInterpreter&>(interpreter);
  const KnownSplit split = SplitKnown(inputs);
  if (split.unknown[0]) return graph.Record(Primitive::kCond, p, inputs, out_avals);
  const Mask unknown(split.unknown.begin() + 1, split.unknown.end());
  std::vector<Tensor> known_ops, unknown_ops;
  for (size_t i = 1; i < inputs.size(); ++i) {
    (split.unknown[i] ? unknown_ops : known_ops)
        .push_back(split.unknown[i] ? inputs[i] : split.known[i]);
  }
  const size_t m = out_avals.size();
  Mask out_unknown(m, false);
  const Mask forwardable(unknown.size(), true);
  for (const auto& branch : p.programs) {
    const Mask out = PartialEvalProgram(*branch, unknown, Mask(m, false), forwardable).out;
    for (size_t j = 0; j < m; ++j) out_unknown[j] = out_unknown[j] || out[j];
  }
  std::vector<PartialProgram> parts;
  for (const auto& branch : p.programs) {
    parts.push_back(PartialEvalProgram(*branch, unknown, out_unknown, forwardable));
  }
  // Known cond: each branch returns its known outputs, then every branch's stored residuals
  // (its own, and zeros for the others').
  std::vector<ShapedArray> known_avals;
  for (size_t i = 0; i < unknown.size(); ++i) {
    if (!unknown[i]) known_avals.push_back(inputs[i + 1].aval());
  }
  const size_t n_known_out = m - std::count(out_unknown.begin(), out_unknown.end(), true);
  std::vector<ClosedProgram> known;
  for (size_t b = 0; b < parts.size(); ++b) {
    known.push_back(TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          const std::vector<Tensor> own = parts[b].known(xs);
          std::vector<Tensor> out(own.begin(), own.begin() + n_known_out);
          for (size_t c = 0; c < parts.size(); ++c) {
            for (size_t r = 0, k = n_known_out; r < parts[c].forwarded.size(); ++r) {
              if (parts[c].forwarded[r] >= 0) continue;
              out.push_back(c == b ? own[k++] : Full(parts[c].residual_avals[r], 0.0));
            }
          }
          return out;
        },
        known_avals));
  }
  const TensorList known_out = BindCond(split.known[0], known, known_ops);
  // Unknown cond: index, every branch's residuals, the unknown operands.
  TensorList u_in{inputs[0]};
  std::vector<ShapedArray> res_avals;
  for (const PartialProgram& part : parts) {
    for (size_t r = 0; r < part.forwarded.size(); ++r) {
      res_avals.push_back(part.residual_avals[r]);
    }
  }
  size_t stored = n_known_out;
  for (const PartialProgram& part : parts) {
    for (int64_t f : part.forwarded) {
      u_in.push_back(f >= 0 ? split.known[f + 1] : known_out[stored++]);
    }
  }
  u_in.insert(u_in.end(), unknown_ops.begin(), unknown_ops.end());
  Params up;
  size_t before = 0;
  for (const PartialProgram& part : parts) {
    const size_t own = part.residual_avals.size();
    auto prog =
        WithUnusedInputs(*part.unknown, 0, {res_avals.begin(), res_avals.begin() + before});
    up.programs.push_back(WithUnusedInputs(*prog, before + own,
                                           {res_avals.begin() + before + own, res_avals.end()}));
    before += own;
  }
  return Merge(out_unknown, known_out,
               RecordUnknown(graph, Primitive::kCond, up, u_in, out_avals, out_unknown));
}

}  // namespace

void RegisterControlFlowTransformRules(RuleTable& table) {
  PrimitiveRules& cond = table[Primitive::kCond];
  cond.jvp = CondJvp;
  cond.transpose = CondTranspose;
  cond.batch = CondBatch;
  cond.partial_eval = CondPartialEval;
  RegisterScanRules(table);
  RegisterWhileRules(table);
  RegisterLinearSolveRules(table);
}

}  // namespace cotangent
