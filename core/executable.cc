// File: core/executable.cc
// Compile: inline, lower complex arithmetic to real (core/complex_eval.h), drop dead
// equations, plan fusion, compile each fused group on the backend, number the values that
// reach memory ("slots": the program's inputs and each step's outputs; values inside a fused
// group never do), and find each slot's last reader. Run: a vector of slots, one pass over the
// steps, each slot released after its last reader.

#include "core/executable.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/complex_eval.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/fusion.h"

namespace cotangent {

namespace {

bool IsControlFlow(Primitive prim) {
  return prim == Primitive::kCond || prim == Primitive::kWhile || prim == Primitive::kScan;
}

// `unroll` steps of scan's body in one program: inputs the constants, the carry, then each
// step's rows of xs in turn; outputs the carry, then each step's ys in turn.
Program UnrolledBody(const Program& body, const Params& p) {
  Program out;
  const auto input = [&](size_t i) {
    const int32_t v = out.NewVar(body.avals[body.invars[i]]);
    out.invars.push_back(v);
    return Atom::Var(v);
  };
  const size_t fixed = p.num_consts + p.num_carry;
  std::vector<Atom> state;  // the constants, then the carry
  for (size_t i = 0; i < fixed; ++i) state.push_back(input(i));
  std::vector<std::vector<Atom>> rows(p.unroll);
  for (auto& row : rows) {
    for (size_t i = fixed; i < body.invars.size(); ++i) row.push_back(input(i));
  }
  std::vector<Atom> ys;
  for (const std::vector<Atom>& row : rows) {
    std::vector<Atom> ins = state;
    ins.insert(ins.end(), row.begin(), row.end());
    const std::vector<Atom> outs = InlineInto(body, ins, out);
    std::copy(outs.begin(), outs.begin() + p.num_carry, state.begin() + p.num_consts);
    ys.insert(ys.end(), outs.begin() + p.num_carry, outs.end());
  }
  out.outvars.assign(state.begin() + p.num_consts, state.end());
  out.outvars.insert(out.outvars.end(), ys.begin(), ys.end());
  return out;
}

// Kernels that RunEquation turns into views of their operand (no memory, no kernel).
bool IsViewLike(const Equation& eqn, const Program& p) {
  if (IsComplex(p.avals[eqn.outputs[0]].dtype)) return false;  // core/complex_eval.h copies
  switch (eqn.prim) {
    case Primitive::kTranspose:
    case Primitive::kBroadcastInDim:
    case Primitive::kSlice:
    case Primitive::kStopGradient:
    case Primitive::kReshape:
    case Primitive::kBitcastConvert:
      return true;
    case Primitive::kConvert:
      return p.AvalOf(eqn.inputs[0]).dtype == eqn.params->new_dtype;
    default:
      return false;
  }
}

}  // namespace

Program InlineCalls(const Program& program) {
  Program out;
  std::vector<Atom> ins;
  for (int32_t v : program.constvars) {
    out.constvars.push_back(out.NewVar(program.avals[v]));
    ins.push_back(Atom::Var(out.constvars.back()));
  }
  for (int32_t v : program.invars) {
    out.invars.push_back(out.NewVar(program.avals[v]));
    ins.push_back(Atom::Var(out.invars.back()));
  }
  // The constants are the first inputs of the inlining.
  Program whole = program;
  whole.invars.insert(whole.invars.begin(), program.constvars.begin(), program.constvars.end());
  out.outvars = InlineInto(whole, ins, out);
  return out;
}

// One step of the plan. Operands and results are slots; a literal operand of an equation is
// its own array (`literals`, made once).
struct Executable::Step {
  // Fused group.
  std::shared_ptr<const FusedKernel> kernel;
  FusedCode code;
  // Equation.
  Primitive prim = Primitive::kAdd;
  std::shared_ptr<const Params> params;
  std::vector<ShapedArray> out_avals;
  std::vector<std::optional<Array>> literals;  // per operand: set for a literal

