// File: tests/cotangent/random_test.cc
// cotangent::random's keys, Threefry and direct samplers (uniform, normal, gumbel, bernoulli,
// categorical, permutation) against numbers JAX published (known answers, bit for bit),
// definitions read from JAX's source (fold_in, f64 bits) and statistics (moments,
// frequencies); keys under jit, vmap, scan and grad; bad input. The other samplers are in
// random_distributions_test.cc.

#include "cotangent/random.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "cotangent/cotangent.h"
#include "gtest/gtest.h"
#include "tests/cotangent/random_test_util.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using random::Key;
using random_testing::Data;
using random_testing::ExpectInvalid;
using random_testing::ExpectSamples;
using random_testing::Hash;
using random_testing::KeyOf;
using random_testing::Mean;
using random_testing::Str;
using random_testing::Variance;
using random_testing::Words;

// --- Threefry and keys: bit-exact known answers. ---

TEST(RandomTest, ThreefryKnownAnswers) {
  // Random123's known-answer vectors for threefry2x32_20 (also in JAX's random_test.py).
  EXPECT_EQ(Hash(KeyOf(0x13198a2e, 0x03707344), 0x243f6a88, 0x85a308d3),
            std::make_pair(0xc4923a9cu, 0x483df7a0u));
  EXPECT_EQ(Hash(KeyOf(0, 0), 0, 0), std::make_pair(0x6b200159u, 0x99ba4efeu));
  // Many blocks at once: each equals its own hash.
  const std::vector<uint32_t> c0 = {0, 1, 0xFFFFFFFFu, 7}, c1 = {2, 0, 5, 0x80000000u};
  const auto [y0, y1] =
      random::threefry2x32(KeyOf(3, 4), from_vector(c0, {2, 2}), from_vector(c1, {2, 2}));
  EXPECT_EQ(y0.shape(), (Shape{2, 2}));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(std::make_pair(y0.to_vector<uint32_t>()[i], y1.to_vector<uint32_t>()[i]),
              Hash(KeyOf(3, 4), c0[i], c1[i]));
  }
}

TEST(RandomTest, KeyFromSeedIsHighAndLowWords) {
  EXPECT_EQ(Data(random::key(0)), Words({0, 0}));
  EXPECT_EQ(Data(random::key(42)), Words({0, 42}));
  EXPECT_EQ(Data(random::key((uint64_t{1} << 32) + 5)), Words({1, 5}));
  EXPECT_EQ(Data(random::key(-1)), Words({0xFFFFFFFFu, 0xFFFFFFFFu}));
  EXPECT_EQ(random::key(0).data().dtype(), u32);
  EXPECT_EQ(random::key(0).shape(), Shape{});
}

TEST(RandomTest, KeyFromTracedSeedIsThreefrySeed) {
  // JAX's threefry_seed in the seed's own width: a 32-bit seed has a zero high word (-1 as i32
  // is [0, 0xFFFFFFFF]); an i64 seed splits into its two halves, as the host key does.
  EXPECT_EQ(Data(random::key(scalar(42, i32))), Words({0, 42}));
  EXPECT_EQ(Data(random::key(scalar(-1, i32))), Words({0, 0xFFFFFFFFu}));
  EXPECT_EQ(Data(random::key(from_vector<int64_t>({(int64_t{3} << 32) + 9}, {}))), Words({3, 9}));
  EXPECT_EQ(Data(random::key(from_vector<int64_t>({-1}, {}))), Data(random::key(-1)));
  EXPECT_EQ(Data(random::key(from_vector<uint8_t>({200}, {}))), Words({0, 200}));
  // Traced: a vmap over seeds gives the keys of each seed, and jit the same.
  const Tensor seeds = from_vector<int32_t>({0, 1, 7}, {3});
  const Tensor keys = vmap([](const Tensor& s) { return random::key(s).data(); })(seeds);
  EXPECT_EQ(keys.shape(), (Shape{3, 2}));
  EXPECT_EQ(keys.to_vector<uint32_t>(), Words({0, 0, 0, 1, 0, 7}));
  EXPECT_EQ(Data(jit([](const Tensor& s) { return random::key(s); })(scalar(7, i32))),
            Words({0, 7}));
}

TEST(RandomTest, KeyPrintsLikeNumpy) {
  EXPECT_EQ(Str(random::key(0)), "[0 0]");
  EXPECT_EQ(Str(random::key(42)), "[ 0 42]");
  EXPECT_EQ(Str(KeyOf(2285895361, 1501764800)), "[2285895361 1501764800]");
}

