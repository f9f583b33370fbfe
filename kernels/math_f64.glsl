// File: kernels/math_f64.glsl
// f64 exp, log, log1p, expm1, sin, cos, tanh, pow and sqrt for the run-time elementwise kernels
// (GLSL has none of them in double). Everything is computed in double, never in float:
//   exp:   x = k ln2 + r (Cody-Waite, |r| <= ln2/2), exp(r) by Taylor to r^13, times 2^k.
//   log:   x = 2^e m, m = c (1 + ...) with c in {1, 1.25, 1.5, 1.75}, log m = log c + 2 atanh(s),
//          s = (m - c) / (m + c), |s| < 0.067, summed in double-double (so pow gets ~100 bits).
//   sin/cos: Payne-Hanek reduction to |y| <= pi/4 (math_common.glsl), Taylor kernels with the
//          tail of y (fdlibm's __kernel_sin/__kernel_cos structure).
//   log1p: log(u) of u = 1 + x plus the rounding correction (1 + x - u) / u (fdlibm).
//   expm1: Taylor for |x| <= ln2/2, else 2^k (1 + expm1(r)) - 1 without cancellation.
//   tanh:  from expm1 (fdlibm); pow: exp of y * log|x| in double-double, C99 special cases.
// Compensated steps (two-sums, tails of reduced arguments, double-double sums) are `precise`:
// Mesa and other drivers otherwise apply algebraic rewrites (reassociation) that cancel them.
// Polynomial coefficients are 1/n! and 2/(2n+1) rounded to double. The measured errors
// against glibc are in docs/vulkan.md (tests/backends/vulkan_math_test.cc measures them).

double ct_bits64(uint lo, uint hi) { return packDouble2x32(uvec2(lo, hi)); }

const double CT_INV_LN2 = 1.4426950408889634lf;
// ln2 = CT_LN2_HI32 + CT_LN2_LO32 with the high part's 21 low bits zero: k * CT_LN2_HI32 is
// exact for |k| < 2^21 (fdlibm's split).
#define CT_LN2_HI32 ct_bits64(0xFEE00000u, 0x3FE62E42u)
#define CT_LN2_LO32 ct_bits64(0x35793C76u, 0x3DEA39EFu)
// ln2 and pi/2 as double-double (hi + lo).
#define CT_LN2_H ct_bits64(0xFEFA39EFu, 0x3FE62E42u)
#define CT_LN2_L ct_bits64(0x3B39803Fu, 0x3C7ABC9Eu)
#define CT_PIO2_H ct_bits64(0x54442D18u, 0x3FF921FBu)
#define CT_PIO2_L ct_bits64(0x33145C07u, 0x3C91A626u)
#define CT_INF64 ct_bits64(0u, 0x7FF00000u)
#define CT_NAN64 ct_bits64(0u, 0x7FF80000u)

bool ct_signbit(double x) { return (unpackDouble2x32(x).y & 0x80000000u) != 0u; }

// 2^k for k in [-1022, 1023], exactly.
double ct_pow2(int k) { return ct_bits64(0u, uint(k + 1023) << 20); }

// v * 2^k for v in [0.5, 4] and k in [-1100, 1100], rounded once: overflow gives inf and
// results below the normal range round once into the subnormals.
double ct_scale(double v, int k) {
  // precise: the two factors must not be merged (their product over- or underflows).
  precise double r;
  if (k > 1000) {
    r = (v * ct_pow2(k - 1000)) * ct_pow2(1000);
  } else if (k < -1000) {
    r = (v * ct_pow2(k + 1000)) * ct_pow2(-1000);
  } else {
    r = v * ct_pow2(k);
  }
  return r;
}

// Error-free transformations. fma is not used for them: some drivers (lavapipe among them)
// may evaluate it unfused, so products are split instead (Veltkamp-Dekker).

// (s, e) with s + e == a + b exactly (Knuth's two-sum).
double ct_two_sum(double a, double b, out double e) {
  precise double s = a + b;
  precise double bb = s - a;
  precise double err = (a - (s - bb)) + (b - bb);
  e = err;
  return s;
}

// (p, e) with p + e == a * b exactly, for |a|, |b| < 2^995 (Dekker's product).
double ct_two_prod(double a, double b, out double e) {
  precise double p = a * b;
  precise double ca = 134217729.0lf * a;  // 2^27 + 1
  precise double a_hi = ca - (ca - a);
  precise double a_lo = a - a_hi;
  precise double cb = 134217729.0lf * b;
  precise double b_hi = cb - (cb - b);
  precise double b_lo = b - b_hi;
  precise double err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
  e = err;
  return p;
}