  std::vector<int32_t> in;    // slots read (-1 for a literal operand)
  std::vector<int32_t> out;   // slots written
  std::vector<int32_t> release;  // slots dead after this step
  bool view = false;
  // Control flow: its programs compiled for the same backend (cond: the branches; while: cond
  // and body; scan: the body).
  std::vector<std::shared_ptr<const Executable>> subs;
};

namespace {

// An atom's value as an array on backend (literals: the library's cached scalar, moved there).
Array LiteralArray(const Atom& a, Backend& backend) {
  Array x = Literal(a.value, a.dtype).array();
  if (&x.backend() != &backend) x = ValueOrThrow(TransferArray(x, backend));
  return x;
}

}  // namespace

std::shared_ptr<const Executable> Executable::Compile(const Program& source, Backend& backend) {
  if (!source.constvars.empty()) {
    ThrowInvalid("jit: a compiled program takes its constants as leading inputs");
  }
  std::shared_ptr<Executable> exe(new Executable(backend));
  {
    // Inline, write complex arithmetic on real parts (so that it fuses), then drop what the
    // outputs do not need.
    const Program inlined = LowerComplex(InlineCalls(source));
    std::vector<bool> live(inlined.avals.size(), false), keep(inlined.eqns.size(), false);
    for (const Atom& a : inlined.outvars) {
      if (!a.is_literal()) live[a.var] = true;
    }
    for (size_t e = inlined.eqns.size(); e-- > 0;) {
      const Equation& eqn = inlined.eqns[e];
      for (int32_t v : eqn.outputs) keep[e] = keep[e] || live[v];
      if (!keep[e]) continue;
      for (const Atom& a : eqn.inputs) {
        if (!a.is_literal()) live[a.var] = true;
      }
    }
    exe->program_ = *ExtractProgram(inlined, {}, inlined.invars, keep, inlined.outvars);
  }
  exe->num_args_ = exe->program_.invars.size();
  exe->FoldConstants();
  const Program& p = exe->program_;
  std::vector<int32_t> slot(p.avals.size(), -1);
  int32_t num_slots = 0;
  for (int32_t v : p.invars) slot[v] = num_slots++;
  const auto slot_of = [&](const Atom& a) { return a.is_literal() ? -1 : slot[a.var]; };

  const auto add_equation = [&](int e) {
    const Equation& eqn = p.eqns[e];
    Step step;
    step.prim = eqn.prim;
    step.params = eqn.params;
    step.view = IsViewLike(eqn, p);
    for (const Atom& a : eqn.inputs) {
      step.in.push_back(slot_of(a));
      step.literals.push_back(a.is_literal() ? std::optional<Array>(LiteralArray(a, backend))
                                             : std::nullopt);
    }
    for (int32_t v : eqn.outputs) {
      step.out_avals.push_back(p.avals[v]);
      slot[v] = num_slots++;
      step.out.push_back(slot[v]);
    }
    if (IsControlFlow(eqn.prim)) {
      const Params& params = *eqn.params;
      if (eqn.prim == Primitive::kScan) {
        step.subs.push_back(Compile(*params.program, backend));
        if (params.unroll > 1 && params.length >= params.unroll) {
          step.subs.push_back(Compile(UnrolledBody(*params.program, params), backend));
        }
      } else {
        for (const auto& sub : params.programs) step.subs.push_back(Compile(*sub, backend));
        if (eqn.prim == Primitive::kWhile && backend.LoopStepsPerRead() > 1) {
          const std::optional<Program> guarded =
              GuardedWhileStep(*params.programs[0], *params.programs[1], params.num_consts);
          if (guarded) step.subs.push_back(Compile(*guarded, backend));
        }
      }
    }
    exe->steps_.push_back(std::move(step));
  };

  for (const FusionGroup& group : PlanFusion(p, backend.JitFusion())) {
    if (!group.elementwise || group.eqns.size() < 2) {
      for (int e : group.eqns) add_equation(e);
      continue;
    }
    Step step;
    FusedCode& code = step.code;
    code.shape = group.shape;
    std::vector<int32_t> value(p.avals.size(), -1);
    for (const Atom& a : group.inputs) {
      if (a.is_literal()) continue;
      value[a.var] = static_cast<int32_t>(code.inputs.size());
      code.inputs.push_back(p.avals[a.var].dtype);
      step.in.push_back(slot[a.var]);
    }
    std::vector<int32_t> literal_value;
    for (const Atom& a : group.inputs) {
      if (!a.is_literal()) continue;
      code.literals.push_back({a.value, a.dtype});
    }
    const auto value_of = [&](const Atom& a) -> int32_t {
      if (!a.is_literal()) return value[a.var];
      for (size_t k = 0; k < code.literals.size(); ++k) {
        if (code.literals[k].value.Identical(a.value) && code.literals[k].dtype == a.dtype) {
          return static_cast<int32_t>(code.inputs.size() + k);
        }
      }
      return -1;  // unreachable: every literal operand is a group input
    };
    for (int e : group.eqns) {
      const Equation& eqn = p.eqns[e];
      FusedCode::Op op{eqn.prim, p.avals[eqn.outputs[0]].dtype, {}};
      for (const Atom& a : eqn.inputs) op.args.push_back(value_of(a));
      value[eqn.outputs[0]] = code.num_values();
      code.ops.push_back(std::move(op));
    }
    for (int32_t v : group.outputs) code.outputs.push_back(value[v]);
    code = ComputeHalvesInF32(code);
    std::unique_ptr<FusedKernel> kernel = ValueOrThrow(backend.CompileFused(code));
    if (kernel == nullptr) {  // the backend renders no groups: its own kernels, one by one
      for (int e : group.eqns) add_equation(e);
      continue;
    }
    step.kernel = std::move(kernel);
    for (int32_t v : group.outputs) {
      slot[v] = num_slots++;
      step.out.push_back(slot[v]);
    }
    exe->steps_.push_back(std::move(step));
  }

  // Liveness: the last step reading each slot; outputs live to the end.
  constexpr int kForever = std::numeric_limits<int>::max();
  std::vector<int> last(num_slots, -1);
  for (size_t s = 0; s < exe->steps_.size(); ++s) {
    for (int32_t k : exe->steps_[s].in) {
      if (k >= 0) last[k] = static_cast<int>(s);
    }
  }
  for (const Atom& a : p.outvars) {
    if (!a.is_literal()) last[slot[a.var]] = kForever;
  }
  std::vector<int64_t> bytes(num_slots, 0);
  int64_t live = 0;
  absl::flat_hash_set<const Buffer*> constant_buffers;  // resident for the plan's life
  for (const Array& c : exe->constants_) {
    if (c.buffer != nullptr && constant_buffers.insert(c.buffer.get()).second) {
      live += c.buffer->bytes();
    }
  }
  exe->peak_bytes_ = live;
  for (size_t s = 0; s < exe->steps_.size(); ++s) {
    Step& step = exe->steps_[s];
    for (size_t i = 0; i < step.out.size(); ++i) {
      const int32_t k = step.out[i];
      const ShapedArray aval = step.kernel ? ShapedArray{step.code.shape,
                                                         step.code.DTypeOf(step.code.outputs[i])}
                                           : step.out_avals[i];
      bytes[k] = step.view ? 0 : aval.bytes();
      live += bytes[k];
      if (last[k] < 0) last[k] = static_cast<int>(s);  // never read: dead at once
    }
    // A control-flow step also holds its sub-plans' values while it runs, and scan the rows
    // of its stacked outputs before they are stacked.
    int64_t transient = 0;
    for (const auto& sub : step.subs) transient = std::max(transient, sub->peak_bytes());
    if (step.prim == Primitive::kScan && !step.subs.empty()) {
      for (size_t i = step.params->num_carry; i < step.out.size(); ++i) {
        transient += bytes[step.out[i]];
      }
    }
    exe->peak_bytes_ = std::max(exe->peak_bytes_, live + transient);
    for (int32_t k : step.in) {
      if (k >= 0 && last[k] == static_cast<int>(s)) step.release.push_back(k);
    }
    for (int32_t k : step.out) {
      if (last[k] == static_cast<int>(s)) step.release.push_back(k);
    }
    std::sort(step.release.begin(), step.release.end());
    step.release.erase(std::unique(step.release.begin(), step.release.end()), step.release.end());
    for (int32_t k : step.release) live -= bytes[k];
    exe->num_fused_ += step.kernel != nullptr;
    exe->num_kernels_ += !step.view;
  }
  exe->last_step_ = std::move(last);
  exe->slot_of_output_.clear();
  for (const Atom& a : p.outvars) {
    exe->slot_of_output_.push_back(a.is_literal() ? -1 : slot[a.var]);
    exe->output_literals_.push_back(a.is_literal() ? std::optional<Array>(LiteralArray(a, backend))
                                                   : std::nullopt);
  }
  exe->num_slots_ = num_slots;
  return exe;
}

void Executable::FoldConstants() {
  const Program& p = program_;
  std::vector<std::optional<Array>> value(p.avals.size());
  std::vector<bool> fold(p.eqns.size(), false), runs(p.eqns.size(), true);
  bool any = false;
  for (size_t e = 0; e < p.eqns.size(); ++e) {
    const Equation& eqn = p.eqns[e];
    // Elementwise equations are left to fuse into their readers: folded, each would be one
    // more array of the readers' size held for the plan's life (jacfwd's basis times a
    // constant), where fused it costs nothing but a few operations per element.
    // A collective communicates on every call (and axis_index has no operands to wait for).
    if (IsFusible(eqn.prim) || IsControlFlow(eqn.prim) ||
        KindOf(eqn.prim) == PrimitiveKind::kCollective) {
      continue;
    }
    std::vector<Array> in;
    for (const Atom& a : eqn.inputs) {
      if (!a.is_literal() && !value[a.var]) break;
      in.push_back(a.is_literal() ? LiteralArray(a, backend_) : *value[a.var]);
    }
    if (in.size() != eqn.inputs.size()) continue;
    std::vector<ShapedArray> out_avals;
    for (int32_t v : eqn.outputs) out_avals.push_back(p.avals[v]);
    std::vector<Array> out(out_avals.size());
    RunEquation(backend_, eqn.prim, in, *eqn.params, out_avals, absl::MakeSpan(out));
    for (size_t i = 0; i < out.size(); ++i) value[eqn.outputs[i]] = std::move(out[i]);
    fold[e] = any = true;
    runs[e] = false;
  }
  if (!any) return;
  // The folded values read by the equations left or returned become inputs after the
  // arguments, set from constants_ on every call.
  std::vector<bool> needed(p.avals.size(), false);
  for (size_t e = 0; e < p.eqns.size(); ++e) {
    if (!runs[e]) continue;
    for (const Atom& a : p.eqns[e].inputs) {
      if (!a.is_literal()) needed[a.var] = true;
    }
  }
  for (const Atom& a : p.outvars) {
    if (!a.is_literal()) needed[a.var] = true;
  }
  std::vector<int32_t> invars = p.invars;
  for (int32_t v = 0; v < static_cast<int32_t>(p.avals.size()); ++v) {
    if (!value[v] || !needed[v]) continue;
    invars.push_back(v);
    constants_.push_back(*value[v]);
  }
  program_ = *ExtractProgram(p, {}, invars, runs, p.outvars);
}

Executable::Executable(Backend& backend) : backend_(backend) {}
Executable::~Executable() = default;

std::vector<Array> Executable::Run(std::vector<Array> args, const std::vector<bool>& donated) const {
  if (args.size() != num_args_) {
    ThrowInvalid("jit: the compiled program takes ", num_args_, " arguments, got ", args.size());
  }
  // The steps form one program for the backend (Vulkan: one submission), ended also when a
  // step throws.
  backend_.BeginProgram();
  std::vector<Array> result;
  try {
    result = Execute(std::move(args), donated);
  } catch (...) {
    (void)backend_.EndProgram();
    throw;
  }
  ThrowIfError(backend_.EndProgram());
  return result;
}

std::vector<Array> Executable::Execute(std::vector<Array> args,
                                       const std::vector<bool>& donated) const {
  std::vector<Array> slots(num_slots_);
  for (size_t i = 0; i < args.size(); ++i) slots[i] = std::move(args[i]);
  for (size_t i = 0; i < constants_.size(); ++i) slots[num_args_ + i] = constants_[i];
  // Donated slots not yet given to an output (invars are slots 0..n-1).
  absl::InlinedVector<int32_t, 4> donatable;
  for (size_t i = 0; i < donated.size() && i < args.size(); ++i) {
    if (donated[i]) donatable.push_back(static_cast<int32_t>(i));
  }
  RunSteps(slots, std::move(donatable));
  std::vector<Array> result;
  result.reserve(slot_of_output_.size());
  for (size_t i = 0; i < slot_of_output_.size(); ++i) {
    result.push_back(slot_of_output_[i] >= 0 ? slots[slot_of_output_[i]] : *output_literals_[i]);
  }
  return result;
}

void Executable::RunSteps(std::vector<Array>& slots,
                          absl::InlinedVector<int32_t, 4> donatable) const {
  absl::InlinedVector<Array, 8> in;
  absl::InlinedVector<Array, 4> out;
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    out.clear();
    out.resize(step.out.size());
    if (step.kernel != nullptr) {
      // A donated argument no later step reads, held by nobody else (but the backend's own
      // work in flight), of an output's size and dense, becomes that output's storage.
      for (size_t o = 0; o < out.size() && !donatable.empty(); ++o) {
        const ShapedArray aval{step.code.shape, step.code.DTypeOf(step.code.outputs[o])};
        for (auto it = donatable.begin(); it != donatable.end(); ++it) {
          const Array& d = slots[*it];
          if (d.buffer == nullptr || d.buffer->borrowed() || last_step_[*it] > static_cast<int>(s) ||
              d.buffer.use_count() != 1 + d.buffer->backend_references() || d.offset != 0 || !d.IsContiguous() ||
              d.aval.bytes() != aval.bytes() || d.buffer->bytes() < aval.bytes()) {
            continue;
          }
          out[o] = DenseArray(d.buffer, aval);
          donatable.erase(it);
          donations_reused_.fetch_add(1, std::memory_order_relaxed);
          break;
        }
      }
      for (int32_t k : step.in) in.push_back(slots[k]);
      ThrowIfError(step.kernel->Run(in, absl::MakeSpan(out)));
    } else {
      for (size_t i = 0; i < step.in.size(); ++i) {
        in.push_back(step.in[i] >= 0 ? slots[step.in[i]] : *step.literals[i]);
      }
      if (step.subs.empty()) {
        RunEquation(backend_, step.prim, in, *step.params, step.out_avals, absl::MakeSpan(out));
      } else {
        RunControlFlow(step, in, absl::MakeSpan(out));
      }
    }
    for (size_t i = 0; i < out.size(); ++i) slots[step.out[i]] = std::move(out[i]);
    in.clear();
    for (int32_t k : step.release) slots[k] = Array();
  }
}

