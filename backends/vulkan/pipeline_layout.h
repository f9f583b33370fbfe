// File: backends/vulkan/pipeline_layout.h
// A VkPipelineLayout: one descriptor set layout plus the push-constant range every kernel
// shares (the 128 bytes Vulkan guarantees, holding shapes, strides and offsets).

#ifndef COTANGENT_BACKENDS_VULKAN_PIPELINE_LAYOUT_H_
#define COTANGENT_BACKENDS_VULKAN_PIPELINE_LAYOUT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "backends/vulkan/descriptor_set_layout.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

// Bytes of push constants every kernel may use: the minimum maxPushConstantsSize.
inline constexpr uint32_t kPushConstantBytes = 128;

class PipelineLayout {
 public:
  // `set_layout` must outlive the pipeline layout.
  static absl::StatusOr<PipelineLayout> Create(const Device& device,
                                               const DescriptorSetLayout& set_layout);

  VkPipelineLayout handle() const { return layout_.get(); }
  const DescriptorSetLayout& set_layout() const { return *set_layout_; }

 private:
  PipelineLayout(DeviceHandle<VkPipelineLayout> layout, const DescriptorSetLayout* set_layout)
      : layout_(std::move(layout)), set_layout_(set_layout) {}

  DeviceHandle<VkPipelineLayout> layout_;
  const DescriptorSetLayout* set_layout_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_PIPELINE_LAYOUT_H_