// exp(r) - 1 - r for |r| <= 0.35: r^2 (1/2 + r/6 + ... + r^12/14!).
double ct_expm1_tail(double r) {
  double q = 1.1470745597729725e-11lf;
  q = q * r + 1.6059043836821613e-10lf;
  q = q * r + 2.08767569878681e-09lf;
  q = q * r + 2.505210838544172e-08lf;
  q = q * r + 2.755731922398589e-07lf;
  q = q * r + 2.7557319223985893e-06lf;
  q = q * r + 2.48015873015873e-05lf;
  q = q * r + 0.0001984126984126984lf;
  q = q * r + 0.001388888888888889lf;
  q = q * r + 0.008333333333333333lf;
  q = q * r + 0.041666666666666664lf;
  q = q * r + 0.16666666666666666lf;
  q = q * r + 0.5lf;
  return r * r * q;
}

// exp(hi + lo) for |lo| << |hi|.
double ct_exp_dd(double hi, double lo) {
  if (isnan(hi)) return hi;
  if (hi > 710.0lf) return CT_INF64;
  if (hi < -746.0lf) return 0.0lf;
  const double k = roundEven(hi * CT_INV_LN2);
  precise double r = (hi - k * CT_LN2_HI32) + (lo - k * CT_LN2_LO32);
  return ct_scale(1.0lf + (r + ct_expm1_tail(r)), int(k));
}

double ct_exp(double x) { return ct_exp_dd(x, 0.0lf); }

// log(x) as hi + lo (returned hi, lo written) for finite x > 0, to about 2^-100 relative.
double ct_log_dd(double x, out double lo) {
  int e = 0;
  if (x < 2.2250738585072014e-308lf) {  // subnormal: scale into the normal range
    x *= 18014398509481984.0lf;         // 2^54
    e = -54;
  }
  uvec2 b = unpackDouble2x32(x);
  e += int(b.y >> 20) - 1023;
  b.y = (b.y & 0x000FFFFFu) | 0x3FF00000u;
  double m = packDouble2x32(b);  // [1, 2)
  int j = int(roundEven((m - 1.0lf) * 4.0lf));
  if (j == 4) {
    m *= 0.5lf;
    e += 1;
    j = 0;
  }
  const double c = 1.0lf + 0.25lf * double(j);
  // log(m / c) = 2 atanh(s), s = (m - c) / (m + c); m - c is exact, m + c a double-double.
  const double num = m - c;
  double d_lo;
  const double d = ct_two_sum(m, c, d_lo);
  const double s = num / d;
  double sd_err;
  const double sd = ct_two_prod(s, d, sd_err);
  precise double s_lo = (((num - sd) - sd_err) - s * d_lo) / d;
  const double z = s * s;
  double t = 0.11764705882352941lf;  // 2/17
  t = t * z + 0.13333333333333333lf;
  t = t * z + 0.15384615384615385lf;
  t = t * z + 0.18181818181818182lf;
  t = t * z + 0.2222222222222222lf;
  t = t * z + 0.2857142857142857lf;
  t = t * z + 0.4lf;
  t = t * z + 0.6666666666666666lf;
  t *= s * z;  // 2 s^3 / 3 + 2 s^5 / 5 + ...
  // log c as double-double.
  double c_hi = 0.0lf, c_lo = 0.0lf;
  if (j == 1) {
    c_hi = ct_bits64(0xC79A9A22u, 0x3FCC8FF7u);
    c_lo = ct_bits64(0xF8434012u, 0xBC64F689u);
  } else if (j == 2) {
    c_hi = ct_bits64(0xECBF984Cu, 0x3FD9F323u);
    c_lo = ct_bits64(0x13217F5Cu, 0xBC4A92E5u);
  } else if (j == 3) {
    c_hi = ct_bits64(0x5E7040D0u, 0x3FE1E85Fu);
    c_lo = ct_bits64(0xD2F9F1E3u, 0x3C7EF62Cu);
  }
  // e ln2 + log c + 2 s + t, accumulated as double-double; e * CT_LN2_HI32 is exact.
  const double de = double(e);
  precise double a_hi = de * CT_LN2_HI32;
  precise double a_lo = de * CT_LN2_LO32;
  double e1, e2;
  double h = ct_two_sum(a_hi, c_hi, e1);
  h = ct_two_sum(h, 2.0lf * s, e2);
  precise double l = (((e1 + e2) + a_lo) + c_lo) + (2.0lf * s_lo + t);
  precise double sum = h + l;
  precise double tail = l - (sum - h);
  lo = tail;
  return sum;
}

