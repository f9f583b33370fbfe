// File: tests/cotangent/special_test.cc
// cotangent/special.h against the C library's functions in f64 (a few ulp, across tiny, unit
// and huge arguments, where a naive formula would overflow or cancel), their derivatives
// against the closed forms (finite where the true derivative is, through the double-where
// branches), sinc's derivatives at 0, logaddexp's infinities, and f32 dtype rules.

#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double F(const std::function<Tensor(const Tensor&)>& f, double x) {
  return f(scalar(x, f64)).item<double>();
}
double pi_() { return std::numbers::pi; }

double D(const std::function<Tensor(const Tensor&)>& f, double x) {
  return grad(f)(scalar(x, f64)).item<double>();
}

void ExpectUlps(double got, double want, double ulps, const char* what, double x) {
  const double tol = ulps * std::numeric_limits<double>::epsilon() * std::fabs(want);
  EXPECT_NEAR(got, want, tol) << what << "(" << x << ")";
}

TEST(SpecialTest, ValuesMatchTheCLibraryInF64) {
  struct Case {
    const char* name;
    Tensor (*f)(const Tensor&);
    double (*ref)(double);
    std::vector<double> xs;
  };
  const std::vector<double> wide = {-1e300, -1e20, -3.5, -1, -1e-10, 0,    1e-300,
                                    1e-10,  0.5,   2,    30, 1e20,   1e300};
  const std::vector<Case> cases = {
      {"sinh", sinh, [](double x) { return std::sinh(x); }, {-700, -3, -1e-9, 0, 0.3, 5, 700}},
      {"cosh", cosh, [](double x) { return std::cosh(x); }, {-700, -3, 0, 1e-9, 0.3, 5, 700}},
      {"tan", tan, [](double x) { return std::tan(x); }, {-1.5, -0.5, 0, 1e-9, 0.7, 1.5}},
      {"asinh", asinh, [](double x) { return std::asinh(x); }, wide},
      {"acosh", acosh, [](double x) { return std::acosh(x); }, {1, 1 + 1e-12, 1.5, 1e20, 1e300}},
      {"atanh", atanh, [](double x) { return std::atanh(x); }, {-0.999, -0.5, -1e-12, 0, 0.9}},
      {"log2", log2, [](double x) { return std::log2(x); }, {1e-300, 0.1, 1, 3, 1024, 1e300}},
      {"log10", log10, [](double x) { return std::log10(x); }, {1e-300, 0.1, 1, 3, 1e300}},
      {"exp2", exp2, [](double x) { return std::exp2(x); }, {-1000, -3.5, 0, 0.5, 10, 1000}},
      {"cbrt", cbrt, [](double x) { return std::cbrt(x); }, {-1e300, -8, -1e-9, 0, 27, 1e300}},
      {"rsqrt", rsqrt, [](double x) { return 1 / std::sqrt(x); }, {1e-300, 0.25, 1, 4, 1e300}},
      {"asin", asin, [](double x) { return std::asin(x); }, {-1, -0.7, -1e-300, 0, 0.3, 0.99, 1}},
      {"acos", acos, [](double x) { return std::acos(x); }, {-1, -0.7, 0, 0.3, 0.99, 1}},
      {"atan", atan, [](double x) { return std::atan(x); }, wide},
      {"erf", erf, [](double x) { return std::erf(x); }, {-7, -1, -1e-300, 0, 0.3, 0.9, 2, 5.9}},
      {"erfc", erfc, [](double x) { return std::erfc(x); }, {-7, -1, 0, 0.3, 0.9, 2, 5, 26}},
  };
  for (const Case& c : cases) {
    for (double x : c.xs) ExpectUlps(F(c.f, x), c.ref(x), 8, c.name, x);
  }
  EXPECT_TRUE(std::isnan(F(acosh, 0.5)));
  EXPECT_EQ(F(atanh, 1), kInf);
  EXPECT_EQ(F(cbrt, -8), -2.0);
}

// erfinv against erf: erf(erfinv(y)) = y to a few ulps where |y| <= 1/2, and erfc(erfinv(y)) =
// 1 - y beyond (the only well-conditioned statements near 1, where y's rounding dominates x);
// the values JAX's and scipy's documentation give; f32 results bracketed by erf in f64.
TEST(SpecialTest, ErfinvInvertsErf) {
  for (double x : {-5.5, -2.0, -0.7, -0.3, -1e-8, 0.0, 1e-300, 0.25, 0.45, 0.9, 1.7, 3.1, 5.8}) {
    const double y = std::erf(x), got = F(erfinv, y);
    if (std::fabs(y) <= 0.5) {
      ExpectUlps(std::erf(got), y, 4, "erf(erfinv)", y);
    } else {
      ExpectUlps(std::erfc(std::fabs(got)), 1 - std::fabs(y), 8, "erfc(erfinv)", y);
    }
  }
  EXPECT_NEAR(F(erfinv, 0.5), 0.47693627620446987, 1e-16);
  EXPECT_EQ(F(erfinv, 1), kInf);
  EXPECT_EQ(F(erfinv, -1), -kInf);
  EXPECT_TRUE(std::isnan(F(erfinv, 1.5)));
  const std::vector<float> ys = {-0.999f, -0.5f, 0.0f, 0.3f, 0.99999f};
  const std::vector<float> got =
      erfinv(tensor({ys.begin(), ys.end()}, {5}, f32)).to_vector<float>();
  for (size_t i = 0; i < ys.size(); ++i) {  // erf of the floats on either side brackets y
    EXPECT_LE(std::erf(std::nextafter(got[i], -INFINITY)), ys[i]) << ys[i];
    EXPECT_GE(std::erf(std::nextafter(got[i], INFINITY)), ys[i]) << ys[i];
  }
}

