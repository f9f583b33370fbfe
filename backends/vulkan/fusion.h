// File: backends/vulkan/fusion.h
// Elementwise fusion. With fusion on, an elementwise primitive over large arrays does not run
// at once: its result is a buffer whose contents are *pending*, a FusedExpr. A later
// elementwise primitive that reads the whole pending buffer splices the expression into its
// own instead of reading memory, so a chain such as tanh(x) * tanh(x) + 1 becomes one kernel,
// generated as GLSL and compiled by glslang once per distinct chain. Anything else that needs
// the contents (another primitive, a read-back, Synchronize) materializes the buffer first:
// one dispatch of the fused kernel. A pending result is spliced at most once; a second reader
// materializes it, so no value is computed more than twice. Which primitives fuse, from which
// result size and up to which kernel size is core/fusible.h, the definition core's fusion
// pass over programs (core/fusion.h) uses too: this file renders and runs what it decides.

#ifndef COTANGENT_BACKENDS_VULKAN_FUSION_H_
#define COTANGENT_BACKENDS_VULKAN_FUSION_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "backends/vulkan/kernel_context.h"
#include "core/array.h"
#include "core/dtype.h"
#include "core/fusible.h"
#include "core/primitive.h"

namespace cotangent::vulkan {

// Limits of one fused kernel: buffers it binds (the output and the 2/pi table besides) and
// primitives it chains.
constexpr int kMaxFusedLeaves = 6;
constexpr int kMaxFusedNodes = 32;

// The limits of this backend's fused kernels, as core/fusible.h counts them (what fuses, and
// when a chain is cut, is decided there), for results of at least min_elements.
FusionLimits FusedKernelLimits(int64_t min_elements);

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

// Records the kernel computing `expr` into the dense `out` (compiling it on first use). A
// single node runs the primitive's own kernel (ElementwiseLaunch): nothing new to compile.
absl::Status FusedLaunch(KernelContext& ctx, const FusedExpr& expr, const Array& out);

// The kernel's cache key and its GLSL (exposed for tests).
std::string FusedKernelKey(const FusedExpr& expr);
absl::StatusOr<std::string> FusedSource(const FusedExpr& expr);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_FUSION_H_
