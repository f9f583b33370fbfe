// File: core/eval.h
// The bottom of the interpreter stack: applies a primitive to concrete arrays. Layout-only
// primitives become views of their operand's buffer; everything else runs on the operands'
// backend.

#ifndef COTANGENT_CORE_EVAL_H_
#define COTANGENT_CORE_EVAL_H_

#include "absl/types/span.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/tensor.h"

namespace cotangent {

// Evaluates prim on concrete tensors; out_avals come from abstract evaluation.
TensorList EvalPrimitive(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                         absl::Span<const ShapedArray> out_avals);

}  // namespace cotangent

#endif  // COTANGENT_CORE_EVAL_H_
