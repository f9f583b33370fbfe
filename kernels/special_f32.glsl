// File: kernels/special_f32.glsl
// f32 atan2, erf, erfc, erf_inv, fmod, nextafter, lgamma, digamma, zeta, the incomplete gamma
// family and bessel_i0e/i1e for the run-time elementwise kernels, in float arithmetic only:
// special_f64.glsl's algorithms at float precision, over math_f32.glsl's exp, log and helpers
// (a kernel includes math_common.glsl, math_f32.glsl, then this file: MathLibrary in
// backends/vulkan/elementwise_kernels.h).
// ---- atan2, erf, erfc, erf_inv, fmod, nextafter ----
// The algorithms of math_f64.glsl in float arithmetic, with fdlibm's double coefficients
// rounded to float (their approximation errors are far below float's).

bool ct_signbitf(float x) { return (floatBitsToUint(x) & 0x80000000u) != 0u; }

// atan(ax) for ax >= 0 (not NaN).
float ct_atan_pos(float ax) {
  if (ax >= 67108864.0) return CT_PIO2_H_F;  // 2^26
  if (ax < 2.44140625e-4) return ax;          // 2^-12
  int id = -1;
  float x = ax, hi = 0.0, lo = 0.0;
  if (ax >= 2.4375) {
    id = 3; x = -1.0 / ax; hi = 1.5707962513e+00; lo = 7.5497894159e-08;
  } else if (ax >= 1.1875) {
    id = 2; x = (ax - 1.5) / (1.0 + 1.5 * ax); hi = 9.8279368877e-01; lo = 3.4473217170e-08;
  } else if (ax >= 0.6875) {
    id = 1; x = (ax - 1.0) / (ax + 1.0); hi = 7.8539812565e-01; lo = 3.7748947079e-08;
  } else if (ax >= 0.4375) {
    id = 0; x = (2.0 * ax - 1.0) / (2.0 + ax); hi = 4.6364760399e-01; lo = 5.0121582440e-09;
  }
  const float z = x * x, w = z * z;
  const float s1 = z * (3.33333333333329318027e-01 + w * (1.42857142725034663711e-01 +
      w * (9.09088713343650656196e-02 + w * (6.66107313738753120669e-02 +
      w * (4.97687799461593236017e-02 + w * 1.62858201153657823623e-02)))));
  const float s2 = w * (-1.99999999998764832476e-01 + w * (-1.11111104054623557880e-01 +
      w * (-7.69187620504482999495e-02 + w * (-5.83357013379057348645e-02 +
      w * -3.65315727442169155270e-02))));
  if (id < 0) return x - x * (s1 + s2);
  precise float r = hi - ((x * (s1 + s2) - lo) - x);
  return r;
}

float ct_atan2(float y, float x) {
  if (isnan(x) || isnan(y)) return CT_NAN32;
  const bool ny = ct_signbitf(y), nx = ct_signbitf(x);
  const float pi = 2.0 * CT_PIO2_H_F, pi_lo = -8.7422776573e-08;  // pi - float(pi)
  float z;
  if (y == 0.0) {
    z = nx ? pi : 0.0;
  } else if (x == 0.0 || (isinf(y) && !isinf(x))) {
    z = CT_PIO2_H_F;
  } else if (isinf(x)) {
    z = isinf(y) ? (nx ? 3.0 : 1.0) * 0.5 * CT_PIO2_H_F : (nx ? pi : 0.0);
  } else {
    const int k = int((floatBitsToUint(y) >> 23) & 0xFFu) - int((floatBitsToUint(x) >> 23) & 0xFFu);
    if (k > 26) {
      z = CT_PIO2_H_F;
    } else {
      z = nx && k < -26 ? 0.0 : ct_atan_pos(abs(y / x));
      if (nx) {
        precise float t = pi - (z - pi_lo);
        z = t;
      }
    }
  }
  return ny ? -z : z;
}

