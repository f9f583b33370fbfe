// File: backends/cpu/cpu_backend.h
// The CPU backend: the reference implementation of every primitive and the oracle the other
// backends are tested against. Kernels live in backends/cpu/kernels_*.cc by family.

#ifndef COTANGENT_BACKENDS_CPU_CPU_BACKEND_H_
#define COTANGENT_BACKENDS_CPU_CPU_BACKEND_H_

#include <atomic>
#include <cstdint>

#include <memory>

#include "backends/cpu/cpu_buffer.h"
#include "core/backend.h"

namespace cotangent {

class CpuBackend final : public Backend {
 public:
  // The process-wide CPU backend.
  static CpuBackend& Get();

  const char* name() const override { return "cpu"; }
  absl::StatusOr<std::shared_ptr<Buffer>> Allocate(int64_t bytes) override;
  absl::Status Upload(const void* src, int64_t bytes, Buffer& dst) override;
  absl::Status Fill(const Array& dst, Number value) override;
  absl::Status Download(const Array& src, void* dst) override;
  absl::Status Execute(Primitive prim, absl::Span<const Array> inputs, const Params& params,
                       absl::Span<const ShapedArray> out_avals,
                       absl::Span<Array> outputs) override;
  absl::Status Synchronize() override { return absl::OkStatus(); }
  // Blocked evaluation (backends/cpu/fused.h).
  absl::StatusOr<std::unique_ptr<FusedKernel>> CompileFused(const FusedCode& code) override;

  // Bytes held by live buffers, and the most held at once since the last ResetPeakBytes (for
  // the peak-memory figures of the benchmarks).
  int64_t LiveBytes() const { return live_bytes_.load(std::memory_order_relaxed); }
  int64_t PeakBytes() const { return peak_bytes_.load(std::memory_order_relaxed); }
  void ResetPeakBytes() { peak_bytes_.store(LiveBytes(), std::memory_order_relaxed); }

  // Frees the blocks kept for reuse (backends/cpu/block_pool.h).
  void ReleaseCachedMemory() { pool_.Release(); }

 private:
  // Execute of a primitive with one output (every primitive a backend runs has one): sets out.
  absl::Status ExecuteOne(Primitive prim, absl::Span<const Array> inputs, const Params& params,
                          const ShapedArray& out_aval, Array& out);
  // The linear algebra rows (several outputs), through backends/lapack.
  absl::Status ExecuteLinalg(Primitive prim, absl::Span<const Array> inputs,
                             const Params& params, absl::Span<const ShapedArray> out_avals,
                             absl::Span<Array> outputs);
  friend class CpuBuffer;
  cpu::BlockPool& pool() { return pool_; }
  void Track(int64_t delta);

  std::atomic<int64_t> live_bytes_{0};
  std::atomic<int64_t> peak_bytes_{0};
  cpu::BlockPool pool_;
};

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_CPU_CPU_BACKEND_H_
