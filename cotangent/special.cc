// File: cotangent/special.cc
// The composites of cotangent/special.h. Where a formula has two regimes, both are computed
// and `where` picks one; the input of the branch not taken is replaced by a harmless value
// (the "double where"), so that its derivative, multiplied by the zero cotangent `where`
// sends it, is finite rather than inf * 0 = NaN.

#include "cotangent/special.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>
#include <utility>
#include <vector>

#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "cotangent/control_flow.h"
#include "cotangent/creation.h"
#include "cotangent/custom_derivatives.h"
#include "cotangent/jit.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

Tensor Floating(const Tensor& x) {
  if (!x.defined()) ThrowInvalid("undefined tensor");
  return IsFloating(x.dtype()) ? x : astype(x, kDefaultFloat);
}

// Above this |x|, x^2 may overflow (f32's largest is 3.4e38) and 1 + x^2 == x^2 in f64.
constexpr double kLarge = 1e18;

// An odd function from its formula g for x >= 0: -g(-x) below 0, g(x) above. Not sign(x) *
// g(|x|), whose derivative at 0 is 0 (sign's and abs's derivatives there); each branch reads
// 0 where the other is taken (the double where).
Tensor Odd(const Tensor& t, Tensor (*g)(const Tensor&)) {
  const Tensor negative = t < 0.0;
  return where(negative, -g(where(negative, -t, 0.0)), g(where(negative, 0.0, t)));
}

// asinh for a >= 0: log1p(a + a^2 / (1 + sqrt(1 + a^2))), exact near 0; log(2a) past kLarge.
Tensor AsinhOfPositive(const Tensor& a) {
  const Tensor big = a > kLarge;
  const Tensor s = where(big, 1.0, a);
  const Tensor small = log1p(s + square(s) / (1.0 + sqrt(1.0 + square(s))));
  return where(big, log(where(big, a, 1.0)) + std::numbers::ln2, small);
}

// atanh for a >= 0: log1p of a positive argument, well conditioned up to a = 1.
Tensor AtanhOfPositive(const Tensor& a) { return 0.5 * log1p(2.0 * a / (1.0 - a)); }

// a and b as floats of one dtype and one (broadcast) shape, for the binary primitives.
std::pair<Tensor, Tensor> FloatPair(const Tensor& a, const Tensor& b) {
  const Tensor x = Floating(a), y = Floating(b);
  const DType dtype = PromoteTypes(x.dtype(), y.dtype());
  const Shape shape = broadcast_shapes(x.shape(), y.shape());
  return {broadcast_to(astype(x, dtype), shape), broadcast_to(astype(y, dtype), shape)};
}

// I_x(a, b)'s continued fraction (DLMF 8.17.22) by the modified Lentz method, as XLA's and
// JAX's (regularized_incomplete_beta_impl): partial numerators d_1 = 1, d_2m+1 = -(a + m)
// (a + b + m) x / ((a + 2m)(a + 2m + 1)), d_2m = m (b - m) x / ((a + 2m - 1)(a + 2m))
// (DLMF 8.17.23), denominators 1; steps until every element's factor is within eps/2 of 1,
// at most 200 (f32) or 600 (f64).
Tensor BetaincFraction(const Tensor& a, const Tensor& b, const Tensor& x) {
  const FloatInfo info = finfo(x.dtype());
  const double small = info.eps / 2;
  const double max_steps = x.dtype() == DType::kF64 ? 600 : 200;
  const Tensor tiny = full_like(x, small);
  const auto off_zero = [&](const Tensor& v) { return where(abs(v) < small, tiny, v); };
  // (n, unconverged, C, D, h); n a scalar of x's dtype.
  using Carry = std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor>;
  const Carry init{full({}, 1.0, x.dtype()), full({}, true, DType::kBool), tiny, zeros_like(x),
                   tiny};
  const Carry out = while_loop(
      [max_steps](const Carry& c) {
        return logical_and(std::get<0>(c) < max_steps, std::get<1>(c));
      },
      [&](const Carry& c) {
        const auto& [n, unconverged, cn, dn, h] = c;
        const Tensor m = floor((n - 1.0) * 0.5);
        const Tensor even = (n - 2.0 * floor(n * 0.5)) == 0.0;
        // m = 0 in the even case: -(a + b) x / (a + 1), the same without 0 * 0 under FTZ.
        const Tensor even_numerator =
            where(m == 0.0, -(a + b) * x / (a + 1.0),
                  -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)));
        const Tensor odd_numerator = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        const Tensor numerator =
            where(n == 1.0, ones_like(x), where(even, even_numerator, odd_numerator));
        const Tensor c_next = off_zero(1.0 + numerator / cn);
        const Tensor d_next = 1.0 / off_zero(1.0 + numerator * dn);
        const Tensor delta = c_next * d_next;
        return Carry{n + 1.0, any(abs(delta - 1.0) >= small), c_next, d_next, h * delta};
      },
      init);
  return std::get<4>(out);
}

