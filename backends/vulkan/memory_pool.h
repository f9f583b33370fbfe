// File: backends/vulkan/memory_pool.h
// Device memory for arrays, recycled: a request is rounded up to a size class (four classes
// per power of two, at most 25% waste) and served from that class's free list, else from a new
// chunk. Small classes share 1 MiB chunks (one VkBuffer each, blocks at offsets), larger ones
// get a chunk of their own. Released blocks go back to their free list; Trim frees the chunks
// that hold no live block.

#ifndef COTANGENT_BACKENDS_VULKAN_MEMORY_POOL_H_
#define COTANGENT_BACKENDS_VULKAN_MEMORY_POOL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/device_buffer.h"

namespace cotangent::vulkan {

// Bytes [offset, offset + size) of a pooled VkBuffer.
struct Allocation {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;      // the size class: at least what was asked for
  uint8_t* mapped = nullptr;  // host address of the first byte, or null if not host-visible
  uint32_t chunk = 0;         // the pool's own bookkeeping
};

class MemoryPool {
 public:
  struct Stats {
    int64_t live_bytes = 0;      // in blocks handed out and not yet released
    int64_t free_bytes = 0;      // in blocks on free lists
    int64_t device_bytes = 0;    // in chunks currently allocated from the device
    int64_t chunks_created = 0;  // ever
    int64_t acquires = 0;
    int64_t reuses = 0;          // acquires served from a free list
  };

  // Blocks in memory type `type_index` (mapped when `map`), each at most `max_block` bytes
  // (maxStorageBufferRange: one block must fit one descriptor). Free blocks beyond
  // `max_cached` bytes are trimmed. The device must outlive the pool, and the pool every block.
  MemoryPool(const Device& device, uint32_t type_index, bool map, VkDeviceSize max_block,
             int64_t max_cached);
  MemoryPool(const MemoryPool&) = delete;
  MemoryPool& operator=(const MemoryPool&) = delete;

  // The free bytes a pool over a heap of `heap_bytes` keeps for reuse (its max_cached): a
  // quarter of the heap, and at most 1 GiB of host memory (the system's, on CPU and integrated
  // devices, and staging buffers). A discrete GPU's own memory is not capped: on an H200 a
  // chain over 2^26 floats (five 256 MiB arrays) spent 16-21 ms per call giving blocks back to
  // the driver and allocating them again under a 1 GiB cap, 1 ms without (docs/vulkan.md).
  static int64_t CacheLimit(int64_t heap_bytes, bool host_memory);

  // A block of at least `bytes`. ResourceExhausted when bytes > max_block or the device is out
  // of memory (after freeing this pool's unused chunks and retrying).
  absl::StatusOr<Allocation> Acquire(VkDeviceSize bytes);
  // Returns a block to its free list; the device must be done with it.
  void Release(const Allocation& allocation);
  // Frees every chunk none of whose blocks is live.
  void Trim();
  // Frees every chunk, live blocks included (the device is about to go): later Acquire calls
  // fail and Release calls do nothing.
  void Close();
  Stats stats() const;

  // The size class of a request (exposed for tests).
  static VkDeviceSize SizeClass(VkDeviceSize bytes);

 private:
  struct Chunk {
    DeviceBuffer buffer;
    VkDeviceSize block_size;
    int live = 0;
  };

  absl::StatusOr<Allocation> NewChunk(VkDeviceSize block_size);
  void TrimLocked();

  const Device& device_;
  const uint32_t type_index_;
  const bool map_;
  const VkDeviceSize max_block_;
  const int64_t max_cached_;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Chunk>> chunks_;  // null where a chunk was freed
  std::vector<uint32_t> free_chunk_ids_;
  absl::flat_hash_map<VkDeviceSize, std::vector<Allocation>> free_;  // by block size
  Stats stats_;
  bool closed_ = false;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_MEMORY_POOL_H_
