// File: backends/vulkan/ops_dot.cc
// Placeholder until the tiled matmul land.

#include "backends/vulkan/ops.h"

namespace cotangent::vulkan {

absl::Status DotGeneralLaunch(KernelContext&, Primitive prim, absl::Span<const Array>,
                               const Params&, const Array&) {
  return absl::UnimplementedError(std::string("vulkan: ") + PrimitiveName(prim));
}

}  // namespace cotangent::vulkan
