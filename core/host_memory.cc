// File: core/host_memory.cc
// The machine's memory, read once, and the size check of host allocations.

#include "core/host_memory.h"

#include <sys/sysinfo.h>

#include <limits>

#include "core/error.h"

namespace cotangent {

int64_t HostMemoryBytes() {
  static const int64_t bytes = [] {
    struct sysinfo info {};
    if (sysinfo(&info) != 0) return std::numeric_limits<int64_t>::max();  // unknown: no limit
    const long double total =
        (static_cast<long double>(info.totalram) + info.totalswap) * info.mem_unit;
    return total >= std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                        : static_cast<int64_t>(total);
  }();
  return bytes;
}

absl::Status CheckAllocationSize(std::string_view what, int64_t bytes) {
  if (bytes <= HostMemoryBytes()) return absl::OkStatus();
  return absl::ResourceExhaustedError(Cat(what, ": cannot allocate ", bytes,
                                          " bytes: more than the ", HostMemoryBytes(),
                                          " bytes of memory (RAM + swap) of this machine"));
}

void ThrowAllocationFailure(std::string_view op, const ShapedArray& aval,
                            const absl::Status& status) {
  throw Error(status.code(), Cat(op, ": cannot allocate ", aval.ToString(), " (", aval.bytes(),
                                 " bytes): ", status.message()));
}

}  // namespace cotangent
