// File: tests/cotangent/random_distributions_test.cc
// The other samplers of jax.random (random_distributions.cc and random.cc's randint, bits,
// truncated_normal, the inversion samplers, rademacher, choice, permutation of an array, the
// gamma family, poisson, multivariate_normal) against JAX's own pinned values
// (tests/random_test.py), a host re-computation of randint's reduction, and moments.

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "cotangent/cotangent.h"
#include "cotangent/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cotangent/random_test_util.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using random::Key;
using random_testing::Data;
using random_testing::ExpectFraction;
using random_testing::ExpectMoments;
using random_testing::Mean;
using random_testing::Variance;
using random_testing::Words;

// JAX's own regression values (tests/random_test.py, classic threefry, x64 off): the
// _RANDOM_VALUES_CASES of testRandomDistributionValues, each drawn of shape (5,) from
// PRNGKey(adler32(name + "threefry2x32")) and printed to 6 decimals, and testRngRandomBits
// and testPRNGValues.
TEST(RandomDistributionsTest, MatchesJaxsPublishedValues) {
  const auto near = [](const Tensor& actual, const std::vector<double>& expected, double rtol) {
    const std::vector<double> a = actual.to_vector<double>();
    ASSERT_EQ(a.size(), expected.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i], expected[i], 1e-6 + rtol * std::fabs(expected[i])) << i;
    }
  };
  near(random::uniform(random::key(1338574713), {5}),
       {0.298671, 0.073213, 0.873356, 0.260549, 0.412797}, 1e-6);
  near(random::normal(random::key(1193674498), {5}),
       {-1.173234, -1.511662, 0.070593, -0.099764, 1.052845}, 1e-6);
  near(random::exponential(random::key(1942292768), {5}),
       {0.526067, 0.043046, 0.039932, 0.46427, 0.123886}, 1e-6);
  near(random::gumbel(random::key(1179715317), {5}),
       {2.06701, 0.911726, 0.145736, 0.185427, -0.00711}, 1e-6);
  near(random::laplace(random::key(1291781963), {5}),
       {0.578939, -0.204902, 0.555733, 0.911053, -0.96456}, 1e-6);
  near(random::logistic(random::key(1466238935), {5}),
       {0.19611, -1.709053, -0.274093, -0.208322, -1.675489}, 1e-6);
  near(random::cauchy(random::key(1175914230), {5}),
       {-0.088416, -10.169713, 3.49677, -1.18056, 0.34556}, 1e-5);
  near(random::truncated_normal(random::key(2846034731), 0.0, 2.0, {5}),
       {0.582807, 1.709771, 0.159513, 0.861376, 0.36148}, 1e-6);
  EXPECT_EQ(random::randint(random::key(1319372649), {5}, 0, 10).to_vector<int32_t>(),
            (std::vector<int32_t>{0, 5, 7, 7, 5}));
  EXPECT_EQ(random::rademacher(random::key(1719994501), {5}).to_vector<int32_t>(),
            (std::vector<int32_t>{-1, -1, -1, -1, 1}));
  EXPECT_EQ(random::bernoulli(random::key(1612777541), 0.5, {5}).to_vector<bool>(),
            (std::vector<bool>{false, true, true, true, false}));
  EXPECT_EQ(random::bits(random::key(942802475), {5}, u8).to_vector<uint8_t>(),
            (std::vector<uint8_t>{10, 158, 82, 54, 158}));
  EXPECT_EQ(random::bits(random::key(942802475), {5}).to_vector<uint32_t>(),
            (std::vector<uint32_t>{1978747883, 4134381225, 3628107870, 689687174, 2788938207}));
  // The distributions built on gamma and the normal.
  near(random::gamma(random::key(1038747260), scalar(0.8), Shape{5}),
       {0.332641, 0.10187, 1.816109, 0.023457, 0.487853}, 1e-5);
  near(random::loggamma(random::key(1440221118), scalar(0.8), Shape{5}),
       {-0.899633, -0.424083, 0.631593, 0.102374, -1.07189}, 1e-5);
  near(random::beta(random::key(923534869), scalar(0.8), scalar(0.9), Shape{5}),
       {0.533685, 0.843179, 0.063495, 0.573444, 0.459514}, 1e-5);
  near(random::dirichlet(random::key(1590822961), from_vector<float>({0.5f, 0.6f, 0.7f}, {3}),
                         Shape{2}),
       {0.556287, 0.304219, 0.139494, 0.15221, 0.632251, 0.21554}, 1e-5);
  near(random::maxwell(random::key(1331627891), {5}),
       {3.070779, 0.908479, 1.521317, 0.875551, 1.306137}, 1e-5);
  near(random::double_sided_maxwell(random::key(3634826421), scalar(1.0), scalar(2.0), {5}),
       {-2.408914, -3.370437, 3.235352, -0.907734, -1.708732}, 1e-5);
  near(random::pareto(random::key(1192560388), scalar(0.5), Shape{5}),
       {2.751398, 1.281863, 87.85448, 1.254542, 2.824487}, 1e-5);
  near(random::weibull_min(random::key(1921059088), 1.0, 1.0, {5}),
       {1.605863, 0.841809, 0.224218, 0.4826, 0.027901}, 1e-5);
  near(random::multivariate_normal(random::key(3497659512), ones({1, 3}), eye(3), Shape{2}),
       {1.067826, 1.215599, 0.234166, -0.237534, 1.32591, 1.413987}, 1e-5);
  EXPECT_EQ(random::poisson(random::key(1349191556), scalar(5, i32), Shape{5}).to_vector<int32_t>(),
            (std::vector<int32_t>{7, 3, 6, 11, 6}));
  // testRngRandomBits: PRNGKey(1701).
  EXPECT_EQ(random::bits(random::key(1701), {3}, u8).to_vector<uint8_t>(),
            (std::vector<uint8_t>{216, 115, 43}));
  EXPECT_EQ(random::bits(random::key(1701), {3}).to_vector<uint32_t>(),
            (std::vector<uint32_t>{56197195, 4200222568, 961309823}));
  // testPRNGValues: PRNGKey(0).
  EXPECT_EQ(random::randint(random::key(0), {3, 3}, 0, 8).to_vector<int32_t>(),
            (std::vector<int32_t>{2, 1, 3, 6, 1, 5, 6, 3, 4}));
  EXPECT_EQ(Data(random::fold_in(random::key(0), 4)), Words({2285895361, 433833334}));
}

