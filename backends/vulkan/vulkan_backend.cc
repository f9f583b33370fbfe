// File: backends/vulkan/vulkan_backend.cc
// VulkanBackend: creation (device choice, memory types, pools), buffers, upload/download
// (direct through mapped memory, or through staging buffers), and Execute, which runs each
// primitive's launcher in ops_*.cc (start reading at LauncherOf, the table built from the rows).

#include "backends/vulkan/vulkan_backend.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <thread>

#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "backends/lapack/linalg.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/fusion.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "core/fusible.h"
#include "core/layout.h"

namespace cotangent {
namespace {

using vulkan::Launcher;

// The launcher of each row of core/primitives.def. Elementwise rows share one (their GLSL is
// MathExpression's, elementwise_kernels.cc); every other row is named here, and a row that is
// neither does not compile (the static_assert names it: "In instantiation of LauncherOf<...>").
template <Primitive prim>
constexpr bool kNamedHere = false;
template <Primitive prim>
constexpr Launcher LauncherOf() {
  using P = Primitive;
  // The identity (eval returns its operand; reaching here means a dense copy is wanted).
  if constexpr (prim == P::kStopGradient) return vulkan::MovementLaunch;
  else if constexpr (IsElementwiseMap(prim) || prim == P::kSelect || prim == P::kConvert) {
    return vulkan::ElementwiseLaunch;
  } else if constexpr (prim == P::kReduceSum || prim == P::kReduceMax || prim == P::kReduceProd ||
                       prim == P::kArgmax) {
    return vulkan::ReduceLaunch;
  } else if constexpr (prim == P::kReshape || prim == P::kTranspose ||
                       prim == P::kBroadcastInDim || prim == P::kSlice || prim == P::kPad ||
                       prim == P::kConcatenate || prim == P::kBitcastConvert) {
    return vulkan::MovementLaunch;
  } else if constexpr (prim == P::kDotGeneral) {
    return vulkan::DotGeneralLaunch;
  } else if constexpr (prim == P::kConvGeneralDilated) {
    return vulkan::ConvLaunch;
  } else if constexpr (KindOf(prim) == PrimitiveKind::kIndexing && prim != P::kArgsort) {
    return vulkan::IndexingLaunch;
  } else if constexpr (prim == P::kArgsort) {
    return vulkan::SortLaunch;
  } else if constexpr (KindOf(prim) == PrimitiveKind::kCall) {
    return nullptr;  // Higher-order: core evaluates the program (its impl rule); no launcher.
  } else if constexpr (KindOf(prim) == PrimitiveKind::kLinalg) {
    return nullptr;  // On the host: VulkanBackend::ExecuteOnHost.
  } else if constexpr (KindOf(prim) == PrimitiveKind::kCollective) {
    return nullptr;  // Over named axes: the interpreter binding the axis runs them.
  } else if constexpr (KindOf(prim) == PrimitiveKind::kComplexParts) {
    return nullptr;  // On real arrays: core/complex_eval.h.
  } else {
    static_assert(kNamedHere<prim>, "a row of core/primitives.def without a Vulkan launcher");
  }
}

Launcher LauncherFor(Primitive prim) {
  static constexpr std::array<Launcher, kNumPrimitives> kLaunchers =
      TableOf<Launcher>([]<Primitive prim>() { return LauncherOf<prim>(); });
  return kLaunchers[static_cast<int>(prim)];
}

// Whether a primitive computes on its operands' values (rather than moving or comparing their
// bits).
bool IsArithmetic(Primitive prim) {
  return KindOf(prim) != PrimitiveKind::kMovement && prim != Primitive::kStopGradient &&
         prim != Primitive::kGather && prim != Primitive::kScatter &&
         prim != Primitive::kArgsort;
}

// The first memory type with all `required` flags, preferring one that also has `preferred`;
// -1 if none.
int FindMemoryType(const VkPhysicalDeviceMemoryProperties& memory, VkMemoryPropertyFlags required,
                   VkMemoryPropertyFlags preferred) {
  int found = -1;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
    const VkMemoryPropertyFlags flags = memory.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return static_cast<int>(i);
    if (found < 0) found = static_cast<int>(i);
  }
  return found;
}

int64_t HeapSize(const VkPhysicalDeviceMemoryProperties& memory, int type) {
  return static_cast<int64_t>(memory.memoryHeaps[memory.memoryTypes[type].heapIndex].size);
}

// The most elements a kernel reads or writes for one array: counts, positions and offsets are
// 32-bit in push constants and GLSL, argmax stores an index as an int, and below 2^31 a
// grid-stride position (at most this plus 2^24 invocations) never wraps. Arrays in memory stay
// below it except bool ones over 2 GiB; larger operands are broadcast views.
constexpr int64_t kMaxKernelElements = (int64_t{1} << 31) - 1;

// Ok when a kernel can index an array of aval; else ResourceExhausted naming `what`.
absl::Status CheckElements(const ShapedArray& aval, const std::string& what) {
  if (aval.size() <= kMaxKernelElements) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "vulkan: ", what, ": ", aval.ToString(), " has ", aval.size(),
      " elements, more than the Vulkan kernels index (", kMaxKernelElements,
      "); use the cpu backend"));
}

