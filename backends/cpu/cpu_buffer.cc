// File: backends/cpu/cpu_buffer.cc
// CpuBuffer: a block and a control block from the backend's pool, the backend's byte count
// kept while it lives.

#include "backends/cpu/cpu_buffer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_backend.h"
#include "core/host_memory.h"

namespace cotangent {

absl::StatusOr<std::shared_ptr<CpuBuffer>> CpuBuffer::Create(CpuBackend& backend, int64_t bytes) {
  if (bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: cannot allocate ", bytes, " bytes"));
  }
  // Asked before the allocator: a request past the machine's memory is refused by glibc but
  // aborts a sanitizer's allocator, and the rounding to a capacity must not overflow.
  if (absl::Status status = CheckAllocationSize("cpu", bytes); !status.ok()) return status;
  absl::StatusOr<cpu::Block> block = backend.pool().Take(bytes);
  if (!block.ok()) return block.status();
  try {
    return std::allocate_shared<CpuBuffer>(cpu::PoolAllocator<CpuBuffer>(backend.pool()),
                                           Private(), backend, bytes, *block);
  } catch (const std::bad_alloc&) {
    backend.pool().Give(*block);
    return absl::ResourceExhaustedError(
        absl::StrCat("cpu: out of memory allocating a buffer of ", bytes, " bytes"));
  }
}

std::shared_ptr<CpuBuffer> CpuBuffer::Borrow(CpuBackend& backend, void* data, int64_t bytes,
                                             std::function<void()> release) {
  return std::make_shared<CpuBuffer>(Private(), backend, bytes, data, std::move(release));
}

CpuBuffer::CpuBuffer(Private, CpuBackend& backend, int64_t bytes, cpu::Block block)
    : Buffer(backend, bytes), block_(block) {
  backend.Track(bytes);
}

CpuBuffer::CpuBuffer(Private, CpuBackend& backend, int64_t bytes, void* data,
                     std::function<void()> release)
    : Buffer(backend, bytes), block_{data, bytes}, borrowed_(true), release_(std::move(release)) {}

CpuBuffer::~CpuBuffer() {
  if (borrowed_) {
    if (release_) release_();
    return;
  }
  CpuBackend& backend = static_cast<CpuBackend&>(this->backend());
  backend.Track(-bytes());
  backend.pool().Give(block_);
}

}  // namespace cotangent
