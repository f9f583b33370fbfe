// File: backends/vulkan/physical_device.cc
// Querying physical devices and choosing one.

#include "backends/vulkan/physical_device.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {
namespace {

constexpr const char* kNoDevice =
    "vulkan: no device found (install mesa-vulkan-drivers for a CPU implementation, or your "
    "GPU vendor's Vulkan driver)";

int Preference(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
  }
}

bool Usable(const PhysicalDeviceInfo& d) {
  return d.api_version >= VK_API_VERSION_1_1 && d.compute_queue_family >= 0;
}

std::string Unusable(const PhysicalDeviceInfo& d) {
  if (d.api_version < VK_API_VERSION_1_1) {
    return absl::StrCat("vulkan: device ", d.index, " (", d.name,
                        ") supports only Vulkan 1.0; Cotangent needs 1.1");
  }
  return absl::StrCat("vulkan: device ", d.index, " (", d.name, ") has no compute queue");
}

// A compute-only family (a dedicated compute queue) if there is one, else any with compute.
int ComputeQueueFamily(const InstanceFunctions& vk, VkPhysicalDevice device) {
  uint32_t count = 0;
  vk.vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vk.vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  int any = -1;
  for (uint32_t i = 0; i < count; ++i) {
    const VkQueueFlags flags = families[i].queueFlags;
    if ((flags & VK_QUEUE_COMPUTE_BIT) == 0 || families[i].queueCount == 0) continue;
    if ((flags & VK_QUEUE_GRAPHICS_BIT) == 0) return static_cast<int>(i);
    if (any < 0) any = static_cast<int>(i);
  }
  return any;
}

absl::StatusOr<std::vector<VkExtensionProperties>> DeviceExtensions(const InstanceFunctions& vk,
                                                                    VkPhysicalDevice device) {
  uint32_t count = 0;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(vk.vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr),
              "vkEnumerateDeviceExtensionProperties"));
  std::vector<VkExtensionProperties> extensions(count);
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(vk.vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data()),
              "vkEnumerateDeviceExtensionProperties"));
  extensions.resize(count);
  return extensions;
}

