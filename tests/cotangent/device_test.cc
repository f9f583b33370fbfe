// File: tests/cotangent/device_test.cc
// The device API (device_put, device_of, DeviceScope) and JAX's uncommitted-constant rule:
// library-made constants follow their operands to Vulkan, committed tensors of two devices
// are an error, and the transformations work on Vulkan tensors while the default stays cpu;
// default_device, the CPU backend's memory counts and its thread cap.

#include <optional>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void ExpectNear(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol) << "element " << i;
}

TEST(DevicePut, MovesDataAndIsANoOpWhenAlreadyThere) {
  const Tensor x = tensor({1.5, -2, 3}, {3}, f64);
  EXPECT_EQ(device_of(x), "cpu");  // COTANGENT_BACKEND is unset in this test
  const Tensor v = device_put(x, "vulkan");
  EXPECT_EQ(device_of(v), "vulkan");
  EXPECT_THAT(v.to_vector<double>(), ElementsAre(1.5, -2, 3));
  EXPECT_EQ(device_put(v, "vulkan").node(), v.node());  // no copy
  const Tensor back = device_put(transpose(reshape(v, {3, 1})), "cpu");  // a strided view
  EXPECT_EQ(device_of(back), "cpu");
  EXPECT_THAT(back.to_vector<double>(), ElementsAre(1.5, -2, 3));
  for (DType dtype : {bool_, i32, f32}) {
    const Tensor y = device_put(astype(x, dtype), "vulkan");
    EXPECT_EQ(y.dtype(), dtype);
    EXPECT_EQ(y.to_vector<double>(), astype(x, dtype).to_vector<double>());
  }
}

TEST(DeviceScope, NewTensorsGoToTheScopedBackendAndScopesNest) {
  {
    DeviceScope vulkan("vulkan");
    EXPECT_EQ(device_of(zeros({2})), "vulkan");
    EXPECT_EQ(device_of(arange(4)), "vulkan");
    {
      DeviceScope cpu("cpu");
      EXPECT_EQ(device_of(ones({2})), "cpu");
    }
    const Tensor y = sin(tensor({0.5, 1.0}, {2}, f64)) * 2.0;
    EXPECT_EQ(device_of(y), "vulkan");
    EXPECT_NEAR(y.to_vector<double>()[1], 2 * std::sin(1.0), 1e-15);
  }
  EXPECT_EQ(device_of(zeros({2})), "cpu");
}

TEST(Devices, CommittedTensorsOfTwoDevicesAreAnError) {
  const Tensor a = device_put(ones({2}), "cpu");
  const Tensor b = device_put(ones({2}), "vulkan");
  EXPECT_THAT(ErrorOf([&] { (void)(a + b); }),
              HasSubstr("add: operands f32[2] on cpu and f32[2] on vulkan live on different "
                        "devices; move one with device_put"));
  EXPECT_THAT(ErrorOf([&] { (void)(sin(a) + b); }), HasSubstr("live on different devices"));
}

// JAX's rule: arrays made without naming a device (tensor, zeros, arange, and the index arrays
// take_along_axis and solve build inside) are uncommitted and move to a committed operand's
// device. Regression: linalg::solve of a Vulkan tensor with the default on the CPU failed in
// take_along_axis, whose arange was committed to the CPU.
TEST(Devices, UncommittedArraysFollowCommittedOperands) {
  const Tensor b = device_put(ones({2}), "vulkan");
  EXPECT_EQ(device_of(ones({2}) + b), "vulkan");
  EXPECT_EQ(device_of(b + arange(2, f32)), "vulkan");
  const Tensor a = device_put(tensor({2, 1, 1, 3}, {2, 2}, f64), "vulkan");
  const Tensor x = linalg::solve(a, tensor({3, 4}, {2}, f64));
  EXPECT_EQ(device_of(x), "vulkan");
  EXPECT_THAT(x.to_vector<double>(), ElementsAre(DoubleNear(1, 1e-15), DoubleNear(1, 1e-15)));
  EXPECT_EQ(device_of(take_along_axis(b, tensor({1, 0}, {2}, i32), 0)), "vulkan");
}

