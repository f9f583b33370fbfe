// File: backends/cpu/cpu_backend.h
// The CPU backend: the reference implementation of every primitive and the oracle the other
// backends are tested against. Kernels live in backends/cpu/kernels_*.cc by family.

#ifndef COTANGENT_BACKENDS_CPU_CPU_BACKEND_H_
#define COTANGENT_BACKENDS_CPU_CPU_BACKEND_H_

#include "core/backend.h"

namespace cotangent {

class CpuBackend final : public Backend {
 public:
  // The process-wide CPU backend.
  static CpuBackend& Get();

  const char* name() const override { return "cpu"; }
  absl::StatusOr<std::shared_ptr<Buffer>> Allocate(int64_t bytes) override;
  absl::Status Upload(const void* src, int64_t bytes, Buffer& dst) override;
  absl::Status Download(const Array& src, void* dst) override;
  absl::StatusOr<Array> Execute(Primitive prim, absl::Span<const Array> inputs,
                                const Params& params, const ShapedArray& out_aval) override;
  absl::Status Synchronize() override { return absl::OkStatus(); }
};

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_CPU_CPU_BACKEND_H_