float ct_erfc_tail(float ax) {
  if (ax < 1.25) {
    const float s = ax - 1.0;
    const float p = -2.36211856075265944077e-03 + s * (4.14856118683748331666e-01 +
        s * (-3.72207876035701323847e-01 + s * (3.18346619901161753674e-01 +
        s * (-1.10894694282396677476e-01 + s * (3.54783043256182359371e-02 +
        s * -2.16637559486879084300e-03)))));
    const float q = 1.0 + s * (1.06420880400844228286e-01 + s * (5.40397917702171048937e-01 +
        s * (7.18286544141962662868e-02 + s * (1.26171219808761642112e-01 +
        s * (1.36370839120290507362e-02 + s * 1.19844998467991074170e-02)))));
    return (1.0 - 8.45062911510467529297e-01) - p / q;
  }
  const float s = 1.0 / (ax * ax);
  float r, q;
  if (ax < 2.857142857142857) {
    r = -9.86494403484714822705e-03 + s * (-6.93858572707181764372e-01 +
        s * (-1.05586262253232909814e+01 + s * (-6.23753324503260060396e+01 +
        s * (-1.62396669462573470355e+02 + s * (-1.84605092906711035994e+02 +
        s * (-8.12874355063065934246e+01 + s * -9.81432934416914548592e+00))))));
    q = 1.0 + s * (1.96512716674392571292e+01 + s * (1.37657754143519042600e+02 +
        s * (4.34565877475229228821e+02 + s * (6.45387271733267880336e+02 +
        s * (4.29008140027567833386e+02 + s * (1.08635005541779435134e+02 +
        s * (6.57024977031928170135e+00 + s * -6.04244152148580987438e-02)))))));
  } else {
    r = -9.86494292470009928597e-03 + s * (-7.99283237680523006574e-01 +
        s * (-1.77579549177547519889e+01 + s * (-1.60636384855821916062e+02 +
        s * (-6.37566443368389627722e+02 + s * (-1.02509513161107724954e+03 +
        s * -4.83519191608651397019e+02)))));
    q = 1.0 + s * (3.03380607434824582924e+01 + s * (3.25792512996573918826e+02 +
        s * (1.53672958608443695994e+03 + s * (3.19985821950859553908e+03 +
        s * (2.55305040643316442583e+03 + s * (4.74528541206955367215e+02 +
        s * -2.24409524465858183362e+01))))));
  }
  const float z = ct_bits32(floatBitsToUint(ax) & 0xFFFFE000u);  // 11 bits: z^2 is exact
  return ct_exp(-z * z - 0.5625) * ct_exp((z - ax) * (z + ax) + r / q) / ax;
}

float ct_erf_small(float x) {
  const float z = x * x;
  const float r = 1.28379167095512558561e-01 + z * (-3.25042107247001499370e-01 +
      z * (-2.84817495755985104766e-02 + z * (-5.77027029648944159157e-03 +
      z * -2.37630166566501626084e-05)));
  const float s = 1.0 + z * (3.97917223959155352819e-01 + z * (6.50222499887672944485e-02 +
      z * (5.08130628187576562776e-03 + z * (1.32494738004321644526e-04 +
      z * -3.96022827877536812320e-06))));
  return x * (r / s);
}

float ct_erf(float x) {
  if (isnan(x)) return x;
  const float ax = abs(x);
  if (ax < 0.84375) return x + ct_erf_small(x);
  const float y = ax >= 4.0 ? 1.0 : 1.0 - ct_erfc_tail(ax);
  return x < 0.0 ? -y : y;
}

float ct_erfc(float x) {
  if (isnan(x)) return x;
  const float ax = abs(x);
  if (ax < 0.84375) {
    const float c = ct_erf_small(x);
    return x < 0.25 ? 1.0 - (x + c) : 0.5 - ((x - 0.5) + c);
  }
  const float t = ax < 10.1 ? ct_erfc_tail(ax) : 0.0;
  return x < 0.0 ? 2.0 - t : t;
}

// Giles's single-precision polynomials, then one Halley step (math_f64.glsl's ct_erf_inv).
float ct_erf_inv(float y) {
  const float ay = abs(y);
  if (!(ay < 1.0)) return ay == 1.0 ? y * CT_INF32 : CT_NAN32;
  float w = -ct_log((1.0 - ay) * (1.0 + ay)), x;
  if (w < 5.0) {
    w -= 2.5;
    x = ay * (1.50140941 + w * (0.246640727 + w * (-0.00417768164 + w * (-0.00125372503 +
        w * (0.00021858087 + w * (-4.39150654e-06 + w * (-3.5233877e-06 +
        w * (3.43273939e-07 + w * 2.81022636e-08))))))));
  } else {
    w = ct_sqrt(w) - 3.0;
    x = ay * (2.83297682 + w * (1.00167406 + w * (0.00943887047 + w * (-0.0076224613 +
        w * (0.00573950773 + w * (-0.00367342844 + w * (0.00134934322 +
        w * (0.000100950558 + w * -0.000200214257))))))));
  }
  const float f = ay <= 0.5 ? ct_erf(x) - ay : (1.0 - ay) - ct_erfc(x);
  const float r = f / (1.1283791670955126 * ct_exp(-x * x));
  x -= r / (1.0 + x * r);
  return ct_signbitf(y) ? -x : x;
}