// lgamma against the C library; digamma, polygamma and zeta against their closed forms at
// rational points (psi(1) = -gamma, psi(1/2) = -gamma - 2 log 2, zeta(2, 1) = pi^2/6, ...).
TEST(SpecialTest, GammaFamilyValues) {
  for (double x : {1e-300, 1e-8, 0.3, 0.5, 1.5, 2.5, 7.0, 33.3, 1e5, 1e300, -0.5, -2.7, -30.25}) {
    const double want = std::lgamma(x);
    EXPECT_NEAR(F(lgamma, x), want,
                16 * std::numeric_limits<double>::epsilon() * (1 + std::fabs(want)))
        << "lgamma(" << x << ")";
  }
  EXPECT_EQ(F(lgamma, -3.0), kInf);
  EXPECT_EQ(F(lgamma, 0.0), kInf);
  const double gamma = 0.57721566490153286, pi = std::numbers::pi;
  const std::vector<std::pair<double, double>> psi = {{1, -gamma},
                                                      {0.5, -gamma - 2 * std::numbers::ln2},
                                                      {10, 2.2517525890667211},
                                                      {-0.5, 0.036489973978576520},
                                                      {1e-8, -1e8 - gamma},
                                                      {1e10, 23.025850929890457}};
  for (const auto& [x, want] : psi) {
    EXPECT_NEAR(F(digamma, x), want,
                8 * std::numeric_limits<double>::epsilon() * (1 + std::fabs(want)))
        << "digamma(" << x << ")";
  }
  EXPECT_TRUE(std::isnan(F(digamma, -2.0)));
  const auto zeta_at = [](double s, double q) {
    return zeta(scalar(s, f64), scalar(q, f64)).item<double>();
  };
  ExpectUlps(zeta_at(2, 1), pi * pi / 6, 4, "zeta(2, .)", 1);
  ExpectUlps(zeta_at(3, 1), 1.2020569031595942, 4, "zeta(3, .)", 1);
  ExpectUlps(zeta_at(2, 0.5), pi * pi / 2, 4, "zeta(2, .)", 0.5);
  ExpectUlps(zeta_at(4, 2), 0.082323233711138191, 4, "zeta(4, .)", 2);  // zeta(4) - 1
  const auto polygamma_at = [](double n, double x) {
    return polygamma(scalar(n, f64), scalar(x, f64)).item<double>();
  };
  ExpectUlps(polygamma_at(1, 1), pi * pi / 6, 4, "polygamma(1, .)", 1);
  ExpectUlps(polygamma_at(2, 1), -2 * 1.2020569031595942, 4, "polygamma(2, .)", 1);
  ExpectUlps(polygamma_at(0, 0.5), -gamma - 2 * std::numbers::ln2, 4, "polygamma(0, .)", 0.5);
  EXPECT_TRUE(std::isnan(polygamma_at(1.5, 1)));
  // Derivatives: lgamma' = digamma, digamma' = polygamma(1, .), d zeta / dq = -s zeta(s + 1, q).
  ExpectUlps(D(lgamma, 1.0), -gamma, 8, "lgamma'", 1);
  ExpectUlps(D(digamma, 1.0), pi * pi / 6, 8, "digamma'", 1);
  ExpectUlps(D([](const Tensor& q) { return zeta(scalar(2.0, f64), q); }, 1.0),
             -2 * 1.2020569031595942, 8, "zeta'", 1);
  EXPECT_THAT(testing::ErrorOf([] {
                grad([](const Tensor& s) { return zeta(s, scalar(1.0, f64)); })(scalar(2.0, f64));
              }),
              ::testing::HasSubstr("zeta: not differentiable in s"));
}

