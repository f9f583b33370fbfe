// File: backends/vulkan/vulkan_buffer.h
// VulkanBuffer, the cotangent::Buffer of the Vulkan backend: a block of a MemoryPool, handed
// back to the pool on destruction; its contents may still be pending (a fused elementwise
// expression, computed when first needed). The command stream keeps a reference to every buffer a
// pending batch uses, so destruction (and reuse of the block) waits for the device.

#ifndef COTANGENT_BACKENDS_VULKAN_VULKAN_BUFFER_H_
#define COTANGENT_BACKENDS_VULKAN_VULKAN_BUFFER_H_

#include <cstdint>
#include <memory>

#include "backends/vulkan/memory_pool.h"
#include "backends/vulkan/vk.h"
#include "core/array.h"

namespace cotangent {
namespace vulkan {
struct FusedExpr;
}

// Always owned by a shared_ptr (made by VulkanBackend), so the stream can take a reference.
class VulkanBuffer final : public Buffer, public std::enable_shared_from_this<VulkanBuffer> {
 public:
  // `bytes` is what the array needs; the allocation may be larger (its size class).
  VulkanBuffer(Backend& backend, int64_t bytes, vulkan::MemoryPool& pool,
               const vulkan::Allocation& allocation)
      : Buffer(backend, bytes), pool_(&pool), allocation_(allocation) {}
  ~VulkanBuffer() override { pool_->Release(allocation_); }

  const vulkan::Allocation& allocation() const { return allocation_; }
  // The descriptor binding the whole block.
  VkDescriptorBufferInfo descriptor() const {
    return {allocation_.buffer, allocation_.offset, allocation_.size};
  }

  // Serials of the last command batches that wrote and that used this buffer (0: none); the
  // stream updates them under the backend's lock.
  uint64_t last_write = 0;
  uint64_t last_use = 0;
  // Elementwise fusion (fusion.h), under the backend's lock: while `pending` is set the
  // contents are not computed yet; `spliced` once a consumer's expression has inlined it.
  std::shared_ptr<const vulkan::FusedExpr> pending;
  bool spliced = false;

 private:
  vulkan::MemoryPool* pool_;
  vulkan::Allocation allocation_;
};

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_VULKAN_VULKAN_BUFFER_H_