TEST(RandomTest, SplitMatchesJax) {
  // jax.random.split(jax.random.PRNGKey(0), 4) with the classic threefry.
  const random::Key keys = random::split(random::key(0), 4);
  EXPECT_EQ(keys.shape(), Shape{4});
  EXPECT_EQ(keys.data().shape(), (Shape{4, 2}));
  EXPECT_EQ(Data(keys), Words({2285895361, 1501764800, 1518642379, 4090693311, 433833334,
                               4221794875, 839183663, 3740430601}));
  EXPECT_EQ(Data(keys[2]), Words({433833334, 4221794875}));
  EXPECT_EQ(Data(keys[-1]), Words({839183663, 3740430601}));
  EXPECT_EQ(random::split(random::key(0), 0).shape(), Shape{0});
}

TEST(RandomTest, TemplateSplitEqualsRuntimeSplit) {
  const Key k = random::key(7);
  const auto [a, b, c] = random::split<3>(k);
  const Key keys = random::split(k, 3);
  EXPECT_EQ(Data(a), Data(keys[0]));
  EXPECT_EQ(Data(b), Data(keys[1]));
  EXPECT_EQ(Data(c), Data(keys[2]));
}

TEST(RandomTest, FoldInHashesZeroAndData) {
  // JAX: _threefry_fold_in(key, data) = threefry_2x32(key, threefry_seed(data)) and
  // threefry_seed(d) = [0, d], so the new key is the hash of the block (0, d).
  const Key k = random::key(0);
  const auto [hi, lo] = Hash(k, 0, 1);
  EXPECT_EQ(Data(random::fold_in(k, 1)), Words({hi, lo}));
  EXPECT_EQ(Data(random::fold_in(k, 1)), Words({928981903, 3453687069}));
  EXPECT_NE(Data(random::fold_in(k, 1)), Data(random::fold_in(k, 2)));
  // Traced data of any integer dtype: its low 32 bits.
  EXPECT_EQ(Data(random::fold_in(k, scalar(1, i32))), Words({hi, lo}));
  const Tensor folded = vmap([&](const Tensor& d) { return random::fold_in(k, d).data(); })(
      from_vector<int64_t>({1, 2, (int64_t{1} << 32) + 1}, {3}));
  const std::vector<uint32_t> f = folded.to_vector<uint32_t>();
  EXPECT_EQ(std::vector<uint32_t>(f.begin(), f.begin() + 2), Words({hi, lo}));
  EXPECT_EQ(std::vector<uint32_t>(f.begin() + 2, f.begin() + 4), Data(random::fold_in(k, 2)));
  EXPECT_EQ(std::vector<uint32_t>(f.begin() + 4, f.end()), Words({hi, lo}));
}

TEST(RandomTest, BitsHashHalvesOfTheCounter) {
  // Classic random_bits: count 3 -> counters [0, 1, 2, pad 0] hashed as blocks (0, 2), (1, 0).
  const Key k = random::key(0);
  const Tensor t = random::bits(k, {3});
  EXPECT_EQ(t.dtype(), u32);
  const std::vector<uint32_t> b = t.to_vector<uint32_t>();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], Hash(k, 0, 2).first);
  EXPECT_EQ(b[2], Hash(k, 0, 2).second);
  EXPECT_EQ(b[1], Hash(k, 1, 0).first);
  EXPECT_EQ(random::bits(k, {0}).size(), 0);
  EXPECT_EQ(random::bits(k, {2, 3}).to_vector<uint32_t>(),
            random::bits(k, {6}).to_vector<uint32_t>());
}

// --- Samplers: JAX's published numbers. ---

TEST(RandomTest, UniformMatchesJax) {
  const Tensor u = random::uniform(random::key(0), {3});
  EXPECT_EQ(u.dtype(), f32);
  EXPECT_EQ(u.shape(), (Shape{3}));
  EXPECT_EQ(u.to_vector<float>(), (std::vector<float>{0.9653214f, 0.31468165f, 0.63302994f}));
}

TEST(RandomTest, UniformIsRowMajorOverTheFlatCount) {
  const Tensor u = random::uniform(random::key(3), {2, 3});
  EXPECT_EQ(u.shape(), (Shape{2, 3}));
  EXPECT_EQ(u.to_vector<float>(), random::uniform(random::key(3), {6}).to_vector<float>());
}

