// File: backends/vulkan/pipeline_cache.cc
// vkCreatePipelineCache (empty; in memory for the process).

#include "backends/vulkan/pipeline_cache.h"

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<PipelineCache> PipelineCache::Create(const Device& device) {
  const VkPipelineCacheCreateInfo info{.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  VkPipelineCache handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreatePipelineCache(device.handle(), &info, nullptr, &handle),
              "vkCreatePipelineCache"));
  return PipelineCache(
      DeviceHandle<VkPipelineCache>(device, handle, device.vk().vkDestroyPipelineCache));
}

}  // namespace cotangent::vulkan