// "68719476736 bytes (64 GiB)".
std::string BytesText(int64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return absl::StrCat(bytes, " bytes");
  double scaled = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (scaled >= 1024 && unit + 1 < 6) {
    scaled /= 1024;
    ++unit;
  }
  return absl::StrCat(bytes, " bytes (", std::round(scaled * 10) / 10, " ", kUnits[unit], ")");
}

}  // namespace

namespace {

VulkanBackend* process_backend = nullptr;

void ShutdownAtExit() { process_backend->Shutdown(); }

}  // namespace

absl::StatusOr<VulkanBackend*> VulkanBackend::Get() {
  static const absl::StatusOr<VulkanBackend*>* backend = [] {
    Options options;
    if (const char* env = std::getenv("COTANGENT_VULKAN_DEVICE")) options.device = env;
    if (const char* env = std::getenv("COTANGENT_VULKAN_STAGING")) {
      options.force_staging = std::string_view(env) == "1";  // a discrete GPU's path anywhere
    }
    if (const char* env = std::getenv("COTANGENT_VULKAN_DETERMINISTIC")) {
      options.deterministic = std::string_view(env) == "1";
    }
    if (const char* env = std::getenv("COTANGENT_VULKAN_FUSION")) {
      int64_t min_elements = 0;
      if (std::string_view(env) == "off") {
        options.fusion_min_elements = -1;
      } else if (absl::SimpleAtoi(env, &min_elements) && min_elements >= 0) {
        options.fusion_min_elements = min_elements;
      } else {
        return new absl::StatusOr<VulkanBackend*>(absl::InvalidArgumentError(absl::StrCat(
            "vulkan: COTANGENT_VULKAN_FUSION=", env,
            " is neither a number of elements nor \"off\"")));
      }
    }
    absl::StatusOr<std::unique_ptr<VulkanBackend>> created = Create(options);
    if (!created.ok()) return new absl::StatusOr<VulkanBackend*>(created.status());
    process_backend = created->release();  // never destroyed: arrays may outlive main
    // One kernel run first, so that the driver's compiler has set itself up (and registered
    // its own exit-time destructors) before the exit handler is registered.
    (void)process_backend->WarmUp();
    process_backend->RegisterExitHandler();
    return new absl::StatusOr<VulkanBackend*>(process_backend);
  }();
  return *backend;
}

// The process-wide backend is shut down at exit, before the static objects of the driver and
// of the LLVM it compiles with are destroyed: lavapipe compiles a kernel when it first runs,
// on its own thread, and that thread crashes or hangs if it runs while they go. Exit handlers
// run in reverse order of registration, so the handler is registered again whenever kernels
// have run for the first time (their compilation may have registered new static objects).
// Shutdown is idempotent.
void VulkanBackend::RegisterExitHandler() {
  if (this != process_backend) return;
  const int64_t pipelines = kernels_ != nullptr ? kernels_->size() : 0;
  if (exit_handler_pipelines_ >= 0 && pipelines <= exit_handler_pipelines_) return;
  exit_handler_pipelines_ = pipelines;
  std::atexit(ShutdownAtExit);
}

absl::StatusOr<std::unique_ptr<VulkanBackend>> VulkanBackend::Create(const Options& options) {
  std::unique_ptr<VulkanBackend> backend(new VulkanBackend(options));
  COTANGENT_RETURN_IF_ERROR(backend->Init());
  return backend;
}

