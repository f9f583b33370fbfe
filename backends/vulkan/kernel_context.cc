// File: backends/vulkan/kernel_context.cc
// Feature checks with the messages a user sees when a device lacks one.

#include "backends/vulkan/kernel_context.h"

#include "absl/strings/str_cat.h"

namespace cotangent::vulkan {

absl::Status KernelContext::Require(DType dtype, bool arithmetic, const std::string& what) const {
  if (DTypeSize(dtype) == 1 && !info->storage_8bit) {
    return absl::FailedPreconditionError(absl::StrCat(
        "vulkan: device ", info->name, " has no storageBuffer8BitAccess (VK_KHR_8bit_storage); ",
        DTypeName(dtype), " arrays need it (", what, ")"));
  }
  if (IsHalfFloat(dtype) && !info->storage_16bit) {
    return absl::FailedPreconditionError(absl::StrCat(
        "vulkan: device ", info->name, " has no storageBuffer16BitAccess (VK_KHR_16bit_storage); ",
        DTypeName(dtype), " arrays need it (", what, "); use f32 or the cpu backend"));
  }
  if (dtype == DType::kI64 && arithmetic && !info->int64) {
    return absl::FailedPreconditionError(
        absl::StrCat("vulkan: device ", info->name, " has no shaderInt64; i64 arrays need it (",
                     what, "); use i32 or the cpu backend"));
  }
  if (dtype == DType::kF64 && arithmetic && !float64) {
    return absl::FailedPreconditionError(
        absl::StrCat("vulkan: device ", info->name, " has no shaderFloat64; f64 arrays need it (",
                     what, "); use f32 or the cpu backend"));
  }
  return absl::OkStatus();
}

}  // namespace cotangent::vulkan
