// File: backends/vulkan/pipeline.h
// A compute VkPipeline: a shader module's `main` with specialization constants (workgroup and
// tile sizes: constant_id i gets values[i]) under a pipeline layout.

#ifndef COTANGENT_BACKENDS_VULKAN_PIPELINE_H_
#define COTANGENT_BACKENDS_VULKAN_PIPELINE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"
#include "backends/vulkan/pipeline_cache.h"
#include "backends/vulkan/pipeline_layout.h"
#include "backends/vulkan/shader_module.h"

namespace cotangent::vulkan {

class Pipeline {
 public:
  // `layout` must outlive the pipeline; the shader module may go once this returns.
  static absl::StatusOr<Pipeline> Create(const Device& device, const PipelineCache& cache,
                                         const PipelineLayout& layout, const ShaderModule& shader,
                                         absl::Span<const uint32_t> specialization);

  VkPipeline handle() const { return pipeline_.get(); }
  const PipelineLayout& layout() const { return *layout_; }

 private:
  Pipeline(DeviceHandle<VkPipeline> pipeline, const PipelineLayout* layout)
      : pipeline_(std::move(pipeline)), layout_(layout) {}

  DeviceHandle<VkPipeline> pipeline_;
  const PipelineLayout* layout_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_PIPELINE_H_