TEST(RandomDistributionsTest, BitsOfU8AreTheWordsLittleEndianBytes) {
  // JAX's _random_bits of width 8: bits.view(uint8)[:size] of ceil(size / 4) hashed words.
  const Key k = random::key(16);
  const std::vector<uint32_t> words = random::bits(k, {3}).to_vector<uint32_t>();
  const Tensor b = random::bits(k, {10}, u8);
  EXPECT_EQ(b.dtype(), u8);
  const std::vector<uint8_t> bytes = b.to_vector<uint8_t>();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(bytes[i], (words[i / 4] >> (8 * (i % 4))) & 0xFF) << i;
}

// The words of JAX's _random_bits of `width` (8, 32 or 64) bits for n values: a 64-bit value
// pairs word i (high half) with word n + i (low half) of 2n words, as _threefry_random_bits.
std::vector<uint64_t> RandomWords(const Key& key, int64_t n, int width) {
  if (width != 64) {
    const std::vector<double> w = random::bits(key, {n}, width == 8 ? u8 : u32).to_vector<double>();
    return std::vector<uint64_t>(w.begin(), w.end());
  }
  const std::vector<uint32_t> w = random::bits(key, {2 * n}, u32).to_vector<uint32_t>();
  std::vector<uint64_t> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = uint64_t{w[i]} << 32 | w[n + i];
  return out;
}

// JAX's _randint on the host from the same words: span, multiplier and the two reductions in
// the unsigned dtype of `width` bits (i64's in uint64, as JAX's under jax_enable_x64).
std::vector<int64_t> RandintOracle(const Key& key, int64_t n, int64_t minval, int64_t maxval,
                                   int width, int64_t dtype_lo, int64_t dtype_hi) {
  const auto [k1, k2] = random::split<2>(key);
  const std::vector<uint64_t> hi = RandomWords(k1, n, width), lo = RandomWords(k2, n, width);
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  const int64_t a = std::clamp(minval, dtype_lo, dtype_hi),
                b = std::clamp(maxval, dtype_lo, dtype_hi);
  uint64_t span = b <= a ? 1 : (static_cast<uint64_t>(b) - static_cast<uint64_t>(a)) & mask;
  if (maxval > dtype_hi && b > a) span = (span + 1) & mask;
  const auto rem = [](uint64_t x, uint64_t y) { return y == 0 ? x : x % y; };
  uint64_t mult = rem((uint64_t{1} << (width / 2)) & mask, span);
  mult = rem(mult * mult & mask, span);
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t offset = rem((rem(hi[i], span) * mult + rem(lo[i], span)) & mask, span);
    out[i] = static_cast<int64_t>(static_cast<uint64_t>(a) + offset);
  }
  return out;
}

