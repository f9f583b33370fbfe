// File: tests/backends/vulkan_backend_test.cc
// The Vulkan backend outside its kernels: device choice (COTANGENT_VULKAN_DEVICE), the Vulkan
// objects' RAII and errors (no loader, no driver, fence timeouts, missing features), buffers
// (upload/download, direct and through staging), batching of dispatches, the memory pool
// (reuse over far more memory than the device has), and buffers over maxStorageBufferRange.

#include "backends/vulkan/vulkan_backend.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/device.h"
#include "backends/vulkan/fence.h"
#include "backends/vulkan/instance.h"
#include "backends/vulkan/loader.h"
#include "backends/vulkan/memory_pool.h"
#include "backends/vulkan/physical_device.h"
#include "backends/vulkan/stream.h"
#include "core/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent::vulkan_test {
namespace {

using ::testing::HasSubstr;
using vulkan::PhysicalDeviceInfo;

PhysicalDeviceInfo FakeDevice(uint32_t index, std::string name, VkPhysicalDeviceType type,
                              uint32_t api = VK_API_VERSION_1_3) {
  PhysicalDeviceInfo d;
  d.index = index;
  d.name = std::move(name);
  d.type = type;
  d.api_version = api;
  d.compute_queue_family = 0;
  return d;
}

TEST(DeviceSelection, PreferenceAndEnvironmentRequests) {
  const std::vector<PhysicalDeviceInfo> devices = {
      FakeDevice(0, "llvmpipe (LLVM 15.0.6, 256 bits)", VK_PHYSICAL_DEVICE_TYPE_CPU),
      FakeDevice(1, "Intel(R) UHD Graphics 630", VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU),
      FakeDevice(2, "NVIDIA GeForce RTX 4090", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU),
      FakeDevice(3, "Old GPU", VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, VK_API_VERSION_1_0)};
  EXPECT_EQ(*vulkan::SelectPhysicalDevice(devices, ""), 2u);  // discrete first
  EXPECT_EQ(*vulkan::SelectPhysicalDevice({devices[0], devices[1]}, ""), 1u);  // then integrated
  EXPECT_EQ(*vulkan::SelectPhysicalDevice(devices, "0"), 0u);
  EXPECT_EQ(*vulkan::SelectPhysicalDevice(devices, "llvmpipe"), 0u);
  EXPECT_EQ(*vulkan::SelectPhysicalDevice(devices, "INTEL"), 1u);  // case-insensitive
  const absl::StatusOr<size_t> missing = vulkan::SelectPhysicalDevice(devices, "radeon");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("COTANGENT_VULKAN_DEVICE=radeon matches no device; devices: 0: llvmpipe"));
  EXPECT_FALSE(vulkan::SelectPhysicalDevice(devices, "7").ok());
  const absl::StatusOr<size_t> old = vulkan::SelectPhysicalDevice(devices, "3");
  EXPECT_THAT(std::string(old.status().message()), HasSubstr("supports only Vulkan 1.0"));
  const absl::StatusOr<size_t> none = vulkan::SelectPhysicalDevice({}, "");
  EXPECT_THAT(std::string(none.status().message()),
              HasSubstr("vulkan: no device found (install mesa-vulkan-drivers"));
}

TEST(DeviceSelection, ByNameAndIndexOnThisMachine) {
  const std::string name = Vulkan().device_info().name;
  for (const std::string& request : {std::string("0"), name.substr(0, 4)}) {
    VulkanBackend::Options options;
    options.device = request;
    absl::StatusOr<std::unique_ptr<VulkanBackend>> backend = VulkanBackend::Create(options);
    ASSERT_TRUE(backend.ok()) << backend.status();
    EXPECT_EQ((*backend)->device_info().name, name);
  }
  VulkanBackend::Options options;
  options.device = "no-such-gpu";
  const absl::StatusOr<std::unique_ptr<VulkanBackend>> backend = VulkanBackend::Create(options);
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(backend.status().message()), HasSubstr(name));
}