// P(a, x) and Q(a, x) against closed forms across both methods (the series of P below
// x = max(1, a), the fraction of Q above): P(1, x) = 1 - e^-x, P(1/2, x) = erf(sqrt x), and for
// integer n, Q(n, x) = e^-x sum_{k<n} x^k / k! and P(n, x) = e^-x sum_{k>=n} x^k / k!, both
// sums of positive terms in long double. The error is relative to each value, tiny or not.
double Igamma(double a, double x) {
  return gammainc(scalar(a, f64), scalar(x, f64)).item<double>();
}
double Igammac(double a, double x) {
  return gammaincc(scalar(a, f64), scalar(x, f64)).item<double>();
}
void ExpectRelative(double got, double want, double tol, const char* what, double a, double x) {
  EXPECT_NEAR(got, want, tol * std::fabs(want)) << what << "(" << a << ", " << x << ")";
}
TEST(SpecialTest, IncompleteGammaMatchesClosedForms) {
  for (double x : {1e-4, 0.1, 0.5, 0.99, 1.01, 2.0, 5.0, 12.0, 30.0, 70.0}) {
    ExpectRelative(Igamma(1, x), -std::expm1(-x), 1e-14, "P", 1, x);
    ExpectRelative(Igammac(1, x), std::exp(-x), 1e-13, "Q", 1, x);
    ExpectRelative(Igamma(0.5, x), std::erf(std::sqrt(x)), 1e-14, "P", 0.5, x);
    ExpectRelative(Igammac(0.5, x), std::erfc(std::sqrt(x)), 1e-13, "Q", 0.5, x);
    for (int n : {3, 8, 25}) {
      long double term = std::exp(-static_cast<long double>(x)), below = 0, above = 0;
      for (int k = 0; k < n + 400; ++k) {
        (k < n ? below : above) += term;
        term *= x / (k + 1.0L);
      }
      ExpectRelative(Igammac(n, x), static_cast<double>(below), 1e-13, "Q", n, x);
      ExpectRelative(Igamma(n, x), static_cast<double>(above), 1e-13, "P", n, x);
    }
  }
  // P + Q = 1 on both sides of x = max(1, a).
  for (double a : {0.01, 0.7, 3.0, 40.0}) {
    for (double x : {0.05, 0.9, 2.5, 39.0, 41.0, 200.0}) {
      EXPECT_NEAR(Igamma(a, x) + Igammac(a, x), 1.0, 4e-16) << a << ", " << x;
    }
  }
  // The edges: P(a, 0) = 0, P(a, inf) = 1, P(0, x) = 1 (the limit), P(inf, x) = 0; NaN for a
  // negative a or x, at a = x = 0, at a = x = inf and for NaN.
  EXPECT_EQ(Igamma(2, 0), 0.0);
  EXPECT_EQ(Igammac(2, 0), 1.0);
  EXPECT_EQ(Igamma(2, kInf), 1.0);
  EXPECT_EQ(Igammac(2, kInf), 0.0);
  EXPECT_EQ(Igamma(0, 0.5), 1.0);
  EXPECT_EQ(Igammac(0, 0.5), 0.0);
  EXPECT_EQ(Igamma(kInf, 3), 0.0);
  EXPECT_EQ(Igammac(kInf, 3), 1.0);
  for (const auto& [a, x] : std::vector<std::pair<double, double>>{
           {-1, 2}, {2, -1}, {0, 0}, {kInf, kInf}, {std::nan(""), 1}, {1, std::nan("")}}) {
    EXPECT_TRUE(std::isnan(Igamma(a, x))) << a << ", " << x;
    EXPECT_TRUE(std::isnan(Igammac(a, x))) << a << ", " << x;
  }
  // f32 and the dtype rules of jax.scipy.special: integers become the default float.
  const Tensor p32 = gammainc(scalar(3.0f), scalar(2.0f));
  EXPECT_EQ(p32.dtype(), f32);
  EXPECT_NEAR(p32.item<float>(), 0.32332358f, 2e-7f);
  EXPECT_EQ(gammainc(scalar(3), scalar(2)).dtype(), f32);
}

