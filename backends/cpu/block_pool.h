// File: backends/cpu/block_pool.h
// Host memory of the CPU backend, recycled. A released block is kept, by capacity class, for
// the next request of its class, so that eager dispatch in steady state (the same shapes op
// after op, step after step) takes nothing from the system allocator: no malloc on the hot
// path for small buffers, and no first-touch page faults for large ones. PoolAllocator serves
// the buffers' shared_ptr control blocks from the same pool.

#ifndef COTANGENT_BACKENDS_CPU_BLOCK_POOL_H_
#define COTANGENT_BACKENDS_CPU_BLOCK_POOL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace cotangent::cpu {

// A block of `capacity` bytes, 64-byte aligned (2 MiB aligned when it is large enough for
// huge pages).
struct Block {
  void* data;
  int64_t capacity;
};

// The capacity class of a request of `bytes` (>= 0): below 64 KiB the next power of two (at
// least one cache line), so that a handful of classes serve every small shape; above it whole
// 4 KiB pages.
int64_t BlockCapacity(int64_t bytes);

class BlockPool {
 public:
  BlockPool() = default;
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;
  ~BlockPool() { Release(); }

  // A block of BlockCapacity(bytes): a cached one, else fresh from the system (after freeing
  // the cache once if the system has no memory left). ResourceExhausted naming `bytes`.
  absl::StatusOr<Block> Take(int64_t bytes);
  // Keeps a block from Take for reuse while the cache holds less than kCapBytes, else frees
  // it. Under AddressSanitizer a kept block is poisoned until taken again.
  void Give(Block block);
  // Frees every cached block.
  void Release();

  static constexpr int64_t kCapBytes = int64_t{1} << 30;

 private:
  static constexpr int kSmallClasses = 10;  // 64 B, 128 B, ..., 32 KiB
  std::vector<void*>& ListOf(int64_t capacity);

  // A std::mutex, not absl::Mutex: ThreadSanitizer sees pthread locks, but not the
  // synchronization inside Debian's uninstrumented libabsl (it reported the reuse of a block
  // across threads as races between its last and next owner).
  std::mutex mutex_;
  // Guarded by mutex_: cached blocks by capacity, small classes by log2.
  std::array<std::vector<void*>, kSmallClasses> small_;
  absl::flat_hash_map<int64_t, std::vector<void*>> large_;
  int64_t cached_bytes_ = 0;
};

// A standard allocator over a BlockPool for single objects (std::allocate_shared's control
// block): a buffer's bookkeeping then costs no malloc either.
template <typename T>
class PoolAllocator {
 public:
  using value_type = T;
  explicit PoolAllocator(BlockPool& pool) : pool_(&pool) {}
  template <typename U>
  PoolAllocator(const PoolAllocator<U>& other) : pool_(other.pool()) {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= 64, "pool blocks are 64-byte aligned");
    absl::StatusOr<Block> block = pool_->Take(static_cast<int64_t>(n * sizeof(T)));
    if (!block.ok()) throw std::bad_alloc();
    return static_cast<T*>(block->data);
  }
  void deallocate(T* p, std::size_t n) {
    pool_->Give(Block{p, BlockCapacity(static_cast<int64_t>(n * sizeof(T)))});
  }
  BlockPool* pool() const { return pool_; }
  template <typename U>
  bool operator==(const PoolAllocator<U>& other) const {
    return pool_ == other.pool();
  }

 private:
  BlockPool* pool_;
};

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_BLOCK_POOL_H_
