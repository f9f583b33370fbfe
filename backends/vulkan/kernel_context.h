// File: backends/vulkan/kernel_context.h
// What the kernel launchers (ops_*.cc) need from the backend: the device's capabilities, the
// command stream, the pipeline cache, the run-time GLSL compiler and fresh buffers. The
// backend builds one and holds its lock while a launcher runs.

#ifndef COTANGENT_BACKENDS_VULKAN_KERNEL_CONTEXT_H_
#define COTANGENT_BACKENDS_VULKAN_KERNEL_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "backends/vulkan/kernel_cache.h"
#include "backends/vulkan/physical_device.h"
#include "backends/vulkan/stream.h"
#include "backends/vulkan/vulkan_buffer.h"
#include "core/array.h"
#include "core/dtype.h"

namespace cotangent::vulkan {

class GlslCompiler;

struct KernelContext {
  const PhysicalDeviceInfo* info = nullptr;
  Stream* stream = nullptr;
  KernelCache* kernels = nullptr;
  GlslCompiler* glsl = nullptr;
  bool float64 = false;    // f64 arithmetic allowed (shaderFloat64, unless disabled)
  bool subgroups = false;  // subgroup shuffles allowed in reductions
  // scatter_add may add with atomics (i32 always; f32 / f64 with the device's float atomic
  // add): fast, but float sums in an unspecified order. False: the deterministic kernel.
  bool atomic_scatter = true;
  uint32_t max_groups = 65535;  // workgroups per dispatch dimension we use at most
  std::shared_ptr<VulkanBuffer> two_over_pi;  // the table sin and cos kernels bind
  // A dense array of `aval` on the backend (contents unspecified).
  std::function<absl::StatusOr<Array>(const ShapedArray& aval)> new_array;

  // Ok when the device can run kernels over `dtype` (`arithmetic`: doing math on it rather
  // than moving its bits); otherwise FailedPrecondition naming the missing feature and `what`.
  absl::Status Require(DType dtype, bool arithmetic, const std::string& what) const;
};

// The VulkanBuffer behind an array of the Vulkan backend.
inline std::shared_ptr<VulkanBuffer> BufferOf(const Array& a) {
  return std::static_pointer_cast<VulkanBuffer>(a.buffer);
}

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_KERNEL_CONTEXT_H_
