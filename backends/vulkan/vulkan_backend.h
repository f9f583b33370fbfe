// File: backends/vulkan/vulkan_backend.h
// The Vulkan compute backend: owns the loader, instance, device, memory pools, pipeline cache
// and command stream, and implements core/backend.h on them. Execute (vulkan_backend.cc) is
// the exhaustive switch from primitives to the launchers of ops.h. docs/vulkan.md describes
// the design.

#ifndef COTANGENT_BACKENDS_VULKAN_VULKAN_BACKEND_H_
#define COTANGENT_BACKENDS_VULKAN_VULKAN_BACKEND_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/fusion.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/instance.h"
#include "backends/vulkan/kernel_cache.h"
#include "backends/vulkan/kernel_context.h"
#include "backends/vulkan/loader.h"
#include "backends/vulkan/memory_pool.h"
#include "backends/vulkan/physical_device.h"
#include "backends/vulkan/stream.h"
#include "core/backend.h"

namespace cotangent {

class VulkanBackend final : public Backend {
 public:
  static constexpr int64_t kDefaultFusionMinElements = int64_t{1} << 14;
  struct Options {
    // Which device: as COTANGENT_VULKAN_DEVICE (an index or a name substring); empty picks
    // discrete GPU, integrated GPU, virtual GPU, then CPU.
    std::string device;
    // Move data through host-visible staging buffers even when device memory is host-visible
    // (the path discrete GPUs take; lets tests exercise it on lavapipe).
    bool force_staging = false;
    // Behave as if the device had no shaderFloat64 / no subgroup shuffles (tests).
    bool disable_float64 = false;
    bool disable_subgroups = false;
    // scatter_add sums in index order (deterministic floats, slower) instead of with atomics,
    // as XLA's deterministic ops. COTANGENT_VULKAN_DETERMINISTIC=1 sets it.
    bool deterministic = false;
    vulkan::Stream::Options stream;
    std::string loader = vulkan::Loader::kLibraryName;
    // Elementwise primitives with results of at least this many elements are fused
    // (core/fusible.h FusionLimits::min_elements; vulkan/fusion.h); negative: never. Below
    // it, a kernel per primitive compiled once for all shapes beats compiling one per chain.
    // COTANGENT_VULKAN_FUSION (a number, or "off") sets it for the process-wide backend.
    int64_t fusion_min_elements = kDefaultFusionMinElements;
  };

  // The process-wide backend, created on first use with COTANGENT_VULKAN_DEVICE and never
  // destroyed (buffers may outlive main). The error (no loader, no device...) is kept and
  // returned again on later calls.
  static absl::StatusOr<VulkanBackend*> Get();

  // A backend of its own (tests, benchmarks). Every buffer it made must be gone before it is.
  static absl::StatusOr<std::unique_ptr<VulkanBackend>> Create(const Options& options);
  ~VulkanBackend() override;

  const char* name() const override { return "vulkan"; }
  absl::StatusOr<std::shared_ptr<Buffer>> Allocate(int64_t bytes) override;
  absl::Status Upload(const void* src, int64_t bytes, Buffer& dst) override;
  absl::Status Fill(const Array& dst, Number value) override;
  absl::Status Download(const Array& src, void* dst) override;
  absl::Status Execute(Primitive prim, absl::Span<const Array> inputs, const Params& params,
                       absl::Span<const ShapedArray> out_avals,
                       absl::Span<Array> outputs) override;
  absl::Status Synchronize() override;
  // jit: groups planned with vulkan/fusion.h JitFusionOptions and rendered as generated GLSL
  // (one pipeline per distinct group, compiled here, ahead of the first call); a compiled
  // program's commands go into one submission.
  FusionOptions JitFusion() const override;
  absl::StatusOr<std::unique_ptr<FusedKernel>> CompileFused(const FusedCode& code) override;
  void BeginProgram() override;
  absl::Status EndProgram() override;
  // A read waits for the queue to drain (a submission and a fence: tens of microseconds on a
  // GPU, more on lavapipe), so while_loop runs in rounds of up to 32 guarded steps per read.
  int LoopStepsPerRead() const override { return 32; }

  // Waits for the device, then destroys it and everything made from it (lavapipe's threads
  // included). Buffers still alive become inert and every later call fails. The process-wide
  // backend does this at exit, before the driver's own static objects go; the destructor does
  // it too.
  void Shutdown();

