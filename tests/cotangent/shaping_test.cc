// File: tests/cotangent/shaping_test.cc
// cotangent/shaping.h and numpy.h's statistics and predicates against the values numpy's
// documentation prints for the same calls; their derivatives against central differences in
// f64, and vmap / jit against the plain calls.

#include <cmath>
#include <limits>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::AllClose;
using testing::ErrorOf;

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }
Tensor Range(int64_t n, const Shape& shape) {
  return reshape(arange(0.0, static_cast<double>(n), 1.0, f64), shape);
}

TEST(ShapingTest, SplitAsNumpy) {
  const std::vector<Tensor> thirds = split(Range(9, {9}), 3);
  ASSERT_EQ(thirds.size(), 3u);
  EXPECT_THAT(V(thirds[2]), ElementsAre(6, 7, 8));
  // np.split(np.arange(8.0), [3, 5, 6, 10])
  const std::vector<Tensor> parts = split(Range(8, {8}), {3, 5, 6, 10});
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_THAT(V(parts[0]), ElementsAre(0, 1, 2));
  EXPECT_THAT(V(parts[1]), ElementsAre(3, 4));
  EXPECT_THAT(V(parts[2]), ElementsAre(5));
  EXPECT_THAT(V(parts[3]), ElementsAre(6, 7));
  EXPECT_EQ(parts[4].size(), 0);
  const std::vector<Tensor> uneven = array_split(Range(8, {8}), 3);
  EXPECT_THAT(V(uneven[0]), ElementsAre(0, 1, 2));
  EXPECT_THAT(V(uneven[2]), ElementsAre(6, 7));
  EXPECT_THAT(ErrorOf([] { split(Range(7, {7}), 3); }),
              HasSubstr("split: axis 0 of f64[7] does not divide into 3 equal parts"));
  EXPECT_THAT(V(split(Range(6, {2, 3}), 3, 1)[1]), ElementsAre(1, 4));
}

