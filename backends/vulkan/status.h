// File: backends/vulkan/status.h
// VkResult -> absl::Status at every call site (VkCheck), and the two propagation macros the
// Vulkan layer uses instead of exceptions.

#ifndef COTANGENT_BACKENDS_VULKAN_STATUS_H_
#define COTANGENT_BACKENDS_VULKAN_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "backends/vulkan/vk.h"

namespace cotangent::vulkan {

// "VK_ERROR_DEVICE_LOST", ...
const char* VkResultName(VkResult result);

// Ok for VK_SUCCESS; otherwise "vulkan: <call> failed: <VK_ERROR_...>" with a code that says
// what kind of failure it was (out of memory -> ResourceExhausted, device lost -> Unavailable,
// timeout -> DeadlineExceeded, missing feature or driver -> FailedPrecondition, else Internal).
absl::Status VkCheck(VkResult result, std::string_view call);

}  // namespace cotangent::vulkan

#define COTANGENT_VK_CONCAT_INNER(a, b) a##b
#define COTANGENT_VK_CONCAT(a, b) COTANGENT_VK_CONCAT_INNER(a, b)

// Returns the status of expr from the enclosing function when it is not ok.
#define COTANGENT_RETURN_IF_ERROR(expr)                                         \
  do {                                                                          \
    if (::absl::Status cotangent_status = (expr); !cotangent_status.ok()) {     \
      return cotangent_status;                                                  \
    }                                                                           \
  } while (false)

// `COTANGENT_ASSIGN_OR_RETURN(auto x, MakeX());`: declares x from an ok StatusOr or returns its
// status.
#define COTANGENT_ASSIGN_OR_RETURN(lhs, expr)                                              \
  COTANGENT_ASSIGN_OR_RETURN_IMPL(COTANGENT_VK_CONCAT(cotangent_or_, __LINE__), lhs, expr)
#define COTANGENT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

#endif  // COTANGENT_BACKENDS_VULKAN_STATUS_H_
