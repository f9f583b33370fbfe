// File: interpreters/while_loop.cc
// while's transformation rules, as JAX's: jvp is a while over the body's jvp (tangents
// carried for the carries a fixpoint finds nonzero; the cond ignores them); vmap with an
// unbatched predicate is a while of the vmapped programs, and with a batched one runs until
// every lane is done, each lane's carry kept once its predicate is false; partial evaluation
// runs the known carries' loop now and records the whole loop for the unknown ones (nothing
// per iteration can be stored: the trip count is dynamic). So reverse mode is an error, as in
// JAX: the loop has no transpose.

#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules/helpers.h"
#include "interpreters/call.h"
#include "interpreters/graph.h"
#include "interpreters/program_transforms.h"
#include "interpreters/rules.h"

namespace cotangent {
namespace {

// The sections of while's operands: cond's constants, body's constants, carries.
struct Sections {
  size_t cond, body, carry;
  explicit Sections(size_t n, const Params& p)
      : cond(p.num_consts), body(n - p.num_consts - p.num_carry), carry(p.num_carry) {}
};

TensorList BindWhile(const ClosedProgram& cond, const std::vector<Tensor>& cond_consts,
                     const ClosedProgram& body, const std::vector<Tensor>& body_consts,
                     const std::vector<Tensor>& carry) {
  Params p;
  p.programs = {ConstsAsInputs(*cond.program), ConstsAsInputs(*body.program)};
  p.num_consts = static_cast<int64_t>(cond.consts.size() + cond_consts.size());
  p.num_carry = static_cast<int64_t>(carry.size());
  TensorList in(cond.consts.begin(), cond.consts.end());
  in.insert(in.end(), cond_consts.begin(), cond_consts.end());
  in.insert(in.end(), body.consts.begin(), body.consts.end());
  in.insert(in.end(), body_consts.begin(), body_consts.end());
  in.insert(in.end(), carry.begin(), carry.end());
  return Bind(Primitive::kWhile, in, p);
}

// A program without constants as a closed one.
ClosedProgram Closed(std::shared_ptr<const Program> program) { return {std::move(program), {}}; }

// jvp: a while over (carry, nonzero carry tangents) with the body's jvp.
std::pair<TensorList, TensorList> WhileJvp(TensorSpan primals, TensorSpan tangents,
                                           const Params& p) {
  const Sections s(primals.size(), p);
  const Program& body = *p.programs[1];
  const size_t nb = s.body + s.carry;  // the body's inputs: its constants, the carries
  Mask nonzero;
  for (size_t i = s.cond; i < primals.size(); ++i) {
    nonzero.push_back(tangents[i].defined() && IsInexact(primals[i].dtype()));
  }
  Mask carry_nz(nonzero.begin() + s.body, nonzero.end());
  MaskedProgram jvp;
  for (;;) {
    std::copy(carry_nz.begin(), carry_nz.end(), nonzero.begin() + s.body);
    jvp = JvpProgram(body, nonzero, carry_nz);
    if (!Grow(carry_nz, jvp.out)) break;
  }
  // jvp's inputs: body consts, carries, tangents of the nonzero consts, of the nonzero
  // carries; reordered to (consts, const tangents), (carries, carry tangents).
  const size_t c0 = jvp.program.consts.size();
  const size_t nz_consts = std::count(nonzero.begin(), nonzero.begin() + s.body, true);
  const size_t nz_carry = std::count(carry_nz.begin(), carry_nz.end(), true);
  std::vector<size_t> in_order;
  for (size_t i = 0; i < c0 + s.body; ++i) in_order.push_back(i);
  for (size_t k = 0; k < nz_consts; ++k) in_order.push_back(c0 + nb + k);
  for (size_t i = 0; i < s.carry; ++i) in_order.push_back(c0 + s.body + i);
  for (size_t k = 0; k < nz_carry; ++k) in_order.push_back(c0 + nb + nz_consts + k);
  std::vector<size_t> out_order;
  for (size_t j = 0; j < s.carry + nz_carry; ++j) out_order.push_back(j);
  const ClosedProgram jvp_body{
      Permuted(*ConstsAsInputs(*jvp.program.program), in_order, out_order), jvp.program.consts};
  std::vector<ShapedArray> tangent_avals;
  std::vector<Tensor> body_consts(primals.begin() + s.cond, primals.begin() + s.cond + s.body);
  std::vector<Tensor> carry(primals.end() - s.carry, primals.end());
  for (size_t i = 0; i < s.body; ++i) {
    if (nonzero[i]) body_consts.push_back(tangents[s.cond + i]);
  }
  for (size_t j = 0; j < s.carry; ++j) {
    if (!carry_nz[j]) continue;
    const Tensor& primal = primals[s.cond + s.body + j];
    carry.push_back(rules::Instantiate(tangents[s.cond + s.body + j], primal.aval()));
    tangent_avals.push_back(primal.aval());
  }
  const ClosedProgram cond = Closed(WithUnusedInputs(*p.programs[0], s.cond + s.carry, tangent_avals));
  const std::vector<Tensor> cond_consts(primals.begin(), primals.begin() + s.cond);
  const TensorList out = BindWhile(cond, cond_consts, jvp_body, body_consts, carry);
  TensorList ys(out.begin(), out.begin() + s.carry), ys_dot;
  for (size_t j = 0, k = s.carry; j < s.carry; ++j) {
    ys_dot.push_back(carry_nz[j] ? out[k++] : Tensor());
  }
  return {std::move(ys), std::move(ys_dot)};
}

// vmap. A batched predicate: every carry batched; the cond is "any lane goes on", the body
// steps the lanes that go on and keeps the others (JAX's _while_loop_batching_rule).
BatchedList WhileBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  const Sections s(args.size(), p);
  const int64_t size = rules::BatchSize(args, bdims);
  Mask batched;
  std::vector<Tensor> moved;
  for (size_t i = 0; i < args.size(); ++i) {
    batched.push_back(bdims[i] != kNotMapped);
    moved.push_back(batched.back() ? rules::MoveBatchAxis(args[i], bdims[i], 0) : args[i]);
  }
  const auto sub = [&](size_t from, size_t count) {
    return Mask(batched.begin() + from, batched.begin() + from + count);
  };
  Mask carry_b = sub(s.cond + s.body, s.carry);
  MaskedProgram cond, body;
  for (;;) {
    body = BatchProgram(*p.programs[1], size, Cat(sub(s.cond, s.body), carry_b), carry_b);
    cond = BatchProgram(*p.programs[0], size, Cat(sub(0, s.cond), carry_b), {false});
    if (cond.out[0]) {  // lanes finish at different steps: all of them carried batched
      const Mask all(s.carry, true);
      if (carry_b != all) {
        carry_b = all;
        continue;
      }
    }
    if (!Grow(carry_b, body.out)) break;
  }
  std::vector<Tensor> carry;
  for (size_t j = 0; j < s.carry; ++j) {
    const size_t i = s.cond + s.body + j;
    carry.push_back(carry_b[j] && !batched[i] ? rules::MaterializeBatch(moved[i], kNotMapped, size, 0)
                                              : moved[i]);
  }
  const std::vector<Tensor> cond_consts(moved.begin(), moved.begin() + s.cond);
  const std::vector<Tensor> body_consts(moved.begin() + s.cond, moved.begin() + s.cond + s.body);
  BatchedList out;
  if (!cond.out[0]) {
    out.values = BindWhile(cond.program, cond_consts, body.program, body_consts, carry);
  } else {
    std::vector<ShapedArray> cond_avals, body_avals;
    for (const Tensor& x : cond_consts) cond_avals.push_back(x.aval());
    for (const Tensor& x : carry) cond_avals.push_back(x.aval());
    body_avals.insert(body_avals.end(), cond_avals.begin(), cond_avals.end() - s.carry);
    for (const Tensor& x : body_consts) body_avals.push_back(x.aval());
    for (const Tensor& x : carry) body_avals.push_back(x.aval());
    const auto lanes_on = [&](const std::vector<Tensor>& xs) { return cond.program(xs)[0]; };
    const ClosedProgram any = TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          const Tensor on = lax::convert_element_type(lanes_on(xs), DType::kI32);
          return std::vector<Tensor>{lax::gt(lax::reduce_max(on, {0}), Literal(0, DType::kI32))};
        },
        cond_avals);
    const ClosedProgram step = TraceToProgram(
        [&](const std::vector<Tensor>& xs) {
          std::vector<Tensor> c(xs.begin(), xs.begin() + s.cond);
          const std::vector<Tensor> state(xs.end() - s.carry, xs.end());
          c.insert(c.end(), state.begin(), state.end());
          const Tensor on = lanes_on(c);
          const std::vector<Tensor> next =
              body.program(std::vector<Tensor>(xs.begin() + s.cond, xs.end()));
          std::vector<Tensor> out;
          for (size_t j = 0; j < s.carry; ++j) {
            const Tensor mask = lax::broadcast_in_dim(on, state[j].shape(), {0});
            out.push_back(lax::select(mask, next[j], state[j]));
          }
          return out;
        },
        body_avals);
    std::vector<Tensor> step_consts = cond_consts;
    step_consts.insert(step_consts.end(), body_consts.begin(), body_consts.end());
    out.values = BindWhile(any, cond_consts, step, step_consts, carry);
  }
  for (size_t j = 0; j < s.carry; ++j) out.bdims.push_back(carry_b[j] ? 0 : kNotMapped);
  return out;
}