absl::Status VulkanBackend::Init() {
  COTANGENT_ASSIGN_OR_RETURN(vulkan::Loader loader, vulkan::Loader::Create(options_.loader.c_str()));
  loader_ = std::make_unique<vulkan::Loader>(std::move(loader));
  COTANGENT_ASSIGN_OR_RETURN(vulkan::Instance instance, vulkan::Instance::Create(*loader_));
  instance_ = std::make_unique<vulkan::Instance>(std::move(instance));
  COTANGENT_ASSIGN_OR_RETURN(const std::vector<vulkan::PhysicalDeviceInfo> devices,
                             vulkan::ListPhysicalDevices(*instance_));
  COTANGENT_ASSIGN_OR_RETURN(const size_t chosen,
                             vulkan::SelectPhysicalDevice(devices, options_.device));
  COTANGENT_ASSIGN_OR_RETURN(vulkan::Device device,
                             vulkan::Device::Create(*instance_, devices[chosen]));
  device_ = std::make_unique<vulkan::Device>(std::move(device));
  info_ = device_->info();
  const vulkan::PhysicalDeviceInfo& info = info_;

  // Memory: CPU and integrated devices share host memory, so arrays live in host-visible
  // memory and move by memcpy. Discrete GPUs keep arrays in device-local memory and move them
  // through host-visible staging buffers (cached ones read back fast).
  const VkMemoryPropertyFlags host =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  const bool shared_memory = info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ||
                             info.type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
  const int unified = FindMemoryType(info.memory, host, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  const VkDeviceSize max_block = info.limits.maxStorageBufferRange;
  const auto cache_limit = [&](int type, bool host_memory) {
    return vulkan::MemoryPool::CacheLimit(HeapSize(info.memory, type), host_memory);
  };
  if (shared_memory && unified >= 0 && !options_.force_staging) {
    pool_ = std::make_unique<vulkan::MemoryPool>(*device_, unified, true, max_block,
                                                 cache_limit(unified, true));
  } else {
    int local = FindMemoryType(info.memory, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    if (local < 0) local = FindMemoryType(info.memory, 0, 0);
    const int staging = FindMemoryType(info.memory, host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (local < 0 || staging < 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "vulkan: device ", info.name, " has no host-visible memory type for transfers"));
    }
    pool_ = std::make_unique<vulkan::MemoryPool>(*device_, local, false, max_block,
                                                 cache_limit(local, shared_memory));
    staging_pool_ = std::make_unique<vulkan::MemoryPool>(*device_, staging, true, max_block,
                                                         cache_limit(staging, true) / 4);
  }
  COTANGENT_ASSIGN_OR_RETURN(glsl_, vulkan::GlslCompiler::Create());
  COTANGENT_ASSIGN_OR_RETURN(kernels_, vulkan::KernelCache::Create(*device_));
  COTANGENT_ASSIGN_OR_RETURN(stream_, vulkan::Stream::Create(*device_, options_.stream));

  context_.info = &info;
  context_.stream = stream_.get();
  context_.kernels = kernels_.get();
  context_.glsl = glsl_.get();
  context_.float64 = info.float64 && !options_.disable_float64;
  context_.subgroups = info.subgroup_shuffle && !options_.disable_subgroups;
  context_.atomic_scatter = !options_.deterministic;
  context_.max_groups = std::min<uint32_t>(info.limits.maxComputeWorkGroupCount[0], 65535);
  context_.new_array = [this](const ShapedArray& aval) { return NewArray(aval); };
  const absl::Span<const uint32_t> table = vulkan::TwoOverPiWords();
  COTANGENT_ASSIGN_OR_RETURN(context_.two_over_pi, NewBuffer(table.size() * 4, *pool_));
  return Upload(table.data(), table.size() * 4, *context_.two_over_pi);
}

VulkanBackend::~VulkanBackend() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    context_.two_over_pi.reset();
    stream_.reset();  // waits for the device and drops the references batches held
    if (pool_ != nullptr) {
      assert(pool_->stats().live_bytes == 0 && "a buffer outlived its VulkanBackend");
    }
  }
  Shutdown();
}

void VulkanBackend::Shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stream_ == nullptr) return;
  context_.two_over_pi.reset();
  if (!stream_->Drain().ok()) {
    // A lost or hung device: destroying it could block for ever. Leave it (and what it
    // holds) to the end of the process.
    (void)stream_.release();
    (void)kernels_.release();
    (void)device_.release();
    (void)instance_.release();
    return;
  }
  stream_.reset();
  kernels_.reset();
  if (pool_ != nullptr) pool_->Close();
  if (staging_pool_ != nullptr) staging_pool_->Close();
  device_.reset();  // vkDeviceWaitIdle, vkDestroyDevice
  instance_.reset();
  // The loader stays loaded: code of the driver may still be referenced until exit.
}

absl::Status VulkanBackend::WarmUp() {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_ASSIGN_OR_RETURN(const Array scratch, NewArray({{1}, DType::kF32}));
  COTANGENT_RETURN_IF_ERROR(vulkan::Fill(context_, scratch, 0.0));
  return stream_->Finish();
}

