// File: backends/vulkan/device.h
// The logical device: one compute queue, the optional features Cotangent uses (shaderFloat64
// for f64, 8-bit storage for bool), and the device-level function table every other Vulkan
// object of this directory calls through.

#ifndef COTANGENT_BACKENDS_VULKAN_DEVICE_H_
#define COTANGENT_BACKENDS_VULKAN_DEVICE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "backends/vulkan/dispatch.h"
#include "backends/vulkan/instance.h"
#include "backends/vulkan/physical_device.h"
#include "backends/vulkan/vk.h"

namespace cotangent::vulkan {

class Device {
 public:
  // Creates the device with one queue of info.compute_queue_family. The instance must outlive
  // the device, and the device every object created from it.
  static absl::StatusOr<Device> Create(const Instance& instance, const PhysicalDeviceInfo& info);

  Device(Device&& other) noexcept;
  Device& operator=(Device&& other) noexcept;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  ~Device();

  VkDevice handle() const { return device_; }
  // Stable for the device's lifetime (moves keep the table where it is).
  const DeviceFunctions& vk() const { return *functions_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return static_cast<uint32_t>(info_->compute_queue_family); }
  const PhysicalDeviceInfo& info() const { return *info_; }

 private:
  Device(VkDevice device, std::unique_ptr<DeviceFunctions> functions,
         PFN_vkDestroyDevice destroy, std::unique_ptr<PhysicalDeviceInfo> info)
      : device_(device), functions_(std::move(functions)), destroy_(destroy),
        info_(std::move(info)) {}
  void Reset();

  VkDevice device_ = VK_NULL_HANDLE;
  std::unique_ptr<DeviceFunctions> functions_;
  PFN_vkDestroyDevice destroy_ = nullptr;
  std::unique_ptr<PhysicalDeviceInfo> info_;
  VkQueue queue_ = VK_NULL_HANDLE;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_DEVICE_H_