float ct_fmod(float x, float y) {
  if (isnan(x) || isnan(y) || isinf(x) || y == 0.0) return CT_NAN32;
  const float ay = abs(y);
  float r = abs(x);
  const int ey = int((floatBitsToUint(ay) >> 23) & 0xFFu);
  for (int i = 0; i < 300 && r >= ay; ++i) {
    const int k = int((floatBitsToUint(r) >> 23) & 0xFFu) - ey;
    float t = ldexp(ay, k);
    if (t > r) t = ldexp(ay, k - 1);
    r -= t;
  }
  return ct_signbitf(x) ? -r : r;
}

float ct_nextafter(float x, float y) {
  if (isnan(x) || isnan(y)) return CT_NAN32;
  if (x == y) return y;
  if (x == 0.0) return ct_bits32(y < 0.0 ? 0x80000001u : 1u);
  const uint b = floatBitsToUint(x);
  return ct_bits32((x < y) == (x > 0.0) ? b + 1u : b - 1u);
}

// ---- lgamma, digamma, zeta (math_f64.glsl's, in float) ----
float ct_sinpi_reduced(float r) {
  const float a = abs(r), pi = 2.0 * CT_PIO2_H_F;
  const float s = a <= 0.25 ? ct_sin_kernelf(pi * a, 0.0) : ct_cos_kernelf(pi * (0.5 - a), 0.0);
  return r < 0.0 ? -s : s;
}
float ct_cospi_reduced(float r) {
  const float a = abs(r), pi = 2.0 * CT_PIO2_H_F;
  return a <= 0.25 ? ct_cos_kernelf(pi * a, 0.0) : ct_sin_kernelf(pi * (0.5 - a), 0.0);
}

float ct_lgamma2(float z) {
  return z * (4.22784335098467134e-01 + z * (3.22467033424113203e-01 + z * (-6.73523010531981020e-02 + z * (2.05808084277845464e-02 +
      z * (-7.38555102867398568e-03 + z * (2.89051033074152336e-03 +
      z * (-1.19275391170326102e-03 + z * (5.09669524743042450e-04 +
      z * (-2.23154758453579386e-04 + z * (9.94575127818085310e-05 +
      z * (-4.49262367381331420e-05 + z * (2.05072127756706911e-05 +
      z * (-9.43948827526839672e-06 + z * (4.37486678990748817e-06))))))))))))));
}
float ct_digamma2(float z) {
  return 4.22784335098467134e-01 + z * (6.44934066848226406e-01 + z * (-2.02056903159594292e-01 + z * (8.23232337111381857e-02 +
      z * (-3.69277551433699266e-02 + z * (1.73430619844491402e-02 +
      z * (-8.34927738192282713e-03 + z * (4.07735619794433960e-03 +
      z * (-2.00839282608221426e-03 + z * (9.94575127818085256e-04 +
      z * (-4.94188604119464529e-04 + z * (2.46086553308048320e-04 +
      z * (-1.22713347578489145e-04 + z * (6.12481350587048277e-05 +
      z * (-3.05882363070204933e-05 + z * (1.52822594086518710e-05)))))))))))))));
}

float ct_lgamma_pos(float x) {
  if (x < 1.5) return ct_lgamma2(x - 1.0) - ct_log1p(x - 1.0);
  if (x < 10.0) {
    float p = 1.0;
    while (x >= 2.5) {
      x -= 1.0;
      p *= x;
    }
    return ct_lgamma2(x - 2.0) + ct_log(p);
  }
  const float z = 1.0 / (x * x);
  const float series = (1.0 / 12.0 - z * (1.0 / 360.0 - z * (1.0 / 1260.0 - z * (1.0 / 1680.0)))) / x;
  return (x - 0.5) * ct_log(x) - x + 0.91893853320467274 + series;
}

float ct_lgamma(float x) {
  if (isnan(x)) return x;
  if (isinf(x)) return CT_INF32;
  if (x >= 0.5) return ct_lgamma_pos(x);
  if (x == floor(x)) return CT_INF32;
  const float r = x - floor(x + 0.5);
  return ct_log(2.0 * CT_PIO2_H_F / abs(ct_sinpi_reduced(r))) - ct_lgamma_pos(1.0 - x);
}