TEST(Errors, MissingLoaderNamesWhatToInstall) {
  const absl::StatusOr<vulkan::Loader> loader = vulkan::Loader::Create("libvulkan-missing.so.1");
  EXPECT_EQ(loader.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(loader.status().message()),
              HasSubstr("cannot load the Vulkan loader libvulkan-missing.so.1"));
  EXPECT_THAT(std::string(loader.status().message()), HasSubstr("install libvulkan1"));
  VulkanBackend::Options options;
  options.loader = "libvulkan-missing.so.1";
  EXPECT_EQ(VulkanBackend::Create(options).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(Errors, NoDriverSaysSo) {
  // The loader reads its driver list from these at instance creation.
  setenv("VK_ICD_FILENAMES", "/nonexistent/icd.json", 1);
  setenv("VK_DRIVER_FILES", "/nonexistent/icd.json", 1);
  const absl::StatusOr<std::unique_ptr<VulkanBackend>> backend = VulkanBackend::Create({});
  unsetenv("VK_ICD_FILENAMES");
  unsetenv("VK_DRIVER_FILES");
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(backend.status().message()), HasSubstr("install mesa-vulkan-drivers"));
}

TEST(Errors, FenceWaitTimesOut) {
  // The objects of the runtime, created and destroyed on their own (no leaks under ASan).
  absl::StatusOr<vulkan::Loader> loader = vulkan::Loader::Create();
  ASSERT_TRUE(loader.ok()) << loader.status();
  absl::StatusOr<vulkan::Instance> instance = vulkan::Instance::Create(*loader);
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::StatusOr<std::vector<PhysicalDeviceInfo>> devices = vulkan::ListPhysicalDevices(*instance);
  ASSERT_TRUE(devices.ok()) << devices.status();
  absl::StatusOr<vulkan::Device> device =
      vulkan::Device::Create(*instance, (*devices)[*vulkan::SelectPhysicalDevice(*devices, "")]);
  ASSERT_TRUE(device.ok()) << device.status();
  absl::StatusOr<vulkan::Fence> fence = vulkan::Fence::Create(*device);
  ASSERT_TRUE(fence.ok());
  EXPECT_FALSE(*fence->IsSignaled());
  const absl::Status status = fence->Wait(absl::Milliseconds(5));  // never submitted
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(status.message()), HasSubstr("did not finish within 5ms"));
}

TEST(Errors, MissingFloat64IsAClearError) {
  VulkanBackend::Options options;
  options.disable_float64 = true;
  std::unique_ptr<VulkanBackend> backend = *VulkanBackend::Create(options);
  {
    const Array x = CopyTo(cpu_test::Place(cpu_test::Vec({1, 2, 3}), f64), *backend);
    const absl::StatusOr<Array> y = backend->Execute1(Primitive::kExp, {x}, {}, {{3}, f64});
    EXPECT_EQ(y.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(y.status().message()),
                HasSubstr("has no shaderFloat64; f64 arrays need it (exp of f64[3])"));
    // Moving f64 data needs no f64 arithmetic.
    const absl::StatusOr<Array> t = backend->Execute1(Primitive::kReshape, {x}, {}, {{3, 1}, f64});
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_THAT(FetchAny(*t).v, testing::ElementsAre(1, 2, 3));
  }
}

TEST(Errors, OperandOfAnotherBackend) {
  const Array x = cpu_test::Place(cpu_test::Vec({1, 2}), f32);
  const absl::StatusOr<Array> y = Vulkan().Execute1(Primitive::kNeg, {x}, {}, {{2}, f32});
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(y.status().message()), HasSubstr("neg operand f32[2] lives on cpu"));
}

// Round trips of every dtype through upload, strided views and download.
void ExpectRoundTrips(VulkanBackend& backend) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread,
                          Layout::kBroadcast0}) {
      const Host h = cpu_test::Random({5, 7, 3}, dtype, 11, layout);
      const Array x = CopyTo(cpu_test::Place(h, dtype, layout), backend);
      cpu_test::ExpectMatches(FetchAny(x), h, dtype,
                              absl::StrCat(DTypeName(dtype), " ", cpu_test::LayoutName(layout)),
                              0);
    }
  }
}

TEST(Buffers, RoundTripDirect) {
  ExpectRoundTrips(Vulkan());
  // CPU and integrated devices share host memory (lavapipe: direct); discrete GPUs stage.
  const VkPhysicalDeviceType type = Vulkan().device_info().type;
  const bool shared = type == VK_PHYSICAL_DEVICE_TYPE_CPU ||
                      type == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU;
  EXPECT_EQ(Vulkan().uses_staging(), !shared || std::getenv("COTANGENT_VULKAN_STAGING") != nullptr);
}

TEST(Buffers, RoundTripThroughStagingBuffers) {
  VulkanBackend::Options options;
  options.force_staging = true;
  std::unique_ptr<VulkanBackend> backend = *VulkanBackend::Create(options);
  EXPECT_TRUE(backend->uses_staging());
  ExpectRoundTrips(*backend);
  // Kernel output read back through staging.
  const Array x = CopyTo(cpu_test::Place(cpu_test::Vec({1, -2, 3}), f32), *backend);
  const Array y = *backend->Execute1(Primitive::kNeg, {x}, {}, {{3}, f32});
  EXPECT_THAT(FetchAny(y).v, testing::ElementsAre(-1, 2, -3));
}

