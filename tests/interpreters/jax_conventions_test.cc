// File: tests/interpreters/jax_conventions_test.cc
// Conventions where Cotangent follows JAX exactly, each checked against JAX's documented
// behaviour or its lax rules: pow's derivatives at y = 0 and x = 0, negative argnums, a scalar
// predicate in lax::select, and jacrev of an integer-valued function.

#include <cmath>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;

double D(const Tensor& x) { return x.item<double>(); }

TEST(JaxConventionsTest, PowMixedSecondDerivativeAtZeroExponentIsOneOverX) {
  // d/dy d/dx x^y = x^(y-1) (1 + y log x) = 1/x at y = 0 (jax.lax.pow's float-y rule).
  auto dfdx = [](Tensor x, Tensor y) { return grad([](Tensor a, Tensor b) { return pow(a, b); }, 0)(x, y); };
  const Tensor mixed = grad(dfdx, 1)(scalar(2.0, f64), scalar(0.0, f64));
  EXPECT_NEAR(D(mixed), 0.5, 1e-15);
  // The same from the Hessian of (x, y) -> x^y packed in one vector.
  const Tensor h = hessian([](Tensor v) { return pow(v[0], v[1]); })(tensor({2.0, 0.0}, {2}, f64));
  EXPECT_NEAR(h.to_vector<double>()[1], 0.5, 1e-15);
  EXPECT_NEAR(h.to_vector<double>()[2], 0.5, 1e-15);
}

TEST(JaxConventionsTest, PowDerivativesAtZeroBase) {
  auto dx = grad([](Tensor a, Tensor b) { return pow(a, b); }, 0);
  auto dy = grad([](Tensor a, Tensor b) { return pow(a, b); }, 1);
  const Tensor zero = scalar(0.0, f64);
  EXPECT_EQ(D(dx(zero, scalar(2.0, f64))), 0.0);   // 2 * 0^1
  EXPECT_EQ(D(dx(zero, scalar(1.0, f64))), 1.0);   // 1 * 0^0
  EXPECT_TRUE(std::isinf(D(dx(zero, scalar(0.5, f64)))));  // 0.5 * 0^-0.5
  EXPECT_TRUE(std::isnan(D(dx(zero, zero))));      // 0 * 0^-1 = 0 * inf, as JAX
  EXPECT_EQ(D(dy(zero, scalar(2.0, f64))), 0.0);   // log(0) read as 0
  EXPECT_EQ(D(dx(scalar(3.0, f64), zero)), 0.0);   // 0 * 3^-1
}

TEST(JaxConventionsTest, NegativeArgnumsCountFromTheEnd) {
  auto f = [](Tensor x, Tensor y) { return sum(x * x * y); };
  const Tensor x = tensor({1.0, 2.0}, {2}, f64), y = tensor({3.0, 5.0}, {2}, f64);
  EXPECT_EQ(grad(f, -1)(x, y).to_vector<double>(), grad(f, 1)(x, y).to_vector<double>());
  EXPECT_EQ(grad(f, -2)(x, y).to_vector<double>(), grad(f, 0)(x, y).to_vector<double>());
  const auto both = grad(f, {-1, 0})(x, y);
  EXPECT_EQ(both[0].to_vector<double>(), std::vector<double>({1, 4}));
  EXPECT_EQ(both[1].to_vector<double>(), std::vector<double>({6, 20}));
  EXPECT_EQ(value_and_grad(f, -1)(x, y).second.to_vector<double>(), std::vector<double>({1, 4}));
  EXPECT_THROW(grad(f, -3)(x, y), Error);
  EXPECT_THROW(grad(f, 2)(x, y), Error);
}

TEST(JaxConventionsTest, SelectTakesAScalarPredicate) {
  const Tensor a = tensor({1.0, 2.0, 3.0}, {3}, f64), b = tensor({4.0, 5.0, 6.0}, {3}, f64);
  EXPECT_EQ(lax::select(scalar(1.0, bool_), a, b).to_vector<double>(), a.to_vector<double>());
  EXPECT_EQ(lax::select(scalar(0.0, bool_), a, b).to_vector<double>(), b.to_vector<double>());
  // Under grad and vmap too.
  const Tensor g = grad([&](Tensor x) { return sum(lax::select(scalar(1.0, bool_), x * x, b)); })(a);
  EXPECT_EQ(g.to_vector<double>(), std::vector<double>({2, 4, 6}));
  const Tensor preds = tensor({1.0, 0.0}, {2}, bool_);
  const Tensor picked = vmap([&](Tensor p) { return lax::select(p, a, b); })(preds);
  EXPECT_EQ(picked.to_vector<double>(), std::vector<double>({1, 2, 3, 4, 5, 6}));
}

TEST(JaxConventionsTest, JacrevOfAnIntegerValuedFunctionIsAnError) {
  try {
    jacrev([](Tensor x) { return lax::convert_element_type(x, i32); })(ones({3}));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("jacrev: requires floating-point outputs"));
    EXPECT_THAT(e.what(), HasSubstr("i32[3]"));
  }
}

}  // namespace
}  // namespace cotangent
