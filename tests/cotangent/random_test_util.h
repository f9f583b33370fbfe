// File: tests/cotangent/random_test_util.h
// Helpers shared by random_test.cc (keys, Threefry, the direct samplers, transformations) and
// random_distributions_test.cc (the other samplers of jax.random): keys from words, the
// exactness of the backend's transcendentals, sample comparisons, moments and error checks.

#ifndef COTANGENT_TESTS_COTANGENT_RANDOM_TEST_UTIL_H_
#define COTANGENT_TESTS_COTANGENT_RANDOM_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent::random_testing {

using random::Key;

// A key from its two words.
inline Key KeyOf(uint32_t hi, uint32_t lo) {
  return Key(from_vector(std::vector<uint32_t>{hi, lo}, {2}));
}

inline std::vector<uint32_t> Words(std::vector<uint32_t> w) { return w; }

// A key's data, read back.
inline std::vector<uint32_t> Data(const Key& k) { return k.data().to_vector<uint32_t>(); }

// The cipher of one block.
inline std::pair<uint32_t, uint32_t> Hash(const Key& k, uint32_t x0, uint32_t x1) {
  const auto [y0, y1] =
      random::threefry2x32(k, from_vector<uint32_t>({x0}, {}), from_vector<uint32_t>({x1}, {}));
  return {y0.item<uint32_t>(), y1.item<uint32_t>()};
}

inline std::string Str(const Key& k) {
  std::ostringstream os;
  os << k;
  return os.str();
}

// Whether the backend under test computes log1p and sqrt as the host's libm does (the CPU
// backend): then normal reproduces JAX's published floats bit for bit; Vulkan's math library
// is within a few ulps (docs/vulkan.md), so are the samples.
inline bool ExactTranscendentals() {
  const char* backend = std::getenv("COTANGENT_BACKEND");
  return backend == nullptr || std::string(backend) == "cpu";
}

// actual equals expected exactly on the CPU, within 4 ulps elsewhere.
template <typename T>
inline void ExpectSamples(const Tensor& actual, const std::vector<T>& expected) {
  const std::vector<T> a = actual.to_vector<T>();
  ASSERT_EQ(a.size(), expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (ExactTranscendentals()) {
      EXPECT_EQ(a[i], expected[i]) << i;
    } else {
      EXPECT_NEAR(a[i], expected[i],
                  4 * std::numeric_limits<T>::epsilon() * std::max<T>(1, std::fabs(expected[i])))
          << i;
    }
  }
}

template <typename T>
inline double Mean(const std::vector<T>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

template <typename T>
inline double Variance(const std::vector<T>& v) {
  const double m = Mean(v);
  double s = 0;
  for (T x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

// The number of draws of a moment check: `cpu` on the CPU, an eighth elsewhere (Vulkan's draws
// are the CPU's to a few ulps, which the recomputation tests check; the moments check the
// algorithm, and lavapipe runs them slowly).
inline int64_t MomentDraws(int64_t cpu) { return ExactTranscendentals() ? cpu : cpu / 8; }

// The draws' mean and variance within z standard errors of `mean` and `var`, the errors
// estimated from the draws (their variance over n, and the variance of the squared deviations
// over n), so that the check holds at any number of draws.
inline void ExpectMoments(const std::vector<double>& x, double mean, double var,
                          const std::string& what, double z = 6) {
  const double n = static_cast<double>(x.size()), m = Mean(x), v = Variance(x);
  double spread = 0;
  for (double e : x) spread += ((e - m) * (e - m) - v) * ((e - m) * (e - m) - v);
  EXPECT_NEAR(m, mean, z * std::sqrt(v / n)) << what << ": mean";
  EXPECT_NEAR(v, var, z * std::sqrt(spread / n / n)) << what << ": variance";
}

// The fraction of draws for which pred holds within z standard errors of p.
template <typename Pred>
inline void ExpectFraction(const std::vector<double>& x, Pred pred, double p,
                           const std::string& what, double z = 6) {
  const double n = static_cast<double>(x.size());
  const double hits = static_cast<double>(std::count_if(x.begin(), x.end(), pred));
  EXPECT_NEAR(hits / n, p, z * std::sqrt(p * (1 - p) / n)) << what;
}

// Expects that calling f throws cotangent::Error whose message contains `what`.
template <typename F>
inline void ExpectInvalid(F f, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing \"" << what << "\"";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

}  // namespace cotangent::random_testing

#endif  // COTANGENT_TESTS_COTANGENT_RANDOM_TEST_UTIL_H_
