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
// The special functions built on these are in special_f64.glsl.

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
