// File: backends/vulkan/memory_pool.cc
// Size classes, free lists and chunk bookkeeping of the memory pool.

#include "backends/vulkan/memory_pool.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"

namespace cotangent::vulkan {
namespace {

// The smallest block: also a multiple of every minStorageBufferOffsetAlignment (<= 256), so
// blocks inside a shared chunk can be bound at their offsets.
constexpr VkDeviceSize kMinBlock = 256;
// Classes up to this size share chunks of kSharedChunk bytes.
constexpr VkDeviceSize kSharedLimit = 64 * 1024;
constexpr VkDeviceSize kSharedChunk = 1024 * 1024;

}  // namespace

VkDeviceSize MemoryPool::SizeClass(VkDeviceSize bytes) {
  if (bytes <= kMinBlock) return kMinBlock;
  // 2^p < bytes <= 2^(p+1); classes are 5/4, 6/4, 7/4 and 8/4 of 2^p.
  const int p = std::bit_width(bytes - 1) - 1;
  const VkDeviceSize step = VkDeviceSize{1} << (p - 2);
  return (bytes + step - 1) / step * step;
}

MemoryPool::MemoryPool(const Device& device, uint32_t type_index, bool map,
                       VkDeviceSize max_block, int64_t max_cached)
    : device_(device), type_index_(type_index), map_(map), max_block_(max_block),
      max_cached_(max_cached) {}

int64_t MemoryPool::CacheLimit(int64_t heap_bytes, bool host_memory) {
  const int64_t quarter = heap_bytes / 4;
  return host_memory ? std::min<int64_t>(quarter, int64_t{1} << 30) : quarter;
}

absl::StatusOr<Allocation> MemoryPool::Acquire(VkDeviceSize bytes) {
  if (bytes > max_block_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "vulkan: cannot allocate a buffer of ", bytes, " bytes: larger than the device's "
        "largest storage buffer (maxStorageBufferRange = ", max_block_, " bytes)"));
  }
  VkDeviceSize block = SizeClass(bytes);
  if (block > max_block_) block = (bytes + kMinBlock - 1) / kMinBlock * kMinBlock;
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return absl::FailedPreconditionError("vulkan: the memory pool is closed");
  ++stats_.acquires;
  if (auto it = free_.find(block); it != free_.end() && !it->second.empty()) {
    const Allocation allocation = it->second.back();
    it->second.pop_back();
    ++chunks_[allocation.chunk]->live;
    ++stats_.reuses;
    stats_.free_bytes -= block;
    stats_.live_bytes += block;
    return allocation;
  }
  absl::StatusOr<Allocation> allocation = NewChunk(block);
  if (!allocation.ok() && absl::IsResourceExhausted(allocation.status())) {
    TrimLocked();  // give cached chunks back to the device and try once more
    allocation = NewChunk(block);
  }
  if (!allocation.ok()) {
    return absl::Status(allocation.status().code(),
                        absl::StrCat(allocation.status().message(), " allocating ", bytes,
                                     " bytes (", stats_.live_bytes, " bytes in use)"));
  }
  stats_.live_bytes += block;
  return allocation;
}

absl::StatusOr<Allocation> MemoryPool::NewChunk(VkDeviceSize block_size) {
  const VkDeviceSize chunk_size = block_size <= kSharedLimit ? kSharedChunk : block_size;
  absl::StatusOr<DeviceBuffer> buffer =
      DeviceBuffer::Create(device_, chunk_size, type_index_, map_);
  if (!buffer.ok()) return buffer.status();
  uint32_t id;
  if (!free_chunk_ids_.empty()) {
    id = free_chunk_ids_.back();
    free_chunk_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(chunks_.size());
    chunks_.emplace_back();
  }
  chunks_[id] = std::make_unique<Chunk>(Chunk{*std::move(buffer), block_size, 1});
  const Chunk& chunk = *chunks_[id];
  ++stats_.chunks_created;
  stats_.device_bytes += chunk_size;
  const auto block_at = [&](VkDeviceSize offset) {
    return Allocation{chunk.buffer.handle(), offset, block_size,
                      chunk.buffer.mapped() ? chunk.buffer.mapped() + offset : nullptr, id};
  };
  std::vector<Allocation>& list = free_[block_size];
  for (VkDeviceSize offset = block_size; offset + block_size <= chunk_size; offset += block_size) {
    list.push_back(block_at(offset));
    stats_.free_bytes += block_size;
  }
  return block_at(0);
}

void MemoryPool::Release(const Allocation& allocation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  std::unique_ptr<Chunk>& chunk = chunks_[allocation.chunk];
  --chunk->live;
  stats_.live_bytes -= allocation.size;
  if (allocation.size > kSharedLimit &&
      stats_.free_bytes + static_cast<int64_t>(allocation.size) > max_cached_) {
    // A chunk of its own and the cache is full: back to the device at once.
    stats_.device_bytes -= static_cast<int64_t>(chunk->buffer.size());
    chunk.reset();
    free_chunk_ids_.push_back(allocation.chunk);
    return;
  }
  free_[allocation.size].push_back(allocation);
  stats_.free_bytes += allocation.size;
}

void MemoryPool::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  free_.clear();
  chunks_.clear();
  free_chunk_ids_.clear();
  stats_.free_bytes = stats_.device_bytes = 0;
  closed_ = true;
}

void MemoryPool::Trim() {
  std::lock_guard<std::mutex> lock(mutex_);
  TrimLocked();
}

void MemoryPool::TrimLocked() {
  for (auto& [size, list] : free_) {
    const auto unused = [&](const Allocation& a) { return chunks_[a.chunk]->live == 0; };
    for (const Allocation& a : list) {
      if (unused(a)) stats_.free_bytes -= a.size;
    }
    list.erase(std::remove_if(list.begin(), list.end(), unused), list.end());
  }
  for (uint32_t id = 0; id < chunks_.size(); ++id) {
    if (chunks_[id] != nullptr && chunks_[id]->live == 0) {
      stats_.device_bytes -= static_cast<int64_t>(chunks_[id]->buffer.size());
      chunks_[id].reset();
      free_chunk_ids_.push_back(id);
    }
  }
}

MemoryPool::Stats MemoryPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace cotangent::vulkan
