// File: backends/vulkan/command_buffer.cc
// Command recording.

#include "backends/vulkan/command_buffer.h"

#include <utility>

#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

absl::StatusOr<CommandBuffer> CommandBuffer::Create(const Device& device,
                                                    const CommandPool& pool) {
  const VkCommandBufferAllocateInfo info{
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
      .commandPool = pool.handle(),
      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
      .commandBufferCount = 1,
  };
  VkCommandBuffer handle = VK_NULL_HANDLE;
  COTANGENT_RETURN_IF_ERROR(
      VkCheck(device.vk().vkAllocateCommandBuffers(device.handle(), &info, &handle),
              "vkAllocateCommandBuffers"));
  return CommandBuffer(device, pool.handle(), handle);
}

CommandBuffer::CommandBuffer(CommandBuffer&& other) noexcept
    : vk_(other.vk_), device_(other.device_), pool_(other.pool_),
      buffer_(std::exchange(other.buffer_, VK_NULL_HANDLE)) {}

CommandBuffer& CommandBuffer::operator=(CommandBuffer&& other) noexcept {
  if (this != &other) {
    Reset();
    vk_ = other.vk_;
    device_ = other.device_;
    pool_ = other.pool_;
    buffer_ = std::exchange(other.buffer_, VK_NULL_HANDLE);
  }
  return *this;
}

CommandBuffer::~CommandBuffer() { Reset(); }

void CommandBuffer::Reset() {
  if (buffer_ != VK_NULL_HANDLE) vk_->vkFreeCommandBuffers(device_, pool_, 1, &buffer_);
  buffer_ = VK_NULL_HANDLE;
}

absl::Status CommandBuffer::Begin() const {
  COTANGENT_RETURN_IF_ERROR(VkCheck(vk_->vkResetCommandBuffer(buffer_, 0), "vkResetCommandBuffer"));
  const VkCommandBufferBeginInfo info{
      .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
      .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  return VkCheck(vk_->vkBeginCommandBuffer(buffer_, &info), "vkBeginCommandBuffer");
}

absl::Status CommandBuffer::End() const {
  return VkCheck(vk_->vkEndCommandBuffer(buffer_), "vkEndCommandBuffer");
}

void CommandBuffer::BindPipeline(VkPipeline pipeline) const {
  vk_->vkCmdBindPipeline(buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
}

void CommandBuffer::BindDescriptorSet(VkPipelineLayout layout, VkDescriptorSet set) const {
  vk_->vkCmdBindDescriptorSets(buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0,
                               nullptr);
}

void CommandBuffer::PushConstants(VkPipelineLayout layout,
                                  absl::Span<const uint32_t> words) const {
  if (words.empty()) return;
  vk_->vkCmdPushConstants(buffer_, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                          static_cast<uint32_t>(words.size() * sizeof(uint32_t)), words.data());
}

void CommandBuffer::Dispatch(uint32_t x, uint32_t y, uint32_t z) const {
  vk_->vkCmdDispatch(buffer_, x, y, z);
}

void CommandBuffer::CopyBuffer(VkBuffer src, VkDeviceSize src_offset, VkBuffer dst,
                               VkDeviceSize dst_offset, VkDeviceSize bytes) const {
  const VkBufferCopy region{.srcOffset = src_offset, .dstOffset = dst_offset, .size = bytes};
  vk_->vkCmdCopyBuffer(buffer_, src, dst, 1, &region);
}

void CommandBuffer::DeviceBarrier() const {
  const VkMemoryBarrier barrier{
      .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
      .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
      .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                       VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
  };
  const VkPipelineStageFlags stages =
      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vk_->vkCmdPipelineBarrier(buffer_, stages, stages, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

void CommandBuffer::HostBarrier() const {
  const VkMemoryBarrier barrier{
      .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
      .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
      .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
  };
  vk_->vkCmdPipelineBarrier(buffer_,
                            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                            VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
}

}  // namespace cotangent::vulkan
