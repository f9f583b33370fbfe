// File: tests/backends/vulkan_jit_test.cc
// jit on the Vulkan backend: results against the CPU backend (the oracle), the device
// placement rules, the commands and submissions one call records, jitted and eager (the
// counts of docs/jit.md, which are hardware-independent), and what the generated kernels of
// fused groups must get right: groups split over several kernels, buffers rewritten in place
// (donation), literals to the bit. tests/interpreters:jit_test_vulkan runs the whole jit
// suite on this backend besides.

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

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
  // Fused groups of up to 32 operations: 1250 operations in about 40 kernels, one submission.
  EXPECT_LE(jit_f.commands, eager_f.commands / 25);
  EXPECT_LE(jit_g.commands, eager_g.commands / 10);
  EXPECT_EQ(jit_f.submits, 1);
  EXPECT_EQ(jit_g.submits, 1);
}

Tensor Ramp(int64_t n, DType dtype, double scale, double shift) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * (static_cast<double>(i % 89) / 11.0 - 4.0) + shift;
  return tensor(v, {n}, dtype);
}

// Element-wise equality (NaN equal to NaN); bitwise unless tol > 0.
void ExpectClose(const Tensor& got, const Tensor& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.dtype(), want.dtype());
  const std::vector<double> g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << i;
    } else if (tol == 0) {
      EXPECT_EQ(std::signbit(g[i]), std::signbit(w[i])) << i;
      EXPECT_EQ(g[i], w[i]) << i;
    } else {
      EXPECT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << i;
    }
  }
}

TEST(VulkanJit, AGroupBindingMoreBuffersThanAKernelSplitsIntoKernels) {
  // Six inputs and three outputs read by a reduction each: nine buffers, one more than a kernel
  // binds, so the group runs as two kernels, each computing some outputs.
  const auto f = [](const std::vector<Tensor>& in) {
    const Tensor a = in[0] * in[1], b = in[2] * in[3], c = in[4] * in[5];
    return std::vector<Tensor>{sum(a + b), sum(b - c), sum(a * c)};
  };
  std::vector<Tensor> cpu, gpu;
  for (int i = 0; i < 6; ++i) {
    cpu.push_back(Ramp(1000, f32, 0.5 + 0.1 * i, 0.25 * i));
    gpu.push_back(device_put(cpu.back(), "vulkan"));
  }
  const auto jf = jit(f);
  const Lowered lowered = jf.lower(gpu);
  EXPECT_EQ(lowered.compiled->num_fused_groups(), 1) << lowered.ToString();
  const std::vector<Tensor> want = f(cpu), got = jf(gpu);
  for (size_t k = 0; k < want.size(); ++k) ExpectClose(got[k], want[k], 1e-5);
  const Counts counts = CountsOf([&](const Tensor&) { return jf(gpu)[0]; }, gpu[0]);
  EXPECT_EQ(counts.commands, 2 + 3);  // two kernels, three reductions
  EXPECT_EQ(counts.submits, 1);
}

TEST(VulkanJit, ADonatedBufferIsRewrittenOnlyAfterItsLastReader) {
  // p is read by the reduction, then rewritten in place by the fused group that reads it too:
  // the write must wait for the reduction (a barrier), and the result must be the CPU's.
  const auto update = [](const Tensor& p) { return p * 0.5 + sum(p); };
  const auto step = jit(update, donate_argnums({0}));
  const Tensor cpu = Ramp(4096, f32, 1.0, 0.0);
  Tensor p = device_put(cpu, "vulkan");
  p.block_until_ready();  // nothing in flight holds p's buffer: the call may take it
  const Lowered lowered = step.lower(p);  // the executable the calls below run
  const int64_t barriers = Vulkan().stream_stats().barriers;
  const Tensor out = step(p);
  ExpectClose(out, update(cpu), 1e-5);
  EXPECT_EQ(lowered.compiled->donations_reused(), 1);
  EXPECT_GT(Vulkan().stream_stats().barriers, barriers);
  // A training loop's pattern: each result donated to the next call, while the previous call
  // may still be in flight. One executable (the results key as the device_put argument did),
  // every buffer reused.
  Tensor q = out, want = update(cpu);
  for (int i = 0; i < 3; ++i) {
    q = step(q);
    want = update(want);
  }
  ExpectClose(q, want, 1e-4);
  EXPECT_EQ(step.cache_size(), 1);
  EXPECT_EQ(lowered.compiled->donations_reused(), 4);
}

