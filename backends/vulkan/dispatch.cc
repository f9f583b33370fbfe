// File: backends/vulkan/dispatch.cc
// Loading the function tables of dispatch.h.

#include "backends/vulkan/dispatch.h"

#include "absl/strings/str_cat.h"

namespace cotangent::vulkan {
namespace {

template <typename Fn>
absl::Status Resolve(PFN_vkVoidFunction fn, const char* name, Fn& out) {
  if (fn == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("vulkan: the Vulkan loader or driver lacks ", name,
                     " (a Vulkan 1.1 implementation is needed)"));
  }
  out = reinterpret_cast<Fn>(fn);
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadGlobalFunctions(PFN_vkGetInstanceProcAddr get, GlobalFunctions& out) {
  out.vkGetInstanceProcAddr = get;
  absl::Status status;
#define VK_GLOBAL_FUNCTION(name) \
  if (status.ok()) status = Resolve(get(VK_NULL_HANDLE, #name), #name, out.name);
#include "backends/vulkan/functions.def"
#undef VK_GLOBAL_FUNCTION
  return status;
}

absl::Status LoadInstanceFunctions(const GlobalFunctions& global, VkInstance instance,
                                   InstanceFunctions& out) {
  absl::Status status;
#define VK_INSTANCE_FUNCTION(name) \
  if (status.ok())                 \
    status = Resolve(global.vkGetInstanceProcAddr(instance, #name), #name, out.name);
#include "backends/vulkan/functions.def"
#undef VK_INSTANCE_FUNCTION
  return status;
}

absl::Status LoadDeviceFunctions(const InstanceFunctions& instance, VkDevice device,
                                 DeviceFunctions& out) {
  absl::Status status;
#define VK_DEVICE_FUNCTION(name) \
  if (status.ok()) status = Resolve(instance.vkGetDeviceProcAddr(device, #name), #name, out.name);
#include "backends/vulkan/functions.def"
#undef VK_DEVICE_FUNCTION
  return status;
}

}  // namespace cotangent::vulkan
