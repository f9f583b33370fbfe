// File: tests/backends/cpu_simd_test.cc
// The SIMD kernels (backends/cpu/simd.h) at every Highway target this CPU supports, each forced
// in turn (hwy::SetSupportedTargetsForTest), against the scalar baseline Op<prim>
// (elementwise_ops.h) and ConvertValue: bit for bit (NaN matches any NaN) for the exact ops,
// within SimdMath(prim)'s ulp bound for the transcendentals, whose NaN-ness and infinities must
// match exactly. Inputs mix special values (±0, ±inf, NaN, subnormals, huge, tiny, i32
// extremes) with random ones, at lengths 1, 3, 17 and 1007, with every combination of
// broadcast (stride-0) operands; strided and broadcast views also go through
// CpuBackend::Execute.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/cpu/elementwise_ops.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "tests/backends/cpu_test_util.h"
#include "tests/backends/ulp.h"

namespace cotangent::cpu {
namespace {

using P = Primitive;
constexpr int64_t kLengths[] = {1, 3, 17, 1000 + 7};

// The dtype stored as T (bool as uint8_t).
template <typename T>
constexpr DType StorageDType() {
  if constexpr (std::is_same_v<T, uint8_t>) {
    return DType::kBool;
  } else {
    return DTypeOf<T>::value;
  }
}

// Special values first, then random ones of many magnitudes (bytes: bool's 0 and 1, or u8's
// 0 to 255).
template <typename T, DType dtype = StorageDType<T>()>
std::vector<T> Values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<T> special;
  if constexpr (std::is_floating_point_v<T>) {
    using L = std::numeric_limits<T>;
    special = {0,           -T{0},        L::infinity(), -L::infinity(), L::quiet_NaN(),
               -L::quiet_NaN(), L::denorm_min(), -L::denorm_min(), L::min(), L::min() / 4,
               L::max(),    L::lowest(),  T{1},          T{-1},          T{0.5},
               T{-0.5},     T{2.5},       T{-2.5},       T{1e30},        T{-1e30},
               T{1e-30},    T{88.5},      T{-88.5},      T{710},         T{-750},
               T{1e5},      T{-4e4},      T{3.14159265}, T{-0.9999},     T{-1.5}};
  } else if constexpr (std::is_same_v<T, int32_t>) {
    using L = std::numeric_limits<int32_t>;
    special = {0, 1, -1, 2, -2, L::min(), L::max(), L::min() + 1, L::max() - 1, 65536, -65536};
  }
  std::vector<T> v(n);
  for (int64_t i = 0; i < n; ++i) {
    // Shuffled specials (by seed) so each lane position meets each of them.
    if (!special.empty() && rng() % 3 == 0) {
      v[i] = special[rng() % special.size()];
    } else if constexpr (std::is_floating_point_v<T>) {
      const double scale = std::pow(10.0, static_cast<int>(rng() % 13) - 6);
      v[i] = static_cast<T>((static_cast<double>(rng()) / 4294967296.0 * 2 - 1) * scale);
    } else if constexpr (std::is_same_v<T, int32_t>) {
      v[i] = static_cast<int32_t>(rng());
    } else {
      v[i] = static_cast<uint8_t>(rng() % (dtype == DType::kU8 ? 256 : 2));
    }
  }
  return v;
}

// Empty when actual is acceptable for expected: identical bits (any NaN for a NaN), or for a
// transcendental (max_ulp >= 0) a finite value within max_ulp of expected.
template <typename T>
std::string Mismatch(T actual, T expected, int max_ulp) {
  bool ok;
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(expected) || std::isnan(actual)) {
      ok = std::isnan(expected) && std::isnan(actual);
    } else if (max_ulp < 0 || std::isinf(expected) || std::isinf(actual)) {
      ok = std::memcmp(&actual, &expected, sizeof(T)) == 0;
    } else {
      ok = std::abs(cpu_test::OrderedBits(actual) - cpu_test::OrderedBits(expected)) <= max_ulp;
    }
  } else {
    ok = actual == expected;
  }
  if (ok) return "";
  return absl::StrCat("got ", static_cast<double>(actual), ", expected ",
                      static_cast<double>(expected));
}