TEST(VulkanJit, LiteralsInGeneratedKernelsAreExact) {
  // Literals that no decimal rendering with a few digits keeps: 0.1 in f64 and in f32, a
  // denormal, -0.0, infinity (as the program's literal), and i32 and bool constants.
  const auto f = [](const Tensor& x, const Tensor& i) {
    const Tensor y = x * 0.1 + 1e-310;
    const Tensor z = where(x > 0.0, y, -0.0 * y) + x * std::numeric_limits<double>::infinity();
    const Tensor w = astype(astype(x, f32) * 0.1f + 1.0f / 3.0f, f64);
    const Tensor k = astype(where(i > 2, i * 7 - 3, -1), f64);
    return std::vector<Tensor>{y, z, w, k};
  };
  const Tensor x = Ramp(300, f64, 1.7, -0.3), i = astype(Ramp(300, f64, 3.0, 1.0), i32);
  const std::vector<Tensor> want = f(x, i);
  const std::vector<Tensor> got =
      jit(f)(device_put(x, "vulkan"), device_put(i, "vulkan"));
  for (size_t k = 0; k < want.size(); ++k) ExpectClose(got[k], want[k], 0);
}

// The linear algebra rows run on the host (LAPACK on copies): the results come back to the
// device, equal to the CPU backend's up to the device's sin, every byte each way counted; also
// under jit, where the host calls sit between device kernels. With the default backend on the
// CPU, the index arrays solve builds (uncommitted) follow the Vulkan operands.
TEST(VulkanLinalg, RunsOnHostCopiesCountedAndEqualToTheCpu) {
  std::vector<double> values(2 * 4 * 4);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(1.0 + 3.0 * i) + (i % 5 == 0);
  const Tensor a_cpu = tensor(values, {2, 4, 4}, f32);
  const Tensor a = device_put(a_cpu, "vulkan");
  const auto f = [](const Tensor& x) {
    const linalg::SVD s = linalg::svd(x * 2.0, false);
    return linalg::solve(x, s.u) + sin(s.vh);
  };
  const VulkanBackend::HostStats before = Vulkan().host_stats();
  const Tensor y = f(a);
  const VulkanBackend::HostStats after = Vulkan().host_stats();
  EXPECT_EQ(device_of(y), "vulkan");
  ExpectClose(y, f(a_cpu), 1e-6);
  // svd: a down; s, u, vt up. solve's lu: a down; lu, pivots, permutation up; two
  // triangular_solves: a matrix and a right-hand side down, the solution up.
  EXPECT_EQ(after.calls - before.calls, 4);
  const int64_t m = 2 * 4 * 4 * 4, v = 2 * 4 * 4;  // bytes of an f32 [2, 4, 4], of [2, 4]
  EXPECT_EQ(after.bytes_downloaded - before.bytes_downloaded, m + m + 2 * (m + m));
  EXPECT_EQ(after.bytes_uploaded - before.bytes_uploaded, (v + m + m) + (m + v + v) + 2 * m);
  ExpectClose(jit(f)(a), f(a_cpu), 1e-6);
}