TEST(RandomDistributionsTest, RandintOfI64IsJaxsReductionInUint64) {
  const Key k = random::key(23);
  constexpr int64_t kN = 4000;
  using I64 = std::numeric_limits<int64_t>;
  const auto check = [&](int64_t lo, int64_t hi) {
    const Tensor r = random::randint(k, {kN / 2, 2}, lo, hi, i64);
    EXPECT_EQ(r.aval().ToString(), "i64[2000,2]");
    const std::vector<int64_t> got = r.to_vector<int64_t>();
    const std::vector<int64_t> want = RandintOracle(k, kN, lo, hi, 64, I64::min(), I64::max());
    for (int64_t i = 0; i < kN; ++i) {
      if (got[i] != want[i]) {
        ADD_FAILURE() << "randint(" << lo << ", " << hi << ", i64) at " << i << ": " << got[i]
                      << " != " << want[i];
        break;
      }
      if (hi > lo && (got[i] < lo || got[i] >= hi)) {
        ADD_FAILURE() << "randint(" << lo << ", " << hi << ", i64) at " << i << ": " << got[i];
        break;
      }
    }
    return got;
  };
  const std::vector<int64_t> dice = check(1, 7);  // spans below 2^63: the halved remainder
  EXPECT_NEAR(std::accumulate(dice.begin(), dice.end(), 0.0) / kN, 3.5, 0.08);
  check(-3, int64_t{1} << 40);
  const int64_t big = int64_t{5} << 60;  // spans of 2^63 and more: one subtraction
  const std::vector<int64_t> wide = check(-big, big);
  EXPECT_LT(*std::min_element(wide.begin(), wide.end()), -big / 2);  // both halves reached
  EXPECT_GT(*std::max_element(wide.begin(), wide.end()), big / 2);
  check(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  const std::vector<int64_t> same = check(5, 5);  // maxval <= minval: minval
  EXPECT_EQ(same, std::vector<int64_t>(kN, 5));
}

TEST(RandomDistributionsTest, RandintIsJaxsTwoWordReduction) {
  const Key k = random::key(17);
  constexpr int64_t kN = 5000;
  const auto check = [&](int64_t lo, int64_t hi, DType dtype, int width, int64_t dlo,
                         int64_t dhi) -> std::vector<double> {
    const Tensor r = random::randint(k, {kN}, lo, hi, dtype);
    EXPECT_EQ(r.dtype(), dtype);
    const std::vector<double> got = r.to_vector<double>();
    const std::vector<int64_t> want = RandintOracle(k, kN, lo, hi, width, dlo, dhi);
    for (int64_t i = 0; i < kN; ++i) {
      if (static_cast<int64_t>(got[i]) != want[i]) {
        ADD_FAILURE() << "randint(" << lo << ", " << hi << ") at " << i << ": " << got[i]
                      << " != " << want[i];
        break;
      }
    }
    return got;
  };
  const int64_t i32_lo = std::numeric_limits<int32_t>::min(),
                i32_hi = std::numeric_limits<int32_t>::max();
  const std::vector<double> dice = check(1, 7, i32, 32, i32_lo, i32_hi);
  for (double v : dice) ASSERT_TRUE(v >= 1 && v < 7) << v;
  EXPECT_NEAR(Mean(dice), 3.5, 0.06);
  check(-1000000, 3, i32, 32, i32_lo, i32_hi);
  check(i32_lo, i32_hi + int64_t{1}, i32, 32, i32_lo, i32_hi);  // the whole range (span wraps)
  check(5, 5, i32, 32, i32_lo, i32_hi);                         // maxval <= minval: minval
  check(10, 4000000000, u32, 32, 0, 0xFFFFFFFFll);
  // randint(key, s, 0, 256, uint8): maxval past the dtype includes 255.
  const std::vector<double> bytes = check(0, 256, u8, 8, 0, 255);
  EXPECT_EQ(*std::max_element(bytes.begin(), bytes.end()), 255);
  EXPECT_EQ(*std::min_element(bytes.begin(), bytes.end()), 0);
  check(3, 10, u8, 8, 0, 255);
}

TEST(RandomDistributionsTest, TruncatedNormalStaysInsideWithTheTruncatedMoments) {
  for (DType dtype : {f32, f64}) {
    const std::vector<double> z =
        random::truncated_normal(random::key(18), -1.0, 2.0, {100000}, dtype).to_vector<double>();
    for (double x : z) ASSERT_TRUE(x > -1.0 && x < 2.0) << x;
    // E[Z | a < Z < b] = (phi(a) - phi(b)) / (Phi(b) - Phi(a)).
    const auto phi = [](double x) {
      return std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi);
    };
    const auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); };
    EXPECT_NEAR(Mean(z), (phi(-1) - phi(2)) / (cdf(2) - cdf(-1)), 0.01) << DTypeName(dtype);
  }
  // Far in a tail both erfs round to 1: the draws are clipped inside the interval.
  const std::vector<float> tail =
      random::truncated_normal(random::key(18), 10.0, 11.0, {100}).to_vector<float>();
  for (float x : tail) ASSERT_TRUE(x > 10.0f && x < 11.0f) << x;
}

