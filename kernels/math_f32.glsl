// File: kernels/math_f32.glsl
// f32 exp, log, log1p, expm1, sin, cos, tanh, pow and sqrt for the run-time elementwise
// kernels, in float arithmetic only (so they run on devices without shaderFloat64), with the
// algorithms of math_f64.glsl at float precision: Cody-Waite + Taylor exp, log through
// log c + 2 atanh(s) in float-float, Payne-Hanek sin/cos (math_common.glsl), fdlibm's log1p,
// expm1 and tanh, pow as exp of y * log|x| in float-float with the C99 special cases. GLSL's
// built-ins are not used: Vulkan lets them be several ulps off (sin/cos only to 2^-11
// absolute), and exp(x) = exp2(x log2 e) loses |x| ulps. Coefficients are 1/n! and 2/(2n+1)
// rounded to float. The special functions built on these are in special_f32.glsl.

float ct_bits32(uint u) { return uintBitsToFloat(u); }

const float CT_INV_LN2_F = 1.4426950216293335;
// ln2 = hi + lo with hi's 8 low bits zero: k * hi is exact for |k| < 2^8.
#define CT_LN2_HI16_F ct_bits32(0x3F317200u)
#define CT_LN2_LO16_F ct_bits32(0x35BFBE8Eu)
#define CT_LN2_H_F ct_bits32(0x3F317218u)
#define CT_LN2_L_F ct_bits32(0xB102E308u)
#define CT_PIO2_H_F ct_bits32(0x3FC90FDBu)
#define CT_PIO2_L_F ct_bits32(0xB33BBD2Eu)
#define CT_INF32 ct_bits32(0x7F800000u)
#define CT_NAN32 ct_bits32(0x7FC00000u)

// 2^k for k in [-126, 127], exactly.
float ct_pow2f(int k) { return ct_bits32(uint(k + 127) << 23); }

// v * 2^k for v in [0.5, 4] and k in [-160, 160], rounded once.
float ct_scalef(float v, int k) {
  precise float r;  // the two factors must not be merged
  if (k > 100) {
    r = (v * ct_pow2f(k - 100)) * ct_pow2f(100);
  } else if (k < -100) {
    r = (v * ct_pow2f(k + 100)) * ct_pow2f(-100);
  } else {
    r = v * ct_pow2f(k);
  }
  return r;
}

// Error-free transformations without fma (which some drivers evaluate unfused).
float ct_two_prodf(float a, float b, out float e) {
  precise float p = a * b;
  precise float ca = 4097.0 * a;  // 2^12 + 1
  precise float a_hi = ca - (ca - a);
  precise float a_lo = a - a_hi;
  precise float cb = 4097.0 * b;
  precise float b_hi = cb - (cb - b);
  precise float b_lo = b - b_hi;
  precise float err = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
  e = err;
  return p;
}

float ct_two_sumf(float a, float b, out float e) {
  precise float s = a + b;
  precise float bb = s - a;
  precise float err = (a - (s - bb)) + (b - bb);
  e = err;
  return s;
}

// exp(r) - 1 - r for |r| <= 0.35: r^2 (1/2 + r/6 + ... + r^6/8!).
float ct_expm1_tailf(float r) {
  float q = 2.4801587642286904e-05;
  q = q * r + 0.00019841270113829523;
  q = q * r + 0.0013888889225199819;
  q = q * r + 0.008333333767950535;
  q = q * r + 0.0416666679084301;
  q = q * r + 0.1666666716337204;
  q = q * r + 0.5;
  return r * r * q;
}

float ct_exp_ff(float hi, float lo) {
  if (isnan(hi)) return hi;
  if (hi > 89.0) return CT_INF32;
  if (hi < -104.0) return 0.0;
  const float k = roundEven(hi * CT_INV_LN2_F);
  precise float r = (hi - k * CT_LN2_HI16_F) + (lo - k * CT_LN2_LO16_F);
  return ct_scalef(1.0 + (r + ct_expm1_tailf(r)), int(k));
}

float ct_exp(float x) { return ct_exp_ff(x, 0.0); }

