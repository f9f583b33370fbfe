// File: interpreters/backward.h
// Transposition of a linear program (reverse mode's backward pass): cotangents flow from the
// outputs to the inputs through each equation's transpose rule, in reverse dependency order.
// Rules bind traced ops, so the backward pass is itself differentiable.

#ifndef COTANGENT_INTERPRETERS_BACKWARD_H_
#define COTANGENT_INTERPRETERS_BACKWARD_H_

#include <vector>

#include "absl/types/span.h"
#include "core/tensor.h"

namespace cotangent {

// Cotangents of the program inputs `inputs` given cotangents `cts` of `outputs` (graph values
// or constants; an undefined cotangent is zero). An input the outputs do not depend on gets
// an undefined (zero) cotangent.
std::vector<Tensor> BackwardPass(absl::Span<const Tensor> inputs, absl::Span<const Tensor> outputs,
                                 absl::Span<const Tensor> cts);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_BACKWARD_H_
