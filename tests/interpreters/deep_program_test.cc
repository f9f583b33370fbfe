// File: tests/interpreters/deep_program_test.cc
// Long and wide programs: recording, differentiating and dropping a chain of 10^6 primitives
// works on the default 8 MiB stack (programs are destroyed iteratively, design.md), and a wide
// program's backward pass stays linear in its length.

#include <cmath>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

Tensor Chain(Tensor y, int n) {
  for (int i = 0; i < n; ++i) y = y * 1.0000001;
  return y;
}

TEST(DeepProgramTest, GradOfAMillionOpChainDoesNotOverflowTheStack) {
  constexpr int kOps = 1000000;
  const Tensor g = grad([](Tensor x) { return Chain(x, kOps); })(scalar(2.0, f64));
  EXPECT_NEAR(g.item<double>(), std::pow(1.0000001, kOps), 1e-6);
}

TEST(DeepProgramTest, DroppingALongPullbackDoesNotOverflowTheStack) {
  constexpr int kOps = 200000;
  {
    auto [y, pullback] = vjp([](Tensor x) { return Chain(x, kOps); }, scalar(1.0, f64));
    EXPECT_NEAR(pullback(scalar(1.0, f64))[0].item<double>(), std::pow(1.0000001, kOps), 1e-6);
  }  // the pullback and its program are destroyed here
}

TEST(DeepProgramTest, MakeJaxprOfALongChain) {
  constexpr int kOps = 200000;
  const std::string jaxpr = make_jaxpr([](Tensor x) { return Chain(x, kOps); })(scalar(1.0)).ToString();
  EXPECT_GT(jaxpr.size(), static_cast<size_t>(kOps));
}

TEST(DeepProgramTest, HessianOfALongChain) {
  constexpr int kOps = 20000;
  const Tensor h = hessian([](Tensor x) { return sum(Chain(x * x, kOps)); })(ones({2}, f64));
  const double c = std::pow(1.0000001, kOps);
  EXPECT_NEAR(h.to_vector<double>()[0], 2 * c, 1e-9);
  EXPECT_NEAR(h.to_vector<double>()[1], 0.0, 1e-12);
}

TEST(DeepProgramTest, WideProgramOfScalarTerms) {
  // sum_i x[i % 8]^2: 10^5 terms, the gradient is 2 x * (terms per element).
  constexpr int kTerms = 100000;
  const Tensor x = arange(8, f64);
  const Tensor g = grad([](Tensor x) {
    Tensor acc = scalar(0.0, f64);
    for (int i = 0; i < kTerms; ++i) acc = acc + x[i % 8] * x[i % 8];
    return acc;
  })(x);
  const std::vector<double> v = g.to_vector<double>();
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(v[i], 2.0 * i * (kTerms / 8), 1e-6);
}

}  // namespace
}  // namespace cotangent