// while_loop on Vulkan runs in rounds of guarded steps (core/program.h GuardedWhileStep): a
// loop of n steps waits for the device about log2 n + n / 32 times instead of n + 1, eagerly
// and under jit, and ends with the CPU's carry for every trip count about the rounds' edges,
// vmapped over lanes that end apart, and under jvp. A loop whose body holds a while_loop runs
// step by step (a loop run past its end might never end).
using Pair = std::pair<Tensor, Tensor>;
Tensor Loop(const Tensor& n, const Tensor& x) {
  return while_loop([&](const Pair& s) { return s.first < n; },
                    [](const Pair& s) {
                      return Pair{s.first + 1, sin(s.second) * 1.5 + 0.1};
                    },
                    Pair{zeros_like(n), x})
      .second;
}
// The stream's counts over a second run of f (the first compiles). A wait is a fence wait that
// blocked: a batch the device finished before the host looked is retired without one, so
// waits bound reads from above only; every read of a value recorded since the last submission
// submits, so submits bound them from below.
vulkan::Stream::Stats StatsOf(const std::function<Tensor()>& f) {
  f().block_until_ready();
  const vulkan::Stream::Stats before = Vulkan().stream_stats();
  f().block_until_ready();
  vulkan::Stream::Stats after = Vulkan().stream_stats();
  after.waits -= before.waits;
  after.submits -= before.submits;
  return after;
}
int64_t WaitsOf(const std::function<Tensor()>& f) { return StatsOf(f).waits; }
TEST(VulkanJit, WhileLoopsWaitOncePerRoundAndMatchTheCpu) {
  const Tensor x_cpu = Ramp(5, f32, 0.3, 0.2), x = device_put(x_cpu, "vulkan");
  const auto jitted = jit(Loop);
  for (int steps : {0, 1, 2, 3, 31, 32, 33, 100}) {
    const Tensor n_cpu = scalar(steps, i32), n = device_put(n_cpu, "vulkan");
    const Tensor want = Loop(n_cpu, x_cpu);
    ExpectClose(Loop(n, x), want, 1e-5);
    ExpectClose(jitted(n, x), want, 1e-5);
  }
  const Tensor n = device_put(scalar(100, i32), "vulkan");
  const int64_t eager = WaitsOf([&] { return Loop(n, x); });
  const int64_t compiled = WaitsOf([&] { return jitted(n, x); });
  std::printf("while_loop of 100 steps: %lld waits eagerly, %lld under jit\n",
              static_cast<long long>(eager), static_cast<long long>(compiled));
  // Step by step these were 101 and more. Reads after 0, 1, 3, 7, 15, 31, 63, 95 and 127
  // steps, and the result's; eagerly the stream also waits whenever more than 3 batches of 64
  // commands are in flight (a round of 32 steps records about 250 commands).
  EXPECT_LE(compiled, 10);
  EXPECT_LE(eager, 30);
  // Lanes of 0 to 100 steps: the batched loop runs until the last lane ends.
  const Tensor ns_cpu = tensor({0, 7, 40, 100}, {4}, i32);
  const Tensor xs_cpu = Ramp(4, f32, 0.5, 0.1);
  const Tensor lanes_want = vmap(Loop)(ns_cpu, xs_cpu);
  const Tensor ns = device_put(ns_cpu, "vulkan"), xs = device_put(xs_cpu, "vulkan");
  ExpectClose(vmap(Loop)(ns, xs), lanes_want, 1e-5);
  ExpectClose(jit(vmap(Loop))(ns, xs), lanes_want, 1e-5);
  const auto tangent = [](const Tensor& steps, const Tensor& at) {
    return jvp([&](const Tensor& v) { return Loop(steps, v); }, {at}, {ones_like(at)}).second;
  };
  ExpectClose(tangent(device_put(scalar(33, i32), "vulkan"), x), tangent(scalar(33, i32), x_cpu),
              1e-4);
  // A body holding a while_loop: no rounds, one read per step at least. Counted in submits:
  // the waits of this check were 21 and more on most runs and 13 in one ASan run, whose slower
  // host found lavapipe done with the batches it read.
  const auto nested = [](const Tensor& steps, const Tensor& v) {
    return while_loop([&](const Pair& s) { return s.first < steps; },
                      [](const Pair& s) {
                        return Pair{s.first + 1, Loop(scalar(2, i32), s.second)};
                      },
                      Pair{zeros_like(steps), v})
        .second;
  };
  const Tensor twenty = device_put(scalar(20, i32), "vulkan");
  ExpectClose(jit(nested)(twenty, x), nested(scalar(20, i32), x_cpu), 1e-5);
  EXPECT_GE(StatsOf([&] { return jit(nested)(twenty, x); }).submits, 20);
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
