// File: backends/vulkan/pipeline_cache.h
// A VkPipelineCache shared by every pipeline the backend creates, so that drivers which cache
// compiled shaders reuse work across pipelines with common code.

#ifndef COTANGENT_BACKENDS_VULKAN_PIPELINE_CACHE_H_
#define COTANGENT_BACKENDS_VULKAN_PIPELINE_CACHE_H_

#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class PipelineCache {
 public:
  static absl::StatusOr<PipelineCache> Create(const Device& device);

  VkPipelineCache handle() const { return cache_.get(); }

 private:
  explicit PipelineCache(DeviceHandle<VkPipelineCache> cache) : cache_(std::move(cache)) {}

  DeviceHandle<VkPipelineCache> cache_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_PIPELINE_CACHE_H_
