// File: kernels/special_f64.glsl
// f64 atan2, erf, erfc, erf_inv, fmod, nextafter, lgamma, digamma, zeta, the incomplete gamma
// family and bessel_i0e/i1e for the run-time elementwise kernels: the functions GLSL lacks
// beyond the elementary ones of math_f64.glsl, whose exp, log and helpers they use (a kernel
// includes math_common.glsl, math_f64.glsl, then this file: MathLibrary in
// backends/vulkan/elementwise_kernels.h). Computed in double throughout; the measured errors
// against glibc and the CPU backend are in docs/vulkan.md.
// ---- atan2, erf, erfc, erf_inv, fmod, nextafter ----
// atan is fdlibm's s_atan.c (|x| reduced against atan(0.5), atan(1), atan(1.5), atan(inf)
// held as hi + lo, an odd polynomial of degree 23 on the rest) and atan2 its e_atan2.c
// quadrant logic; erf and erfc are fdlibm's s_erf.c rational approximations on [0, 0.84375],
// [0.84375, 1.25], [1.25, 1/0.35] and [1/0.35, 28] (erfc there as exp(-z^2 - 0.5625)
// exp((z - x)(z + x) + R/S) / x with z, x's first 21 bits, so z^2 is exact). The coefficients
// are fdlibm's.

// atan(ax) for ax >= 0 (not NaN).
double ct_atan_pos(double ax) {
  if (ax >= 7.3786976294838206e19lf) return CT_PIO2_H;  // 2^66: pi/2 rounded
  if (ax < 3.725290298461914e-9lf) return ax;           // 2^-28: atan(x) = x - x^3/3 rounds to x
  int id = -1;
  double x = ax, hi = 0.0lf, lo = 0.0lf;
  if (ax >= 2.4375lf) {
    id = 3; x = -1.0lf / ax;
    hi = 1.57079632679489655800e+00lf; lo = 6.12323399573676603587e-17lf;
  } else if (ax >= 1.1875lf) {
    id = 2; x = (ax - 1.5lf) / (1.0lf + 1.5lf * ax);
    hi = 9.82793723247329054082e-01lf; lo = 1.39033110312309984516e-17lf;
  } else if (ax >= 0.6875lf) {
    id = 1; x = (ax - 1.0lf) / (ax + 1.0lf);
    hi = 7.85398163397448278999e-01lf; lo = 3.06161699786838301793e-17lf;
  } else if (ax >= 0.4375lf) {
    id = 0; x = (2.0lf * ax - 1.0lf) / (2.0lf + ax);
    hi = 4.63647609000806093515e-01lf; lo = 2.26987774529616870924e-17lf;
  }
  const double z = x * x, w = z * z;
  const double s1 = z * (3.33333333333329318027e-01lf + w * (1.42857142725034663711e-01lf +
      w * (9.09088713343650656196e-02lf + w * (6.66107313738753120669e-02lf +
      w * (4.97687799461593236017e-02lf + w * 1.62858201153657823623e-02lf)))));
  const double s2 = w * (-1.99999999998764832476e-01lf + w * (-1.11111104054623557880e-01lf +
      w * (-7.69187620504482999495e-02lf + w * (-5.83357013379057348645e-02lf +
      w * -3.65315727442169155270e-02lf))));
  if (id < 0) return x - x * (s1 + s2);
  precise double r = hi - ((x * (s1 + s2) - lo) - x);
  return r;
}

// atan2(y, x): the angle of the point (x, y), C99's special cases.
double ct_atan2(double y, double x) {
  if (isnan(x) || isnan(y)) return CT_NAN64;
  const bool ny = ct_signbit(y), nx = ct_signbit(x);
  const double pi = 2.0lf * CT_PIO2_H, pi_lo = 1.2246467991473531772e-16lf;
  double z;
  if (y == 0.0lf) {
    z = nx ? pi : 0.0lf;
  } else if (x == 0.0lf || (isinf(y) && !isinf(x))) {
    z = CT_PIO2_H;
  } else if (isinf(x)) {
    z = isinf(y) ? (nx ? 3.0lf : 1.0lf) * 0.5lf * CT_PIO2_H : (nx ? pi : 0.0lf);
  } else {
    // |y/x| by its exponents: beyond 2^60 the angle is pi/2 whatever x's sign.
    const int k = int((unpackDouble2x32(y).y >> 20) & 0x7FFu) -
                  int((unpackDouble2x32(x).y >> 20) & 0x7FFu);
    if (k > 60) {
      z = CT_PIO2_H;
    } else {
      z = nx && k < -60 ? 0.0lf : ct_atan_pos(abs(y / x));
      if (nx) {
        precise double t = pi - (z - pi_lo);
        z = t;
      }
    }
  }
  return ny ? -z : z;
}