absl::Status VulkanBackend::Live() const {
  if (stream_ != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "vulkan: the backend was shut down (at process exit, or by Shutdown)");
}

std::string VulkanBackend::Describe() const {
  const vulkan::PhysicalDeviceInfo& info = info_;
  return absl::StrCat(info.name, " (", vulkan::DeviceTypeName(info.type), ", Vulkan ",
                      VK_API_VERSION_MAJOR(info.api_version), ".",
                      VK_API_VERSION_MINOR(info.api_version), context_.float64 ? ", f64" : "",
                      info.storage_8bit ? ", bool" : "", info.storage_16bit ? ", f16" : "",
                      info.int64 ? ", i64" : "",
                      context_.subgroups ? absl::StrCat(", subgroup ", info.subgroup_size) : "",
                      info.float32_atomic_add ? ", f32 atomics" : "",
                      uses_staging() ? ", staging" : "", ")");
}

vulkan::MemoryPool::Stats VulkanBackend::memory_stats() const { return pool_->stats(); }

vulkan::Stream::Stats VulkanBackend::stream_stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stream_ != nullptr ? stream_->stats() : vulkan::Stream::Stats{};
}

int64_t VulkanBackend::pipelines() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return kernels_ != nullptr ? kernels_->size() : 0;
}

absl::StatusOr<std::shared_ptr<VulkanBuffer>> VulkanBackend::NewBuffer(int64_t bytes,
                                                                       vulkan::MemoryPool& pool) {
  if (bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat("vulkan: cannot allocate ", bytes, " bytes"));
  }
  const VkDeviceSize size = static_cast<VkDeviceSize>(std::max<int64_t>(bytes, 1));
  absl::StatusOr<vulkan::Allocation> allocation = pool.Acquire(size);
  if (!allocation.ok() && absl::IsResourceExhausted(allocation.status()) &&
      size <= info_.limits.maxStorageBufferRange) {
    // Out of device memory: finish pending work so that the buffers it kept alive return to
    // the pools, give the free chunks back, and try once more.
    COTANGENT_RETURN_IF_ERROR(stream_->Finish());
    pool_->Trim();
    if (staging_pool_ != nullptr) staging_pool_->Trim();
    allocation = pool.Acquire(size);
  }
  if (!allocation.ok()) return allocation.status();
  return std::make_shared<VulkanBuffer>(*this, bytes, pool, *allocation);
}

absl::StatusOr<Array> VulkanBackend::NewArray(const ShapedArray& aval) {
  COTANGENT_ASSIGN_OR_RETURN(std::shared_ptr<VulkanBuffer> buffer,
                             NewBuffer(aval.size() * DTypeSize(aval.dtype), *pool_));
  return DenseArray(std::move(buffer), aval);
}

absl::Status VulkanBackend::CheckBytes(int64_t bytes, const std::string& what) const {
  const int64_t limit = info_.limits.maxStorageBufferRange;
  if (bytes <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "vulkan: ", what, ": ", BytesText(bytes), " asked for, more than one buffer of ",
      info_.name, " holds (maxStorageBufferRange = ", BytesText(limit), ")"));
}

absl::Status VulkanBackend::CheckFits(const ShapedArray& aval, const std::string& what) const {
  const int64_t elements = aval.size(), elem = DTypeSize(aval.dtype);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t bytes = elements > kMax / elem ? kMax : elements * elem;
  COTANGENT_RETURN_IF_ERROR(CheckBytes(bytes, what));
  return CheckElements(aval, what);
}

absl::StatusOr<std::shared_ptr<Buffer>> VulkanBackend::Allocate(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  COTANGENT_RETURN_IF_ERROR(CheckBytes(bytes, "allocate"));
  COTANGENT_ASSIGN_OR_RETURN(std::shared_ptr<VulkanBuffer> buffer, NewBuffer(bytes, *pool_));
  return std::shared_ptr<Buffer>(std::move(buffer));
}

absl::Status VulkanBackend::CheckOperand(const Array& x, const char* what) const {
  if (&x.backend() != this) {
    return absl::InvalidArgumentError(absl::StrCat("vulkan: ", what, " operand ",
                                                   x.aval.ToString(), " lives on ",
                                                   x.backend().name()));
  }
  return absl::OkStatus();
}

