// File: backends/cpu/special_math.h
// The scalar special functions libm lacks, in double, for the CPU kernels' Op<prim>
// (elementwise_ops.h): erf_inv, digamma, the Hurwitz zeta function, bessel_i0e, bessel_i1e
// and the incomplete gamma family (igamma, igammac, igamma_grad_a, random_gamma_grad). The
// Vulkan math library (kernels/special_f64.glsl, special_f32.glsl) runs the same algorithms,
// which keeps the two backends' results close; tests/backends/vulkan_math_test.cc measures both
// against references.

#ifndef COTANGENT_BACKENDS_CPU_SPECIAL_MATH_H_
#define COTANGENT_BACKENDS_CPU_SPECIAL_MATH_H_

#include <math.h>  // lgamma_r: std::lgamma writes the global signgam, a data race

#include <cmath>
#include <cstddef>

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

// The regularized incomplete gamma functions P(a, x) = gamma(a, x) / Gamma(a) and Q = 1 - P
// (lax.igamma, igammac), dP/da (igamma_grad_a) and the derivative in a of a Gamma(a) sample x
// at a fixed P(a, x), S = -(dP/da) / (dP/dx) (random_gamma_grad: implicit reparameterization),
// by XLA's and JAX's method: the series of P below x = max(1, a), the continued fraction of
// Q above (Cephes's igam and igamc), each carrying its derivative in a alongside. With
// ax = x^a e^-x / Gamma(a), dP/dx = ax / x, so S needs no ax (it is kept where ax underflows).
enum class IgammaMode { kValue, kDerivative, kSampleDerivative };
// Both converge in O(sqrt(a)) terms near x = a: 10^4 terms are exact to double for a below
// about 10^6 (docs/reference.md); XLA stops the fraction at 2000.
inline constexpr int kIgammaMaxTerms = 10000;
inline constexpr double kIgammaEps = 1.1102230246251565e-16;

inline bool IgammaUsesFraction(double a, double x) { return x > 1 && x > a; }
inline double IgammaAx(double a, double x) {
  int sign;
  return std::exp(a * std::log(x) - x - ::lgamma_r(a, &sign));
}

// P = ax / a sum_n c_n, c_n = x^n / ((a + 1)...(a + n)) (DLMF 8.7.1); by mode P, dP/da or S.
// d log(ax / a) / da = log x - digamma(a + 1).
inline double IgammaSeries(IgammaMode mode, double a, double x, double ax) {
  double r = a, c = 1, ans = 1, dc_da = 0, dans_da = 0;
  for (int n = 0; n < kIgammaMaxTerms; ++n) {
    r += 1;
    dc_da = dc_da * (x / r) - c * x / (r * r);
    dans_da += dc_da;
    c *= x / r;
    ans += c;
    if (mode == IgammaMode::kValue ? !(c / ans > kIgammaEps)
                                   : !(std::abs(dc_da / dans_da) > kIgammaEps)) {
      break;
    }
  }
  if (mode == IgammaMode::kValue) return ans * ax / a;
  const double dlogax_da = std::log(x) - Digamma(a + 1);
  if (mode == IgammaMode::kDerivative) return ax * (ans * dlogax_da + dans_da) / a;
  return -(dans_da + ans * dlogax_da) * x / a;
}

// Q = ax f, f Legendre's continued fraction 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...))
// (DLMF 8.9.2) by its convergents p_k / q_k (Cephes's igamc), rescaled when they grow past
// 1 / eps; their derivatives in a follow the same recurrence. By mode Q, dQ/da (= -dP/da) or
// S; d log ax / da = log x - digamma(a).
inline double IgammacFraction(IgammaMode mode, double a, double x, double ax) {
  double y = 1 - a, z = x + y + 1, c = 0;
  double pkm2 = 1, qkm2 = x, pkm1 = x + 1, qkm1 = z * x;
  double dpkm2 = 0, dqkm2 = 0, dpkm1 = 0, dqkm1 = -x;
  double ans = pkm1 / qkm1, dans = (dpkm1 - ans * dqkm1) / qkm1;
  for (int n = 0; n < kIgammaMaxTerms; ++n) {
    c += 1;
    y += 1;
    z += 2;
    const double yc = y * c;
    const double pk = pkm1 * z - pkm2 * yc, qk = qkm1 * z - qkm2 * yc;
    const double dpk = dpkm1 * z - pkm1 - dpkm2 * yc + pkm2 * c;
    const double dqk = dqkm1 * z - qkm1 - dqkm2 * yc + qkm2 * c;
    bool converged = false;
    if (qk != 0) {
      const double r = pk / qk, dr = (dpk - r * dqk) / qk;
      converged = mode == IgammaMode::kValue ? !(std::abs((ans - r) / r) > kIgammaEps)
                                             : !(std::abs(dr - dans) > kIgammaEps * std::abs(dr));
      ans = r;
      dans = dr;
    }
    pkm2 = pkm1, pkm1 = pk, qkm2 = qkm1, qkm1 = qk;
    dpkm2 = dpkm1, dpkm1 = dpk, dqkm2 = dqkm1, dqkm1 = dqk;
    if (std::abs(pk) > 1 / kIgammaEps) {
      for (double* v : {&pkm2, &pkm1, &qkm2, &qkm1, &dpkm2, &dpkm1, &dqkm2, &dqkm1}) {
        *v *= kIgammaEps;
      }
    }
    if (converged) break;
  }
  if (mode == IgammaMode::kValue) return ans * ax;
  const double dlogax_da = std::log(x) - Digamma(a);
  if (mode == IgammaMode::kDerivative) return ax * (ans * dlogax_da + dans);
  return (dans + ans * dlogax_da) * x;
}

