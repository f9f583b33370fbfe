// File: interpreters/graph.h
// Tracing into a Program (core/program.h), with partial evaluation. A GraphInterpreter's
// tracers are either known (a value of a lower level, evaluated at once) or program variables;
// every primitive that reads a variable is recorded as an equation, in order, and Finish turns
// the record into a ClosedProgram: dead equations dropped, constants hoisted, scalar library
// constants kept as literals. Tracing the jvp of f with variable-valued tangents leaves exactly
// the linear program that reverse mode transposes (interpreters/backward.h); tracing f on
// variables is make_jaxpr.

#ifndef COTANGENT_INTERPRETERS_GRAPH_H_
#define COTANGENT_INTERPRETERS_GRAPH_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/interpreter.h"
#include "core/program.h"

namespace cotangent {

class GraphTracer final : public Tracer {
 public:
  GraphTracer(const Interpreter& owner, ShapedArray aval, int32_t var, Tensor known)
      : Tracer(owner, std::move(aval)), var_(var), known_(std::move(known)) {}
  // The program variable, or -1 for a known value.
  int32_t var() const { return var_; }
  // The value of a known tracer (a lifted constant or a result computed from known values).
  const Tensor& known() const { return known_; }

 private:
  int32_t var_;
  Tensor known_;
};

class GraphInterpreter final : public Interpreter {
 public:
  // `stage_all`: record every primitive, also on known values, and bind every primitive at
  // this level or above while on the stack (a dynamic interpreter: make_jaxpr, eval_shape and
  // the programs of higher-order primitives compute nothing). Otherwise partial evaluation:
  // primitives on known values only are evaluated at once (linearize).
  // `name`: the transformation's, in messages about its tracers ("jit" for jit's traces).
  explicit GraphInterpreter(bool stage_all = false, const char* name = "graph")
      : Interpreter(name, stage_all), stage_all_(stage_all) {}

  // A new program input.
  Tensor NewInput(const ShapedArray& aval);
  // The program from `inputs` (NewInput values, in order) to `outputs` (this interpreter's
  // tracers, values of lower levels, which are constants, or undefined: zeros of the aval in
  // `undefined_avals`). Variables are renumbered in definition order.
  ClosedProgram Finish(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs,
                       absl::Span<const ShapedArray> undefined_avals = {});

  // Records prim over inputs (this interpreter's tracers) as an equation; returns its outputs
  // as new variables. Partial-eval rules use it for the part they cannot evaluate.
  TensorList Record(Primitive prim, const Params& params, absl::Span<const Tensor> inputs,
                    absl::Span<const ShapedArray> out_avals);

  Tensor Lift(const Tensor& x) override;
  // Staging everything: a custom function becomes one custom_jvp_call / custom_vjp_call
  // equation carrying its program and its rules. Otherwise (and when the function closes over
  // a value this trace stages, which its rules could not see): traced through.
  std::vector<Tensor> ProcessCustom(const CustomFunction& f,
                                    absl::Span<const Tensor> inputs) override;
  // A known value is its value; a variable makes this interpreter trace through.
  Tensor LowerClosedOver(const Tensor& x, const CustomFunction& f) override;
  TensorList Process(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                     absl::Span<const ShapedArray> out_avals) override;

 private:
  // x as an operand: its variable, or a constant (a literal, a broadcast literal or a hoisted
  // constant) for a known value or a value of a lower level.
  Atom AtomOf(const Tensor& x);

  bool stage_all_;
  Program program_;             // avals and equations; constvars are settled by Finish
  std::vector<Tensor> consts_;  // the value of each of program_.constvars, in that order
  // Constants seen, by their node; the tensors keep the nodes (the keys) alive.
  absl::flat_hash_map<const Node*, int32_t> const_vars_;
  std::vector<Tensor> literals_;  // broadcast literals' values, kept alive for const_vars_
};

// x as a variable of the program `graph` is recording, or -1 (a known value, a value of
// another program or of a lower level).
int32_t GraphVar(const Tensor& x, const Interpreter& graph);

// The program f traces to on inputs of `avals` (make_jaxpr): every operation is recorded.
// `name` names the tracing transformation in messages ("jit": reading a value is JAX's
// ConcretizationTypeError).
ClosedProgram TraceToProgram(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
                             absl::Span<const ShapedArray> avals, const char* name = "graph");

// As TraceToProgram, in an inner frame of the existing `level` (FrameScope) rather than on a
// new level above the stack: how a graph stages a custom function's body, so that
// interpreters above the graph (vmap of jit, jit of vmap) stay above the body's tracers.
ClosedProgram TraceToProgramInFrame(
    const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
    absl::Span<const ShapedArray> avals, int level);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_GRAPH_H_
