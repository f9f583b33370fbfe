// File: interpreters/graph.cc
// Recording equations, walking them in dependency order, re-evaluating and printing them.

#include "interpreters/graph.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error.h"

namespace cotangent {
namespace {

// x as a graph value of `program` (any program when 0), or null.
const GraphTracer* AsGraphValue(const Tensor& x, uint64_t program) {
  if (!x.defined() || x.is_concrete()) return nullptr;
  const auto* tracer = dynamic_cast<const GraphTracer*>(x.node());
  if (tracer == nullptr || tracer->known().defined()) return nullptr;
  return program == 0 || tracer->trace_id() == program ? tracer : nullptr;
}

}  // namespace

Equation::~Equation() {
  // Operands whose last reference is this equation would destroy their own equations
  // recursively. Instead they are queued, and the outermost ~Equation on this thread drains
  // the queue: the stack depth stays constant whatever the program's depth.
  thread_local std::vector<Tensor> pending;
  thread_local bool draining = false;
  for (Tensor& x : operands) pending.push_back(std::move(x));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    Tensor x = std::move(pending.back());
    pending.pop_back();
  }  // x's destructor may run ~Equation, which only queues
  draining = false;
}

Tensor GraphInterpreter::NewInput(const ShapedArray& aval) const {
  return Tensor(std::make_shared<GraphTracer>(*this, aval, nullptr, Tensor()));
}

Tensor GraphInterpreter::RecordCustom(std::shared_ptr<const CustomLinear> custom,
                                      std::vector<Tensor> operands,
                                      const ShapedArray& out_aval) const {
  auto eqn = std::make_shared<Equation>();
  eqn->operands = std::move(operands);
  eqn->custom = std::move(custom);
  return Tensor(std::make_shared<GraphTracer>(*this, out_aval, std::move(eqn), Tensor()));
}

Tensor GraphInterpreter::Lift(const Tensor& x) {
  return Tensor(std::make_shared<GraphTracer>(*this, x.aval(), nullptr, x));
}

Tensor GraphInterpreter::LowerClosedOver(const Tensor& x, const CustomFunction&) {
  // A program value (make_jaxpr of a function closing over its input): record the call by
  // tracing through it.
  return static_cast<const GraphTracer&>(*x.node()).known();
}

Tensor GraphInterpreter::Process(Primitive prim, absl::Span<const Tensor> inputs,
                                 const Params& params, const ShapedArray& out_aval) {
  auto eqn = std::make_shared<Equation>();
  eqn->prim = prim;
  eqn->params = params;
  bool all_known = true;
  for (const Tensor& x : inputs) {
    const auto& tracer = static_cast<const GraphTracer&>(*x.node());
    eqn->operands.push_back(tracer.known().defined() ? tracer.known() : x);
    all_known = all_known && tracer.known().defined();
  }
  // Known inputs only: evaluate now, below this level; the result is a constant here.
  if (all_known) return Bind(prim, eqn->operands, params);
  return Tensor(std::make_shared<GraphTracer>(*this, out_aval, std::move(eqn), Tensor()));
}

bool IsGraphValue(const Tensor& x) { return AsGraphValue(x, 0) != nullptr; }

bool IsGraphValue(const Tensor& x, uint64_t program) {
  return program != 0 && AsGraphValue(x, program) != nullptr;
}

uint64_t ProgramOf(absl::Span<const Tensor> inputs) {
  for (const Tensor& x : inputs) {
    if (const GraphTracer* tracer = AsGraphValue(x, 0)) return tracer->trace_id();
  }
  return 0;
}

