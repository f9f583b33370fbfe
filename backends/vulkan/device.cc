// File: backends/vulkan/device.cc
// Logical device creation with the features of PhysicalDeviceInfo that are present.

#include "backends/vulkan/device.h"

#include <utility>
#include <vector>

#include "backends/vulkan/loader.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<Device> Device::Create(const Instance& instance, const PhysicalDeviceInfo& info) {
  const InstanceFunctions& ivk = instance.vk();
  const float priority = 1.0f;
  const VkDeviceQueueCreateInfo queue{
      .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
      .queueFamilyIndex = static_cast<uint32_t>(info.compute_queue_family),
      .queueCount = 1,
      .pQueuePriorities = &priority,
  };
  std::vector<const char*> extensions;
  if (info.needs_8bit_extension) extensions.push_back(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  if (info.portability_subset) extensions.push_back("VK_KHR_portability_subset");
  // The feature structs are chained into features.pNext, each one only where it is enabled.
  VkPhysicalDeviceFeatures2 features{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  const auto chain = [&features](auto& feature) {
    feature.pNext = features.pNext;
    features.pNext = &feature;
  };
  VkPhysicalDevice8BitStorageFeatures storage8{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES,
      .storageBuffer8BitAccess = VK_TRUE,
  };
  if (info.storage_8bit) chain(storage8);
  VkPhysicalDevice16BitStorageFeatures storage16{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
      .storageBuffer16BitAccess = VK_TRUE,
  };
  if (info.storage_16bit) chain(storage16);
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomic_float{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT,
      .shaderBufferFloat32AtomicAdd = info.float32_atomic_add ? VK_TRUE : VK_FALSE,
      .shaderBufferFloat64AtomicAdd = info.float64_atomic_add ? VK_TRUE : VK_FALSE,
  };
  if (info.float32_atomic_add || info.float64_atomic_add) {
    extensions.push_back(VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME);
    chain(atomic_float);
  }
  features.features.shaderFloat64 = info.float64 ? VK_TRUE : VK_FALSE;
  features.features.shaderInt64 = info.int64 ? VK_TRUE : VK_FALSE;
  const VkDeviceCreateInfo create{
      .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
      .pNext = &features,
      .queueCreateInfoCount = 1,
      .pQueueCreateInfos = &queue,
      .enabledExtensionCount = static_cast<uint32_t>(extensions.size()),
      .ppEnabledExtensionNames = extensions.data(),
  };
  VkDevice handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(ivk.vkCreateDevice(info.handle, &create, nullptr, &handle), "vkCreateDevice"));
  // Owned before anything else can fail.
  auto destroy =
      reinterpret_cast<PFN_vkDestroyDevice>(ivk.vkGetDeviceProcAddr(handle, "vkDestroyDevice"));
  if (destroy == nullptr) {
    return absl::FailedPreconditionError("vulkan: the driver lacks vkDestroyDevice");
  }
  Device device(handle, std::make_unique<DeviceFunctions>(), destroy,
                std::make_unique<PhysicalDeviceInfo>(info));
  COTANGENT_RETURN_IF_ERROR(LoadDeviceFunctions(ivk, handle, *device.functions_));
  // Keep the driver (the ICD) mapped for the rest of the process. Drivers keep process-wide
  // state made once (lavapipe: a table allocated under pthread_once while devices are
  // enumerated) that outlives every instance. When the loader unloads the driver with the last
  // instance, that state is no longer reachable from mapped memory and LeakSanitizer reports
  // it as a leak whose frames cannot be symbolized, so no suppression by library name matches.
  // vkCmdDispatch is the driver's own entry point (or a layer's); vkDestroyDevice and the
  // other calls that create or destroy dispatchable objects resolve into the loader.
  KeepLibraryLoaded(reinterpret_cast<const void*>(device.functions_->vkCmdDispatch));
  device.functions_->vkGetDeviceQueue(handle, queue.queueFamilyIndex, 0, &device.queue_);
  return device;
}

Device::Device(Device&& other) noexcept
    : device_(std::exchange(other.device_, VK_NULL_HANDLE)),
      functions_(std::move(other.functions_)),
      destroy_(other.destroy_),
      info_(std::move(other.info_)),
      queue_(other.queue_) {}

Device& Device::operator=(Device&& other) noexcept {
  if (this != &other) {
    Reset();
    device_ = std::exchange(other.device_, VK_NULL_HANDLE);
    functions_ = std::move(other.functions_);
    destroy_ = other.destroy_;
    info_ = std::move(other.info_);
    queue_ = other.queue_;
  }
  return *this;
}

Device::~Device() { Reset(); }

void Device::Reset() {
  if (device_ == VK_NULL_HANDLE) return;
  // Children are gone by now (they hold no reference that outlives the device); wait so the
  // driver frees nothing still in use.
  functions_->vkDeviceWaitIdle(device_);
  destroy_(device_, nullptr);
  device_ = VK_NULL_HANDLE;
}

}  // namespace cotangent::vulkan
