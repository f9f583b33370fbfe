// File: core/eval.h
// The bottom of the interpreter stack: applies a primitive to concrete arrays. Layout-only
// primitives become views of their operand's buffer; everything else runs on the operands'
// backend.

#ifndef COTANGENT_CORE_EVAL_H_
#define COTANGENT_CORE_EVAL_H_

#include <string_view>

#include "absl/types/span.h"
#include "core/array.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/tensor.h"

namespace cotangent {

// The backend an operation named `op` on `arrays` runs on: that of the committed operands (two
// committed operands on different backends are an Error naming op), else the default backend
// if an operand is there, else the first operand's.
Backend& TargetBackend(std::string_view op, absl::Span<const Array> arrays);

// A collective over process axes (core/interpreter.h ProcessAxes) on concrete operands; an
// Error naming prim when its axes are not process axes.
TensorList RunOnProcessAxes(Primitive prim, absl::Span<const Tensor> in, const Params& params);

// prim on arrays of one backend into outs (one per out_aval): a view of the operand where
// core/layout.h ViewOf gives one, else the backend's kernel (a collective: the process axes');
// throws an Error naming prim when the backend fails. Eager evaluation and jit's executor
// (core/executable.h) share it. f16 and bf16 compute in f32, as XLA's compilers do: a
// primitive with such an operand or result, other than convert_element_type and the movement
// primitives (core/backend.h ComputesOnHalfFloats), runs on f32 copies of those operands
// (exact) and rounds each such result back to its dtype, once, so backends compute no 16-bit
// float and eager and jit round alike. c64 and c128 run as real arrays (core/complex_eval.h).
void RunEquation(Backend& backend, Primitive prim, absl::Span<const Array> arrays,
                 const Params& params, absl::Span<const ShapedArray> out_avals,
                 absl::Span<Array> outs);

// Evaluates prim on concrete tensors; out_avals come from abstract evaluation.
TensorList EvalPrimitive(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                         absl::Span<const ShapedArray> out_avals);

}  // namespace cotangent

#endif  // COTANGENT_CORE_EVAL_H_
