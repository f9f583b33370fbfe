// File: tests/cotangent/cumulative_test.cc
// cotangent/cumulative.h against numpy's values and running sums computed on the host (every
// length up to 70, so every shape of the odd-even recursion); the order of a non-commutative
// operation; derivatives against central differences in f64; vmap and jit against eager.

#include <cmath>
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

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }

TEST(CumulativeTest, AsNumpy) {
  const Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, f64);
  EXPECT_THAT(V(cumsum(x)), ElementsAre(1, 3, 6, 10, 15, 21));  // flattened, as jnp
  EXPECT_THAT(V(cumsum(x, 0)), ElementsAre(1, 2, 3, 5, 7, 9));
  EXPECT_THAT(V(cumsum(x, 1)), ElementsAre(1, 3, 6, 4, 9, 15));
  EXPECT_THAT(V(cumprod(x, 1)), ElementsAre(1, 2, 6, 4, 20, 120));
  EXPECT_THAT(V(cumsum(x, -1, true)), ElementsAre(6, 5, 3, 15, 11, 6));
  const Tensor y = tensor({3, 1, 4, 1, 5, 9, 2, 6}, {8}, f64);
  EXPECT_THAT(V(cummax(y)), ElementsAre(3, 3, 4, 4, 5, 9, 9, 9));
  EXPECT_THAT(V(cummin(y)), ElementsAre(3, 1, 1, 1, 1, 1, 1, 1));
  EXPECT_THAT(V(cummax(y, 0, true)), ElementsAre(9, 9, 9, 9, 9, 9, 6, 6));
  const Tensor counts = cumsum(tensor({1, 0, 1, 1}, {4}, bool_));
  EXPECT_EQ(counts.dtype(), i32);
  EXPECT_THAT(V(counts), ElementsAre(1, 1, 2, 3));
  const std::vector<double> lse = V(cumlogsumexp(tensor({0, 0, std::log(2.0)}, {3}, f64)));
  EXPECT_NEAR(lse[1], std::log(2.0), 1e-15);
  EXPECT_NEAR(lse[2], std::log(4.0), 1e-15);
  EXPECT_THAT(ErrorOf([] { cumsum(scalar(1.0), 0); }),
              HasSubstr("associative_scan: x must have an axis, got f32[]"));
}

// Every length from 0 to 70 against a running sum on the host, in i32 (exact), both
// directions.
TEST(CumulativeTest, EveryLengthMatchesARunningSum) {
  for (int64_t n = 0; n <= 70; ++n) {
    std::vector<double> values(n), forward(n), backward(n);
    for (int64_t i = 0; i < n; ++i) values[i] = (i * 37 % 11) - 5;
    double run = 0;
    for (int64_t i = 0; i < n; ++i) forward[i] = run += values[i];
    run = 0;
    for (int64_t i = n - 1; i >= 0; --i) backward[i] = run += values[i];
    const Tensor x = tensor(values, {n}, i32);
    EXPECT_EQ(V(cumsum(x)), forward) << n;
    EXPECT_EQ(V(cumsum(x, 0, true)), backward) << n;
  }
}

// The operands keep their order: fn(a, b) = a makes every prefix its first element, b its
// last. Reversed, as lax.associative_scan (rev, scan, rev), a is what was accumulated from
// the end: every suffix's "first" is the last element.
TEST(CumulativeTest, NonCommutativeOperationsKeepTheOrder) {
  const Tensor x = tensor({5, 7, 2, 9, 4}, {5}, f64);
  const auto first = [](const Tensor& a, const Tensor&) { return a; };
  const auto last = [](const Tensor&, const Tensor& b) { return b; };
  EXPECT_THAT(V(associative_scan(first, x)), ElementsAre(5, 5, 5, 5, 5));
  EXPECT_THAT(V(associative_scan(last, x)), ElementsAre(5, 7, 2, 9, 4));
  EXPECT_THAT(V(associative_scan(first, x, 0, true)), ElementsAre(4, 4, 4, 4, 4));
  EXPECT_THAT(V(associative_scan(last, x, 0, true)), ElementsAre(5, 7, 2, 9, 4));
}

Tensor Mixed(const Tensor& x) {
  return sum(cumsum(x, 1) * x) + sum(cumprod(x, 0, true)) + sum(sin(cummax(x, 1))) +
         sum(cummin(x, 0) * 2.0) + sum(cumlogsumexp(x, 1));
}

TEST(CumulativeTest, GradientsMatchCentralDifferences) {
  const Tensor x = testing::Random({3, 5}, 21, 0.5, 1.5, f64);
  const Tensor g = grad(Mixed)(x);
  for (uint32_t seed : {22u, 23u}) {
    const Tensor v = testing::Random({3, 5}, seed, -1, 1, f64);
    const double fd = V(testing::CentralDifference(Mixed, x, v))[0];
    EXPECT_NEAR(testing::Inner(g, v), fd, 1e-7 * (1 + std::fabs(fd)));
  }
  EXPECT_TRUE(AllClose(jit(grad(Mixed))(x), g, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jacfwd(grad(Mixed))(x), jacrev(grad(Mixed))(x), 1e-10, 1e-10));
  const Tensor xs = testing::Random({4, 3, 5}, 24, 0.5, 1.5, f64);
  std::vector<Tensor> each;
  for (int64_t b = 0; b < 4; ++b) each.push_back(Mixed(xs[b]));
  EXPECT_TRUE(AllClose(vmap(Mixed)(xs), stack(each), 1e-12, 1e-12));
}

}  // namespace
}  // namespace cotangent
