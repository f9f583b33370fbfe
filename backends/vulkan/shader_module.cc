// File: backends/vulkan/shader_module.cc
// vkCreateShaderModule, with IEEE specials preserved where the device guarantees them.

#include "backends/vulkan/shader_module.h"

#include "backends/vulkan/float_controls.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<ShaderModule> ShaderModule::Create(const Device& device,
                                                  absl::Span<const uint32_t> spirv) {
  COTANGENT_ASSIGN_OR_RETURN(const std::vector<uint32_t> code,
                             WithIeeeSpecials(spirv, device.info().float_controls));
  const VkShaderModuleCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
      .codeSize = code.size() * sizeof(uint32_t),
      .pCode = code.data(),
  };
  VkShaderModule handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreateShaderModule(device.handle(), &info, nullptr, &handle),
              "vkCreateShaderModule"));
  return ShaderModule(
      DeviceHandle<VkShaderModule>(device, handle, device.vk().vkDestroyShaderModule));
}

}  // namespace cotangent::vulkan
