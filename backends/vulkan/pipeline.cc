// File: backends/vulkan/pipeline.cc
// vkCreateComputePipelines with 32-bit specialization constants 0..n-1.

#include "backends/vulkan/pipeline.h"

#include <vector>

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<Pipeline> Pipeline::Create(const Device& device, const PipelineCache& cache,
                                          const PipelineLayout& layout,
                                          const ShaderModule& shader,
                                          absl::Span<const uint32_t> specialization) {
  std::vector<VkSpecializationMapEntry> entries(specialization.size());
  for (size_t i = 0; i < specialization.size(); ++i) {
    entries[i] = VkSpecializationMapEntry{.constantID = static_cast<uint32_t>(i),
                                          .offset = static_cast<uint32_t>(i * sizeof(uint32_t)),
                                          .size = sizeof(uint32_t)};
  }
  const VkSpecializationInfo spec{
      .mapEntryCount = static_cast<uint32_t>(entries.size()),
      .pMapEntries = entries.data(),
      .dataSize = specialization.size() * sizeof(uint32_t),
      .pData = specialization.data(),
  };
  const VkComputePipelineCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage =
          VkPipelineShaderStageCreateInfo{
              .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
              .stage = VK_SHADER_STAGE_COMPUTE_BIT,
              .module = shader.handle(),
              .pName = "main",
              .pSpecializationInfo = specialization.empty() ? nullptr : &spec,
          },
      .layout = layout.handle(),
  };
  VkPipeline handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreateComputePipelines(device.handle(), cache.handle(), 1, &info,
                                                   nullptr, &handle),
              "vkCreateComputePipelines"));
  return Pipeline(DeviceHandle<VkPipeline>(device, handle, device.vk().vkDestroyPipeline),
                  &layout);
}

}  // namespace cotangent::vulkan
