// File: tests/backends/vulkan_dot_test.cc
// dot_general on the Vulkan backend (the tiled matmul) against the CPU backend: batch and
// contracting dimensions anywhere, transposed and sliced operands read through their strides,
// operands that must be gathered first, sizes around the 128 x 128, 64 x 64 and 16 x 16 tiles,
// with and without vector loads, thin (matrix-vector) products and empty contractions, in i32,
// f32 and f64.

#include <array>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent::vulkan_test {
namespace {

using cpu_test::LayoutName;
using cpu_test::Place;

// Values in [-1, 1] (f32, f64) or [-5, 5] (i32), without specials.
Host Finite(const Shape& shape, DType dtype, uint32_t seed) {
  Host h{shape, std::vector<double>(NumElements(shape))};
  std::mt19937 rng(seed);
  for (double& v : h.v) {
    v = dtype == DType::kI32 ? static_cast<int>(rng() % 11) - 5
                             : cpu_test::Quantize((rng() % 2001) / 1000.0 - 1, dtype);
  }
  return h;
}

struct DotCase {
  std::string name;
  Shape lhs, rhs;
  DotDims dims;
  Shape out;
};

void PrintTo(const DotCase& c, std::ostream* os) { *os << c.name; }

std::vector<DotCase> DotCases() {
  std::vector<DotCase> cases = {
      {"unusual_dims", {2, 3, 4}, {4, 2, 5}, {{2}, {0}, {0}, {1}}, {2, 3, 5}},
      {"two_contracting", {3, 4, 5}, {5, 6, 4}, {{1, 2}, {2, 0}, {}, {}}, {3, 6}},
      {"unusual_dims_packed", {2, 30, 40}, {40, 2, 50}, {{2}, {0}, {0}, {1}}, {2, 30, 50}},
      {"outer_product", {3}, {4}, {{}, {}, {}, {}}, {3, 4}},
      {"vector_dot", {17}, {17}, {{0}, {0}, {}, {}}, {}},
      {"batch_matvec", {5, 6, 7}, {7, 5}, {{2}, {0}, {0}, {1}}, {5, 6}},
      {"batched_40", {40, 9, 11}, {40, 11, 10}, {{2}, {1}, {0}, {0}}, {40, 9, 10}},
      {"batched_packed", {3, 40, 50}, {3, 50, 45}, {{2}, {1}, {0}, {0}}, {3, 40, 45}},
      {"empty_contraction", {3, 0}, {0, 2}, {{1}, {0}, {}, {}}, {3, 2}},
  };
  // (m, k, n) around the tiles (64 x 64 and 16 x 16, steps of 16 or 8 along k), and thin ones.
  // Multiples of 4 take the 16-byte vector loads (dense: along k for A and n for B;
  // transposed: along m and k), others the scalar ones, and some mix the two.
  const std::vector<std::array<int64_t, 3>> sizes = {
      {1, 1, 1},     {7, 13, 5},    {65, 33, 129}, {5, 300, 33}, {130, 70, 64},
      {1, 300, 200}, {200, 300, 1}, {48, 17, 48},  {512, 600, 1}, {64, 64, 64},
      {36, 20, 44},  {20, 12, 7}};
  for (const auto& [m, k, n] : sizes) {
    cases.push_back(
        {absl::StrCat("matmul_", m, "x", k, "x", n), {m, k}, {k, n}, {{1}, {0}, {}, {}}, {m, n}});
    cases.push_back(
        {absl::StrCat("matmul_t_", m, "x", k, "x", n), {k, m}, {n, k}, {{0}, {1}, {}, {}}, {m, n}});
  }
  return cases;
}

class VulkanDotGeneralTest : public testing::TestWithParam<DotCase> {};

TEST_P(VulkanDotGeneralTest, MatchesCpu) {
  const DotCase& c = GetParam();
  for (DType dtype : {i32, f32, f64}) {
    const Host lhs = Finite(c.lhs, dtype, 41), rhs = Finite(c.rhs, dtype, 43);
    Params params;
    params.dot = c.dims;
    for (const auto& [ll, rl] :
         std::vector<std::pair<Layout, Layout>>{{Layout::kDense, Layout::kDense},
                                                {Layout::kReversed, Layout::kSpread}}) {
      // f32 sums up to 600 products in another order than the CPU's.
      ExpectMatchesCpu(Primitive::kDotGeneral, {Place(lhs, dtype, ll), Place(rhs, dtype, rl)},
                       params, {c.out, dtype},
                       absl::StrCat(c.name, " ", DTypeName(dtype), " ", LayoutName(ll), "/",
                                    LayoutName(rl)),
                       dtype == DType::kF32 ? 1e-5 : dtype == DType::kF64 ? 1e-13 : 0);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, VulkanDotGeneralTest, testing::ValuesIn(DotCases()),
                         [](const testing::TestParamInfo<DotCase>& info) {
                           return info.param.name;
                         });

TEST(VulkanDotGeneral, StridesThatNeedAGather) {
  // Contracting dimensions {1, 2} of a reversed [20, 4, 5] lhs are not one stride apart: the
  // operand is gathered densely first; the rhs is a broadcast (stride 0) view.
  const Shape lhs_shape = {20, 4, 5}, rhs_shape = {5, 30, 4};
  for (DType dtype : {f32, f64}) {
    const Host lhs = Finite(lhs_shape, dtype, 7);
    const Host rhs = cpu_test::Random(rhs_shape, dtype, 8, Layout::kBroadcast0);
    Params params;
    params.dot = {{1, 2}, {2, 0}, {}, {}};
    ExpectMatchesCpu(Primitive::kDotGeneral,
                     {Place(lhs, dtype, Layout::kReversed), Place(rhs, dtype, Layout::kBroadcast0)},
                     params, {{20, 30}, dtype}, std::string("gather ") + DTypeName(dtype),
                     dtype == DType::kF32 ? 1e-5 : 1e-13);
  }
}

TEST(VulkanDotGeneral, LargeTiles) {
  // Both sides >= 256: 128 x 128 tiles, 8 x 8 outputs per invocation.
  for (DType dtype : {f32, f64}) {
    const Host lhs = Finite({260, 40}, dtype, 3), rhs = Finite({40, 270}, dtype, 4);
    Params params;
    params.dot = {{1}, {0}, {}, {}};
    ExpectMatchesCpu(Primitive::kDotGeneral, {Place(lhs, dtype), Place(rhs, dtype, Layout::kReversed)},
                     params, {{260, 270}, dtype}, std::string("large tiles ") + DTypeName(dtype),
                     dtype == DType::kF32 ? 1e-5 : 1e-13);
  }
}

}  // namespace
}  // namespace cotangent::vulkan_test
