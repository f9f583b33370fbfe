// File: interpreters/custom_vmap.cc
// custom_vmap_call's rules, as JAX's custom_batching: vmap calls the user's rule with the
// axis size and which arguments are batched (along 0), and checks what it returns against
// the function's outputs; jvp is a custom_vmap_call of the function's jvp whose rule is the
// jvp of the user's rule (JAX's custom_vmap_jvp: the rule sees the arguments batched in both
// primal and tangent, and an inner vmap carries the ones batched in only one); partial
// evaluation is an error, so reverse mode is, as in JAX.

#include "interpreters/custom_vmap.h"

#include "absl/strings/str_cat.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/rules/helpers.h"
#include "interpreters/batching.h"
#include "interpreters/call.h"
#include "interpreters/jvp.h"
#include "interpreters/program_transforms.h"
#include "interpreters/rules.h"

namespace cotangent {

std::vector<Tensor> CustomVmapCall(const ClosedProgram& program, absl::Span<const Tensor> args,
                                   std::shared_ptr<const CustomVmapRule> rule) {
  Params p;
  p.program = ConstsAsInputs(*program.program);
  p.name = rule->name();
  p.num_consts = static_cast<int64_t>(program.consts.size());
  p.object = std::move(rule);
  TensorList operands(program.consts.begin(), program.consts.end());
  operands.insert(operands.end(), args.begin(), args.end());
  const TensorList out = Bind(Primitive::kCustomVmapCall, operands, p);
  return std::vector<Tensor>(out.begin(), out.end());
}

namespace {

const CustomVmapRule& RuleOf(const Params& p) {
  return static_cast<const CustomVmapRule&>(*p.object);
}

ShapedArray Stacked(ShapedArray aval, int64_t size) {
  aval.shape.insert(aval.shape.begin(), size);
  return aval;
}

BatchedList CustomVmapBatch(TensorSpan args, absl::Span<const int64_t> bdims, const Params& p) {
  const CustomVmapRule& rule = RuleOf(p);
  const int64_t size = rules::BatchSize(args, bdims);
  for (int64_t i = 0; i < p.num_consts; ++i) {
    if (bdims[i] != kNotMapped) {
      ThrowInvalid("custom_vmap: ", rule.name(), " closes over a batched value of type ",
                   args[i].aval().ToString(), "; pass it as an argument");
    }
  }
  std::vector<bool> in_batched;
  std::vector<Tensor> moved;
  for (size_t i = p.num_consts; i < args.size(); ++i) {
    in_batched.push_back(bdims[i] != kNotMapped);
    moved.push_back(in_batched.back() ? rules::MoveBatchAxis(args[i], bdims[i], 0) : args[i]);
  }
  auto [outs, out_batched] = rule.rule()(size, in_batched, moved);
  const std::vector<ShapedArray> out_avals = p.program->OutAvals();
  if (outs.size() != out_avals.size()) {
    ThrowInvalid("custom_vmap: the rule of ", rule.name(), " returns ", outs.size(),
                 " outputs but the function returns ", out_avals.size());
  }
  if (out_batched.size() != outs.size()) {
    ThrowInvalid("custom_vmap: the rule of ", rule.name(), " returns ", outs.size(),
                 " outputs but ", out_batched.size(), " batching flags");
  }
  BatchedList out;
  for (size_t j = 0; j < outs.size(); ++j) {
    const ShapedArray expected = out_batched[j] ? Stacked(out_avals[j], size) : out_avals[j];
    if (outs[j].aval() != expected) {
      ThrowInvalid("custom_vmap: output ", j, " of the rule of ", rule.name(), " has type ",
                   outs[j].aval().ToString(), " but ", expected.ToString(), " was expected (",
                   out_batched[j] ? "batched" : "not batched", ")");
    }
    out.values.push_back(outs[j]);
    out.bdims.push_back(out_batched[j] ? 0 : kNotMapped);
  }
  return out;
}

// The jvp of a rule (JAX's jvp_of_rule_rule). Arguments: primals, then the tangents of the
// `has_tangent` ones; outputs: primals, then tangents of the `out_tangent` ones. The rule
// runs under jvp with the arguments batched in both primal and tangent marked batched; an
// argument batched in only one of them is mapped by an inner vmap, and each output is batched
// if the rule or the inner vmap made it so.
FlatVmapRule JvpOfRule(std::shared_ptr<const CustomVmapRule> rule, Mask has_tangent,
                       Mask out_tangent) {
  return [rule, has_tangent, out_tangent](int64_t size, const std::vector<bool>& in_batched,
                                          const std::vector<Tensor>& args) {
    const size_t n = has_tangent.size();
    std::vector<int64_t> tangent_of(n, -1);  // argument i's tangent among args, or -1
    for (size_t i = 0, k = n; i < n; ++i) {
      if (has_tangent[i]) tangent_of[i] = static_cast<int64_t>(k++);
    }
    std::vector<bool> mutual(n);
    std::vector<int64_t> inner(args.size(), kNotMapped);  // inner vmap axes
    for (size_t i = 0; i < n; ++i) {
      const bool pb = in_batched[i];
      const bool tb = tangent_of[i] >= 0 && in_batched[tangent_of[i]];
      mutual[i] = pb && (tb || tangent_of[i] < 0);
      if (pb && !mutual[i]) inner[i] = 0;
      if (tb && !pb) inner[tangent_of[i]] = 0;
    }
    std::vector<bool> rule_batched;
    BatchInterpreter batch(size, RuleAxisName());  // run by CustomVmapBatch, a batch rule
    JvpInterpreter jvp;
    std::vector<Tensor> outs;
    {
      InterpreterScope batch_scope(batch);
      std::vector<Tensor> packed;
      for (size_t i = 0; i < args.size(); ++i) packed.push_back(batch.Pack(args[i], inner[i]));
      InterpreterScope jvp_scope(jvp);
      std::vector<Tensor> primals;
      for (size_t i = 0; i < n; ++i) {
        primals.push_back(jvp.Pack(packed[i], tangent_of[i] < 0 ? Tensor() : packed[tangent_of[i]]));
      }
      auto [ys, ys_batched] = rule->rule()(size, mutual, primals);
      rule_batched = ys_batched;
      outs = std::move(ys);
    }
    if (rule_batched.size() != outs.size()) {
      ThrowInvalid("custom_vmap: the rule of ", rule->name(), " returns ", outs.size(),
                   " outputs but ", rule_batched.size(), " batching flags");
    }
    std::vector<Tensor> primal_out, tangent_out;
    std::vector<bool> primal_batched, tangent_batched;
    for (size_t j = 0; j < outs.size(); ++j) {
      auto [y, y_dot] = jvp.Unpack(outs[j]);
      const Batched by = batch.Unpack(y);
      const bool y_batched = rule_batched[j] || by.bdim != kNotMapped;
      // The inner vmap's axis goes in front of the rule's own (which is at 0 when batched).
      const auto front = [&](const Batched& b) {
        return b.bdim == kNotMapped ? b.value : rules::MoveBatchAxis(b.value, b.bdim, 0);
      };
      primal_out.push_back(front(by));
      primal_batched.push_back(y_batched);
      if (!out_tangent[j]) continue;
      if (!y_dot.defined()) {
        tangent_out.push_back(ZerosLike(primal_out.back()));
        tangent_batched.push_back(y_batched);
        continue;
      }
      const Batched bt = batch.Unpack(y_dot);
      tangent_out.push_back(front(bt));
      tangent_batched.push_back(rule_batched[j] || bt.bdim != kNotMapped);
    }
    primal_out.insert(primal_out.end(), tangent_out.begin(), tangent_out.end());
    primal_batched.insert(primal_batched.end(), tangent_batched.begin(), tangent_batched.end());
    return std::pair{primal_out, primal_batched};
  };
}

// jvp: a custom_vmap_call of the function's jvp (every floating argument with a tangent,
// zeros where it had none) whose rule is JvpOfRule.
std::pair<TensorList, TensorList> CustomVmapJvp(TensorSpan primals, TensorSpan tangents,
                                                const Params& p) {
  const size_t nc = p.num_consts, n = primals.size();
  Mask nonzero(n), has_tangent;
  for (size_t i = 0; i < n; ++i) {
    const bool floating = IsInexact(primals[i].dtype());
    nonzero[i] = floating && (i >= nc || tangents[i].defined());
    if (i >= nc) has_tangent.push_back(floating);
  }
  const MaskedProgram jvp = JvpProgram(*p.program, nonzero, Mask(p.program->outvars.size(), true));
  // The jvp program's inputs: (its constants), consts, args, tangents of the nonzero ones;
  // reordered to (its constants, consts, the consts' tangents) then (args, their tangents).
  const size_t c0 = jvp.program.consts.size();
  const size_t nz_consts = std::count(nonzero.begin(), nonzero.begin() + nc, true);
  std::vector<size_t> in_order;
  for (size_t i = 0; i < c0 + nc; ++i) in_order.push_back(i);
  for (size_t k = 0; k < nz_consts; ++k) in_order.push_back(c0 + n + k);
  for (size_t i = nc; i < n; ++i) in_order.push_back(c0 + i);
  const size_t n_tangents = std::count(nonzero.begin(), nonzero.end(), true);
  for (size_t k = nz_consts; k < n_tangents; ++k) in_order.push_back(c0 + n + k);
  std::vector<size_t> out_order;
  for (size_t j = 0; j < jvp.program.program->outvars.size(); ++j) out_order.push_back(j);
  Params jp = p;
  jp.program = Permuted(*ConstsAsInputs(*jvp.program.program), in_order, out_order);
  jp.num_consts = static_cast<int64_t>(c0 + nc + nz_consts);
  jp.object = std::make_shared<CustomVmapRule>(
      RuleOf(p).name(),
      JvpOfRule(std::static_pointer_cast<const CustomVmapRule>(p.object), has_tangent, jvp.out));
  TensorList operands(jvp.program.consts.begin(), jvp.program.consts.end());
  operands.insert(operands.end(), primals.begin(), primals.begin() + nc);
  for (size_t i = 0; i < nc; ++i) {
    if (nonzero[i]) operands.push_back(tangents[i]);
  }
  operands.insert(operands.end(), primals.begin() + nc, primals.end());
  for (size_t i = nc; i < n; ++i) {
    if (nonzero[i]) operands.push_back(rules::Instantiate(tangents[i], primals[i].aval()));
  }
  const TensorList out = Bind(Primitive::kCustomVmapCall, operands, jp);
  const size_t m = jvp.out.size();
  TensorList ys(out.begin(), out.begin() + m), ys_dot;
  for (size_t j = 0, k = m; j < m; ++j) ys_dot.push_back(jvp.out[j] ? out[k++] : Tensor());
  return {std::move(ys), std::move(ys_dot)};
}

TensorList CustomVmapPartialEval(Interpreter&, TensorSpan, const Params& p, AvalSpan) {
  ThrowInvalid("custom_vmap: ", RuleOf(p).name(), " cannot be differentiated in reverse mode "
               "(linearization cannot split it into known and unknown parts), as in JAX; give "
               "it a custom_vjp rule");
}

}  // namespace

void RegisterCustomVmapRules(RuleTable& table) {
  PrimitiveRules& call = table[Primitive::kCustomVmapCall];
  call.jvp = CustomVmapJvp;
  call.batch = CustomVmapBatch;
  call.partial_eval = CustomVmapPartialEval;
}

}  // namespace cotangent
