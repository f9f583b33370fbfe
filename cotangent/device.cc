// File: cotangent/device.cc
// device_put, device_of, DeviceScope and the backend counters and knobs, over the backend
// registry and core's TransferArray. backends/registry.h is the one backend header the public
// API includes (the registry's interface; design.md, "Layers").

#include "cotangent/device.h"

#include "backends/registry.h"
#include "core/error.h"

namespace cotangent {
namespace {

const Array& ConcreteArray(const Tensor& x, const char* op) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
  if (!x.is_concrete()) {
    ThrowInvalid(op, ": cannot move or locate the traced tensor ", x.aval().ToString(),
                 " inside a transformation; call ", op, " on concrete tensors, outside it");
  }
  return x.array();
}

}  // namespace

Tensor device_put(const Tensor& x, std::string_view backend) {
  const Array& array = ConcreteArray(x, "device_put");
  Backend& dst = GetBackend(backend);
  if (&array.backend() == &dst) {
    if (array.committed) return x;
    Array committed = array;  // the same buffer, now committed to its device
    committed.committed = true;
    return Tensor(std::move(committed));
  }
  Array moved = ValueOrThrow(TransferArray(array, dst));
  moved.committed = true;
  return Tensor(std::move(moved));
}

std::string device_of(const Tensor& x) { return ConcreteArray(x, "device_of").backend().name(); }

std::string default_device() { return DefaultBackend().name(); }

std::optional<MemoryStats> memory_stats(std::string_view backend) {
  const std::optional<MemoryCounts> counts = MemoryOf(GetBackend(backend));
  if (!counts) return std::nullopt;
  return MemoryStats{counts->live_bytes, counts->peak_bytes};
}

void reset_peak_memory(std::string_view backend) { ResetPeakMemory(GetBackend(backend)); }

int cpu_threads() { return CpuThreads(); }

void set_cpu_threads(int n) {
  if (n < 1) ThrowInvalid("set_cpu_threads: the thread count must be at least 1, got ", n);
  SetCpuThreads(n);
}

DeviceScope::DeviceScope(std::string_view backend)
    : previous_(SetThreadDefaultBackend(&GetBackend(backend))) {}

DeviceScope::~DeviceScope() { SetThreadDefaultBackend(previous_); }

}  // namespace cotangent
