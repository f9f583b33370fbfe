// File: tests/backends/cpu_ulp_table.cc
// Measures the SIMD transcendentals (backends/cpu/simd.h) against glibc's libm: for each of
// exp, expm1, log, log1p, sin, cos, tanh in f32 and f64, the max and mean distance in ulps
// over three dense sweeps of the valid range [lo, hi] (SimdMath): 2^22 points evenly spaced
// in the floats' own order (every binade equally), 2^22 evenly spaced in value over [lo, hi]
// and 2^22 over [lo, hi] clipped to [-20, 20] (where tanh is not yet ±1), plus special values
// (±0, ±inf, NaN, subnormals, the range's ends and beyond): those outside [lo, hi] must be
// exact (they go to libm), those inside count in the sweep. Prints the markdown table of
// docs/cpu_kernels.md, one per compiled target this CPU supports, best first (each forced with
// hwy::SetSupportedTargetsForTest; the first is the one the kernels dispatch to).
// Run: bazel run //tests/backends:cpu_ulp_table

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "backends/cpu/simd.h"
#include "hwy/targets.h"
#include "tests/backends/ulp.h"

namespace cotangent::cpu {
namespace {

// Distance in ulps; NaN against NaN is 0, NaN against a number "infinite".
template <typename T>
double Ulps(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) == std::isnan(b) ? 0 : 1e300;
  return std::fabs(static_cast<double>(cpu_test::OrderedBits(a) - cpu_test::OrderedBits(b)));
}

template <typename T>
T Libm(Primitive prim, T x) {
  switch (prim) {
    case Primitive::kExp: return std::exp(x);
    case Primitive::kExpm1: return std::expm1(x);
    case Primitive::kLog: return std::log(x);
    case Primitive::kLog1p: return std::log1p(x);
    case Primitive::kSin: return std::sin(x);
    case Primitive::kCos: return std::cos(x);
    case Primitive::kTanh: return std::tanh(x);
    default: return std::numeric_limits<T>::quiet_NaN();
  }
}

struct Stats {
  double max = 0, sum = 0, worst_x = 0;
  int64_t count = 0;
};

template <typename T>
Stats Measure(Primitive prim, const std::vector<T>& x) {
  std::vector<T> y(x.size());
  SimdUnary(prim, DTypeOf<T>::value, x.data(), y.data(), x.size());
  Stats s;
  for (size_t i = 0; i < x.size(); ++i) {
    const double u = Ulps(y[i], Libm(prim, x[i]));
    s.sum += u;
    ++s.count;
    if (u > s.max) {
      s.max = u;
      s.worst_x = x[i];
    }
  }
  return s;
}

template <typename T>
void Row(const char* name, Primitive prim) {
  const SimdMathRange& r = *SimdMath(prim);
  const T lo = static_cast<T>(sizeof(T) == 4 ? r.lo_f32 : r.lo_f64);
  const T hi = static_cast<T>(sizeof(T) == 4 ? r.hi_f32 : r.hi_f64);
  constexpr int64_t kPoints = int64_t{1} << 22;
  std::vector<T> x;
  x.reserve(2 * kPoints);
  const int64_t olo = cpu_test::OrderedBits(lo), ohi = cpu_test::OrderedBits(hi);
  for (int64_t k = 0; k < kPoints; ++k) {
    const double t = k / double(kPoints);
    x.push_back(cpu_test::FromOrderedBits<T>(olo + static_cast<int64_t>((ohi - olo) * t)));
    x.push_back(static_cast<T>(lo + (hi / 2 - lo / 2) * (2 * (k / double(kPoints)))));
    const T clo = std::max(lo, T{-20}), chi = std::min(hi, T{20});
    x.push_back(static_cast<T>(clo + (chi - clo) * (k / double(kPoints))));
  }
  x.push_back(hi);
  constexpr T kInf = std::numeric_limits<T>::infinity();
  const std::vector<T> special = {0,
                                  -T{0},
                                  kInf,
                                  -kInf,
                                  std::numeric_limits<T>::quiet_NaN(),
                                  std::numeric_limits<T>::denorm_min(),
                                  -std::numeric_limits<T>::denorm_min(),
                                  std::numeric_limits<T>::min() / 3,
                                  std::numeric_limits<T>::max(),
                                  std::numeric_limits<T>::lowest(),
                                  std::nextafter(lo, -kInf),
                                  std::nextafter(hi, kInf),
                                  T{-1},
                                  T{1e4},
                                  T{-1e6},
                                  T{1e30}};
  std::vector<T> outside;
  for (T v : special) (v >= lo && v <= hi ? x : outside).push_back(v);
  const Stats in_range = Measure(prim, x);
  const Stats out = Measure(prim, outside);
  std::printf("| %s | %s | [%.9g, %.9g] | %.0f | %.4f | %.9g | %.0f |\n", name,
              sizeof(T) == 4 ? "f32" : "f64", double(lo), double(hi), in_range.max,
              in_range.sum / in_range.count, in_range.worst_x, out.max);
  const int bound = sizeof(T) == 4 ? r.max_ulp_f32 : r.max_ulp_f64;
  if (in_range.max > bound || out.max != 0) {
    std::printf("  ^ exceeds the documented bound %d (or a special value is not exact)\n", bound);
  }
}

}  // namespace
}  // namespace cotangent::cpu

int main() {
  using cotangent::Primitive;
  const struct {
    const char* name;
    Primitive prim;
  } fns[] = {{"exp", Primitive::kExp},     {"expm1", Primitive::kExpm1}, {"log", Primitive::kLog},
             {"log1p", Primitive::kLog1p}, {"sin", Primitive::kSin},     {"cos", Primitive::kCos},
             {"tanh", Primitive::kTanh}};
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {  // best first
    hwy::SetSupportedTargetsForTest(target);
    std::printf("\ntarget: %s\n\n", hwy::TargetName(target));
    std::printf(
        "| function | dtype | range [lo, hi] | max ulp | mean ulp | worst x | outside max ulp |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (const auto& f : fns) {
      cotangent::cpu::Row<float>(f.name, f.prim);
      cotangent::cpu::Row<double>(f.name, f.prim);
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  return 0;
}