// log(x) as hi + lo for finite x > 0 (see ct_log_dd in math_f64.glsl).
float ct_log_ff(float x, out float lo) {
  int e = 0;
  if (x < 1.1754943508222875e-38) {  // subnormal
    x *= 16777216.0;                  // 2^24
    e = -24;
  }
  uint b = floatBitsToUint(x);
  e += int(b >> 23) - 127;
  float m = uintBitsToFloat((b & 0x007FFFFFu) | 0x3F800000u);  // [1, 2)
  int j = int(roundEven((m - 1.0) * 4.0));
  if (j == 4) {
    m *= 0.5;
    e += 1;
    j = 0;
  }
  const float c = 1.0 + 0.25 * float(j);
  const float num = m - c;
  float d_lo;
  const float d = ct_two_sumf(m, c, d_lo);
  const float s = num / d;
  float sd_err;
  const float sd = ct_two_prodf(s, d, sd_err);
  precise float s_lo = (((num - sd) - sd_err) - s * d_lo) / d;
  const float z = s * s;
  float t = 0.2222222238779068;  // 2/9
  t = t * z + 0.2857142984867096;
  t = t * z + 0.4000000059604645;
  t = t * z + 0.6666666865348816;
  t *= s * z;
  float c_hi = 0.0, c_lo = 0.0;
  if (j == 1) {
    c_hi = ct_bits32(0x3E647FBEu);
    c_lo = ct_bits32(0x31735344u);
  } else if (j == 2) {
    c_hi = ct_bits32(0x3ECF991Fu);
    c_lo = ct_bits32(0x324BF985u);
  } else if (j == 3) {
    c_hi = ct_bits32(0x3F0F42FBu);
    c_lo = ct_bits32(0xB147DF98u);
  }
  const float de = float(e);  // |e| < 2^8: de * CT_LN2_HI16_F is exact
  precise float a_hi = de * CT_LN2_HI16_F;
  precise float a_lo = de * CT_LN2_LO16_F;
  float e1, e2;
  float h = ct_two_sumf(a_hi, c_hi, e1);
  h = ct_two_sumf(h, 2.0 * s, e2);
  precise float l = (((e1 + e2) + a_lo) + c_lo) + (2.0 * s_lo + t);
  precise float sum = h + l;
  precise float tail = l - (sum - h);
  lo = tail;
  return sum;
}

float ct_log(float x) {
  if (isnan(x) || x < 0.0) return CT_NAN32;
  if (x == 0.0) return -CT_INF32;
  if (isinf(x)) return x;
  float lo;
  return ct_log_ff(x, lo);
}

float ct_log1p(float x) {
  if (isnan(x) || x < -1.0) return CT_NAN32;
  if (x == -1.0) return -CT_INF32;
  if (isinf(x)) return x;
  precise float u = 1.0 + x;
  precise float c = 0.0;
  if (u < 16777216.0) c = (u >= 2.0 ? 1.0 - (u - x) : x - (u - 1.0)) / u;
  float lo;
  const float hi = ct_log_ff(u, lo);
  precise float result = hi + (lo + c);
  return result;
}

float ct_expm1(float x) {
  if (isnan(x)) return x;
  if (x > 89.0) return CT_INF32;
  if (x < -18.0) return -1.0;  // exp(x) < 2^-25
  if (abs(x) <= 0.3465735912322998) return x + ct_expm1_tailf(x);
  const float k = roundEven(x * CT_INV_LN2_F);
  precise float r = (x - k * CT_LN2_HI16_F) - k * CT_LN2_LO16_F;
  const float e = r + ct_expm1_tailf(r);
  const int ki = int(k);
  if (ki > 26) return ct_scalef(1.0 + e, ki);
  const float t = ct_pow2f(ki);
  precise float result = ki > 0 ? t * e + (t - 1.0) : t * e - (1.0 - t);
  return result;
}

float ct_sin_kernelf(float x, float y) {
  const float z = x * x, v = z * x;
  float r = 2.7557318844628753e-06;  // 1/9!
  r = r * z - 0.00019841270113829523;
  r = r * z + 0.008333333767950535;
  precise float result = x - ((z * (0.5 * y - v * r) - y) - v * -0.1666666716337204);
  return result;
}

float ct_cos_kernelf(float x, float y) {
  const float z = x * x;
  float r = -2.755731998149713e-07;  // -1/10!
  r = r * z + 2.4801587642286904e-05;
  r = r * z - 0.0013888889225199819;
  r = r * z + 0.0416666679084301;
  r *= z;
  const float hz = 0.5 * z;
  precise float w = 1.0 - hz;
  precise float result = w + (((1.0 - w) - hz) + (z * r - x * y));
  return result;
}

// sin and cos need the table of 2/pi (math_common.glsl): only kernels that define its binding.
#ifdef CT_TABLE_BINDING
// x - q pi/2 = y0 + y1 for finite |x| >= pi/4; returns q mod 4.
uint ct_rem_pio2f(float x, out float y0, out float y1) {
  const uint b = floatBitsToUint(abs(x));
  const int e = int(b >> 23) - 127;
  uvec3 f;
  int shift;
  bool negative;
  uint q = ct_reduce_2_over_pi(0u, (b & 0x007FFFFFu) | 0x00800000u, e - 23, f, shift, negative);
  // The top 48 bits of the fraction as float-float (each part exact), then times pi/2.
  float lo;
  const float hi0 = ct_two_sumf(float(f.x >> 8) * 5.960464477539063e-08,
                                float(((f.x & 0xFFu) << 16) | (f.y >> 16)) * 3.552713678800501e-15,
                                lo);
  const float scale = shift < 126 ? ct_pow2f(-shift) : 0.0;
  const float hi = hi0 * scale;
  lo *= scale;
  precise float p = hi * CT_PIO2_H_F;
  float p_err;
  ct_two_prodf(hi, CT_PIO2_H_F, p_err);
  precise float pe = p_err + (hi * CT_PIO2_L_F + lo * CT_PIO2_H_F);
  precise float r0 = p + pe;
  precise float r1 = pe - (r0 - p);
  y0 = r0;
  y1 = r1;
  if (negative != (x < 0.0)) {
    y0 = -y0;
    y1 = -y1;
  }
  return x < 0.0 ? (4u - q) & 3u : q;
}

