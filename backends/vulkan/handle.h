// File: backends/vulkan/handle.h
// DeviceHandle<H>: sole ownership of one non-dispatchable Vulkan handle created from a device,
// destroyed with the matching vkDestroy*/vkFree* call. Every RAII class of this directory keeps
// its handle in one, so moves and destruction are written once.

#ifndef COTANGENT_BACKENDS_VULKAN_HANDLE_H_
#define COTANGENT_BACKENDS_VULKAN_HANDLE_H_

#include <utility>

#include "backends/vulkan/device.h"
#include "backends/vulkan/vk.h"

namespace cotangent::vulkan {

template <typename H>
class DeviceHandle {
 public:
  using DestroyFn = void(VKAPI_PTR*)(VkDevice, H, const VkAllocationCallbacks*);

  DeviceHandle() = default;
  // Takes ownership of `handle` (may be VK_NULL_HANDLE). The device must outlive it.
  DeviceHandle(const Device& device, H handle, DestroyFn destroy)
      : vk_(&device.vk()), device_(device.handle()), handle_(handle), destroy_(destroy) {}
  DeviceHandle(DeviceHandle&& other) noexcept
      : vk_(other.vk_), device_(other.device_),
        handle_(std::exchange(other.handle_, VK_NULL_HANDLE)), destroy_(other.destroy_) {}
  DeviceHandle& operator=(DeviceHandle&& other) noexcept {
    if (this != &other) {
      Reset();
      vk_ = other.vk_;
      device_ = other.device_;
      handle_ = std::exchange(other.handle_, VK_NULL_HANDLE);
      destroy_ = other.destroy_;
    }
    return *this;
  }
  DeviceHandle(const DeviceHandle&) = delete;
  DeviceHandle& operator=(const DeviceHandle&) = delete;
  ~DeviceHandle() { Reset(); }

  H get() const { return handle_; }
  VkDevice device() const { return device_; }
  const DeviceFunctions& vk() const { return *vk_; }

  void Reset() {
    if (handle_ != VK_NULL_HANDLE) destroy_(device_, handle_, nullptr);
    handle_ = VK_NULL_HANDLE;
  }

 private:
  const DeviceFunctions* vk_ = nullptr;
  VkDevice device_ = VK_NULL_HANDLE;
  H handle_ = VK_NULL_HANDLE;
  DestroyFn destroy_ = nullptr;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_HANDLE_H_
