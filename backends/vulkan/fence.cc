// File: backends/vulkan/fence.cc
// vkCreateFence, vkWaitForFences with a timeout, vkGetFenceStatus, vkResetFences.

#include "backends/vulkan/fence.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<Fence> Fence::Create(const Device& device) {
  const VkFenceCreateInfo info{.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(VkCheck(
      device.vk().vkCreateFence(device.handle(), &info, nullptr, &handle), "vkCreateFence"));
  return Fence(DeviceHandle<VkFence>(device, handle, device.vk().vkDestroyFence));
}

absl::Status Fence::Wait(absl::Duration timeout) const {
  const VkFence fence = fence_.get();
  const uint64_t ns = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToInt64Nanoseconds(timeout)));
  const VkResult result = fence_.vk().vkWaitForFences(fence_.device(), 1, &fence, VK_TRUE, ns);
  if (result == VK_TIMEOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat("vulkan: submitted work did not finish within ", absl::FormatDuration(timeout),
                     " (the device may be hung or lost)"));
  }
  return VkCheck(result, "vkWaitForFences");
}

absl::StatusOr<bool> Fence::IsSignaled() const {
  const VkResult result = fence_.vk().vkGetFenceStatus(fence_.device(), fence_.get());
  if (result == VK_NOT_READY) return false;
  COTANGENT_RETURN_IF_ERROR(VkCheck(result, "vkGetFenceStatus"));
  return true;
}

absl::Status Fence::Reset() const {
  const VkFence fence = fence_.get();
  return VkCheck(fence_.vk().vkResetFences(fence_.device(), 1, &fence), "vkResetFences");
}

}  // namespace cotangent::vulkan
