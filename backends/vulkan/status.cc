// File: backends/vulkan/status.cc
// Names and status codes of VkResult values.

#include "backends/vulkan/status.h"

#include "absl/strings/str_cat.h"

namespace cotangent::vulkan {

const char* VkResultName(VkResult result) {
  switch (result) {
#define COTANGENT_VK_RESULT(name) \
  case name:                      \
    return #name;
    COTANGENT_VK_RESULT(VK_SUCCESS)
    COTANGENT_VK_RESULT(VK_NOT_READY)
    COTANGENT_VK_RESULT(VK_TIMEOUT)
    COTANGENT_VK_RESULT(VK_EVENT_SET)
    COTANGENT_VK_RESULT(VK_EVENT_RESET)
    COTANGENT_VK_RESULT(VK_INCOMPLETE)
    COTANGENT_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    COTANGENT_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    COTANGENT_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    COTANGENT_VK_RESULT(VK_ERROR_DEVICE_LOST)
    COTANGENT_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    COTANGENT_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    COTANGENT_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    COTANGENT_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    COTANGENT_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    COTANGENT_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    COTANGENT_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    COTANGENT_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    COTANGENT_VK_RESULT(VK_ERROR_UNKNOWN)
    COTANGENT_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    COTANGENT_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    COTANGENT_VK_RESULT(VK_ERROR_FRAGMENTATION)
    COTANGENT_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
    COTANGENT_VK_RESULT(VK_PIPELINE_COMPILE_REQUIRED)
#undef COTANGENT_VK_RESULT
    default:
      return "VK_ERROR_(unrecognized)";
  }
}

absl::Status VkCheck(VkResult result, std::string_view call) {
  if (result == VK_SUCCESS) return absl::OkStatus();
  const std::string message = absl::StrCat("vulkan: ", absl::string_view(call.data(), call.size()),
                                           " failed: ", VkResultName(result));
  switch (result) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_TOO_MANY_OBJECTS:
    case VK_ERROR_FRAGMENTATION:
    case VK_ERROR_FRAGMENTED_POOL:
      return absl::ResourceExhaustedError(message);
    case VK_ERROR_DEVICE_LOST:
      return absl::UnavailableError(message + " (the device crashed or was reset)");
    case VK_TIMEOUT:
      return absl::DeadlineExceededError(message);
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_INITIALIZATION_FAILED:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_LAYER_NOT_PRESENT:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace cotangent::vulkan
