// File: tests/cotangent/windows_test.cc
// reduce_window and the pools against a host reference written here (a loop over output
// positions and window elements with padding, base and window dilation), lax.padtype_to_pads'
// values, JAX's tie and NaN rules for window max, derivatives against central differences and
// the VJP identity, vmap and jit. Runs on every backend.

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;
using Pads = std::vector<std::pair<int64_t, int64_t>>;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }

struct Window {
  std::vector<int64_t> dims, strides, base, dilation;
  Pads pads;
};

// The reference: out[o] = reduce over k of padded[o * stride + k * dilation], where padded is x
// with base - 1 identities between elements and the padding around.
Tensor Reference(const Tensor& x, WindowReduction r, const Window& w) {
  const Shape& shape = x.shape();
  const int64_t rank = x.ndim();
  const std::vector<double> data = V(x);
  const double identity = r == WindowReduction::kSum   ? 0
                          : r == WindowReduction::kMax ? -kInf
                                                       : kInf;
  std::vector<int64_t> padded(rank), out(rank);
  for (int64_t a = 0; a < rank; ++a) {
    padded[a] =
        (shape[a] == 0 ? 0 : (shape[a] - 1) * w.base[a] + 1) + w.pads[a].first + w.pads[a].second;
    const int64_t span = (w.dims[a] - 1) * w.dilation[a] + 1;
    out[a] = padded[a] < span ? 0 : (padded[a] - span) / w.strides[a] + 1;
  }
  const Strides in_strides = ContiguousStrides(shape);
  // The element of x at padded position p along every axis, or nullopt (padding, a hole).
  const auto at = [&](const std::vector<int64_t>& p) -> std::optional<double> {
    int64_t flat = 0;
    for (int64_t a = 0; a < rank; ++a) {
      const int64_t q = p[a] - w.pads[a].first;
      if (q < 0 || q % w.base[a] != 0 || q / w.base[a] >= shape[a]) return std::nullopt;
      flat += q / w.base[a] * in_strides[a];
    }
    return data[flat];
  };
  std::vector<double> result(NumElements(out));
  std::vector<int64_t> o(rank, 0);
  for (double& value : result) {
    value = identity;
    std::vector<int64_t> k(rank, 0), p(rank);
    for (bool more = true; more;) {
      for (int64_t a = 0; a < rank; ++a) p[a] = o[a] * w.strides[a] + k[a] * w.dilation[a];
      const double v = at(p).value_or(identity);
      if (r == WindowReduction::kSum) value += v;
      if (r == WindowReduction::kMax) value = std::max(value, v);
      if (r == WindowReduction::kMin) value = std::min(value, v);
      int64_t a = rank - 1;
      while (a >= 0 && ++k[a] == w.dims[a]) k[a--] = 0;
      more = a >= 0;
    }
    int64_t a = rank - 1;
    while (a >= 0 && ++o[a] == out[a]) o[a--] = 0;
  }
  return tensor(result, out, x.dtype());
}

// AllClose, with equal infinities equal (a window of padding alone is the identity, +-inf).
::testing::AssertionResult Agree(const Tensor& actual, const Tensor& expected) {
  const auto finite = [](const Tensor& t) {
    return where(isinf(t), 7.0, t);  // any finite stand-in
  };
  if (V(isinf(actual)) != V(isinf(expected)) ||
      V(sign(actual) * astype(isinf(actual), f64)) !=
          V(sign(expected) * astype(isinf(expected), f64))) {
    return ::testing::AssertionFailure() << "infinities differ:\n" << actual << "\n" << expected;
  }
  return AllClose(finite(actual), finite(expected), 1e-14, 1e-14);
}

Tensor Apply(const Tensor& x, WindowReduction r, const Window& w) {
  return reduce_window(x, r, w.dims, w.strides, w.pads, w.base, w.dilation);
}