namespace {

// The host value of a scalar array (cond's index, while's predicate).
template <typename T>
T HostScalar(const Array& x) {
  return Tensor(x).item<T>();
}

// Row i of x (its leading axis dropped) as a view, and x as a one-row stack of itself.
Array RowOf(const Array& x, int64_t i) {
  Array row = x;
  row.aval.shape.erase(row.aval.shape.begin());
  row.strides.erase(row.strides.begin());
  row.offset += i * x.strides[0];
  return row;
}
Array AsOneRow(const Array& x) {
  Array one = x;
  one.aval.shape.insert(one.aval.shape.begin(), 1);
  one.strides.insert(one.strides.begin(), x.aval.size());
  return one;
}

}  // namespace

void Executable::RunControlFlow(const Step& step, absl::Span<const Array> in,
                                absl::Span<Array> out) const {
  const Params& p = *step.params;
  const auto run = [](const Executable& sub, std::vector<Array> args) {
    return sub.Execute(std::move(args), {});
  };
  std::vector<Array> result;
  if (step.prim == Primitive::kCond) {
    const int64_t n = static_cast<int64_t>(step.subs.size());
    const int64_t index = std::clamp<int64_t>(HostScalar<int32_t>(in[0]), 0, n - 1);
    result = run(*step.subs[index], {in.begin() + 1, in.end()});
  } else if (step.prim == Primitive::kWhile) {
    // subs: cond, body, and the guarded step where the backend runs loops in rounds.
    const auto consts = in.subspan(0, in.size() - p.num_carry);
    const auto with = [](absl::Span<const Array> head, absl::Span<const Array> tail) {
      std::vector<Array> args(head.begin(), head.end());
      args.insert(args.end(), tail.begin(), tail.end());
      return args;
    };
    using Carry = std::vector<Array>;
    result = RunWhile<Array>(
        step.subs.size() == 3 ? backend_.LoopStepsPerRead() : 1, Carry(consts.end(), in.end()),
        [&](const Carry& c) {
          return run(*step.subs[0], with(consts.subspan(0, p.num_consts), c))[0];
        },
        [&](const Carry& c) { return run(*step.subs[1], with(consts.subspan(p.num_consts), c)); },
        [&](const Array& pred, const Carry& c) {
          Carry o = run(*step.subs[2], with(with(consts, {pred}), c));
          Array next = std::move(o[0]);
          o.erase(o.begin());
          return std::pair<Array, Carry>(std::move(next), std::move(o));
        },
        [](const Array& pred) { return HostScalar<bool>(pred); });
  } else {  // scan
    const size_t fixed = p.num_consts + p.num_carry;
    std::vector<Array> args(in.begin(), in.begin() + fixed);
    const size_t num_ys = out.size() - p.num_carry;
    std::vector<std::vector<Array>> rows(num_ys, std::vector<Array>(p.length));
    // `steps` steps at a time by sub-plan `sub` (1: the body; unroll: the unrolled body).
    const auto advance = [&](int64_t t, int64_t steps, const Executable& sub) {
      args.resize(fixed);
      for (int64_t s = 0; s < steps; ++s) {
        const int64_t i = p.reverse ? p.length - 1 - (t + s) : t + s;
        for (size_t k = fixed; k < in.size(); ++k) args.push_back(RowOf(in[k], i));
      }
      std::vector<Array> o = run(sub, args);
      std::move(o.begin(), o.begin() + p.num_carry, args.begin() + p.num_consts);
      for (int64_t s = 0; s < steps; ++s) {
        const int64_t i = p.reverse ? p.length - 1 - (t + s) : t + s;
        for (size_t k = 0; k < num_ys; ++k) {
          rows[k][i] = AsOneRow(o[p.num_carry + s * num_ys + k]);
        }
      }
    };
    int64_t t = 0;
    if (step.subs.size() == 2) {
      for (; t + p.unroll <= p.length; t += p.unroll) advance(t, p.unroll, *step.subs[1]);
    }
    for (; t < p.length; ++t) advance(t, 1, *step.subs[0]);
    result.assign(args.begin() + p.num_consts, args.begin() + fixed);
    for (size_t k = 0; k < num_ys; ++k) {
      const ShapedArray& aval = step.out_avals[p.num_carry + k];
      Array stacked;
      Params stack;
      if (p.length == 0) {  // zero rows: an empty view of a literal
        stack.shape = aval.shape;
        RunEquation(backend_, Primitive::kBroadcastInDim,
                    {LiteralArray(Atom::Literal(0, aval.dtype), backend_)}, stack, {aval},
                    absl::MakeSpan(&stacked, 1));
      } else {
        RunEquation(backend_, Primitive::kConcatenate, rows[k], stack, {aval},
                    absl::MakeSpan(&stacked, 1));
      }
      rows[k].clear();
      result.push_back(std::move(stacked));
    }
  }
  std::move(result.begin(), result.end(), out.begin());
}