TEST(RandomTest, NormalMatchesJax) {
  // Printed by JAX's docs ("Pseudorandom numbers", key(0) and key(123); the quickstart's
  // random.normal(key, (4,)); random.normal(key(42)) of the random-numbers tutorial).
  ExpectSamples<float>(random::normal(random::key(0), {3}),
                       {1.8160863f, -0.48262316f, 0.33988908f});
  ExpectSamples<float>(random::normal(random::key(0), {4}),
                       {1.8160863f, -0.75488514f, 0.33988908f, -0.53483534f});
  ExpectSamples<float>(random::normal(random::key(123), {3}), {-0.1470326f, 0.5524756f, 1.648498f});
  const Tensor z = random::normal(random::key(42), {});
  EXPECT_EQ(z.shape(), Shape{});
  ExpectSamples<float>(z, {-0.18471177f});
}

TEST(RandomTest, SplitLoopDrawsMatchJax) {
  // JAX's random-numbers tutorial: key = PRNGKey(12); 3 x {key, subkey = split(key);
  // print(normal(subkey))}, printed as Python floats.
  const double expected[3] = {0.735927939414978, 1.810187578201294, 0.11553369462490082};
  Key key = random::key(12);
  for (double want : expected) {
    const auto [next, subkey] = random::split<2>(key);
    ExpectSamples<float>(random::normal(subkey, {}), {static_cast<float>(want)});
    key = next;
  }
}

TEST(RandomTest, AutodiffCookbookParameters) {
  // The Autodiff Cookbook: key, W_key, b_key = split(key(0), 3); W = normal(W_key, (3,));
  // b = normal(b_key, ()). The notebook prints the loss and gradients of a logistic regression
  // at (W, b); recomputing them here from our W, b reproduces its printed digits.
  const auto [key, w_key, b_key] = random::split<3>(random::key(0));
  const std::vector<float> w = random::normal(w_key, {3}).to_vector<float>();
  const float b = random::normal(b_key, {}).item<float>();
  ExpectSamples<float>(random::normal(w_key, {3}), {-0.36838785f, -2.275689f, 0.011447566f});
  ExpectSamples<float>(random::normal(b_key, {}), {0.8535516f});

  const double inputs[4][3] = {
      {0.52, 1.12, 0.77}, {0.88, -1.08, 0.15}, {0.52, 0.06, -1.30}, {0.74, -2.49, 1.39}};
  const double targets[4] = {1, 1, 0, 1};
  double loss = 0, b_grad = 0, w_grad[3] = {0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    double z = b;
    for (int j = 0; j < 3; ++j) z += inputs[i][j] * w[j];
    const double p = 1 / (1 + std::exp(-z));
    loss -= std::log(targets[i] ? p : 1 - p);
    // d(-log-likelihood)/dz = p - target.
    b_grad += p - targets[i];
    for (int j = 0; j < 3; ++j) w_grad[j] += (p - targets[i]) * inputs[i][j];
  }
  EXPECT_NEAR(loss, 3.051939, 2e-6);
  EXPECT_NEAR(b_grad, -0.29227236, 2e-6);
  EXPECT_NEAR(w_grad[0], -0.16965576, 2e-6);
  EXPECT_NEAR(w_grad[1], -0.8774645, 2e-6);
  EXPECT_NEAR(w_grad[2], -1.4901344, 2e-6);
}

// --- float64 (JAX with jax_enable_x64). ---

TEST(RandomTest, F64ErfInvAndMantissaMatchJaxX64) {
  // A JAX x64 test pins normal(key(0), (2, 3)) with the partitionable stream, whose 64-bit word
  // i is hash(key, (0, i)) read as (hi << 32 | lo). Rebuilding it from our threefry, the f64
  // mantissa map and XLA's ErfInv64 must give the same doubles exactly.
  const double expected[6] = {-0.2058421394796434, -0.7847657764467411, 1.8160866726679836,
                              0.1878440128937887,  0.08086788103743275, -0.3721107933346203};
  const double lo = std::nextafter(-1.0, 0.0);
  std::vector<double> u(6);
  for (uint32_t i = 0; i < 6; ++i) {
    const auto [hi_word, lo_word] = Hash(random::key(0), 0, i);
    const uint64_t word = (uint64_t{hi_word} << 32) | lo_word;
    const double f = std::bit_cast<double>((word >> 12) | 0x3FF0000000000000u) - 1.0;
    u[i] = std::max(lo, f * (1.0 - lo) + lo);
  }
  ExpectSamples<double>(random::internal::XlaErfInv(from_vector(u, {6})) * std::sqrt(2.0),
                        std::vector<double>(expected, expected + 6));
  // Our (classic) scalar f64 normal hashes the block (0, 1) into one 64-bit word: the same word
  // as the partitionable element 1 above.
  const Tensor z = random::normal(random::key(0), {}, f64);
  EXPECT_EQ(z.dtype(), f64);
  ExpectSamples<double>(z, {-0.7847657764467411});
}

