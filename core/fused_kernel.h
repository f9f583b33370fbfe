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
// (FusedKernel::Run says which layouts it reads). The code a backend compiles has been through
// ComputeHalvesInF32: f16 and bf16 values are only inputs, outputs, and operands and results
// of convert_element_type, and a kernel may hold each as the f32 it equals.
struct FusedCode {
  struct Op {
    Primitive prim;          // a fusible primitive (core/fusible.h IsFusible)
    DType dtype;             // the result's dtype
    std::vector<int32_t> args;  // value numbers, all of earlier values
  };
  struct Literal {
    Number value;  // in its one form in dtype (Number::In)
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

// code with its f16 and bf16 arithmetic done in f32, as core/eval.h RunEquation does it one
// primitive at a time: an op other than convert_element_type with such an operand reads it
// converted to f32 (exact), computes in f32, and a result of such a dtype is that f32
// converted back (rounded once, to nearest even); literals of those dtypes become the f32
// they equal. So a fused kernel equals the primitives run one by one, bit for bit.
FusedCode ComputeHalvesInF32(const FusedCode& code);
// An Internal error unless f16 and bf16 appear in code only as inputs, outputs and operands or
// results of convert_element_type (what ComputeHalvesInF32 leaves): backends check it before
// compiling, since their arithmetic kernels do not exist for 16-bit floats.
absl::Status CheckHalvesOnlyConverted(const FusedCode& code);

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