float ct_sin(float x) {
  if (isinf(x) || isnan(x)) return CT_NAN32;
  if (abs(x) < 0.7853981852531433) return ct_sin_kernelf(x, 0.0);
  float y0, y1;
  const uint q = ct_rem_pio2f(x, y0, y1);
  const float v = (q & 1u) == 0u ? ct_sin_kernelf(y0, y1) : ct_cos_kernelf(y0, y1);
  return q >= 2u ? -v : v;
}

float ct_cos(float x) {
  if (isinf(x) || isnan(x)) return CT_NAN32;
  if (abs(x) < 0.7853981852531433) return ct_cos_kernelf(x, 0.0);
  float y0, y1;
  const uint q = ct_rem_pio2f(x, y0, y1);
  const float v = (q & 1u) == 0u ? ct_cos_kernelf(y0, y1) : ct_sin_kernelf(y0, y1);
  return q == 1u || q == 2u ? -v : v;
}
#endif  // CT_TABLE_BINDING

float ct_tanh(float x) {
  if (isnan(x)) return x;
  const float a = abs(x);
  float t;
  if (a >= 10.0) {
    t = 1.0;  // 1 - tanh(10) < 2^-25
  } else if (a < 0.000244140625) {  // 2^-12: x^3/3 is below half an ulp of x
    return x;
  } else if (a >= 1.0) {
    t = 1.0 - 2.0 / (ct_expm1(2.0 * a) + 2.0);
  } else {
    const float u = ct_expm1(-2.0 * a);
    t = -u / (u + 2.0);
  }
  return x < 0.0 ? -t : t;
}

float ct_sqrt(float x) {
  // Vulkan lets the built-in be 1 / inversesqrt(x) (NVIDIA's is, a few ulp off); a Newton step
  // on the exact residual makes it correctly rounded. It needs y^2 and its split parts normal
  // and finite (1e-15 < y < 1e18), so x outside [1e-28, 1e34] is scaled by 2^-/+64 first,
  // which scales the root exactly by 2^-/+32. Zeros, negatives, NaN and inf: the built-in.
  if (!(x > 0.0) || isinf(x)) return sqrt(x);
  float scale = 1.0;
  if (x < 1e-28) {
    x *= 18446744073709551616.0;  // 2^64
    scale = 2.3283064365386963e-10;  // 2^-32
  } else if (x > 1e34) {
    x *= 5.421010862427522e-20;  // 2^-64
    scale = 4294967296.0;  // 2^32
  }
  precise float y = sqrt(x);
  float e;
  const float yy = ct_two_prodf(y, y, e);
  precise float r = (x - yy) - e;
  y += r * (0.5 / y);
  return y * scale;
}

float ct_pow(float x, float y) {
  if (y == 0.0 || x == 1.0) return 1.0;
  if (isnan(x) || isnan(y)) return CT_NAN32;
  const float ax = abs(x);
  if (isinf(y)) {
    if (ax == 1.0) return 1.0;
    return (ax < 1.0) == (y < 0.0) ? CT_INF32 : 0.0;
  }
  const bool y_int = floor(y) == y;
  const bool y_odd = y_int && abs(y) < 16777216.0 && fract(0.5 * y) != 0.0;
  const float sign = ((floatBitsToUint(x) & 0x80000000u) != 0u && y_odd) ? -1.0 : 1.0;
  if (x == 0.0) return sign * (y < 0.0 ? CT_INF32 : 0.0);
  if (isinf(x)) return sign * (y < 0.0 ? 0.0 : CT_INF32);
  if (x < 0.0 && !y_int) return CT_NAN32;
  float lo;
  float hi = ct_log_ff(ax, lo);
  float ys = y;
  if (abs(y) > 1e30) {
    ys *= 7.888609052210118e-31;  // 2^-100
    hi *= 1.2676506002282294e+30;
    lo *= 1.2676506002282294e+30;
  }
  float p_err;
  const float ph = ct_two_prodf(ys, hi, p_err);
  precise float pl = p_err + ys * lo;
  return sign * ct_exp_ff(ph, pl);
}