// Partial evaluation: with a known predicate, the known carries' loop runs now; the unknown
// carries come from the whole loop, recorded (it recomputes the known ones).
TensorList WhilePartialEval(Interpreter& interpreter, TensorSpan inputs, const Params& p,
                            AvalSpan out_avals) {
  auto& graph = static_cast<GraphInterpreter&>(interpreter);
  const Sections s(inputs.size(), p);
  const auto [unknown, known] = SplitKnown(inputs);
  const auto sub = [&](size_t from, size_t count) {
    return Mask(unknown.begin() + from, unknown.begin() + from + count);
  };
  Mask carry_uk = sub(s.cond + s.body, s.carry);
  const Mask no(inputs.size(), false);
  PartialProgram body;
  for (;;) {
    body = PartialEvalProgram(*p.programs[1], Cat(sub(s.cond, s.body), carry_uk), carry_uk, no);
    if (!Grow(carry_uk, body.out)) break;
  }
  const PartialProgram cond =
      PartialEvalProgram(*p.programs[0], Cat(sub(0, s.cond), carry_uk), {false}, no);
  const TensorList whole = graph.Record(Primitive::kWhile, p, inputs, out_avals);
  if (cond.out[0]) return whole;  // the trip count is unknown: nothing runs now
  const size_t known_carries = s.carry - std::count(carry_uk.begin(), carry_uk.end(), true);
  // The known body without its residuals (nothing is stored per iteration).
  std::vector<ShapedArray> body_avals;
  std::vector<Tensor> body_consts, carry, cond_consts;
  const auto known_of = [&](size_t from, size_t count, const Mask& uk, std::vector<Tensor>& to) {
    for (size_t i = 0; i < count; ++i) {
      if (!uk[i]) to.push_back(known[from + i]);
    }
  };
  known_of(0, s.cond, sub(0, s.cond), cond_consts);
  known_of(s.cond, s.body, sub(s.cond, s.body), body_consts);
  known_of(s.cond + s.body, s.carry, carry_uk, carry);
  for (const Tensor& x : body_consts) body_avals.push_back(x.aval());
  for (const Tensor& x : carry) body_avals.push_back(x.aval());
  const ClosedProgram known_body = TraceToProgram(
      [&](const std::vector<Tensor>& xs) {
        std::vector<Tensor> out = body.known(xs);
        out.resize(known_carries);
        return out;
      },
      body_avals);
  const TensorList known_out = BindWhile(cond.known, cond_consts, known_body, body_consts, carry);
  TensorList unknown_out;
  for (size_t j = 0; j < s.carry; ++j) {
    if (carry_uk[j]) unknown_out.push_back(whole[j]);
  }
  return Merge(carry_uk, known_out, unknown_out);
}

TensorList WhileTranspose(TensorSpan, TensorSpan, AvalSpan, const Params&) {
  ThrowInvalid("while: Reverse-mode differentiation does not work for lax.while_loop or "
               "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using "
               "fori_loop with static start/stop.");
}

}  // namespace

void RegisterWhileRules(RuleTable& table) {
  PrimitiveRules& loop = table[Primitive::kWhile];
  loop.jvp = WhileJvp;
  loop.transpose = WhileTranspose;
  loop.batch = WhileBatch;
  loop.partial_eval = WhilePartialEval;
}

}  // namespace cotangent
