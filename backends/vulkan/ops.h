// File: backends/vulkan/ops.h
// The kernel launchers of the Vulkan backend, one per primitive family, all with the Launcher
// signature so that VulkanBackend::Execute is one exhaustive switch. Each records dispatches
// on the context's stream; none waits for the device.

#ifndef COTANGENT_BACKENDS_VULKAN_OPS_H_
#define COTANGENT_BACKENDS_VULKAN_OPS_H_

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "backends/vulkan/kernel_context.h"
#include "core/array.h"
#include "core/params.h"
#include "core/primitive.h"

namespace cotangent::vulkan {

// Computes prim of `in` (views of this backend's buffers, any strides) into `out`, a dense
// array of the output aval. Inputs were validated by abstract evaluation.
using Launcher = absl::Status (*)(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                                  const Params& params, const Array& out);

// ops_movement.cc: strided copies. MovementLaunch runs the fill and copies core/layout.h plans
// for a movement primitive or stop_gradient (PlanMovement).
// Copies the elements of view `src` into view `dst` (same shape and dtype), bit for bit.
absl::Status CopyView(KernelContext& ctx, const Array& src, const Array& dst);
// Sets every element of the dense array `out` to value (converted as convert_element_type).
absl::Status Fill(KernelContext& ctx, const Array& out, Number value);
absl::Status MovementLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                            const Params& params, const Array& out);

// ops_elementwise.cc: unary, binary, compare, select, convert (generated kernels).
absl::Status ElementwiseLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                               const Params& params, const Array& out);

// ops_reduce.cc: reduce_sum, reduce_max, reduce_prod, argmax (tree reductions).
absl::Status ReduceLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                          const Params& params, const Array& out);

// ops_dot.cc: dot_general as a tiled batched matmul.
absl::Status DotGeneralLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                              const Params& params, const Array& out);

// ops_conv.cc: conv_general_dilated as a direct convolution (kernels generated per shape).
absl::Status ConvLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                        const Params& params, const Array& out);
// ops_indexing.cc: gather and scatter_add (kernels generated per shape and dimension numbers).
absl::Status IndexingLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                            const Params& params, const Array& out);

// ops_sort.cc: argsort as a bitonic sorting network over each line's indices.
absl::Status SortLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                        const Params& params, const Array& out);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_OPS_H_
