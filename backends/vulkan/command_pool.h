// File: backends/vulkan/command_pool.h
// A VkCommandPool for the compute queue family; command buffers (command_buffer.h) are
// allocated from it and reset one by one when their batch is recycled.

#ifndef COTANGENT_BACKENDS_VULKAN_COMMAND_POOL_H_
#define COTANGENT_BACKENDS_VULKAN_COMMAND_POOL_H_

#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class CommandPool {
 public:
  static absl::StatusOr<CommandPool> Create(const Device& device);

  VkCommandPool handle() const { return pool_.get(); }

 private:
  explicit CommandPool(DeviceHandle<VkCommandPool> pool) : pool_(std::move(pool)) {}

  DeviceHandle<VkCommandPool> pool_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_COMMAND_POOL_H_
