// File: backends/cpu/special_math.h
// The scalar special functions libm lacks, in double, for the CPU kernels' Op<prim>
// (elementwise_ops.h): erf_inv, digamma and the Hurwitz zeta function. The Vulkan math library
// (kernels/math_f64.glsl, math_f32.glsl) runs the same algorithms, which keeps the two backends'
// results close; tests/backends/vulkan_math_test.cc measures both against references.

#ifndef COTANGENT_BACKENDS_CPU_SPECIAL_MATH_H_
#define COTANGENT_BACKENDS_CPU_SPECIAL_MATH_H_

#include <cmath>

namespace cotangent::cpu {

// erf_inv in double (then rounded to T). A first guess, refined by two Halley steps on
// f(x) = erf(x) - |y|, or (1 - |y|) - erfc(x) above |y| = 1/2 (1 - |y| is exact there, and
// erfc keeps its relative accuracy where erf(x) is all but 1). Halley's step for this f is
// x -= r / (1 + x r) with r = f / f', f' = 2/sqrt(pi) exp(-x^2). The guess: Giles's
// single-precision polynomials in w = -log(1 - y^2) (relative error about 4e-7) for w < 16,
// every f32 input; beyond, for f64 inputs within 1e-7 of +-1, the asymptotic expansion
// erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (1 - 1/(2 x^2)) solved for x by two fixed-point steps
// (error about 1e-4, which the Halley steps make about 1e-36).
inline double ErfInvGuess(double ay) {
  double w = -std::log((1.0 - ay) * (1.0 + ay));
  if (w < 5.0) {
    w -= 2.5;
    double p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941}) {
      p = c + p * w;
    }
    return p * ay;
  }
  if (w < 16.0) {
    w = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682}) {
      p = c + p * w;
    }
    return p * ay;
  }
  const double l = -std::log(1.0 - ay);
  double x = std::sqrt(l);
  for (int i = 0; i < 2; ++i) {
    x = std::sqrt(l - std::log(1.7724538509055159 * x) + std::log1p(-0.5 / (x * x)));
  }
  return x;
}
inline double ErfInv(double y) {
  const double ay = std::abs(y);
  if (!(ay < 1)) return ay == 1 ? y * HUGE_VAL : NAN;
  double x = ErfInvGuess(ay);
  for (int i = 0; i < 2; ++i) {
    const double f = ay <= 0.5 ? std::erf(x) - ay : (1.0 - ay) - std::erfc(x);
    const double r = f / (1.1283791670955126 * std::exp(-x * x));
    x -= r / (1.0 + x * r);
  }
  return std::copysign(x, y);
}
// pi cot(pi x) for non-integer x, from r = x - nearest integer (exact, |r| <= 1/2).
inline double PiCotPi(double x) {
  const double r = x - std::nearbyint(x);
  return M_PI * std::cos(M_PI * r) / std::sin(M_PI * r);
}