// The derivatives: in x the Gamma(a) density x^(a-1) e^-x / Gamma(a); in a (igamma_grad_a)
// against central differences of P in f64; the derivative in a of a Gamma(a) draw at a fixed
// quantile u (random_gamma_grad) against central differences of the quantile, found by
// bisection on P(a, x) = u.
TEST(SpecialTest, IncompleteGammaDerivatives) {
  const std::vector<std::pair<double, double>> points = {
      {0.5, 0.2}, {2.0, 1.5}, {3.0, 8.0}, {10.0, 4.0}, {0.3, 5.0}, {25.0, 26.0}, {1.0, 0.0001}};
  for (const auto& [a, x] : points) {
    const double density = std::exp((a - 1) * std::log(x) - x - std::lgamma(a));
    const auto in_x = [a = a](const Tensor& t) { return gammainc(scalar(a, f64), t); };
    ExpectRelative(D(in_x, x), density, 1e-12, "dP/dx", a, x);
    const auto c_in_x = [a = a](const Tensor& t) { return gammaincc(scalar(a, f64), t); };
    ExpectRelative(D(c_in_x, x), -density, 1e-12, "dQ/dx", a, x);
    const double h = 1e-5 * a;
    const double central = (Igamma(a + h, x) - Igamma(a - h, x)) / (2 * h);
    const auto in_a = [x = x](const Tensor& t) { return gammainc(t, scalar(x, f64)); };
    ExpectRelative(D(in_a, a), central, 1e-7, "dP/da", a, x);
    const auto c_in_a = [x = x](const Tensor& t) { return gammaincc(t, scalar(x, f64)); };
    ExpectRelative(D(c_in_a, a), -central, 1e-7, "dQ/da", a, x);
  }
  // The quantile x(a) with P(a, x) = u, for a vector of (a, u), by 100 halvings of [0, 200].
  const auto quantile = [](const std::vector<double>& a, const std::vector<double>& u) {
    const int64_t n = a.size();
    const Tensor at = from_vector<double>(a, {n}), ut = from_vector<double>(u, {n});
    Tensor lo = zeros({n}, f64), hi = full({n}, 200.0, f64);
    for (int i = 0; i < 100; ++i) {
      const Tensor mid = (lo + hi) * 0.5;
      const Tensor below = gammainc(at, mid) < ut;
      lo = where(below, mid, lo);
      hi = where(below, hi, mid);
    }
    return ((lo + hi) * 0.5).to_vector<double>();
  };
  const std::vector<double> a = {0.2, 0.9, 1.5, 4.0, 12.0, 40.0};
  const std::vector<double> u = {0.3, 0.05, 0.5, 0.97, 0.6, 0.2};
  std::vector<double> up = a, down = a;
  for (size_t i = 0; i < a.size(); ++i) up[i] = a[i] * (1 + 1e-5), down[i] = a[i] * (1 - 1e-5);
  const std::vector<double> x = quantile(a, u), x_up = quantile(up, u), x_down = quantile(down, u);
  const std::vector<double> slope =
      lax::random_gamma_grad(from_vector<double>(a, {6}), from_vector<double>(x, {6}))
          .to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    const double want = (x_up[i] - x_down[i]) / (up[i] - down[i]);
    ExpectRelative(slope[i], want, 1e-6, "random_gamma_grad", a[i], x[i]);
  }
  // Neither igamma_grad_a nor random_gamma_grad has a derivative in a, so P has none of second
  // order in a: an Error naming the primitive, not a wrong number.
  EXPECT_THAT(
      testing::ErrorOf([] {
        grad(grad([](const Tensor& t) { return gammainc(t, scalar(2.0, f64)); }))(scalar(1.5, f64));
      }),
      ::testing::HasSubstr("igamma_grad_a: not differentiable in a"));
  EXPECT_THAT(testing::ErrorOf([] {
                grad([](const Tensor& t) { return lax::random_gamma_grad(t, scalar(2.0, f64)); })(
                    scalar(1.5, f64));
              }),
              ::testing::HasSubstr("random_gamma_grad: not differentiable in a"));
}

double Betainc(double a, double b, double x) {
  return betainc(scalar(a, f64), scalar(b, f64), scalar(x, f64)).item<double>();
}