// erfc(ax) for 0.84375 <= ax < 28.
double ct_erfc_tail(double ax) {
  if (ax < 1.25lf) {
    const double s = ax - 1.0lf;
    const double p = -2.36211856075265944077e-03lf + s * (4.14856118683748331666e-01lf +
        s * (-3.72207876035701323847e-01lf + s * (3.18346619901161753674e-01lf +
        s * (-1.10894694282396677476e-01lf + s * (3.54783043256182359371e-02lf +
        s * -2.16637559486879084300e-03lf)))));
    const double q = 1.0lf + s * (1.06420880400844228286e-01lf + s * (5.40397917702171048937e-01lf +
        s * (7.18286544141962662868e-02lf + s * (1.26171219808761642112e-01lf +
        s * (1.36370839120290507362e-02lf + s * 1.19844998467991074170e-02lf)))));
    return (1.0lf - 8.45062911510467529297e-01lf) - p / q;
  }
  const double s = 1.0lf / (ax * ax);
  double r, q;
  if (ax < 2.857142857142857lf) {  // 1/0.35
    r = -9.86494403484714822705e-03lf + s * (-6.93858572707181764372e-01lf +
        s * (-1.05586262253232909814e+01lf + s * (-6.23753324503260060396e+01lf +
        s * (-1.62396669462573470355e+02lf + s * (-1.84605092906711035994e+02lf +
        s * (-8.12874355063065934246e+01lf + s * -9.81432934416914548592e+00lf))))));
    q = 1.0lf + s * (1.96512716674392571292e+01lf + s * (1.37657754143519042600e+02lf +
        s * (4.34565877475229228821e+02lf + s * (6.45387271733267880336e+02lf +
        s * (4.29008140027567833386e+02lf + s * (1.08635005541779435134e+02lf +
        s * (6.57024977031928170135e+00lf + s * -6.04244152148580987438e-02lf)))))));
  } else {
    r = -9.86494292470009928597e-03lf + s * (-7.99283237680523006574e-01lf +
        s * (-1.77579549177547519889e+01lf + s * (-1.60636384855821916062e+02lf +
        s * (-6.37566443368389627722e+02lf + s * (-1.02509513161107724954e+03lf +
        s * -4.83519191608651397019e+02lf)))));
    q = 1.0lf + s * (3.03380607434824582924e+01lf + s * (3.25792512996573918826e+02lf +
        s * (1.53672958608443695994e+03lf + s * (3.19985821950859553908e+03lf +
        s * (2.55305040643316442583e+03lf + s * (4.74528541206955367215e+02lf +
        s * -2.24409524465858183362e+01lf))))));
  }
  const double z = ct_bits64(0u, unpackDouble2x32(ax).y);
  return ct_exp(-z * z - 0.5625lf) * ct_exp((z - ax) * (z + ax) + r / q) / ax;
}

// erf on [0, 0.84375): x + x P(x^2)/Q(x^2).
double ct_erf_small(double x) {
  const double z = x * x;
  const double r = 1.28379167095512558561e-01lf + z * (-3.25042107247001499370e-01lf +
      z * (-2.84817495755985104766e-02lf + z * (-5.77027029648944159157e-03lf +
      z * -2.37630166566501626084e-05lf)));
  const double s = 1.0lf + z * (3.97917223959155352819e-01lf + z * (6.50222499887672944485e-02lf +
      z * (5.08130628187576562776e-03lf + z * (1.32494738004321644526e-04lf +
      z * -3.96022827877536812320e-06lf))));
  return x * (r / s);  // the correction to x
}

double ct_erf(double x) {
  if (isnan(x)) return x;
  const double ax = abs(x);
  if (ax < 0.84375lf) return x + ct_erf_small(x);
  const double y = ax >= 6.0lf ? 1.0lf : 1.0lf - ct_erfc_tail(ax);
  return x < 0.0lf ? -y : y;
}

double ct_erfc(double x) {
  if (isnan(x)) return x;
  const double ax = abs(x);
  if (ax < 0.84375lf) {
    const double c = ct_erf_small(x);
    return x < 0.25lf ? 1.0lf - (x + c) : 0.5lf - ((x - 0.5lf) + c);
  }
  const double t = ax < 28.0lf ? ct_erfc_tail(ax) : 0.0lf;
  return x < 0.0lf ? 2.0lf - t : t;
}