float ct_digamma(float x) {
  if (isnan(x) || x == -CT_INF32) return CT_NAN32;
  if (isinf(x)) return x;
  if (x <= 0.0 && floor(x) == x) return CT_NAN32;
  float result = 0.0;
  if (x < 0.0) {
    const float r = x - floor(x + 0.5);
    result = -2.0 * CT_PIO2_H_F * ct_cospi_reduced(r) / ct_sinpi_reduced(r);
    x = 1.0 - x;
  }
  if (x >= 10.0) {
    const float z = 1.0 / (x * x);
    const float tail = z * (1.0 / 12.0 - z * (1.0 / 120.0 - z * (1.0 / 252.0 - z * (1.0 / 240.0))));
    return result + ct_log(x) - 0.5 / x - tail;
  }
  for (int i = 0; i < 2 && x < 1.5; ++i) {
    result -= 1.0 / x;
    x += 1.0;
  }
  while (x >= 2.5) {
    x -= 1.0;
    result += 1.0 / x;
  }
  return result + ct_digamma2(x - 2.0);
}

float ct_zeta(float s, float q) {
  if (isnan(s) || isnan(q)) return CT_NAN32;
  if (s == 1.0) return CT_INF32;
  if (s < 1.0) return CT_NAN32;
  if (q <= 0.0) {
    if (q == floor(q)) return CT_INF32;
    if (s != floor(s) || q < -1e6) return CT_NAN32;
  }
  const float eps = 5.9604645e-8;
  float sum = ct_pow(q, -s), a = q, b = 0.0;
  for (int i = 0; i < 9 || a <= 9.0; ++i) {
    a += 1.0;
    b = ct_pow(a, -s);
    sum += b;
    if (abs(b / sum) < eps) return sum;
  }
  const float w = a;
  sum += b * w / (s - 1.0) - 0.5 * b;
  float fac = 1.0, k = 0.0;
  for (int i = 0; i < 6; ++i) {
    const float divisor = i == 0 ? 12.0 : i == 1 ? -720.0 : i == 2 ? 30240.0 :
        i == 3 ? -1209600.0 : i == 4 ? 47900160.0 : -1.8924375803183791606e9;
    fac *= s + k;
    b /= w;
    const float t = fac * b / divisor;
    sum += t;
    if (abs(t / sum) < eps) break;
    k += 1.0;
    fac *= s + k;
    b /= w;
    k += 1.0;
  }
  return sum;
}


