// File: tests/backends/vulkan_api_test.cc
// The public API on the Vulkan backend where it once disagreed with the CPU backend (the
// oracle): reductions of infinities and NaN (sum, mean, logsumexp, max, min, argmax; f32, f64,
// i32 extremes), and tensors too large for the device, which are ResourceExhausted errors
// naming the operation, the bytes and the limit. Built twice (tests/backends/BUILD.bazel):
// vulkan_api_test with fusion off and vulkan_api_fused_test with every elementwise chain fused.

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/registry.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// n ones with specials[0] at position 0 and specials[1] at n / 2 (n >= 2).
std::vector<double> Ones(int64_t n, const std::vector<double>& specials) {
  std::vector<double> v(n, 1.0);
  for (size_t k = 0; k < specials.size(); ++k) v[(k * (n / 2)) % n] = specials[k];
  return v;
}

TEST(VulkanApi, ReductionsOfInfinitiesMatchTheCpu) {
  // Regression: on Vulkan sum, mean and logsumexp of [inf, 1] were NaN (the compensated sum
  // computed inf - inf). 2 and 70000 elements: a single invocation and the two-pass path.
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> reductions = {
      {"sum", [](const Tensor& x) { return sum(x); }},
      {"mean", [](const Tensor& x) { return mean(x); }},
      {"logsumexp", [](const Tensor& x) { return logsumexp(x); }},
      {"max", [](const Tensor& x) { return max(x); }},
      {"min", [](const Tensor& x) { return min(x); }},
      {"argmax", [](const Tensor& x) { return argmax(x, 0); }},
  };
  const std::vector<std::vector<double>> specials = {
      {kInf}, {-kInf}, {kInf, -kInf}, {kNaN}, {-kInf, -kInf}, {}};
  for (DType dtype : {f32, f64}) {
    for (int64_t n : {2, 70000}) {
      for (const std::vector<double>& s : specials) {
        const Tensor x = tensor(Ones(n, s), {n}, dtype);
        const Tensor on_vulkan = device_put(x, "vulkan");
        for (const auto& [name, f] : reductions) {
          const double want = f(x).item<double>();
          Tensor y;
          {
            DeviceScope scope("vulkan");
            y = f(on_vulkan);
          }
          ASSERT_EQ(device_of(y), "vulkan");
          const double got = y.item<double>();
          const std::string what = absl::StrCat(name, " of ", DTypeName(dtype), "[", n,
                                                "] with ", s.size(), " specials from ",
                                                s.empty() ? 1.0 : s[0]);
          if (std::isnan(want)) {
            EXPECT_TRUE(std::isnan(got)) << what << ": got " << got;
          } else if (std::isinf(want)) {
            EXPECT_EQ(got, want) << what;
          } else {
            EXPECT_NEAR(got, want, (dtype == f32 ? 1e-6 : 1e-12) * (1 + std::abs(want))) << what;
          }
        }
      }
    }
  }
}

TEST(VulkanApi, IntegerExtremesMatchTheCpu) {
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  for (const std::vector<double>& v : std::vector<std::vector<double>>{
           {double(lo), double(lo)}, {double(lo), 0, double(hi)}, {double(hi)}}) {
    const Tensor x = tensor(v, {static_cast<int64_t>(v.size())}, i32);
    const Tensor on_vulkan = device_put(x, "vulkan");
    EXPECT_EQ(max(on_vulkan).item<int32_t>(), max(x).item<int32_t>());
    EXPECT_EQ(min(on_vulkan).item<int32_t>(), min(x).item<int32_t>());
    EXPECT_EQ(argmax(on_vulkan, 0).item<int32_t>(), argmax(x, 0).item<int32_t>());
    EXPECT_EQ(sum(on_vulkan).item<int32_t>(), sum(x).item<int32_t>());  // wraps mod 2^32
  }
  EXPECT_EQ(max(device_put(tensor({double(lo), double(lo)}, {2}, i32), "vulkan")).item<int32_t>(),
            lo);
}

// Runs f, expecting a ResourceExhausted cotangent::Error whose message has every part.
void ExpectExhausted(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one with " << parts[0];
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kResourceExhausted) << e.what();
    for (const std::string& part : parts) EXPECT_THAT(e.what(), HasSubstr(part));
  }
}

TEST(VulkanApi, HugeTensorsAreResourceExhaustedErrors) {
  // Regression: 64 GiB of f32 on Vulkan failed in a host allocation (std::bad_alloc) instead
  // of reporting the device's limit. A broadcast view costs no memory; computing on it does.
  DeviceScope scope("vulkan");
  const Tensor big = broadcast_to(scalar(1.0), {int64_t{1} << 34});
  ExpectExhausted([&] { (void)exp(big); },
                  {"vulkan: exp of f32[17179869184] to f32[17179869184]: 68719476736 bytes "
                   "(64 GiB) asked for", "maxStorageBufferRange"});
  ExpectExhausted([&] { (void)(big * 2.0); },
                  {"mul of", "68719476736 bytes", "maxStorageBufferRange"});
  // A result that fits, from an operand with more elements than a kernel indexes.
  ExpectExhausted([&] { (void)sum(big); },
                  {"reduce_sum of f32[17179869184]", "17179869184 elements", "cpu backend"});
  // Creation asks the device first: no host copy of 64 GiB is attempted.
  ExpectExhausted([&] { (void)zeros({int64_t{1} << 34}); },
                  {"68719476736 bytes", "maxStorageBufferRange"});
  ExpectExhausted([&] { (void)full({int64_t{1} << 34}, 2.0, f64); },
                  {"137438953472 bytes", "maxStorageBufferRange"});
  // The backend works on.
  EXPECT_EQ(sum(ones({3})).item<float>(), 3.0f);
}

}  // namespace
}  // namespace cotangent
