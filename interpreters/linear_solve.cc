// File: interpreters/linear_solve.cc
// custom_linear_solve (JAX's lax.custom_linear_solve): matvec, its transpose and the two
// solves traced into programs, and the primitive's transformation rules as JAX defines them:
//   jvp        A x = b gives A x' = b' - A' x: x' is the same solve applied to b' - A' x, where
//              A' x is matvec's jvp along its constants' tangents, at x;
//   transpose  linear in b: b's cotangent is the solve of the transposed system (vecmat for
//              matvec and transpose_solve for solve, and the other way round);
//   vmap       the four programs batched alike, which of x and b are batched found as a
//              fixpoint over them.
// Partial evaluation needs no rule of its own: the solve of a tangent is recorded whole, its
// constants known. jit inlines the solve (core/program.cc).

#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules/helpers.h"
#include "interpreters/backward.h"
#include "interpreters/call.h"
#include "interpreters/control_flow.h"
#include "interpreters/graph.h"
#include "interpreters/program_transforms.h"
#include "interpreters/rules.h"

namespace cotangent {

namespace {

constexpr const char* kOp = "custom_linear_solve";

TensorList BindSolve(const std::vector<ClosedProgram>& programs, const std::vector<Tensor>& b) {
  Params p;
  TensorList in;
  for (const ClosedProgram& program : programs) {
    p.programs.push_back(ConstsAsInputs(*program.program));
    in.insert(in.end(), program.consts.begin(), program.consts.end());
  }
  in.insert(in.end(), b.begin(), b.end());
  return Bind(Primitive::kLinearSolve, in, p);
}

}  // namespace

std::vector<Tensor> LinearSolveFlat(const FlatFn& matvec, const std::vector<Tensor>& b,
                                    const SolveFn& solve, const SolveFn& transpose_solve,
                                    bool symmetric) {
  CheckLiveTracers(kOp, b);
  std::vector<ShapedArray> avals;
  for (const Tensor& x : b) avals.push_back(x.aval());
  std::vector<ClosedProgram> programs{TraceToProgram(matvec, avals, kOp)};
  programs.push_back(TraceToProgram([&](const auto& x) { return solve(matvec, x); }, avals, kOp));
  if (transpose_solve || symmetric) {
    // vecmat: matvec's transpose (its backward pass, every input linear), unless symmetric.
    const FlatFn transposed = [&](const std::vector<Tensor>& ct) {
      const std::vector<Tensor> r =
          BackwardPass(*programs[0].program, programs[0].consts, std::vector<Tensor>(b.size()), ct);
      std::vector<Tensor> out;
      for (size_t i = 0; i < r.size(); ++i) out.push_back(rules::Instantiate(r[i], avals[i]));
      return out;
    };
    programs.push_back(symmetric ? programs[0] : TraceToProgram(transposed, avals, kOp));
    const FlatFn vecmat = [&](const std::vector<Tensor>& x) { return programs[2](x); };
    const SolveFn& t_solve = transpose_solve ? transpose_solve : solve;
    programs.push_back(
        TraceToProgram([&](const auto& x) { return t_solve(vecmat, x); }, avals, kOp));
  }
  const TensorList out = BindSolve(programs, b);
  return std::vector<Tensor>(out.begin(), out.end());
}

namespace {

// x' = solve(b' - A' x), A' x being matvec's jvp along its constants' tangents at x; the aux
// outputs have zero tangents.
std::pair<TensorList, TensorList> LinearSolveJvp(TensorSpan primals, TensorSpan tangents,
                                                 const Params& p) {
  const LinearSolveOperands n = SplitLinearSolve(primals.size(), p);
  const size_t b0 = n.offsets.back();
  const TensorList x = Bind(Primitive::kLinearSolve, primals, p);
  std::vector<Tensor> rhs(tangents.begin() + b0, tangents.end());
  bool moves = false;
  for (size_t i = 0; i < n.offsets[1]; ++i) moves = moves || tangents[i].defined();
  if (moves) {
    std::vector<Tensor> at(primals.begin(), primals.begin() + n.offsets[1]);
    std::vector<Tensor> along(tangents.begin(), tangents.begin() + n.offsets[1]);
    at.insert(at.end(), x.begin(), x.begin() + n.num_b);
    along.resize(at.size());
    const Program& matvec = *p.programs[0];
    const FlatFn f = [&](const std::vector<Tensor>& xs) {
      return EvalProgram(matvec, {}, xs, kOp);
    };
    const std::vector<Tensor> a_dot_x = JvpFlat(kOp, f, at, along).second;
    for (size_t i = 0; i < n.num_b; ++i) {
      rhs[i] = rhs[i].defined() ? lax::sub(rhs[i], a_dot_x[i]) : lax::neg(a_dot_x[i]);
    }
  }
  TensorList x_dot(x.size());
  bool any = false;
  for (const Tensor& r : rhs) any = any || r.defined();
  if (!any) return {x, std::move(x_dot)};
  TensorList in(primals.begin(), primals.begin() + b0);
  for (size_t i = 0; i < n.num_b; ++i) in.push_back(rules::Instantiate(rhs[i], x[i].aval()));
  const TensorList solved = Bind(Primitive::kLinearSolve, in, p);
  std::copy(solved.begin(), solved.begin() + n.num_b, x_dot.begin());
  return {x, std::move(x_dot)};
}

// b's cotangent: the transposed system's solve of x's cotangent. The constants must be known
// (it is linear in b only), and the aux outputs get no cotangent.
TensorList LinearSolveTranspose(TensorSpan cts, TensorSpan operands, AvalSpan avals,
                                const Params& p) {
  const LinearSolveOperands n = SplitLinearSolve(operands.size(), p);
  const size_t b0 = n.offsets.back();
  if (p.programs.size() != 4) {
    ThrowInvalid(kOp, ": reverse-mode differentiation needs transpose_solve (or symmetric); b ",
                 avals[b0].ToString());
  }
  for (size_t i = 0; i < b0; ++i) {
    if (!operands[i].defined()) {
      ThrowInvalid(kOp, ": it is linear in b only; cannot transpose it with respect to constant ",
                   i, " of its programs, ", avals[i].ToString());
    }
  }
  Params t;
  TensorList in;
  for (size_t k : {2, 3, 0, 1}) {
    t.programs.push_back(p.programs[k]);
    in.insert(in.end(), operands.begin() + n.offsets[k], operands.begin() + n.offsets[k + 1]);
  }
  for (size_t i = 0; i < n.num_b; ++i) in.push_back(rules::Instantiate(cts[i], avals[b0 + i]));
  const TensorList r = Bind(Primitive::kLinearSolve, in, t);
  TensorList out(operands.size());
  std::copy(r.begin(), r.begin() + n.num_b, out.begin() + b0);
  return out;
}

// vmap: JAX's fixpoint. x's batched parts come from solve (and vecmat), b's from matvec (and
// transpose_solve); every program is batched with the flags of the values it reads.
BatchedList LinearSolveBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  const LinearSolveOperands n = SplitLinearSolve(args.size(), p);
  const size_t b0 = n.offsets.back(), num = p.programs.size();
  const int64_t size = rules::BatchSize(args, bdims);
  Mask in_bat;
  for (int64_t d : bdims) in_bat.push_back(d != kNotMapped);
  const auto consts_bat = [&](size_t k) {
    return Mask(in_bat.begin() + n.offsets[k], in_bat.begin() + n.offsets[k + 1]);
  };
  const Mask b_orig(in_bat.begin() + b0, in_bat.end());
  Mask b_bat = b_orig, x_bat(p.programs[1]->outvars.size(), false);
  std::vector<MaskedProgram> batched(num);
  for (size_t round = 0;; ++round) {
    if (round > 1 + b_bat.size() + x_bat.size()) ThrowInvalid(kOp, ": vmap found no fixpoint");
    const auto batch = [&](size_t k, const Mask& in, const Mask& force) {
      batched[k] = BatchProgram(*p.programs[k], size, Cat(consts_bat(k), in), force);
      return batched[k].out;
    };
    Mask x_out = batch(1, b_bat, x_bat);
    if (num == 4) {
      Mask from_vecmat = batch(2, b_bat, b_bat);
      from_vecmat.resize(x_out.size(), true);  // aux: batched
      Grow(x_out, from_vecmat);
    }
    const Mask x_noaux(x_out.begin(), x_out.begin() + n.num_b);
    Mask b_out = batch(0, x_noaux, b_bat);
    if (num == 4) {
      Grow(b_out, batch(3, x_noaux, x_out));  // x's batching, aux ignored
    }
    Grow(b_out, b_orig);
    if (x_out == x_bat && b_out == b_bat) break;
    x_bat = std::move(x_out);
    b_bat = std::move(b_out);
  }
  Params bp;
  TensorList in;
  for (size_t k = 0; k < num; ++k) {
    const ClosedProgram& program = batched[k].program;
    bp.programs.push_back(ConstsAsInputs(*program.program));
    in.insert(in.end(), program.consts.begin(), program.consts.end());
    for (size_t i = n.offsets[k]; i < n.offsets[k + 1]; ++i) {
      in.push_back(in_bat[i] ? rules::MoveBatchAxis(args[i], bdims[i], 0) : args[i]);
    }
  }
  for (size_t i = 0; i < n.num_b; ++i) {
    const Tensor& x = args[b0 + i];
    in.push_back(b_bat[i] ? rules::MaterializeBatch(x, bdims[b0 + i], size, 0) : x);
  }
  BatchedList out;
  out.values = Bind(Primitive::kLinearSolve, in, bp);
  for (bool batched_out : batched[1].out) out.bdims.push_back(batched_out ? 0 : kNotMapped);
  return out;
}

}  // namespace

void RegisterLinearSolveRules(RuleTable& table) {
  PrimitiveRules& solve = table[Primitive::kLinearSolve];
  solve.jvp = LinearSolveJvp;
  solve.transpose = LinearSolveTranspose;
  solve.batch = LinearSolveBatch;
}

}  // namespace cotangent
