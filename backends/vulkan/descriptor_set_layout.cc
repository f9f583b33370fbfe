// File: backends/vulkan/descriptor_set_layout.cc
// vkCreateDescriptorSetLayout with storage-buffer bindings.

#include "backends/vulkan/descriptor_set_layout.h"

#include <vector>

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<DescriptorSetLayout> DescriptorSetLayout::Create(const Device& device,
                                                                uint32_t buffers) {
  std::vector<VkDescriptorSetLayoutBinding> bindings(buffers);
  for (uint32_t i = 0; i < buffers; ++i) {
    bindings[i] = VkDescriptorSetLayoutBinding{
        .binding = i,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  }
  const VkDescriptorSetLayoutCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
      .bindingCount = buffers,
      .pBindings = bindings.data(),
  };
  VkDescriptorSetLayout handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreateDescriptorSetLayout(device.handle(), &info, nullptr, &handle),
              "vkCreateDescriptorSetLayout"));
  return DescriptorSetLayout(
      DeviceHandle<VkDescriptorSetLayout>(device, handle, device.vk().vkDestroyDescriptorSetLayout),
      buffers);
}

}  // namespace cotangent::vulkan