// erf_inv as the CPU's (backends/cpu/elementwise_ops.h, ErfInv): a guess refined by two Halley
// steps on erf(x) - |y| (or (1 - |y|) - erfc(x) above 1/2).
double ct_erf_inv(double y) {
  const double ay = abs(y);
  if (!(ay < 1.0lf)) return ay == 1.0lf ? y * CT_INF64 : CT_NAN64;
  double w = -ct_log((1.0lf - ay) * (1.0lf + ay)), x;
  if (w < 5.0lf) {
    w -= 2.5lf;
    x = ay * (1.50140941lf + w * (0.246640727lf + w * (-0.00417768164lf + w * (-0.00125372503lf +
        w * (0.00021858087lf + w * (-4.39150654e-06lf + w * (-3.5233877e-06lf +
        w * (3.43273939e-07lf + w * 2.81022636e-08lf))))))));
  } else if (w < 16.0lf) {
    w = ct_sqrt(w) - 3.0lf;
    x = ay * (2.83297682lf + w * (1.00167406lf + w * (0.00943887047lf + w * (-0.0076224613lf +
        w * (0.00573950773lf + w * (-0.00367342844lf + w * (0.00134934322lf +
        w * (0.000100950558lf + w * -0.000200214257lf))))))));
  } else {
    const double l = -ct_log(1.0lf - ay);
    x = ct_sqrt(l);
    for (int i = 0; i < 2; ++i) {
      x = ct_sqrt(l - ct_log(1.7724538509055159lf * x) + ct_log1p(-0.5lf / (x * x)));
    }
  }
  for (int i = 0; i < 2; ++i) {
    const double f = ay <= 0.5lf ? ct_erf(x) - ay : (1.0lf - ay) - ct_erfc(x);
    const double r = f / (1.1283791670955126lf * ct_exp(-x * x));
    x -= r / (1.0lf + x * r);
  }
  return ct_signbit(y) ? -x : x;
}

// fmod, exact: subtract |y| 2^k with |y| 2^k <= r < |y| 2^(k+1), exactly (Sterbenz), until
// r < |y|; each step lowers r's exponent.
double ct_fmod(double x, double y) {
  if (isnan(x) || isnan(y) || isinf(x) || y == 0.0lf) return CT_NAN64;
  const double ay = abs(y);
  double r = abs(x);
  const int ey = int((unpackDouble2x32(ay).y >> 20) & 0x7FFu);
  for (int i = 0; i < 2100 && r >= ay; ++i) {
    const int k = int((unpackDouble2x32(r).y >> 20) & 0x7FFu) - ey;
    double t = ldexp(ay, k);
    if (t > r) t = ldexp(ay, k - 1);
    r -= t;
  }
  return ct_signbit(x) ? -r : r;
}

double ct_nextafter(double x, double y) {
  if (isnan(x) || isnan(y)) return CT_NAN64;
  if (x == y) return y;
  if (x == 0.0lf) return ct_bits64(1u, y < 0.0lf ? 0x80000000u : 0u);
  uvec2 b = unpackDouble2x32(x);  // away from zero: the magnitude's bits + 1; toward: - 1
  if ((x < y) == (x > 0.0lf)) {
    b.x += 1u;
    if (b.x == 0u) b.y += 1u;
  } else {
    if (b.x == 0u) b.y -= 1u;
    b.x -= 1u;
  }
  return packDouble2x32(b);
}

// ---- lgamma, digamma, zeta ----
// sin(pi r) and cos(pi r) for |r| <= 1/2 from the kernels above (pi r rounded once).
double ct_sinpi_reduced(double r) {
  const double a = abs(r), pi = 2.0lf * CT_PIO2_H;
  const double s = a <= 0.25lf ? ct_sin_kernel(pi * a, 0.0lf) : ct_cos_kernel(pi * (0.5lf - a), 0.0lf);
  return r < 0.0lf ? -s : s;
}
double ct_cospi_reduced(double r) {
  const double a = abs(r), pi = 2.0lf * CT_PIO2_H;
  return a <= 0.25lf ? ct_cos_kernel(pi * a, 0.0lf) : ct_sin_kernel(pi * (0.5lf - a), 0.0lf);
}