TEST(RandomDistributionsTest, TruncatedNormalInHalfPrecision) {
  // f16 and bf16 as JAX draws them (16-bit uniforms, the bounds' erf rounded to the dtype):
  // strictly inside the bounds even where they round (0.1 is not a bf16), with the truncated
  // normal's mean to within the dtype's resolution, and the clip's nextafter in the dtype.
  const auto phi = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi); };
  const auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); };
  for (DType d : {f16, bf16}) {
    const Tensor t = random::truncated_normal(random::key(18), -1.0, 2.0, {20000}, d);
    EXPECT_EQ(t.dtype(), d);
    const std::vector<double> z = astype(t, f64).to_vector<double>();
    for (double x : z) ASSERT_TRUE(x > -1.0 && x < 2.0) << x << " " << DTypeName(d);
    const double want = (phi(-1) - phi(2)) / (cdf(2) - cdf(-1));
    EXPECT_NEAR(Mean(z), want, 0.02 + 2 * finfo(d).eps) << DTypeName(d);
    const double lo = ValueIn(d, 0.1);  // the bound as the dtype holds it
    const std::vector<double> tail =
        astype(random::truncated_normal(random::key(3), 0.1, 0.2, {2000}, d), f64)
            .to_vector<double>();
    for (double x : tail) ASSERT_TRUE(x > lo && x < ValueIn(d, 0.2)) << x << " " << DTypeName(d);
  }
  // A bound is rounded to the dtype once, from the double: 1 + 2^-11 + 2^-40 is f16's
  // 1 + 2^-10, where rounding through f32 (to the midpoint 1 + 2^-11, then to even) gives 1.
  // Drawing with the bound as given or as the dtype holds it is then the same draw.
  const double above_mid = 1.0 + 0x1p-11 + 0x1p-40;
  const auto draw = [](double lower) {
    return astype(random::truncated_normal(random::key(5), lower, 2.0, {64}, f16), f32)
        .to_vector<float>();
  };
  EXPECT_EQ(draw(above_mid), draw(ValueIn(f16, above_mid)));
  EXPECT_NE(draw(above_mid), draw(1.0));
  // Far in a tail both erfs round to 1: every draw is clipped to the dtype's value next to a
  // bound (f16's spacing between 8 and 16 is 2^-7, bf16's 2^-4).
  for (const auto& [d, ulp] : {std::pair<DType, double>{f16, 0x1p-7}, {bf16, 0x1p-4}}) {
    for (double x : astype(random::truncated_normal(random::key(4), 10.0, 11.0, {4}, d), f64)
                        .to_vector<double>()) {
      EXPECT_TRUE(x == 10.0 + ulp || x == 11.0 - ulp) << x << " " << DTypeName(d);
    }
  }
}

TEST(RandomDistributionsTest, InversionSamplersHaveTheirMoments) {
  const Key k = random::key(19);
  const std::vector<double> e = random::exponential(k, {100000}, f64).to_vector<double>();
  EXPECT_NEAR(Mean(e), 1.0, 0.01);
  EXPECT_NEAR(Variance(e), 1.0, 0.03);
  EXPECT_GE(*std::min_element(e.begin(), e.end()), 0.0);
  const std::vector<double> l = random::laplace(k, {100000}).to_vector<double>();
  EXPECT_NEAR(Mean(l), 0.0, 0.02);
  EXPECT_NEAR(Variance(l), 2.0, 0.05);
  const std::vector<double> g = random::logistic(k, {100000}).to_vector<double>();
  EXPECT_NEAR(Mean(g), 0.0, 0.03);
  EXPECT_NEAR(Variance(g), std::numbers::pi * std::numbers::pi / 3, 0.08);
  // Cauchy has no moments: its quartiles are -1 and +1.
  std::vector<double> c = random::cauchy(k, {100001}).to_vector<double>();
  std::sort(c.begin(), c.end());
  EXPECT_NEAR(c[25000], -1.0, 0.03);
  EXPECT_NEAR(c[50000], 0.0, 0.02);
  EXPECT_NEAR(c[75000], 1.0, 0.03);
  // Each is the inversion of JAX's uniform draw from the same key.
  const std::vector<float> u = random::uniform(k, {5}).to_vector<float>();
  const std::vector<float> e32 = random::exponential(k, {5}).to_vector<float>();
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(e32[i], -std::log1p(-u[i]), 1e-6) << i;
}

TEST(RandomDistributionsTest, RademacherIsPlusOrMinusOne) {
  const Tensor r = random::rademacher(random::key(20), {10000});
  EXPECT_EQ(r.dtype(), i32);
  const std::vector<int32_t> v = r.to_vector<int32_t>();
  const int64_t plus = std::count(v.begin(), v.end(), 1),
                minus = std::count(v.begin(), v.end(), -1);
  EXPECT_EQ(plus + minus, 10000);
  EXPECT_NEAR(plus / 10000.0, 0.5, 0.02);
  // 2 bernoulli(0.5) - 1 of the same key.
  const std::vector<bool> b = random::bernoulli(random::key(20), 0.5, {10000}).to_vector<bool>();
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(v[i], b[i] ? 1 : -1);
  EXPECT_EQ(random::rademacher(random::key(20), {3}, f64).dtype(), f64);
}