TEST(RandomTest, F64UniformUses52RandomMantissaBits) {
  const std::vector<double> u = random::uniform(random::key(5), {100000}, f64).to_vector<double>();
  EXPECT_NEAR(Mean(u), 0.5, 0.005);
  EXPECT_NEAR(Variance(u), 1.0 / 12, 0.002);
  int not_float = 0;
  for (double x : u) {
    EXPECT_GE(x, 0.0);
    EXPECT_LT(x, 1.0);
    not_float += static_cast<double>(static_cast<float>(x)) != x;
  }
  EXPECT_GT(not_float, 99000);  // Bits below float precision are random too.
}

// --- Statistics. ---

TEST(RandomTest, UniformMoments) {
  const std::vector<float> u = random::uniform(random::key(1), {100000}).to_vector<float>();
  EXPECT_NEAR(Mean(u), 0.5, 0.005);
  EXPECT_NEAR(Variance(u), 1.0 / 12, 0.002);
  EXPECT_GE(*std::min_element(u.begin(), u.end()), 0.0f);
  EXPECT_LT(*std::max_element(u.begin(), u.end()), 1.0f);

  const std::vector<float> v =
      random::uniform(random::key(2), {100000}, f32, -2.0, 3.0).to_vector<float>();
  EXPECT_NEAR(Mean(v), 0.5, 0.03);
  EXPECT_NEAR(Variance(v), 25.0 / 12, 0.05);
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2.0f);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 3.0f);
}

TEST(RandomTest, NormalMoments) {
  for (DType dtype : {f32, f64}) {
    const std::vector<double> z =
        random::normal(random::key(3), {100000}, dtype).to_vector<double>();
    EXPECT_NEAR(Mean(z), 0.0, 0.015) << DTypeName(dtype);
    EXPECT_NEAR(Variance(z), 1.0, 0.02) << DTypeName(dtype);
    int within_one = 0;
    for (double x : z) within_one += std::fabs(x) < 1;
    EXPECT_NEAR(within_one / 100000.0, 0.6826895, 0.005) << DTypeName(dtype);
  }
}

TEST(RandomTest, GumbelMoments) {
  // Gumbel(0, 1): mean = Euler-Mascheroni gamma, variance = pi^2 / 6.
  const std::vector<float> g = random::gumbel(random::key(4), {100000}).to_vector<float>();
  EXPECT_NEAR(Mean(g), 0.5772157, 0.02);
  EXPECT_NEAR(Variance(g), std::numbers::pi * std::numbers::pi / 6, 0.05);
}

TEST(RandomTest, BernoulliFrequency) {
  const Tensor b = random::bernoulli(random::key(5), 0.3, {100000});
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_NEAR(Mean(b.to_vector<double>()), 0.3, 0.005);
  const std::vector<bool> never = random::bernoulli(random::key(5), 0.0, {1000}).to_vector<bool>();
  EXPECT_EQ(std::count(never.begin(), never.end(), true), 0);
  const std::vector<bool> always = random::bernoulli(random::key(5), 1.0, {1000}).to_vector<bool>();
  EXPECT_EQ(std::count(always.begin(), always.end(), false), 0);
}

// Frequencies of each class among samples, against softmax(logits).
void ExpectSoftmaxFrequencies(const std::vector<int32_t>& samples,
                              const std::vector<double>& logits, double tol) {
  std::vector<double> p(logits.size());
  double total = 0;
  for (size_t k = 0; k < p.size(); ++k) total += p[k] = std::exp(logits[k]);
  std::vector<double> count(p.size(), 0);
  for (int32_t s : samples) {
    ASSERT_GE(s, 0);
    ASSERT_LT(s, static_cast<int32_t>(p.size()));
    ++count[s];
  }
  for (size_t k = 0; k < p.size(); ++k) {
    EXPECT_NEAR(count[k] / samples.size(), p[k] / total, tol) << "class " << k;
  }
}