double ct_log(double x) {
  if (isnan(x) || x < 0.0lf) return CT_NAN64;
  if (x == 0.0lf) return -CT_INF64;
  if (isinf(x)) return x;
  double lo;
  return ct_log_dd(x, lo);
}

double ct_log1p(double x) {
  if (isnan(x) || x < -1.0lf) return CT_NAN64;
  if (x == -1.0lf) return -CT_INF64;
  if (isinf(x)) return x;
  if (abs(x) < 1e-300lf) return x;  // log1p(x) = x - x^2/2 rounds to x
  precise double u = 1.0lf + x;
  // The rounding error of u: log1p(x) = log(u) + log(1 + (1 + x - u) / u).
  precise double c = 0.0lf;
  if (u < 9007199254740992.0lf) c = (u >= 2.0lf ? 1.0lf - (u - x) : x - (u - 1.0lf)) / u;
  double lo;
  const double hi = ct_log_dd(u, lo);
  precise double result = hi + (lo + c);
  return result;
}

double ct_expm1(double x) {
  if (isnan(x)) return x;
  if (x > 710.0lf) return CT_INF64;
  if (x < -38.0lf) return -1.0lf;  // exp(x) < 2^-54: -1 + exp(x) rounds to -1
  if (abs(x) <= 0.34657359027997264lf) return x + ct_expm1_tail(x);
  const double k = roundEven(x * CT_INV_LN2);
  precise double r = (x - k * CT_LN2_HI32) - k * CT_LN2_LO32;
  const double e = r + ct_expm1_tail(r);  // expm1(r)
  const int ki = int(k);
  if (ki > 56) return ct_scale(1.0lf + e, ki);
  // 2^k (1 + e) - 1 = 2^k e + (2^k - 1), with 2^k - 1 exact for -53 <= k <= 53.
  const double t = ct_pow2(ki);
  precise double result = ki > 0 ? t * e + (t - 1.0lf) : t * e - (1.0lf - t);
  return result;
}

// Kernels on |x| <= pi/4 with x + y the reduced argument (y a tiny tail).
double ct_sin_kernel(double x, double y) {
  const double z = x * x, v = z * x;
  double r = 2.8114572543455206e-15lf;  // 1/17!
  r = r * z - 7.647163731819816e-13lf;
  r = r * z + 1.6059043836821613e-10lf;
  r = r * z - 2.505210838544172e-08lf;
  r = r * z + 2.7557319223985893e-06lf;
  r = r * z - 0.0001984126984126984lf;
  r = r * z + 0.008333333333333333lf;  // 1/5!
  // sin(x + y) ~ x + v (-1/6 + z r) + y (1 - z/2)
  precise double result = x - ((z * (0.5lf * y - v * r) - y) - v * -0.16666666666666666lf);
  return result;
}

double ct_cos_kernel(double x, double y) {
  const double z = x * x;
  double r = 4.779477332387385e-14lf;  // 1/16!
  r = r * z - 1.1470745597729725e-11lf;
  r = r * z + 2.08767569878681e-09lf;
  r = r * z - 2.755731922398589e-07lf;
  r = r * z + 2.48015873015873e-05lf;
  r = r * z - 0.001388888888888889lf;
  r = r * z + 0.041666666666666664lf;  // 1/4!
  r *= z;
  // cos(x + y) ~ (1 - z/2) + z^2 r - x y, with 1 - z/2 split to keep its rounding error.
  const double hz = 0.5lf * z;
  precise double w = 1.0lf - hz;
  precise double result = w + (((1.0lf - w) - hz) + (z * r - x * y));
  return result;
}

// sin and cos need the table of 2/pi (math_common.glsl): only kernels that define its binding.
#ifdef CT_TABLE_BINDING
// x - q pi/2 = y0 + y1 for finite |x| >= pi/4; returns q mod 4.
uint ct_rem_pio2(double x, out double y0, out double y1) {
  const uvec2 b = unpackDouble2x32(abs(x));
  const int e = int(b.y >> 20) - 1023;
  uvec3 f;
  int shift;
  bool negative;
  uint q = ct_reduce_2_over_pi((b.y & 0x000FFFFFu) | 0x00100000u, b.x, e - 52, f, shift,
                               negative);
  // The fraction as a double-double, then times pi/2.
  double lo;
  const double hi0 = ct_two_sum(double(f.x) * 2.3283064365386963e-10lf,
                                double(f.y) * 5.421010862427522e-20lf, lo);
  lo += double(f.z) * 1.2621774483536189e-29lf;
  const double scale = shift < 1000 ? ct_pow2(-shift) : 0.0lf;
  const double hi = hi0 * scale;
  lo *= scale;
  precise double p = hi * CT_PIO2_H;
  double p_err;
  ct_two_prod(hi, CT_PIO2_H, p_err);
  precise double pe = p_err + (hi * CT_PIO2_L + lo * CT_PIO2_H);
  precise double r0 = p + pe;
  precise double r1 = pe - (r0 - p);
  y0 = r0;
  y1 = r1;
  if (negative != (x < 0.0lf)) {
    y0 = -y0;
    y1 = -y1;
  }
  return x < 0.0lf ? (4u - q) & 3u : q;
}