absl::Status VulkanBackend::Upload(const void* src, int64_t bytes, Buffer& dst) {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  if (&dst.backend() != this || bytes < 0 || bytes > dst.bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("vulkan: cannot upload ", bytes,
                                                   " bytes into a buffer of ", dst.bytes(),
                                                   " bytes on ", dst.backend().name()));
  }
  if (bytes == 0) return absl::OkStatus();
  auto& buffer = static_cast<VulkanBuffer&>(dst);
  // Data is immutable once written; a buffer being rewritten must not be in use any more.
  COTANGENT_RETURN_IF_ERROR(stream_->WaitFor(buffer.last_use));
  if (buffer.allocation().mapped != nullptr) {
    std::memcpy(buffer.allocation().mapped, src, bytes);
    return absl::OkStatus();
  }
  COTANGENT_ASSIGN_OR_RETURN(std::shared_ptr<VulkanBuffer> staging,
                             NewBuffer(bytes, *staging_pool_));
  std::memcpy(staging->allocation().mapped, src, bytes);
  // The stream keeps both buffers alive until the copy is done.
  return stream_->Copy(staging, 0, buffer.shared_from_this(), 0, bytes);
}

absl::Status VulkanBackend::Fill(const Array& dst, Number value) {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  COTANGENT_RETURN_IF_ERROR(CheckOperand(dst, "fill"));
  return vulkan::Fill(context_, dst, value);  // kernels/fill.comp, recorded on the stream
}

absl::Status VulkanBackend::DownloadDense(const Array& src, void* dst) {
  const int64_t elem = DTypeSize(src.aval.dtype);
  const int64_t bytes = src.aval.size() * elem;
  const std::shared_ptr<VulkanBuffer> buffer = vulkan::BufferOf(src);
  const int64_t offset = src.offset * elem;
  if (buffer->allocation().mapped != nullptr) {
    COTANGENT_RETURN_IF_ERROR(stream_->WaitFor(buffer->last_write));
    std::memcpy(dst, buffer->allocation().mapped + offset, bytes);
    return absl::OkStatus();
  }
  COTANGENT_ASSIGN_OR_RETURN(std::shared_ptr<VulkanBuffer> staging,
                             NewBuffer(bytes, *staging_pool_));
  COTANGENT_RETURN_IF_ERROR(stream_->Copy(buffer, offset, staging, 0, bytes));
  COTANGENT_RETURN_IF_ERROR(stream_->WaitFor(staging->last_write));
  std::memcpy(dst, staging->allocation().mapped, bytes);
  return absl::OkStatus();
}

absl::Status VulkanBackend::Download(const Array& z, void* dst) {
  const Array src = IsComplex(z.aval.dtype) ? ComplexPairs(z) : z;
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  COTANGENT_RETURN_IF_ERROR(CheckOperand(src, "download"));
  if (src.aval.size() == 0) return absl::OkStatus();
  COTANGENT_RETURN_IF_ERROR(Materialize(src.buffer));
  if (src.IsContiguous()) {
    COTANGENT_RETURN_IF_ERROR(DownloadDense(src, dst));
  } else {
    // A strided view: gather it densely on the device first.
    COTANGENT_RETURN_IF_ERROR(CheckFits(src.aval, "download of " + src.aval.ToString()));
    COTANGENT_ASSIGN_OR_RETURN(const Array dense, NewArray(src.aval));
    COTANGENT_RETURN_IF_ERROR(vulkan::CopyView(context_, src, dense));
    COTANGENT_RETURN_IF_ERROR(DownloadDense(dense, dst));
  }
  RegisterExitHandler();
  return absl::OkStatus();
}

absl::Status VulkanBackend::Execute(Primitive prim, absl::Span<const Array> inputs,
                                    const Params& params, absl::Span<const ShapedArray> out_avals,
                                    absl::Span<Array> outputs) {
  COTANGENT_RETURN_IF_ERROR(CheckExecute(*this, prim, inputs, out_avals, outputs));
  if (KindOf(prim) == PrimitiveKind::kLinalg) {
    return ExecuteOnHost(prim, inputs, params, out_avals, outputs);
  }
  COTANGENT_ASSIGN_OR_RETURN(outputs[0], ExecuteOne(prim, inputs, params, out_avals[0]));
  return absl::OkStatus();
}

