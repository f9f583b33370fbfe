// File: backends/vulkan/device_buffer.cc
// vkCreateBuffer, memory of the requested type, vkBindBufferMemory.

#include "backends/vulkan/device_buffer.h"

#include "absl/strings/str_cat.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<DeviceBuffer> DeviceBuffer::Create(const Device& device, VkDeviceSize bytes,
                                                  uint32_t type_index, bool map) {
  const DeviceFunctions& vk = device.vk();
  const VkBufferCreateInfo info{
      .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
      .size = bytes,
      .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT,
      .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  VkBuffer handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(vk.vkCreateBuffer(device.handle(), &info, nullptr, &handle), "vkCreateBuffer"));
  DeviceHandle<VkBuffer> buffer(device, handle, vk.vkDestroyBuffer);
  VkMemoryRequirements needs;
  vk.vkGetBufferMemoryRequirements(device.handle(), handle, &needs);
  if ((needs.memoryTypeBits & (1u << type_index)) == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "vulkan: the driver cannot place storage buffers in memory type ", type_index));
  }
  COTANGENT_ASSIGN_OR_RETURN(DeviceMemory memory,
                             DeviceMemory::Create(device, needs.size, type_index, map));
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(vk.vkBindBufferMemory(device.handle(), handle, memory.handle(), 0),
              "vkBindBufferMemory"));
  return DeviceBuffer(std::move(buffer), std::move(memory), bytes);
}

}  // namespace cotangent::vulkan
