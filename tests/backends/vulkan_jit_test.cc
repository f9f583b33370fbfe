// File: tests/backends/vulkan_jit_test.cc
// jit on the Vulkan backend: results against the CPU backend (the oracle), the device
// placement rules, and the commands and submissions one call records, jitted and eager (the
// counts of docs/jit.md, which are hardware-independent).

#include <cstdio>

#include "backends/vulkan/vulkan_backend.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;
using vulkan_test::Vulkan;

// W4 of docs/benchmarks.md: 250 times x = sin(x) * 1.01 + 0.1 - x * 0.001.
Tensor Chain(const Tensor& x0) {
  Tensor x = x0;
  for (int i = 0; i < 250; ++i) x = sin(x) * 1.01 + 0.1 - x * 0.001;
  return x;
}

struct Counts {
  int64_t commands, submits;
};

// The commands and submissions of one call of f on x (after a first, warming call).
template <typename F>
Counts CountsOf(F f, const Tensor& x) {
  f(x).block_until_ready();
  const vulkan::Stream::Stats before = Vulkan().stream_stats();
  f(x).block_until_ready();
  const vulkan::Stream::Stats after = Vulkan().stream_stats();
  return {after.commands - before.commands, after.submits - before.submits};
}

TEST(VulkanJit, W4MatchesTheCpuAndCountsItsWork) {
  const Tensor x_cpu = scalar(0.5, f32);
  const Tensor x = device_put(x_cpu, "vulkan");
  const auto forward = jit(Chain);
  const auto gradient = jit(grad(Chain));
  EXPECT_NEAR(forward(x).item<double>(), Chain(x_cpu).item<double>(), 1e-5);
  EXPECT_NEAR(gradient(x).item<double>(), grad(Chain)(x_cpu).item<double>(), 1e-4);
  EXPECT_EQ(device_of(forward(x)), "vulkan");
  const Counts eager_f = CountsOf(Chain, x), jit_f = CountsOf(forward, x);
  const Counts eager_g = CountsOf(grad(Chain), x), jit_g = CountsOf(gradient, x);
  std::printf("W4 forward: eager %lld commands %lld submits; jit %lld commands %lld submits\n",
              static_cast<long long>(eager_f.commands), static_cast<long long>(eager_f.submits),
              static_cast<long long>(jit_f.commands), static_cast<long long>(jit_f.submits));
  std::printf("W4 grad:    eager %lld commands %lld submits; jit %lld commands %lld submits\n",
              static_cast<long long>(eager_g.commands), static_cast<long long>(eager_g.submits),
              static_cast<long long>(jit_g.commands), static_cast<long long>(jit_g.submits));
  EXPECT_LE(jit_f.commands, eager_f.commands);
  EXPECT_LE(jit_g.commands, eager_g.commands);
}

TEST(VulkanJit, MixingCommittedDevicesIsAnError) {
  const auto f = jit([](const Tensor& a, const Tensor& b) { return a + b; });
  const Tensor a = device_put(ones({3}), "vulkan"), b = device_put(ones({3}), "cpu");
  try {
    f(a, b);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("live on different devices"));
  }
}

}  // namespace
}  // namespace cotangent