// I_x(a, b) of same-shaped, same-dtype operands (JAX's regularized_incomplete_beta_impl): the
// fraction where it converges fast, x < (a + 1) / (a + b + 2), else 1 - I_{1-x}(b, a) (DLMF
// 8.17.4), times x^a (1-x)^b / (a B(a, b)); the edge values chosen after.
Tensor BetaincValue(const Tensor& a, const Tensor& b, const Tensor& x) {
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor a_zero = (a == 0.0) | (b == inf), b_zero = (b == 0.0) | (a == inf);
  const Tensor x_zero = x == 0.0, x_one = x == 1.0;
  const Tensor result_zero = (b_zero & logical_not(x_one)) | (a_zero & x_zero);
  const Tensor result_one = (a_zero & logical_not(x_zero)) | (b_zero & x_one);
  const Tensor result_nan = (a < 0.0) | (b < 0.0) | (x < 0.0) | (x > 1.0) | (a_zero & b_zero) |
                            isnan(a) | isnan(b) | isnan(x);
  const Tensor rapid = x < (a + 1.0) / (a + b + 2.0);
  const Tensor p = where(rapid, a, b), q = where(rapid, b, a), y = where(rapid, x, 1.0 - x);
  const Tensor fraction = BetaincFraction(p, q, y);
  // Below twice the smallest normal, a Gamma(a) = Gamma(a + 1) ~ 1 spares the division by a.
  const Tensor lbeta_small = lgamma(q) - lgamma(p + q), lbeta = lgamma(p) + lbeta_small;
  const Tensor factor = where(p < 2 * finfo(x.dtype()).tiny, exp(log1p(-y) * q - lbeta_small),
                              exp(log(y) * p + log1p(-y) * q - lbeta) / p);
  const Tensor value = where(rapid, fraction * factor, 1.0 - fraction * factor);
  return where(result_nan, std::numeric_limits<double>::quiet_NaN(),
               where(result_one, 1.0, where(result_zero, 0.0, value)));
}

// a as it is, where a function has no derivative in it: a defined tangent is an Error (JAX's
// betainc_grad_not_implemented). An undifferentiated a has none, and passes.
template <int kArg>
Tensor NoDerivative(const Tensor& a) {
  static const auto guard = custom_jvp(
      [](const Tensor& v) { return v; },
      [](const std::vector<Tensor>&, const std::vector<Tensor>&) -> std::pair<Tensor, Tensor> {
        ThrowInvalid("betainc: the derivative with respect to ", kArg == 0 ? "a" : "b",
                     " is not implemented (as JAX's)");
      },
      "betainc_parameter");
  return guard(a);
}

}  // namespace

Tensor sinh(const Tensor& x) {
  const Tensor t = Floating(x);
  return (expm1(t) - expm1(-t)) * 0.5;  // expm1 keeps sinh(x) ~ x accurate near 0
}

