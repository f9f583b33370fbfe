// File: backends/vulkan/float_controls.h
// IEEE infinities, NaNs and signed zeros in every shader (SPIR-V's SignedZeroInfNanPreserve).
//
// Without that execution mode a Vulkan driver may assume no operand or result is an infinity
// or a NaN and optimize accordingly: NVIDIA's does (isnan folded away, y * inf not infinite,
// 1 / 0 in f64 equal to 0), lavapipe's does not. Every kernel of the math library relies on
// them, so each shader module gets the mode for each float width it uses, where the device
// guarantees it (Vulkan 1.2's VkPhysicalDeviceFloatControlsProperties). Patching the SPIR-V
// words in one place covers the kernels embedded at build time and those glslang compiles at
// run time alike; glslang 11 has no GLSL spelling for the mode short of spirv_intrinsics.

#ifndef COTANGENT_BACKENDS_VULKAN_FLOAT_CONTROLS_H_
#define COTANGENT_BACKENDS_VULKAN_FLOAT_CONTROLS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace cotangent::vulkan {

struct FloatControls {
  bool preserve32 = false;  // shaderSignedZeroInfNanPreserveFloat32
  bool preserve64 = false;  // shaderSignedZeroInfNanPreserveFloat64
};

// `spirv` with OpCapability SignedZeroInfNanPreserve, the SPV_KHR_float_controls extension
// (SPIR-V before 1.4) and OpExecutionMode SignedZeroInfNanPreserve <width> on every entry
// point, for 32 when `controls.preserve32` and for 64 when the module declares Float64 and
// `controls.preserve64`. Unchanged when neither applies. InvalidArgument on malformed SPIR-V.
absl::StatusOr<std::vector<uint32_t>> WithIeeeSpecials(absl::Span<const uint32_t> spirv,
                                                       FloatControls controls);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_FLOAT_CONTROLS_H_