// ---- igamma, igammac, igamma_grad_a, random_gamma_grad as the CPU's, in float ----
// (backends/cpu/special_math.h: the series of P below x = max(1, a), the continued fraction
// of Q above, each carrying its derivative in a; mode 0 the value, 1 the derivative in a, 2
// the sample derivative -(dP/da) / (dP/dx); ax = x^a e^-x / Gamma(a)).
float ct_igamma_series(int mode, float a, float x, float ax) {
  const float eps = 5.9604645e-8;
  float r = a, c = 1.0, ans = 1.0, dc = 0.0, dans = 0.0;
  for (int n = 0; n < 10000; ++n) {
    r += 1.0;
    dc = dc * (x / r) - c * x / (r * r);
    dans += dc;
    c *= x / r;
    ans += c;
    if (mode == 0 ? !(c / ans > eps) : !(abs(dc / dans) > eps)) break;
  }
  if (mode == 0) return ans * ax / a;
  const float dlogax = ct_log(x) - ct_digamma(a + 1.0);
  if (mode == 1) return ax * (ans * dlogax + dans) / a;
  return -(dans + ans * dlogax) * x / a;
}
float ct_igammac_fraction(int mode, float a, float x, float ax) {
  const float eps = 5.9604645e-8;
  float y = 1.0 - a, z = x + y + 1.0, c = 0.0;
  float pkm2 = 1.0, qkm2 = x, pkm1 = x + 1.0, qkm1 = z * x;
  float dpkm2 = 0.0, dqkm2 = 0.0, dpkm1 = 0.0, dqkm1 = -x;
  float ans = pkm1 / qkm1, dans = (dpkm1 - ans * dqkm1) / qkm1;
  for (int n = 0; n < 10000; ++n) {
    c += 1.0;
    y += 1.0;
    z += 2.0;
    const float yc = y * c;
    const float pk = pkm1 * z - pkm2 * yc, qk = qkm1 * z - qkm2 * yc;
    const float dpk = dpkm1 * z - pkm1 - dpkm2 * yc + pkm2 * c;
    const float dqk = dqkm1 * z - qkm1 - dqkm2 * yc + qkm2 * c;
    bool converged = false;
    if (qk != 0.0) {
      const float r = pk / qk, dr = (dpk - r * dqk) / qk;
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
    if (abs(pk) > 1.0 / eps) {
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
  const float dlogax = ct_log(x) - ct_digamma(a);
  if (mode == 1) return ax * (ans * dlogax + dans);
  return (dans + ans * dlogax) * x;
}
float ct_igamma_ax(float a, float x) { return ct_exp(a * ct_log(x) - x - ct_lgamma(a)); }
float ct_igamma_either(float a, float x, bool complement) {
  if (isnan(a) || isnan(x) || a < 0.0 || x < 0.0 || (a == 0.0 && x == 0.0) ||
      (isinf(a) && isinf(x))) {
    return CT_NAN32;
  }
  const float zero = complement ? 1.0 : 0.0;
  if (x == 0.0 || isinf(a)) return zero;
  if (a == 0.0 || isinf(x)) return 1.0 - zero;
  const float ax = ct_igamma_ax(a, x);
  if (x > 1.0 && x > a) {
    const float q = ct_igammac_fraction(0, a, x, ax);
    return complement ? q : 1.0 - q;
  }
  const float p = ct_igamma_series(0, a, x, ax);
  return complement ? 1.0 - p : p;
}
float ct_igamma(float a, float x) { return ct_igamma_either(a, x, false); }
float ct_igammac(float a, float x) { return ct_igamma_either(a, x, true); }
float ct_igamma_grad_a(float a, float x) {
  if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0) return CT_NAN32;
  if (x == 0.0 || isinf(x) || isinf(a)) return 0.0;
  const float ax = ct_igamma_ax(a, x);
  if (ax == 0.0) return 0.0;
  return x > 1.0 && x > a ? -ct_igammac_fraction(1, a, x, ax) : ct_igamma_series(1, a, x, ax);
}
float ct_random_gamma_grad(float a, float x) {
  if (isnan(a) || isnan(x) || a <= 0.0 || x < 0.0 || isinf(a) || isinf(x)) return CT_NAN32;
  if (x == 0.0) return 0.0;
  return x > 1.0 && x > a ? ct_igammac_fraction(2, a, x, 0.0) : ct_igamma_series(2, a, x, 0.0);
}

// ---- bessel_i0e, bessel_i1e: exp(-|x|) I0(x), exp(-|x|) I1(x), Cephes's Chebyshev series ----
// (Clenshaw's recurrence) on [0, 8] in x/2 - 2 and on [8, inf) in 32/x - 2 (divided by
// sqrt(x)); Cephes's coefficients, less those below float's precision (|c| < 1e-9).
void ct_clenshawf(inout float b0, inout float b1, inout float b2, float y, float c) {
  b2 = b1;
  b1 = b0;
  b0 = y * b1 - b2 + c;
}
float ct_i0e_a(float y) {
  float b0 = 2.65982372468238665035E-9, b1 = 0.0, b2 = 0.0;
  ct_clenshawf(b0, b1, b2, y, -1.30002500998624804212E-8);
  ct_clenshawf(b0, b1, b2, y, 6.04699502254191894932E-8);
  ct_clenshawf(b0, b1, b2, y, -2.67079385394061173391E-7);
  ct_clenshawf(b0, b1, b2, y, 1.11738753912010371815E-6);
  ct_clenshawf(b0, b1, b2, y, -4.41673835845875056359E-6);
  ct_clenshawf(b0, b1, b2, y, 1.64484480707288970893E-5);
  ct_clenshawf(b0, b1, b2, y, -5.75419501008210370398E-5);
  ct_clenshawf(b0, b1, b2, y, 1.88502885095841655729E-4);
  ct_clenshawf(b0, b1, b2, y, -5.76375574538582365885E-4);
  ct_clenshawf(b0, b1, b2, y, 1.63947561694133579842E-3);
  ct_clenshawf(b0, b1, b2, y, -4.32430999505057594430E-3);
  ct_clenshawf(b0, b1, b2, y, 1.05464603945949983183E-2);
  ct_clenshawf(b0, b1, b2, y, -2.37374148058994688156E-2);
  ct_clenshawf(b0, b1, b2, y, 4.93052842396707084878E-2);
  ct_clenshawf(b0, b1, b2, y, -9.49010970480476444210E-2);
  ct_clenshawf(b0, b1, b2, y, 1.71620901522208775349E-1);
  ct_clenshawf(b0, b1, b2, y, -3.04682672343198398683E-1);
  ct_clenshawf(b0, b1, b2, y, 6.76795274409476084995E-1);
  return 0.5 * (b0 - b2);
}
float ct_i0e_b(float y) {
  float b0 = 3.39623202570838634515E-9, b1 = 0.0, b2 = 0.0;
  ct_clenshawf(b0, b1, b2, y, 2.26666899049817806459E-8);
  ct_clenshawf(b0, b1, b2, y, 2.04891858946906374183E-7);
  ct_clenshawf(b0, b1, b2, y, 2.89137052083475648297E-6);
  ct_clenshawf(b0, b1, b2, y, 6.88975834691682398426E-5);
  ct_clenshawf(b0, b1, b2, y, 3.36911647825569408990E-3);
  ct_clenshawf(b0, b1, b2, y, 8.04490411014108831608E-1);
  return 0.5 * (b0 - b2);
}
float ct_i1e_a(float y) {
  float b0 = -1.88724975172282928790E-9, b1 = 0.0, b2 = 0.0;
  ct_clenshawf(b0, b1, b2, y, 9.38153738649577178388E-9);
  ct_clenshawf(b0, b1, b2, y, -4.44505912879632808065E-8);
  ct_clenshawf(b0, b1, b2, y, 2.00329475355213526229E-7);
  ct_clenshawf(b0, b1, b2, y, -8.56872026469545474066E-7);
  ct_clenshawf(b0, b1, b2, y, 3.47025130813767847674E-6);
  ct_clenshawf(b0, b1, b2, y, -1.32731636560394358279E-5);
  ct_clenshawf(b0, b1, b2, y, 4.78156510755005422638E-5);
  ct_clenshawf(b0, b1, b2, y, -1.61760815825896745588E-4);
  ct_clenshawf(b0, b1, b2, y, 5.12285956168575772895E-4);
  ct_clenshawf(b0, b1, b2, y, -1.51357245063125314899E-3);
  ct_clenshawf(b0, b1, b2, y, 4.15642294431288815669E-3);
  ct_clenshawf(b0, b1, b2, y, -1.05640848946261981558E-2);
  ct_clenshawf(b0, b1, b2, y, 2.47264490306265168283E-2);
  ct_clenshawf(b0, b1, b2, y, -5.29459812080949914269E-2);
  ct_clenshawf(b0, b1, b2, y, 1.02643658689847095384E-1);
  ct_clenshawf(b0, b1, b2, y, -1.76416518357834055153E-1);
  ct_clenshawf(b0, b1, b2, y, 2.52587186443633654823E-1);
  return 0.5 * (b0 - b2);
}
float ct_i1e_b(float y) {
  float b0 = -3.83538038596423702205E-9, b1 = 0.0, b2 = 0.0;
  ct_clenshawf(b0, b1, b2, y, -2.63146884688951950684E-8);
  ct_clenshawf(b0, b1, b2, y, -2.51223623787020892529E-7);
  ct_clenshawf(b0, b1, b2, y, -3.88256480887769039346E-6);
  ct_clenshawf(b0, b1, b2, y, -1.10588938762623716291E-4);
  ct_clenshawf(b0, b1, b2, y, -9.76109749136146840777E-3);
  ct_clenshawf(b0, b1, b2, y, 7.78576235018280120474E-1);
  return 0.5 * (b0 - b2);
}
float ct_bessel_i0e(float x) {
  const float a = abs(x);
  if (isinf(a)) return 0.0;
  return a <= 8.0 ? ct_i0e_a(0.5 * a - 2.0) : ct_i0e_b(32.0 / a - 2.0) / ct_sqrt(a);
}
float ct_bessel_i1e(float x) {
  const float a = abs(x);
  if (isinf(a)) return x < 0.0 ? -0.0 : 0.0;
  const float r = a <= 8.0 ? ct_i1e_a(0.5 * a - 2.0) * a : ct_i1e_b(32.0 / a - 2.0) / ct_sqrt(a);
  return x < 0.0 ? -r : r;
}
