// File: backends/registry.cc
// Name -> backend lookup, the process default (COTANGENT_BACKEND, read once), the
// per-thread default that DeviceScope sets, and the CPU backend's memory counts and threads.

#include "backends/registry.h"

#include <cstdlib>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/thread_pool.h"
#include "backends/vulkan/vulkan_backend.h"
#include "core/error.h"

namespace cotangent {
namespace {

thread_local Backend* thread_default = nullptr;

}  // namespace

Backend& GetBackend(std::string_view name) {
  if (name == "cpu") return CpuBackend::Get();
  if (name == "vulkan") return *ValueOrThrow(VulkanBackend::Get());
  ThrowInvalid("unknown backend \"", name, "\" (known: cpu, vulkan)");
}

Backend& DefaultBackend() {
  if (thread_default != nullptr) return *thread_default;
  // A failed creation (COTANGENT_BACKEND=vulkan without a device) throws, and is retried (and
  // throws again) on the next call.
  static Backend& backend = []() -> Backend& {
    const char* env = std::getenv("COTANGENT_BACKEND");
    return GetBackend(env == nullptr || *env == '\0' ? "cpu" : std::string_view(env));
  }();
  return backend;
}

Backend* SetThreadDefaultBackend(Backend* backend) {
  Backend* previous = thread_default;
  thread_default = backend;
  return previous;
}

std::optional<MemoryCounts> MemoryOf(Backend& backend) {
  if (&backend != &CpuBackend::Get()) return std::nullopt;
  return MemoryCounts{CpuBackend::Get().LiveBytes(), CpuBackend::Get().PeakBytes()};
}

void ResetPeakMemory(Backend& backend) {
  if (&backend == &CpuBackend::Get()) CpuBackend::Get().ResetPeakBytes();
}

int CpuThreads() { return cpu::ThreadPool::Get().parallelism(); }

void SetCpuThreads(int n) { cpu::ThreadPool::Get().set_max_parallelism(n); }

const void* CpuElementAddress(const Array& a) {
  return static_cast<const char*>(static_cast<const CpuBuffer&>(*a.buffer).data()) +
         a.offset * DTypeSize(a.aval.dtype);
}

Array BorrowCpuMemory(const void* data, const ShapedArray& aval, std::function<void()> release) {
  // The buffer is never written (borrowed), so shedding const here is safe.
  return DenseArray(CpuBuffer::Borrow(CpuBackend::Get(), const_cast<void*>(data), aval.bytes(),
                                      std::move(release)),
                    aval);
}

}  // namespace cotangent
