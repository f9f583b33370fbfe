// File: interpreters/scan.cc
// scan's transformation rules, as JAX's: jvp is a scan of the body's jvp, with tangents
// carried for the carries that a fixpoint finds nonzero; vmap a scan of the vmapped body,
// carries batched by a fixpoint likewise; partial evaluation runs the known part of the body
// as one scan now, stacking the residuals the unknown part needs per iteration (constants and
// xs it reads are passed as they are, not stacked, and residuals of the constants alone are
// computed once, before the loop); transpose is a scan in the other
// direction over the residuals, carrying the carries' cotangents and accumulating the
// constants'.

#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/rules/helpers.h"
#include "interpreters/backward.h"
#include "interpreters/call.h"
#include "interpreters/graph.h"
#include "interpreters/program_transforms.h"
#include "interpreters/rules.h"

namespace cotangent {
namespace {

// The sections of scan's operands: constants, carries, xs.
struct Sections {
  size_t consts, carry, xs;
  explicit Sections(size_t n, const Params& p)
      : consts(p.num_consts), carry(p.num_carry), xs(n - p.num_consts - p.num_carry) {}
};

template <typename T>
void Append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::vector<size_t> Range(size_t from, size_t to) {
  std::vector<size_t> out;
  for (size_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

// Positions of the flagged entries of mask, offset by `base` and ranked among the flagged.
std::vector<size_t> Ranked(const Mask& mask, size_t from, size_t to, size_t base) {
  std::vector<size_t> out;
  size_t rank = 0;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (!mask[i]) continue;
    if (i >= from && i < to) out.push_back(base + rank);
    ++rank;
  }
  return out;
}

ShapedArray Row(ShapedArray aval) {
  aval.shape.erase(aval.shape.begin());
  return aval;
}
ShapedArray Stack(ShapedArray aval, int64_t length) {
  aval.shape.insert(aval.shape.begin(), length);
  return aval;
}

// A scan of `body` over these sections, with like's length and direction: its params and
// operands.
struct ScanOf {
  Params params;
  TensorList operands;
  ScanOf(std::shared_ptr<const Program> body, const std::vector<Tensor>& consts,
         const std::vector<Tensor>& carry, const std::vector<Tensor>& xs, const Params& like) {
    params.program = std::move(body);
    params.num_consts = static_cast<int64_t>(consts.size());
    params.num_carry = static_cast<int64_t>(carry.size());
    params.length = like.length;
    params.reverse = like.reverse;
    params.unroll = like.unroll;
    operands.assign(consts.begin(), consts.end());
    operands.insert(operands.end(), carry.begin(), carry.end());
    operands.insert(operands.end(), xs.begin(), xs.end());
  }
};

TensorList BindScan(std::shared_ptr<const Program> body, const std::vector<Tensor>& consts,
                    const std::vector<Tensor>& carry, const std::vector<Tensor>& xs,
                    const Params& like) {
  const ScanOf scan(std::move(body), consts, carry, xs, like);
  return Bind(Primitive::kScan, scan.operands, scan.params);
}

// jvp: scan over (consts, their tangents), (carry, tangents), (xs, tangents).
std::pair<TensorList, TensorList> ScanJvp(TensorSpan primals, TensorSpan tangents,
                                          const Params& p) {
  const Sections s(primals.size(), p);
  const Program& body = *p.program;
  const size_t n = primals.size(), m = body.outvars.size();
  Mask nonzero;
  for (const Tensor& t : tangents) nonzero.push_back(t.defined());
  Mask carry_nz(nonzero.begin() + s.consts, nonzero.begin() + s.consts + s.carry);
  for (size_t j = 0; j < s.carry; ++j) {
    carry_nz[j] = carry_nz[j] && IsInexact(primals[s.consts + j].dtype());
  }
  MaskedProgram jvp;
  for (;;) {
    Mask in_nz = nonzero;
    std::copy(carry_nz.begin(), carry_nz.end(), in_nz.begin() + s.consts);
    jvp = JvpProgram(body, in_nz, Cat(carry_nz, Mask(m - s.carry, false)));
    if (!Grow(carry_nz, jvp.out)) {
      nonzero = in_nz;
      break;
    }
  }
  // The jvp program's inputs are (its constants), primals, tangents of the nonzero ones; its
  // outputs primals, then tangents. Reordered into scan's sections.
  const size_t c0 = jvp.program.consts.size();
  auto ordered = ConstsAsInputs(*jvp.program.program);
  std::vector<size_t> in_order = Range(0, c0);
  const auto section = [&](size_t from, size_t to) {
    Append(in_order, Range(c0 + from, c0 + to));
    Append(in_order, Ranked(nonzero, from, to, c0 + n));
  };
  section(0, s.consts);
  section(s.consts, s.consts + s.carry);
  section(s.consts + s.carry, n);
  std::vector<size_t> out_order = Range(0, s.carry);
  Append(out_order, Ranked(jvp.out, 0, s.carry, m));
  Append(out_order, Range(s.carry, m));
  Append(out_order, Ranked(jvp.out, s.carry, m, m));
  std::vector<Tensor> consts = jvp.program.consts, carry, xs;
  const auto operands = [&](std::vector<Tensor>& to, size_t from, size_t end) {
    to.insert(to.end(), primals.begin() + from, primals.begin() + end);
    for (size_t i = from; i < end; ++i) {
      if (nonzero[i]) to.push_back(rules::Instantiate(tangents[i], primals[i].aval()));
    }
  };
  operands(consts, 0, s.consts);
  operands(carry, s.consts, s.consts + s.carry);
  operands(xs, s.consts + s.carry, n);
  const TensorList out = BindScan(Permuted(*ordered, in_order, out_order), consts, carry, xs, p);
  TensorList ys, ys_dot;
  size_t k = 0;
  for (size_t j = 0; j < s.carry; ++j) ys.push_back(out[k++]);
  for (size_t j = 0; j < s.carry; ++j) ys_dot.push_back(jvp.out[j] ? out[k++] : Tensor());
  for (size_t j = s.carry; j < m; ++j) ys.push_back(out[k++]);
  for (size_t j = s.carry; j < m; ++j) ys_dot.push_back(jvp.out[j] ? out[k++] : Tensor());
  return {std::move(ys), std::move(ys_dot)};
}

// vmap: consts and carries batched along 0, xs along 1 (their rows along 0); the carries a
// fixpoint finds batched are batched from the start.
BatchedList ScanBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  const Sections s(args.size(), p);
  const int64_t size = rules::BatchSize(args, bdims);
  const size_t m = p.program->outvars.size();
  Mask batched;
  for (int64_t bdim : bdims) batched.push_back(bdim != kNotMapped);
  Mask carry_b(batched.begin() + s.consts, batched.begin() + s.consts + s.carry);
  MaskedProgram mapped;
  for (;;) {
    std::copy(carry_b.begin(), carry_b.end(), batched.begin() + s.consts);
    mapped = BatchProgram(*p.program, size, batched, Cat(carry_b, Mask(m - s.carry, false)));
    if (!Grow(carry_b, mapped.out)) break;
  }
  std::vector<Tensor> consts = mapped.program.consts, carry, xs;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool is_xs = i >= s.consts + s.carry;
    Tensor x = args[i];
    if (bdims[i] != kNotMapped) {
      x = rules::MoveBatchAxis(x, bdims[i], is_xs ? 1 : 0);
    } else if (batched[i]) {  // an unbatched initial carry of a batched carry
      x = rules::MaterializeBatch(x, kNotMapped, size, 0);
    }
    (i < s.consts ? consts : is_xs ? xs : carry).push_back(x);
  }
  BatchedList out;
  out.values = BindScan(ConstsAsInputs(*mapped.program.program), consts, carry, xs, p);
  for (size_t j = 0; j < m; ++j) {
    out.bdims.push_back(!mapped.out[j] ? kNotMapped : j < s.carry ? 0 : 1);
  }
  return out;
}

// transpose: carries are linear; constants and xs are linear where undefined, residuals
// where defined. A reverse scan carries (the linear constants' cotangents, the carries'
// cotangents) over (the ys' cotangents, the residual xs).
TensorList ScanTranspose(TensorSpan cts, TensorSpan operands, AvalSpan avals, const Params& p) {
  const Sections s(operands.size(), p);
  const Program& body = *p.program;
  std::vector<ShapedArray> body_avals = body.InAvals();
  std::vector<Tensor> res_consts, res_xs;
  std::vector<ShapedArray> lin_const_avals, lin_x_avals;
  Mask linear;
  for (size_t i = 0; i < operands.size(); ++i) {
    const bool is_carry = i >= s.consts && i < s.consts + s.carry;
    linear.push_back(is_carry || !operands[i].defined());
    if (is_carry) continue;
    if (i < s.consts) {
      (linear[i] ? lin_const_avals.push_back(avals[i]) : res_consts.push_back(operands[i]));
    } else {
      (linear[i] ? lin_x_avals.push_back(body_avals[i]) : res_xs.push_back(operands[i]));
    }
  }
  const std::vector<ShapedArray> out_avals = body.OutAvals();
  // The transposed body's inputs: residual consts; accumulators, carry cotangents; y
  // cotangents, residual xs (rows).
  std::vector<ShapedArray> t_avals;
  for (const Tensor& r : res_consts) t_avals.push_back(r.aval());
  Append(t_avals, lin_const_avals);
  Append(t_avals, std::vector<ShapedArray>(out_avals.begin(), out_avals.end()));
  for (const Tensor& r : res_xs) t_avals.push_back(Row(r.aval()));
  const ClosedProgram transposed = TraceToProgram(
      [&](const std::vector<Tensor>& in) {
        size_t k = 0;
        std::vector<Tensor> args(operands.size());
        for (size_t i = 0; i < s.consts; ++i) {
          if (!linear[i]) args[i] = in[k++];
        }
        std::vector<Tensor> acc(in.begin() + k, in.begin() + k + lin_const_avals.size());
        k += acc.size();
        std::vector<Tensor> c(in.begin() + k, in.begin() + k + out_avals.size());
        k += c.size();
        for (size_t i = s.consts + s.carry; i < operands.size(); ++i) {
          if (!linear[i]) args[i] = in[k++];
        }
        const std::vector<Tensor> r = BackwardPass(body, {}, args, c);
        std::vector<Tensor> out;
        for (size_t i = 0, a = 0; i < s.consts; ++i) {
          if (linear[i]) out.push_back(rules::AddTangents(acc[a++], r[i]));
        }
        for (size_t i = s.consts; i < operands.size(); ++i) {
          if (linear[i]) out.push_back(rules::Instantiate(r[i], body_avals[i]));
        }
        return out;
      },
      t_avals);
  std::vector<Tensor> consts = transposed.consts, carry, xs;
  Append(consts, res_consts);
  for (const ShapedArray& aval : lin_const_avals) carry.push_back(Full(aval, 0.0));
  for (size_t j = 0; j < s.carry; ++j) carry.push_back(rules::Instantiate(cts[j], out_avals[j]));
  for (size_t j = s.carry; j < out_avals.size(); ++j) {
    xs.push_back(rules::Instantiate(cts[j], Stack(out_avals[j], p.length)));
  }
  Append(xs, res_xs);
  Params tp = p;
  tp.reverse = !p.reverse;
  const TensorList r =
      BindScan(ConstsAsInputs(*transposed.program), consts, carry, xs, tp);
  TensorList out(operands.size());
  size_t k = 0;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!linear[i]) continue;
    Tensor ct = r[k++];
    if (!operands[i].defined()) out[i] = std::move(ct);  // a defined carry has no cotangent
  }
  return out;
}

