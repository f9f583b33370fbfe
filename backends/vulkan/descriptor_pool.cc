// File: backends/vulkan/descriptor_pool.cc
// Descriptor pool creation, set allocation + update, reset.

#include "backends/vulkan/descriptor_pool.h"

#include <vector>

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<DescriptorPool> DescriptorPool::Create(const Device& device, uint32_t sets,
                                                      uint32_t buffers) {
  const VkDescriptorPoolSize size{.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                  .descriptorCount = buffers};
  const VkDescriptorPoolCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
      .maxSets = sets,
      .poolSizeCount = 1,
      .pPoolSizes = &size,
  };
  VkDescriptorPool handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreateDescriptorPool(device.handle(), &info, nullptr, &handle),
              "vkCreateDescriptorPool"));
  return DescriptorPool(
      DeviceHandle<VkDescriptorPool>(device, handle, device.vk().vkDestroyDescriptorPool));
}

absl::StatusOr<VkDescriptorSet> DescriptorPool::Allocate(
    const DescriptorSetLayout& layout, absl::Span<const VkDescriptorBufferInfo> buffers) {
  const VkDescriptorSetLayout set_layout = layout.handle();
  const VkDescriptorSetAllocateInfo info{
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
      .descriptorPool = pool_.get(),
      .descriptorSetCount = 1,
      .pSetLayouts = &set_layout,
  };
  VkDescriptorSet set = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(pool_.vk().vkAllocateDescriptorSets(pool_.device(), &info, &set),
              "vkAllocateDescriptorSets"));
  std::vector<VkWriteDescriptorSet> writes(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    writes[i] = VkWriteDescriptorSet{
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstSet = set,
        .dstBinding = static_cast<uint32_t>(i),
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &buffers[i],
    };
  }
  pool_.vk().vkUpdateDescriptorSets(pool_.device(), static_cast<uint32_t>(writes.size()),
                                    writes.data(), 0, nullptr);
  return set;
}

absl::Status DescriptorPool::Reset() {
  return VkCheck(pool_.vk().vkResetDescriptorPool(pool_.device(), pool_.get(), 0),
                 "vkResetDescriptorPool");
}

}  // namespace cotangent::vulkan
