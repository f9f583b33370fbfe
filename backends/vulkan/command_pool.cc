// File: backends/vulkan/command_pool.cc
// vkCreateCommandPool with individually resettable command buffers.

#include "backends/vulkan/command_pool.h"

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<CommandPool> CommandPool::Create(const Device& device) {
  const VkCommandPoolCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
      .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
      .queueFamilyIndex = device.queue_family(),
  };
  VkCommandPool handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkCreateCommandPool(device.handle(), &info, nullptr, &handle),
              "vkCreateCommandPool"));
  return CommandPool(DeviceHandle<VkCommandPool>(device, handle, device.vk().vkDestroyCommandPool));
}

}  // namespace cotangent::vulkan
