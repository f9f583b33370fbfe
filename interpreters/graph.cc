// File: interpreters/graph.cc
// Recording equations with partial evaluation, and finishing the record into a program.

#include "interpreters/graph.h"

#include "core/constants.h"
#include "core/error.h"
#include "interpreters/call.h"
#include "interpreters/rules.h"

namespace cotangent {
namespace {

const GraphTracer* AsTracerOf(const Tensor& x, const Interpreter& graph) {
  if (!x.defined() || x.level() != graph.level()) return nullptr;
  const auto* tracer = static_cast<const GraphTracer*>(x.node());
  return tracer->trace_id() == graph.trace_id() ? tracer : nullptr;
}

}  // namespace

int32_t GraphVar(const Tensor& x, const Interpreter& graph) {
  const GraphTracer* tracer = AsTracerOf(x, graph);
  return tracer == nullptr ? -1 : tracer->var();
}

Tensor GraphInterpreter::NewInput(const ShapedArray& aval) {
  const int32_t var = program_.NewVar(aval);
  program_.invars.push_back(var);
  return Tensor(std::make_shared<GraphTracer>(*this, aval, var, Tensor()));
}

Tensor GraphInterpreter::Lift(const Tensor& x) {
  return Tensor(std::make_shared<GraphTracer>(*this, x.aval(), -1, x));
}

Tensor GraphInterpreter::LowerClosedOver(const Tensor& x, const CustomFunction&) {
  // A program variable (make_jaxpr of a function closing over its input): record the call by
  // tracing through it.
  return static_cast<const GraphTracer&>(*x.node()).known();
}

std::vector<Tensor> GraphInterpreter::ProcessCustom(const CustomFunction& f,
                                                    absl::Span<const Tensor> inputs) {
  if (!stage_all_) return Interpreter::ProcessCustom(f, inputs);
  std::vector<ShapedArray> avals;
  for (const Tensor& x : inputs) avals.push_back(x.aval());
  // Values of this trace that f closes over are constants of its program (and f's code runs
  // inside this interpreter when it is traced through).
  // The body is traced in a frame of this level: a batch interpreter above that runs the call
  // inside itself (jit of vmap) wraps the frame's tracers, never the other way round.
  AllowLevelScope allow(level());
  const ClosedProgram body = TraceToProgramInFrame(
      [&f](const std::vector<Tensor>& xs) { return f.Call(xs); }, avals, level());
  for (const Tensor& c : body.consts) {
    if (!c.is_concrete()) return EvalProgram(*body.program, body.consts, inputs);
  }
  Params p;
  p.program = ConstsAsInputs(*body.program);
  p.name = f.name();
  p.object = f.shared_from_this();
  p.num_consts = static_cast<int64_t>(body.consts.size());
  TensorList operands(body.consts.begin(), body.consts.end());
  operands.insert(operands.end(), inputs.begin(), inputs.end());
  const std::vector<ShapedArray> out_avals = body.program->OutAvals();
  const TensorList outs = Record(f.staged_primitive(), p, operands, out_avals);
  return std::vector<Tensor>(outs.begin(), outs.end());
}

Atom GraphInterpreter::AtomOf(const Tensor& x) {
  Tensor value = x;
  if (const GraphTracer* tracer = AsTracerOf(x, *this)) {
    if (tracer->var() >= 0) return Atom::Var(tracer->var());
    value = tracer->known();
  }
  if (auto it = const_vars_.find(value.node()); it != const_vars_.end()) {
    return Atom::Var(it->second);
  }
  const ShapedArray& aval = value.aval();
  if (value.is_concrete() && value.array().constant) {
    const Atom literal = Atom::Literal(*value.array().constant, aval.dtype);
    if (aval.shape.empty()) return literal;
    // A library constant of any shape is a broadcast literal (a view when evaluated).
    Params p;
    p.shape = aval.shape;
    const int32_t var = program_.NewVar(aval);
    program_.eqns.push_back({Primitive::kBroadcastInDim, SharedParams(p), {literal}, {var}});
    const_vars_[value.node()] = var;
    literals_.push_back(std::move(value));
    return Atom::Var(var);
  }
  const int32_t var = program_.NewVar(aval);
  program_.constvars.push_back(var);
  const_vars_[value.node()] = var;
  consts_.push_back(std::move(value));
  return Atom::Var(var);
}

TensorList GraphInterpreter::Record(Primitive prim, const Params& params,
                                    absl::Span<const Tensor> inputs,
                                    absl::Span<const ShapedArray> out_avals) {
  Equation eqn{prim, SharedParams(params), {}, {}};
  eqn.inputs.reserve(inputs.size());
  for (const Tensor& x : inputs) eqn.inputs.push_back(AtomOf(x));
  TensorList out;
  for (const ShapedArray& aval : out_avals) {
    const int32_t var = program_.NewVar(aval);
    eqn.outputs.push_back(var);
    out.push_back(Tensor(std::make_shared<GraphTracer>(*this, aval, var, Tensor())));
  }
  program_.eqns.push_back(std::move(eqn));
  return out;
}

TensorList GraphInterpreter::Process(Primitive prim, absl::Span<const Tensor> inputs,
                                     const Params& params,
                                     absl::Span<const ShapedArray> out_avals) {
  if (stage_all_) return Record(prim, params, inputs, out_avals);
  bool all_known = true;
  for (const Tensor& x : inputs) {
    all_known = all_known && static_cast<const GraphTracer&>(*x.node()).var() < 0;
  }
  // Known operands only: evaluate now, below this level; the results are constants here.
  if (all_known) {
    TensorList known;
    for (const Tensor& x : inputs) known.push_back(static_cast<const GraphTracer&>(*x.node()).known());
    return Bind(prim, known, params);
  }
  if (const PartialEvalRule rule = AllRules()[prim].partial_eval) {
    return rule(*this, inputs, params, out_avals);
  }
  return Record(prim, params, inputs, out_avals);
}

ClosedProgram GraphInterpreter::Finish(absl::Span<const Tensor> inputs,
                                       absl::Span<const Tensor> outputs,
                                       absl::Span<const ShapedArray> undefined_avals) {
  std::vector<Atom> outvars;
  for (size_t i = 0; i < outputs.size(); ++i) {
    outvars.push_back(AtomOf(outputs[i].defined() ? outputs[i] : Full(undefined_avals[i], 0.0)));
  }
  // Dead-code elimination, last equation first: an equation lives if an output does.
  const Program& p = program_;
  std::vector<bool> live(p.avals.size(), false);
  for (const Atom& a : outvars) {
    if (!a.is_literal()) live[a.var] = true;
  }
  std::vector<bool> keep(p.eqns.size(), false);
  for (size_t e = p.eqns.size(); e-- > 0;) {
    for (int32_t v : p.eqns[e].outputs) keep[e] = keep[e] || live[v];
    if (!keep[e]) continue;
    for (const Atom& a : p.eqns[e].inputs) {
      if (!a.is_literal()) live[a.var] = true;
    }
  }
  std::vector<int32_t> constvars, invars;
  std::vector<Tensor> consts;
  for (size_t i = 0; i < p.constvars.size(); ++i) {
    if (!live[p.constvars[i]]) continue;
    constvars.push_back(p.constvars[i]);
    consts.push_back(consts_[i]);
  }
  for (const Tensor& x : inputs) invars.push_back(static_cast<const GraphTracer&>(*x.node()).var());
  return ClosedProgram{ExtractProgram(p, constvars, invars, keep, outvars), std::move(consts)};
}

namespace {

// f traced by `graph` while `Scope` (a new level, or a frame of an existing one) holds it.
template <typename Scope, typename... At>
ClosedProgram Trace(GraphInterpreter& graph,
                    const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
                    absl::Span<const ShapedArray> avals, At... at) {
  std::vector<Tensor> inputs, outputs;
  {
    Scope scope(graph, at...);
    for (const ShapedArray& aval : avals) inputs.push_back(graph.NewInput(aval));
    outputs = f(inputs);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined()) {
      ThrowInvalid(graph.name(), ": output ", i,
                   " of the traced function is an undefined Tensor "
                   "(default-constructed, without a value)");
    }
  }
  return graph.Finish(inputs, outputs);
}

}  // namespace

ClosedProgram TraceToProgram(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
                             absl::Span<const ShapedArray> avals, const char* name) {
  GraphInterpreter graph(/*stage_all=*/true, name);
  return Trace<InterpreterScope>(graph, f, avals);
}

ClosedProgram TraceToProgramInFrame(
    const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
    absl::Span<const ShapedArray> avals, int level) {
  GraphInterpreter graph(/*stage_all=*/true, "graph");
  return Trace<FrameScope>(graph, f, avals, level);
}

}  // namespace cotangent
