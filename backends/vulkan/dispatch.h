// File: backends/vulkan/dispatch.h
// Tables of Vulkan function pointers, one per loading level (functions.def lists them), and
// the loaders that fill them. A missing entry point is an error naming it, never a null call.

#ifndef COTANGENT_BACKENDS_VULKAN_DISPATCH_H_
#define COTANGENT_BACKENDS_VULKAN_DISPATCH_H_

#include "absl/status/status.h"
#include "backends/vulkan/vk.h"

namespace cotangent::vulkan {

// Entry points available before an instance exists.
struct GlobalFunctions {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
#define VK_GLOBAL_FUNCTION(name) PFN_##name name = nullptr;
#include "backends/vulkan/functions.def"
#undef VK_GLOBAL_FUNCTION
};

struct InstanceFunctions {
#define VK_INSTANCE_FUNCTION(name) PFN_##name name = nullptr;
#include "backends/vulkan/functions.def"
#undef VK_INSTANCE_FUNCTION
};

struct DeviceFunctions {
#define VK_DEVICE_FUNCTION(name) PFN_##name name = nullptr;
#include "backends/vulkan/functions.def"
#undef VK_DEVICE_FUNCTION
};

// Fills `out` from vkGetInstanceProcAddr (the loader's one exported symbol we need).
absl::Status LoadGlobalFunctions(PFN_vkGetInstanceProcAddr get, GlobalFunctions& out);
absl::Status LoadInstanceFunctions(const GlobalFunctions& global, VkInstance instance,
                                   InstanceFunctions& out);
absl::Status LoadDeviceFunctions(const InstanceFunctions& instance, VkDevice device,
                                 DeviceFunctions& out);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_DISPATCH_H_
