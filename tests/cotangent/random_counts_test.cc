// File: tests/cotangent/random_counts_test.cc
// The samplers of counts (cotangent/random_counts.cc): poisson, geometric, binomial and
// multinomial against their probability mass functions and moments, geometric against the
// inversion of JAX's uniform draws recomputed on the host, JAX's edge values (NaN and
// infinite parameters), and jit and vmap against eager draws. poisson's pinned draws are in
// random_distributions_test's MatchesJaxsPublishedValues.

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "cotangent/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cotangent/random_test_util.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using random::Key;
using random_testing::ExpectMoments;
using random_testing::Mean;
using random_testing::Variance;
using ::testing::HasSubstr;

// The largest difference between the empirical frequencies of 0..n in `draws` and pmf(k).
template <typename Pmf>
double PmfDistance(const std::vector<double>& draws, int n, Pmf pmf) {
  std::vector<double> freq(n + 1, 0.0);
  for (double x : draws) {
    EXPECT_EQ(x, std::floor(x));
    EXPECT_GE(x, 0);
    EXPECT_LE(x, n);
    if (x >= 0 && x <= n) freq[static_cast<int>(x)] += 1.0 / static_cast<double>(draws.size());
  }
  double worst = 0;
  for (int k = 0; k <= n; ++k) worst = std::max(worst, std::fabs(freq[k] - pmf(k)));
  return worst;
}

double BinomialPmf(int n, double p, int k) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) +
                  k * std::log(p) + (n - k) * std::log1p(-p));
}

TEST(RandomCountsTest, PoissonMoments) {
  // Knuth's method below lam = 10, the transformed rejection above: mean = variance = lam.
  for (double lam : {3.0, 50.0}) {
    const std::vector<double> p =
        random::poisson(random::key(25), scalar(lam), Shape{20000}).to_vector<double>();
    EXPECT_NEAR(Mean(p), lam, 0.03 * std::sqrt(lam) + 0.02) << lam;
    EXPECT_NEAR(Variance(p), lam, 0.06 * lam) << lam;
    for (double x : p) ASSERT_EQ(x, std::floor(x));
  }
  // Per-element rates, both methods at once; lam = 0 gives 0.
  const Tensor rates = from_vector<float>({0.0f, 2.0f, 30.0f}, {3});
  const Tensor counts = random::poisson(random::key(26), rates, Shape{4000, 3});
  EXPECT_EQ(counts.dtype(), i32);
  const std::vector<double> means = (sum(astype(counts, f64), {0}) / 4000.0).to_vector<double>();
  EXPECT_EQ(means[0], 0.0);
  EXPECT_NEAR(means[1], 2.0, 0.08);
  EXPECT_NEAR(means[2], 30.0, 0.3);
  const std::string error =
      testing::ErrorOf([] { random::poisson(random::key(0), scalar(1.0), Shape{2}, f32); });
  EXPECT_NE(error.find("poisson: dtype must be an integer dtype, got f32"), std::string::npos)
      << error;
}

// JAX's _geometric is the inversion floor(log u / log1p(-p)) + 1 of its uniform draw: the
// draws from a key are those of the uniform draws from that key, recomputed on the host
// (away from the floor's boundaries, where an ulp of log may move it).
TEST(RandomCountsTest, GeometricIsTheInversionOfTheUniformDraw) {
  const Key k = random::key(41);
  const std::vector<float> u = random::uniform(k, {200}).to_vector<float>();
  const std::vector<int32_t> g =
      random::geometric(k, scalar(0.3f), Shape{200}).to_vector<int32_t>();
  int checked = 0;
  for (int i = 0; i < 200; ++i) {
    const double q = std::log(u[i] == 0 ? 1.0 : u[i]) / std::log1p(-0.3);
    if (std::fabs(q - std::round(q)) < 1e-4) continue;
    EXPECT_EQ(g[i], static_cast<int32_t>(std::floor(q)) + 1) << i;
    ++checked;
  }
  EXPECT_GT(checked, 190);
  // Mean 1/p, variance (1 - p)/p^2; p = 1 is always 1; any integer dtype; p per element.
  for (double p : {0.2, 0.7}) {
    const std::vector<double> d =
        random::geometric(k, scalar(p, f64), Shape{random_testing::MomentDraws(40000)})
            .to_vector<double>();
    ExpectMoments(d, 1 / p, (1 - p) / (p * p), "geometric");
    EXPECT_GE(*std::min_element(d.begin(), d.end()), 1.0);
  }
  EXPECT_EQ(random::geometric(k, scalar(1.0f), Shape{3}, u8).to_vector<uint8_t>(),
            (std::vector<uint8_t>{1, 1, 1}));
  // p = 0 never succeeds: +inf trials, saturated to the dtype's maximum (on every backend).
  EXPECT_EQ(random::geometric(k, scalar(0.0f), Shape{2}).to_vector<int32_t>(),
            (std::vector<int32_t>{INT32_MAX, INT32_MAX}));
  const Tensor per = random::geometric(k, from_vector<float>({1.0f, 0.5f}, {2}), Shape{3, 2});
  EXPECT_EQ(per.shape(), (Shape{3, 2}));
  EXPECT_THAT(testing::ErrorOf([&] { random::geometric(k, scalar(0.5f), Shape{2}, f32); }),
              HasSubstr("geometric: dtype must be an integer dtype, got f32"));
}

