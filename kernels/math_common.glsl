// File: kernels/math_common.glsl
// Argument reduction for sin and cos shared by math_f32.glsl and math_f64.glsl: Payne-Hanek in
// 32-bit integer arithmetic (exact, any |x|, no floating point, so it also serves devices
// without shaderFloat64). Run-time kernels include it before either math library; kernels
// that use sin or cos define CT_TABLE_BINDING, the binding of the table of 2/pi.

#ifdef CT_TABLE_BINDING
// The bits of 2/pi, 32 per word, most significant first, after two zero words so that a window
// may start up to 64 bits before the binary point (40 words cover every finite double). A
// storage buffer the backend fills once (kTwoOverPiWords in backends/vulkan/
// elementwise_kernels.cc): dynamically indexed constant arrays cost drivers dearly (lavapipe
// spent 1.7 s compiling each sin kernel), a buffer costs nothing.
layout(std430, binding = CT_TABLE_BINDING) readonly buffer CtTwoOverPi { uint ct_two_over_pi[]; };

// Comba multiplication step: the 96-bit column accumulator (t2:t1:t0) += a * b.
void ct_mac(uint a, uint b, inout uint t0, inout uint t1, inout uint t2) {
  uint hi, lo, c0, c1;
  umulExtended(a, b, hi, lo);
  t0 = uaddCarry(t0, lo, c0);
  t1 = uaddCarry(t1, hi + c0, c1);  // hi <= 2^32 - 2: hi + c0 does not wrap
  t2 += c1;
}

// x = m * 2^lsb_exp with m = mh * 2^32 + ml < 2^53 and lsb_exp >= -62 (any |x| >= pi/4 of f32
// or f64). Returns the quadrant q (the integer nearest x * 2/pi, mod 4) and writes the rest,
// x * 2/pi - q in [-1/2, 1/2), as (negative ? -1 : 1) * 0.f.x f.y f.z (binary) * 2^-shift
// with the top bit of f.x set (or f all zero). Straight-line code on scalars: no local arrays.
uint ct_reduce_2_over_pi(uint mh, uint ml, int lsb_exp, out uvec3 f, out int shift,
                         out bool negative) {
  // With 2/pi = sum_i b_i 2^-i, terms m * 2^lsb_exp * b_i 2^-i with i <= lsb_exp - 2 are
  // multiples of 4 (whole turns). A window W of 160 bits from i0 = lsb_exp - 1 then gives
  // x * 2/pi = m * W * 2^-158 (mod 4), with an error below 2^-106.
  const uint pos = uint(lsb_exp - 2 + 64);  // bit i0 in the padded table, 0-based
  const uint q = pos >> 5u, s = pos & 31u;
  // The six table words the window spans.
  const uint a0 = ct_two_over_pi[q], a1 = ct_two_over_pi[q + 1u], a2 = ct_two_over_pi[q + 2u],
             a3 = ct_two_over_pi[q + 3u], a4 = ct_two_over_pi[q + 4u], a5 = ct_two_over_pi[q + 5u];
  // W's words, least significant first.
  const uint ns = 32u - s;  // s == 0 takes the words as they are (a shift by 32 is undefined)
  const uint w0 = s == 0u ? a4 : (a4 << s) | (a5 >> ns), w1 = s == 0u ? a3 : (a3 << s) | (a4 >> ns),
             w2 = s == 0u ? a2 : (a2 << s) | (a3 >> ns), w3 = s == 0u ? a1 : (a1 << s) | (a2 >> ns),
             w4 = s == 0u ? a0 : (a0 << s) | (a1 >> ns);
  // p = m * W column by column (Comba): column c sums ml * w_c and mh * w_(c-1).
  uint t0 = 0u, t1 = 0u, t2 = 0u;
  ct_mac(ml, w0, t0, t1, t2);
  const uint p0 = t0;
  t0 = t1; t1 = t2; t2 = 0u;
  ct_mac(ml, w1, t0, t1, t2);
  ct_mac(mh, w0, t0, t1, t2);
  const uint p1 = t0;
  t0 = t1; t1 = t2; t2 = 0u;
  ct_mac(ml, w2, t0, t1, t2);
  ct_mac(mh, w1, t0, t1, t2);
  const uint p2 = t0;
  t0 = t1; t1 = t2; t2 = 0u;
  ct_mac(ml, w3, t0, t1, t2);
  ct_mac(mh, w2, t0, t1, t2);
  const uint p3 = t0;
  t0 = t1; t1 = t2; t2 = 0u;
  ct_mac(ml, w4, t0, t1, t2);
  ct_mac(mh, w3, t0, t1, t2);
  const uint p4 = t0;
  // Bits 159..158 (top of p4) are the integer part mod 4, bits 157..30 the fraction.
  uint quadrant = (p4 >> 30u) & 3u;
  uint r0 = (p4 << 2u) | (p3 >> 30u), r1 = (p3 << 2u) | (p2 >> 30u),
       r2 = (p2 << 2u) | (p1 >> 30u), r3 = (p1 << 2u) | (p0 >> 30u);
  negative = (r0 & 0x80000000u) != 0u;
  if (negative) {  // a fraction of 1/2 or more: round q up and negate, r = 2^128 - r
    quadrant = (quadrant + 1u) & 3u;
    uint carry;
    r3 = uaddCarry(~r3, 1u, carry);
    r2 = uaddCarry(~r2, carry, carry);
    r1 = uaddCarry(~r1, carry, carry);
    r0 = ~r0 + carry;
  }
  shift = 0;
  if (r0 == 0u) {
    r0 = r1; r1 = r2; r2 = r3; r3 = 0u;
    shift = 32;
  }
  if (r0 == 0u) {
    r0 = r1; r1 = r2; r2 = 0u;
    shift = 64;
  }
  if (r0 != 0u) {
    const int lz = 31 - findMSB(r0);
    if (lz > 0) {
      r0 = (r0 << lz) | (r1 >> (32 - lz));
      r1 = (r1 << lz) | (r2 >> (32 - lz));
      r2 = (r2 << lz) | (r3 >> (32 - lz));
      shift += lz;
    }
  }
  f = uvec3(r0, r1, r2);
  return quadrant;
}
#endif  // CT_TABLE_BINDING
