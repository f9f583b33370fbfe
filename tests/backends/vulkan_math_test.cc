// File: tests/backends/vulkan_math_test.cc
// Accuracy of the Vulkan backend's transcendentals (kernels/math_f64.glsl, math_f32.glsl,
// special_f64.glsl, special_f32.glsl)
// against the C library the CPU backend uses, in ulps, over wide ranges: exp, log, log1p,
// expm1, sin, cos (Payne-Hanek up to 1e300), tanh, sqrt, pow, atan2, erf, erfc, rem (fmod) and
// nextafter against the C library (zeta(s, 1) against std::riemann_zeta), and erf_inv and
// digamma against long-double references. Prints the worst error per
// function and dtype (the table in docs/vulkan.md) and bounds it.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/special_math.h"
#include "core/error.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent::vulkan_test {
namespace {

// Sample inputs: uniform in [lo, hi], or log-uniform magnitudes in [lo, hi] with both signs.
std::vector<double> Uniform(double lo, double hi, int n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}
std::vector<double> LogUniform(double lo, double hi, int n, uint32_t seed, bool both_signs) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(std::log(lo), std::log(hi));
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = std::exp(u(rng)) * (both_signs && i % 2 ? -1 : 1);
  return v;
}
std::vector<double> Join(std::vector<std::vector<double>> parts) {
  std::vector<double> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// Runs prim on Vulkan on x (and y) converted to dtype.
std::vector<double> OnVulkan(Primitive prim, DType dtype, const std::vector<double>& x,
                             const std::vector<double>* y) {
  const int64_t n = x.size();
  std::vector<Array> in;
  for (const std::vector<double>* v : {&x, y}) {
    if (v == nullptr) continue;
    in.push_back(CopyTo(cpu_test::Place(Host{{n}, *v}, dtype), Vulkan()));
  }
  const Array out = ValueOrThrow(Vulkan().Execute1(prim, in, {}, {{n}, dtype}));
  return FetchAny(out).v;
}

// |actual - expected| in units of the last place of expected (in dtype); NaN vs NaN and
// equal infinities are 0, a NaN or infinity mismatch is infinite.
template <typename T>
double UlpError(T actual, T expected) {
  if (std::isnan(expected) || std::isnan(actual)) {
    return std::isnan(expected) && std::isnan(actual) ? 0 : INFINITY;
  }
  if (actual == expected) return 0;
  if (std::isinf(expected) || std::isinf(actual)) return INFINITY;
  const T ae = std::abs(expected);
  const T ulp = std::nextafter(ae, std::numeric_limits<T>::infinity()) - ae;
  return std::abs(static_cast<double>(actual) - static_cast<double>(expected)) / ulp;
}

struct Report {
  double worst = 0;
  double at_x = 0, at_y = 0;
};

template <typename T>
Report Measure(Primitive prim, const std::function<T(T, T)>& reference,
               const std::vector<double>& xs, const std::vector<double>* ys) {
  constexpr DType dtype = std::is_same_v<T, double> ? f64 : f32;
  std::vector<double> x = xs, y = ys ? *ys : std::vector<double>{};
  for (double& v : x) v = static_cast<T>(v);
  for (double& v : y) v = static_cast<T>(v);
  const std::vector<double> got = OnVulkan(prim, dtype, x, ys ? &y : nullptr);
  Report r;
  for (size_t i = 0; i < x.size(); ++i) {
    const T expected = reference(static_cast<T>(x[i]), ys ? static_cast<T>(y[i]) : T{0});
    // Subnormal inputs and results are outside the contract: devices may flush them to zero.
    const auto subnormal = [](T v) {
      return v != 0 && std::abs(v) < std::numeric_limits<T>::min();
    };
    if (subnormal(expected) || subnormal(static_cast<T>(x[i]))) continue;
    const double e = UlpError<T>(static_cast<T>(got[i]), expected);
    if (!(e <= r.worst)) r = Report{e, x[i], ys ? y[i] : 0};
  }
  return r;
}

struct Case {
  const char* name;
  Primitive prim;
  std::vector<double> x, y;  // y empty for unary functions
  double bound;              // max ulp error allowed (f64 and f32 alike)
};

std::vector<Case> Cases() {
  const int n = 20000;
  const double pio2 = 1.5707963267948966;
  std::vector<double> near_pio2;  // near multiples of pi/2, where reduction cancels the most
  for (int k = 1; k <= 2000; ++k) near_pio2.push_back(k * pio2 * (1 + 1e-12 * (k % 7 - 3)));
  std::vector<double> pow_y = Uniform(-30, 30, n, 12);
  std::vector<double> pow_x = LogUniform(1e-8, 1e8, n, 11, false);
  // Negative bases with integer exponents, and exponents large enough to reach overflow.
  for (int i = 0; i < 2000; ++i) {
    pow_x.push_back(-(1 + i * 0.01));
    pow_y.push_back(i % 41 - 20);
    pow_x.push_back(1 + (i + 1) * 1e-4);
    pow_y.push_back(40.0 * (i + 1));
  }
  std::vector<double> near_one;  // 1 - 10^-k of both signs: erf_inv's steep ends
  for (double u : LogUniform(1e-16, 0.1, 4000, 30, false)) {
    near_one.push_back(1 - u);
    near_one.push_back(u - 1);
  }
  // a in [0.05, 50], x within a factor 5 of a: P and Q from about 1e-20 to 1.
  const std::vector<double> gamma_a = LogUniform(0.05, 50, n / 4, 42, false);
  std::vector<double> gamma_x = LogUniform(0.2, 5, n / 4, 43, false);
  for (size_t i = 0; i < gamma_x.size(); ++i) gamma_x[i] *= gamma_a[i];
  return {
      {"exp", Primitive::kExp, Join({Uniform(-745, 710, n, 1), Uniform(-1, 1, n, 2)}), {}, 2},
      {"log",
       Primitive::kLog,
       Join({LogUniform(1e-300, 1e300, n, 3, false), Uniform(0.5, 2, n, 4)}),
       {},
       2},
      {"log1p",
       Primitive::kLog1p,
       Join({LogUniform(1e-300, 1e300, n, 5, false), Uniform(-0.999, 1, n, 6)}),
       {},
       2},
      {"expm1",
       Primitive::kExpm1,
       Join({Uniform(-50, 709, n, 7), LogUniform(1e-300, 1, n, 8, true)}),
       {},
       3},
      {"sin",
       Primitive::kSin,
       Join({Uniform(-10, 10, n, 9), LogUniform(1e-300, 1e300, n, 10, true), near_pio2}),
       {},
       2},
      {"cos",
       Primitive::kCos,
       Join({Uniform(-10, 10, n, 9), LogUniform(1e-300, 1e300, n, 10, true), near_pio2}),
       {},
       2},
      {"tanh",
       Primitive::kTanh,
       Join({Uniform(-25, 25, n, 13), LogUniform(1e-300, 1, n, 14, true)}),
       {},
       3},
      {"sqrt", Primitive::kSqrt, LogUniform(1e-300, 1e300, n, 15, false), {}, 0.5},
      {"pow", Primitive::kPow, pow_x, pow_y, 2},
      {"atan2", Primitive::kAtan2,
       Join({LogUniform(1e-300, 1e300, n, 16, true), Uniform(-10, 10, n, 17)}),
       Join({LogUniform(1e-300, 1e300, n, 18, true), Uniform(-10, 10, n, 19)}), 2},
      {"erf",
       Primitive::kErf,
       Join({Uniform(-7, 7, n, 20), LogUniform(1e-300, 1, n, 21, true)}),
       {},
       2},
      {"erfc",
       Primitive::kErfc,
       Join({Uniform(-7, 27, n, 22), LogUniform(1e-300, 1, n, 23, true)}),
       {},
       4},
      {"erf_inv",
       Primitive::kErfInv,
       Join({Uniform(-1, 1, n, 24), LogUniform(1e-300, 0.5, n, 25, true), near_one}),
       {},
       3},
      {"rem", Primitive::kRem, LogUniform(1e-300, 1e300, n, 26, true),
       LogUniform(1e-10, 1e10, n, 27, true), 0},
      // lgamma and digamma away from their zeros (1 and 2; 1.4616...), where the error is
      // absolute (tests/cotangent/special_test.cc checks it there).
      {"lgamma",
       Primitive::kLgamma,
       Join({Uniform(2.5, 100, n, 31), LogUniform(100, 1e300, n, 32, false),
             LogUniform(1e-300, 0.5, n, 33, false)}),
       {},
       4},
      {"digamma",
       Primitive::kDigamma,
       Join({Uniform(2, 100, n, 34), LogUniform(100, 1e300, n, 35, false),
             LogUniform(1e-30, 1, n, 36, false)}),
       {},
       4},
      {"zeta", Primitive::kZeta, Uniform(1.05, 60, n, 37), std::vector<double>(n, 1.0), 4},
      // Cephes's series (XLA's and PyTorch's too), documented at 2e-15 relative: about 10 ulps
      // toward x = 8, the end of the first series' interval (15 in f32).
      {"bessel_i0e",
       Primitive::kBesselI0e,
       Join({Uniform(-700, 700, n, 38), Uniform(-10, 10, n, 39)}),
       {},
       16},
      {"bessel_i1e",
       Primitive::kBesselI1e,
       Join({Uniform(-700, 700, n, 40), Uniform(-10, 10, n, 41)}),
       {},
       16},
      // The incomplete gamma family (a, x) across x = max(1, a), where the series and the
      // fraction meet, against the CPU's double (backends/cpu/special_math.h: the same
      // method; special_test.cc checks it against closed forms): the f32 rows measure the
      // kernels' float arithmetic, the f64 rows the two backends' agreement. Both lose
      // accuracy as XLA's method does: ax = exp(a log x - x - lgamma(a)) carries the rounding
      // of terms of size a log x (about 480 ulps at a = 46), and the derivatives cancel.
      {"igamma", Primitive::kIgamma, gamma_a, gamma_x, 700},
      {"igammac", Primitive::kIgammac, gamma_a, gamma_x, 700},
      {"igamma_grad_a", Primitive::kIgammaGradA, gamma_a, gamma_x, 700},
      {"random_gamma_grad", Primitive::kRandomGammaGrad, gamma_a, gamma_x, 700},
      {"nextafter", Primitive::kNextafter, Uniform(-10, 10, n, 28), Uniform(-10, 10, n, 29), 0},
  };
}

// erf_inv by bisection in long double on erf(x) = |y| (erfc(x) = 1 - |y| above 1/2, where
// 1 - |y| is exact): independent of the kernels' Halley steps, and exact to long double's
// precision after 80 halvings of [0, 7] (tiny |y| by its series).
long double ReferenceErfInv(long double y) {
  const long double ay = std::fabs(y);
  if (!(ay < 1)) return ay == 1 ? y * INFINITY : NAN;
  // Below 1e-6 (where the bisection's absolute resolution would not do), the series
  // sqrt(pi)/2 (y + pi/12 y^3), whose next term is 1e-25 of the sum.
  const long double pi = 3.14159265358979323846264338327950288L;
  if (ay < 1e-6L) return std::sqrt(pi) / 2 * (y + pi / 12 * y * y * y);
  long double lo = 0, hi = 7;
  for (int i = 0; i < 80; ++i) {
    const long double mid = (lo + hi) / 2;
    const bool below = ay <= 0.5 ? std::erf(mid) < ay : std::erfc(mid) > 1 - ay;
    (below ? lo : hi) = mid;
  }
  return std::copysign((lo + hi) / 2, y);
}

// digamma in long double: the recurrence up to x >= 30, then the asymptotic series (whose
// terms there are below long double's epsilon by x^-14): not the kernels' threshold or precision.
long double ReferenceDigamma(long double x) {
  long double result = 0;
  for (; x < 30; x += 1) result -= 1 / x;
  const long double z = 1 / (x * x);
  return result + std::log(x) - 0.5L / x -
         z * (1.0L / 12 -
              z * (1.0L / 120 -
                   z * (1.0L / 252 -
                        z * (1.0L / 240 - z * (1.0L / 132 - z * (691.0L / 32760 - z / 12))))));
}

template <typename T>
T Reference(Primitive prim, T x, T y) {
  switch (prim) {
    case Primitive::kExp:
      return std::exp(x);
    case Primitive::kLog:
      return std::log(x);
    case Primitive::kLog1p:
      return std::log1p(x);
    case Primitive::kExpm1:
      return std::expm1(x);
    case Primitive::kSin:
      return std::sin(x);
    case Primitive::kCos:
      return std::cos(x);
    case Primitive::kTanh:
      return std::tanh(x);
    case Primitive::kSqrt:
      return std::sqrt(x);
    case Primitive::kPow:
      return std::pow(x, y);
    case Primitive::kAtan2:
      return std::atan2(x, y);
    case Primitive::kErf:
      return std::erf(x);
    case Primitive::kErfc:
      return std::erfc(x);
    case Primitive::kErfInv:
      return static_cast<T>(ReferenceErfInv(x));
    case Primitive::kRem:
      return std::fmod(x, y);
    case Primitive::kNextafter:
      return std::nextafter(x, y);
    case Primitive::kLgamma:
      return std::lgamma(x);
    case Primitive::kDigamma:
      return static_cast<T>(ReferenceDigamma(x));
    case Primitive::kBesselI0e:  // libstdc++'s I0 in long double (exp(-700) I0(700) is normal)
      return static_cast<T>(std::cyl_bessel_i(0.0L, std::fabs(static_cast<long double>(x))) *
                            std::exp(-std::fabs(static_cast<long double>(x))));
    case Primitive::kBesselI1e:
      return static_cast<T>(
          std::copysign(std::cyl_bessel_i(1.0L, std::fabs(static_cast<long double>(x))) *
                            std::exp(-std::fabs(static_cast<long double>(x))),
                        static_cast<long double>(x)));
    case Primitive::kIgamma: return static_cast<T>(cpu::Igamma(x, y));
    case Primitive::kIgammac: return static_cast<T>(cpu::Igammac(x, y));
    case Primitive::kIgammaGradA: return static_cast<T>(cpu::IgammaGradA(x, y));
    case Primitive::kRandomGammaGrad: return static_cast<T>(cpu::RandomGammaGrad(x, y));
    case Primitive::kZeta:  // the cases have q = 1
      return static_cast<T>(std::riemann_zeta(static_cast<long double>(x)));
    default:
      return 0;
  }
}

TEST(VulkanMath, UlpErrorsAgainstTheCLibrary) {
  std::cout << "function          dtype  max ulp error  at\n";
  for (const Case& c : Cases()) {
    for (DType dtype : {f64, f32}) {
      const std::vector<double>* y = c.y.empty() ? nullptr : &c.y;
      const Report r =
          dtype == f64
              ? Measure<double>(
                    c.prim, [&](double a, double b) { return Reference(c.prim, a, b); }, c.x, y)
              : Measure<float>(
                    c.prim, [&](float a, float b) { return Reference(c.prim, a, b); }, c.x, y);
      std::cout << std::left << std::setw(18) << c.name << std::setw(7) << DTypeName(dtype)
                << std::setw(15) << std::setprecision(3) << r.worst << "x=" << std::setprecision(17)
                << r.at_x << (y ? absl::StrCat(" y=", r.at_y) : "") << "\n";
      EXPECT_LE(r.worst, c.bound) << c.name << " " << DTypeName(dtype) << " at x=" << r.at_x
                                  << " y=" << r.at_y;
    }
  }
}

}  // namespace
}  // namespace cotangent::vulkan_test