TEST(RandomDistributionsTest, ChoiceAsJax) {
  const Key k = random::key(21);
  // With replacement: randint(key, shape, 0, n).
  EXPECT_EQ(random::choice(k, 6, {50}).to_vector<int32_t>(),
            random::randint(k, {50}, 0, 6).to_vector<int32_t>());
  // Without: the first draws of permutation(key, n).
  const std::vector<int32_t> perm = random::permutation(k, 10).to_vector<int32_t>();
  const Tensor some = random::choice(k, 10, {2, 2}, false);
  EXPECT_EQ(some.shape(), (Shape{2, 2}));
  EXPECT_EQ(some.to_vector<int32_t>(), std::vector<int32_t>(perm.begin(), perm.begin() + 4));
  // With probabilities: frequencies follow p; a zero-probability index never comes.
  const Tensor p = from_vector<float>({0.5f, 0.0f, 0.2f, 0.3f}, {4});
  const std::vector<int32_t> draws = random::choice(k, 4, {40000}, true, p).to_vector<int32_t>();
  EXPECT_EQ(std::count(draws.begin(), draws.end(), 1), 0);
  EXPECT_NEAR(std::count(draws.begin(), draws.end(), 0) / 40000.0, 0.5, 0.01);
  EXPECT_NEAR(std::count(draws.begin(), draws.end(), 3) / 40000.0, 0.3, 0.01);
  // Without replacement by Gumbel top-k: distinct, never the zero-probability one.
  for (uint32_t i = 0; i < 50; ++i) {
    std::vector<int32_t> three =
        random::choice(random::fold_in(k, i), 4, {3}, false, p).to_vector<int32_t>();
    std::sort(three.begin(), three.end());
    EXPECT_EQ(three, (std::vector<int32_t>{0, 2, 3}));
  }
  // From an array along an axis: the drawn rows.
  const Tensor a = from_vector<float>({0, 1, 10, 11, 20, 21}, {3, 2});
  const Tensor rows = random::choice(k, a, {4});
  EXPECT_EQ(rows.shape(), (Shape{4, 2}));
  const std::vector<int32_t> idx = random::choice(k, 3, {4}).to_vector<int32_t>();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(rows[i].to_vector<float>()[0], 10.0f * idx[i]);
  EXPECT_EQ(random::choice(k, a, {5}, true, std::nullopt, 1).shape(), (Shape{3, 5}));
}

TEST(RandomDistributionsTest, PermutationOfAnArray) {
  const Key k = random::key(22);
  // 1-D: the array sorted by the keys that permute arange(n), i.e. x[permutation(key, n)].
  const Tensor x = from_vector<float>({5, 6, 7, 8, 9, 10, 11}, {7});
  const std::vector<int32_t> perm = random::permutation(k, 7).to_vector<int32_t>();
  const std::vector<float> shuffled = random::permutation(k, x).to_vector<float>();
  for (int i = 0; i < 7; ++i) EXPECT_EQ(shuffled[i], 5.0f + perm[i]) << i;
  // 2-D along axis 1: whole columns move together.
  const Tensor m = from_vector<float>({0, 1, 2, 3, 10, 11, 12, 13}, {2, 4});
  const Tensor cols = random::permutation(k, m, 1);
  const std::vector<int32_t> p4 = random::permutation(k, 4).to_vector<int32_t>();
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(cols.to_vector<float>()[j], static_cast<float>(p4[j]));
    EXPECT_EQ(cols.to_vector<float>()[4 + j], 10.0f + p4[j]);
  }
  // independent: each row shuffled on its own, still a permutation of itself.
  const Tensor big = reshape(arange(2 * 50, f32), {2, 50});
  const Tensor each = random::permutation(k, big, 1, true);
  std::vector<float> r0 = each[0].to_vector<float>(), r1 = each[1].to_vector<float>();
  std::vector<float> d(50);
  for (int j = 0; j < 50; ++j) d[j] = r1[j] - r0[j];
  EXPECT_NE(std::count(d.begin(), d.end(), 50.0f), 50);  // the rows moved differently
  std::sort(r0.begin(), r0.end());
  EXPECT_EQ(r0, arange(50, f32).to_vector<float>());
}

