// File: backends/vulkan/ops_reduce.cc
// Placeholder until the tree reductions land.

#include "backends/vulkan/ops.h"

namespace cotangent::vulkan {

absl::Status ReduceLaunch(KernelContext&, Primitive prim, absl::Span<const Array>,
                               const Params&, const Array&) {
  return absl::UnimplementedError(std::string("vulkan: ") + PrimitiveName(prim));
}

}  // namespace cotangent::vulkan