// No Vulkan factorization yet: LAPACK on host copies, the one primitive family that leaves the
// device. Download waits for the operands; the results are uploaded as new buffers.
absl::Status VulkanBackend::ExecuteOnHost(Primitive prim, absl::Span<const Array> inputs,
                                          const Params& params,
                                          absl::Span<const ShapedArray> out_avals,
                                          absl::Span<Array> outputs) {
  std::vector<std::vector<char>> host(inputs.size() + out_avals.size());
  std::vector<lapack::HostArray> in, out;
  HostStats moved{.calls = 1};
  for (size_t i = 0; i < inputs.size(); ++i) {
    COTANGENT_RETURN_IF_ERROR(CheckOperand(inputs[i], PrimitiveName(prim)));
    host[i].resize(inputs[i].aval.bytes());
    COTANGENT_RETURN_IF_ERROR(Download(inputs[i], host[i].data()));
    in.push_back({inputs[i].aval, host[i].data()});
    moved.bytes_downloaded += inputs[i].aval.bytes();
  }
  for (size_t i = 0; i < out_avals.size(); ++i) {
    // Sizes first: a result the device cannot hold is an error before any work.
    COTANGENT_RETURN_IF_ERROR(CheckFits(out_avals[i], PrimitiveName(prim)));
    std::vector<char>& bytes = host[inputs.size() + i];
    bytes.resize(out_avals[i].bytes());
    out.push_back({out_avals[i], bytes.data()});
  }
  // In order on this thread; a batch of fewer matrices than the host has cores on OpenBLAS's
  // threads (backends/lapack/linalg.h).
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  COTANGENT_RETURN_IF_ERROR(lapack::Run(prim, params, in, out, threads, nullptr));
  for (size_t i = 0; i < out_avals.size(); ++i) {
    COTANGENT_ASSIGN_OR_RETURN(std::shared_ptr<Buffer> buffer, Allocate(out_avals[i].bytes()));
    COTANGENT_RETURN_IF_ERROR(Upload(out[i].data, out_avals[i].bytes(), *buffer));
    outputs[i] = DenseArray(std::move(buffer), out_avals[i]);
    moved.bytes_uploaded += out_avals[i].bytes();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  host_stats_.calls += moved.calls;
  host_stats_.bytes_downloaded += moved.bytes_downloaded;
  host_stats_.bytes_uploaded += moved.bytes_uploaded;
  return absl::OkStatus();
}

VulkanBackend::HostStats VulkanBackend::host_stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return host_stats_;
}

absl::StatusOr<Array> VulkanBackend::ExecuteOne(Primitive prim, absl::Span<const Array> inputs,
                                             const Params& params, const ShapedArray& out_aval) {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  if (inputs.empty() || LauncherFor(prim) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("vulkan: ", PrimitiveName(prim),
                                                   inputs.empty() ? " has no operands"
                                                                  : " has no launcher"));
  }
  const std::string what = absl::StrCat(PrimitiveName(prim), " of ", inputs[0].aval.ToString());
  // Sizes first: a result or an operand (a broadcast view) too large is an error before any
  // allocation or dispatch.
  const std::string sized = absl::StrCat(what, " to ", out_aval.ToString());
  COTANGENT_RETURN_IF_ERROR(CheckFits(out_aval, sized));
  for (const Array& x : inputs) {
    COTANGENT_RETURN_IF_ERROR(CheckOperand(x, PrimitiveName(prim)));
    COTANGENT_RETURN_IF_ERROR(CheckElements(x.aval, sized));
    COTANGENT_RETURN_IF_ERROR(context_.Require(x.aval.dtype, IsArithmetic(prim), what));
  }
  COTANGENT_RETURN_IF_ERROR(context_.Require(out_aval.dtype, IsArithmetic(prim), what));
  if (Fuses(prim, out_aval, vulkan::FusedKernelLimits(options_.fusion_min_elements))) {
    COTANGENT_ASSIGN_OR_RETURN(std::optional<Array> pending, Fuse(prim, inputs, out_aval));
    if (pending) return *std::move(pending);
  }
  for (const Array& x : inputs) COTANGENT_RETURN_IF_ERROR(Materialize(x.buffer));
  COTANGENT_ASSIGN_OR_RETURN(Array out, NewArray(out_aval));
  if (out_aval.size() == 0) return out;
  COTANGENT_RETURN_IF_ERROR(LauncherFor(prim)(context_, prim, inputs, params, out));
  return out;
}

