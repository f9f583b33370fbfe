// File: backends/cpu/block_pool.cc
// BlockPool: capacity classes, the cache, and fresh blocks from the system allocator. Very
// large blocks are 2 MiB aligned and asked to be backed by transparent huge pages: first-touch
// page faults (one per 4 KiB) otherwise dominate kernels that write a fresh large output.

#include "backends/cpu/block_pool.h"

#include <algorithm>
#include <bit>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define COTANGENT_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define COTANGENT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define COTANGENT_POISON(p, n) ((void)(p), (void)(n))
#define COTANGENT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace cotangent::cpu {
namespace {

constexpr int64_t kCacheLine = 64;
constexpr int64_t kPage = 4096;
constexpr int64_t kSmallLimit = int64_t{64} << 10;
constexpr int64_t kHugePage = int64_t{2} << 20;
// Smaller blocks are recycled here (and by malloc) without returning to the kernel, so they
// fault in once; huge-page alignment would only waste memory on them.
constexpr int64_t kHugePageMin = int64_t{32} << 20;

int64_t AlignmentOf(int64_t capacity) { return capacity >= kHugePageMin ? kHugePage : kCacheLine; }

void* Fresh(int64_t capacity) {
  const int64_t alignment = AlignmentOf(capacity);
  void* data = ::operator new(static_cast<size_t>(capacity),
                              std::align_val_t(static_cast<size_t>(alignment)), std::nothrow);
#if defined(MADV_HUGEPAGE)
  // Best effort: without huge pages the block still works, only slower to fault in.
  if (data != nullptr && alignment == kHugePage) madvise(data, capacity, MADV_HUGEPAGE);
#endif
  return data;
}

void Free(void* data, int64_t capacity) {
  ::operator delete(data, std::align_val_t(static_cast<size_t>(AlignmentOf(capacity))));
}

}  // namespace

int64_t BlockCapacity(int64_t bytes) {
  if (bytes < kSmallLimit) {
    return static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(std::max(bytes, kCacheLine))));
  }
  return (bytes + kPage - 1) / kPage * kPage;
}

std::vector<void*>& BlockPool::ListOf(int64_t capacity) {
  if (capacity < kSmallLimit) return small_[std::countr_zero(static_cast<uint64_t>(capacity)) - 6];
  return large_[capacity];
}

absl::StatusOr<Block> BlockPool::Take(int64_t bytes) {
  const int64_t capacity = BlockCapacity(bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<void*>& list = ListOf(capacity);
    if (!list.empty()) {
      void* data = list.back();
      list.pop_back();
      cached_bytes_ -= capacity;
      COTANGENT_UNPOISON(data, capacity);
      return Block{data, capacity};
    }
  }
  void* data = Fresh(capacity);
  if (data == nullptr) {
    Release();  // the cache may hold what is missing
    data = Fresh(capacity);
  }
  if (data == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cpu: out of memory allocating ", bytes, " bytes"));
  }
  return Block{data, capacity};
}

void BlockPool::Give(Block block) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_bytes_ + block.capacity <= kCapBytes) {
      try {
        ListOf(block.capacity).push_back(block.data);
        cached_bytes_ += block.capacity;
        COTANGENT_POISON(block.data, block.capacity);
        return;
      } catch (const std::bad_alloc&) {
        // No memory for the list's growth: the block is freed instead of kept.
      }
    }
  }
  Free(block.data, block.capacity);
}

void BlockPool::Release() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto free_all = [](int64_t capacity, std::vector<void*>& list) {
    for (void* data : list) {
      COTANGENT_UNPOISON(data, capacity);
      Free(data, capacity);
    }
    list.clear();
  };
  for (int c = 0; c < kSmallClasses; ++c) free_all(int64_t{64} << c, small_[c]);
  for (auto& [capacity, list] : large_) free_all(capacity, list);
  large_.clear();
  cached_bytes_ = 0;
}

}  // namespace cotangent::cpu
