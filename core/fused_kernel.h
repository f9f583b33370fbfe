// File: core/fused_kernel.h
// A fused elementwise group as a backend receives it from jit's compiler (core/executable.h):
// a straight-line list of elementwise operations over numbered values, computed element by
// element over one shape, and the FusedKernel a backend compiles it into. The group itself
// (which equations, what they read and write) is planned by core/fusion.h; this is its
// backend-independent rendering, free of programs and tensors so that backends can take it.

#ifndef COTANGENT_CORE_FUSED_KERNEL_H_
#define COTANGENT_CORE_FUSED_KERNEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/array.h"
#include "core/dtype.h"
#include "core/primitive.h"
#include "core/shape.h"

namespace cotangent {

// Values are numbered: first the group's array inputs, then its literals, then one per
// operation in order. Every value has the group's shape; an input may be a broadcast scalar
// (FusedKernel::Run says which layouts it reads).
struct FusedCode {
  struct Op {
    Primitive prim;          // a fusible primitive (core/fusible.h IsFusible)
    DType dtype;             // the result's dtype
    std::vector<int32_t> args;  // value numbers, all of earlier values
  };
  struct Literal {
    double value;
    DType dtype;
  };
  Shape shape;
  std::vector<DType> inputs;      // the dtype of each array input
  std::vector<Literal> literals;  // scalars written into the kernel
  std::vector<Op> ops;
  std::vector<int32_t> outputs;   // the values written to memory, each an op's result

  int32_t num_values() const {
    return static_cast<int32_t>(inputs.size() + literals.size() + ops.size());
  }
  DType DTypeOf(int32_t value) const;
  // One line per op, `v5 = mul v0 v3 : f64`, for printed plans.
  std::string ToString() const;
};

// A compiled group. Run is thread-safe (a jitted function may be called from several threads).
class FusedKernel {
 public:
  virtual ~FusedKernel() = default;
  // inputs: one array per FusedCode::inputs, each of the group's shape or a broadcast scalar,
  // any strides. outputs: one per FusedCode::outputs; where the caller set a buffer (a donated
  // argument's dense buffer of the right size, possibly also an input), the result is written
  // there, else into a new dense array the kernel allocates.
  virtual absl::Status Run(absl::Span<const Array> inputs, absl::Span<Array> outputs) const = 0;
};

}  // namespace cotangent

#endif  // COTANGENT_CORE_FUSED_KERNEL_H_
