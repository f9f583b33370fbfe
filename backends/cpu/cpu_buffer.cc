// File: backends/cpu/cpu_buffer.cc
// Aligned allocation and release of CPU buffers. Very large buffers are 2 MiB aligned and
// asked to be backed by transparent huge pages: first-touch page faults (one per 4 KiB)
// otherwise dominate kernels that write a fresh large output.

#include "backends/cpu/cpu_buffer.h"

#include <algorithm>
#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/host_memory.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace cotangent {
namespace {

constexpr int64_t kCacheLine = 64;
constexpr int64_t kHugePage = int64_t{2} << 20;
// Smaller blocks are recycled by malloc without returning to the kernel (glibc raises its mmap
// threshold up to 32 MiB as blocks are freed), so they fault in once; huge-page alignment would
// only defeat that reuse.
constexpr int64_t kHugePageMin = int64_t{32} << 20;

}  // namespace

absl::StatusOr<std::shared_ptr<CpuBuffer>> CpuBuffer::Create(Backend& backend, int64_t bytes) {
  if (bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: cannot allocate ", bytes, " bytes"));
  }
  // Asked before the allocator: a request past the machine's memory is refused by glibc but
  // aborts a sanitizer's allocator, and the rounding below must not overflow.
  if (absl::Status status = CheckAllocationSize("cpu", bytes); !status.ok()) return status;
  // Whole cache lines, never 0 bytes; the tail of a vector loop then shares no line with
  // another buffer.
  const int64_t rounded =
      std::max<int64_t>(kCacheLine, (bytes + kCacheLine - 1) / kCacheLine * kCacheLine);
  const int64_t alignment = rounded >= kHugePageMin ? kHugePage : kCacheLine;
  void* data = ::operator new(static_cast<size_t>(rounded),
                              std::align_val_t(static_cast<size_t>(alignment)), std::nothrow);
  if (data == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cpu: out of memory allocating ", bytes, " bytes"));
  }
#if defined(MADV_HUGEPAGE)
  // Best effort: without huge pages the buffer still works, only slower to fault in.
  if (alignment == kHugePage) madvise(data, rounded / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
  return std::shared_ptr<CpuBuffer>(new CpuBuffer(backend, bytes, data, alignment));
}

CpuBuffer::~CpuBuffer() {
  ::operator delete(data_, std::align_val_t(static_cast<size_t>(alignment_)));
}

}  // namespace cotangent
