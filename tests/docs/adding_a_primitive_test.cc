// File: tests/docs/adding_a_primitive_test.cc
// The new rules docs/adding_a_primitive.md proposes (erf and atan2 are not primitives of the
// tree), compiled against the real rule signatures and helpers and checked against central
// differences of std::erf and std::atan2. The page's excerpts of existing code are checked
// against the sources themselves by tests/docs/doc_snippets_test.cc.

#include <cmath>
#include <numbers>
#include <vector>

#include "core/lax.h"
#include "core/rules.h"
#include "core/rules/helpers.h"
#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using rules::AddTangents;
using rules::Const;
using rules::ScaleTangent;
using Span = absl::Span<const Tensor>;

// d erf(x) = 2 / sqrt(pi) exp(-x^2) dx
Tensor ErfJvp(Span x, Span t, const Tensor&, const Params&) {
  const Tensor slope = lax::mul(Const(x[0], 2.0 / std::sqrt(std::numbers::pi)),
                                lax::exp(lax::neg(lax::mul(x[0], x[0]))));
  return lax::mul(t[0], slope);
}

// d atan2(a, b) = (b da - a db) / (a^2 + b^2), atan2(a, b) = arctan(a / b) as numpy's
Tensor Atan2Jvp(Span x, Span t, const Tensor&, const Params&) {
  const Tensor &a = x[0], &b = x[1];
  const Tensor denom = lax::add(lax::mul(a, a), lax::mul(b, b));
  return AddTangents(ScaleTangent(t[0], lax::div(b, denom)),
                     ScaleTangent(t[1], lax::neg(lax::div(a, denom))));
}

TEST(AddingAPrimitiveTest, ErfJvpIsTheDerivativeOfErf) {
  const std::vector<double> xs = {-1.5, -0.3, 0.0, 0.7, 2.0};
  const Tensor x = tensor(xs, {5}, f64), t = ones({5}, f64);
  const std::vector<double> got = ErfJvp({x}, {t}, Tensor(), Params{}).to_vector<double>();
  for (size_t i = 0; i < xs.size(); ++i) {
    const double h = 1e-6;
    EXPECT_NEAR(got[i], (std::erf(xs[i] + h) - std::erf(xs[i] - h)) / (2 * h), 1e-8);
  }
}

TEST(AddingAPrimitiveTest, Atan2JvpIsTheDerivativeOfAtan2) {
  const double y = 0.4, x = -1.3, h = 1e-6;
  const Tensor ty = scalar(y, f64), tx = scalar(x, f64), one = scalar(1.0, f64);
  const double d_dy = Atan2Jvp({ty, tx}, {one, Tensor()}, Tensor(), Params{}).item<double>();
  const double d_dx = Atan2Jvp({ty, tx}, {Tensor(), one}, Tensor(), Params{}).item<double>();
  EXPECT_NEAR(d_dy, (std::atan2(y + h, x) - std::atan2(y - h, x)) / (2 * h), 1e-8);
  EXPECT_NEAR(d_dx, (std::atan2(y, x + h) - std::atan2(y, x - h)) / (2 * h), 1e-8);
  // A symbolic-zero tangent on both sides is never passed to a rule; one side is enough.
  EXPECT_FALSE(ScaleTangent(Tensor(), one).defined());
}

}  // namespace
}  // namespace cotangent