int MaxUlp(Primitive prim, DType dtype) {
  const SimdMathRange* range = SimdMath(prim);
  if (range == nullptr) return -1;
  return dtype == DType::kF32 ? range->max_ulp_f32 : range->max_ulp_f64;
}

class SimdTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

// --- Unary --------------------------------------------------------------------------------------

template <typename T, Primitive prim, DType dtype = StorageDType<T>()>
void CheckUnary() {
  if constexpr (InClass(dtype, OperandDType(prim, 0))) {
    for (int64_t n : kLengths) {
      const std::vector<T> x = Values<T, dtype>(n, static_cast<uint32_t>(n));
      std::vector<T> o(n);
      ASSERT_TRUE(SimdUnary(prim, dtype, x.data(), o.data(), n))
          << PrimitiveName(prim) << " has no SIMD kernel for " << DTypeName(dtype);
      for (int64_t i = 0; i < n; ++i) {
        const std::string m = Mismatch(o[i], OpOn<prim, dtype>{}(x[i]), MaxUlp(prim, dtype));
        ASSERT_EQ(m, "") << PrimitiveName(prim) << " " << DTypeName(dtype) << " n=" << n
                         << " i=" << i << " x=" << static_cast<double>(x[i]);
      }
    }
  }
}

template <typename T>
void CheckAllUnary() {
  CheckUnary<T, P::kNeg>();
  CheckUnary<T, P::kSign>();
  CheckUnary<T, P::kAbs>();
  CheckUnary<T, P::kExp>();
  CheckUnary<T, P::kLog>();
  CheckUnary<T, P::kLog1p>();
  CheckUnary<T, P::kExpm1>();
  CheckUnary<T, P::kSin>();
  CheckUnary<T, P::kCos>();
  CheckUnary<T, P::kTanh>();
  CheckUnary<T, P::kSqrt>();
  CheckUnary<T, P::kFloor>();
  CheckUnary<T, P::kNot>();
}

TEST_P(SimdTest, UnaryMatchesOp) {
  CheckAllUnary<float>();
  CheckAllUnary<double>();
  CheckAllUnary<int32_t>();
  CheckAllUnary<uint8_t>();
  CheckUnary<uint8_t, P::kNot, DType::kU8>();  // ~x on the byte, where bool's is x ^ 1
}

// The transcendentals over a dense sweep of their valid range, where the bound is asserted.
template <typename T, Primitive prim>
void CheckSweep() {
  const SimdMathRange& r = *SimdMath(prim);
  const double lo = std::max(sizeof(T) == 4 ? r.lo_f32 : r.lo_f64, -1e4);
  const double hi = std::min(sizeof(T) == 4 ? r.hi_f32 : r.hi_f64, 1e4);
  constexpr int64_t n = 100003;
  std::vector<T> x(n), o(n);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<T>(lo + (hi - lo) * i / (n - 1));
  ASSERT_TRUE(SimdUnary(prim, DTypeOf<T>::value, x.data(), o.data(), n));
  for (int64_t i = 0; i < n; ++i) {
    const std::string m = Mismatch(o[i], Op<prim>{}(x[i]), MaxUlp(prim, DTypeOf<T>::value));
    ASSERT_EQ(m, "") << PrimitiveName(prim) << " x=" << static_cast<double>(x[i]);
  }
}

TEST_P(SimdTest, TranscendentalsWithinBoundOverTheirRange) {
  CheckSweep<float, P::kExp>();
  CheckSweep<double, P::kExp>();
  CheckSweep<float, P::kExpm1>();
  CheckSweep<double, P::kExpm1>();
  CheckSweep<float, P::kLog>();
  CheckSweep<double, P::kLog>();
  CheckSweep<float, P::kLog1p>();
  CheckSweep<double, P::kLog1p>();
  CheckSweep<float, P::kSin>();
  CheckSweep<double, P::kSin>();
  CheckSweep<float, P::kCos>();
  CheckSweep<double, P::kCos>();
  CheckSweep<float, P::kTanh>();
  CheckSweep<double, P::kTanh>();
}