TEST(ShapingTest, TileRepeatRollAsNumpy) {
  const Tensor a = Range(3, {3});
  EXPECT_THAT(V(tile(a, {2})), ElementsAre(0, 1, 2, 0, 1, 2));
  EXPECT_EQ(tile(a, {2, 2}).shape(), (Shape{2, 6}));
  EXPECT_EQ(tile(a, {2, 1, 2}).shape(), (Shape{2, 1, 6}));
  const Tensor b = tensor({1, 2, 3, 4}, {2, 2}, f64);
  EXPECT_THAT(V(tile(b, {2})), ElementsAre(1, 2, 1, 2, 3, 4, 3, 4));
  EXPECT_THAT(V(tile(b, {2, 1})), ElementsAre(1, 2, 3, 4, 1, 2, 3, 4));
  EXPECT_THAT(V(repeat(scalar(3), 4)), ElementsAre(3, 3, 3, 3));
  EXPECT_THAT(V(repeat(b, 2)), ElementsAre(1, 1, 2, 2, 3, 3, 4, 4));
  EXPECT_THAT(V(repeat(b, 3, 1)), ElementsAre(1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4));
  EXPECT_THAT(V(roll(Range(10, {10}), 2)), ElementsAre(8, 9, 0, 1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(V(roll(Range(10, {10}), -2)), ElementsAre(2, 3, 4, 5, 6, 7, 8, 9, 0, 1));
  const Tensor x2 = Range(10, {2, 5});
  EXPECT_THAT(V(roll(x2, 1)), ElementsAre(9, 0, 1, 2, 3, 4, 5, 6, 7, 8));
  EXPECT_THAT(V(roll(x2, 1, 0)), ElementsAre(5, 6, 7, 8, 9, 0, 1, 2, 3, 4));
  EXPECT_THAT(V(roll(x2, 1, 1)), ElementsAre(4, 0, 1, 2, 3, 9, 5, 6, 7, 8));
  EXPECT_EQ(repeat(arange(3), 2).dtype(), i32);
}

TEST(ShapingTest, MeshgridTrianglesDiagonalsAsNumpy) {
  const std::vector<Tensor> xy = meshgrid({linspace(0, 1, 3, f64), linspace(0, 1, 2, f64)});
  EXPECT_THAT(V(xy[0]), ElementsAre(0, 0.5, 1, 0, 0.5, 1));
  EXPECT_THAT(V(xy[1]), ElementsAre(0, 0, 0, 1, 1, 1));
  EXPECT_EQ(meshgrid({arange(3), arange(2)}, "ij")[0].shape(), (Shape{3, 2}));
  const Tensor m = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {4, 3}, f64);
  EXPECT_THAT(V(tril(m, -1)), ElementsAre(0, 0, 0, 4, 0, 0, 7, 8, 0, 10, 11, 12));
  EXPECT_THAT(V(triu(m, -1)), ElementsAre(1, 2, 3, 4, 5, 6, 0, 8, 9, 0, 0, 12));
  EXPECT_EQ(tril(reshape(arange(4), {2, 2})).dtype(), i32);
  EXPECT_THAT(V(diagonal(Range(4, {2, 2}))), ElementsAre(0, 3));
  EXPECT_THAT(V(diagonal(Range(4, {2, 2}), 1)), ElementsAre(1));
  // a = np.arange(8).reshape(2, 2, 2); a.diagonal(0, 0, 1) == [[0, 6], [1, 7]]
  EXPECT_THAT(V(diagonal(Range(8, {2, 2, 2}), 0, 0, 1)), ElementsAre(0, 6, 1, 7));
  const Tensor x = Range(9, {3, 3});
  EXPECT_THAT(V(diag(x)), ElementsAre(0, 4, 8));
  EXPECT_THAT(V(diag(x, 1)), ElementsAre(1, 5));
  EXPECT_THAT(V(diag(x, -1)), ElementsAre(3, 7));
  EXPECT_THAT(V(diag(diag(x))), ElementsAre(0, 0, 0, 0, 4, 0, 0, 0, 8));
  EXPECT_THAT(V(diag(tensor({1, 2}, {2}, f64), 1)), ElementsAre(0, 1, 0, 0, 0, 2, 0, 0, 0));
  EXPECT_THAT(V(diag(tensor({1, 2}, {2}, f64), -1)), ElementsAre(0, 0, 0, 1, 0, 0, 0, 2, 0));
  EXPECT_EQ(V(trace(eye(3, f64)))[0], 3.0);
  EXPECT_THAT(V(trace(Range(8, {2, 2, 2}))), ElementsAre(6, 8));
  EXPECT_THAT(V(outer(tensor({1, 2, 3}, {3}, f64), tensor({4, 5}, {2}, f64))),
              ElementsAre(4, 5, 8, 10, 12, 15));
  EXPECT_THAT(ErrorOf([] { diagonal(arange(3)); }), HasSubstr("diagonal: expected at least 2"));
}

TEST(ShapingTest, StatisticsAndPredicatesAsNumpy) {
  const Tensor a = tensor({1, 2, 3, 4}, {2, 2}, f64);
  EXPECT_EQ(V(var(a))[0], 1.25);
  EXPECT_THAT(V(var(a, 0)), ElementsAre(1, 1));
  EXPECT_THAT(V(var(a, 1)), ElementsAre(0.25, 0.25));
  EXPECT_DOUBLE_EQ(V(std(a))[0], 1.1180339887498949);
  EXPECT_DOUBLE_EQ(V(var(a, {}, /*ddof=*/1))[0], 1.6666666666666667);
  EXPECT_THAT(V(argmin(tensor({10, 11, 12, 13, 14, 15}, {2, 3}), 0)), ElementsAre(0, 0, 0));
  EXPECT_THAT(V(argmin(tensor({4, 2, 2}, {3}), 0)), ElementsAre(1));
  const Tensor t = from_vector<bool>({true, false, true, true}, {2, 2});
  EXPECT_FALSE(all(t).item<bool>());
  EXPECT_THAT(V(all(t, 0)), ElementsAre(1, 0));
  EXPECT_TRUE(any(t).item<bool>());
  EXPECT_TRUE(all(zeros({0})).item<bool>());
  EXPECT_FALSE(any(zeros({0})).item<bool>());
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(V(isclose(tensor({1e10, 1e-7}, {2}, f64), tensor({1.00001e10, 1e-8}, {2}, f64))),
              ElementsAre(1, 0));
  EXPECT_THAT(V(isclose(tensor({1e10, 1e-8}, {2}, f64), tensor({1.00001e10, 1e-9}, {2}, f64))),
              ElementsAre(1, 1));
  const Tensor with_nan = tensor({1, nan, inf, 1}, {4}, f64);
  const Tensor other = tensor({1, nan, inf, inf}, {4}, f64);
  EXPECT_THAT(V(isclose(with_nan, other)), ElementsAre(1, 0, 1, 0));
  EXPECT_THAT(V(isclose(with_nan, other, 1e-5, 1e-8, /*equal_nan=*/true)), ElementsAre(1, 1, 1, 0));
  EXPECT_FALSE(allclose(with_nan, other).item<bool>());
  EXPECT_THAT(V(isnan(with_nan)), ElementsAre(0, 1, 0, 0));
  EXPECT_THAT(V(isinf(with_nan)), ElementsAre(0, 0, 1, 0));
  EXPECT_THAT(V(isfinite(with_nan)), ElementsAre(1, 0, 0, 1));
  EXPECT_THAT(V(isfinite(arange(2))), ElementsAre(1, 1));
  const double big = std::numeric_limits<double>::max();
  EXPECT_THAT(V(nan_to_num(tensor({inf, -inf, nan, -128, 128}, {5}, f64))),
              ElementsAre(big, -big, 0, -128, 128));
  EXPECT_EQ(V(nan_to_num(tensor({inf}, {1}, f32)))[0], std::numeric_limits<float>::max());
  const Tensor clipped = clip(arange(10), 1, 8);
  EXPECT_EQ(clipped.dtype(), i32);
  EXPECT_THAT(V(clipped), ElementsAre(1, 1, 2, 3, 4, 5, 6, 7, 8, 8));
  EXPECT_EQ(clip(arange(10), 1.0, 8).dtype(), f32);  // a float bound is a weak float (jnp.clip)
  EXPECT_THAT(V(clip(tensor({-1, 0.5, 2}, {3}), std::nullopt, 1)), ElementsAre(-1, 0.5, 1));
}

// A function through every differentiable composite above.
Tensor Mixed(const Tensor& x) {  // x: f64[3, 4]
  const std::vector<Tensor> halves = split(x, 2, 1);
  Tensor out = sum(square(roll(x, 1, 1)) * triu(x)) + sum(repeat(x, 2, 0) * 0.5);
  out = out + sum(var(x, 1, 1)) + trace(x) + sum(tile(halves[1], {1, 2}) * tril(x, 1));
  out = out + sum(diag(diagonal(x, 1)) * 2.0) + sum(outer(halves[0], x[0])) + std(x);
  return out + sum(clip(x, -0.5, 0.5) * 3.0);
}

TEST(ShapingTest, GradientsMatchCentralDifferences) {
  const Tensor x = testing::Random({3, 4}, 7);
  const Tensor v = testing::Random({3, 4}, 8);
  const Tensor g = grad(Mixed)(x);
  const double fd = V(testing::CentralDifference(Mixed, x, v))[0];
  EXPECT_NEAR(testing::Inner(g, v), fd, 1e-7 * (1 + std::fabs(fd)));
  EXPECT_TRUE(AllClose(jit(Mixed)(x), Mixed(x), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(grad(Mixed))(x), g, 1e-12, 1e-12));
}

TEST(ShapingTest, VmapMatchesPerExampleCalls) {
  const Tensor xs = testing::Random({5, 3, 4}, 9);
  const auto f = [](const Tensor& x) { return diagonal(roll(tile(x, {2, 1}), 1, 0), 1); };
  const Tensor batched = vmap(f)(xs);
  for (int64_t i = 0; i < 5; ++i) EXPECT_TRUE(AllClose(batched[i], f(xs[i]), 0, 0));
}

}  // namespace
}  // namespace cotangent
