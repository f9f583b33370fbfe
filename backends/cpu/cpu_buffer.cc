// File: backends/cpu/cpu_buffer.cc
// Aligned allocation and release of CPU buffers.

#include "backends/cpu/cpu_buffer.h"

#include <new>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cotangent {
namespace {

constexpr std::align_val_t kAlignment{64};

}  // namespace

absl::StatusOr<std::shared_ptr<CpuBuffer>> CpuBuffer::Create(Backend& backend, int64_t bytes) {
  if (bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: cannot allocate ", bytes, " bytes"));
  }
  // Round up to whole cache lines: the size is then never 0 and the tail of a vector loop
  // shares no line with another buffer.
  const int64_t rounded = (bytes + 63) / 64 * 64 + (bytes == 0 ? 64 : 0);
  void* data = ::operator new(static_cast<size_t>(rounded), kAlignment, std::nothrow);
  if (data == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cpu: out of memory allocating ", bytes, " bytes"));
  }
  return std::shared_ptr<CpuBuffer>(new CpuBuffer(backend, bytes, data));
}

CpuBuffer::~CpuBuffer() { ::operator delete(data_, kAlignment); }

}  // namespace cotangent
