// File: core/fusible.h
// The one definition of what may run as one fused elementwise kernel, shared by core's fusion
// pass over programs (core/fusion.h, for jit) and the backends' eager fusion (the Vulkan
// backend's pending results, backends/vulkan/fusion.h): which primitives fuse, from which
// result size, and what one kernel may hold. Which operand layouts a fused kernel reads is
// layout math: core/layout.h FlatReadOf.

#ifndef COTANGENT_CORE_FUSIBLE_H_
#define COTANGENT_CORE_FUSIBLE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>

#include "absl/types/span.h"
#include "core/dtype.h"
#include "core/primitive.h"
#include "core/shape.h"

namespace cotangent {

// Whether prim may be an equation of a fused elementwise kernel: a primitive of the unary,
// binary, compare, select or convert family, each of whose output elements is a function of
// the operands' elements at the same index (so a chain of them is one loop over the output).
// stop_gradient is not: an identity that eval makes a view, never a kernel.
bool IsFusible(Primitive prim);

// The limits of one fused kernel, set by the backend that renders it.
struct FusionLimits {
  static constexpr int kNone = std::numeric_limits<int>::max();
  // Results of fewer elements run unfused: while dispatch, not memory, is the cost, a kernel
  // per primitive (compiled once for every shape) beats compiling one per chain. Negative:
  // nothing fuses. An empty result never fuses.
  int64_t min_elements = 0;
  // Arrays one kernel reads (buffers it binds) and equations it computes.
  int max_inputs = kNone;
  int max_equations = kNone;
};

// How a backend's fused kernels are planned (core/fusion.h PlanFusion): their limits, and the
// math library each equation's kernel calls.
struct FusionOptions {
  FusionLimits limits;
  // The math library (FusedSize::math) the backend's kernel of prim over operands of dtype
  // `in` calls, if any (f16 and bf16 are asked as f32, which computes them); equations calling
  // different ones never share a group. Null: no such constraint (the CPU).
  std::function<std::optional<DType>(Primitive prim, DType in)> math;
};

// Whether a primitive with result `out` fuses under limits: IsFusible and large enough. (f16
// and bf16 fuse as any dtype: a group computes them in f32, core/fused_kernel.h
// ComputeHalvesInF32.)
bool Fuses(Primitive prim, const ShapedArray& out, const FusionLimits& limits);

// What one fused kernel holds, as its limits count it.
struct FusedSize {
  int inputs = 0;
  int equations = 0;
  // The precision of the math library its equations call, if one calls it (backends whose
  // kernels link one library each: the Vulkan backend's GLSL exp, sin, pow... in f32 or f64).
  std::optional<DType> math;
};

// The size of one kernel computing both a and b (inputs added as counted: an input of both,
// counted twice, over-estimates safely), or nullopt when they call different math libraries.
std::optional<FusedSize> Combine(const FusedSize& a, const FusedSize& b);

// Whether one kernel of this size is within limits.
bool WithinLimits(const FusedSize& size, const FusionLimits& limits);

}  // namespace cotangent

#endif  // COTANGENT_CORE_FUSIBLE_H_