TEST(Devices, LibraryConstantsFollowTheirOperands) {
  const Tensor x = device_put(tensor({0.5, -1, 2}, {3}, f64), "vulkan");
  const Tensor y = x * 2.0 + 1.0;  // the scalars are made on cpu, uncommitted
  EXPECT_EQ(device_of(y), "vulkan");
  EXPECT_THAT(y.to_vector<double>(), ElementsAre(2, -1, 5));
  EXPECT_EQ(device_of(where(x > 0.0, x, 0.0)), "vulkan");
  EXPECT_EQ(device_of(maximum(x, 0.0)), "vulkan");
}

TEST(Devices, TransformationsOfVulkanTensorsWithACpuDefault) {
  const auto f = [](const Tensor& x) { return sum(tanh(x) * tanh(x) * x); };
  const Tensor x_cpu = tensor({0.3, -1.2, 0.8, 2.0}, {2, 2}, f64);
  const Tensor x = device_put(x_cpu, "vulkan");
  const Tensor g = grad(f)(x);
  EXPECT_EQ(device_of(g), "vulkan");
  ExpectNear(g, grad(f)(x_cpu), 1e-10);
  const Tensor h = hessian(f)(x);  // jacfwd's basis is an uncommitted constant too
  EXPECT_EQ(device_of(h), "vulkan");
  ExpectNear(h, hessian(f)(x_cpu), 1e-10);
  const Tensor v = device_put(tensor({1, 0.5, -2, 1}, {2, 2}, f64), "vulkan");
  const Tensor hvp = jvp(grad(f), {x}, {v}).second;
  EXPECT_EQ(device_of(hvp), "vulkan");
  ExpectNear(hvp, jvp(grad(f), {x_cpu}, {device_put(v, "cpu")}).second, 1e-10);
}

TEST(Devices, DefaultDeviceFollowsScopes) {
  EXPECT_EQ(default_device(), "cpu");
  {
    DeviceScope scope("vulkan");
    EXPECT_EQ(default_device(), "vulkan");
  }
  EXPECT_EQ(default_device(), "cpu");
}

TEST(Devices, CpuMemoryStatsCountLiveBuffersAndTheirPeak) {
  reset_peak_memory("cpu");
  const std::optional<MemoryStats> before = memory_stats("cpu");
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->peak_bytes_in_use, before->bytes_in_use);
  {
    const Tensor x = from_vector(std::vector<double>(1000, 1.5), {1000});
    EXPECT_GE(memory_stats("cpu")->bytes_in_use, before->bytes_in_use + 8000);
  }
  EXPECT_GE(memory_stats("cpu")->peak_bytes_in_use, before->bytes_in_use + 8000);
  reset_peak_memory("cpu");
  EXPECT_EQ(memory_stats("cpu")->peak_bytes_in_use, memory_stats("cpu")->bytes_in_use);
  EXPECT_FALSE(memory_stats("vulkan").has_value());  // the Vulkan backend does not count
}

TEST(Devices, CpuThreadsCanBeCapped) {
  const int all = cpu_threads();
  EXPECT_GE(all, 1);
  set_cpu_threads(1);
  EXPECT_EQ(cpu_threads(), 1);
  set_cpu_threads(all);
  EXPECT_EQ(cpu_threads(), all);
  EXPECT_THAT(ErrorOf([] { set_cpu_threads(0); }), HasSubstr("at least 1, got 0"));
}

TEST(Devices, Errors) {
  EXPECT_THAT(ErrorOf([] { device_put(ones({2}), "tpu"); }),
              HasSubstr("unknown backend \"tpu\" (known: cpu, vulkan)"));
  EXPECT_THAT(ErrorOf([] { DeviceScope scope("gpu"); }), HasSubstr("unknown backend \"gpu\""));
  EXPECT_THAT(ErrorOf([] {
                grad([](const Tensor& x) { return sum(device_put(x, "vulkan")); })(ones({2}));
              }),
              HasSubstr("device_put: cannot move or locate the traced tensor f32[2] inside a "
                        "transformation"));
}

}  // namespace
}  // namespace cotangent
