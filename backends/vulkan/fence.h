// File: backends/vulkan/fence.h
// A VkFence: signalled by the queue when a submitted command batch finishes. Waits take a
// timeout so that a lost or hung device is an error, never a hang.

#ifndef COTANGENT_BACKENDS_VULKAN_FENCE_H_
#define COTANGENT_BACKENDS_VULKAN_FENCE_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/handle.h"

namespace cotangent::vulkan {

class Fence {
 public:
  static absl::StatusOr<Fence> Create(const Device& device);

  VkFence handle() const { return fence_.get(); }

  // Ok once signalled; DeadlineExceeded ("vulkan: ... did not finish within ...") after
  // `timeout`; Unavailable when the device is lost.
  absl::Status Wait(absl::Duration timeout) const;
  // Whether the fence is signalled, without waiting.
  absl::StatusOr<bool> IsSignaled() const;
  // Back to unsignalled, for reuse.
  absl::Status Reset() const;

 private:
  explicit Fence(DeviceHandle<VkFence> fence) : fence_(std::move(fence)) {}

  DeviceHandle<VkFence> fence_;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_FENCE_H_