// I_x(a, b) against its closed forms: x^a at b = 1, 1 - (1-x)^b at a = 1, (2/pi) asin(sqrt x)
// at a = b = 1/2, and for integers the binomial tail sum_{j >= a} C(a+b-1, j) x^j
// (1-x)^(a+b-1-j), on both sides of the switch at x = (a + 1) / (a + b + 2); the symmetry
// I_x(a, b) = 1 - I_{1-x}(b, a); JAX's edge values; f32. (tests/cotangent/
// special_mpmath_test.py has it against mpmath.)
TEST(SpecialTest, BetaincMatchesClosedForms) {
  for (double x : {1e-6, 0.05, 0.3, 0.5, 0.77, 0.95, 1 - 1e-6}) {
    for (double a : {0.3, 2.0, 7.5}) {
      ExpectRelative(Betainc(a, 1, x), std::pow(x, a), 1e-13, "I(a, 1)", a, x);
      ExpectRelative(Betainc(1, a, x), -std::expm1(a * std::log1p(-x)), 1e-13, "I(1, b)", a, x);
    }
    ExpectRelative(Betainc(0.5, 0.5, x), 2 / pi_() * std::asin(std::sqrt(x)), 1e-13, "I(1/2)", 0.5,
                   x);
    for (const auto& [a, b] : std::vector<std::pair<int, int>>{{2, 3}, {5, 2}, {12, 9}, {30, 4}}) {
      const int n = a + b - 1;
      long double tail = 0;
      for (int j = a; j <= n; ++j) {
        tail +=
            std::exp(std::lgamma(n + 1.0L) - std::lgamma(j + 1.0L) - std::lgamma(n - j + 1.0L)) *
            std::pow(static_cast<long double>(x), j) *
            std::pow(1.0L - static_cast<long double>(x), n - j);
      }
      if (tail > 1e-250) {
        ExpectRelative(Betainc(a, b, x), static_cast<double>(tail), 1e-12, "I(m, n)", a, x);
      }
      EXPECT_NEAR(Betainc(a, b, x) + Betainc(b, a, 1 - x), 1.0, 4e-16) << a << ", " << b;
    }
  }
  // The edges, as JAX's: 0 at x = 0 and 1 at x = 1; a = 0 (or b = inf) gives 1 for x > 0, b = 0
  // (or a = inf) 0 for x < 1; NaN for negative parameters, x outside [0, 1], a = b = 0 and NaN.
  EXPECT_EQ(Betainc(2, 3, 0), 0.0);
  EXPECT_EQ(Betainc(2, 3, 1), 1.0);
  EXPECT_EQ(Betainc(0, 3, 0.4), 1.0);
  EXPECT_EQ(Betainc(2, 0, 0.4), 0.0);
  EXPECT_EQ(Betainc(kInf, 3, 0.4), 0.0);
  EXPECT_EQ(Betainc(2, kInf, 0.4), 1.0);
  for (const auto& [a, b, x] :
       std::vector<std::tuple<double, double, double>>{{-1, 2, 0.5},
                                                       {2, -1, 0.5},
                                                       {2, 2, -0.1},
                                                       {2, 2, 1.1},
                                                       {0, 0, 0.5},
                                                       {std::nan(""), 1, 0.5}}) {
    EXPECT_TRUE(std::isnan(Betainc(a, b, x))) << a << ", " << b << ", " << x;
  }
  // Broadcasting, and jax.scipy.special's dtypes: integers become the default float.
  const Tensor v = betainc(scalar(2.0f), from_vector<float>({0.5f, 3.0f}, {2}), scalar(0.4f));
  EXPECT_EQ(v.dtype(), f32);
  EXPECT_EQ(v.shape(), (Shape{2}));
  EXPECT_NEAR(v.to_vector<float>()[0], 0.070483997f, 2e-8f);  // I_0.4(2, 1/2), mpmath's
  EXPECT_NEAR(v.to_vector<float>()[1], 0.5248f, 4e-7f);  // 6 (.4^2)(.6^2) + 4 (.4^3)(.6) + .4^4
  EXPECT_EQ(betainc(scalar(2), scalar(3), scalar(1)).dtype(), f32);
}

// The derivative in x is the Beta(a, b) density; jit, vmap and a Hessian agree with it; a
// derivative in a or b is an Error, as JAX's.
TEST(SpecialTest, BetaincDerivatives) {
  for (const auto& [a, b, x] : std::vector<std::tuple<double, double, double>>{
           {0.5, 0.5, 0.3}, {2.0, 3.0, 0.4}, {7.5, 1.2, 0.9}, {30.0, 40.0, 0.45}}) {
    const double density = std::exp((a - 1) * std::log(x) + (b - 1) * std::log1p(-x) -
                                    (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b)));
    const auto in_x = [a = a, b = b](const Tensor& t) {
      return betainc(scalar(a, f64), scalar(b, f64), t);
    };
    ExpectRelative(D(in_x, x), density, 1e-12, "dI/dx", a, x);
    const double h = 1e-6;
    ExpectRelative(D(in_x, x), (F(in_x, x + h) - F(in_x, x - h)) / (2 * h), 1e-7, "central", a, x);
    ExpectRelative(jit(grad(in_x))(scalar(x, f64)).item<double>(), density, 1e-12, "jit", a, x);
    const double slope = density * ((a - 1) / x - (b - 1) / (1 - x));
    ExpectRelative(grad(grad(in_x))(scalar(x, f64)).item<double>(), slope, 1e-10, "d2I/dx2", a, x);
  }
  const Tensor xs = from_vector<double>({0.1, 0.5, 0.8}, {3});
  const auto per_x = [](const Tensor& t) { return betainc(scalar(2.0, f64), scalar(3.0, f64), t); };
  const Tensor batched = vmap(grad(per_x))(xs);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(batched.to_vector<double>()[i], D(per_x, xs.to_vector<double>()[i]), 1e-14);
  }
  EXPECT_THAT(testing::ErrorOf([] {
                grad([](const Tensor& t) {
                  return betainc(t, scalar(3.0, f64), scalar(0.4, f64));
                })(scalar(2.0, f64));
              }),
              ::testing::HasSubstr("betainc: the derivative with respect to a is not implemented"));
  EXPECT_THAT(testing::ErrorOf([] {
                jvp([](const Tensor& t) { return betainc(scalar(2.0, f64), t, scalar(0.4, f64)); },
                    {scalar(3.0, f64)}, {scalar(1.0, f64)});
              }),
              ::testing::HasSubstr("betainc: the derivative with respect to b is not implemented"));
}