TEST(RandomTest, CategoricalFrequenciesFollowSoftmax) {
  const std::vector<double> logits = {0.0, 1.0, 2.0, -1.0};
  const int64_t rows = 50000;
  std::vector<double> tiled;
  for (int64_t r = 0; r < rows; ++r) tiled.insert(tiled.end(), logits.begin(), logits.end());
  for (DType dtype : {f32, f64}) {
    const Tensor s = random::categorical(random::key(6), tensor(tiled, {rows, 4}, dtype));
    EXPECT_EQ(s.dtype(), i32);
    EXPECT_EQ(s.shape(), (Shape{rows}));
    ExpectSoftmaxFrequencies(s.to_vector<int32_t>(), logits, 0.01);
  }
}

TEST(RandomTest, CategoricalAlongAxisZero) {
  // logits[k][r] = logit k for every column r: axis 0 holds the categories.
  const std::vector<double> logits = {0.5, -0.5, 1.5};
  const int64_t cols = 50000;
  std::vector<double> data;
  for (double l : logits) data.insert(data.end(), cols, l);
  const Tensor s = random::categorical(random::key(7), tensor(data, {3, cols}), 0);
  EXPECT_EQ(s.shape(), (Shape{cols}));
  ExpectSoftmaxFrequencies(s.to_vector<int32_t>(), logits, 0.01);
}

TEST(RandomTest, CategoricalIsGumbelMax) {
  // JAX: argmax(gumbel(key, logits.shape) + logits, axis).
  const Key k = random::key(8);
  const std::vector<float> logits = {0.1f, -0.3f, 0.2f, 1.0f, 0.0f, -2.0f};
  const std::vector<float> g = random::gumbel(k, {2, 3}).to_vector<float>();
  const std::vector<int32_t> s =
      random::categorical(k, from_vector(logits, {2, 3})).to_vector<int32_t>();
  for (int r = 0; r < 2; ++r) {
    int best = 0;
    for (int c = 1; c < 3; ++c) {
      if (g[3 * r + c] + logits[3 * r + c] > g[3 * r + best] + logits[3 * r + best]) best = c;
    }
    EXPECT_EQ(s[r], best) << "row " << r;
  }
}

void ExpectPermutation(const std::vector<int32_t>& p, int64_t n) {
  std::vector<int32_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int32_t> iota(n);
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);
}

TEST(RandomTest, PermutationIsAPermutation) {
  // 1000 takes one sort round, 5000 two (ceil(3 ln n / ln(2^32 - 1))).
  for (int64_t n : {0, 1, 2, 10, 1000, 5000}) {
    const Tensor p = random::permutation(random::key(9), n);
    EXPECT_EQ(p.dtype(), i32);
    EXPECT_EQ(p.shape(), (Shape{n}));
    ExpectPermutation(p.to_vector<int32_t>(), n);
  }
  EXPECT_NE(random::permutation(random::key(1), 1000).to_vector<int32_t>(),
            random::permutation(random::key(2), 1000).to_vector<int32_t>());
  const std::vector<int32_t> p = random::permutation(random::key(3), 1000).to_vector<int32_t>();
  int fixed = 0;
  for (int i = 0; i < 1000; ++i) fixed += p[i] == i;
  EXPECT_LT(fixed, 10);  // About one fixed point expected.
}

TEST(RandomTest, PermutationOfTenMatchesThreefryShuffle) {
  // Nx.Random.shuffle (Elixir Nx's port of JAX's threefry and sort-based shuffle) publishes
  // this order of 0..9 for key 0.
  EXPECT_EQ(random::permutation(random::key(0), 10).to_vector<int32_t>(),
            (std::vector<int32_t>{2, 7, 9, 6, 0, 8, 1, 3, 4, 5}));
}

// --- erfinv. ---