absl::StatusOr<std::optional<Array>> VulkanBackend::Fuse(Primitive prim,
                                                         absl::Span<const Array> inputs,
                                                         const ShapedArray& out_aval) {
  using vulkan::FusedExpr;
  const int64_t count = out_aval.size();
  // A pending result read whole (from its start, densely, as its own dtype: not a bitcast
  // view) may be inlined, once: a second reader computes it in memory instead.
  const auto whole = [count](const Array& x) {
    const std::shared_ptr<const vulkan::FusedExpr>& pending = vulkan::BufferOf(x)->pending;
    return pending != nullptr && x.offset == 0 && x.aval.size() == count &&
           x.aval.dtype == pending->aval.dtype && x.IsContiguous();
  };
  for (const Array& x : inputs) {
    if (!whole(x) && !vulkan::AsLeaf(x)) return std::optional<Array>();
  }
  FusedExpr::Node node{prim, inputs[prim == Primitive::kSelect ? 1 : 0].aval.dtype,
                       out_aval.dtype};
  auto expr = std::make_shared<FusedExpr>();
  expr->aval = out_aval;
  expr->math = vulkan::MathOf(node.prim, node.in);
  std::vector<std::pair<const Buffer*, int>> inlined;  // by this primitive: buffer, argument
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Array& x = inputs[k];
    const std::shared_ptr<VulkanBuffer> buffer = vulkan::BufferOf(x);
    if (whole(x)) {
      const auto same = std::find_if(inlined.begin(), inlined.end(),
                                     [&](const auto& b) { return b.first == buffer.get(); });
      if (same != inlined.end()) {  // x * x: inlined once, read twice
        node.args[k] = same->second;
        continue;
      }
      const FusedExpr& other = *buffer->pending;
      // This primitive's kernel so far (its node included, and a leaf for each operand still
      // to come) and other's, in one kernel.
      const int later = static_cast<int>(inputs.size() - k - 1);
      const FusedSize mine{static_cast<int>(expr->leaves.size()) + later,
                           static_cast<int>(expr->nodes.size()) + 1, expr->math};
      const std::optional<FusedSize> both = Combine(mine, vulkan::SizeOf(other));
      const bool fits =
          !buffer->spliced && both &&
          WithinLimits(*both, vulkan::FusedKernelLimits(options_.fusion_min_elements));
      if (fits) {
        node.args[k] = vulkan::Splice(*expr, other);
        buffer->spliced = true;
        inlined.push_back({buffer.get(), node.args[k]});
        continue;
      }
    }
    COTANGENT_RETURN_IF_ERROR(Materialize(x.buffer));
    node.args[k] = vulkan::AddLeaf(*expr, *vulkan::AsLeaf(x));
  }
  expr->nodes.push_back(node);
  COTANGENT_ASSIGN_OR_RETURN(Array out, NewArray(out_aval));
  const std::shared_ptr<VulkanBuffer> result = vulkan::BufferOf(out);
  result->pending = std::move(expr);
  ++fusion_stats_.deferred;
  // Forget buffers that are gone or computed, now and then.
  if (pending_.size() >= 256) {
    std::erase_if(pending_, [](const std::weak_ptr<VulkanBuffer>& b) {
      const std::shared_ptr<VulkanBuffer> live = b.lock();
      return live == nullptr || live->pending == nullptr;
    });
  }
  pending_.push_back(result);
  return std::optional<Array>(std::move(out));
}

absl::Status VulkanBackend::Materialize(const std::shared_ptr<Buffer>& buffer) {
  const std::shared_ptr<VulkanBuffer> target = std::static_pointer_cast<VulkanBuffer>(buffer);
  if (target->pending == nullptr) return absl::OkStatus();
  const std::shared_ptr<const vulkan::FusedExpr> expr = std::move(target->pending);
  target->pending = nullptr;
  if (expr->nodes.size() > 1) ++fusion_stats_.fused_launches;
  return vulkan::FusedLaunch(context_, *expr, DenseArray(target, expr->aval));
}

absl::Status VulkanBackend::MaterializeAll() {
  std::vector<std::weak_ptr<VulkanBuffer>> pending;
  pending.swap(pending_);
  for (const std::weak_ptr<VulkanBuffer>& b : pending) {
    if (const std::shared_ptr<VulkanBuffer> live = b.lock()) {
      COTANGENT_RETURN_IF_ERROR(Materialize(live));
    }
  }
  return absl::OkStatus();
}

VulkanBackend::FusionStats VulkanBackend::fusion_stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fusion_stats_;
}

// ---- jit ----------------------------------------------------------------------------------

class VulkanFusedKernel final : public FusedKernel {
 public:
  VulkanFusedKernel(VulkanBackend& backend, FusedCode code, vulkan::FusedKernels kernels)
      : backend_(backend), code_(std::move(code)), kernels_(std::move(kernels)) {}
  absl::Status Run(absl::Span<const Array> inputs, absl::Span<Array> outputs) const override {
    return backend_.RunFused(code_, kernels_, inputs, outputs);
  }