// i0e and i1e against libstdc++'s cyl_bessel_i in long double, and JAX's derivative rules
// (d i1e at 0 is 1/2).
TEST(SpecialTest, BesselI0eI1e) {
  for (double x : {-650.0, -9.0, -8.0, -1e-9, 0.0, 0.3, 7.99, 8.01, 30.0, 650.0}) {
    const long double a = std::fabs(static_cast<long double>(x));
    const double i0e_want = static_cast<double>(std::cyl_bessel_i(0.0L, a) * std::exp(-a));
    const double i1e_want = static_cast<double>(
        std::copysign(std::cyl_bessel_i(1.0L, a) * std::exp(-a), static_cast<long double>(x)));
    ExpectUlps(F(i0e, x), i0e_want, 16, "i0e", x);
    EXPECT_NEAR(F(i1e, x), i1e_want,
                16 * std::numeric_limits<double>::epsilon() * std::fabs(i1e_want) + 1e-300)
        << "i1e(" << x << ")";
    if (std::fabs(x) < 700)
      ExpectUlps(F(i0, x), static_cast<double>(std::cyl_bessel_i(0.0L, a)), 32, "i0", x);
  }
  EXPECT_EQ(F(i0e, kInf), 0.0);
  EXPECT_EQ(D(i1e, 0.0), 0.5);
  for (double x : {-3.0, 0.5, 9.0}) {
    ExpectUlps(D(i0e, x), F(i1e, x) - std::copysign(1.0, x) * F(i0e, x), 16, "i0e'", x);
  }
}

// lax.integer_pow: exact powers that keep the dtype, and its derivative n x^(n-1).
TEST(SpecialTest, IntegerPow) {
  const Tensor x = tensor({-3, -1, 0, 2, 5}, {5}, i32);
  EXPECT_THAT(integer_pow(x, 3).to_vector<double>(), ::testing::ElementsAre(-27, -1, 0, 8, 125));
  EXPECT_EQ(integer_pow(x, 3).dtype(), i32);
  EXPECT_THAT(integer_pow(x, 0).to_vector<double>(), ::testing::ElementsAre(1, 1, 1, 1, 1));
  EXPECT_EQ(F([](const Tensor& t) { return integer_pow(t, -2); }, 4.0), 1.0 / 16);
  EXPECT_EQ(D([](const Tensor& t) { return integer_pow(t, 7); }, -2.0), 7 * 64.0);
  EXPECT_THAT(testing::ErrorOf([&] { integer_pow(x, -1); }),
              ::testing::HasSubstr("integer_pow: negative exponent -1 of integer i32[5]"));
}

// lax.clamp's values and JAX's derivative rule: none at the ties.
TEST(SpecialTest, ClampAsLax) {
  const Tensor x = tensor({-2, 0, 0.5, 1, 3}, {5}, f64);
  const Tensor lo = scalar(0.0, f64), hi = scalar(1.0, f64);
  EXPECT_THAT(clamp(lo, x, hi).to_vector<double>(), ::testing::ElementsAre(0, 0, 0.5, 1, 1));
  const auto f = [](const Tensor& l, const Tensor& t, const Tensor& h) {
    return sum(clamp(l, t, h));
  };
  EXPECT_THAT(grad(f, 1)(lo, x, hi).to_vector<double>(), ::testing::ElementsAre(0, 0, 1, 0, 0));
  EXPECT_EQ(grad(f, 0)(lo, x, hi).item<double>(), 1);  // from x = -2
  EXPECT_EQ(grad(f, 2)(lo, x, hi).item<double>(), 1);  // from x = 3
}