// cos is exactly 1 where it rounds to 1 (Highway's polynomial gave 1 - 1 ulp at 0, which made
// a complex product along the axes inexact), and sin is exactly x at tiny x.
template <typename T>
void CheckCosOfTinyIsOne() {
  const T tiny = sizeof(T) == 4 ? T(0x1p-13) : T(0x1p-27);
  const std::vector<T> x = {T(0),          T(-0.0), T(1e-30),    -tiny / 2,   tiny / 2,
                            T(0.5) * tiny, tiny,    T(2) * tiny, T(0x1p-100), T(0.25)};
  std::vector<T> o(x.size());
  ASSERT_TRUE(SimdUnary(P::kCos, DTypeOf<T>::value, x.data(), o.data(), x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::fabs(x[i]) < tiny) {
      EXPECT_EQ(o[i], T(1)) << "cos " << static_cast<double>(x[i]);
    }
    EXPECT_EQ(Mismatch(o[i], std::cos(x[i]), MaxUlp(P::kCos, DTypeOf<T>::value)), "");
  }
}

TEST_P(SimdTest, CosOfZeroIsExactlyOne) {
  CheckCosOfTinyIsOne<float>();
  CheckCosOfTinyIsOne<double>();
}

// --- Binary and compare -------------------------------------------------------------------------

template <typename T, Primitive prim, DType dtype = StorageDType<T>()>
void CheckBinary(bool expect_simd) {
  if constexpr (InClass(dtype, OperandDType(prim, 0))) {
    using O = decltype(OpOn<prim, dtype>{}(T{}, T{}));
    for (int64_t n : kLengths) {
      const std::vector<T> x = Values<T, dtype>(n, 1 + static_cast<uint32_t>(n));
      const std::vector<T> y = Values<T, dtype>(n, 2 + static_cast<uint32_t>(n));
      for (int b = 0; b < 4; ++b) {
        const bool bx = b & 1, by = b & 2;
        std::vector<O> o(n);
        const bool done = SimdBinary(prim, dtype, x.data(), bx, y.data(), by, o.data(), n);
        ASSERT_EQ(done, expect_simd) << PrimitiveName(prim) << " " << DTypeName(dtype);
        if (!done) continue;
        for (int64_t i = 0; i < n; ++i) {
          const T xi = x[bx ? 0 : i], yi = y[by ? 0 : i];
          const std::string m = Mismatch<O>(o[i], OpOn<prim, dtype>{}(xi, yi), -1);
          ASSERT_EQ(m, "") << PrimitiveName(prim) << " " << DTypeName(dtype) << " n=" << n
                           << " bx=" << bx << " by=" << by << " i=" << i
                           << " x=" << static_cast<double>(xi) << " y=" << static_cast<double>(yi);
        }
      }
    }
  }
}

template <typename T>
void CheckAllBinary() {
  constexpr bool kNum = !std::is_same_v<T, uint8_t>;
  CheckBinary<T, P::kAdd>(kNum);
  CheckBinary<T, P::kSub>(kNum);
  CheckBinary<T, P::kMul>(kNum);
  CheckBinary<T, P::kDiv>(std::is_floating_point_v<T>);  // i32 division: scalar (XLA's rules)
  CheckBinary<T, P::kPow>(false);                         // libm pow
  CheckBinary<T, P::kMax>(kNum);
  CheckBinary<T, P::kMin>(kNum);
  CheckBinary<T, P::kAnd>(!std::is_floating_point_v<T>);
  CheckBinary<T, P::kOr>(!std::is_floating_point_v<T>);
  CheckBinary<T, P::kXor>(!std::is_floating_point_v<T>);
  CheckBinary<T, P::kEq>(kNum);
  CheckBinary<T, P::kNe>(kNum);
  CheckBinary<T, P::kLt>(kNum);
  CheckBinary<T, P::kLe>(kNum);
  CheckBinary<T, P::kGt>(kNum);
  CheckBinary<T, P::kGe>(kNum);
}

