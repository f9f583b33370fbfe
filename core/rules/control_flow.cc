// File: core/rules/control_flow.cc
// cond, while, scan and custom_linear_solve: the part of their rules core owns. Abstract evaluation
// checks the operands against the programs and the programs against each other (the branches'
// outputs agree, a loop body returns its carry's types); evaluation runs the programs at the
// current level, one iteration at a time, reading the predicate or index on the host. Their jvp,
// transpose, batch and partial-eval rules transform the programs with the interpreters
// (interpreters/control_flow.cc, interpreters/linear_solve.cc); jit runs the loops as loops of
// compiled bodies (core/executable.cc) and inlines custom_linear_solve's solve.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/backend.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "core/program.h"
#include "core/rules.h"

namespace cotangent {
namespace {

// Throws "<op>: <what> takes f32[2] f32[] but is given f32[2] f32[3]" unless program's inputs
// are exactly `in`.
void CheckInputs(const char* op, const char* what, const Program& program, AvalSpan in) {
  if (!program.constvars.empty()) {
    ThrowInvalid(op, ": ", what, " has constants; pass them as operands");
  }
  bool ok = program.invars.size() == in.size();
  for (size_t i = 0; ok && i < in.size(); ++i) ok = program.avals[program.invars[i]] == in[i];
  if (ok) return;
  ThrowInvalid(op, ": ", what, " takes ", AvalsToString(program.InAvals()), " but is given ",
               AvalsToString(in));
}

// Throws "<op>: <what> output k has type f32[3] but <other> has f32[2]" unless a == b.
void CheckSameTypes(const char* op, const std::string& what, const std::vector<ShapedArray>& a,
                    const std::string& other, absl::Span<const ShapedArray> b) {
  if (a.size() != b.size()) {
    ThrowInvalid(op, ": ", what, " has ", a.size(), " outputs but ", other, " has ", b.size());
  }
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k] != b[k]) {
      ThrowInvalid(op, ": ", what, " output ", k, " has type ", a[k].ToString(), " but ", other,
                   " has type ", b[k].ToString());
    }
  }
}

const Program& Sub(const char* op, const std::shared_ptr<const Program>& p) {
  if (p == nullptr) ThrowInvalid(op, ": no program");
  return *p;
}

// ---- cond ---------------------------------------------------------------------------------

AvalList CondAbstractEval(AvalSpan in, const Params& p) {
  if (p.programs.empty()) ThrowInvalid("cond: no branches");
  if (in.empty() || in[0] != ShapedArray{{}, DType::kI32}) {
    ThrowInvalid("cond: the index must be an i32 scalar, got ",
                 in.empty() ? std::string("nothing") : in[0].ToString());
  }
  const std::vector<ShapedArray> out = Sub("cond", p.programs[0]).OutAvals();
  for (size_t b = 0; b < p.programs.size(); ++b) {
    const Program& branch = Sub("cond", p.programs[b]);
    CheckInputs("cond", "a branch", branch, in.subspan(1));
    CheckSameTypes("cond", absl::StrCat("branch ", b), branch.OutAvals(), "branch 0", out);
  }
  return AvalList(out.begin(), out.end());
}

// The index clamped into [0, branches), as lax.switch does.
int64_t BranchIndex(const Tensor& index, size_t branches) {
  const int64_t i = index.item<int32_t>();
  return std::clamp<int64_t>(i, 0, static_cast<int64_t>(branches) - 1);
}

TensorList CondImpl(TensorSpan in, const Params& p) {
  const Program& branch = *p.programs[BranchIndex(in[0], p.programs.size())];
  const std::vector<Tensor> out = EvalProgram(branch, {}, in.subspan(1), "cond");
  return TensorList(out.begin(), out.end());
}

// ---- while --------------------------------------------------------------------------------

