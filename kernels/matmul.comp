// File: kernels/matmul.comp
// Batched matmul C[b] = A[b] B[b] for dot_general (ELEM_F32, ELEM_F64, ELEM_I32, ELEM_I64 or
// ELEM_U8; u32 runs the i32 kernel, whose wrapping bits are the same): A is
// [M, K] and B [K, N], both read through strides (a_offset + b a_sb + i a_sm + k a_sk), C is
// dense [batch, M, N]. A 16 x 16 workgroup computes a BM x BN tile of C (BM = 16 TM,
// BN = 16 TN: TM x TN outputs per invocation, held in registers); per step it stages a BM x BK
// slice of A and a BK x BN slice of B in shared memory, loaded so that consecutive
// invocations read consecutive addresses along whichever axis has unit stride. With VEC_A
// (VEC_B) the operand is read VW elements at a time (16-byte vectors: 4 of 32 bits, 2 of 64)
// along that axis; the host picks this variant only when the axis's extent, the other
// strides and the offset are multiples of VW, so a vector never straddles a row or the end.
// Integer products and sums wrap modulo 2^bits (computed on unsigned types; u8 elements are
// stored as bytes and computed as uint, without vector variants). Tile sizes are
// specialization constants.
#version 450

#if ELEM_F32
#define T float
#define TV vec4
#define VW 4u
#define ACC float
#define MUL_ADD(acc, a, b) ((acc) + (a) * (b))
#elif ELEM_F64
#define T double
#define TV dvec2
#define VW 2u
#define ACC double
#define MUL_ADD(acc, a, b) ((acc) + (a) * (b))
#elif ELEM_I64
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
#define T int64_t
#define TV i64vec2
#define VW 2u
#define ACC uint64_t
#define MUL_ADD(acc, a, b) ((acc) + uint64_t(a) * uint64_t(b))
#elif ELEM_U8
#extension GL_EXT_shader_8bit_storage : require
#define T uint
#define STORAGE uint8_t
#define ACC uint
#define MUL_ADD(acc, a, b) ((acc) + (a) * (b))
#else
#define T int
#define TV ivec4
#define VW 4u
#define ACC uint
#define MUL_ADD(acc, a, b) ((acc) + uint(a) * uint(b))
#endif
#ifndef STORAGE
#define STORAGE T
#endif

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const uint TM = 4;   // rows of C per invocation
layout(constant_id = 1) const uint TN = 4;   // columns of C per invocation
layout(constant_id = 2) const uint BK = 16;  // depth of one shared-memory step
const uint BM = 16u * TM;
const uint BN = 16u * TN;

layout(std430, binding = 0) writeonly buffer C { STORAGE c_data[]; };
#if VEC_A
layout(std430, binding = 1) readonly buffer A { TV a_vec[]; };
#else
layout(std430, binding = 1) readonly buffer A { STORAGE a_data[]; };
#endif
#if VEC_B
layout(std430, binding = 2) readonly buffer B { TV b_vec[]; };
#else
layout(std430, binding = 2) readonly buffer B { STORAGE b_data[]; };
#endif

layout(push_constant) uniform Push {
  uint m, n, k;
  uint batch_base, row_base, col_base;  // of this dispatch (grids are split at 65535)
  uint a_offset, a_sb, a_sm, a_sk;
  uint b_offset, b_sb, b_sk, b_sn;
  uint c_offset;
} pc;

