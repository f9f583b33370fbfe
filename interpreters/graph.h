// File: interpreters/graph.h
// Partial evaluation into a program graph. A GraphInterpreter records every primitive that
// touches one of its graph values as an Equation and evaluates the rest at once, so tracing
// the jvp of f with graph-valued tangents leaves exactly the linear program that reverse mode
// transposes (interpreters/backward.h). Values are nodes of a DAG held by shared pointers, as
// in a jaxpr; PrintGraph shows one.

#ifndef COTANGENT_INTERPRETERS_GRAPH_H_
#define COTANGENT_INTERPRETERS_GRAPH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/interpreter.h"

namespace cotangent {

// A linear function recorded by custom_vjp: the user's bwd is its transpose.
struct CustomLinear {
  const char* name;
  // Cotangents of the equation's operands from the output cotangent.
  std::function<std::vector<Tensor>(const Tensor& ct)> transpose;
};

// One recorded primitive application. Programs are chains of Equations and GraphTracers held
// by shared pointers; the destructor releases operands iteratively (a chain of 10^6 equations
// must not take 10^6 nested destructor frames).
struct Equation {
  Equation() = default;
  Equation(const Equation&) = delete;
  Equation& operator=(const Equation&) = delete;
  ~Equation();

  Primitive prim = Primitive::kAdd;
  Params params;
  // Graph values (GraphTracers without a known value) and constants (tensors of lower levels).
  std::vector<Tensor> operands;
  std::shared_ptr<const CustomLinear> custom;  // set for a custom_vjp node; prim unused
};

class GraphTracer final : public Tracer {
 public:
  GraphTracer(const Interpreter& owner, ShapedArray aval, std::shared_ptr<const Equation> eqn,
              Tensor known)
      : Tracer(owner, std::move(aval)), equation_(std::move(eqn)), known_(std::move(known)) {}
  // The equation that computes this value; null for a program input or a lifted constant.
  const std::shared_ptr<const Equation>& equation() const { return equation_; }
  // The value of a lifted constant (undefined for graph values).
  const Tensor& known() const { return known_; }

 private:
  std::shared_ptr<const Equation> equation_;
  Tensor known_;
};

class GraphInterpreter final : public Interpreter {
 public:
  GraphInterpreter() : Interpreter("graph") {}

  // A new program input.
  Tensor NewInput(const ShapedArray& aval) const;
  // Records a custom linear node (custom_vjp) over graph-valued and constant operands.
  Tensor RecordCustom(std::shared_ptr<const CustomLinear> custom, std::vector<Tensor> operands,
                      const ShapedArray& out_aval) const;

  Tensor Lift(const Tensor& x) override;
  // A lifted constant is its value; a graph value makes this interpreter trace through.
  Tensor LowerClosedOver(const Tensor& x, const CustomFunction& f) override;
  Tensor Process(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                 const ShapedArray& out_aval) override;
};

// True for a graph value of any program (an input or an equation's output), false for
// constants.
bool IsGraphValue(const Tensor& x);

// A program is identified by the trace id of the GraphInterpreter application that recorded
// it. A graph value of another program (an enclosing make_jaxpr or grad, as in
// make_jaxpr(grad(f))) is a constant of this one.
bool IsGraphValue(const Tensor& x, uint64_t program);

// The program whose inputs these are (program inputs are NewInput values); 0 when there are
// none, in which case no program value exists either.
uint64_t ProgramOf(absl::Span<const Tensor> inputs);

// The values of `program` that `outputs` depend on, each after the values it reads (inputs
// included).
std::vector<const GraphTracer*> TopologicalOrder(uint64_t program,
                                                 absl::Span<const Tensor> outputs);

// Re-evaluates the program from `inputs` to `outputs` on new input values (binding each
// equation at the current level, so the result can itself be traced).
std::vector<Tensor> EvalGraph(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs,
                              absl::Span<const Tensor> values);

// The program in jaxpr style: "{ lambda c:f32[]; a:f32[3]. let b:f32[3] = sin a ... in (e) }",
// constants before the semicolon.
std::string PrintGraph(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_GRAPH_H_
