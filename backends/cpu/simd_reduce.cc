// File: backends/cpu/simd_reduce.cc
// The SIMD reductions declared in simd.h for f32 and f64 (reduce_sum, reduce_max), compiled for
// every target by hwy/foreach_target.h and dispatched at run time, as simd_elementwise.cc.
// Sums accumulate in double as the scalar SumReducer does: f32 terms are widened exactly, so
// the only rounding is that of the double additions, spread over 4 vectors of independent
// partial sums (error at most about (n / lanes + lanes) * 2^-53 * sum |x|, the scalar kernel's
// bound with its 8 partial sums). Max: NaN wins, as MaxReducer.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/simd_reduce.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h.
#include "hwy/highway.h"

#ifndef COTANGENT_BACKENDS_CPU_SIMD_REDUCE_ONCE_
#define COTANGENT_BACKENDS_CPU_SIMD_REDUCE_ONCE_
#include <cstdint>

#include "backends/cpu/simd.h"
#endif  // COTANGENT_BACKENDS_CPU_SIMD_REDUCE_ONCE_

HWY_BEFORE_NAMESPACE();
namespace cotangent::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The lanes of d's type T widened to double: x[0, Lanes(dd)) as a vector of doubles.
template <typename T, class DD>
HWY_INLINE auto LoadAsDouble(DD dd, const T* HWY_RESTRICT x) {
  if constexpr (sizeof(T) == 4) {
    return hn::PromoteTo(dd, hn::LoadU(hn::Rebind<float, DD>(), x));
  } else {
    return hn::LoadU(dd, x);
  }
}

// sum of x[0, n) in double, added to acc.
template <typename T>
double SumLoop(const T* HWY_RESTRICT x, size_t n, double acc) {
  const hn::ScalableTag<double> dd;
  const size_t lanes = hn::Lanes(dd);
  auto s0 = hn::Zero(dd), s1 = hn::Zero(dd), s2 = hn::Zero(dd), s3 = hn::Zero(dd);
  size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    s0 = hn::Add(s0, LoadAsDouble(dd, x + i));
    s1 = hn::Add(s1, LoadAsDouble(dd, x + i + lanes));
    s2 = hn::Add(s2, LoadAsDouble(dd, x + i + 2 * lanes));
    s3 = hn::Add(s3, LoadAsDouble(dd, x + i + 3 * lanes));
  }
  for (; i + lanes <= n; i += lanes) s0 = hn::Add(s0, LoadAsDouble(dd, x + i));
  double rest = 0;
  for (; i < n; ++i) rest += static_cast<double>(x[i]);
  const auto total = hn::Add(hn::Add(s0, s1), hn::Add(s2, s3));
  return acc + (hn::GetLane(hn::SumOfLanes(dd, total)) + rest);
}

// acc[i] += x[i] in double.
template <typename T>
void SumIntoLoop(double* HWY_RESTRICT acc, const T* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<double> dd;
  const size_t lanes = hn::Lanes(dd);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::Add(hn::LoadU(dd, acc + i), LoadAsDouble(dd, x + i)), dd, acc + i);
  }
  for (; i < n; ++i) acc[i] += static_cast<double>(x[i]);
}

// MaxReducer::Combine on vectors: (x > acc || x != x) ? x : acc (Not(Eq): Highway 1.0's Ne is
// ordered on AVX2/AVX-512, false for NaN).
template <class V>
HWY_INLINE V MaxCombineV(V acc, V x) {
  return hn::IfThenElse(hn::Or(hn::Gt(x, acc), hn::Not(hn::Eq(x, x))), x, acc);
}
template <typename T>
T MaxCombine(T acc, T x) {
  return (x > acc || x != x) ? x : acc;
}

// max of acc and x[0, n).
template <typename T>
T MaxLoop(const T* HWY_RESTRICT x, size_t n, T acc) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  if (n >= 2 * lanes) {
    auto m0 = hn::LoadU(d, x), m1 = hn::LoadU(d, x + lanes);
    for (i = 2 * lanes; i + 2 * lanes <= n; i += 2 * lanes) {
      m0 = MaxCombineV(m0, hn::LoadU(d, x + i));
      m1 = MaxCombineV(m1, hn::LoadU(d, x + i + lanes));
    }
    HWY_ALIGN T lane[HWY_MAX_BYTES / sizeof(T)];
    hn::Store(MaxCombineV(m0, m1), d, lane);
    for (size_t j = 0; j < lanes; ++j) acc = MaxCombine(acc, lane[j]);
  }
  for (; i < n; ++i) acc = MaxCombine(acc, x[i]);
  return acc;
}

// acc[i] = max(acc[i], x[i]).
template <typename T>
void MaxIntoLoop(T* HWY_RESTRICT acc, const T* HWY_RESTRICT x, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(MaxCombineV(hn::LoadU(d, acc + i), hn::LoadU(d, x + i)), d, acc + i);
  }
  for (; i < n; ++i) acc[i] = MaxCombine(acc[i], x[i]);
}

double SumF32(const float* x, size_t n, double acc) { return SumLoop(x, n, acc); }
double SumF64(const double* x, size_t n, double acc) { return SumLoop(x, n, acc); }
void SumIntoF32(double* acc, const float* x, size_t n) { SumIntoLoop(acc, x, n); }
void SumIntoF64(double* acc, const double* x, size_t n) { SumIntoLoop(acc, x, n); }
float MaxF32(const float* x, size_t n, float acc) { return MaxLoop(x, n, acc); }
double MaxF64(const double* x, size_t n, double acc) { return MaxLoop(x, n, acc); }
void MaxIntoF32(float* acc, const float* x, size_t n) { MaxIntoLoop(acc, x, n); }
void MaxIntoF64(double* acc, const double* x, size_t n) { MaxIntoLoop(acc, x, n); }

}  // namespace HWY_NAMESPACE
}  // namespace cotangent::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace cotangent::cpu {

HWY_EXPORT(SumF32);
HWY_EXPORT(SumF64);
HWY_EXPORT(SumIntoF32);
HWY_EXPORT(SumIntoF64);
HWY_EXPORT(MaxF32);
HWY_EXPORT(MaxF64);
HWY_EXPORT(MaxIntoF32);
HWY_EXPORT(MaxIntoF64);

double SimdSum(const float* x, int64_t n, double acc) {
  return HWY_DYNAMIC_DISPATCH(SumF32)(x, n, acc);
}
double SimdSum(const double* x, int64_t n, double acc) {
  return HWY_DYNAMIC_DISPATCH(SumF64)(x, n, acc);
}
void SimdSumInto(double* acc, const float* x, int64_t n) {
  HWY_DYNAMIC_DISPATCH(SumIntoF32)(acc, x, n);
}
void SimdSumInto(double* acc, const double* x, int64_t n) {
  HWY_DYNAMIC_DISPATCH(SumIntoF64)(acc, x, n);
}
float SimdMax(const float* x, int64_t n, float acc) {
  return HWY_DYNAMIC_DISPATCH(MaxF32)(x, n, acc);
}
double SimdMax(const double* x, int64_t n, double acc) {
  return HWY_DYNAMIC_DISPATCH(MaxF64)(x, n, acc);
}
void SimdMaxInto(float* acc, const float* x, int64_t n) {
  HWY_DYNAMIC_DISPATCH(MaxIntoF32)(acc, x, n);
}
void SimdMaxInto(double* acc, const double* x, int64_t n) {
  HWY_DYNAMIC_DISPATCH(MaxIntoF64)(acc, x, n);
}

}  // namespace cotangent::cpu
#endif  // HWY_ONCE
