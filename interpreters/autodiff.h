// File: interpreters/autodiff.h
// Forward and reverse mode on flat functions (a list of tensors to a list of tensors): the
// non-template core that cotangent/transforms.h wraps for C++ callables and containers.
// Reverse mode is JAX's: linearize (jvp with graph-valued tangents, which partial evaluation
// turns into a linear program) and transpose (interpreters/backward.h).

#ifndef COTANGENT_INTERPRETERS_AUTODIFF_H_
#define COTANGENT_INTERPRETERS_AUTODIFF_H_

#include <functional>
#include <vector>

#include "core/program.h"
#include "core/tensor.h"

namespace cotangent {

using FlatFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// The outputs of f at primals and their tangents along `tangents` (one per primal, undefined
// = zero). Output tangents are always defined (zeros where f does not depend on the inputs).
// Throws "<op>: tangent f64[2] does not match primal f64[3] (input 1)" on a mismatch.
std::pair<std::vector<Tensor>, std::vector<Tensor>> JvpFlat(const char* op, const FlatFn& f,
                                                            const std::vector<Tensor>& primals,
                                                            const std::vector<Tensor>& tangents);

// f linearized at primals with respect to the inputs flagged in `wrt`.
struct Linearized {
  std::vector<Tensor> primals_out;
  std::vector<ShapedArray> wrt_avals;  // one per flagged input
  // The linear program: tangents of the flagged inputs to the tangents of every output; its
  // constants are the residuals (values of the forward pass).
  ClosedProgram linear;
  // Cotangents of the flagged inputs from cotangents of the outputs (zeros materialized).
  std::vector<Tensor> Transpose(const std::vector<Tensor>& cts) const;
  // Output tangents from tangents of the flagged inputs: the linear map, evaluated forward.
  std::vector<Tensor> Apply(const std::vector<Tensor>& tangents) const;
};

// The type of a value's tangents and cotangents, as JAX's: its own for a float, float0 of its
// shape for an integer or bool (the dtype of nothing: core/dtype.h). jvp takes and gives, and
// vjp's pullback takes and gives, tangents of these types; a float0 one is a zero.
ShapedArray TangentAval(const ShapedArray& aval);
// The zero tangent of a value of aval: zeros, or float0 zeros for an integer or bool.
Tensor ZeroTangent(const ShapedArray& aval);

// Throws "<op>: cannot differentiate with respect to input <index> of type i32[3]: only
// floating and complex inputs ... have tangents" unless x is inexact (grad, value_and_grad and
// jacrev add that allow_int would take it).
void CheckDifferentiable(const char* op, const Tensor& x, size_t index);

// Throws CheckDifferentiable's error for a non-floating flagged input.
Linearized LinearizeFlat(const char* op, const FlatFn& f, const std::vector<Tensor>& primals,
                         const std::vector<bool>& wrt, bool reverse);

// The program f traces to on arguments of these types (make_jaxpr): every primitive is staged,
// nothing is computed.
ClosedProgram MakeJaxprFlat(const FlatFn& f, const std::vector<ShapedArray>& avals);

// A tensor whose value is x but whose derivative is zero in every transformation.
Tensor StopGradient(const Tensor& x);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_AUTODIFF_H_
