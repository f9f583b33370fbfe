// File: backends/vulkan/physical_device.h
// What Cotangent needs to know about each physical device (type, limits, the features f64 and
// bool arrays need, subgroup support, a compute queue family, memory types), and the choice of
// one: COTANGENT_VULKAN_DEVICE (an index or a name substring), else discrete GPU, integrated
// GPU, virtual GPU, then a CPU implementation such as lavapipe.

#ifndef COTANGENT_BACKENDS_VULKAN_PHYSICAL_DEVICE_H_
#define COTANGENT_BACKENDS_VULKAN_PHYSICAL_DEVICE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/float_controls.h"
#include "backends/vulkan/instance.h"
#include "backends/vulkan/vk.h"

namespace cotangent::vulkan {

struct PhysicalDeviceInfo {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  uint32_t index = 0;  // position in vkEnumeratePhysicalDevices order
  std::string name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t api_version = 0;
  VkPhysicalDeviceLimits limits{};
  VkPhysicalDeviceMemoryProperties memory{};
  bool float64 = false;           // shaderFloat64: f64 arithmetic in shaders
  bool int64 = false;             // shaderInt64: i64 arithmetic in shaders
  bool storage_8bit = false;      // storageBuffer8BitAccess: bool (1-byte) elements in buffers
  bool needs_8bit_extension = false;  // VK_KHR_8bit_storage must be enabled (Vulkan 1.1)
  bool storage_16bit = false;     // storageBuffer16BitAccess: f16 and bf16 elements in buffers
  bool portability_subset = false;    // VK_KHR_portability_subset must be enabled (MoltenVK)
  // VK_EXT_shader_atomic_float's shaderBufferFloat32AtomicAdd / ...64AtomicAdd (scatter_add).
  bool float32_atomic_add = false;
  bool float64_atomic_add = false;
  uint32_t subgroup_size = 1;
  bool subgroup_shuffle = false;  // subgroupShuffleDown in compute shaders
  FloatControls float_controls;   // IEEE specials guaranteed in shaders (float_controls.h)
  int compute_queue_family = -1;  // -1: none
};

// "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other".
const char* DeviceTypeName(VkPhysicalDeviceType type);

// Every physical device with what we need to know; FailedPrecondition "no device found" with
// the install hint when there is none.
absl::StatusOr<std::vector<PhysicalDeviceInfo>> ListPhysicalDevices(const Instance& instance);

// "0: llvmpipe (LLVM 15.0.6, 256 bits) (CPU), 1: ...".
std::string DescribeDevices(absl::Span<const PhysicalDeviceInfo> devices);

// Picks a device for compute. `request` is COTANGENT_VULKAN_DEVICE: empty for the default
// preference (discrete, integrated, virtual, CPU, other; enumeration order breaks ties), a
// decimal index, or a case-insensitive substring of the device name. Devices without Vulkan
// 1.1 or a compute queue are never chosen by default; asking for one by name or index is an
// error saying why.
absl::StatusOr<size_t> SelectPhysicalDevice(absl::Span<const PhysicalDeviceInfo> devices,
                                            std::string_view request);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_PHYSICAL_DEVICE_H_