// The operands' split: cond's constants, body's constants, the carry.
struct WhileOperands {
  size_t cond_consts, body_consts, carry;
};
WhileOperands SplitWhile(size_t n, const Params& p) {
  if (p.programs.size() != 2) ThrowInvalid("while: expected a cond and a body program");
  if (p.num_consts < 0 || p.num_carry < 0 ||
      static_cast<size_t>(p.num_consts + p.num_carry) > n) {
    ThrowInvalid("while: ", p.num_consts, " constants and ", p.num_carry, " carries among ", n,
                 " operands");
  }
  return {static_cast<size_t>(p.num_consts), n - p.num_consts - p.num_carry,
          static_cast<size_t>(p.num_carry)};
}

template <typename T>
std::vector<T> Concat(absl::Span<const T> a, absl::Span<const T> b) {
  std::vector<T> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

AvalList WhileAbstractEval(AvalSpan in, const Params& p) {
  const WhileOperands n = SplitWhile(in.size(), p);
  const AvalSpan carry = in.subspan(n.cond_consts + n.body_consts);
  const Program& cond = Sub("while", p.programs[0]);
  const Program& body = Sub("while", p.programs[1]);
  CheckInputs("while", "cond_fun", cond, Concat(in.subspan(0, n.cond_consts), carry));
  CheckInputs("while", "body_fun", body, Concat(in.subspan(n.cond_consts, n.body_consts), carry));
  const std::vector<ShapedArray> pred = cond.OutAvals();
  if (pred.size() != 1 || pred[0] != ShapedArray{{}, DType::kBool}) {
    ThrowInvalid("while: cond_fun must return a bool scalar, got ", AvalsToString(pred));
  }
  CheckSameTypes("while", "body_fun", body.OutAvals(), "the carry", carry);
  return AvalList(carry.begin(), carry.end());
}

// The loop as RunWhile runs it on the carry's backend (in rounds of guarded steps where that
// backend's reads wait for the device).
TensorList WhileImpl(TensorSpan in, const Params& p) {
  const WhileOperands n = SplitWhile(in.size(), p);
  const TensorSpan consts = in.subspan(0, n.cond_consts + n.body_consts);
  const auto with = [](TensorSpan head, TensorSpan tail) {
    std::vector<Tensor> args(head.begin(), head.end());
    args.insert(args.end(), tail.begin(), tail.end());
    return args;
  };
  const Program& cond = *p.programs[0];
  const Program& body = *p.programs[1];
  const int per_read = n.carry > 0 ? in.back().array().backend().LoopStepsPerRead() : 1;
  const std::optional<Program> guarded =
      per_read > 1 ? GuardedWhileStep(cond, body, n.cond_consts) : std::nullopt;
  using Carry = std::vector<Tensor>;
  const Carry out = RunWhile<Tensor>(
      guarded ? per_read : 1, Carry(consts.end(), in.end()),
      [&](const Carry& c) {
        return EvalProgram(cond, {}, with(consts.subspan(0, n.cond_consts), c), "while")[0];
      },
      [&](const Carry& c) {
        return EvalProgram(body, {}, with(consts.subspan(n.cond_consts), c), "while");
      },
      [&](const Tensor& pred, const Carry& c) {
        Carry o = EvalProgram(*guarded, {}, with(with(consts, {pred}), c), "while");
        Tensor next = std::move(o[0]);
        o.erase(o.begin());
        return std::pair<Tensor, Carry>(std::move(next), std::move(o));
      },
      [](const Tensor& pred) { return pred.item<bool>(); });
  return TensorList(out.begin(), out.end());
}

// ---- scan ---------------------------------------------------------------------------------

// aval with a leading axis of `length` added (stacked) or removed (a slice).
ShapedArray Stacked(const ShapedArray& aval, int64_t length) {
  ShapedArray out = aval;
  out.shape.insert(out.shape.begin(), length);
  return out;
}
ShapedArray Unstacked(const ShapedArray& aval) {
  ShapedArray out = aval;
  out.shape.erase(out.shape.begin());
  return out;
}

AvalList ScanAbstractEval(AvalSpan in, const Params& p) {
  const Program& body = Sub("scan", p.program);
  if (p.unroll < 1) ThrowInvalid("scan: unroll must be at least 1, got ", p.unroll);
  if (p.num_consts < 0 || p.num_carry < 0 || p.length < 0 ||
      static_cast<size_t>(p.num_consts + p.num_carry) > in.size()) {
    ThrowInvalid("scan: ", p.num_consts, " constants and ", p.num_carry, " carries among ",
                 in.size(), " operands, length ", p.length);
  }
  std::vector<ShapedArray> body_in(in.begin(), in.begin() + p.num_consts + p.num_carry);
  for (size_t i = body_in.size(); i < in.size(); ++i) {
    if (in[i].shape.empty() || in[i].shape[0] != p.length) {
      ThrowInvalid("scan: xs ", i - body_in.size(), " has type ", in[i].ToString(),
                   "; every xs needs a leading axis of the length, ", p.length);
    }
    body_in.push_back(Unstacked(in[i]));
  }
  CheckInputs("scan", "the body", body, body_in);
  const std::vector<ShapedArray> out = body.OutAvals();
  if (out.size() < static_cast<size_t>(p.num_carry)) {
    ThrowInvalid("scan: the body returns ", out.size(), " values, fewer than its ", p.num_carry,
                 " carries");
  }
  CheckSameTypes("scan", "the body's carry", {out.begin(), out.begin() + p.num_carry},
                 "the initial carry", in.subspan(p.num_consts, p.num_carry));
  AvalList result(out.begin(), out.begin() + p.num_carry);
  for (size_t k = p.num_carry; k < out.size(); ++k) result.push_back(Stacked(out[k], p.length));
  return result;
}

// xs[i] without its leading axis: a view.
Tensor Row(const Tensor& xs, int64_t i) {
  std::vector<int64_t> start(xs.ndim(), 0), limit(xs.shape().begin(), xs.shape().end());
  start[0] = i;
  limit[0] = i + 1;
  return lax::reshape(lax::slice(xs, start, limit), Unstacked(xs.aval()).shape);
}

// rows[i] stacked along a new leading axis (one copy).
Tensor Stack(const std::vector<Tensor>& rows, const ShapedArray& row_aval) {
  if (rows.empty()) return Full(Stacked(row_aval, 0), 0.0);
  std::vector<Tensor> one;
  for (const Tensor& r : rows) one.push_back(lax::reshape(r, Stacked(row_aval, 1).shape));
  return lax::concatenate(one, 0);
}

TensorList ScanImpl(TensorSpan in, const Params& p) {
  const size_t fixed = p.num_consts + p.num_carry;
  const Program& body = *p.program;
  std::vector<Tensor> args(in.begin(), in.begin() + fixed);
  const std::vector<ShapedArray> out_avals = body.OutAvals();
  std::vector<std::vector<Tensor>> ys(out_avals.size() - p.num_carry,
                                      std::vector<Tensor>(p.length));
  for (int64_t step = 0; step < p.length; ++step) {
    const int64_t i = p.reverse ? p.length - 1 - step : step;
    args.resize(fixed);
    for (size_t k = fixed; k < in.size(); ++k) args.push_back(Row(in[k], i));
    std::vector<Tensor> out = EvalProgram(body, {}, args, "scan");
    std::move(out.begin(), out.begin() + p.num_carry, args.begin() + p.num_consts);
    for (size_t k = 0; k < ys.size(); ++k) ys[k][i] = std::move(out[p.num_carry + k]);
  }
  TensorList result(args.begin() + p.num_consts, args.begin() + fixed);
  for (size_t k = 0; k < ys.size(); ++k) {
    result.push_back(Stack(ys[k], out_avals[p.num_carry + k]));
  }
  return result;
}

// ---- custom_linear_solve ------------------------------------------------------------------

// Program k of a custom_linear_solve: its constants, then b's types.
std::vector<ShapedArray> SolveInputs(AvalSpan in, const LinearSolveOperands& n, size_t k) {
  return Concat(in.subspan(n.offsets[k], n.offsets[k + 1] - n.offsets[k]),
                in.subspan(n.offsets.back()));
}

AvalList LinearSolveAbstractEval(AvalSpan in, const Params& p) {
  constexpr const char* kOp = "custom_linear_solve";
  const LinearSolveOperands n = SplitLinearSolve(in.size(), p);
  const AvalSpan b = in.subspan(n.offsets.back());
  static constexpr const char* kNames[] = {"matvec", "solve", "vecmat", "transpose_solve"};
  for (size_t k = 0; k < p.programs.size(); ++k) {
    CheckInputs(kOp, kNames[k], *p.programs[k], SolveInputs(in, n, k));
    std::vector<ShapedArray> out = p.programs[k]->OutAvals();
    if (k % 2 == 1) out.resize(std::min(out.size(), b.size()));  // a solve's aux follows x
    CheckSameTypes(kOp, kNames[k], out, "b", b);
  }
  if (p.programs.size() == 4) {
    CheckSameTypes(kOp, "transpose_solve", p.programs[3]->OutAvals(), "solve",
                   p.programs[1]->OutAvals());
  }
  const std::vector<ShapedArray> out = p.programs[1]->OutAvals();
  return AvalList(out.begin(), out.end());
}

// x = solve(b): the solve program on its constants and b.
TensorList LinearSolveImpl(TensorSpan in, const Params& p) {
  const LinearSolveOperands n = SplitLinearSolve(in.size(), p);
  const std::vector<Tensor> args =
      Concat(in.subspan(n.offsets[1], n.offsets[2] - n.offsets[1]), in.subspan(n.offsets.back()));
  const std::vector<Tensor> out = EvalProgram(*p.programs[1], {}, args, "custom_linear_solve");
  return TensorList(out.begin(), out.end());
}

}  // namespace

