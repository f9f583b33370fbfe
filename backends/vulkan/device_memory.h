// File: backends/vulkan/device_memory.h
// One VkDeviceMemory allocation, persistently mapped when its memory type is host-visible.
// The memory pool (memory_pool.h) is its only user; choosing memory types lives there too.

#ifndef COTANGENT_BACKENDS_VULKAN_DEVICE_MEMORY_H_
#define COTANGENT_BACKENDS_VULKAN_DEVICE_MEMORY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class DeviceMemory {
 public:
  // Allocates `bytes` of memory type `type_index`, mapped if `map`. ResourceExhausted when the
  // device is out of memory.
  static absl::StatusOr<DeviceMemory> Create(const Device& device, VkDeviceSize bytes,
                                             uint32_t type_index, bool map);

  VkDeviceMemory handle() const { return memory_.get(); }
  VkDeviceSize size() const { return size_; }
  // The mapping of the whole allocation, or null when not mapped.
  uint8_t* mapped() const { return mapped_; }

 private:
  DeviceMemory(DeviceHandle<VkDeviceMemory> memory, VkDeviceSize size)
      : memory_(std::move(memory)), size_(size) {}

  DeviceHandle<VkDeviceMemory> memory_;  // vkFreeMemory also unmaps
  VkDeviceSize size_;
  uint8_t* mapped_ = nullptr;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_DEVICE_MEMORY_H_
