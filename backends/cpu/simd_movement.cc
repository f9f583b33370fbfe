// File: backends/cpu/simd_movement.cc
// The SIMD transpose tile declared in simd.h, compiled for every target by
// hwy/foreach_target.h and dispatched at run time, as simd_elementwise.cc. 32-bit elements go
// in 4x4 blocks, 64-bit in 2x2 blocks, each a few lane interleaves of 128-bit vectors (every
// target but SCALAR has them); the block edges of a tile and other element sizes are scalar.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/simd_movement.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h.
#include "hwy/highway.h"

#ifndef COTANGENT_BACKENDS_CPU_SIMD_MOVEMENT_ONCE_
#define COTANGENT_BACKENDS_CPU_SIMD_MOVEMENT_ONCE_
#include <cstdint>

#include "backends/cpu/simd.h"
#endif  // COTANGENT_BACKENDS_CPU_SIMD_MOVEMENT_ONCE_

HWY_BEFORE_NAMESPACE();
namespace cotangent::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// d[r * dst_row + c] = s[r + c * src_col] for r in [r0, r1), c in [c0, c1), one by one.
template <typename T>
HWY_INLINE void ScalarTile(const T* HWY_RESTRICT s, int64_t src_col, T* HWY_RESTRICT d,
                           int64_t dst_row, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t c = c0; c < c1; ++c) d[r * dst_row + c] = s[r + c * src_col];
  }
}

// The tile in blocks of B x B (B lanes of 128 bits): B loads along r (unit stride in s), a
// transpose in registers, B stores along c (unit stride in d); the edges scalar.
template <typename T>
void TransposeTile(const T* HWY_RESTRICT s, int64_t src_col, T* HWY_RESTRICT d, int64_t dst_row,
                   int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
#if HWY_TARGET == HWY_SCALAR
  ScalarTile(s, src_col, d, dst_row, r0, r1, c0, c1);
#else
  constexpr int64_t kB = 16 / sizeof(T);
  const hn::FixedTag<T, kB> dt;
  const int64_t rb = r0 + (r1 - r0) / kB * kB, cb = c0 + (c1 - c0) / kB * kB;
  for (int64_t c = c0; c < cb; c += kB) {
    for (int64_t r = r0; r < rb; r += kB) {
      const T* src = s + r + c * src_col;
      T* dst = d + r * dst_row + c;
      if constexpr (kB == 4) {
        // v_j = column c+j, rows r..r+3; out_i = row r+i, columns c..c+3.
        const auto v0 = hn::LoadU(dt, src), v1 = hn::LoadU(dt, src + src_col);
        const auto v2 = hn::LoadU(dt, src + 2 * src_col), v3 = hn::LoadU(dt, src + 3 * src_col);
        const auto t0 = hn::InterleaveLower(dt, v0, v1);  // a0 b0 a1 b1
        const auto t1 = hn::InterleaveLower(dt, v2, v3);  // c0 d0 c1 d1
        const auto t2 = hn::InterleaveUpper(dt, v0, v1);  // a2 b2 a3 b3
        const auto t3 = hn::InterleaveUpper(dt, v2, v3);  // c2 d2 c3 d3
        const hn::Repartition<uint64_t, decltype(dt)> d64;
        const auto w = [&](auto x) { return hn::BitCast(d64, x); };
        hn::StoreU(hn::BitCast(dt, hn::InterleaveLower(d64, w(t0), w(t1))), dt, dst);
        hn::StoreU(hn::BitCast(dt, hn::InterleaveUpper(d64, w(t0), w(t1))), dt, dst + dst_row);
        hn::StoreU(hn::BitCast(dt, hn::InterleaveLower(d64, w(t2), w(t3))), dt,
                   dst + 2 * dst_row);
        hn::StoreU(hn::BitCast(dt, hn::InterleaveUpper(d64, w(t2), w(t3))), dt,
                   dst + 3 * dst_row);
      } else {
        const auto v0 = hn::LoadU(dt, src), v1 = hn::LoadU(dt, src + src_col);
        hn::StoreU(hn::InterleaveLower(dt, v0, v1), dt, dst);
        hn::StoreU(hn::InterleaveUpper(dt, v0, v1), dt, dst + dst_row);
      }
    }
  }
  ScalarTile(s, src_col, d, dst_row, rb, r1, c0, c1);  // the rows below the blocks
  ScalarTile(s, src_col, d, dst_row, r0, rb, cb, c1);  // the columns right of them
#endif
}

void Transpose32(const uint32_t* s, int64_t src_col, uint32_t* d, int64_t dst_row, int64_t r0,
                 int64_t r1, int64_t c0, int64_t c1) {
  TransposeTile(s, src_col, d, dst_row, r0, r1, c0, c1);
}
void Transpose64(const uint64_t* s, int64_t src_col, uint64_t* d, int64_t dst_row, int64_t r0,
                 int64_t r1, int64_t c0, int64_t c1) {
  TransposeTile(s, src_col, d, dst_row, r0, r1, c0, c1);
}

}  // namespace HWY_NAMESPACE
}  // namespace cotangent::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace cotangent::cpu {

HWY_EXPORT(Transpose32);
HWY_EXPORT(Transpose64);

void SimdTransposeTile(const uint32_t* s, int64_t src_col, uint32_t* d, int64_t dst_row,
                       int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  HWY_DYNAMIC_DISPATCH(Transpose32)(s, src_col, d, dst_row, r0, r1, c0, c1);
}
void SimdTransposeTile(const uint64_t* s, int64_t src_col, uint64_t* d, int64_t dst_row,
                       int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  HWY_DYNAMIC_DISPATCH(Transpose64)(s, src_col, d, dst_row, r0, r1, c0, c1);
}

}  // namespace cotangent::cpu
#endif  // HWY_ONCE