// The known half's scan, with JAX's hoisting of loop-invariant residuals: the known body is
// split again by which of its inputs vary per step (carries and xs), and what depends on its
// constants alone runs once, before the loop. A stored residual computed there (a transpose
// or a function of a weight, say) is then one value, not one row per step. Returns the known
// outputs, then the stored residuals, each stacked unless flagged in `invariant`.
struct KnownScan {
  TensorList out;
  Mask invariant;
};
KnownScan RunKnown(const ClosedProgram& known, const std::vector<Tensor>& consts,
                   const std::vector<Tensor>& carry, const std::vector<Tensor>& xs,
                   size_t n_known_out, const Params& p) {
  const std::shared_ptr<const Program> body = ConstsAsInputs(*known.program);
  const size_t nc = consts.size(), nin = nc + carry.size() + xs.size();
  Mask varies(nin, true), per_step(body->outvars.size(), false);
  std::fill(varies.begin(), varies.begin() + nc, false);
  std::fill(per_step.begin(), per_step.begin() + n_known_out, true);
  const PartialProgram split = PartialEvalProgram(*body, varies, per_step, Mask(nin, true));
  Mask invariant;
  for (size_t j = n_known_out; j < split.out.size(); ++j) invariant.push_back(!split.out[j]);
  if (std::find(invariant.begin(), invariant.end(), true) == invariant.end()) {
    return {BindScan(body, consts, carry, xs, p), std::move(invariant)};
  }
  // `once`: the invariant residuals, then the residuals of the split the loop reads.
  const std::vector<Tensor> once = split.known(consts);
  std::vector<Tensor> loop_consts;
  size_t next = std::count(invariant.begin(), invariant.end(), true);
  for (int64_t f : split.forwarded) loop_consts.push_back(f >= 0 ? consts[f] : once[next++]);
  const TensorList loop = BindScan(split.unknown, loop_consts, carry, xs, p);
  return {Merge(split.out, once, loop), std::move(invariant)};
}

