// File: tests/backends/cpu_kernels_dot_test.cc
// dot_general: batch and contracting dimensions in unusual positions, operands that need a
// gather, matmul sizes that are not multiples of the tiles, against a multi-index reference.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/thread_pool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/cpu_test_util.h"

namespace cotangent::cpu_test {
namespace {

// out[batch, lhs free, rhs free] = sum over contracting of lhs * rhs, by multi-index loops.
Host RefDot(const Host& lhs, const Host& rhs, const DotDims& dims, const Shape& out_shape,
            DType dtype) {
  const auto free_dims = [](const Host& x, const std::vector<int64_t>& batch,
                            const std::vector<int64_t>& contracting) {
    std::vector<int64_t> free;
    for (int64_t d = 0; d < static_cast<int64_t>(x.shape.size()); ++d) {
      if (std::count(batch.begin(), batch.end(), d) +
              std::count(contracting.begin(), contracting.end(), d) ==
          0) {
        free.push_back(d);
      }
    }
    return free;
  };
  const auto lf = free_dims(lhs, dims.lhs_batch, dims.lhs_contracting);
  const auto rf = free_dims(rhs, dims.rhs_batch, dims.rhs_contracting);
  Shape contracting_shape;
  for (int64_t d : dims.lhs_contracting) contracting_shape.push_back(lhs.shape[d]);
  Host out{out_shape, std::vector<double>(NumElements(out_shape), 0)};
  ForEachIndex(out_shape, [&](const Shape& oi, int64_t oflat) {
    Shape li(lhs.shape.size()), ri(rhs.shape.size());
    size_t o = 0;
    for (size_t i = 0; i < dims.lhs_batch.size(); ++i, ++o) {
      li[dims.lhs_batch[i]] = ri[dims.rhs_batch[i]] = oi[o];
    }
    for (int64_t d : lf) li[d] = oi[o++];
    for (int64_t d : rf) ri[d] = oi[o++];
    double acc = 0;
    ForEachIndex(contracting_shape, [&](const Shape& ci, int64_t) {
      for (size_t i = 0; i < ci.size(); ++i) {
        li[dims.lhs_contracting[i]] = ri[dims.rhs_contracting[i]] = ci[i];
      }
      const double prod = lhs.v[Flat(lhs.shape, li)] * rhs.v[Flat(rhs.shape, ri)];
      acc = dtype == DType::kI32 ? Wrap(static_cast<int64_t>(acc) + static_cast<int64_t>(prod))
                                 : acc + prod;
    });
    out.v[oflat] = acc;
  });
  return out;
}

// Values in [-1, 1] (f32, f64) or [-5, 5] (i32), without specials.
Host Finite(const Shape& shape, DType dtype, uint32_t seed) {
  Host h{shape, std::vector<double>(NumElements(shape))};
  std::mt19937 rng(seed);
  for (double& v : h.v)
    v = dtype == DType::kI32 ? static_cast<int>(rng() % 11) - 5
                             : Quantize((rng() % 2001) / 1000.0 - 1, dtype);
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
      {"two_contracting_packed", {20, 4, 5}, {5, 30, 4}, {{1, 2}, {2, 0}, {}, {}}, {20, 30}},
      {"outer_product", {3}, {4}, {{}, {}, {}, {}}, {3, 4}},
      {"vector_dot", {17}, {17}, {{0}, {0}, {}, {}}, {}},
      {"batch_matvec", {5, 6, 7}, {7, 5}, {{2}, {0}, {0}, {1}}, {5, 6}},
      {"batched_40", {40, 9, 11}, {40, 11, 10}, {{2}, {1}, {0}, {0}}, {40, 9, 10}},
      {"batched_packed", {3, 40, 50}, {3, 50, 45}, {{2}, {1}, {0}, {0}}, {3, 40, 45}},
      {"empty_contraction", {3, 0}, {0, 2}, {{1}, {0}, {}, {}}, {3, 2}},
  };
  // Sizes (m, k, n) around the 4x32 (f32) and 4x16 (f64) tiles, and the matrix-vector shapes.
  const std::vector<std::array<int64_t, 3>> sizes = {
      {1, 1, 1},     {7, 13, 5},   {65, 33, 129}, {5, 300, 33},  {130, 70, 64}, {1, 300, 200},
      {200, 300, 1}, {2, 100, 70}, {70, 100, 3},  {512, 600, 1}, {1, 600, 512}};
  for (const auto& [m, k, n] : sizes) {
    cases.push_back(
        {absl::StrCat("matmul_", m, "x", k, "x", n), {m, k}, {k, n}, {{1}, {0}, {}, {}}, {m, n}});
    cases.push_back(
        {absl::StrCat("matmul_t_", m, "x", k, "x", n), {k, m}, {n, k}, {{0}, {1}, {}, {}}, {m, n}});
  }
  return cases;
}

class DotGeneralTest : public testing::TestWithParam<DotCase> {};

TEST_P(DotGeneralTest, MatchesReference) {
  const DotCase& c = GetParam();
  for (DType dtype : {i32, f32, f64}) {
    const Host lhs = Finite(c.lhs, dtype, 41), rhs = Finite(c.rhs, dtype, 43);
    const Host expected = RefDot(lhs, rhs, c.dims, c.out, dtype);
    Params params;
    params.dot = c.dims;
    for (const auto& [ll, rl] :
         std::vector<std::pair<Layout, Layout>>{{Layout::kDense, Layout::kDense},
                                                {Layout::kReversed, Layout::kSpread},
                                                {Layout::kSpread, Layout::kReversed}}) {
      const Host out = Exec(Primitive::kDotGeneral, {Place(lhs, dtype, ll), Place(rhs, dtype, rl)},
                            params, {c.out, dtype});
      // f32 accumulates up to 300 rounded products in f32.
      ExpectMatches(
          out, expected, dtype,
          absl::StrCat(c.name, " ", DTypeName(dtype), " ", LayoutName(ll), "/", LayoutName(rl)),
          dtype == DType::kF32 ? 1e-4 : -1);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DotGeneralTest, testing::ValuesIn(DotCases()),
                         [](const testing::TestParamInfo<DotCase>& info) {
                           return info.param.name;
                         });

TEST(DotGeneral, LargeMatmulOnAllThreads) {
  const int64_t m = 200, k = 150, n = 170;
  const Host a = Finite({m, k}, f64, 47), b = Finite({k, n}, f64, 53);
  Params params;
  params.dot = {{1}, {0}, {}, {}};
  const Host expected = RefDot(a, b, params.dot, {m, n}, f64);
  for (int threads : {1, 2}) {
    cpu::ThreadPool::Get().set_max_parallelism(threads);
    ExpectMatches(
        Exec(Primitive::kDotGeneral, {Place(a, f64), Place(b, f64)}, params, {{m, n}, f64}),
        expected, f64, absl::StrCat("matmul on ", threads, " threads"));
  }
  cpu::ThreadPool::Get().set_max_parallelism(1 << 20);
}

}  // namespace
}  // namespace cotangent::cpu_test
