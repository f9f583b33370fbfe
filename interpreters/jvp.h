// File: interpreters/jvp.h
// Forward mode. A JvpTracer carries a primal and its tangent (undefined = symbolic zero); the
// interpreter applies each primitive to the primals and its jvp rule (core/rules) to the
// tangents. Rules bind at lower levels, so jvp nests with every other transformation.

#ifndef COTANGENT_INTERPRETERS_JVP_H_
#define COTANGENT_INTERPRETERS_JVP_H_

#include <utility>
#include <vector>

#include "core/interpreter.h"

namespace cotangent {

class JvpTracer final : public Tracer {
 public:
  JvpTracer(const Interpreter& owner, Tensor primal, Tensor tangent)
      : Tracer(owner, primal.aval()), primal_(std::move(primal)), tangent_(std::move(tangent)) {}
  const Tensor& primal() const { return primal_; }
  // Undefined when the tangent is a symbolic zero.
  const Tensor& tangent() const { return tangent_; }

 private:
  Tensor primal_;
  Tensor tangent_;
};

class JvpInterpreter final : public Interpreter {
 public:
  // `reverse`: this is the forward half of reverse mode (vjp/grad), where tangents are linear
  // graph values and custom_vjp functions may be differentiated.
  explicit JvpInterpreter(bool reverse = false) : Interpreter("jvp"), reverse_(reverse) {}

  bool reverse() const { return reverse_; }

  // A tracer of this interpreter; an undefined tangent is a symbolic zero.
  Tensor Pack(Tensor primal, Tensor tangent) const;
  // The primal and tangent of a value returned from inside this interpreter. A value that is
  // not one of its tracers (a constant) has a zero (undefined) tangent.
  std::pair<Tensor, Tensor> Unpack(const Tensor& x) const;

  Tensor Lift(const Tensor& x) override { return Pack(x, Tensor()); }
  TensorList Process(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                     absl::Span<const ShapedArray> out_avals) override;
  // custom_jvp functions use their rule; custom_vjp functions record their bwd as the
  // transpose of a linear node (reverse mode only).
  std::vector<Tensor> ProcessCustom(const CustomFunction& f,
                                    absl::Span<const Tensor> inputs) override;
  // A closed-over tracer with a zero tangent is its primal; differentiating with respect to
  // one is an error, as in JAX.
  Tensor LowerClosedOver(const Tensor& x, const CustomFunction& f) override;

 private:
  bool reverse_;
};

class CustomJvpFunction;
class CustomVjpFunction;

// f's outputs and their tangents.
using OutsAndTangents = std::pair<std::vector<Tensor>, std::vector<Tensor>>;

// (f(primals), their tangents) by f's custom_jvp rule (undefined tangents are zeros), with the
// rule's outputs checked against f's types.
OutsAndTangents CustomJvpOf(const CustomJvpFunction& f, const std::vector<Tensor>& primals,
                            std::vector<Tensor> tangents);

// (f(primals), their tangents) in reverse mode: fwd's outputs, and a custom_lin whose
// transpose is bwd over fwd's residuals. `reverse` false (forward mode) is an error, as in JAX.
OutsAndTangents CustomVjpOf(const CustomVjpFunction& f, const std::vector<Tensor>& primals,
                            const std::vector<Tensor>& tangents, bool reverse);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_JVP_H_