absl::StatusOr<PhysicalDeviceInfo> Describe(const InstanceFunctions& vk, VkPhysicalDevice device,
                                            uint32_t index) {
  PhysicalDeviceInfo info;
  info.handle = device;
  info.index = index;
  VkPhysicalDeviceProperties props;
  vk.vkGetPhysicalDeviceProperties(device, &props);
  info.name = props.deviceName;
  info.type = props.deviceType;
  info.api_version = props.apiVersion;
  info.limits = props.limits;
  vk.vkGetPhysicalDeviceMemoryProperties(device, &info.memory);
  info.compute_queue_family = ComputeQueueFamily(vk, device);
  if (info.api_version < VK_API_VERSION_1_1) return info;

  COTANGENT_ASSIGN_OR_RETURN(const std::vector<VkExtensionProperties> extensions,
                             DeviceExtensions(vk, device));
  const auto has = [&](const char* name) {
    return std::any_of(extensions.begin(), extensions.end(), [&](const VkExtensionProperties& e) {
      return std::strcmp(e.extensionName, name) == 0;
    });
  };
  info.portability_subset = has("VK_KHR_portability_subset");

  VkPhysicalDevice8BitStorageFeatures storage8{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
  VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomic_float{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT};
  // 16-bit storage is core in Vulkan 1.1.
  VkPhysicalDevice16BitStorageFeatures storage16{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 features{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
                                     .pNext = &storage16};
  const bool core_8bit = info.api_version >= VK_API_VERSION_1_2;
  if (core_8bit || has(VK_KHR_8BIT_STORAGE_EXTENSION_NAME)) {
    storage8.pNext = features.pNext;
    features.pNext = &storage8;
  }
  if (has(VK_EXT_SHADER_ATOMIC_FLOAT_EXTENSION_NAME)) {
    atomic_float.pNext = features.pNext;
    features.pNext = &atomic_float;
  }
  vk.vkGetPhysicalDeviceFeatures2(device, &features);
  info.float32_atomic_add = atomic_float.shaderBufferFloat32AtomicAdd == VK_TRUE;
  info.float64_atomic_add = atomic_float.shaderBufferFloat64AtomicAdd == VK_TRUE;
  info.float64 = features.features.shaderFloat64 == VK_TRUE;
  info.int64 = features.features.shaderInt64 == VK_TRUE;
  info.storage_8bit = storage8.storageBuffer8BitAccess == VK_TRUE;
  info.storage_16bit = storage16.storageBuffer16BitAccess == VK_TRUE;
  info.needs_8bit_extension = info.storage_8bit && !core_8bit;

  VkPhysicalDeviceSubgroupProperties subgroup{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceFloatControlsProperties float_controls{
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES};
  if (info.api_version >= VK_API_VERSION_1_2) subgroup.pNext = &float_controls;  // core in 1.2
  VkPhysicalDeviceProperties2 props2{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                     .pNext = &subgroup};
  vk.vkGetPhysicalDeviceProperties2(device, &props2);
  info.float_controls.preserve32 = float_controls.shaderSignedZeroInfNanPreserveFloat32 == VK_TRUE;
  info.float_controls.preserve64 = float_controls.shaderSignedZeroInfNanPreserveFloat64 == VK_TRUE;
  info.subgroup_size = std::max<uint32_t>(1, subgroup.subgroupSize);
  info.subgroup_shuffle =
      (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) != 0 &&
      (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT) != 0;
  return info;
}

}  // namespace

const char* DeviceTypeName(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
  }
}

absl::StatusOr<std::vector<PhysicalDeviceInfo>> ListPhysicalDevices(const Instance& instance) {
  const InstanceFunctions& vk = instance.vk();
  uint32_t count = 0;
  VkResult result = vk.vkEnumeratePhysicalDevices(instance.handle(), &count, nullptr);
  if (result == VK_ERROR_INITIALIZATION_FAILED || (result == VK_SUCCESS && count == 0)) {
    return absl::FailedPreconditionError(kNoDevice);
  }
  COTANGENT_RETURN_IF_ERROR(VkCheck(result, "vkEnumeratePhysicalDevices"));
  std::vector<VkPhysicalDevice> handles(count);
  result = vk.vkEnumeratePhysicalDevices(instance.handle(), &count, handles.data());
  if (result != VK_INCOMPLETE) COTANGENT_RETURN_IF_ERROR(VkCheck(result, "vkEnumeratePhysicalDevices"));
  std::vector<PhysicalDeviceInfo> devices;
  for (uint32_t i = 0; i < count; ++i) {
    COTANGENT_ASSIGN_OR_RETURN(PhysicalDeviceInfo info, Describe(vk, handles[i], i));
    devices.push_back(std::move(info));
  }
  if (devices.empty()) return absl::FailedPreconditionError(kNoDevice);
  return devices;
}

std::string DescribeDevices(absl::Span<const PhysicalDeviceInfo> devices) {
  return absl::StrJoin(devices, ", ", [](std::string* out, const PhysicalDeviceInfo& d) {
    absl::StrAppend(out, d.index, ": ", d.name, " (", DeviceTypeName(d.type), ")");
  });
}

absl::StatusOr<size_t> SelectPhysicalDevice(absl::Span<const PhysicalDeviceInfo> devices,
                                            std::string_view request) {
  if (devices.empty()) return absl::FailedPreconditionError(kNoDevice);
  const absl::string_view want(request.data(), request.size());
  if (!want.empty()) {
    size_t chosen = devices.size();
    uint32_t index = 0;
    if (absl::SimpleAtoi(want, &index)) {
      for (size_t i = 0; i < devices.size(); ++i) {
        if (devices[i].index == index) chosen = i;
      }
    } else {
      const std::string lower = absl::AsciiStrToLower(want);
      for (size_t i = 0; i < devices.size() && chosen == devices.size(); ++i) {
        if (absl::StrContains(absl::AsciiStrToLower(devices[i].name), lower)) chosen = i;
      }
    }
    if (chosen == devices.size()) {
      return absl::NotFoundError(absl::StrCat("vulkan: COTANGENT_VULKAN_DEVICE=", want,
                                              " matches no device; devices: ",
                                              DescribeDevices(devices)));
    }
    if (!Usable(devices[chosen])) return absl::FailedPreconditionError(Unusable(devices[chosen]));
    return chosen;
  }
  size_t best = devices.size();
  for (size_t i = 0; i < devices.size(); ++i) {
    if (!Usable(devices[i])) continue;
    if (best == devices.size() || Preference(devices[i].type) < Preference(devices[best].type)) {
      best = i;
    }
  }
  if (best == devices.size()) {
    return absl::FailedPreconditionError(Unusable(devices[0]));
  }
  return best;
}

}  // namespace cotangent::vulkan