double ct_sin(double x) {
  if (isinf(x) || isnan(x)) return CT_NAN64;
  if (abs(x) < 0.7853981633974483lf) return ct_sin_kernel(x, 0.0lf);
  double y0, y1;
  const uint q = ct_rem_pio2(x, y0, y1);
  const double v = (q & 1u) == 0u ? ct_sin_kernel(y0, y1) : ct_cos_kernel(y0, y1);
  return q >= 2u ? -v : v;
}

double ct_cos(double x) {
  if (isinf(x) || isnan(x)) return CT_NAN64;
  if (abs(x) < 0.7853981633974483lf) return ct_cos_kernel(x, 0.0lf);
  double y0, y1;
  const uint q = ct_rem_pio2(x, y0, y1);
  const double v = (q & 1u) == 0u ? ct_cos_kernel(y0, y1) : ct_sin_kernel(y0, y1);
  return q == 1u || q == 2u ? -v : v;
}
#endif  // CT_TABLE_BINDING

double ct_tanh(double x) {
  if (isnan(x)) return x;
  const double a = abs(x);
  double t;
  if (a >= 22.0lf) {
    t = 1.0lf;  // 1 - tanh(22) < 2^-62
  } else if (a < 2.7755575615628914e-17lf) {  // 2^-55: tanh(x) = x - x^3/3 rounds to x
    return x;
  } else if (a >= 1.0lf) {
    t = 1.0lf - 2.0lf / (ct_expm1(2.0lf * a) + 2.0lf);
  } else {
    const double u = ct_expm1(-2.0lf * a);
    t = -u / (u + 2.0lf);
  }
  return x < 0.0lf ? -t : t;
}

double ct_sqrt(double x) {
  precise double y = sqrt(x);
  // One Newton step on the exact residual x - y^2 makes the result correctly rounded even
  // where the device's double sqrt is not (Vulkan allows some ulps).
  if (y > 1e-140lf && !isinf(y)) {  // y^2 and its split parts stay normal
    double e;
    const double yy = ct_two_prod(y, y, e);
    precise double r = (x - yy) - e;
    y += r * (0.5lf / y);
  }
  return y;
}

// x^y with the special cases of C99 (std::pow).
double ct_pow(double x, double y) {
  if (y == 0.0lf || x == 1.0lf) return 1.0lf;
  if (isnan(x) || isnan(y)) return CT_NAN64;
  const double ax = abs(x);
  if (isinf(y)) {
    if (ax == 1.0lf) return 1.0lf;
    return (ax < 1.0lf) == (y < 0.0lf) ? CT_INF64 : 0.0lf;
  }
  const bool y_int = floor(y) == y;
  const bool y_odd = y_int && abs(y) < 9007199254740992.0lf && fract(0.5lf * y) != 0.0lf;
  const double sign = (ct_signbit(x) && y_odd) ? -1.0lf : 1.0lf;
  if (x == 0.0lf) return sign * (y < 0.0lf ? CT_INF64 : 0.0lf);
  if (isinf(x)) return sign * (y < 0.0lf ? 0.0lf : CT_INF64);
  if (x < 0.0lf && !y_int) return CT_NAN64;
  double lo;
  double hi = ct_log_dd(ax, lo);
  // y * (hi + lo) as double-double; a huge y is scaled so that the product split stays finite.
  double ys = y;
  if (abs(y) > 1e290lf) {
    ys *= 7.888609052210118e-31lf;  // 2^-100
    hi *= 1.2676506002282294e+30lf;  // 2^100
    lo *= 1.2676506002282294e+30lf;
  }
  double p_err;
  const double ph = ct_two_prod(ys, hi, p_err);
  precise double pl = p_err + ys * lo;
  return sign * ct_exp_dd(ph, pl);
}

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