// digamma (psi), the derivative of lgamma: NaN at the poles 0, -1, -2, ...; below 0 by the
// reflection psi(x) = psi(1 - x) - pi cot(pi x); below 10 by the recurrence psi(x) = psi(x + 1)
// - 1/x into [1.5, 2.5), where the Taylor series at 2, (1 - gamma) + sum_k (-1)^k (zeta(k) - 1)
// z^(k-1) to k = 30, is exact to double; from 10 the asymptotic series log x - 1/(2x) -
// sum B_2k / (2k x^2k) to x^-14. Near psi's root 1.4616... the error is absolute (about 1e-16).
inline double Digamma(double x) {
  if (std::isnan(x) || x == -HUGE_VAL) return NAN;
  if (x == HUGE_VAL) return x;
  if (x <= 0 && std::floor(x) == x) return NAN;
  double result = 0;
  if (x < 0) {
    result = -PiCotPi(x);
    x = 1 - x;
  }
  if (x >= 10) {
    const double z = 1 / (x * x);
    const double tail =
        z *
        (1.0 / 12 -
         z * (1.0 / 120 -
              z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))));
    return result + std::log(x) - 0.5 / x - tail;
  }
  for (; x < 1.5; x += 1) result -= 1 / x;
  for (; x >= 2.5; result += 1 / x) x -= 1;
  const double z = x - 2;
  return result + 4.22784335098467134e-01 +
         z * (6.44934066848226406e-01 +
              z * (-2.02056903159594292e-01 +
                   z * (8.23232337111381857e-02 +
                        z * (-3.69277551433699266e-02 +
                             z * (1.73430619844491402e-02 +
                                  z * (-8.34927738192282713e-03 + z * (4.07735619794433960e-03 + z * (-2.00839282608221426e-03 + z * (9.94575127818085256e-04 + z * (-4.94188604119464529e-04 + z * (2.46086553308048320e-04 + z * (-1.22713347578489145e-04 + z * (6.12481350587048277e-05 + z * (-3.05882363070204933e-05 + z * (1.52822594086518710e-05 + z * (-7.63719763789976257e-06 + z * (3.81729326499984022e-06 + z * (-1.90821271655393897e-06 +
                                                                                                                                                                                                                                                                                                                                                                                                                                 z * (9.53962033872796212e-07 + z * (-4.76932986787806447e-07 + z * (2.38450502727733004e-07 + z * (-1.19219925965311064e-07 +
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                    z * (5.96081890512594801e-08 + z * (-2.98035035146522793e-08 + z * (1.49015548283650427e-08 + z * (-7.45071178983543006e-09 + z * (3.72533402478845728e-09 +
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       z * (-1.86265972351304914e-09 + z * (9.31327432419668166e-10)))))))))))))))))))))))))))));
}

// The Hurwitz zeta function sum_k (q + k)^-s for s > 1 (inf at s = 1, NaN below), by Cephes's
// Euler-Maclaurin summation: the first terms directly until q + k > 9 (at least 10 of them),
// then the integral, half the last term and 12 Bernoulli corrections (kZetaA: (2j)! / B_2j).
// q <= 0: inf at the poles (integers), NaN for non-integer s (q^-s undefined) or q below -1e6
// (the direct sum would take too long); else the sum, as Cephes.
inline double Zeta(double s, double q) {
  static constexpr double kZetaA[12] = {12.0,
                                        -720.0,
                                        30240.0,
                                        -1209600.0,
                                        47900160.0,
                                        -1.8924375803183791606e9,
                                        7.47242496e10,
                                        -2.950130727918164224e12,
                                        1.1646782814350067249e14,
                                        -4.5979787224074726105e15,
                                        1.8152105401943546773e17,
                                        -7.1661652561756670113e18};
  constexpr double kEps = 1.1102230246251565e-16;
  if (std::isnan(s) || std::isnan(q)) return NAN;
  if (s == 1) return HUGE_VAL;
  if (s < 1) return NAN;
  if (q <= 0) {
    if (q == std::floor(q)) return HUGE_VAL;
    if (s != std::floor(s) || q < -1e6) return NAN;
  }
  double sum = std::pow(q, -s), a = q, b = 0;
  for (int i = 0; i < 9 || a <= 9; ++i) {
    a += 1;
    b = std::pow(a, -s);
    sum += b;
    if (std::fabs(b / sum) < kEps) return sum;
  }
  const double w = a;
  sum += b * w / (s - 1) - 0.5 * b;
  double fac = 1, k = 0;
  for (const double divisor : kZetaA) {
    fac *= s + k;
    b /= w;
    const double t = fac * b / divisor;
    sum += t;
    if (std::fabs(t / sum) < kEps) break;
    k += 1;
    fac *= s + k;
    b /= w;
    k += 1;
  }
  return sum;
}

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_SPECIAL_MATH_H_
