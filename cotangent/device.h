// File: cotangent/device.h
// Where tensors live: device_put moves a tensor to a backend ("cpu", "vulkan"), device_of says
// which one holds it, and DeviceScope makes new tensors of this thread go to a backend;
// memory_stats and set_cpu_threads count and cap what the backends use. An operation on
// tensors committed to two devices (by device_put, or computed from such tensors) is an error;
// tensors made without naming a device (tensor(), zeros(), arange(), the 2.0 of x * 2.0, the
// zeros of derivative rules) follow their operands (JAX's uncommitted arrays).
// docs/vulkan.md shows the use.

#ifndef COTANGENT_COTANGENT_DEVICE_H_
#define COTANGENT_COTANGENT_DEVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/backend.h"
#include "core/tensor.h"

namespace cotangent {

// x on `backend` ("cpu" or "vulkan"), committed there: x itself (no copy) when it is already
// there, else a copy. Throws for a traced tensor, an unknown backend, or a Vulkan backend that
// cannot start (the error says what to install).
Tensor device_put(const Tensor& x, std::string_view backend);

// "cpu" or "vulkan": the backend holding a concrete tensor. Throws for a traced tensor.
std::string device_of(const Tensor& x);

// The backend new tensors of this thread go to: the innermost DeviceScope's, else
// COTANGENT_BACKEND's, else "cpu".
std::string default_device();

// Bytes held by the live buffers of a backend ("cpu" or "vulkan"), and the most held at once
// since reset_peak_memory (or since the start). Only the CPU backend counts them: nullopt for
// "vulkan". Throws like device_put for an unknown backend or one that cannot start.
struct MemoryStats {
  int64_t bytes_in_use = 0;
  int64_t peak_bytes_in_use = 0;
};
std::optional<MemoryStats> memory_stats(std::string_view backend);
// Restarts the peak of memory_stats at the bytes in use now (nothing for "vulkan").
void reset_peak_memory(std::string_view backend);

// The threads the CPU backend runs work on, the calling thread included: all cores, unless
// set_cpu_threads capped them (n >= 1, process-wide; e.g. for single-thread benchmarks).
int cpu_threads();
void set_cpu_threads(int n);

// While alive, tensors made on this thread (tensor, zeros, arange, random, constants of the
// transformations...) go to `backend`:
//   { cotangent::DeviceScope scope("vulkan"); auto y = f(cotangent::tensor({1, 2}, {2})); }
// Scopes nest; each restores the previous default when it ends.
class DeviceScope {
 public:
  explicit DeviceScope(std::string_view backend);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  Backend* previous_;
};

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_DEVICE_H_