  // Introspection, for tests, benchmarks and messages.
  const vulkan::PhysicalDeviceInfo& device_info() const { return info_; }
  // "llvmpipe (LLVM 15.0.6, 256 bits) (CPU, Vulkan 1.3, f64, bool, subgroup 8)".
  std::string Describe() const;
  vulkan::MemoryPool::Stats memory_stats() const;
  vulkan::Stream::Stats stream_stats() const;
  int64_t pipelines() const;
  // Elementwise primitives deferred into fused expressions, and fused kernels run (each
  // computing two or more primitives in one dispatch).
  struct FusionStats {
    int64_t deferred = 0;
    int64_t fused_launches = 0;
  };
  FusionStats fusion_stats() const;
  // The linear algebra rows run on the host (backends/lapack): their operands downloaded, the
  // results uploaded. Calls and bytes each way, since the start.
  struct HostStats {
    int64_t calls = 0;
    int64_t bytes_downloaded = 0;
    int64_t bytes_uploaded = 0;
  };
  HostStats host_stats() const;
  // Whether uploads and downloads go through staging buffers.
  bool uses_staging() const { return staging_pool_ != nullptr; }

 private:
  friend class VulkanFusedKernel;
  // Records a compiled group over `inputs` (any layout: others than contiguous or repeated
  // are copied dense first) into `outputs` (set: a caller's buffer; else allocated here).
  absl::Status RunFused(const FusedCode& code, const vulkan::FusedKernels& kernels,
                        absl::Span<const Array> inputs, absl::Span<Array> outputs);
  // Execute of a linear algebra row: LAPACK on host copies (backends/lapack), counted.
  absl::Status ExecuteOnHost(Primitive prim, absl::Span<const Array> inputs, const Params& params,
                             absl::Span<const ShapedArray> out_avals, absl::Span<Array> outputs);
  // Execute of a primitive with one output (every row but the linear algebra ones).
  absl::StatusOr<Array> ExecuteOne(Primitive prim, absl::Span<const Array> inputs,
                                   const Params& params, const ShapedArray& out_aval);
  explicit VulkanBackend(const Options& options) : options_(options) {}
  absl::Status Init();
  absl::StatusOr<std::shared_ptr<VulkanBuffer>> NewBuffer(int64_t bytes,
                                                          vulkan::MemoryPool& pool);
  absl::StatusOr<Array> NewArray(const ShapedArray& aval);
  absl::Status CheckOperand(const Array& x, const char* what) const;
  // Ok when one buffer holds `bytes` (maxStorageBufferRange); else ResourceExhausted naming
  // `what`, the bytes and the limit. Checked before anything is allocated, host or device.
  absl::Status CheckBytes(int64_t bytes, const std::string& what) const;
  // CheckBytes for an array of aval, which must also have at most kMaxKernelElements
  // elements (vulkan_backend.cc).
  absl::Status CheckFits(const ShapedArray& aval, const std::string& what) const;
  // Ok unless the backend was shut down.
  absl::Status Live() const;
  void RegisterExitHandler();
  // Runs one small kernel and waits for it.
  absl::Status WarmUp();
  absl::Status DownloadDense(const Array& src, void* dst);
  // Fusion: the pending result of an elementwise primitive, or nullopt when an operand's layout
  // keeps it out of a fused kernel. Materialize computes a pending buffer (a no-op otherwise).
  absl::StatusOr<std::optional<Array>> Fuse(Primitive prim, absl::Span<const Array> inputs,
                                            const ShapedArray& out_aval);
  absl::Status Materialize(const std::shared_ptr<Buffer>& buffer);
  absl::Status MaterializeAll();

  const Options options_;
  mutable std::mutex mutex_;
  vulkan::PhysicalDeviceInfo info_;
  int64_t exit_handler_pipelines_ = -1;  // pipelines when the exit handler was last registered
  std::vector<std::weak_ptr<VulkanBuffer>> pending_;  // buffers that may still be pending
  FusionStats fusion_stats_;
  HostStats host_stats_;
  // Declared in creation order, destroyed in reverse: the stream first (waiting for the
  // device and releasing the buffers it kept), the loader last.
  std::unique_ptr<vulkan::Loader> loader_;
  std::unique_ptr<vulkan::Instance> instance_;
  std::unique_ptr<vulkan::Device> device_;
  std::unique_ptr<vulkan::MemoryPool> pool_;          // array buffers
  std::unique_ptr<vulkan::MemoryPool> staging_pool_;  // host-visible; null when pool_ is
  std::unique_ptr<vulkan::GlslCompiler> glsl_;
  std::unique_ptr<vulkan::KernelCache> kernels_;
  std::unique_ptr<vulkan::Stream> stream_;
  vulkan::KernelContext context_;
};

}  // namespace cotangent

#endif  // COTANGENT_BACKENDS_VULKAN_VULKAN_BACKEND_H_