shared T a_tile[BK * BM];  // [k][i]
shared T b_tile[BK * BN];  // [k][j]

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * 16u + tx;
  const uint batch = pc.batch_base + gl_WorkGroupID.z;
  const uint row0 = pc.row_base + gl_WorkGroupID.y * BM;
  const uint col0 = pc.col_base + gl_WorkGroupID.x * BN;
  const uint a_base = pc.a_offset + batch * pc.a_sb;
  const uint b_base = pc.b_offset + batch * pc.b_sb;
  // Unit-stride axes decide the load order (uniform branches).
  const bool a_k_fast = pc.a_sk == 1u;
  const bool b_n_fast = pc.b_sn == 1u || pc.b_sk != 1u;

  ACC acc[TM][TN];
  for (uint i = 0u; i < TM; ++i) {
    for (uint j = 0u; j < TN; ++j) acc[i][j] = ACC(0);
  }
  for (uint k0 = 0u; k0 < pc.k; k0 += BK) {
#if VEC_A
    // VW consecutive elements along the unit-stride axis per load.
    for (uint e = tid; e < BM * BK / VW; e += 256u) {
      const uint kk = a_k_fast ? (e % (BK / VW)) * VW : e / (BM / VW);
      const uint i = a_k_fast ? e / (BK / VW) : (e % (BM / VW)) * VW;
      const uint row = row0 + i, kidx = k0 + kk;
      const TV v = row < pc.m && kidx < pc.k
                       ? a_vec[(a_base + row * pc.a_sm + kidx * pc.a_sk) / VW]
                       : TV(0);
      for (uint c = 0u; c < VW; ++c) {
        a_tile[a_k_fast ? (kk + c) * BM + i : kk * BM + i + c] = v[c];
      }
    }
#else
    for (uint e = tid; e < BM * BK; e += 256u) {
      const uint kk = a_k_fast ? e % BK : e / BM;
      const uint i = a_k_fast ? e / BK : e % BM;
      const uint row = row0 + i, kidx = k0 + kk;
      a_tile[kk * BM + i] = row < pc.m && kidx < pc.k
                                ? T(a_data[a_base + row * pc.a_sm + kidx * pc.a_sk])
                                : T(0);
    }
#endif
#if VEC_B
    for (uint e = tid; e < BK * BN / VW; e += 256u) {
      const uint kk = b_n_fast ? e / (BN / VW) : (e % (BK / VW)) * VW;
      const uint j = b_n_fast ? (e % (BN / VW)) * VW : e / (BK / VW);
      const uint col = col0 + j, kidx = k0 + kk;
      const TV v = col < pc.n && kidx < pc.k
                       ? b_vec[(b_base + kidx * pc.b_sk + col * pc.b_sn) / VW]
                       : TV(0);
      for (uint c = 0u; c < VW; ++c) {
        b_tile[b_n_fast ? kk * BN + j + c : (kk + c) * BN + j] = v[c];
      }
    }
#else
    for (uint e = tid; e < BK * BN; e += 256u) {
      const uint kk = b_n_fast ? e / BN : e % BK;
      const uint j = b_n_fast ? e % BN : e / BK;
      const uint col = col0 + j, kidx = k0 + kk;
      b_tile[kk * BN + j] = col < pc.n && kidx < pc.k
                                ? T(b_data[b_base + kidx * pc.b_sk + col * pc.b_sn])
                                : T(0);
    }
#endif
    barrier();
    for (uint kk = 0u; kk < BK; ++kk) {
      T a[TM], b[TN];
      for (uint i = 0u; i < TM; ++i) a[i] = a_tile[kk * BM + ty + 16u * i];
      for (uint j = 0u; j < TN; ++j) b[j] = b_tile[kk * BN + tx + 16u * j];
      for (uint i = 0u; i < TM; ++i) {
        for (uint j = 0u; j < TN; ++j) acc[i][j] = MUL_ADD(acc[i][j], a[i], b[j]);
      }
    }
    barrier();
  }
  const uint c_base = pc.c_offset + batch * pc.m * pc.n;
  for (uint i = 0u; i < TM; ++i) {
    const uint row = row0 + ty + 16u * i;
    if (row >= pc.m) break;
    for (uint j = 0u; j < TN; ++j) {
      const uint col = col0 + tx + 16u * j;
      if (col < pc.n) c_data[c_base + row * pc.n + col] = STORAGE(acc[i][j]);
    }
  }
}
