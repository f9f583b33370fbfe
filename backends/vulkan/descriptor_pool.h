// File: backends/vulkan/descriptor_pool.h
// A VkDescriptorPool of storage-buffer descriptor sets. Each command batch owns one: a
// dispatch allocates its set here, and the whole pool is reset when the batch's fence has
// signalled, so sets are recycled without being freed one by one.

#ifndef COTANGENT_BACKENDS_VULKAN_DESCRIPTOR_POOL_H_
#define COTANGENT_BACKENDS_VULKAN_DESCRIPTOR_POOL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/descriptor_set_layout.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class DescriptorPool {
 public:
  // Room for `sets` sets holding `buffers` storage-buffer descriptors in total.
  static absl::StatusOr<DescriptorPool> Create(const Device& device, uint32_t sets,
                                               uint32_t buffers);

  VkDescriptorPool handle() const { return pool_.get(); }

  // A set of `layout` whose bindings 0..n-1 are `buffers`. ResourceExhausted when the pool is
  // full (the caller submits the batch and continues in a fresh one).
  absl::StatusOr<VkDescriptorSet> Allocate(const DescriptorSetLayout& layout,
                                           absl::Span<const VkDescriptorBufferInfo> buffers);
  // Returns every set to the pool; none may still be in use by the device.
  absl::Status Reset();

 private:
  explicit DescriptorPool(DeviceHandle<VkDescriptorPool> pool) : pool_(std::move(pool)) {}

  DeviceHandle<VkDescriptorPool> pool_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_DESCRIPTOR_POOL_H_