TEST(Buffers, UploadBoundsAndZeroBytes) {
  std::shared_ptr<Buffer> buffer = *Vulkan().Allocate(8);
  const char bytes[16] = {};
  EXPECT_TRUE(Vulkan().Upload(bytes, 8, *buffer).ok());
  EXPECT_FALSE(Vulkan().Upload(bytes, 16, *buffer).ok());
  EXPECT_TRUE(Vulkan().Allocate(0).ok());
  EXPECT_FALSE(Vulkan().Allocate(-1).ok());
}

// Both memory paths on any device: direct where it shares host memory (lavapipe), and
// through staging buffers, forced (a discrete GPU always stages).
class BothMemoryPaths : public testing::TestWithParam<bool> {
 protected:
  static std::unique_ptr<VulkanBackend> Backend() {
    VulkanBackend::Options options;
    options.force_staging = GetParam();
    return *VulkanBackend::Create(options);
  }
};
INSTANTIATE_TEST_SUITE_P(Staging, BothMemoryPaths, testing::Bool());

TEST_P(BothMemoryPaths, DispatchesWaitForTheFirstReadBack) {
  std::unique_ptr<VulkanBackend> backend = Backend();
  Array x = CopyTo(cpu_test::Place(cpu_test::Vec({1, 2, 3, 4}), f32), *backend);
  // Through staging buffers (a discrete GPU) the upload is a recorded copy too, and so is the
  // read-back, each behind a barrier: count from after the upload.
  const vulkan::Stream::Stats before = backend->stream_stats();
  const int staged = backend->uses_staging() ? 1 : 0;
  for (int i = 0; i < 10; ++i) x = *backend->Execute1(Primitive::kAdd, {x, x}, {}, {{4}, f32});
  EXPECT_EQ(backend->stream_stats().submits, 0);  // recorded, not yet submitted
  EXPECT_EQ(backend->stream_stats().commands - before.commands, 10);
  EXPECT_THAT(FetchAny(x).v, testing::ElementsAre(1024, 2048, 3072, 4096));
  EXPECT_EQ(backend->stream_stats().submits, 1);
  // Each add reads the previous one's output.
  EXPECT_EQ(backend->stream_stats().barriers - before.barriers, 9 + 2 * staged);
}

// Regression (measured on an H200): a discrete GPU's pool must keep a working set of several
// 256 MiB arrays; only host memory is capped at 1 GiB.
TEST(MemoryPool, ADiscreteGpusCacheScalesWithItsHeapHostMemoryIsCapped) {
  const int64_t gib = int64_t{1} << 30;
  EXPECT_EQ(vulkan::MemoryPool::CacheLimit(140 * gib, /*host_memory=*/false), 35 * gib);
  EXPECT_GE(vulkan::MemoryPool::CacheLimit(8 * gib, false), 5 * (gib / 4));
  EXPECT_EQ(vulkan::MemoryPool::CacheLimit(24 * gib, /*host_memory=*/true), gib);
  EXPECT_EQ(vulkan::MemoryPool::CacheLimit(2 * gib, true), gib / 2);
}

TEST(MemoryPool, SizeClassesWasteAtMostAQuarter) {
  EXPECT_EQ(vulkan::MemoryPool::SizeClass(1), 256u);
  EXPECT_EQ(vulkan::MemoryPool::SizeClass(257), 320u);
  EXPECT_EQ(vulkan::MemoryPool::SizeClass(1000), 1024u);
  EXPECT_EQ(vulkan::MemoryPool::SizeClass(64 << 20), uint64_t{64} << 20);
  for (uint64_t bytes = 300; bytes < (uint64_t{1} << 30); bytes = bytes * 3 / 2 + 1) {
    const uint64_t size = vulkan::MemoryPool::SizeClass(bytes);
    EXPECT_GE(size, bytes);
    EXPECT_LE(size, bytes + bytes / 4 + 1) << bytes;
  }
}