LinearSolveOperands SplitLinearSolve(size_t num_operands, const Params& p) {
  if (p.programs.size() != 2 && p.programs.size() != 4) {
    ThrowInvalid(
        "custom_linear_solve: expected the programs {matvec, solve} or {matvec, solve, "
        "vecmat, transpose_solve}, got ",
        p.programs.size());
  }
  LinearSolveOperands n;
  n.num_b = Sub("custom_linear_solve", p.programs[0]).outvars.size();
  n.offsets.push_back(0);
  for (const auto& program : p.programs) {
    const size_t inputs = Sub("custom_linear_solve", program).invars.size();
    if (inputs < n.num_b) {
      ThrowInvalid("custom_linear_solve: a program takes ", inputs, " inputs, fewer than b's ",
                   n.num_b);
    }
    n.offsets.push_back(n.offsets.back() + inputs - n.num_b);
  }
  if (n.offsets.back() + n.num_b != num_operands) {
    ThrowInvalid("custom_linear_solve: the programs take ", n.offsets.back(), " constants and b ",
                 n.num_b, " values, but there are ", num_operands, " operands");
  }
  return n;
}

void RegisterControlFlowRules(RuleTable& table) {
  table[Primitive::kCond].abstract_eval = CondAbstractEval;
  table[Primitive::kCond].impl = CondImpl;
  table[Primitive::kWhile].abstract_eval = WhileAbstractEval;
  table[Primitive::kWhile].impl = WhileImpl;
  table[Primitive::kScan].abstract_eval = ScanAbstractEval;
  table[Primitive::kScan].impl = ScanImpl;
  table[Primitive::kLinearSolve].abstract_eval = LinearSolveAbstractEval;
  table[Primitive::kLinearSolve].impl = LinearSolveImpl;
}

}  // namespace cotangent