TEST(RandomTest, XlaErfInvInvertsErf) {
  std::vector<double> us;
  for (int i = -999; i <= 999; ++i) us.push_back(i / 1000.0);
  const std::vector<float> f32s =
      random::internal::XlaErfInv(astype(from_vector(us, {1999}), f32)).to_vector<float>();
  const std::vector<double> f64s =
      random::internal::XlaErfInv(from_vector(us, {1999})).to_vector<double>();
  for (size_t i = 0; i < us.size(); ++i) {
    EXPECT_NEAR(std::erf(f32s[i]), us[i], 1e-6) << us[i];
    EXPECT_NEAR(std::erf(f64s[i]), us[i], 1e-14) << us[i];
  }
  // Near +-1 (w >= 5 in f32, w >= 16 in f64), odd symmetry and the end points.
  const std::vector<float> near = {0.999f, 0.99999f, 0.9999999f, -0.999f, -0.99999f, -0.9999999f};
  const std::vector<float> x =
      random::internal::XlaErfInv(from_vector(near, {6})).to_vector<float>();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(std::erf(x[i]), near[i], 1e-7) << near[i];
    EXPECT_EQ(x[i + 3], -x[i]);
  }
  const std::vector<double> tail = {1 - 1e-6, 1 - 1e-9};
  const std::vector<double> y =
      random::internal::XlaErfInv(from_vector(tail, {2})).to_vector<double>();
  for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(std::erfc(y[i]), 1 - tail[i], 1e-6 * (1 - tail[i]));
  EXPECT_EQ(random::internal::XlaErfInv(from_vector<float>({1.0f, 0.0f}, {2})).to_vector<float>(),
            (std::vector<float>{FLT_MAX, 0.0f}));
  EXPECT_EQ(random::internal::XlaErfInv(from_vector<double>({-1.0}, {})).item<double>(), -DBL_MAX);
}

// --- Keys trace: jit, vmap, scan and grad take them. ---

TEST(RandomTest, JittedSamplersEqualEager) {
  // A training step's draws from a traced key: the same numbers as eagerly.
  const auto draws = [](const Key& key) {
    const auto [a, b, c] = random::split<3>(key);
    return std::vector<Tensor>{random::uniform(a, {5}, f32, -2.0, 3.0),
                               random::normal(b, {2, 3}, f64),
                               random::bernoulli(c, 0.4, {7}),
                               random::permutation(c, 9),
                               random::gumbel(a, {4}),
                               random::fold_in(a, 3).data(),
                               random::bits(b, {3}),
                               random::bits(c, {5}, u8),
                               random::randint(a, {6}, -4, 9),
                               random::randint(b, {4}, -5, int64_t{1} << 50, i64),
                               random::truncated_normal(b, -0.5, 1.5, {4}),
                               random::laplace(c, {3}, f64),
                               random::choice(a, 5, {3}, false, ones({5}))};
  };
  const Key k = random::key(11);
  const std::vector<Tensor> eager = draws(k), jitted = jit(draws)(k);
  ASSERT_EQ(jitted.size(), eager.size());
  for (size_t i = 0; i < eager.size(); ++i) {
    EXPECT_EQ(jitted[i].aval(), eager[i].aval()) << i;
    EXPECT_EQ(jitted[i].to_vector<double>(), eager[i].to_vector<double>()) << i;
  }
}

TEST(RandomTest, VmapOverAKeyArrayDrawsPerKey) {
  const Key keys = random::split(random::key(12), 4);
  const Tensor u = vmap([](const Key& k) { return random::uniform(k, {3}); })(keys);
  EXPECT_EQ(u.shape(), (Shape{4, 3}));
  const Tensor n = vmap([](const Key& k) { return random::normal(k, {2}); })(keys);
  const Key sub = vmap([](const Key& k) { return random::split(k, 2); })(keys);
  EXPECT_EQ(sub.shape(), (Shape{4, 2}));
  const auto wide = [](const Key& k) { return random::randint(k, {3}, -7, int64_t{1} << 45, i64); };
  const Tensor r = vmap(wide)(keys);
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(u[i].to_vector<float>(), random::uniform(keys[i], {3}).to_vector<float>()) << i;
    EXPECT_EQ(n[i].to_vector<float>(), random::normal(keys[i], {2}).to_vector<float>()) << i;
    EXPECT_EQ(r[i].to_vector<int64_t>(), wide(keys[i]).to_vector<int64_t>()) << i;
    EXPECT_EQ(Data(sub[i][1]), Data(random::split(keys[i], 2)[1])) << i;
  }
  // The lanes differ: per-key streams, not one stream broadcast.
  EXPECT_NE(u[0].to_vector<float>(), u[1].to_vector<float>());
}