// binomial on both of its methods (inversion where n min(p, 1-p) <= 10, BTRS above) and both
// sides of p = 1/2 (the draw for 1 - p reflected): the empirical pmf within 5 standard errors
// of the exact one (0.018 over 20000 draws on the CPU), the mean and variance within 6.
TEST(RandomCountsTest, BinomialHasItsMassFunction) {
  const Key k = random::key(43);
  struct Case {
    int n;
    double p;
  };
  const int64_t n = random_testing::MomentDraws(20000);
  for (const Case c : {Case{5, 0.3}, Case{100, 0.4}, Case{60, 0.8}, Case{20, 0.9}, Case{1, 0.5}}) {
    const std::vector<double> d =
        random::binomial(k, scalar(c.n, f64), scalar(c.p, f64), Shape{n}, f64).to_vector<double>();
    // The largest of the frequencies' standard errors is at most 1/(2 sqrt n).
    EXPECT_LT(PmfDistance(d, c.n, [&](int x) { return BinomialPmf(c.n, c.p, x); }),
              5 * 0.5 / std::sqrt(static_cast<double>(n)))
        << c.n << " " << c.p;
    ExpectMoments(d, c.n * c.p, c.n * c.p * (1 - c.p), "binomial");
  }
}

TEST(RandomCountsTest, BinomialEdgesAsJax) {
  const Key k = random::key(47);
  const double nan = std::nan(""), inf = INFINITY;
  // p = 0 gives 0 and p = 1 gives n; n is floored; n = 0 gives 0; a NaN or negative n and a
  // p outside [0, 1] or NaN give NaN; an infinite n gives inf, with p = 0 too (where JAX's
  // loop would not end).
  const float fnan = static_cast<float>(nan), finf = static_cast<float>(inf);
  const Tensor n = from_vector<float>({10, 10, 7.9f, 0, -1, fnan, 5, 5, 5, finf, finf, 1e6f}, {12});
  const Tensor p =
      from_vector<float>({0, 1, 1, 0.5, 0.5, 0.5, -0.1f, 1.5f, fnan, 0.3f, 0, 0}, {12});
  const std::vector<float> d = random::binomial(k, n, p).to_vector<float>();
  EXPECT_EQ(d[0], 0);
  EXPECT_EQ(d[1], 10);
  EXPECT_EQ(d[2], 7);
  EXPECT_EQ(d[3], 0);
  for (int i : {4, 5, 6, 7, 8}) EXPECT_TRUE(std::isnan(d[i])) << i;
  EXPECT_EQ(d[9], inf);
  EXPECT_EQ(d[10], inf);
  EXPECT_EQ(d[11], 0);
  // Under jit and per key under vmap, the draws are eager's.
  const Tensor big_n = full({8}, 40.0), big_p = full({8}, 0.45);
  const Tensor eager = random::binomial(k, big_n, big_p);
  const auto draw = [](const Key& key, const Tensor& a, const Tensor& b) {
    return random::binomial(key, a, b);
  };
  EXPECT_EQ(jit(draw)(k, big_n, big_p).to_vector<float>(), eager.to_vector<float>());
  const Key keys = random::split(k, 2);
  const Tensor per_key =
      vmap([&](const Key& key) { return random::binomial(key, big_n, big_p); })(keys);
  EXPECT_EQ(per_key[1].to_vector<float>(),
            random::binomial(keys[1], big_n, big_p).to_vector<float>());
  EXPECT_THAT(testing::ErrorOf([&] { random::binomial(k, big_n, big_p, std::nullopt, i32); }),
              HasSubstr("binomial: dtype must be f32 or f64, got i32"));
}

// multinomial's counts sum to n; their means are n p_i and covariances -n p_i p_j.
TEST(RandomCountsTest, MultinomialHasItsMomentsAndSumsToN) {
  const Key k = random::key(53);
  const Tensor p = from_vector<double>({0.2, 0.3, 0.0, 0.5}, {4});
  const int64_t draws = random_testing::MomentDraws(20000);
  const Tensor c = random::multinomial(k, scalar(10.0, f64), p, Shape{draws, 4}, f64);
  EXPECT_EQ(c.shape(), (Shape{draws, 4}));
  for (double total : sum(c, {1}).to_vector<double>()) ASSERT_EQ(total, 10.0);
  const std::vector<double> v = c.to_vector<double>();
  const double probs[4] = {0.2, 0.3, 0.0, 0.5};
  std::vector<double> products;
  for (int i = 0; i < 4; ++i) {
    std::vector<double> col;
    for (size_t r = i; r < v.size(); r += 4) col.push_back(v[r]);
    if (probs[i] == 0) {
      EXPECT_EQ(*std::max_element(col.begin(), col.end()), 0.0);
      continue;
    }
    ExpectMoments(col, 10 * probs[i], 10 * probs[i] * (1 - probs[i]), "multinomial");
  }
  // The covariance of outcomes 0 and 3: -n p_0 p_3.
  for (size_t r = 0; r < v.size(); r += 4) products.push_back((v[r] - 2.0) * (v[r + 3] - 5.0));
  EXPECT_NEAR(Mean(products), -10 * 0.2 * 0.5,
              6 * std::sqrt(Variance(products) / static_cast<double>(products.size())));
  // The default shape is p's; a batch of n's with p broadcast along it.
  EXPECT_EQ(random::multinomial(k, scalar(3.0), from_vector<float>({0.5f, 0.5f}, {2})).shape(),
            (Shape{2}));
  const Tensor batch = random::multinomial(k, from_vector<float>({1, 5, 9}, {3}),
                                           from_vector<float>({0.5f, 0.5f}, {2}), Shape{3, 2});
  EXPECT_EQ(sum(batch, {1}).to_vector<float>(), (std::vector<float>{1, 5, 9}));
  EXPECT_THAT(testing::ErrorOf([&] { random::multinomial(k, scalar(3.0), scalar(0.5)); }),
              HasSubstr("multinomial: p must have rank >= 1 (outcomes last), got f32[]"));
}

}  // namespace
}  // namespace cotangent
