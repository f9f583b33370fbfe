// File: backends/vulkan/shader_module.cc
// vkCreateShaderModule.

#include "backends/vulkan/shader_module.h"

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<ShaderModule> ShaderModule::Create(const Device& device,
                                                  absl::Span<const uint32_t> spirv) {
  if (spirv.empty() || spirv[0] != 0x07230203u) {
    return absl::InvalidArgumentError("vulkan: shader code is not SPIR-V");
  }
  const VkShaderModuleCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
      .codeSize = spirv.size() * sizeof(uint32_t),
      .pCode = spirv.data(),
  };
  VkShaderModule handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreateShaderModule(device.handle(), &info, nullptr, &handle),
              "vkCreateShaderModule"));
  return ShaderModule(
      DeviceHandle<VkShaderModule>(device, handle, device.vk().vkDestroyShaderModule));
}

}  // namespace cotangent::vulkan