// lgamma(2 + z) and digamma(2 + z) for |z| <= 1/2 by their Taylor series at 2:
// lgamma(2 + z) = (1 - gamma) z + sum_k c_k z^k, c_k = (-1)^k (zeta(k) - 1) / k, and its
// derivative (coefficients k c_k), to k = 28 and 30 (the terms left are below 2^-60 of the sum).
// Expanded at 2, where lgamma is 0: its relative accuracy holds there and at 1, where the
// recurrence lgamma(x) = lgamma(x + 1) - log1p(x - 1) cancels only mildly.
double ct_lgamma2(double z) {
  return z * (4.22784335098467134e-01lf + z * (3.22467033424113203e-01lf + z * (-6.73523010531981020e-02lf + z * (2.05808084277845464e-02lf +
      z * (-7.38555102867398568e-03lf + z * (2.89051033074152336e-03lf +
      z * (-1.19275391170326102e-03lf + z * (5.09669524743042450e-04lf +
      z * (-2.23154758453579386e-04lf + z * (9.94575127818085310e-05lf +
      z * (-4.49262367381331420e-05lf + z * (2.05072127756706911e-05lf +
      z * (-9.43948827526839672e-06lf + z * (4.37486678990748817e-06lf +
      z * (-2.03921575380136619e-06lf + z * (9.55141213040741935e-07lf +
      z * (-4.49246919876456619e-07lf + z * (2.12071848055546646e-07lf +
      z * (-1.00432248239680991e-07lf + z * (4.76981016936398040e-08lf +
      z * (-2.27110946089431635e-08lf + z * (1.08386592148969546e-08lf +
      z * (-5.18347504197004664e-09lf + z * (2.48367454380247848e-09lf +
      z * (-1.19214014058609115e-09lf + z * (5.73136724167886225e-10lf +
      z * (-2.75952288512423336e-10lf + z * (1.33047643742444888e-10lf))))))))))))))))))))))))))));
}
double ct_digamma2(double z) {
  return 4.22784335098467134e-01lf + z * (6.44934066848226406e-01lf + z * (-2.02056903159594292e-01lf + z * (8.23232337111381857e-02lf +
      z * (-3.69277551433699266e-02lf + z * (1.73430619844491402e-02lf +
      z * (-8.34927738192282713e-03lf + z * (4.07735619794433960e-03lf +
      z * (-2.00839282608221426e-03lf + z * (9.94575127818085256e-04lf +
      z * (-4.94188604119464529e-04lf + z * (2.46086553308048320e-04lf +
      z * (-1.22713347578489145e-04lf + z * (6.12481350587048277e-05lf +
      z * (-3.05882363070204933e-05lf + z * (1.52822594086518710e-05lf +
      z * (-7.63719763789976257e-06lf + z * (3.81729326499984022e-06lf +
      z * (-1.90821271655393897e-06lf + z * (9.53962033872796212e-07lf +
      z * (-4.76932986787806447e-07lf + z * (2.38450502727733004e-07lf +
      z * (-1.19219925965311064e-07lf + z * (5.96081890512594801e-08lf +
      z * (-2.98035035146522793e-08lf + z * (1.49015548283650427e-08lf +
      z * (-7.45071178983543006e-09lf + z * (3.72533402478845728e-09lf +
      z * (-1.86265972351304914e-09lf +
      z * (9.31327432419668166e-10lf)))))))))))))))))))))))))))));
}

// lgamma for x >= 0.5: from the series on [0.5, 2.5) (x < 1.5 through lgamma(x + 1)), moved
// down by lgamma(x) = lgamma(x - n) + log((x - 1) ... (x - n)) below 10 (no cancellation: both
// terms are positive), Stirling's series to x^-13 from 10.
double ct_lgamma_pos(double x) {
  if (x < 1.5lf) return ct_lgamma2(x - 1.0lf) - ct_log1p(x - 1.0lf);
  if (x < 10.0lf) {
    double p = 1.0lf;
    while (x >= 2.5lf) {
      x -= 1.0lf;
      p *= x;
    }
    return ct_lgamma2(x - 2.0lf) + ct_log(p);
  }
  const double z = 1.0lf / (x * x);
  const double series = (1.0lf / 12.0lf - z * (1.0lf / 360.0lf - z * (1.0lf / 1260.0lf -
      z * (1.0lf / 1680.0lf - z * (1.0lf / 1188.0lf - z * (691.0lf / 360360.0lf -
      z / 156.0lf)))))) / x;
  return (x - 0.5lf) * ct_log(x) - x + 0.91893853320467274lf + series;
}

// log|Gamma(x)|: +inf at 0, -1, -2, ...; below 1/2 by the reflection log(pi / |sin(pi x)|) -
// lgamma(1 - x).
double ct_lgamma(double x) {
  if (isnan(x)) return x;
  if (isinf(x)) return CT_INF64;
  if (x >= 0.5lf) return ct_lgamma_pos(x);
  if (x == floor(x)) return CT_INF64;
  const double r = x - floor(x + 0.5lf);
  return ct_log(2.0lf * CT_PIO2_H / abs(ct_sinpi_reduced(r))) - ct_lgamma_pos(1.0lf - x);
}

// digamma as the CPU's (backends/cpu/special_math.h): reflection below 0, the recurrence
// psi(x) = psi(x + 1) - 1/x into [1.5, 2.5) and the series there, the asymptotic series from 10.
double ct_digamma(double x) {
  if (isnan(x) || x == -CT_INF64) return CT_NAN64;
  if (isinf(x)) return x;
  if (x <= 0.0lf && floor(x) == x) return CT_NAN64;
  double result = 0.0lf;
  if (x < 0.0lf) {
    const double r = x - floor(x + 0.5lf);
    result = -2.0lf * CT_PIO2_H * ct_cospi_reduced(r) / ct_sinpi_reduced(r);
    x = 1.0lf - x;
  }
  if (x >= 10.0lf) {
    const double z = 1.0lf / (x * x);
    const double tail = z * (1.0lf / 12.0lf - z * (1.0lf / 120.0lf - z * (1.0lf / 252.0lf -
        z * (1.0lf / 240.0lf - z * (1.0lf / 132.0lf - z * (691.0lf / 32760.0lf - z / 12.0lf))))));
    return result + ct_log(x) - 0.5lf / x - tail;
  }
  for (int i = 0; i < 2 && x < 1.5lf; ++i) {
    result -= 1.0lf / x;
    x += 1.0lf;
  }
  while (x >= 2.5lf) {
    x -= 1.0lf;
    result += 1.0lf / x;
  }
  return result + ct_digamma2(x - 2.0lf);
}

