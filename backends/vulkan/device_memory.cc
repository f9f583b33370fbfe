// File: backends/vulkan/device_memory.cc
// vkAllocateMemory + vkMapMemory.

#include "backends/vulkan/device_memory.h"

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<DeviceMemory> DeviceMemory::Create(const Device& device, VkDeviceSize bytes,
                                                  uint32_t type_index, bool map) {
  const VkMemoryAllocateInfo info{
      .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
      .allocationSize = bytes,
      .memoryTypeIndex = type_index,
  };
  VkDeviceMemory handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(VkCheck(
      device.vk().vkAllocateMemory(device.handle(), &info, nullptr, &handle), "vkAllocateMemory"));
  DeviceMemory memory(DeviceHandle<VkDeviceMemory>(device, handle, device.vk().vkFreeMemory),
                      bytes);
  if (map) {
    void* mapped = nullptr;
    COTANGENT_RETURN_IF_ERROR(
        VkCheck(device.vk().vkMapMemory(device.handle(), handle, 0, VK_WHOLE_SIZE, 0, &mapped),
                "vkMapMemory"));
    memory.mapped_ = static_cast<uint8_t*>(mapped);
  }
  return memory;
}

}  // namespace cotangent::vulkan