Tensor cosh(const Tensor& x) {
  const Tensor t = Floating(x);
  return (exp(t) + exp(-t)) * 0.5;
}

Tensor tan(const Tensor& x) {
  const Tensor t = Floating(x);
  return sin(t) / cos(t);
}

Tensor asinh(const Tensor& x) { return Odd(Floating(x), AsinhOfPositive); }

Tensor acosh(const Tensor& x) {
  const Tensor t = Floating(x);
  const Tensor big = t > kLarge;
  const Tensor s = where(big, 2.0, t);
  // log1p((x - 1) + sqrt(x - 1) sqrt(x + 1)): x - 1 is exact, and neither the square nor the
  // logarithm near 1 loses the small result.
  const Tensor small = log1p((s - 1.0) + sqrt(s - 1.0) * sqrt(s + 1.0));
  return where(big, log(where(big, t, 2.0)) + std::numbers::ln2, small);
}

Tensor atanh(const Tensor& x) { return Odd(Floating(x), AtanhOfPositive); }

Tensor log2(const Tensor& x) { return log(Floating(x)) * (1 / std::numbers::ln2); }
Tensor log10(const Tensor& x) { return log(Floating(x)) * (1 / std::numbers::ln10); }
// pow(2, x), not exp(x ln 2), whose rounded product errs by |x| ulp.
Tensor exp2(const Tensor& x) { return pow(2.0, Floating(x)); }

Tensor cbrt(const Tensor& x) {
  const Tensor t = Floating(x);
  // pow(|x|, 1/3) errs by log|x| ulp (1/3 is rounded); one Newton step for y^3 = x,
  // y - (y^3 - x) / (3 y^2) = 2y/3 + x / (3 y^2), recovers full precision, and its derivative
  // at the root is exactly 1 / (3 y^2) whatever y's. At 0 the step divides by 0: y stays 0.
  const Tensor y = sign(t) * pow(abs(t), 1.0 / 3.0);
  const Tensor zero = y == 0.0;
  const Tensor ys = where(zero, 1.0, y);
  return where(zero, y, ys * (2.0 / 3.0) + t / (3.0 * square(ys)));
}

Tensor rsqrt(const Tensor& x) { return 1.0 / sqrt(Floating(x)); }
Tensor reciprocal(const Tensor& x) { return 1.0 / Floating(x); }

Tensor asin(const Tensor& x) {
  const Tensor t = Floating(x);
  return atan2(t, sqrt((1.0 - t) * (1.0 + t)));
}
Tensor acos(const Tensor& x) {
  const Tensor t = Floating(x);
  return atan2(sqrt((1.0 - t) * (1.0 + t)), t);
}
Tensor atan(const Tensor& x) {
  const Tensor t = Floating(x);
  return atan2(t, FullLike(t, 1.0));
}
Tensor erf(const Tensor& x) { return lax::erf(Floating(x)); }
Tensor erfc(const Tensor& x) { return lax::erfc(Floating(x)); }
Tensor erfinv(const Tensor& x) { return lax::erf_inv(Floating(x)); }

Tensor lgamma(const Tensor& x) { return lax::lgamma(Floating(x)); }
Tensor digamma(const Tensor& x) { return lax::digamma(Floating(x)); }
Tensor zeta(const Tensor& s, const Tensor& q) {
  const auto [a, b] = FloatPair(s, q);
  return lax::zeta(a, b);
}
Tensor gammainc(const Tensor& a, const Tensor& x) {
  const auto [p, q] = FloatPair(a, x);
  return lax::igamma(p, q);
}
Tensor gammaincc(const Tensor& a, const Tensor& x) {
  const auto [p, q] = FloatPair(a, x);
  return lax::igammac(p, q);
}
Tensor polygamma(const Tensor& n, const Tensor& x) {
  const auto [m, xb] = FloatPair(astype(n, Floating(x).dtype()), x);  // n in x's dtype
  const Tensor sign = where(fmod(m, full_like(m, 2.0)) == 0.0, -1.0, 1.0);
  const Tensor higher = sign * exp(lgamma(m + 1.0)) * zeta(m + 1.0, xb);
  const Tensor bad = logical_or(m < 0.0, floor(m) != m);
  return where(bad, std::numeric_limits<double>::quiet_NaN(),
               where(m == 0.0, digamma(xb), higher));
}

