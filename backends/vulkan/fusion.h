// File: backends/vulkan/fusion.h
// Fused elementwise kernels: a FusedCode (core/fused_kernel.h: a straight-line list of
// elementwise operations over numbered values) rendered as GLSL, compiled by glslang once per
// distinct code, and recorded as one dispatch per element range. Both users of fusion render
// through here:
// - jit's fused groups, planned over a whole program by core/fusion.h (VulkanBackend::
//   CompileFused): any number of outputs, split into several kernels only when the buffers one
//   kernel would bind exceed kMaxBindings;
// - eager fusion: with fusion on, an elementwise primitive over large arrays does not run at
//   once: its result is a buffer whose contents are *pending*, a FusedExpr. A later
//   elementwise primitive that reads the whole pending buffer splices the expression into its
//   own instead of reading memory, so a chain such as tanh(x) * tanh(x) + 1 becomes one
//   kernel. Anything else that needs the contents (another primitive, a read-back,
//   Synchronize) materializes the buffer first: one dispatch of the expression's code. A
//   pending result is spliced at most once; a second reader materializes it, so no value is
//   computed more than twice.
// Which primitives fuse, from which result size and up to which kernel size is core/fusible.h,
// the definition core's fusion pass uses too: this file renders and runs what it decides.

#ifndef COTANGENT_BACKENDS_VULKAN_FUSION_H_
#define COTANGENT_BACKENDS_VULKAN_FUSION_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/kernel_context.h"
#include "backends/vulkan/pipeline.h"
#include "core/array.h"
#include "core/dtype.h"
#include "core/fused_kernel.h"
#include "core/fusible.h"
#include "core/primitive.h"

namespace cotangent::vulkan {

// Limits of one fused kernel: arrays it reads, and primitives it chains. Longer chains cost
// more to compile than they save: lavapipe (LLVM) takes superlinear time in a kernel's length
// (jit of W4's gradient, 3750 operations, compiled cold in 6.0 s at 32, 10.2 s at 64 and
// 30.9 s at 128 operations per kernel; docs/jit.md).
constexpr int kMaxFusedInputs = 6;
constexpr int kMaxFusedNodes = 32;

// The limits of eager fusion's kernels, as core/fusible.h counts them (what fuses, and when a
// chain is cut, is decided there), for results of at least min_elements.
FusionLimits FusedKernelLimits(int64_t min_elements);
// How jit's groups are planned for this backend: results of any size (a group is compiled
// once, ahead of the first call), the same kernel limits, and one math library per kernel.
FusionOptions JitFusionOptions();

// out[p] = nodes.back() at element p, for every p of the dense output `aval` (taken flat).
struct FusedExpr {
  // An operand read from memory: `view` is what the primitive received (the output's shape),
  // either contiguous (element p at view.offset + p) or one element repeated (all strides 0).
  struct Leaf {
    Array view;
    bool broadcast = false;
  };
  // A primitive applied to earlier nodes (arg >= 0) or leaves (arg = -1 - leaf index).
  struct Node {
    Primitive prim;
    DType in, out;  // as ElementwiseSpec
    std::array<int, 3> args = {0, 0, 0};
  };
  ShapedArray aval;
  std::vector<Leaf> leaves;
  std::vector<Node> nodes;
  // The dtype of the math library the nodes use (one per kernel), if any uses it.
  std::optional<DType> math;
};

// How a primitive's operand can enter a fused kernel as a leaf: contiguous, or one repeated
// element (core/layout.h FlatReadOf); nullopt for any other layout (the primitive then runs
// unfused).
std::optional<FusedExpr::Leaf> AsLeaf(const Array& view);

// The math library a node of `prim` over `in` calls (nullopt: none). One kernel includes one.
std::optional<DType> MathOf(Primitive prim, DType in);

// expr's size as core/fusible.h counts it: leaves, nodes and math library.
FusedSize SizeOf(const FusedExpr& expr);

// Appends `other`'s leaves (those already in `expr` are shared) and nodes to `expr`; returns
// the index of other's result node there.
int Splice(FusedExpr& expr, const FusedExpr& other);
// Adds a leaf (or finds the same one) and returns its argument index, -1 - leaf index.
int AddLeaf(FusedExpr& expr, const FusedExpr::Leaf& leaf);

// The code of an expression: its leaves are the inputs, its last node the one output.
FusedCode CodeOf(const FusedExpr& expr);

// The kernels of one FusedCode. Each part computes some of the outputs from some of the
// inputs (one part, unless the bindings of all of them exceed kMaxBindings).
struct FusedKernels {
  struct Part {
    const Pipeline* pipeline = nullptr;
    std::vector<int> inputs;   // indices into the code's inputs, bound in this order
    std::vector<int> outputs;  // indices into the code's outputs, bound first
    bool table = false;        // binds the 2/pi table after the inputs
  };
  std::vector<Part> parts;
};

// Compiles (or finds in the kernel cache) the kernels of `code`, whose dtypes the device
// must support (KernelContext::Require).
absl::StatusOr<FusedKernels> CompileFusedCode(KernelContext& ctx, const FusedCode& code);

// Records `kernels` of `code` over `inputs` (one leaf per code input: contiguous or one
// element repeated, as AsLeaf) into `outputs` (dense arrays of code.shape, one per code
// output). An output may share its buffer with an input only if `kernels` has one part.
absl::Status FusedLaunch(KernelContext& ctx, const FusedCode& code, const FusedKernels& kernels,
                         absl::Span<const FusedExpr::Leaf> inputs,
                         absl::Span<const Array> outputs);
// Records the materialization of a pending expression into the dense `out` (compiling its
// kernel on first use). A single node runs the primitive's own kernel (ElementwiseLaunch):
// nothing new to compile.
absl::Status FusedLaunch(KernelContext& ctx, const FusedExpr& expr, const Array& out);

// A kernel's cache key and its GLSL (exposed for tests).
std::string FusedKernelKey(const FusedCode& code);
absl::StatusOr<std::string> FusedSource(const FusedCode& code);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_FUSION_H_