TEST_P(SimdTest, BinaryAndCompareMatchOp) {
  CheckAllBinary<float>();
  CheckAllBinary<double>();
  CheckAllBinary<int32_t>();
  CheckAllBinary<uint8_t>();
  // u8 shares bool's storage: its bitwise ops are SIMD on the whole byte.
  CheckBinary<uint8_t, P::kAnd, DType::kU8>(true);
  CheckBinary<uint8_t, P::kOr, DType::kU8>(true);
  CheckBinary<uint8_t, P::kXor, DType::kU8>(true);
}

// --- Select and convert -------------------------------------------------------------------------

template <typename T>
void CheckSelect() {
  for (int64_t n : kLengths) {
    const std::vector<uint8_t> p = Values<uint8_t>(n, 3);
    const std::vector<T> x = Values<T>(n, 4), y = Values<T>(n, 5);
    std::vector<T> o(n);
    ASSERT_TRUE(SimdSelect(DTypeOf<T>::value, p.data(), x.data(), y.data(), o.data(), n));
    for (int64_t i = 0; i < n; ++i) {
      const T expected = p[i] != 0 ? x[i] : y[i];
      ASSERT_EQ(std::memcmp(&o[i], &expected, sizeof(T)), 0) << "select n=" << n << " i=" << i;
    }
  }
}

TEST_P(SimdTest, SelectMatches) {
  CheckSelect<float>();
  CheckSelect<double>();
  CheckSelect<int32_t>();
}

// On HWY_SCALAR f64 -> f32 declines (Highway's scalar DemoteTo clamps infinities).
template <typename From, typename To>
void CheckConvert(int64_t target) {
  for (int64_t n : kLengths) {
    const std::vector<From> x = Values<From>(n, 6);
    std::vector<To> o(n);
    const bool done =
        SimdConvert(DTypeOf<From>::value, DTypeOf<To>::value, x.data(), o.data(), n);
    const bool declines = target == HWY_SCALAR && sizeof(From) > sizeof(To);
    ASSERT_EQ(done, !declines);
    if (!done) continue;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(Mismatch(o[i], (ConvertValue<To, DTypeOf<To>::value>(x[i])), -1), "")
          << "convert " << DTypeName(DTypeOf<From>::value) << "->"
          << DTypeName(DTypeOf<To>::value) << " x=" << static_cast<double>(x[i]);
    }
  }
}

TEST_P(SimdTest, ConvertMatches) {
  CheckConvert<float, double>(GetParam());
  CheckConvert<double, float>(GetParam());
  CheckConvert<int32_t, float>(GetParam());
  CheckConvert<int32_t, double>(GetParam());
}

// --- Reductions ---------------------------------------------------------------------------------