// numpy's and lax's roundings, remainders and C99's atan2 special values.
TEST(SpecialTest, RoundingRemaindersAndAtan2AsNumpy) {
  const Tensor halves =
      tensor({0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 3.7, -3.7}, {8}, f64);
  EXPECT_THAT(round(halves).to_vector<double>(),
              ::testing::ElementsAre(0, 2, 2, -0.0, -2, 0, 4, -4));
  EXPECT_TRUE(std::signbit(round(halves).to_vector<double>()[3]));  // numpy: -0.0
  EXPECT_THAT(lax::round(halves).to_vector<double>(),
              ::testing::ElementsAre(1, 2, 3, -1, -3, 0, 4, -4));  // away from zero
  // numpy.round(1.2345, 2) = 1.23; -2.675 * 100 is -267.5 exactly, so half to even: -2.68.
  EXPECT_THAT(round(tensor({1.2345, -2.675}, {2}, f64), 2).to_vector<double>(),
              ::testing::ElementsAre(::testing::DoubleNear(1.23, 1e-15),
                                     ::testing::DoubleNear(-2.68, 1e-15)));
  EXPECT_THAT(ceil(tensor({-1.5, -0.2, 0.2, 2}, {4}, f64)).to_vector<double>(),
              ::testing::ElementsAre(-1, -0.0, 1, 2));
  EXPECT_THAT(trunc(tensor({-1.7, 1.7}, {2}, f64)).to_vector<double>(),
              ::testing::ElementsAre(-1, 1));
  // Integers and bools are already whole: jnp returns them as they are, in their dtype (an i64
  // past 2^53 too, which a round trip through a float would move).
  const Tensor wide = from_vector<int64_t>({(int64_t{1} << 53) + 1, -3}, {2});
  for (const Tensor& r : {floor(wide), ceil(wide), trunc(wide), round(wide), round(wide, 2)}) {
    EXPECT_EQ(r.dtype(), i64);
    EXPECT_THAT(r.to_vector<int64_t>(), ::testing::ElementsAre((int64_t{1} << 53) + 1, -3));
  }
  EXPECT_EQ(floor(from_vector<bool>({true}, {1})).dtype(), bool_);
  EXPECT_THAT(testing::ErrorOf([&] { round(wide, -1); }),
              ::testing::HasSubstr("round: decimals < 0 for integers is not supported (as in "
                                   "JAX), got -1 for i64[2]"));
  // f16 scaled in f32, as JAX: 2.674 in f16 is 2.673828125, times 100 is 267.3828125 in f32,
  // which rounds to 267; rounded to f16 first it would be 267.5, and half to even 268.
  const Tensor h = tensor({0.1245, 2.674}, {2}, f16);
  EXPECT_EQ(round(h, 2).dtype(), f16);
  EXPECT_THAT(round(h, 2).to_vector<double>(),
              ::testing::ElementsAre(static_cast<double>(float16(0.12)),
                                     static_cast<double>(float16(2.67))));
  const Tensor x = tensor({-7, 7, -7, 7, 5.5}, {5}, f64), y = tensor({3, -3, -3, 3, 2}, {5}, f64);
  EXPECT_THAT(fmod(x, y).to_vector<double>(), ::testing::ElementsAre(-1, 1, -1, 1, 1.5));
  EXPECT_THAT(remainder(x, y).to_vector<double>(), ::testing::ElementsAre(2, -2, -1, 1, 1.5));
  // fmod is exact however far apart the magnitudes: 1e300 mod 3 as the C library.
  EXPECT_EQ(F([](const Tensor& t) { return fmod(t, scalar(3.0, f64)); }, 1e300),
            std::fmod(1e300, 3.0));
  // i32: C's %, with XLA's x rem 0 = x and INT32_MIN rem -1 = 0.
  const Tensor xi = tensor({-7, 7, 7, -2147483648.0}, {4}, i32);
  const Tensor yi = tensor({3, -3, 0, -1}, {4}, i32);
  EXPECT_THAT(lax::rem(xi, yi).to_vector<double>(), ::testing::ElementsAre(-1, 1, 7, 0));
  EXPECT_THAT(remainder(xi, yi).to_vector<double>(), ::testing::ElementsAre(2, -2, 7, 0));
  const double pi = std::numbers::pi;
  const Tensor ys = tensor({0.0, -0.0, 0.0, -0.0, 1, -1, kInf, kInf, -kInf, 1, 1}, {11}, f64);
  const Tensor xs = tensor({1, 1, -1, -1, 0, 0, kInf, -kInf, 1, kInf, -kInf}, {11}, f64);
  EXPECT_THAT(atan2(ys, xs).to_vector<double>(),
              ::testing::ElementsAre(0.0, -0.0, pi, -pi, pi / 2, -pi / 2, pi / 4, 3 * pi / 4,
                                     -pi / 2, 0.0, pi));
  EXPECT_EQ(F([](const Tensor& t) { return nextafter(t, scalar(2.0, f64)); }, 1.0),
            1 + std::numeric_limits<double>::epsilon());
  EXPECT_EQ(F([](const Tensor& t) { return nextafter(t, scalar(-1.0, f64)); }, 1.0),
            1 - std::numeric_limits<double>::epsilon() / 2);
  EXPECT_EQ(nextafter(tensor({1}, {1}, f32), tensor({0}, {1}, f32)).to_vector<float>()[0],
            std::nextafter(1.0f, 0.0f));
}

