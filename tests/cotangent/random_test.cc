// File: tests/cotangent/random_test.cc
// cotangent::random against numbers JAX published (known answers, bit for bit), definitions
// read from JAX's source (fold_in, f64 bits), and statistics (moments, frequencies).

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
#include "cotangent/creation.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using random::Key;

std::string Str(const Key& k) {
  std::ostringstream os;
  os << k;
  return os.str();
}

template <typename T>
double Mean(const std::vector<T>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

template <typename T>
double Variance(const std::vector<T>& v) {
  const double m = Mean(v);
  double s = 0;
  for (T x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

// Expects that calling f throws cotangent::Error whose message contains `what`.
template <typename F>
void ExpectInvalid(F f, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing \"" << what << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

// --- Threefry and keys: bit-exact known answers. ---

TEST(RandomTest, ThreefryKnownAnswers) {
  // Random123's known-answer vectors for threefry2x32_20 (also in JAX's random_test.py).
  EXPECT_EQ(random::threefry2x32(Key{0x13198a2e, 0x03707344}, 0x243f6a88, 0x85a308d3),
            std::make_pair(0xc4923a9cu, 0x483df7a0u));
  EXPECT_EQ(random::threefry2x32(Key{0, 0}, 0, 0), std::make_pair(0x6b200159u, 0x99ba4efeu));
}

TEST(RandomTest, KeyFromSeedIsHighAndLowWords) {
  EXPECT_EQ(random::key(0), (Key{0, 0}));
  EXPECT_EQ(random::key(42), (Key{0, 42}));
  EXPECT_EQ(random::key((uint64_t{1} << 32) + 5), (Key{1, 5}));
}

TEST(RandomTest, KeyPrintsLikeNumpy) {
  EXPECT_EQ(Str(random::key(0)), "[0 0]");
  EXPECT_EQ(Str(random::key(42)), "[ 0 42]");
  EXPECT_EQ(Str(Key{2285895361, 1501764800}), "[2285895361 1501764800]");
}

TEST(RandomTest, SplitMatchesJax) {
  // jax.random.split(jax.random.PRNGKey(0), 4) with the classic threefry.
  const std::vector<Key> expected = {{2285895361, 1501764800},
                                     {1518642379, 4090693311},
                                     {433833334, 4221794875},
                                     {839183663, 3740430601}};
  EXPECT_EQ(random::split(random::key(0), 4), expected);
  EXPECT_TRUE(random::split(random::key(0), 0).empty());
}

TEST(RandomTest, TemplateSplitEqualsRuntimeSplit) {
  const Key k = random::key(7);
  const auto [a, b, c] = random::split<3>(k);
  EXPECT_EQ(random::split(k, 3), (std::vector<Key>{a, b, c}));
}

TEST(RandomTest, FoldInHashesZeroAndData) {
  // JAX: _threefry_fold_in(key, data) = threefry_2x32(key, threefry_seed(data)) and
  // threefry_seed(d) = [0, d], so the new key is the hash of the block (0, d).
  const Key k = random::key(0);
  const auto [hi, lo] = random::threefry2x32(k, 0, 1);
  EXPECT_EQ(random::fold_in(k, 1), (Key{hi, lo}));
  EXPECT_EQ(random::fold_in(k, 1), (Key{928981903, 3453687069}));
  EXPECT_NE(random::fold_in(k, 1), random::fold_in(k, 2));
}

TEST(RandomTest, BitsHashHalvesOfTheCounter) {
  // Classic random_bits: count 3 -> counters [0, 1, 2, pad 0] hashed as blocks (0, 2), (1, 0).
  const Key k = random::key(0);
  const std::vector<uint32_t> b = random::bits(k, 3);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], random::threefry2x32(k, 0, 2).first);
  EXPECT_EQ(b[2], random::threefry2x32(k, 0, 2).second);
  EXPECT_EQ(b[1], random::threefry2x32(k, 1, 0).first);
  EXPECT_TRUE(random::bits(k, 0).empty());
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
  EXPECT_EQ(random::normal(random::key(0), {3}).to_vector<float>(),
            (std::vector<float>{1.8160863f, -0.48262316f, 0.33988908f}));
  EXPECT_EQ(random::normal(random::key(0), {4}).to_vector<float>(),
            (std::vector<float>{1.8160863f, -0.75488514f, 0.33988908f, -0.53483534f}));
  EXPECT_EQ(random::normal(random::key(123), {3}).to_vector<float>(),
            (std::vector<float>{-0.1470326f, 0.5524756f, 1.648498f}));
  const Tensor z = random::normal(random::key(42), {});
  EXPECT_EQ(z.shape(), Shape{});
  EXPECT_EQ(z.item<float>(), -0.18471177f);
}

TEST(RandomTest, SplitLoopDrawsMatchJax) {
  // JAX's random-numbers tutorial: key = PRNGKey(12); 3 x {key, subkey = split(key);
  // print(normal(subkey))}, printed as Python floats.
  const double expected[3] = {0.735927939414978, 1.810187578201294, 0.11553369462490082};
  Key key = random::key(12);
  for (double want : expected) {
    const auto [next, subkey] = random::split<2>(key);
    EXPECT_EQ(static_cast<double>(random::normal(subkey, {}).item<float>()), want);
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
  EXPECT_EQ(w, (std::vector<float>{-0.36838785f, -2.275689f, 0.011447566f}));
  EXPECT_EQ(b, 0.8535516f);

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
  for (uint32_t i = 0; i < 6; ++i) {
    const auto [hi_word, lo_word] = random::threefry2x32(random::key(0), 0, i);
    const uint64_t word = (uint64_t{hi_word} << 32) | lo_word;
    const double f = std::bit_cast<double>((word >> 12) | 0x3FF0000000000000u) - 1.0;
    const double u = std::max(lo, f * (1.0 - lo) + lo);
    EXPECT_EQ(std::sqrt(2.0) * random::internal::ErfInv(u), expected[i]) << i;
  }
  // Our (classic) scalar f64 normal hashes the block (0, 1) into one 64-bit word: the same word
  // as the partitionable element 1 above.
  const Tensor z = random::normal(random::key(0), {}, f64);
  EXPECT_EQ(z.dtype(), f64);
  EXPECT_EQ(z.item<double>(), -0.7847657764467411);
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

TEST(RandomTest, ErfInvInvertsErf) {
  for (int i = -999; i <= 999; ++i) {
    const double u = i / 1000.0;
    EXPECT_NEAR(std::erf(random::internal::ErfInv(static_cast<float>(u))), u, 1e-6) << u;
    EXPECT_NEAR(std::erf(random::internal::ErfInv(u)), u, 1e-14) << u;
  }
  // Near +-1 (w >= 5 in f32, w >= 16 in f64).
  for (float u : {0.999f, 0.99999f, 0.9999999f}) {
    EXPECT_NEAR(std::erf(random::internal::ErfInv(u)), u, 1e-7) << u;
    EXPECT_EQ(random::internal::ErfInv(-u), -random::internal::ErfInv(u));
  }
  for (double u : {1 - 1e-6, 1 - 1e-9}) {
    EXPECT_NEAR(std::erfc(random::internal::ErfInv(u)), 1 - u, 1e-6 * (1 - u)) << u;
  }
  EXPECT_EQ(random::internal::ErfInv(1.0f), FLT_MAX);
  EXPECT_EQ(random::internal::ErfInv(-1.0), -DBL_MAX);
  EXPECT_EQ(random::internal::ErfInv(0.0f), 0.0f);
}

// --- Bad input. ---

TEST(RandomTest, RejectsBadInput) {
  const Key k = random::key(0);
  ExpectInvalid([&] { random::uniform(k, {3}, i32); },
                "uniform: dtype must be f32 or f64, got i32");
  ExpectInvalid([&] { random::uniform(k, {2, -1}); },
                "uniform: negative dimension in shape [2,-1]");
  ExpectInvalid([&] { random::uniform(k, {3}, f32, 1.0, 1.0); }, "uniform: minval must be less");
  ExpectInvalid([&] { random::normal(k, {3}, bool_); },
                "normal: dtype must be f32 or f64, got bool");
  ExpectInvalid([&] { random::normal(k, {-3}); }, "normal: negative dimension");
  ExpectInvalid([&] { random::gumbel(k, {3}, i32); }, "gumbel: dtype");
  ExpectInvalid([&] { random::bernoulli(k, 1.5, {3}); }, "bernoulli: p must be in [0, 1], got 1.5");
  ExpectInvalid([&] { random::bernoulli(k, -0.1, {3}); }, "bernoulli: p");
  ExpectInvalid([&] { random::bernoulli(k, 0.5, {-1}); }, "bernoulli: negative dimension");
  ExpectInvalid([&] { random::split(k, -1); }, "split: n must be non-negative, got -1");
  ExpectInvalid([&] { random::bits(k, -1); }, "bits: count must be non-negative");
  ExpectInvalid([&] { random::permutation(k, -1); }, "permutation: n must be in");
  ExpectInvalid([&] { random::categorical(k, tensor({1, 2}, {2}, i32)); },
                "categorical: logits must be f32 or f64, got i32[2]");
  ExpectInvalid([&] { random::categorical(k, scalar(1.0)); },
                "categorical: logits must have rank >= 1, got f32[]");
  ExpectInvalid([&] { random::categorical(k, tensor({1, 2}, {2}), 1); },
                "categorical: axis 1 out of range for rank 1");
  ExpectInvalid([&] { random::categorical(k, zeros({2, 0})); }, "categorical: axis -1");
}

}  // namespace
}  // namespace cotangent