TEST_P(BothMemoryPaths, DroppedTensorsAreReusedFarBeyondDeviceMemory) {
  // 4 GiB in total, 64 MiB at a time, dropped each iteration, while the device heap is 2 GiB on
  // lavapipe: 60 uploaded buffers, then 4 kernel outputs (kept alive by their batch until it
  // completes). The pool serves them all from a handful of chunks. Through staging buffers
  // each upload is a recorded copy, which keeps its buffer alive until its batch completes
  // too: up to `held` more buffers (the stream's batches in flight and the one recording).
  std::unique_ptr<VulkanBackend> backend = Backend();
  const vulkan::Stream::Options stream;
  const int64_t held = backend->uses_staging()
                           ? (stream.batches_in_flight + 1) * stream.bytes_per_batch / (64 << 20)
                           : 0;
  const vulkan::MemoryPool::Stats before = backend->memory_stats();
  const int64_t n = int64_t{16} << 20;  // f32 elements in 64 MiB
  {
    const float head[4] = {1, 2, 3, 4};
    for (int i = 0; i < 60; ++i) {
      const std::shared_ptr<Buffer> buffer = *backend->Allocate(n * 4);
      ASSERT_TRUE(backend->Upload(head, sizeof(head), *buffer).ok());
    }
    const Array x = CopyTo(cpu_test::Place(cpu_test::Vec({1.5}), f32), *backend);
    Params params;
    params.shape = {n};
    params.broadcast_dimensions = {0};
    for (int i = 0; i < 4; ++i) {
      const absl::StatusOr<Array> y =
          backend->Execute1(Primitive::kBroadcastInDim, {x}, params, {{n}, f32});
      ASSERT_TRUE(y.ok()) << y.status();
      if (i == 3) {
        float last = 0;
        ASSERT_TRUE(backend->Download(Array{y->buffer, {{1}, f32}, {1}, n - 1}, &last).ok());
        EXPECT_EQ(last, 1.5f);
      }
    }
    ASSERT_TRUE(backend->Synchronize().ok());
  }
  const vulkan::MemoryPool::Stats stats = backend->memory_stats();
  EXPECT_EQ(stats.live_bytes, before.live_bytes);
  EXPECT_EQ(stats.acquires - before.acquires, 65);  // 64 tensors and the broadcast scalar
  EXPECT_GE(stats.reuses - before.reuses, 59 - held);
  EXPECT_LE(stats.chunks_created - before.chunks_created, 6 + held);
  EXPECT_LE(stats.device_bytes, (int64_t{1} << 30) + held * (64 << 20));
}

TEST(Limits, BuffersOverMaxStorageBufferRangeAreResourceExhausted) {
  const int64_t max = Vulkan().device_info().limits.maxStorageBufferRange;
  const absl::StatusOr<std::shared_ptr<Buffer>> huge = Vulkan().Allocate(max + 1);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("maxStorageBufferRange"));
  // A kernel whose output would be too large: an error, no dispatch, and the backend works on.
  const Array s = CopyTo(cpu_test::Place(cpu_test::Vec({2}), f32), Vulkan());
  Params p;
  p.shape = {max / 4 + 1024};
  p.broadcast_dimensions = {0};
  const absl::StatusOr<Array> big =
      Vulkan().Execute1(Primitive::kBroadcastInDim, {s}, p, {p.shape, f32});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(FetchAny(*Vulkan().Execute1(Primitive::kNeg, {s}, {}, {{1}, f32})).v,
              testing::ElementsAre(-2));
}

TEST(Limits, HugeRequestsNameTheOperationTheBytesAndTheLimit) {
  // Regression: a 64 GiB request must fail with the device's limit before anything is
  // allocated (host memory included), naming what asked and how much.
  const std::string limit = absl::StrCat(
      "maxStorageBufferRange = ", Vulkan().device_info().limits.maxStorageBufferRange, " bytes");
  const absl::StatusOr<std::shared_ptr<Buffer>> buffer = Vulkan().Allocate(int64_t{1} << 36);
  EXPECT_EQ(buffer.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(buffer.status().message()),
              HasSubstr("vulkan: allocate: 68719476736 bytes (64 GiB) asked for"));
  EXPECT_THAT(std::string(buffer.status().message()), HasSubstr(limit));
  const Array s = CopyTo(cpu_test::Place(cpu_test::Vec({2}), f32), Vulkan());
  Params p;
  p.shape = {int64_t{1} << 34};
  p.broadcast_dimensions = {0};
  const absl::StatusOr<Array> big =
      Vulkan().Execute1(Primitive::kBroadcastInDim, {s}, p, {p.shape, f32});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(big.status().message()),
              HasSubstr("broadcast_in_dim of f32[1] to f32[17179869184]: 68719476736 bytes"));
  EXPECT_THAT(std::string(big.status().message()), HasSubstr(limit));
  // A broadcast view with more elements than a kernel indexes (32 bits): reduced, or
  // downloaded (which gathers it densely first), it is an error, not a truncated count.
  const Array view{s.buffer, {{int64_t{1} << 33}, f32}, {0}, 0};
  Params all;
  all.axes = {0};
  const absl::StatusOr<Array> total =
      Vulkan().Execute1(Primitive::kReduceSum, {view}, all, {{}, f32});
  EXPECT_EQ(total.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(total.status().message()),
              HasSubstr("reduce_sum of f32[8589934592] to f32[]: f32[8589934592] has 8589934592 "
                        "elements"));
  const absl::Status download = Vulkan().Download(view, nullptr);
  EXPECT_EQ(download.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(download.message()), HasSubstr("download of f32[8589934592]"));
  EXPECT_THAT(FetchAny(*Vulkan().Execute1(Primitive::kNeg, {s}, {}, {{1}, f32})).v,
              testing::ElementsAre(-2));
}

}  // namespace
}  // namespace cotangent::vulkan_test