std::string Executable::ToString() const {
  std::string out = absl::StrCat("backend: ", backend_.name(), "\nprogram (calls inlined):\n",
                                 PrintProgram(program_), "\nplan:\n");
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    const auto slots = [](const std::vector<int32_t>& ks) {
      std::vector<std::string> names;
      for (int32_t k : ks) names.push_back(k < 0 ? "lit" : absl::StrCat("%", k));
      return absl::StrJoin(names, " ");
    };
    if (step.kernel != nullptr) {
      absl::StrAppend(&out, "  ", slots(step.out), " = fused[", step.code.ops.size(), " ops, ",
                      ShapeToString(step.code.shape), "](", slots(step.in), ")\n");
      std::string code = step.code.ToString();
      absl::StrAppend(&out, "      ", absl::StrJoin(absl::StrSplit(code, '\n', absl::SkipEmpty()),
                                                    "\n      "), "\n");
    } else {
      absl::StrAppend(&out, "  ", slots(step.out), " = ", PrimitiveName(step.prim),
                      step.view ? " (view)" : "", "(", slots(step.in), ")\n");
    }
    if (!step.release.empty()) absl::StrAppend(&out, "      free ", slots(step.release), "\n");
  }
  absl::StrAppend(&out, "fused groups: ", num_fused_, ", kernels per call: ", num_kernels_,
                  ", constants folded: ", constants_.size(), ", peak bytes: ", peak_bytes_, "\n");
  return out;
}