std::vector<const GraphTracer*> TopologicalOrder(uint64_t program,
                                                 absl::Span<const Tensor> outputs) {
  if (program == 0) return {};
  std::vector<const GraphTracer*> order;
  absl::flat_hash_set<const GraphTracer*> seen;
  // Iterative depth-first search (programs can be long chains): a node is emitted after all
  // of its graph-valued operands.
  std::vector<std::pair<const GraphTracer*, size_t>> stack;
  for (const Tensor& out : outputs) {
    const GraphTracer* root = AsGraphValue(out, program);
    if (root == nullptr || !seen.insert(root).second) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const Equation* eqn = node->equation().get();
      if (eqn != nullptr && next < eqn->operands.size()) {
        const GraphTracer* operand = AsGraphValue(eqn->operands[next++], program);
        if (operand != nullptr && seen.insert(operand).second) stack.push_back({operand, 0});
      } else {
        order.push_back(node);
        stack.pop_back();
      }
    }
  }
  return order;
}

std::vector<Tensor> EvalGraph(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs,
                              absl::Span<const Tensor> values) {
  const uint64_t program = ProgramOf(inputs);
  absl::flat_hash_map<const Node*, Tensor> env;
  for (size_t i = 0; i < inputs.size(); ++i) env[inputs[i].node()] = values[i];
  for (const GraphTracer* node : TopologicalOrder(program, outputs)) {
    const Equation* eqn = node->equation().get();
    if (eqn == nullptr) {
      if (!env.contains(node)) ThrowInvalid("eval_graph: the program reads an unbound input");
      continue;
    }
    if (eqn->custom != nullptr) {
      ThrowInvalid(eqn->custom->name,
                   ": a custom_vjp function can only be transposed (reverse mode), not "
                   "evaluated forward");
    }
    std::vector<Tensor> args;
    for (const Tensor& x : eqn->operands) {
      args.push_back(IsGraphValue(x, program) ? env.at(x.node()) : x);
    }
    env[node] = Bind(eqn->prim, args, eqn->params);
  }
  std::vector<Tensor> out;
  for (const Tensor& y : outputs) out.push_back(IsGraphValue(y, program) ? env.at(y.node()) : y);
  return out;
}

std::string PrintGraph(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs) {
  absl::flat_hash_map<const Node*, std::string> names;
  std::vector<std::string> consts;
  int counter = 0;
  const auto fresh = [&counter] {
    std::string name;
    for (int n = counter++; ; n = n / 26 - 1) {
      name.insert(name.begin(), static_cast<char>('a' + n % 26));
      if (n < 26) break;
    }
    return name;
  };
  const auto declare = [&](const Tensor& x) {
    std::string name = fresh();
    names[x.node()] = name;
    return absl::StrCat(name, ":", x.aval().ToString());
  };
  const auto name_of = [&](const Tensor& x) -> std::string {
    if (auto it = names.find(x.node()); it != names.end()) return it->second;
    consts.push_back(declare(x));  // a constant: named on first use
    return names[x.node()];
  };
  std::vector<std::string> params;
  for (const Tensor& x : inputs) params.push_back(declare(x));
  std::string body;
  for (const GraphTracer* node : TopologicalOrder(ProgramOf(inputs), outputs)) {
    const Equation* eqn = node->equation().get();
    if (eqn == nullptr) continue;
    std::vector<std::string> args;
    for (const Tensor& x : eqn->operands) args.push_back(name_of(x));
    std::string op = eqn->custom ? eqn->custom->name : PrimitiveName(eqn->prim);
    const std::string p = eqn->custom ? "" : ParamsToString(eqn->prim, eqn->params);
    if (!p.empty()) absl::StrAppend(&op, "[", p, "]");
    const std::string lhs = absl::StrCat(fresh(), ":", node->aval().ToString());
    names[node] = lhs.substr(0, lhs.find(':'));
    absl::StrAppend(&body, "    ", lhs, " = ", op, " ", absl::StrJoin(args, " "), "\n");
  }
  std::vector<std::string> results;
  for (const Tensor& y : outputs) results.push_back(name_of(y));
  return absl::StrCat("{ lambda ", absl::StrJoin(consts, " "), "; ", absl::StrJoin(params, " "),
                      ". let\n", body, "  in (", absl::StrJoin(results, ", "), ") }");
}

}  // namespace cotangent
