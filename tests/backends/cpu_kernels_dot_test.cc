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

// One product large enough to be split over threads: by rows (m >= n), by columns (m < n),
// and the vector shapes whose blocks are gemv calls; each also on one thread.
TEST(DotGeneral, LargeMatmulOnAllThreads) {
  const std::vector<std::array<int64_t, 3>> sizes = {
      {200, 150, 170}, {40, 100, 300}, {1, 600, 600}, {600, 600, 1}};
  for (const auto& [m, k, n] : sizes) {
    for (DType dtype : {f64, f32, i32}) {
      const Host a = Finite({m, k}, dtype, 47), b = Finite({k, n}, dtype, 53);
      Params params;
      params.dot = {{1}, {0}, {}, {}};
      const Host expected = RefDot(a, b, params.dot, {m, n}, dtype);
      for (int threads : {1, 2}) {
        cpu::ThreadPool::Get().set_max_parallelism(threads);
        ExpectMatches(
            Exec(Primitive::kDotGeneral, {Place(a, dtype, Layout::kReversed), Place(b, dtype)},
                 params, {{m, n}, dtype}),
            expected, dtype,
            absl::StrCat(m, "x", k, "x", n, " ", DTypeName(dtype), " on ", threads, " threads"),
            dtype == DType::kF32 ? 1e-4 : -1);
      }
    }
  }
  cpu::ThreadPool::Get().set_max_parallelism(1 << 20);
}

// h with every element replaced by the one at index 0 of `axis`: a valid broadcast operand.
Host ConstantAlong(Host h, int64_t axis) {
  ForEachIndex(h.shape, [&](const Shape& index, int64_t flat) {
    Shape first = index;
    first[axis] = 0;
    h.v[flat] = h.v[Flat(h.shape, first)];
  });
  return h;
}

// Operands with a stride-0 dimension (broadcasts) are not BLAS matrices: they are gathered.
TEST(DotGeneral, BroadcastOperandsAreGathered) {
  for (const auto& [m, k, n] :
       std::vector<std::array<int64_t, 3>>{{7, 13, 5}, {65, 33, 1}, {1, 40, 9}}) {
    for (DType dtype : {f32, f64}) {
      const Host a = ConstantAlong(Finite({m, k}, dtype, 3), 0);
      const Host b = ConstantAlong(Finite({k, n}, dtype, 5), 1);
      Params params;
      params.dot = {{1}, {0}, {}, {}};
      ExpectMatches(
          Exec(Primitive::kDotGeneral,
               {Place(a, dtype, Layout::kBroadcast0), Place(b, dtype, Layout::kBroadcastLast)},
               params, {{m, n}, dtype}),
          RefDot(a, b, params.dot, {m, n}, dtype), dtype,
          absl::StrCat("broadcast ", m, "x", k, "x", n, " ", DTypeName(dtype)), 1e-4);
    }
  }
}

// BLAS's beta = 0 must not let a NaN left in a recycled output buffer through (gemv scales
// y by beta, and 0 * NaN is NaN): outputs of 64 KiB and more come from the recycling cache.
TEST(DotGeneral, IgnoresStaleNaNInRecycledOutput) {
  for (const auto& [m, k, n] :
       std::vector<std::array<int64_t, 3>>{{128, 3, 128}, {16384, 2, 1}, {1, 2, 16384}}) {
    const Shape out_shape = {m, n};
    {
      absl::StatusOr<std::shared_ptr<Buffer>> stale = Cpu().Allocate(NumElements(out_shape) * 4);
      ASSERT_TRUE(stale.ok());
      ASSERT_TRUE(Cpu().Fill(DenseArray(*stale, {out_shape, f32}), kNaN).ok());
    }
    const Host a = Finite({m, k}, f32, 7), b = Finite({k, n}, f32, 9);
    Params params;
    params.dot = {{1}, {0}, {}, {}};
    ExpectMatches(
        Exec(Primitive::kDotGeneral, {Place(a, f32), Place(b, f32)}, params, {out_shape, f32}),
        RefDot(a, b, params.dot, out_shape, f32), f32, absl::StrCat("recycled ", m, "x", k, "x", n),
        1e-5);
  }
}

}  // namespace
}  // namespace cotangent::cpu_test