// ---- CompiledCalls ----------------------------------------------------------------------------

std::string CompiledCalls::Describe() const {
  if (std::find(donated_.begin(), donated_.end(), true) == donated_.end()) return "";
  std::vector<std::string> flags;
  for (bool d : donated_) flags.push_back(d ? "True" : "False");
  return absl::StrCat("donated_invars=(", absl::StrJoin(flags, ", "), ")");
}

std::shared_ptr<const Executable> CompiledCalls::For(const Program& program,
                                                     Backend& backend) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::shared_ptr<const Executable>& exe = compiled_[&backend];
  if (exe == nullptr) {
    exe = Executable::Compile(program, backend);
    compiles_.fetch_add(1);
    GlobalJitCounters().compiles.fetch_add(1);
    if (LogCompiles()) {
      std::fprintf(stderr, "jit: compiled a program of %zu equations for %s: %d fused groups, "
                   "%d kernels per call, peak %lld bytes\n", program.eqns.size(), backend.name(),
                   exe->num_fused_groups(), exe->num_kernels(),
                   static_cast<long long>(exe->peak_bytes()));
    }
  }
  return exe;
}

std::shared_ptr<const CompiledCalls::Derived> CompiledCalls::Derive(
    const std::string& key, const std::function<Derived()>& make) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = derived_.find(key);
    if (it != derived_.end()) return it->second;
  }
  // Traced outside the lock (tracing binds the calls inside the program, which derive in turn).
  auto made = std::make_shared<const Derived>(make());
  derivations_.fetch_add(1);
  GlobalJitCounters().derivations.fetch_add(1);
  // A program closing over tracers of an enclosing transformation is valid only there.
  for (const Tensor& c : made->program.consts) {
    if (!c.is_concrete()) return made;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return derived_.emplace(key, std::move(made)).first->second;  // another thread's, if first
}

JitCounters& GlobalJitCounters() {
  static JitCounters* const counters = new JitCounters();
  return *counters;
}

namespace {
std::atomic<bool>& LogFlag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("COTANGENT_LOG_COMPILES");
    return env != nullptr && std::string(env) == "1";
  }()};
  return flag;
}
}  // namespace

bool LogCompiles() { return LogFlag().load(std::memory_order_relaxed); }
void SetLogCompiles(bool on) { LogFlag().store(on); }

}  // namespace cotangent
