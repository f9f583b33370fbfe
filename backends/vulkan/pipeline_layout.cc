// File: backends/vulkan/pipeline_layout.cc
// vkCreatePipelineLayout.

#include "backends/vulkan/pipeline_layout.h"

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<PipelineLayout> PipelineLayout::Create(const Device& device,
                                                      const DescriptorSetLayout& set_layout) {
  const VkDescriptorSetLayout set = set_layout.handle();
  const VkPushConstantRange push{
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = kPushConstantBytes};
  const VkPipelineLayoutCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
      .setLayoutCount = 1,
      .pSetLayouts = &set,
      .pushConstantRangeCount = 1,
      .pPushConstantRanges = &push,
  };
  VkPipelineLayout handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreatePipelineLayout(device.handle(), &info, nullptr, &handle),
              "vkCreatePipelineLayout"));
  return PipelineLayout(
      DeviceHandle<VkPipelineLayout>(device, handle, device.vk().vkDestroyPipelineLayout),
      &set_layout);
}

}  // namespace cotangent::vulkan
