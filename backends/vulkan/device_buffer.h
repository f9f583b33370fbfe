// File: backends/vulkan/device_buffer.h
// One VkBuffer usable as a storage buffer and as a copy source and destination, bound to its
// own DeviceMemory. The memory pool carves array buffers out of these.

#ifndef COTANGENT_BACKENDS_VULKAN_DEVICE_BUFFER_H_
#define COTANGENT_BACKENDS_VULKAN_DEVICE_BUFFER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/device_memory.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class DeviceBuffer {
 public:
  // A buffer of `bytes` in memory of type `type_index` (mapped if `map`). FailedPrecondition
  // when the driver cannot place such a buffer in that memory type; ResourceExhausted when out
  // of memory.
  static absl::StatusOr<DeviceBuffer> Create(const Device& device, VkDeviceSize bytes,
                                             uint32_t type_index, bool map);

  VkBuffer handle() const { return buffer_.get(); }
  VkDeviceSize size() const { return size_; }
  uint8_t* mapped() const { return memory_.mapped(); }

 private:
  DeviceBuffer(DeviceHandle<VkBuffer> buffer, DeviceMemory memory, VkDeviceSize size)
      : memory_(std::move(memory)), buffer_(std::move(buffer)), size_(size) {}

  DeviceMemory memory_;
  DeviceHandle<VkBuffer> buffer_;  // destroyed before its memory (members in reverse order)
  VkDeviceSize size_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_DEVICE_BUFFER_H_
