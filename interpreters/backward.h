// File: interpreters/backward.h
// Transposition of a program that is linear in some of its inputs (reverse mode's backward
// pass): equations that read no linear value are evaluated forward first, then cotangents
// flow from the outputs to the linear inputs through each remaining equation's transpose
// rule, last equation first. Rules bind traced ops, so the backward pass is itself
// differentiable and can be traced into a program (closed_call's transpose).

#ifndef COTANGENT_INTERPRETERS_BACKWARD_H_
#define COTANGENT_INTERPRETERS_BACKWARD_H_

#include <vector>

#include "absl/types/span.h"
#include "core/program.h"
#include "core/tensor.h"

namespace cotangent {

// Cotangents of the linear inputs of `program` (those whose entry in `args` is undefined; the
// others are values) given cotangents `cts` of its outputs (undefined = zero). Returns one
// entry per input: undefined for the non-linear ones and for linear inputs the outputs do not
// depend on (a symbolic zero).
std::vector<Tensor> BackwardPass(const Program& program, absl::Span<const Tensor> consts,
                                 absl::Span<const Tensor> args, absl::Span<const Tensor> cts);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_BACKWARD_H_