Tensor betainc(const Tensor& a, const Tensor& b, const Tensor& x) {
  const Tensor fa = Floating(a), fb = Floating(b), fx = Floating(x);
  const DType dtype = PromoteTypes(PromoteTypes(fa.dtype(), fb.dtype()), fx.dtype());
  const Shape shape = broadcast_shapes(broadcast_shapes(fa.shape(), fb.shape()), fx.shape());
  const auto operand = [&](const Tensor& v) { return broadcast_to(astype(v, dtype), shape); };
  // The value traced once per shape and dtype (a loop of up to 600 steps), and its derivative
  // in x: x^(a-1) (1-x)^(b-1) / B(a, b).
  static const auto& value = *new auto(
      jit([](const Tensor& p, const Tensor& q, const Tensor& v) { return BetaincValue(p, q, v); },
          jit_name("betainc")));
  static const auto betainc_x =
      custom_jvp([](const Tensor& p, const Tensor& q, const Tensor& v) { return value(p, q, v); },
                 [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
                   const Tensor &pa = p[0], &pb = p[1], &px = p[2];
                   const Tensor lbeta = lgamma(pa) + lgamma(pb) - lgamma(pa + pb);
                   const Tensor slope = exp((pb - 1.0) * log1p(-px) + (pa - 1.0) * log(px) - lbeta);
                   return std::make_pair(value(pa, pb, px), t[2] * slope);
                 },
                 "betainc");
  return betainc_x(NoDerivative<0>(operand(fa)), NoDerivative<1>(operand(fb)), operand(fx));
}

Tensor i0e(const Tensor& x) { return lax::bessel_i0e(Floating(x)); }
Tensor i1e(const Tensor& x) { return lax::bessel_i1e(Floating(x)); }
Tensor i0(const Tensor& x) { return i0e(x) * exp(abs(Floating(x))); }
Tensor i1(const Tensor& x) { return i1e(x) * exp(abs(Floating(x))); }

Tensor logaddexp(const Tensor& a, const Tensor& b) {
  const Tensor x = Floating(a), y = Floating(b);
  const Tensor delta = x - y;
  // max + log1p(exp(-|a - b|)); a - b is NaN when both are the same infinity (or a NaN): then
  // a + b is the answer (-inf, inf, or NaN).
  const Tensor nan = delta != delta;
  const Tensor d = where(nan, 0.0, delta);
  return where(nan, x + y, maximum(x, y) + log1p(exp(-abs(d))));
}

Tensor sinc(const Tensor& x) {
  const Tensor t = Floating(x) * std::numbers::pi;
  // sin(u)/u = 1 - u^2/6 + u^4/120 - ...: below |u| = 1e-2 the next term is under 2e-16 of
  // the sum, and the series gives sinc's true derivatives at 0 (0, then -pi^2/3).
  const Tensor near = abs(t) < 1e-2;
  const Tensor u = where(near, 1.0, t);
  const Tensor u2 = square(where(near, t, 0.0));
  return where(near, 1.0 - u2 / 6.0 + square(u2) / 120.0, sin(u) / u);
}

Tensor hypot(const Tensor& a, const Tensor& b) {
  const Tensor x = abs(Floating(a)), y = abs(Floating(b));
  // m sqrt(1 + (n/m)^2) with m the larger: the ratio is at most 1, so nothing overflows.
  const Tensor m = maximum(x, y), n = minimum(x, y);
  const Tensor zero = m == 0.0;
  const Tensor r = n / where(zero, 1.0, m);
  return where(zero, 0.0 * m, m * sqrt(1.0 + square(r)));
}

}  // namespace cotangent
