// File: backends/vulkan/shader_module.h
// A VkShaderModule from SPIR-V words: embedded at build time (kernels/) or compiled at run
// time by glslang (glsl_compiler.h).

#ifndef COTANGENT_BACKENDS_VULKAN_SHADER_MODULE_H_
#define COTANGENT_BACKENDS_VULKAN_SHADER_MODULE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class ShaderModule {
 public:
  static absl::StatusOr<ShaderModule> Create(const Device& device,
                                             absl::Span<const uint32_t> spirv);

  VkShaderModule handle() const { return module_.get(); }

 private:
  explicit ShaderModule(DeviceHandle<VkShaderModule> module) : module_(std::move(module)) {}

  DeviceHandle<VkShaderModule> module_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_SHADER_MODULE_H_
