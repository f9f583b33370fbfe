// File: tests/backends/cpu_backend_test.cc
// CpuBackend outside the kernels: buffers (allocation, alignment, upload bounds), Download of
// strided views, the backend registry and the thread pool.

#include "backends/cpu/cpu_backend.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/block_pool.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/thread_pool.h"
#include "backends/registry.h"
#include "core/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/cpu_test_util.h"

namespace cotangent::cpu_test {
namespace {

TEST(CpuBackend, DownloadOfAStridedView) {
  for (Layout layout :
       {Layout::kReversed, Layout::kSpread, Layout::kBroadcast0, Layout::kBroadcastLast}) {
    const Host h = Random({3, 4, 2}, f64, 59, layout);
    const Array view = Place(h, f64, layout);
    ASSERT_FALSE(view.IsContiguous());
    std::vector<double> out(h.v.size());
    ASSERT_TRUE(Cpu().Download(view, out.data()).ok());
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_TRUE(out[i] == h.v[i] || (std::isnan(out[i]) && std::isnan(h.v[i])))
          << LayoutName(layout) << " element " << i;
    }
  }
}

TEST(CpuBackend, AllocateZeroAndAligned) {
  for (int64_t bytes : {0, 1, 63, 64, 1000}) {
    absl::StatusOr<std::shared_ptr<Buffer>> buffer = Cpu().Allocate(bytes);
    ASSERT_TRUE(buffer.ok()) << buffer.status();
    EXPECT_EQ((*buffer)->bytes(), bytes);
    EXPECT_EQ(&(*buffer)->backend(), &Cpu());
    const auto address = reinterpret_cast<uintptr_t>(static_cast<CpuBuffer&>(**buffer).data());
    EXPECT_EQ(address % 64, 0u);
  }
  EXPECT_FALSE(Cpu().Allocate(-1).ok());
#if !defined(__SANITIZE_ADDRESS__)
  const absl::StatusOr<std::shared_ptr<Buffer>> huge = Cpu().Allocate(int64_t{1} << 62);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(huge.status().message()), testing::HasSubstr("4611686018427387904"));
#endif
}

TEST(CpuBackend, UploadRejectsOverflow) {
  std::shared_ptr<Buffer> buffer = ValueOrThrow(Cpu().Allocate(8));
  const char bytes[16] = {};
  EXPECT_TRUE(Cpu().Upload(bytes, 8, *buffer).ok());
  EXPECT_FALSE(Cpu().Upload(bytes, 16, *buffer).ok());
}

TEST(Registry, NamesAndDefault) {
  EXPECT_EQ(&GetBackend("cpu"), &CpuBackend::Get());
  // name() is a const char*: compared as a string (EXPECT_EQ compared the pointers, equal
  // only where the linker happened to merge the literals; ASan at -O1 did not).
  EXPECT_STREQ(GetBackend("cpu").name(), "cpu");
  try {
    GetBackend("foo");
    ADD_FAILURE() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(e.what(), testing::HasSubstr("unknown backend \"foo\" (known: cpu, vulkan)"));
  }
  EXPECT_EQ(&DefaultBackend(), &CpuBackend::Get());  // COTANGENT_BACKEND is unset in tests
}

TEST(BlockPool, CapacityClasses) {
  EXPECT_EQ(cpu::BlockCapacity(0), 64);
  EXPECT_EQ(cpu::BlockCapacity(1), 64);
  EXPECT_EQ(cpu::BlockCapacity(65), 128);
  EXPECT_EQ(cpu::BlockCapacity(1000), 1024);
  EXPECT_EQ(cpu::BlockCapacity(65535), 65536);
  EXPECT_EQ(cpu::BlockCapacity(65536), 65536);
  EXPECT_EQ(cpu::BlockCapacity(65537), 65536 + 4096);
}

// A released block serves the next request of its class; a block in use is never handed out.
TEST(BlockPool, ReusesReleasedBlocksOfTheSameClass) {
  cpu::BlockPool pool;
  for (int64_t bytes : {8, 100, 5000, 70000}) {
    const cpu::Block first = *pool.Take(bytes);
    const cpu::Block second = *pool.Take(bytes);
    EXPECT_NE(first.data, second.data);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first.data) % 64, 0u);
    pool.Give(first);
    const cpu::Block again = *pool.Take(bytes + 1);  // same class
    EXPECT_EQ(again.data, first.data) << bytes;
    pool.Give(again);
    pool.Give(second);
  }
}

// Steady-state dispatch: a buffer released and asked for again is the same memory, not a new
// system allocation (W4's per-op cost was a third malloc/free). Sizes above the 64-byte class,
// which the buffers' control blocks share (its blocks may swap roles between the two).
TEST(CpuBackend, ReleasedBufferIsReused) {
  for (int64_t bytes : {200, 4096, 1 << 20}) {
    void* first = nullptr;
    {
      std::shared_ptr<Buffer> buffer = ValueOrThrow(Cpu().Allocate(bytes));
      first = static_cast<CpuBuffer&>(*buffer).data();
    }
    std::shared_ptr<Buffer> buffer = ValueOrThrow(Cpu().Allocate(bytes));
    EXPECT_EQ(static_cast<CpuBuffer&>(*buffer).data(), first) << bytes;
  }
}

TEST(ThreadPool, ParallelForCoversEachIndexOnce) {
  for (int threads : {1, 2, 8}) {
    cpu::ThreadPool pool(threads - 1);
    for (int64_t n : {0, 1, 5, 1000, 100003}) {
      std::vector<std::atomic<int>> hits(n);
      pool.ParallelFor(n, 7, [&](int64_t begin, int64_t end) {
        ASSERT_LT(begin, end);
        for (int64_t i = begin; i < end; ++i) ++hits[i];
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << n << " " << i;
    }
  }
}

}  // namespace
}  // namespace cotangent::cpu_test
