// File: backends/vulkan/descriptor_set_layout.h
// A VkDescriptorSetLayout of N storage buffers at bindings 0..N-1 for the compute stage: the
// only kind of layout Cotangent's kernels use, so one per binding count is shared by all.

#ifndef COTANGENT_BACKENDS_VULKAN_DESCRIPTOR_SET_LAYOUT_H_
#define COTANGENT_BACKENDS_VULKAN_DESCRIPTOR_SET_LAYOUT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class DescriptorSetLayout {
 public:
  static absl::StatusOr<DescriptorSetLayout> Create(const Device& device, uint32_t buffers);

  VkDescriptorSetLayout handle() const { return layout_.get(); }
  uint32_t buffers() const { return buffers_; }

 private:
  DescriptorSetLayout(DeviceHandle<VkDescriptorSetLayout> layout, uint32_t buffers)
      : layout_(std::move(layout)), buffers_(buffers) {}

  DeviceHandle<VkDescriptorSetLayout> layout_;
  uint32_t buffers_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_DESCRIPTOR_SET_LAYOUT_H_