TEST(WindowsTest, ReduceWindowMatchesTheReference) {
  const Tensor x = testing::Random({3, 7, 6}, 1, -2, 2, f64);
  const std::vector<Window> windows = {
      {{1, 2, 2}, {1, 2, 2}, {1, 1, 1}, {1, 1, 1}, {{0, 0}, {0, 0}, {0, 0}}},
      {{2, 3, 3}, {1, 1, 2}, {1, 1, 1}, {1, 1, 1}, {{0, 1}, {1, 1}, {2, 0}}},
      {{1, 3, 2}, {1, 2, 1}, {1, 2, 1}, {1, 1, 2}, {{0, 0}, {1, 0}, {0, 1}}},
      {{2, 2, 2}, {2, 3, 1}, {2, 1, 3}, {1, 2, 1}, {{1, -1}, {0, 2}, {-1, 0}}},
      {{3, 8, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {{0, 0}, {0, 0}, {0, 0}}},  // empty output
      {{1, 8, 1}, {1, 1, 1}, {1, 1, 1}, {1, 3, 1}, {{0, 0}, {0, 0}, {0, 0}}},  // starts past it
  };
  for (const Window& w : windows) {
    for (WindowReduction r :
         {WindowReduction::kSum, WindowReduction::kMax, WindowReduction::kMin}) {
      SCOPED_TRACE(::testing::Message()
                   << ShapeToString(w.dims) << " strides " << ShapeToString(w.strides)
                   << " reduction " << static_cast<int>(r));
      EXPECT_TRUE(Agree(Apply(x, r, w), Reference(x, r, w)));
      EXPECT_TRUE(
          Agree(jit([&](const Tensor& t) { return Apply(t, r, w); })(x), Reference(x, r, w)));
    }
  }
  // i32 and f32 keep their dtype; i32 padding takes the i32 extremes.
  const Tensor i = astype(floor(testing::Random({5, 4}, 2, -9, 9, f64)), i32);
  const Window w{{2, 2}, {1, 1}, {1, 1}, {1, 1}, {{1, 1}, {0, 1}}};
  EXPECT_EQ(Apply(i, WindowReduction::kMax, w).dtype(), i32);
  EXPECT_TRUE(
      AllClose(Apply(i, WindowReduction::kMax, w), Reference(i, WindowReduction::kMax, w), 0, 0));
  EXPECT_TRUE(
      AllClose(Apply(i, WindowReduction::kSum, w), Reference(i, WindowReduction::kSum, w), 0, 0));
}

// lax.padtype_to_pads: SAME gives ceil(n / stride) outputs, the odd element of padding last.
TEST(WindowsTest, PaddingTypes) {
  EXPECT_EQ(padtype_to_pads({5, 6}, {3, 2}, {2, 1}, Padding::kSame), (Pads{{1, 1}, {0, 1}}));
  EXPECT_EQ(padtype_to_pads({5, 6}, {3, 2}, {2, 1}, Padding::kValid), (Pads{{0, 0}, {0, 0}}));
  EXPECT_EQ(padtype_to_pads({4}, {1}, {3}, Padding::kSame), (Pads{{0, 0}}));
  const Tensor x = testing::Random({2, 5, 6, 3}, 3, -1, 1, f64);
  EXPECT_EQ(max_pool(x, {2, 2}, {2, 2}, Padding::kSame).shape(), (Shape{2, 3, 3, 3}));
  EXPECT_EQ(max_pool(x, {2, 2}, {2, 2}).shape(), (Shape{2, 2, 3, 3}));
  EXPECT_EQ(avg_pool(x, {3, 3}).shape(), (Shape{2, 3, 4, 3}));
}

TEST(WindowsTest, PoolsAreFlaxs) {
  // A 1 x 4 x 4 x 1 image of 0..15; 2 x 2 windows of stride 2.
  const Tensor x = reshape(arange(16, f32), {1, 4, 4, 1});
  EXPECT_THAT(V(max_pool(x, {2, 2}, {2, 2})), ElementsAre(5, 7, 13, 15));
  EXPECT_THAT(V(avg_pool(x, {2, 2}, {2, 2})), ElementsAre(2.5, 4.5, 10.5, 12.5));
  // SAME on 3 x 3 windows of stride 1: the corner window covers 4 elements, of 9 counted.
  const Tensor same = avg_pool(x, {3, 3}, {}, Padding::kSame);
  EXPECT_NEAR(V(same)[0], (0 + 1 + 4 + 5) / 9.0, 1e-6);
  const Tensor exact = avg_pool(x, {3, 3}, {}, Padding::kSame, /*count_include_pad=*/false);
  EXPECT_NEAR(V(exact)[0], (0 + 1 + 4 + 5) / 4.0, 1e-6);
  EXPECT_NEAR(V(exact)[5], (0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9.0, 1e-6);
  // Without batch axes: (window axes..., features).
  EXPECT_THAT(V(max_pool(reshape(arange(16, f32), {4, 4, 1}), {4, 4})), ElementsAre(15));
}

// JAX's reduce_window_max: the derivative goes to the first maximal element of a window (XLA's
// select-and-scatter with >=); NaN propagates.
TEST(WindowsTest, MaxTiesAndNan) {
  const Tensor x = tensor({1, 3, 3, 2, 0, 0}, {6}, f64);
  const auto f = [](const Tensor& t) {
    return sum(reduce_window(t, WindowReduction::kMax, {2}, {2}));
  };
  EXPECT_THAT(V(reduce_window(x, WindowReduction::kMax, {2}, {2})), ElementsAre(3, 3, 0));
  EXPECT_THAT(V(grad(f)(x)), ElementsAre(0, 1, 1, 0, 1, 0));
  const auto g = [](const Tensor& t) {
    return sum(reduce_window(t, WindowReduction::kMin, {3}, {3}));
  };
  EXPECT_THAT(V(grad(g)(tensor({2, 1, 1, 5, 5, 7}, {6}, f64))), ElementsAre(0, 1, 0, 1, 0, 0));
  const std::vector<double> m =
      V(reduce_window(tensor({1, kNan, 2, 3, kNan, 1}, {6}, f64), WindowReduction::kMax, {3}, {3}));
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  EXPECT_TRUE(
      std::isnan(V(reduce_window(tensor({kNan, 1}, {2}, f64), WindowReduction::kMin, {2}))[0]));
}

// Derivatives of every reduction with strides, padding and both dilations against central
// differences, the VJP identity, and forward-over-reverse = reverse-over-reverse.
TEST(WindowsTest, DerivativesAgainstOracles) {
  const Tensor x = testing::Random({2, 6, 5}, 4, -2, 2, f64);
  const Window w{{1, 3, 2}, {1, 2, 1}, {1, 2, 1}, {1, 1, 2}, {{0, 0}, {1, 2}, {1, 0}}};
  for (WindowReduction r : {WindowReduction::kSum, WindowReduction::kMax, WindowReduction::kMin}) {
    const auto f = [&](const Tensor& t) { return Apply(t * t * t, r, w); };
    const Tensor wts = testing::Random(f(x).shape(), 5, -1, 1, f64);
    const auto scalar_f = [&](const Tensor& t) { return sum(f(t) * wts); };
    const Tensor g = grad(scalar_f)(x);
    for (uint32_t seed = 6; seed < 8; ++seed) {
      const Tensor v = testing::Random(x.shape(), seed, -1, 1, f64);
      const Tensor fd = testing::CentralDifference(f, x, v);
      EXPECT_TRUE(AllClose(jvp(f, {x}, {v}).second, fd, 1e-7, 1e-7));
      EXPECT_NEAR(testing::Inner(g, v), testing::Inner(fd, wts), 1e-7);
    }
    auto [y, pullback] = vjp(f, x);
    const Tensor v = testing::Random(x.shape(), 9, -1, 1, f64);
    EXPECT_NEAR(testing::Inner(wts, jvp(f, {x}, {v}).second), testing::Inner(pullback(wts)[0], v),
                1e-11);
    EXPECT_TRUE(AllClose(jacfwd(grad(scalar_f))(x), jacrev(grad(scalar_f))(x), 1e-10, 1e-10));
  }
  // avg_pool's gradient spreads each output's cotangent over its window.
  const auto pool = [](const Tensor& t) { return sum(avg_pool(t, {2, 2}, {2, 2})); };
  EXPECT_TRUE(AllClose(grad(pool)(ones({1, 4, 4, 1}, f64)), full({1, 4, 4, 1}, 0.25, f64), 0, 0));
}

TEST(WindowsTest, VmapMatchesPerExampleCalls) {
  const Tensor xs = testing::Random({3, 5, 6, 2}, 10, -1, 1, f64);
  const auto f = [](const Tensor& t) {
    return max_pool(t, {2, 3}, {1, 2}, Padding::kSame) +
           avg_pool(t, {2, 3}, {1, 2}, Padding::kSame);
  };
  std::vector<Tensor> want;
  for (int64_t i = 0; i < 3; ++i) want.push_back(f(xs[i]));
  EXPECT_TRUE(AllClose(vmap(f)(xs), stack(want), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(vmap(f, {3}, 0)(transpose(xs, {1, 2, 3, 0})), stack(want), 1e-14, 1e-14));
}

TEST(WindowsTest, BadWindowsNameTheShapes) {
  const Tensor x = zeros({4, 5});
  EXPECT_THAT(ErrorOf([&] { reduce_window(x, WindowReduction::kSum, {2}); }),
              HasSubstr("reduce_window: window_dimensions [2] has 1 entries for f32[4,5]"));
  EXPECT_THAT(ErrorOf([&] {
                reduce_window(x, WindowReduction::kMax, {2, 0});
              }),
              HasSubstr("reduce_window: window_dimensions [2,0] must be >= 1 on every axis"));
  EXPECT_THAT(ErrorOf([&] {
                reduce_window(x, WindowReduction::kMax, {2, 2}, {1, 0});
              }),
              HasSubstr("reduce_window: window_strides [1,0] must be >= 1"));
  EXPECT_THAT(ErrorOf([&] {
                reduce_window(x, WindowReduction::kMax, {2, 2}, {}, {{0, 0}});
              }),
              HasSubstr("reduce_window: padding has 1 (low, high) pairs for f32[4,5]"));
  EXPECT_THAT(ErrorOf([&] {
                reduce_window(x, WindowReduction::kMax, {1, 1}, {}, {{-3, -2}, {0, 0}});
              }),
              HasSubstr("reduce_window: padding (-3, -2) crops more than axis 0 of f32[4,5]"));
  EXPECT_THAT(ErrorOf([&] { reduce_window(zeros({2}, bool_), WindowReduction::kSum, {2}); }),
              HasSubstr("reduce_window: a window sum of bool"));
  EXPECT_THAT(ErrorOf([&] {
                max_pool(zeros({4, 4}), {2, 2});
              }),
              HasSubstr("max_pool: x f32[4,4] needs 2 window axes and a features axis"));
  EXPECT_THAT(ErrorOf([&] {
                avg_pool(zeros({1, 4, 4, 1}), {2, 2}, {2});
              }),
              HasSubstr("avg_pool: strides [2] and window_shape [2,2] differ in length"));
}

}  // namespace
}  // namespace cotangent