 private:
  VulkanBackend& backend_;
  const FusedCode code_;
  const vulkan::FusedKernels kernels_;
};

FusionOptions VulkanBackend::JitFusion() const { return vulkan::JitFusionOptions(); }

absl::StatusOr<std::unique_ptr<FusedKernel>> VulkanBackend::CompileFused(const FusedCode& code) {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  // A dtype the device cannot compute with runs unfused, so that the call fails as eager
  // does, naming the primitive and the missing feature.
  std::vector<DType> dtypes = code.inputs;
  for (const FusedCode::Literal& l : code.literals) dtypes.push_back(l.dtype);
  for (const FusedCode::Op& op : code.ops) dtypes.push_back(op.dtype);
  for (DType d : dtypes) {
    if (!context_.Require(d, true, "fused").ok()) return std::unique_ptr<FusedKernel>();
  }
  COTANGENT_ASSIGN_OR_RETURN(vulkan::FusedKernels kernels,
                             vulkan::CompileFusedCode(context_, code));
  return std::unique_ptr<FusedKernel>(new VulkanFusedKernel(*this, code, std::move(kernels)));
}

absl::Status VulkanBackend::RunFused(const FusedCode& code, const vulkan::FusedKernels& kernels,
                                     absl::Span<const Array> inputs, absl::Span<Array> outputs) {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  const std::string what = absl::StrCat("a fused group of ", code.ops.size(), " operations over ",
                                        ShapeToString(code.shape));
  std::vector<vulkan::FusedExpr::Leaf> leaves;
  for (const Array& x : inputs) {
    COTANGENT_RETURN_IF_ERROR(CheckOperand(x, "fused group"));
    COTANGENT_RETURN_IF_ERROR(CheckElements(x.aval, what));
    COTANGENT_RETURN_IF_ERROR(Materialize(x.buffer));
    if (std::optional<vulkan::FusedExpr::Leaf> leaf = vulkan::AsLeaf(x)) {
      leaves.push_back(*std::move(leaf));
      continue;
    }
    // A broadcast row, a transposed matrix...: read through one strided copy.
    COTANGENT_ASSIGN_OR_RETURN(Array dense, NewArray(x.aval));
    COTANGENT_RETURN_IF_ERROR(vulkan::CopyView(context_, x, dense));
    leaves.push_back({std::move(dense), false});
  }
  // Outputs: the caller's buffer where set, unless it is also an input and the group runs as
  // several kernels (a later one would read what an earlier one wrote): then a fresh array,
  // copied into the caller's at the end.
  std::vector<Array> targets(outputs.size());
  std::vector<size_t> copy_back;
  for (size_t o = 0; o < outputs.size(); ++o) {
    const ShapedArray aval{code.shape, code.DTypeOf(code.outputs[o])};
    COTANGENT_RETURN_IF_ERROR(CheckFits(aval, what));
    const bool aliased =
        outputs[o].buffer != nullptr && kernels.parts.size() > 1 &&
        std::any_of(inputs.begin(), inputs.end(),
                    [&](const Array& x) { return x.buffer == outputs[o].buffer; });
    if (outputs[o].buffer != nullptr && !aliased) {
      targets[o] = outputs[o];
      continue;
    }
    COTANGENT_ASSIGN_OR_RETURN(targets[o], NewArray(aval));
    if (aliased) copy_back.push_back(o);
  }
  COTANGENT_RETURN_IF_ERROR(vulkan::FusedLaunch(context_, code, kernels, leaves, targets));
  for (size_t o : copy_back) {
    COTANGENT_RETURN_IF_ERROR(vulkan::CopyView(context_, targets[o], outputs[o]));
  }
  for (size_t o = 0; o < outputs.size(); ++o) {
    if (outputs[o].buffer == nullptr) outputs[o] = std::move(targets[o]);
  }
  return absl::OkStatus();
}

void VulkanBackend::BeginProgram() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stream_ != nullptr) stream_->Hold();
}

absl::Status VulkanBackend::EndProgram() {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  // Results an equation left pending (eager fusion) are computed in the same submission.
  COTANGENT_RETURN_IF_ERROR(MaterializeAll());
  return stream_->Release();
}

absl::Status VulkanBackend::Synchronize() {
  std::lock_guard<std::mutex> lock(mutex_);
  COTANGENT_RETURN_IF_ERROR(Live());
  COTANGENT_RETURN_IF_ERROR(MaterializeAll());
  COTANGENT_RETURN_IF_ERROR(stream_->Finish());
  RegisterExitHandler();
  return absl::OkStatus();
}

}  // namespace cotangent