TEST(RandomDistributionsTest, GammaFamilyMoments) {
  const Key k = random::key(23);
  // Gamma(a): mean a, variance a, on both sides of the a < 1 boost.
  for (double a : {0.3, 2.5}) {
    const std::vector<double> g =
        random::gamma(k, scalar(a, f64), Shape{20000}, f64).to_vector<double>();
    EXPECT_NEAR(Mean(g), a, 0.03 * std::sqrt(a) + 0.01) << a;
    EXPECT_NEAR(Variance(g), a, 0.1 * a) << a;
    EXPECT_GE(*std::min_element(g.begin(), g.end()), 0.0);
  }
  // loggamma is log gamma of the same key (JAX's documented property).
  const Tensor a = from_vector<float>({0.01f, 0.5f, 1.0f, 4.0f}, {4});
  const std::vector<float> lg = random::loggamma(k, a).to_vector<float>();
  const std::vector<float> g = random::gamma(k, a).to_vector<float>();
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(std::exp(lg[i]), g[i], 1e-5 * g[i] + 1e-30) << i;
  const std::vector<double> b =
      random::beta(k, scalar(2.0), scalar(6.0), Shape{20000}).to_vector<double>();
  EXPECT_NEAR(Mean(b), 0.25, 0.005);
  const Tensor d = random::dirichlet(k, from_vector<float>({1, 2, 7}, {3}), Shape{5000});
  EXPECT_EQ(d.shape(), (Shape{5000, 3}));
  const std::vector<double> mean_d = (sum(d, {0}) / 5000.0).to_vector<double>();
  EXPECT_NEAR(mean_d[2], 0.7, 0.01);
  for (double row : sum(d, {1}).to_vector<double>()) ASSERT_NEAR(row, 1.0, 1e-5);
  EXPECT_NEAR(Mean(random::chisquare(k, scalar(3.0), Shape{20000}).to_vector<double>()), 3.0, 0.08);
  const std::vector<double> tt = random::t(k, scalar(5.0), Shape{40000}).to_vector<double>();
  EXPECT_NEAR(Mean(tt), 0.0, 0.02);
  EXPECT_NEAR(Variance(tt), 5.0 / 3.0, 0.1);
  EXPECT_NEAR(Mean(random::f(k, scalar(4.0), scalar(10.0), Shape{40000}).to_vector<double>()), 1.25,
              0.03);
  // Per-element parameters, under jit and vmap over keys.
  const auto draw = [](const Key& key, const Tensor& alpha) { return random::gamma(key, alpha); };
  EXPECT_EQ(jit(draw)(k, a).to_vector<float>(), g);
  const Key keys = random::split(k, 3);
  const Tensor per_key = vmap([&](const Key& key) { return random::gamma(key, a); })(keys);
  EXPECT_EQ(per_key[1].to_vector<float>(), random::gamma(keys[1], a).to_vector<float>());
}

// The implicit gradient of gamma draws (JAX's): d/da E f(X) is the mean over the draws of
// f'(x) dx/da, so per-draw derivatives (a vector of equal a's, one derivative per draw)
// average to d/da E[X] = 1, d/da E[X^2] = d/da a(a + 1) = 2a + 1 and, through loggamma,
// d/da E[log X] = polygamma(1, a); through beta, d/da E[B] = d/da a / (a + b) = b / (a + b)^2.
// Each within 5 standard errors of the draws' own spread, on both sides of the a < 1 boost.
void ExpectMeanNear(const std::vector<double>& v, double want, const char* what, double a) {
  const double se = std::sqrt(Variance(v) / static_cast<double>(v.size()));
  EXPECT_NEAR(Mean(v), want, 5 * se) << what << " at a = " << a;
}
TEST(RandomDistributionsTest, GammaDrawsAreDifferentiableInA) {
  const Key k = random::key(31);
  constexpr int64_t n = 20000;
  for (double a : {0.3, 2.5}) {
    const Tensor as = full({n}, a, f64);
    const auto draws = [&](const Tensor& t) { return random::gamma(k, t, std::nullopt, f64); };
    const auto mean = [&](const Tensor& t) { return sum(draws(t)); };
    const std::vector<double> dx = grad(mean)(as).to_vector<double>();
    ExpectMeanNear(dx, 1.0, "dX/da", a);
    EXPECT_EQ(jit(grad(mean))(as).to_vector<double>(), dx);
    ExpectMeanNear(
        grad([&](const Tensor& t) { return sum(square(draws(t))); })(as).to_vector<double>(),
        2 * a + 1, "dX^2/da", a);
    const auto log_draws = [&](const Tensor& t) {
      return sum(random::loggamma(k, t, std::nullopt, f64));
    };
    const double trigamma = polygamma(scalar(1.0, f64), scalar(a, f64)).item<double>();
    ExpectMeanNear(grad(log_draws)(as).to_vector<double>(), trigamma, "dlogX/da", a);
  }
  const Tensor b = full({n}, 3.0, f64);
  const auto betas = [&](const Tensor& t) { return sum(random::beta(k, t, b, std::nullopt, f64)); };
  ExpectMeanNear(grad(betas)(full({n}, 2.0, f64)).to_vector<double>(), 3.0 / 25, "dB/da", 2);
}