TEST(RandomTest, CategoricalOfTracedLogits) {
  const Key k = random::key(13);
  const Tensor logits = from_vector<float>({0.1f, -0.3f, 0.2f, 1.0f, 0.0f, -2.0f}, {2, 3});
  const Tensor eager = random::categorical(k, logits);
  EXPECT_EQ(
      jit([](const Key& key, const Tensor& l) { return random::categorical(key, l); })(k, logits)
          .to_vector<int32_t>(),
      eager.to_vector<int32_t>());
  // Under vmap over rows, each row is drawn from its own fold of the key.
  const Tensor rows = vmap([&](const Tensor& l, const Tensor& i) {
    return random::categorical(random::fold_in(k, i), l);
  })(logits, from_vector<int32_t>({0, 1}, {2}));
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(rows.to_vector<int32_t>()[r],
              random::categorical(random::fold_in(k, r), logits[r]).item<int32_t>());
  }
}

TEST(RandomTest, ScanCarriesTheKey) {
  // key, sub = split(key) per step inside scan equals the C++ loop of the same splits.
  const auto [last, draws] = scan(
      [](const Key& key, const Tensor&) {
        const auto [next, sub] = random::split<2>(key);
        return std::pair{next, random::normal(sub, {})};
      },
      random::key(12), zeros({3}));
  Key key = random::key(12);
  std::vector<float> expected;
  for (int i = 0; i < 3; ++i) {
    const auto [next, sub] = random::split<2>(key);
    expected.push_back(random::normal(sub, {}).item<float>());
    key = next;
  }
  EXPECT_EQ(draws.to_vector<float>(), expected);
  EXPECT_EQ(Data(last), Data(key));
}

TEST(RandomTest, GradThroughFixedNoiseIsTheNoise) {
  // d/dx sum(x * noise) = noise: the key is closed over; the draws carry no derivative.
  const Key k = random::key(14);
  const auto f = [&](const Tensor& x) { return sum(x * random::normal(k, {4})); };
  const std::vector<float> noise = random::normal(k, {4}).to_vector<float>();
  EXPECT_EQ(grad(f)(zeros({4})).to_vector<float>(), noise);
  EXPECT_EQ(jit(grad(f))(ones({4})).to_vector<float>(), noise);
}

TEST(RandomTest, SamplersRunWhereTheKeyLives) {
  // The samplers' compiled programs are cached once per signature, whichever backend traced
  // them: a key committed to the other backend draws there, the same numbers.
  const Key k = random::key(15);
  const std::string here = default_device(), there = here == "cpu" ? "vulkan" : "cpu";
  const Tensor a = random::uniform(k, {5});
  const Key moved(device_put(k.data(), there));
  const Tensor b = random::uniform(moved, {5});
  EXPECT_EQ(device_of(a), here);
  EXPECT_EQ(device_of(b), there);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_EQ(device_of(random::split(moved, 3).data()), there);
  EXPECT_EQ(device_of(random::permutation(moved, 7)), there);
}

// --- Bad input. ---

