// File: backends/cpu/simd.h
// Entry points of the SIMD kernels (backends/cpu/simd_*.cc, Google Highway): each is
// compiled for every x86 target Highway knows (SSSE3, SSE4, AVX2, AVX-512, ...) and dispatched
// at run time (HWY_DYNAMIC_DISPATCH) to the best one this CPU supports, so a binary built
// without -march runs AVX-512 code where it can. They work on unit-stride runs (stride 0 for a
// broadcast operand where stated); the kernels keep Op<prim> (elementwise_ops.h) for strided
// runs and for what returns false here. Results equal Op<prim> bit for bit, except the
// transcendentals, which stay within SimdMath(prim).max_ulp of libm (docs/cpu_kernels.md).

#ifndef COTANGENT_BACKENDS_CPU_SIMD_H_
#define COTANGENT_BACKENDS_CPU_SIMD_H_

#include <cstdint>

#include "core/dtype.h"
#include "core/primitive.h"

namespace cotangent::cpu {

// o[i] = Op<prim>(x[i]) for i < n. False (nothing written) when prim on dtype has no SIMD
// kernel.
bool SimdUnary(Primitive prim, DType dtype, const void* x, void* o, int64_t n);

// o[i] = Op<prim>(x[i * sx], y[i * sy]) with sx = x_broadcast ? 0 : 1 (likewise sy), for the
// binary and compare primitives (compare writes bool: uint8_t 0/1). False when no kernel.
bool SimdBinary(Primitive prim, DType dtype, const void* x, bool x_broadcast, const void* y,
                bool y_broadcast, void* o, int64_t n);

// o[i] = p[i] != 0 ? x[i] : y[i], elements of dtype. False when no kernel.
bool SimdSelect(DType dtype, const uint8_t* p, const void* x, const void* y, void* o, int64_t n);

// o[i] = ConvertValue<To>(x[i]) (kernels.h). False when no kernel for the pair.
bool SimdConvert(DType from, DType to, const void* x, void* o, int64_t n);

// The SIMD transcendentals: inputs in [lo, hi] take the vector polynomial (Highway's
// hwy/contrib/math), every other input (NaN, infinities, overflow, subnormal results, huge
// arguments of sin/cos) is recomputed by libm, so lanes outside the range are exact.
// max_ulp bounds the distance to glibc's result over [lo, hi] (measured by
// //tests/backends:cpu_ulp_table, asserted by tests/backends/cpu_simd_test.cc).
struct SimdMathRange {
  double lo_f32, hi_f32, lo_f64, hi_f64;
  int max_ulp_f32, max_ulp_f64;
};
// The range of exp, log, log1p, expm1, sin, cos or tanh; nullptr for any other primitive.
const SimdMathRange* SimdMath(Primitive prim);

// reduce_sum and reduce_max of f32/f64 unit-stride runs (simd_reduce.cc). SimdSum returns
// acc + the sum of x[0, n) accumulated in double (SumReducer's accuracy: f32 terms exact,
// independent partial sums); SimdSumInto adds x[i] to acc[i] (the column case: a row added
// into the accumulator row). SimdMax returns MaxReducer's max of acc and x[0, n) (NaN wins);
// SimdMaxInto sets acc[i] to the max of acc[i] and x[i]. Equal to the scalar kernel up to the
// order of the double additions and, for max, the sign of a zero maximum.
double SimdSum(const float* x, int64_t n, double acc);
double SimdSum(const double* x, int64_t n, double acc);
void SimdSumInto(double* acc, const float* x, int64_t n);
void SimdSumInto(double* acc, const double* x, int64_t n);
float SimdMax(const float* x, int64_t n, float acc);
double SimdMax(const double* x, int64_t n, double acc);
void SimdMaxInto(float* acc, const float* x, int64_t n);
void SimdMaxInto(double* acc, const double* x, int64_t n);

// One tile of a copy whose two innermost dimensions swap (simd_movement.cc):
// d[r * dst_row + c] = s[r + c * src_col] for r in [r0, r1), c in [c0, c1); the elements are
// moved as bits (32- or 64-bit), so any dtype of that width goes through.
void SimdTransposeTile(const uint32_t* s, int64_t src_col, uint32_t* d, int64_t dst_row,
                       int64_t r0, int64_t r1, int64_t c0, int64_t c1);
void SimdTransposeTile(const uint64_t* s, int64_t src_col, uint64_t* d, int64_t dst_row,
                       int64_t r0, int64_t r1, int64_t c0, int64_t c1);

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_SIMD_H_
