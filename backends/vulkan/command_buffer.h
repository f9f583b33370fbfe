// File: backends/vulkan/command_buffer.h
// A primary VkCommandBuffer and the few commands Cotangent records: bind a compute pipeline
// and its descriptor set, push constants, dispatch, copy between buffers, and memory barriers.

#ifndef COTANGENT_BACKENDS_VULKAN_COMMAND_BUFFER_H_
#define COTANGENT_BACKENDS_VULKAN_COMMAND_BUFFER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "backends/vulkan/command_pool.h"
#include "backends/vulkan/device.h"

namespace cotangent::vulkan {

class CommandBuffer {
 public:
  // Allocates from `pool`, which must outlive the command buffer.
  static absl::StatusOr<CommandBuffer> Create(const Device& device, const CommandPool& pool);

  CommandBuffer(CommandBuffer&& other) noexcept;
  CommandBuffer& operator=(CommandBuffer&& other) noexcept;
  CommandBuffer(const CommandBuffer&) = delete;
  CommandBuffer& operator=(const CommandBuffer&) = delete;
  ~CommandBuffer();

  VkCommandBuffer handle() const { return buffer_; }

  // Resets and begins recording (one-time submit).
  absl::Status Begin() const;
  absl::Status End() const;

  void BindPipeline(VkPipeline pipeline) const;
  void BindDescriptorSet(VkPipelineLayout layout, VkDescriptorSet set) const;
  void PushConstants(VkPipelineLayout layout, absl::Span<const uint32_t> words) const;
  void Dispatch(uint32_t x, uint32_t y, uint32_t z) const;
  void CopyBuffer(VkBuffer src, VkDeviceSize src_offset, VkBuffer dst, VkDeviceSize dst_offset,
                  VkDeviceSize bytes) const;
  // Makes every earlier compute or transfer write visible to every later compute or transfer
  // access (a global memory barrier: cheap, and what a chain of kernels needs).
  void DeviceBarrier() const;
  // Makes every earlier write visible to the host once the batch's fence signals.
  void HostBarrier() const;

 private:
  CommandBuffer(const Device& device, VkCommandPool pool, VkCommandBuffer buffer)
      : vk_(&device.vk()), device_(device.handle()), pool_(pool), buffer_(buffer) {}
  void Reset();

  const DeviceFunctions* vk_ = nullptr;
  VkDevice device_ = VK_NULL_HANDLE;
  VkCommandPool pool_ = VK_NULL_HANDLE;
  VkCommandBuffer buffer_ = VK_NULL_HANDLE;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_COMMAND_BUFFER_H_