// Partial evaluation: a known scan now (known carries and ys, stacked residuals), an unknown
// scan recorded over the residuals and the unknown operands.
TensorList ScanPartialEval(Interpreter& interpreter, TensorSpan inputs, const Params& p,
                           AvalSpan out_avals) {
  const Sections s(inputs.size(), p);
  const size_t n = inputs.size(), m = out_avals.size();
  auto [unknown, known] = SplitKnown(inputs);
  Mask forwardable(n, true);
  std::fill(forwardable.begin() + s.consts, forwardable.begin() + s.consts + s.carry, false);
  Mask carry_uk(unknown.begin() + s.consts, unknown.begin() + s.consts + s.carry);
  PartialProgram part;
  for (;;) {
    std::copy(carry_uk.begin(), carry_uk.end(), unknown.begin() + s.consts);
    part = PartialEvalProgram(*p.program, unknown, Cat(carry_uk, Mask(m - s.carry, false)),
                              forwardable);
    if (!Grow(carry_uk, part.out)) break;
  }
  // Known scan: known consts, carries and xs; its ys are the known ys, then the stored
  // residuals.
  std::vector<Tensor> k_consts = part.known.consts, k_carry, k_xs;
  for (size_t i = 0; i < n; ++i) {
    if (unknown[i]) continue;
    (i < s.consts ? k_consts : i < s.consts + s.carry ? k_carry : k_xs).push_back(known[i]);
  }
  const size_t n_known_out = m - std::count(part.out.begin(), part.out.end(), true);
  const auto [k_out, invariant] = RunKnown(part.known, k_consts, k_carry, k_xs, n_known_out, p);
  // Unknown scan: consts = forwarded constants, hoisted residuals, unknown consts; carry =
  // unknown carries; xs = stacked residuals, forwarded xs, unknown xs. The unknown program's
  // inputs are the residuals, then the unknown inputs in order.
  const size_t nres = part.forwarded.size();
  std::vector<size_t> res_const, res_stored, res_xs;
  for (size_t r = 0; r < nres; ++r) {
    const int64_t f = part.forwarded[r];
    (f < 0 ? res_stored : static_cast<size_t>(f) < s.consts ? res_const : res_xs).push_back(r);
  }
  std::vector<size_t> in_order = res_const;
  std::vector<Tensor> u_consts, u_carry, u_xs;
  for (size_t r : res_const) u_consts.push_back(known[part.forwarded[r]]);
  // The stored residuals, invariant ones (constants) or stacked ones (xs).
  const auto stored = [&](bool hoisted, std::vector<Tensor>& operands) {
    for (size_t i = 0; i < res_stored.size(); ++i) {
      if (invariant[i] != hoisted) continue;
      in_order.push_back(res_stored[i]);
      operands.push_back(k_out[n_known_out + i]);
    }
  };
  stored(true, u_consts);
  // The unknown inputs in [from, to) (in the unknown program: after the residuals).
  const auto unknown_inputs = [&](size_t from, size_t to, std::vector<Tensor>& operands) {
    for (size_t i = 0, rank = nres; i < n; ++i) {
      if (!unknown[i]) continue;
      if (i >= from && i < to) {
        in_order.push_back(rank);
        operands.push_back(inputs[i]);
      }
      ++rank;
    }
  };
  unknown_inputs(0, s.consts, u_consts);
  unknown_inputs(s.consts, s.consts + s.carry, u_carry);
  stored(false, u_xs);
  for (size_t r : res_xs) {
    in_order.push_back(r);
    u_xs.push_back(known[part.forwarded[r]]);
  }
  unknown_inputs(s.consts + s.carry, n, u_xs);
  const ScanOf u(Permuted(*part.unknown, in_order, Range(0, part.unknown->outvars.size())),
                 u_consts, u_carry, u_xs, p);
  return Merge(part.out, k_out,
               RecordUnknown(interpreter, Primitive::kScan, u.params, u.operands, out_avals,
                             part.out));
}

}  // namespace

void RegisterScanRules(RuleTable& table) {
  PrimitiveRules& scan = table[Primitive::kScan];
  scan.jvp = ScanJvp;
  scan.transpose = ScanTranspose;
  scan.batch = ScanBatch;
  scan.partial_eval = ScanPartialEval;
}

}  // namespace cotangent