// SimdSum against a sequential double sum, within the bound of reordered double additions;
// SimdMax against MaxReducer's rule (NaN wins) bit for bit, except the sign of a zero maximum;
// the row forms (SimdSumInto, SimdMaxInto) are one operation per element: bit for bit.
template <typename T>
void CheckReductions() {
  for (int64_t n : kLengths) {
    for (int finite = 0; finite < 2; ++finite) {
      std::vector<T> x = Values<T>(n, 10 + static_cast<uint32_t>(n));
      if (finite) {
        for (T& v : x) v = std::isfinite(v) && std::abs(v) < 1e30 ? v : T{1.5};
      }
      double sum = 0, abs_sum = 0;
      T max = -std::numeric_limits<T>::infinity();
      for (T v : x) {
        sum += static_cast<double>(v);
        abs_sum += std::abs(static_cast<double>(v));
        max = (v > max || v != v) ? v : max;
      }
      const double simd_sum = SimdSum(x.data(), n, 0.0);
      if (std::isnan(sum) || std::isinf(sum)) {
        EXPECT_EQ(std::isnan(simd_sum), std::isnan(sum)) << "sum n=" << n;
      } else {
        EXPECT_LE(std::abs(simd_sum - sum), 2.0 * n * 0x1p-52 * abs_sum) << "sum n=" << n;
      }
      const T simd_max = SimdMax(x.data(), n, -std::numeric_limits<T>::infinity());
      EXPECT_TRUE(std::isnan(max) ? std::isnan(simd_max) : simd_max == max)
          << "max n=" << n << " got " << simd_max << " expected " << max;

      const std::vector<T> y = Values<T>(n, 20 + static_cast<uint32_t>(n));
      std::vector<double> acc(y.begin(), y.end()), expected_acc = acc;
      std::vector<T> macc = y, expected_macc = y;
      for (int64_t i = 0; i < n; ++i) {
        expected_acc[i] += static_cast<double>(x[i]);
        expected_macc[i] = (x[i] > macc[i] || x[i] != x[i]) ? x[i] : macc[i];
      }
      SimdSumInto(acc.data(), x.data(), n);
      SimdMaxInto(macc.data(), x.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(Mismatch(acc[i], expected_acc[i], -1), "") << "sum into n=" << n << " i=" << i;
        ASSERT_EQ(Mismatch(macc[i], expected_macc[i], -1), "") << "max into n=" << n << " i=" << i;
      }
    }
  }
}

TEST_P(SimdTest, ReductionsMatch) {
  CheckReductions<float>();
  CheckReductions<double>();
}

// --- Through CpuBackend::Execute: strided and broadcast views ----------------------------------

template <typename T, Primitive prim>
void CheckViaExecute(DType dtype) {
  using cpu_test::Layout;
  const Shape shape = {5, 37};
  const Layout layouts[] = {Layout::kDense, Layout::kReversed, Layout::kSpread,
                            Layout::kBroadcast0, Layout::kBroadcastLast};
  for (Layout lx : layouts) {
    for (Layout ly : layouts) {
      const cpu_test::Host x = cpu_test::Random(shape, dtype, 7, lx);
      const cpu_test::Host y = cpu_test::Random(shape, dtype, 8, ly);
      const cpu_test::Host out =
          cpu_test::Exec(prim, {cpu_test::Place(x, dtype, lx), cpu_test::Place(y, dtype, ly)}, {},
                         ShapedArray{shape, dtype});
      for (size_t i = 0; i < out.v.size(); ++i) {
        const T expected = Op<prim>{}(static_cast<T>(x.v[i]), static_cast<T>(y.v[i]));
        ASSERT_EQ(Mismatch(static_cast<T>(out.v[i]), expected, -1), "")
            << PrimitiveName(prim) << " " << cpu_test::LayoutName(lx) << "/"
            << cpu_test::LayoutName(ly) << " i=" << i;
      }
    }
    const cpu_test::Host x = cpu_test::Random(shape, dtype, 9, lx);
    const cpu_test::Host out =
        cpu_test::Exec(P::kTanh, {cpu_test::Place(x, dtype, lx)}, {}, ShapedArray{shape, dtype});
    for (size_t i = 0; i < out.v.size(); ++i) {
      const T expected = Op<P::kTanh>{}(static_cast<T>(x.v[i]));
      ASSERT_EQ(Mismatch(static_cast<T>(out.v[i]), expected, MaxUlp(P::kTanh, dtype)), "")
          << "tanh " << cpu_test::LayoutName(lx) << " i=" << i;
    }
  }
}

TEST_P(SimdTest, StridedAndBroadcastViewsThroughExecute) {
  CheckViaExecute<float, P::kMax>(DType::kF32);
  CheckViaExecute<double, P::kSub>(DType::kF64);
  CheckViaExecute<float, P::kMul>(DType::kF32);
}

std::vector<int64_t> Targets() { return hwy::SupportedAndGeneratedTargets(); }

INSTANTIATE_TEST_SUITE_P(AllTargets, SimdTest, ::testing::ValuesIn(Targets()),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace cotangent::cpu
