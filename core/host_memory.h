// File: core/host_memory.h
// Host allocations whose size comes from a tensor. Their size is compared with the machine's
// memory before they are made, so that a request nothing can satisfy is a Status
// (ResourceExhausted, naming the operation and the bytes) instead of std::bad_alloc,
// std::length_error, or a sanitizer's abort on a huge malloc. Used by core and the CPU backend.

#ifndef COTANGENT_CORE_HOST_MEMORY_H_
#define COTANGENT_CORE_HOST_MEMORY_H_

#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/error.h"
#include "core/shape.h"

namespace cotangent {

// The machine's memory in bytes, RAM plus swap: more than this no single allocation can get.
int64_t HostMemoryBytes();

// ResourceExhausted "<what>: cannot allocate N bytes: more than the M bytes of memory (RAM +
// swap) of this machine" when bytes exceeds HostMemoryBytes(); ok otherwise.
absl::Status CheckAllocationSize(std::string_view what, int64_t bytes);

// Throws the backend's failure to allocate an array of aval for op, with its code (usually
// ResourceExhausted): "<op>: cannot allocate f32[N] (B bytes): <the backend's message>". The
// backend knows the bytes; the user knows the operation.
[[noreturn]] void ThrowAllocationFailure(std::string_view op, const ShapedArray& aval,
                                         const absl::Status& status);

// A zeroed host vector of n elements for `what`, or ResourceExhausted naming it and the bytes.
template <typename T>
absl::StatusOr<std::vector<T>> HostVector(std::string_view what, int64_t n) {
  const std::optional<int64_t> bytes = CheckedMul(n, sizeof(T));
  if (!bytes) {
    return absl::ResourceExhaustedError(Cat(what, ": cannot allocate ", n, " elements of ",
                                            sizeof(T), " bytes: the size overflows int64"));
  }
  if (absl::Status status = CheckAllocationSize(what, *bytes); !status.ok()) return status;
  try {
    return std::vector<T>(static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        Cat(what, ": out of host memory allocating ", *bytes, " bytes"));
  }
}

}  // namespace cotangent

#endif  // COTANGENT_CORE_HOST_MEMORY_H_
