// File: tests/backends/vulkan_fusion_test.cc
// Elementwise fusion on the Vulkan backend (backends/vulkan/fusion.h), run with
// COTANGENT_VULKAN_FUSION=1 so that arrays of any size fuse: chains become one dispatch, and
// every result matches the CPU backend (the oracle) whatever the chain's shape: shared and
// repeated intermediates, broadcast scalars, strided operands (which run unfused), mixed
// dtypes, sin/cos with their table, f32 and f64 math in one chain, chains longer than a kernel
// holds, more operands than it binds, results dropped unread, and derivatives.

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "backends/vulkan/vulkan_backend.h"
#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

VulkanBackend& Vulkan() { return dynamic_cast<VulkanBackend&>(GetBackend("vulkan")); }

// Runs f on the CPU and on Vulkan (inputs moved there) and compares every output.
void ExpectMatchesCpu(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
                      const std::vector<Tensor>& cpu_inputs, double tol) {
  std::vector<Tensor> vulkan_inputs;
  for (const Tensor& x : cpu_inputs) vulkan_inputs.push_back(device_put(x, "vulkan"));
  const std::vector<Tensor> want = f(cpu_inputs);
  std::vector<Tensor> got;
  {
    DeviceScope scope("vulkan");
    got = f(vulkan_inputs);
  }
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(device_of(got[i]), "vulkan");
    ASSERT_EQ(want[i].shape(), got[i].shape());
    ASSERT_EQ(want[i].dtype(), got[i].dtype());
    const std::vector<double> w = want[i].to_vector<double>(), g = got[i].to_vector<double>();
    for (size_t j = 0; j < w.size(); ++j) {
      if (std::isnan(w[j])) {
        EXPECT_TRUE(std::isnan(g[j])) << "output " << i << " element " << j;
      } else {
        EXPECT_NEAR(g[j], w[j], tol * (1 + std::abs(w[j]))) << "output " << i << " element " << j;
      }
    }
  }
}

Tensor Ramp(int64_t n, DType dtype, double scale = 1.0, double shift = 0.0) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * (static_cast<double>(i % 97) / 13.0 - 3.5) + shift;
  return tensor(v, {n}, dtype);
}

TEST(VulkanFusion, AChainIsOneDispatch) {
  const Tensor x = device_put(Ramp(1000, f32), "vulkan");
  ASSERT_TRUE(Vulkan().Synchronize().ok());
  const int64_t commands = Vulkan().stream_stats().commands;
  const int64_t fused = Vulkan().fusion_stats().fused_launches;
  Tensor y;
  {
    DeviceScope scope("vulkan");
    const Tensor t = tanh(x);
    y = exp(t * t + 1.0) - t;  // tanh, mul, add, exp, sub (the 1.0 is a broadcast leaf)
  }
  const std::vector<float> got = y.to_vector<float>();
  EXPECT_EQ(Vulkan().fusion_stats().fused_launches - fused, 1);
  // One kernel and at most two commands making the scalar; the read-back is one more, a copy,
  // through staging buffers (a discrete GPU, or COTANGENT_VULKAN_STAGING=1), else a memcpy.
  const int staged = Vulkan().uses_staging() ? 1 : 0;
  EXPECT_LE(Vulkan().stream_stats().commands - commands, 3 + staged);
  const std::vector<float> xs = Ramp(1000, f32).to_vector<float>();
  for (size_t i = 0; i < xs.size(); ++i) {
    const double t = std::tanh(static_cast<double>(xs[i]));
    EXPECT_NEAR(got[i], std::exp(t * t + 1) - t, 2e-6 * std::exp(t * t + 1)) << i;
  }
}

TEST(VulkanFusion, MatchesCpuOnChainsOfEveryShape) {
  for (DType dtype : {f32, f64}) {
    const double tol = dtype == f32 ? 1e-5 : 1e-13;
    const Tensor x = Ramp(777, dtype), w = Ramp(777, dtype, 0.5, 0.25);
    // Shared intermediates: a is inlined into b, then c and the output read it from memory.
    ExpectMatchesCpu(
        [](const std::vector<Tensor>& in) {
          const Tensor a = exp(in[0] * 0.3);
          const Tensor b = a + in[1];
          const Tensor c = a * 2.0;
          return std::vector<Tensor>{b, c, a, b * c};
        },
        {x, w}, tol);
    // A pending value read twice by one primitive, and a chain over its own square.
    ExpectMatchesCpu(
        [](const std::vector<Tensor>& in) {
          const Tensor s = sin(in[0] * 3.0);  // sin: the 2/pi table binding
          const Tensor q = s * s;
          return std::vector<Tensor>{q + cos(in[1]) * q};
        },
        {x, w}, tol);
    // Strided operands (a transpose and a slice) run unfused, pending ones feed them.
    ExpectMatchesCpu(
        [](const std::vector<Tensor>& in) {
          const Tensor m = reshape(tanh(in[0]), {7, 111});
          const Tensor t = transpose(m, {1, 0});
          return std::vector<Tensor>{log1p(t * t) + 1.0, expm1(slice(m, {1, 5}, {6, 100}) * 0.1)};
        },
        {x}, tol);
    // Compare, select, logical ops and conversions between dtypes in one chain.
    ExpectMatchesCpu(
        [](const std::vector<Tensor>& in) {
          const Tensor big = in[0] > in[1];
          const Tensor both = logical_and(big, in[0] < 2.0);
          const Tensor chosen = where(both, sqrt(abs(in[0])), -in[1]);
          const Tensor counts = astype(both, i32) + astype(chosen * 10.0, i32);
          return std::vector<Tensor>{chosen, counts, astype(counts, f64) * 0.5};
        },
        {x, w}, tol);
  }
}

