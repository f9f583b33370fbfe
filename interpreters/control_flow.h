// File: interpreters/control_flow.h
// Structured control flow on flat functions (lists of tensors): the non-template core that
// cotangent/control_flow.h wraps for C++ callables and containers. Each function traces its
// branches or body once into programs and binds one cond, while or scan equation (core/
// primitives.def), whose rules (here and in interpreters/scan.cc, interpreters/while_loop.cc)
// make it differentiable, batchable and compilable without unrolling.

#ifndef COTANGENT_INTERPRETERS_CONTROL_FLOW_H_
#define COTANGENT_INTERPRETERS_CONTROL_FLOW_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/program.h"
#include "interpreters/autodiff.h"

namespace cotangent {

// branches[clamp(index, 0, n - 1)](operands): index is an i32 scalar (lax.switch); a cond's
// bool predicate is converted to it (false: branch 0).
std::vector<Tensor> SwitchFlat(const Tensor& index, const std::vector<FlatFn>& branches,
                               const std::vector<Tensor>& operands);

// carry = body(carry) while cond(carry) (a bool scalar); returns the final carry.
std::vector<Tensor> WhileFlat(const FlatFn& cond, const FlatFn& body,
                              const std::vector<Tensor>& init);

// body(carry..., x...) -> (carry..., y...) over the rows of xs (their leading axes, all of
// `length` when given); returns the final carry, then the ys stacked. `unroll` steps run per
// iteration of the compiled loop under jit (the same values).
std::vector<Tensor> ScanFlat(const FlatFn& body, const std::vector<Tensor>& init,
                             const std::vector<Tensor>& xs, std::optional<int64_t> length,
                             bool reverse, int64_t unroll = 1);

// A solver for linear(x) = b given the linear function: returns x, then any aux values.
using SolveFn =
    std::function<std::vector<Tensor>(const FlatFn& linear, const std::vector<Tensor>& b)>;

// x = solve(matvec, b) (lax.custom_linear_solve), differentiated as the solution of the square
// system matvec(x) = b rather than through the solver: one custom_linear_solve equation
// (interpreters/linear_solve.cc). Reverse mode needs transpose_solve (an empty function: none),
// which solves the transposed system given vecmat; symmetric takes matvec as its own transpose
// and, without transpose_solve, solve for it.
std::vector<Tensor> LinearSolveFlat(const FlatFn& matvec, const std::vector<Tensor>& b,
                                    const SolveFn& solve, const SolveFn& transpose_solve,
                                    bool symmetric);

// Programs of several branches over one operand list: every branch's constants (each branch
// ignoring the others'), then the operands they share.
std::pair<std::vector<std::shared_ptr<const Program>>, std::vector<Tensor>> JoinBranches(
    const std::vector<ClosedProgram>& branches);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CONTROL_FLOW_H_
