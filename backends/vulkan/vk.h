// File: backends/vulkan/vk.h
// The one include of the Vulkan headers: prototypes are off (VK_NO_PROTOTYPES) because every
// entry point is loaded at run time through the function tables of backends/vulkan/dispatch.h,
// so a machine without libvulkan still runs the CPU backend.

#ifndef COTANGENT_BACKENDS_VULKAN_VK_H_
#define COTANGENT_BACKENDS_VULKAN_VK_H_

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>  // IWYU pragma: export

#endif  // COTANGENT_BACKENDS_VULKAN_VK_H_
