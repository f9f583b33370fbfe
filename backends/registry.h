// File: backends/registry.h
// Which backends exist and which one new tensors go to: a DeviceScope on this thread
// (cotangent/device.h), else COTANGENT_BACKEND=cpu|vulkan, else cpu. Also the controls of
// particular backends that the public API offers (memory counts, the CPU thread cap).
//
// The one backends/ header that cotangent/ may include (tools/check_layers.sh): the public API
// sees the backends only through it, so it includes nothing but core/backend.h (the backend
// interface) and names no particular backend's class.

#ifndef COTANGENT_BACKENDS_REGISTRY_H_
#define COTANGENT_BACKENDS_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "core/backend.h"

namespace cotangent {

// The backend named "cpu" or "vulkan" (created on first use); throws an Error naming the known
// backends for any other name, and the Vulkan backend's error (no loader, no device...) when
// it cannot be created.
Backend& GetBackend(std::string_view name);

// The backend new tensors are created on: this thread's DeviceScope backend if one is active,
// else COTANGENT_BACKEND (read once), else "cpu".
Backend& DefaultBackend();

// Makes `backend` the default of this thread (null: the process default again) and returns
// the previous thread default (or null). DeviceScope is the way to use it.
Backend* SetThreadDefaultBackend(Backend* backend);

// Bytes held by the live buffers of `backend`, and the most held at once since the last
// ResetPeakMemory; nullopt for a backend that does not count them (only the CPU backend does).
struct MemoryCounts {
  int64_t live_bytes = 0;
  int64_t peak_bytes = 0;
};
std::optional<MemoryCounts> MemoryOf(Backend& backend);
// Restarts the peak at the live bytes; does nothing for a backend without counts.
void ResetPeakMemory(Backend& backend);

// The threads the CPU backend's parallel loops use, the calling thread included, and the cap
// on them (n >= 1, process-wide; the default is all cores).
int CpuThreads();
void SetCpuThreads(int n);

// Zero-copy host access for cotangent/interop.h. The address of element (0, ..., 0) of an
// array on the CPU backend (its view's offset applied); and a dense CPU array over `data`,
// memory the caller owns and keeps valid and unchanged until `release` runs (when the last
// view of the array dies; it may be empty and must not throw). Such an array is never written
// (Buffer::borrowed) and not counted in MemoryOf.
const void* CpuElementAddress(const Array& a);
Array BorrowCpuMemory(const void* data, const ShapedArray& aval, std::function<void()> release);

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_REGISTRY_H_