TEST(SpecialTest, DerivativesMatchTheClosedForms) {
  for (double x : {-2.0, 0.0, 0.7}) {
    ExpectUlps(D(erf, x), 2 / std::sqrt(pi_()) * std::exp(-x * x), 8, "erf'", x);
    // exp(x^2) turns x's relative error into 2 x^2 times as much of its own.
    ExpectUlps(D(erfinv, std::erf(x)), std::sqrt(pi_()) / 2 * std::exp(x * x), 64, "erfinv'", x);
  }
  for (double x : {-0.9, 0.0, 0.5}) {
    ExpectUlps(D(asin, x), 1 / std::sqrt(1 - x * x), 8, "asin'", x);
    ExpectUlps(D(acos, x), -1 / std::sqrt(1 - x * x), 8, "acos'", x);
    ExpectUlps(D(atan, x), 1 / (1 + x * x), 8, "atan'", x);
  }
  for (double x : {-1e200, -2.0, -1e-8, 0.0, 0.5, 3.0, 1e200}) {
    ExpectUlps(D(asinh, x), 1 / std::hypot(1.0, x), 8, "asinh'", x);  // no NaN at 1e200
  }
  for (double x : {-3.0, -1e-8, 0.0, 0.5}) ExpectUlps(D(sinh, x), std::cosh(x), 8, "sinh'", x);
  for (double x : {1.5, 10.0, 1e200}) {
    ExpectUlps(D(acosh, x), 1 / (std::sqrt(x - 1) * std::sqrt(x + 1)), 8, "acosh'", x);
  }
  for (double x : {-0.9, 0.0, 0.5}) ExpectUlps(D(atanh, x), 1 / (1 - x * x), 8, "atanh'", x);
  for (double x : {-8.0, 0.001, 27.0}) {
    ExpectUlps(D(cbrt, x), std::pow(std::fabs(x), -2.0 / 3) / 3, 16, "cbrt'", x);
  }
  ExpectUlps(D(log2, 3.0), 1 / (3 * std::numbers::ln2), 8, "log2'", 3);
  ExpectUlps(D(exp2, 3.0), 8 * std::numbers::ln2, 8, "exp2'", 3);
  ExpectUlps(D(rsqrt, 4.0), -0.5 / 8, 8, "rsqrt'", 4);
}

TEST(SpecialTest, SincIsSmoothAtZero) {
  EXPECT_EQ(F(sinc, 0), 1.0);
  ExpectUlps(F(sinc, 0.5), 2 / std::numbers::pi, 4, "sinc", 0.5);
  EXPECT_NEAR(F(sinc, 1), 0, 1e-16);
  ExpectUlps(F(sinc, 0.003), std::sin(std::numbers::pi * 0.003) / (std::numbers::pi * 0.003), 4,
             "sinc", 0.003);
  EXPECT_EQ(D(sinc, 0), 0.0);
  const double second = grad(grad(sinc))(scalar(0.0, f64)).item<double>();
  EXPECT_NEAR(second, -std::numbers::pi * std::numbers::pi / 3, 1e-12);
  // On both sides of the switch to the series, the derivative is the closed form's.
  for (double x : {0.999e-2 / std::numbers::pi, 1.001e-2 / std::numbers::pi, 0.3}) {
    const double u = std::numbers::pi * x;
    const double want = (u * std::cos(u) - std::sin(u)) / (u * x);
    EXPECT_NEAR(D(sinc, x), want, 1e-10 * std::fabs(want)) << x;
  }
}

TEST(SpecialTest, LogaddexpAndHypotNeverOverflow) {
  const auto lae = [](double a, double b) {
    return logaddexp(scalar(a, f64), scalar(b, f64)).item<double>();
  };
  ExpectUlps(lae(1000, 1000), 1000 + std::numbers::ln2, 4, "logaddexp", 1000);
  ExpectUlps(lae(-1000, -1001), -1000 + std::log1p(std::exp(-1.0)), 4, "logaddexp", -1000);
  EXPECT_EQ(lae(-kInf, -kInf), -kInf);
  EXPECT_EQ(lae(kInf, kInf), kInf);
  EXPECT_EQ(lae(-kInf, 0), 0.0);
  // At a tie the derivative is 1/2 to each side.
  const Tensor g =
      grad([](const Tensor& a) { return logaddexp(a, scalar(2.0, f64)); })(scalar(2.0, f64));
  EXPECT_EQ(g.item<double>(), 0.5);
  const auto hyp = [](double a, double b) {
    return hypot(scalar(a, f64), scalar(b, f64)).item<double>();
  };
  ExpectUlps(hyp(1e300, 1e300), std::hypot(1e300, 1e300), 4, "hypot", 1e300);
  ExpectUlps(hyp(3e-300, 4e-300), 5e-300, 4, "hypot", 3e-300);
  ExpectUlps(hyp(-3, 4), 5, 4, "hypot", -3);
  EXPECT_EQ(hyp(0, 0), 0.0);
}

TEST(SpecialTest, DtypesFollowJaxNumpy) {
  EXPECT_EQ(sinh(arange(3)).dtype(), f32);
  EXPECT_EQ(logaddexp(ones({2}), ones({2}, f64)).dtype(), f64);
  EXPECT_NEAR(asinh(scalar(1e30f)).item<float>(), std::asinh(1e30f), 1e-5 * std::asinh(1e30f));
  EXPECT_TRUE(std::isfinite(hypot(scalar(2e38f), scalar(2e38f)).item<float>()));  // 2.8e38
}

}  // namespace
}  // namespace cotangent