// lognormal, rayleigh, wald and triangular are JAX's transformations of its normal and uniform
// draws (wald's from the two keys of split(key)): recomputed on the host from those draws,
// within 4 ulps (the backend's exp and log), and their moments.
TEST(RandomDistributionsTest, TransformsOfNormalAndUniformDraws) {
  const Key k = random::key(61);
  const std::vector<float> z = random::normal(k, {64}).to_vector<float>();
  const std::vector<float> u = random::uniform(k, {64}).to_vector<float>();
  const auto [k1, k2] = random::split<2>(k);
  const std::vector<float> v = random::normal(k1, {64}).to_vector<float>();
  const std::vector<float> w = random::uniform(k2, {64}).to_vector<float>();
  const std::vector<float> ln = random::lognormal(k, scalar(0.5f), Shape{64}).to_vector<float>();
  const std::vector<float> ray = random::rayleigh(k, scalar(2.0f), Shape{64}).to_vector<float>();
  const std::vector<float> wd = random::wald(k, scalar(1.5f), Shape{64}).to_vector<float>();
  const std::vector<float> tri =
      random::triangular(k, scalar(-1.0f), scalar(0.5f), scalar(2.0f), Shape{64})
          .to_vector<float>();
  const auto near = [](float got, double want, int i, const char* what) {
    EXPECT_NEAR(got, want, 4 * 0x1p-23 * std::max(1.0, std::fabs(want))) << what << " " << i;
  };
  for (int i = 0; i < 64; ++i) {
    near(ln[i], std::exp(z[i] * 0.5f), i, "lognormal");
    near(ray[i], 2.0f * std::sqrt(std::log(u[i]) * -2.0f), i, "rayleigh");
    // In f32, JAX's order of operations: its root cancels for large y, as JAX's does.
    const float y = v[i] * v[i], m = 1.5f, m_sq = m * m;
    const float x = m + m_sq * y / 2.0f - m / 2.0f * std::sqrt(4.0f * m * y + m_sq * (y * y));
    near(wd[i], w[i] <= m / (m + x) ? x : m_sq / x, i, "wald");
    const double fc = 1.5 / 3.0;
    near(tri[i],
         u[i] < fc ? -1 + std::sqrt(u[i] * 3.0 * 1.5) : 2 - std::sqrt((1 - u[i]) * 3.0 * 1.5), i,
         "triangular");
  }
  const Key m = random::key(62);
  const Shape n{random_testing::MomentDraws(40000)};
  const double pi = std::numbers::pi;
  ExpectMoments(random::lognormal(m, scalar(0.5, f64), n, f64).to_vector<double>(), std::exp(0.125),
                (std::exp(0.25) - 1) * std::exp(0.25), "lognormal");
  ExpectMoments(random::lognormal(m, n, f64).to_vector<double>(), std::exp(0.5),
                (std::exp(1.0) - 1) * std::exp(1.0), "lognormal(1)");
  ExpectMoments(random::rayleigh(m, scalar(2.0, f64), n, f64).to_vector<double>(),
                2 * std::sqrt(pi / 2), (4 - pi) / 2 * 4, "rayleigh");
  const std::vector<double> wald = random::wald(m, scalar(1.5, f64), n, f64).to_vector<double>();
  ExpectMoments(wald, 1.5, 1.5 * 1.5 * 1.5, "wald");  // variance mean^3 (shape 1)
  EXPECT_GT(*std::min_element(wald.begin(), wald.end()), 0.0);
  const std::vector<double> t =
      random::triangular(m, scalar(-1.0, f64), scalar(0.5, f64), scalar(2.0, f64), n, f64)
          .to_vector<double>();
  // (a + b + c) / 3 and (a^2 + b^2 + c^2 - ab - ac - bc) / 18.
  ExpectMoments(t, 0.5, (1 + 0.25 + 4 + 0.5 + 2 - 1) / 18, "triangular");
  EXPECT_GE(*std::min_element(t.begin(), t.end()), -1.0);
  EXPECT_LE(*std::max_element(t.begin(), t.end()), 2.0);
  // Half precision, as the samplers they transform.
  EXPECT_EQ(random::lognormal(m, scalar(1.0f), Shape{3}, f16).dtype(), f16);
}

