// File: cotangent/special.h
// Elementwise functions of jax.numpy composed of the primitives, each written in the form that
// stays accurate and finite where the naive formula is not (the comments say which), and whose
// derivatives, from the primitives' rules, are the true ones to second order wherever the
// function is smooth: sinh, cosh, tan, asinh, acosh, atanh, log2, log10, exp2, cbrt, rsqrt,
// reciprocal, logaddexp, sinc, hypot; and the special functions of jax.scipy.special over
// the primitives (erf, lgamma, igamma, ...) or composed of them (polygamma, betainc). Integer
// and bool inputs become f32, as jnp's.

#ifndef COTANGENT_COTANGENT_SPECIAL_H_
#define COTANGENT_COTANGENT_SPECIAL_H_

#include "core/tensor.h"

namespace cotangent {

Tensor sinh(const Tensor& x);
Tensor cosh(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor asinh(const Tensor& x);
Tensor acosh(const Tensor& x);  // NaN below 1
Tensor atanh(const Tensor& x);  // NaN outside [-1, 1], infinite at +-1
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
Tensor exp2(const Tensor& x);
Tensor cbrt(const Tensor& x);  // real cube root: cbrt(-8) = -2
Tensor rsqrt(const Tensor& x);
Tensor reciprocal(const Tensor& x);
// Inverse trigonometric functions through atan2 (cotangent/numpy.h): asin(x) =
// atan2(x, sqrt((1 - x)(1 + x))), acos(x) = atan2(sqrt((1 - x)(1 + x)), x), atan(x) =
// atan2(x, 1); NaN outside [-1, 1] for asin and acos.
Tensor asin(const Tensor& x);
Tensor acos(const Tensor& x);
Tensor atan(const Tensor& x);
// The error function, its complement 1 - erf (accurate where erf is all but 1), and the
// inverse of erf (jax.scipy.special.erfinv: +-inf at +-1, NaN outside [-1, 1]).
Tensor erf(const Tensor& x);
Tensor erfc(const Tensor& x);
Tensor erfinv(const Tensor& x);
// log|Gamma(x)| (jax.scipy.special.gammaln, lax.lgamma: +inf at 0, -1, ...), its derivative
// digamma (NaN at those poles), polygamma(n, x), the n-th derivative of digamma for integer
// n >= 0 ((-1)^(n+1) n! zeta(n + 1, x); NaN for other n), and the Hurwitz zeta function
// zeta(s, q) = sum_k (q + k)^-s for s > 1 (differentiable in q only, as JAX's).
Tensor lgamma(const Tensor& x);
Tensor digamma(const Tensor& x);
Tensor polygamma(const Tensor& n, const Tensor& x);
Tensor zeta(const Tensor& s, const Tensor& q);
// The regularized incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a) and its
// complement Q = 1 - P (jax.scipy.special.gammainc, gammaincc; the primitives igamma,
// igammac): NaN for a < 0 or x < 0; differentiable in x, and in a to first order.
Tensor gammainc(const Tensor& a, const Tensor& x);
Tensor gammaincc(const Tensor& a, const Tensor& x);
// The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b)
// (jax.scipy.special.betainc, lax.betainc): NaN for a < 0, b < 0, a = b = 0 or x outside
// [0, 1]; 0 and 1 at the ends, and where a or b is 0 or infinite, as JAX's. Differentiable in
// x (x^(a-1) (1-x)^(b-1) / B(a, b)); a derivative in a or b is an Error, as JAX's.
Tensor betainc(const Tensor& a, const Tensor& b, const Tensor& x);
// exp(-|x|) I0(x) and exp(-|x|) I1(x) (jax.scipy.special.i0e, i1e), and I0, I1 themselves
// (i0e and i1e times exp(|x|)).
Tensor i0e(const Tensor& x);
Tensor i1e(const Tensor& x);
Tensor i0(const Tensor& x);
Tensor i1(const Tensor& x);
// log(exp(a) + exp(b)) without overflow; -inf and -inf give -inf.
Tensor logaddexp(const Tensor& a, const Tensor& b);
// sin(pi x) / (pi x), 1 at 0 with the true derivatives there (a series near 0).
Tensor sinc(const Tensor& x);
// sqrt(a^2 + b^2) without overflow or underflow of the squares.
Tensor hypot(const Tensor& a, const Tensor& b);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_SPECIAL_H_