// The Hurwitz zeta function as the CPU's (Cephes's Euler-Maclaurin summation).
double ct_zeta(double s, double q) {
  if (isnan(s) || isnan(q)) return CT_NAN64;
  if (s == 1.0lf) return CT_INF64;
  if (s < 1.0lf) return CT_NAN64;
  if (q <= 0.0lf) {
    if (q == floor(q)) return CT_INF64;
    if (s != floor(s) || q < -1e6lf) return CT_NAN64;
  }
  const double eps = 1.1102230246251565e-16lf;
  double sum = ct_pow(q, -s), a = q, b = 0.0lf;
  for (int i = 0; i < 9 || a <= 9.0lf; ++i) {
    a += 1.0lf;
    b = ct_pow(a, -s);
    sum += b;
    if (abs(b / sum) < eps) return sum;
  }
  const double w = a;
  sum += b * w / (s - 1.0lf) - 0.5lf * b;
  double fac = 1.0lf, k = 0.0lf;
  for (int i = 0; i < 12; ++i) {
    const double divisor = i == 0 ? 12.0lf : i == 1 ? -720.0lf : i == 2 ? 30240.0lf :
        i == 3 ? -1209600.0lf : i == 4 ? 47900160.0lf : i == 5 ? -1.8924375803183791606e9lf :
        i == 6 ? 7.47242496e10lf : i == 7 ? -2.950130727918164224e12lf :
        i == 8 ? 1.1646782814350067249e14lf : i == 9 ? -4.5979787224074726105e15lf :
        i == 10 ? 1.8152105401943546773e17lf : -7.1661652561756670113e18lf;
    fac *= s + k;
    b /= w;
    const double t = fac * b / divisor;
    sum += t;
    if (abs(t / sum) < eps) break;
    k += 1.0lf;
    fac *= s + k;
    b /= w;
    k += 1.0lf;
  }
  return sum;
}

// ---- igamma, igammac, igamma_grad_a, random_gamma_grad as the CPU's ----
// (backends/cpu/special_math.h: the series of P below x = max(1, a), the continued fraction
// of Q above, each carrying its derivative in a; mode 0 the value, 1 the derivative in a, 2
// the sample derivative -(dP/da) / (dP/dx); ax = x^a e^-x / Gamma(a)).
double ct_igamma_series(int mode, double a, double x, double ax) {
  const double eps = 1.1102230246251565e-16lf;
  double r = a, c = 1.0lf, ans = 1.0lf, dc = 0.0lf, dans = 0.0lf;
  for (int n = 0; n < 10000; ++n) {
    r += 1.0lf;
    dc = dc * (x / r) - c * x / (r * r);
    dans += dc;
    c *= x / r;
    ans += c;
    if (mode == 0 ? !(c / ans > eps) : !(abs(dc / dans) > eps)) break;
  }
  if (mode == 0) return ans * ax / a;
  const double dlogax = ct_log(x) - ct_digamma(a + 1.0lf);
  if (mode == 1) return ax * (ans * dlogax + dans) / a;
  return -(dans + ans * dlogax) * x / a;
}
double ct_igammac_fraction(int mode, double a, double x, double ax) {
  const double eps = 1.1102230246251565e-16lf;
  double y = 1.0lf - a, z = x + y + 1.0lf, c = 0.0lf;
  double pkm2 = 1.0lf, qkm2 = x, pkm1 = x + 1.0lf, qkm1 = z * x;
  double dpkm2 = 0.0lf, dqkm2 = 0.0lf, dpkm1 = 0.0lf, dqkm1 = -x;
  double ans = pkm1 / qkm1, dans = (dpkm1 - ans * dqkm1) / qkm1;
  for (int n = 0; n < 10000; ++n) {
    c += 1.0lf;
    y += 1.0lf;
    z += 2.0lf;
    const double yc = y * c;
    const double pk = pkm1 * z - pkm2 * yc, qk = qkm1 * z - qkm2 * yc;
    const double dpk = dpkm1 * z - pkm1 - dpkm2 * yc + pkm2 * c;
    const double dqk = dqkm1 * z - qkm1 - dqkm2 * yc + qkm2 * c;
    bool converged = false;
    if (qk != 0.0lf) {
      const double r = pk / qk, dr = (dpk - r * dqk) / qk;
      converged = mode == 0 ? !(abs((ans - r) / r) > eps) : !(abs(dr - dans) > eps * abs(dr));
      ans = r;
      dans = dr;
    }
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    dpkm2 = dpkm1;
    dpkm1 = dpk;
    dqkm2 = dqkm1;
    dqkm1 = dqk;
    if (abs(pk) > 1.0lf / eps) {
      pkm2 *= eps;
      pkm1 *= eps;
      qkm2 *= eps;
      qkm1 *= eps;
      dpkm2 *= eps;
      dpkm1 *= eps;
      dqkm2 *= eps;
      dqkm1 *= eps;
    }
    if (converged) break;
  }
  if (mode == 0) return ans * ax;
  const double dlogax = ct_log(x) - ct_digamma(a);
  if (mode == 1) return ax * (ans * dlogax + dans);
  return (dans + ans * dlogax) * x;
}
double ct_igamma_ax(double a, double x) { return ct_exp(a * ct_log(x) - x - ct_lgamma(a)); }
double ct_igamma_either(double a, double x, bool complement) {
  if (isnan(a) || isnan(x) || a < 0.0lf || x < 0.0lf || (a == 0.0lf && x == 0.0lf) ||
      (isinf(a) && isinf(x))) {
    return CT_NAN64;
  }
  const double zero = complement ? 1.0lf : 0.0lf;
  if (x == 0.0lf || isinf(a)) return zero;
  if (a == 0.0lf || isinf(x)) return 1.0lf - zero;
  const double ax = ct_igamma_ax(a, x);
  if (x > 1.0lf && x > a) {
    const double q = ct_igammac_fraction(0, a, x, ax);
    return complement ? q : 1.0lf - q;
  }
  const double p = ct_igamma_series(0, a, x, ax);
  return complement ? 1.0lf - p : p;
}
double ct_igamma(double a, double x) { return ct_igamma_either(a, x, false); }
double ct_igammac(double a, double x) { return ct_igamma_either(a, x, true); }
double ct_igamma_grad_a(double a, double x) {
  if (isnan(a) || isnan(x) || a <= 0.0lf || x < 0.0lf) return CT_NAN64;
  if (x == 0.0lf || isinf(x) || isinf(a)) return 0.0lf;
  const double ax = ct_igamma_ax(a, x);
  if (ax == 0.0lf) return 0.0lf;
  return x > 1.0lf && x > a ? -ct_igammac_fraction(1, a, x, ax) : ct_igamma_series(1, a, x, ax);
}
double ct_random_gamma_grad(double a, double x) {
  if (isnan(a) || isnan(x) || a <= 0.0lf || x < 0.0lf || isinf(a) || isinf(x)) return CT_NAN64;
  if (x == 0.0lf) return 0.0lf;
  return x > 1.0lf && x > a ? ct_igammac_fraction(2, a, x, 0.0lf) : ct_igamma_series(2, a, x, 0.0lf);
}