TEST(RandomTest, RejectsBadInput) {
  const Key k = random::key(0);
  ExpectInvalid([&] { random::uniform(k, {3}, i32); },
                "uniform: dtype must be f16, bf16, f32 or f64, got i32");
  ExpectInvalid(
      [&] {
        random::uniform(k, {2, -1});
      },
      "uniform: negative dimension in shape [2,-1]");
  ExpectInvalid([&] { random::uniform(k, {3}, f32, 1.0, 1.0); }, "uniform: minval must be less");
  ExpectInvalid([&] { random::normal(k, {3}, bool_); },
                "normal: dtype must be f16, bf16, f32 or f64, got bool");
  ExpectInvalid([&] { random::normal(k, {-3}); }, "normal: negative dimension");
  ExpectInvalid([&] { random::gumbel(k, {3}, i32); }, "gumbel: dtype");
  ExpectInvalid([&] { random::bernoulli(k, 1.5, {3}); }, "bernoulli: p must be in [0, 1], got 1.5");
  ExpectInvalid([&] { random::bernoulli(k, -0.1, {3}); }, "bernoulli: p");
  ExpectInvalid([&] { random::bernoulli(k, 0.5, {-1}); }, "bernoulli: negative dimension");
  ExpectInvalid([&] { random::split(k, -1); }, "split: n must be non-negative, got -1");
  ExpectInvalid([&] { random::bits(k, {-1}); }, "bits: negative dimension");
  ExpectInvalid([&] { random::bits(k, {2}, i32); }, "bits: dtype must be u8 or u32, got i32");
  ExpectInvalid([&] { random::randint(k, {2}, 0, 3, f32); },
                "randint: dtype must be i32, i64, u32 or u8, got f32");
  ExpectInvalid([&] { random::randint(k, {2}, 0, 3, bool_); }, "randint: dtype must be");
  ExpectInvalid([&] { random::truncated_normal(k, 1.0, 1.0, {2}); },
                "truncated_normal: lower must be less than upper");
  ExpectInvalid([&] { random::exponential(k, {2}, i32); },
                "exponential: dtype must be f16, bf16, f32 or f64, got i32");
  ExpectInvalid([&] { random::cauchy(k, {-2}); }, "cauchy: negative dimension");
  ExpectInvalid([&] { random::rademacher(k, {2}, bool_); }, "rademacher: dtype must be numeric");
  ExpectInvalid([&] { random::choice(k, 3, {4}, false); },
                "choice: cannot take 4 samples from 3 without replacement");
  ExpectInvalid([&] { random::choice(k, 0, {1}); }, "choice: n must be positive");
  ExpectInvalid([&] { random::choice(k, 3, {2}, true, ones({4})); },
                "choice: p must be f32 or f64 of shape [3], got f32[4]");
  ExpectInvalid([&] { random::choice(k, scalar(1.0), {2}); }, "choice: a must have rank >= 1");
  ExpectInvalid([&] { random::gamma(k, scalar(true, bool_)); },
                "gamma: a must be a numeric tensor, got bool[]");
  ExpectInvalid([&] { random::gamma(k, ones({3}), Shape{2}); },
                "gamma: shapes [2] and [3] do not broadcast");
  ExpectInvalid([&] { random::beta(k, ones({2}), ones({3})); },
                "beta: shapes [2] and [3] do not broadcast");
  ExpectInvalid([&] { random::dirichlet(k, scalar(1.0)); },
                "dirichlet: alpha must have rank >= 1, got f32[]");
  ExpectInvalid([&] { random::gamma(k, scalar(1.0), Shape{2}, i32); },
                "gamma: dtype must be f32 or f64, got i32");
  ExpectInvalid([&] { random::multivariate_normal(k, ones({2}), eye(3)); },
                "multivariate_normal: cov must be [..., 2, 2] for mean f32[2], got f32[3,3]");
  ExpectInvalid([&] { random::permutation(k, scalar(1.0)); }, "permutation: x must have rank >= 1");
  ExpectInvalid(
      [&] {
        random::permutation(k, ones({2, 3}), 2);
      },
      "permutation: axis 2 out of range for rank 2");
  ExpectInvalid([&] { random::uniform(random::split(k, 3), {2}); },
                "uniform: expected a single key, got a key array of shape [3]");
  ExpectInvalid([&] { random::split(random::split(k, 2), 2); }, "split: expected a single key");
  ExpectInvalid([&] { random::normal(Key(), {2}); }, "normal: the key is undefined");
  ExpectInvalid([&] { Key(zeros({2})); }, "Key: key data must be u32[..., 2], got f32[2]");
  ExpectInvalid([&] { Key(zeros({3}, u32)); }, "Key: key data must be u32[..., 2], got u32[3]");
  ExpectInvalid([&] { k[0]; }, "Key: cannot index a single key");
  ExpectInvalid([&] { random::key(scalar(1.0)); },
                "key: the seed must be an integer scalar, got f32[]");
  ExpectInvalid([&] { random::fold_in(k, zeros({2}, i32)); },
                "fold_in: data must be an integer scalar, got i32[2]");
  ExpectInvalid([&] { random::threefry2x32(k, zeros({2}, u32), zeros({3}, u32)); },
                "threefry2x32: the counters must be u32 of one shape, got u32[2] and u32[3]");
  ExpectInvalid([&] { random::permutation(k, -1); }, "permutation: n must be in");
  ExpectInvalid(
      [&] {
        random::categorical(k, tensor({1, 2}, {2}, i32));
      },
      "categorical: logits must be f32 or f64, got i32[2]");
  ExpectInvalid([&] { random::categorical(k, scalar(1.0)); },
                "categorical: logits must have rank >= 1, got f32[]");
  ExpectInvalid(
      [&] {
        random::categorical(k, tensor({1, 2}, {2}), 1);
      },
      "categorical: axis 1 out of range for rank 1");
  ExpectInvalid([&] { random::categorical(k, zeros({2, 0})); }, "categorical: axis -1");
}

}  // namespace
}  // namespace cotangent