TEST(VulkanFusion, OneValueInBothOperandsKeepsInfAndNaN) {
  // A fused kernel hands one value to both operands of x - x and x == x; the driver must not
  // fold them to 0 and true (the kernels' operations are `precise`).
  for (DType dtype : {f32, f64}) {
    ExpectMatchesCpu(
        [](const std::vector<Tensor>& in) {
          const Tensor e = exp(in[0]);  // [inf, nan, 1, 0]
          const Tensor d = e - e;
          return std::vector<Tensor>{d, d == d, e != e, e == e, e / e, e * 0.0};
        },
        {tensor({1000, NAN, 0, -1000}, {4}, dtype)}, 0);
  }
}

TEST(VulkanFusion, MixedPrecisionMathSplitsIntoKernels) {
  // f32 math and f64 math cannot share a kernel (one math library each): still correct.
  ExpectMatchesCpu(
      [](const std::vector<Tensor>& in) {
        const Tensor a = exp(in[0]);                      // f32 math
        const Tensor b = log(astype(a, f64) + 1.0);       // f64 math over a
        return std::vector<Tensor>{tanh(astype(b, f32)) + a};
      },
      {Ramp(500, f32)}, 1e-5);
}

TEST(VulkanFusion, LongChainsAndManyOperands) {
  std::vector<Tensor> inputs;
  for (int i = 0; i < 10; ++i) inputs.push_back(Ramp(300, f64, 1.0 + 0.1 * i, i));
  ExpectMatchesCpu(
      [](const std::vector<Tensor>& in) {
        Tensor acc = in[0];
        for (int i = 0; i < 80; ++i) acc = acc * 0.99 + sin(acc) * 0.01;  // 320 primitives
        Tensor sum = in[0];
        for (size_t i = 1; i < in.size(); ++i) sum = sum + in[i] * in[i];  // 10 operands
        return std::vector<Tensor>{acc, sum};
      },
      inputs, 1e-12);
}

TEST(VulkanFusion, DroppedResultsAreNeverComputed) {
  const Tensor x = device_put(Ramp(4096, f32), "vulkan");
  ASSERT_TRUE(Vulkan().Synchronize().ok());
  const int64_t commands = Vulkan().stream_stats().commands;
  const int64_t deferred = Vulkan().fusion_stats().deferred;
  {
    DeviceScope scope("vulkan");
    const Tensor unused = exp(tanh(x) * x);
  }
  ASSERT_TRUE(Vulkan().Synchronize().ok());
  EXPECT_EQ(Vulkan().fusion_stats().deferred - deferred, 3);
  EXPECT_EQ(Vulkan().stream_stats().commands, commands);
}

TEST(VulkanFusion, SynchronizeComputesPendingResults) {
  const Tensor x = device_put(Ramp(64, f32), "vulkan");
  Tensor y;
  {
    DeviceScope scope("vulkan");
    y = sqrt(abs(x)) + 2.0;
  }
  y.block_until_ready();
  ASSERT_TRUE(Vulkan().Synchronize().ok());
  const int64_t commands = Vulkan().stream_stats().commands;
  const std::vector<float> got = y.to_vector<float>();  // already computed: no new kernel
  // (Through staging buffers the read-back is a copy command.)
  EXPECT_EQ(Vulkan().stream_stats().commands, commands + (Vulkan().uses_staging() ? 1 : 0));
  EXPECT_NEAR(got[5], std::sqrt(std::abs(Ramp(64, f32).to_vector<float>()[5])) + 2, 1e-6);
}

TEST(VulkanFusion, DerivativesMatchCpu) {
  const auto f = [](const Tensor& x) { return sum(tanh(x) * tanh(x) * sin(x) + exp(-x * x)); };
  ExpectMatchesCpu(
      [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{grad(f)(in[0]), jvp(grad(f), {in[0]}, {in[1]}).second};
      },
      {Ramp(2000, f64, 0.3), Ramp(2000, f64, 0.1, 1.0)}, 1e-12);
}

}  // namespace
}  // namespace cotangent
