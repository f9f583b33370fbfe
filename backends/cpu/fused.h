// File: backends/cpu/fused.h
// jit's fused elementwise groups on the CPU by blocked evaluation (numexpr's design, chosen by
// measurement in docs/jit.md): the output is cut into blocks of a few hundred elements, and
// each operation of the group runs as one vectorized flat run over the block (the eager
// kernels' own runs, kernels.h ElementwiseRun) into scratch that stays in L1. No code is
// generated, so nothing is compiled at run time; intermediates never reach memory.

#ifndef COTANGENT_BACKENDS_CPU_FUSED_H_
#define COTANGENT_BACKENDS_CPU_FUSED_H_

#include <memory>

#include "absl/status/statusor.h"
#include "core/fused_kernel.h"

namespace cotangent {

class CpuBackend;

// The group compiled for the CPU: flat runs and scratch slots chosen once.
absl::StatusOr<std::unique_ptr<FusedKernel>> CompileCpuFused(CpuBackend& backend,
                                                            const FusedCode& code);

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_CPU_FUSED_H_
