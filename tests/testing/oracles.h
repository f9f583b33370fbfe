// File: tests/testing/oracles.h
// Independent references for derivative tests: seeded random tensors, central finite
// differences in f64, inner products, and a closeness check that reports the worst element.

#ifndef COTANGENT_TESTS_TESTING_ORACLES_H_
#define COTANGENT_TESTS_TESTING_ORACLES_H_

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent::testing {

// The row-major multi-index of flat position `flat` in shape, and back.
inline std::vector<int64_t> Unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t a = shape.size(); a-- > 0;) {
    index[a] = flat % shape[a];
    flat /= shape[a];
  }
  return index;
}
inline int64_t Ravel(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t flat = 0;
  for (size_t a = 0; a < shape.size(); ++a) flat = flat * shape[a] + index[a];
  return flat;
}

// The message of the cotangent::Error f throws, or "no error" (which no expectation matches).
inline std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Uniform values in [lo, hi), reproducible from seed.
inline Tensor Random(const Shape& shape, uint32_t seed, double lo = -1.0, double hi = 1.0,
                     DType dtype = f64) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> values(NumElements(shape));
  for (double& v : values) v = dist(gen);
  return tensor(values, shape, dtype);
}

// sum(a * b) as a double.
inline double Inner(const Tensor& a, const Tensor& b) {
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  EXPECT_EQ(x.size(), y.size());
  double s = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) s += x[i] * y[i];
  return s;
}

// The directional derivative of f at x along v by central differences:
// (f(x + eps v) - f(x - eps v)) / (2 eps).
inline Tensor CentralDifference(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                                const Tensor& v, double eps = 1e-6) {
  return (f(x + eps * v) - f(x - eps * v)) / (2 * eps);
}

// Every element of actual within atol + rtol * |expected|; reports the worst one. Complex
// tensors compare part by part.
inline ::testing::AssertionResult AllClose(const Tensor& actual, const Tensor& expected,
                                           double rtol, double atol) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.aval().ToString() << " vs " << expected.aval().ToString();
  }
  if (IsComplex(actual.dtype()) || IsComplex(expected.dtype())) {  // both parts, each a column
    return AllClose(stack({real(actual), imag(actual)}, -1),
                    stack({real(expected), imag(expected)}, -1), rtol, atol);
  }
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double excess = std::fabs(a[i] - e[i]) - (atol + rtol * std::fabs(e[i]));
    if (!(excess <= worst)) {
      worst = std::isnan(excess) ? INFINITY : excess;
      at = i;
    }
  }
  if (worst > 0) {
    return ::testing::AssertionFailure()
           << "element " << at << ": " << a[at] << " vs expected " << e[at] << " (|diff| "
           << std::fabs(a[at] - e[at]) << ")\nactual:\n"
           << actual << "\nexpected:\n"
           << expected;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace cotangent::testing

#endif  // COTANGENT_TESTS_TESTING_ORACLES_H_