// ---- bessel_i0e, bessel_i1e: exp(-|x|) I0(x), exp(-|x|) I1(x), Cephes's Chebyshev series ----
// (Clenshaw's recurrence) on [0, 8] in x/2 - 2 and on [8, inf) in 32/x - 2 (divided by
// sqrt(x)); Cephes's coefficients.
void ct_clenshaw(inout double b0, inout double b1, inout double b2, double y, double c) {
  b2 = b1;
  b1 = b0;
  b0 = y * b1 - b2 + c;
}
double ct_i0e_a(double y) {
  double b0 = -4.41534164647933937950E-18lf, b1 = 0.0lf, b2 = 0.0lf;
  ct_clenshaw(b0, b1, b2, y, 3.33079451882223809783E-17lf);
  ct_clenshaw(b0, b1, b2, y, -2.43127984654795469359E-16lf);
  ct_clenshaw(b0, b1, b2, y, 1.71539128555513303061E-15lf);
  ct_clenshaw(b0, b1, b2, y, -1.16853328779934516808E-14lf);
  ct_clenshaw(b0, b1, b2, y, 7.67618549860493561688E-14lf);
  ct_clenshaw(b0, b1, b2, y, -4.85644678311192946090E-13lf);
  ct_clenshaw(b0, b1, b2, y, 2.95505266312963983461E-12lf);
  ct_clenshaw(b0, b1, b2, y, -1.72682629144155570723E-11lf);
  ct_clenshaw(b0, b1, b2, y, 9.67580903537323691224E-11lf);
  ct_clenshaw(b0, b1, b2, y, -5.18979560163526290666E-10lf);
  ct_clenshaw(b0, b1, b2, y, 2.65982372468238665035E-9lf);
  ct_clenshaw(b0, b1, b2, y, -1.30002500998624804212E-8lf);
  ct_clenshaw(b0, b1, b2, y, 6.04699502254191894932E-8lf);
  ct_clenshaw(b0, b1, b2, y, -2.67079385394061173391E-7lf);
  ct_clenshaw(b0, b1, b2, y, 1.11738753912010371815E-6lf);
  ct_clenshaw(b0, b1, b2, y, -4.41673835845875056359E-6lf);
  ct_clenshaw(b0, b1, b2, y, 1.64484480707288970893E-5lf);
  ct_clenshaw(b0, b1, b2, y, -5.75419501008210370398E-5lf);
  ct_clenshaw(b0, b1, b2, y, 1.88502885095841655729E-4lf);
  ct_clenshaw(b0, b1, b2, y, -5.76375574538582365885E-4lf);
  ct_clenshaw(b0, b1, b2, y, 1.63947561694133579842E-3lf);
  ct_clenshaw(b0, b1, b2, y, -4.32430999505057594430E-3lf);
  ct_clenshaw(b0, b1, b2, y, 1.05464603945949983183E-2lf);
  ct_clenshaw(b0, b1, b2, y, -2.37374148058994688156E-2lf);
  ct_clenshaw(b0, b1, b2, y, 4.93052842396707084878E-2lf);
  ct_clenshaw(b0, b1, b2, y, -9.49010970480476444210E-2lf);
  ct_clenshaw(b0, b1, b2, y, 1.71620901522208775349E-1lf);
  ct_clenshaw(b0, b1, b2, y, -3.04682672343198398683E-1lf);
  ct_clenshaw(b0, b1, b2, y, 6.76795274409476084995E-1lf);
  return 0.5lf * (b0 - b2);
}
double ct_i0e_b(double y) {
  double b0 = -7.23318048787475395456E-18lf, b1 = 0.0lf, b2 = 0.0lf;
  ct_clenshaw(b0, b1, b2, y, -4.83050448594418207126E-18lf);
  ct_clenshaw(b0, b1, b2, y, 4.46562142029675999901E-17lf);
  ct_clenshaw(b0, b1, b2, y, 3.46122286769746109310E-17lf);
  ct_clenshaw(b0, b1, b2, y, -2.82762398051658348494E-16lf);
  ct_clenshaw(b0, b1, b2, y, -3.42548561967721913462E-16lf);
  ct_clenshaw(b0, b1, b2, y, 1.77256013305652638360E-15lf);
  ct_clenshaw(b0, b1, b2, y, 3.81168066935262242075E-15lf);
  ct_clenshaw(b0, b1, b2, y, -9.55484669882830764870E-15lf);
  ct_clenshaw(b0, b1, b2, y, -4.15056934728722208663E-14lf);
  ct_clenshaw(b0, b1, b2, y, 1.54008621752140982691E-14lf);
  ct_clenshaw(b0, b1, b2, y, 3.85277838274214270114E-13lf);
  ct_clenshaw(b0, b1, b2, y, 7.18012445138366623367E-13lf);
  ct_clenshaw(b0, b1, b2, y, -1.79417853150680611778E-12lf);
  ct_clenshaw(b0, b1, b2, y, -1.32158118404477131188E-11lf);
  ct_clenshaw(b0, b1, b2, y, -3.14991652796324136454E-11lf);
  ct_clenshaw(b0, b1, b2, y, 1.18891471078464383424E-11lf);
  ct_clenshaw(b0, b1, b2, y, 4.94060238822496958910E-10lf);
  ct_clenshaw(b0, b1, b2, y, 3.39623202570838634515E-9lf);
  ct_clenshaw(b0, b1, b2, y, 2.26666899049817806459E-8lf);
  ct_clenshaw(b0, b1, b2, y, 2.04891858946906374183E-7lf);
  ct_clenshaw(b0, b1, b2, y, 2.89137052083475648297E-6lf);
  ct_clenshaw(b0, b1, b2, y, 6.88975834691682398426E-5lf);
  ct_clenshaw(b0, b1, b2, y, 3.36911647825569408990E-3lf);
  ct_clenshaw(b0, b1, b2, y, 8.04490411014108831608E-1lf);
  return 0.5lf * (b0 - b2);
}
double ct_i1e_a(double y) {
  double b0 = 2.77791411276104639959E-18lf, b1 = 0.0lf, b2 = 0.0lf;
  ct_clenshaw(b0, b1, b2, y, -2.11142121435816608115E-17lf);
  ct_clenshaw(b0, b1, b2, y, 1.55363195773620046921E-16lf);
  ct_clenshaw(b0, b1, b2, y, -1.10559694773538630805E-15lf);
  ct_clenshaw(b0, b1, b2, y, 7.60068429473540693410E-15lf);
  ct_clenshaw(b0, b1, b2, y, -5.04218550472791168711E-14lf);
  ct_clenshaw(b0, b1, b2, y, 3.22379336594557470981E-13lf);
  ct_clenshaw(b0, b1, b2, y, -1.98397439776494371520E-12lf);
  ct_clenshaw(b0, b1, b2, y, 1.17361862988909016308E-11lf);
  ct_clenshaw(b0, b1, b2, y, -6.66348972350202774223E-11lf);
  ct_clenshaw(b0, b1, b2, y, 3.62559028155211703701E-10lf);
  ct_clenshaw(b0, b1, b2, y, -1.88724975172282928790E-9lf);
  ct_clenshaw(b0, b1, b2, y, 9.38153738649577178388E-9lf);
  ct_clenshaw(b0, b1, b2, y, -4.44505912879632808065E-8lf);
  ct_clenshaw(b0, b1, b2, y, 2.00329475355213526229E-7lf);
  ct_clenshaw(b0, b1, b2, y, -8.56872026469545474066E-7lf);
  ct_clenshaw(b0, b1, b2, y, 3.47025130813767847674E-6lf);
  ct_clenshaw(b0, b1, b2, y, -1.32731636560394358279E-5lf);
  ct_clenshaw(b0, b1, b2, y, 4.78156510755005422638E-5lf);
  ct_clenshaw(b0, b1, b2, y, -1.61760815825896745588E-4lf);
  ct_clenshaw(b0, b1, b2, y, 5.12285956168575772895E-4lf);
  ct_clenshaw(b0, b1, b2, y, -1.51357245063125314899E-3lf);
  ct_clenshaw(b0, b1, b2, y, 4.15642294431288815669E-3lf);
  ct_clenshaw(b0, b1, b2, y, -1.05640848946261981558E-2lf);
  ct_clenshaw(b0, b1, b2, y, 2.47264490306265168283E-2lf);
  ct_clenshaw(b0, b1, b2, y, -5.29459812080949914269E-2lf);
  ct_clenshaw(b0, b1, b2, y, 1.02643658689847095384E-1lf);
  ct_clenshaw(b0, b1, b2, y, -1.76416518357834055153E-1lf);
  ct_clenshaw(b0, b1, b2, y, 2.52587186443633654823E-1lf);
  return 0.5lf * (b0 - b2);
}
double ct_i1e_b(double y) {
  double b0 = 7.51729631084210481353E-18lf, b1 = 0.0lf, b2 = 0.0lf;
  ct_clenshaw(b0, b1, b2, y, 4.41434832307170791151E-18lf);
  ct_clenshaw(b0, b1, b2, y, -4.65030536848935832153E-17lf);
  ct_clenshaw(b0, b1, b2, y, -3.20952592199342395980E-17lf);
  ct_clenshaw(b0, b1, b2, y, 2.96262899764595013876E-16lf);
  ct_clenshaw(b0, b1, b2, y, 3.30820231092092828324E-16lf);
  ct_clenshaw(b0, b1, b2, y, -1.88035477551078244854E-15lf);
  ct_clenshaw(b0, b1, b2, y, -3.81440307243700780478E-15lf);
  ct_clenshaw(b0, b1, b2, y, 1.04202769841288027642E-14lf);
  ct_clenshaw(b0, b1, b2, y, 4.27244001671195135429E-14lf);
  ct_clenshaw(b0, b1, b2, y, -2.10154184277266431302E-14lf);
  ct_clenshaw(b0, b1, b2, y, -4.08355111109219731823E-13lf);
  ct_clenshaw(b0, b1, b2, y, -7.19855177624590851209E-13lf);
  ct_clenshaw(b0, b1, b2, y, 2.03562854414708950722E-12lf);
  ct_clenshaw(b0, b1, b2, y, 1.41258074366137813316E-11lf);
  ct_clenshaw(b0, b1, b2, y, 3.25260358301548823856E-11lf);
  ct_clenshaw(b0, b1, b2, y, -1.89749581235054123450E-11lf);
  ct_clenshaw(b0, b1, b2, y, -5.58974346219658380687E-10lf);
  ct_clenshaw(b0, b1, b2, y, -3.83538038596423702205E-9lf);
  ct_clenshaw(b0, b1, b2, y, -2.63146884688951950684E-8lf);
  ct_clenshaw(b0, b1, b2, y, -2.51223623787020892529E-7lf);
  ct_clenshaw(b0, b1, b2, y, -3.88256480887769039346E-6lf);
  ct_clenshaw(b0, b1, b2, y, -1.10588938762623716291E-4lf);
  ct_clenshaw(b0, b1, b2, y, -9.76109749136146840777E-3lf);
  ct_clenshaw(b0, b1, b2, y, 7.78576235018280120474E-1lf);
  return 0.5lf * (b0 - b2);
}
double ct_bessel_i0e(double x) {
  const double a = abs(x);
  if (isinf(a)) return 0.0lf;
  return a <= 8.0lf ? ct_i0e_a(0.5lf * a - 2.0lf) : ct_i0e_b(32.0lf / a - 2.0lf) / ct_sqrt(a);
}
double ct_bessel_i1e(double x) {
  const double a = abs(x);
  if (isinf(a)) return x < 0.0lf ? -0.0lf : 0.0lf;
  const double r = a <= 8.0lf ? ct_i1e_a(0.5lf * a - 2.0lf) * a : ct_i1e_b(32.0lf / a - 2.0lf) / ct_sqrt(a);
  return x < 0.0lf ? -r : r;
}
