// File: kernels/math_common.glsl
// Argument reduction for sin and cos shared by math_f32.glsl and math_f64.glsl: Payne-Hanek in
// 32-bit integer arithmetic (exact, any |x|, no floating point, so it also serves devices
// without shaderFloat64). Run-time kernels include it before either math library.

// The bits of 2/pi, 32 per word, most significant first, after two zero words so that a window
// may start up to 64 bits before the binary point. 40 words cover every finite double.
const uint CT_TWO_OVER_PI[42] = uint[](
    0u, 0u, 0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u, 0xF534DDC0u,
    0xDB629599u, 0x3C439041u, 0xFE5163ABu, 0xDEBBC561u, 0xB7246E3Au, 0x424DD2E0u,
    0x06492EEAu, 0x09D1921Cu, 0xFE1DEB1Cu, 0xB129A73Eu, 0xE88235F5u, 0x2EBB4484u,
    0xE99C7026u, 0xB45F7E41u, 0x3991D639u, 0x835339F4u, 0x9C845F8Bu, 0xBDF9283Bu,
    0x1FF897FFu, 0xDE05980Fu, 0xEF2F118Bu, 0x5A0A6D1Fu, 0x6D367ECFu, 0x27CB09B7u,
    0x4F463F66u, 0x9E5FEA2Du, 0x7527BAC7u, 0xEBE5F17Bu, 0x3D0739F7u, 0x8A5292EAu,
    0x6BFB5FB1u, 0x1F8D5D08u, 0x56033046u, 0xFC7B6BABu, 0xF0CFBC20u, 0x9AF4361Du);

// 64-bit (hi, lo) added into the little-endian multiword integer p at word k, carries rippled.
void ct_add_at(inout uint p[7], int k, uint hi, uint lo) {
  uint c0, c1, c2;
  p[k] = uaddCarry(p[k], lo, c0);
  p[k + 1] = uaddCarry(p[k + 1], hi, c1);
  p[k + 1] = uaddCarry(p[k + 1], c0, c2);
  uint c = c1 + c2;
  for (int i = k + 2; i < 7 && c != 0u; ++i) p[i] = uaddCarry(p[i], c, c);
}

// x = m * 2^lsb_exp with m = mh * 2^32 + ml < 2^53 and lsb_exp >= -62 (any |x| >= pi/4 of f32
// or f64). Returns the quadrant q (the integer nearest x * 2/pi, mod 4) and writes the rest,
// x * 2/pi - q in [-1/2, 1/2), as (negative ? -1 : 1) * 0.f.x f.y f.z (binary) * 2^-shift
// with the top bit of f.x set (or f all zero).
uint ct_reduce_2_over_pi(uint mh, uint ml, int lsb_exp, out uvec3 f, out int shift,
                         out bool negative) {
  // With 2/pi = sum_i b_i 2^-i, terms m * 2^lsb_exp * b_i 2^-i with i <= lsb_exp - 2 are
  // multiples of 4 (whole turns). A window W of 160 bits from i0 = lsb_exp - 1 then gives
  // x * 2/pi = m * W * 2^-158 (mod 4), with an error below 2^-106.
  const uint pos = uint(lsb_exp - 2 + 64);  // bit i0 in the padded table, 0-based
  const uint q = pos >> 5u, s = pos & 31u;
  uint w[5];
  for (uint t = 0u; t < 5u; ++t) {
    const uint a = CT_TWO_OVER_PI[q + t], b = CT_TWO_OVER_PI[q + t + 1u];
    w[t] = s == 0u ? a : (a << s) | (b >> (32u - s));
  }
  // p = m * W: 53 x 160 bits, little-endian words.
  uint p[7] = uint[7](0u, 0u, 0u, 0u, 0u, 0u, 0u);
  for (int j = 0; j < 5; ++j) {
    uint hi, lo;
    umulExtended(ml, w[4 - j], hi, lo);
    ct_add_at(p, j, hi, lo);
    umulExtended(mh, w[4 - j], hi, lo);
    ct_add_at(p, j + 1, hi, lo);
  }
  // Bits 159..158 are the integer part mod 4, bits 157..30 the fraction.
  uint quadrant = (p[4] >> 30u) & 3u;
  uint r[4] = uint[4]((p[4] << 2u) | (p[3] >> 30u), (p[3] << 2u) | (p[2] >> 30u),
                      (p[2] << 2u) | (p[1] >> 30u), (p[1] << 2u) | (p[0] >> 30u));
  negative = (r[0] & 0x80000000u) != 0u;
  if (negative) {  // a fraction of 1/2 or more: round q up and negate, r = 2^128 - r
    quadrant = (quadrant + 1u) & 3u;
    uint carry = 1u;
    for (int i = 3; i >= 0; --i) r[i] = uaddCarry(~r[i], carry, carry);
  }
  shift = 0;
  for (int i = 0; i < 2 && r[0] == 0u; ++i) {
    r[0] = r[1];
    r[1] = r[2];
    r[2] = r[3];
    r[3] = 0u;
    shift += 32;
  }
  if (r[0] != 0u) {
    const int lz = 31 - findMSB(r[0]);
    if (lz > 0) {
      r[0] = (r[0] << lz) | (r[1] >> (32 - lz));
      r[1] = (r[1] << lz) | (r[2] >> (32 - lz));
      r[2] = (r[2] << lz) | (r[3] >> (32 - lz));
      shift += lz;
    }
  }
  f = uvec3(r[0], r[1], r[2]);
  return quadrant;
}