// generalized_normal is JAX's rademacher * Gamma(1/p)^(1/p) under split keys; its variance is
// Gamma(3/p) / Gamma(1/p) (1/2 at p = 2, the Laplace's 2 at p = 1). ball's draws lie in the
// unit L^p ball, uniformly: the fraction within radius 1/2 is 2^-d.
TEST(RandomDistributionsTest, GeneralizedNormalAndBall) {
  const Key k = random::key(63);
  const auto [k1, k2] = random::split<2>(k);
  for (double p : {1.0, 2.0, 3.0}) {
    const std::vector<float> g = random::generalized_normal(k, p, {16}).to_vector<float>();
    const std::vector<float> gam = random::gamma(k1, scalar(1.0 / p), Shape{16}).to_vector<float>();
    const std::vector<int32_t> sgn = random::rademacher(k2, {16}).to_vector<int32_t>();
    for (int i = 0; i < 16; ++i) {
      const double want = sgn[i] * std::pow(double(gam[i]), double(float(1.0 / p)));
      EXPECT_NEAR(g[i], want, 4 * 0x1p-23 * std::max(1.0, std::fabs(want))) << p << " " << i;
    }
    const double var = std::tgamma(3 / p) / std::tgamma(1 / p);
    ExpectMoments(
        random::generalized_normal(random::key(64), p, {random_testing::MomentDraws(40000)}, f64)
            .to_vector<double>(),
        0.0, var, "generalized_normal");
  }
  for (double p : {1.0, 2.0}) {
    const int64_t n = random_testing::MomentDraws(20000);
    const Tensor b = random::ball(random::key(65), 2, p, {n}, f64);
    EXPECT_EQ(b.shape(), (Shape{n, 2}));
    const std::vector<double> norms = pow(sum(pow(abs(b), p), {-1}), 1.0 / p).to_vector<double>();
    EXPECT_LE(*std::max_element(norms.begin(), norms.end()), 1.0);
    ExpectFraction(
        norms, [](double r) { return r < 0.5; }, 0.25, "ball");
  }
  EXPECT_THAT(testing::ErrorOf([&] { random::generalized_normal(k, 0.0); }),
              ::testing::HasSubstr("generalized_normal: p must be positive, got 0"));
  EXPECT_THAT(testing::ErrorOf([&] { random::ball(k, -1); }),
              ::testing::HasSubstr("ball: d must be non-negative, got -1"));
}

// orthogonal's draws are orthogonal (semi-orthogonal when n != m), batched, and Haar: the
// mean of an entry is 0 and of its square 1/n, and det is +1 or -1 with equal frequency.
TEST(RandomDistributionsTest, OrthogonalIsHaar) {
  const Key k = random::key(67);
  const int64_t n = random_testing::MomentDraws(4000);
  const Tensor q = random::orthogonal(k, 3, {n}, f64);
  EXPECT_EQ(q.shape(), (Shape{n, 3, 3}));
  const Tensor qtq = matmul(transpose(q, {0, 2, 1}), q);
  EXPECT_TRUE(testing::AllClose(qtq, broadcast_to(eye(3, f64), {n, 3, 3}), 1e-12, 1e-12));
  // An entry of a Haar matrix: mean 0, variance 1/n; det +1 or -1 equally often.
  const std::vector<double> all = q.to_vector<double>();
  std::vector<double> entry;
  for (size_t i = 1; i < all.size(); i += 9) entry.push_back(all[i]);
  ExpectMoments(entry, 0.0, 1.0 / 3, "orthogonal entry");
  ExpectFraction(
      linalg::det(q).to_vector<double>(), [](double d) { return d > 0; }, 0.5,
      "orthogonal det > 0");
  // Wide (rows orthonormal) and tall (columns orthonormal).
  const Tensor wide = random::orthogonal(k, 2, {}, f64, 5);
  EXPECT_EQ(wide.shape(), (Shape{2, 5}));
  EXPECT_TRUE(testing::AllClose(matmul(wide, transpose(wide)), eye(2, f64), 1e-12, 1e-12));
  const Tensor tall = random::orthogonal(k, 5, {}, f64, 2);
  EXPECT_EQ(tall.shape(), (Shape{5, 2}));
  EXPECT_TRUE(testing::AllClose(matmul(transpose(tall), tall), eye(2, f64), 1e-12, 1e-12));
  EXPECT_THAT(testing::ErrorOf([&] { random::orthogonal(k, -2); }),
              ::testing::HasSubstr("orthogonal: n and m must be non-negative, got -2 and -2"));
}

TEST(RandomDistributionsTest, MultivariateNormalHasItsCovariance) {
  const Tensor cov = from_vector<double>({2.0, 0.6, 0.6, 1.0}, {2, 2});
  const Tensor mean = from_vector<double>({1.0, -1.0}, {2});
  const Tensor z = random::multivariate_normal(random::key(24), mean, cov, Shape{40000}, f64);
  EXPECT_EQ(z.shape(), (Shape{40000, 2}));
  const std::vector<double> v = z.to_vector<double>();
  std::vector<double> x0, x1;
  for (size_t i = 0; i < v.size(); i += 2) x0.push_back(v[i]), x1.push_back(v[i + 1]);
  EXPECT_NEAR(Mean(x0), 1.0, 0.02);
  EXPECT_NEAR(Mean(x1), -1.0, 0.02);
  EXPECT_NEAR(Variance(x0), 2.0, 0.05);
  double c = 0;
  for (size_t i = 0; i < x0.size(); ++i) c += (x0[i] - 1.0) * (x1[i] + 1.0);
  EXPECT_NEAR(c / x0.size(), 0.6, 0.03);
}

}  // namespace
}  // namespace cotangent