// P(a, x): NaN for a < 0, x < 0, a = x = 0, a = x = inf or a NaN; 0 at x = 0; 1 at a = 0
// (the limit, as scipy's gammainc; JAX gives NaN there for x < 1) and at x = inf; 0 at a = inf.
inline double Igamma(double a, double x, bool complement = false) {
  if (!(a >= 0 && x >= 0) || (a == 0 && x == 0) || (std::isinf(a) && std::isinf(x))) return NAN;
  const double zero = complement ? 1 : 0;  // P's 0 is Q's 1
  if (x == 0 || std::isinf(a)) return zero;
  if (a == 0 || std::isinf(x)) return 1 - zero;
  const double ax = IgammaAx(a, x);
  if (IgammaUsesFraction(a, x)) {
    const double q = IgammacFraction(IgammaMode::kValue, a, x, ax);
    return complement ? q : 1 - q;
  }
  const double p = IgammaSeries(IgammaMode::kValue, a, x, ax);
  return complement ? 1 - p : p;
}
inline double Igammac(double a, double x) { return Igamma(a, x, true); }
// dP/da: NaN for a <= 0, x < 0 or a NaN; 0 at x = 0, x = inf, a = inf and where ax underflows.
inline double IgammaGradA(double a, double x) {
  if (!(a > 0 && x >= 0)) return NAN;
  if (x == 0 || std::isinf(x) || std::isinf(a)) return 0;
  const double ax = IgammaAx(a, x);
  if (ax == 0) return 0;
  return IgammaUsesFraction(a, x) ? -IgammacFraction(IgammaMode::kDerivative, a, x, ax)
                                  : IgammaSeries(IgammaMode::kDerivative, a, x, ax);
}
// S = -(dP/da) / (dP/dx): NaN for a <= 0, x < 0, an infinity or a NaN; 0 at x = 0.
inline double RandomGammaGrad(double a, double x) {
  if (!(a > 0 && x >= 0) || std::isinf(a) || std::isinf(x)) return NAN;
  if (x == 0) return 0;
  return IgammaUsesFraction(a, x) ? IgammacFraction(IgammaMode::kSampleDerivative, a, x, 0)
                                  : IgammaSeries(IgammaMode::kSampleDerivative, a, x, 0);
}

// exp(-|x|) I0(x) and exp(-|x|) I1(x): Cephes's Chebyshev series (Clenshaw's recurrence) on
// [0, 8] in x/2 - 2 and on [8, inf) in 32/x - 2, divided by sqrt(x). Cephes's coefficients.
inline constexpr double kI0eA[30] = {
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1};
inline constexpr double kI0eB[25] = {
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1};
inline constexpr double kI1eA[29] = {
    2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
    -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
    3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
    -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
    9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
    -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
    4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
    -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
    2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
    -1.76416518357834055153E-1, 2.52587186443633654823E-1};
inline constexpr double kI1eB[25] = {
    7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
    -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
    -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
    4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
    -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
    3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
    -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
    -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
    7.78576235018280120474E-1};
template <size_t N>
double Chebyshev(double y, const double (&c)[N]) {
  double b0 = c[0], b1 = 0, b2 = 0;
  for (size_t i = 1; i < N; ++i) {
    b2 = b1;
    b1 = b0;
    b0 = y * b1 - b2 + c[i];
  }
  return 0.5 * (b0 - b2);
}
inline double BesselI0e(double x) {
  const double a = std::fabs(x);
  if (std::isinf(a)) return 0;
  return a <= 8 ? Chebyshev(0.5 * a - 2, kI0eA) : Chebyshev(32 / a - 2, kI0eB) / std::sqrt(a);
}
inline double BesselI1e(double x) {
  const double a = std::fabs(x);
  if (std::isinf(a)) return std::copysign(0.0, x);
  const double r =
      a <= 8 ? Chebyshev(0.5 * a - 2, kI1eA) * a : Chebyshev(32 / a - 2, kI1eB) / std::sqrt(a);
  return std::copysign(r, x);
}

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_SPECIAL_MATH_H_
