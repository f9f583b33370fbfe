// File: tests/cotangent/half_float_test.cc
// f16 (IEEE binary16) and bf16 (bfloat16) on every backend. The oracle of rounding is its
// definition, checked exhaustively: every value of both formats converts back to itself, and
// every midpoint between neighbours rounds to the one with the even last bit, a hair off it
// to the nearer one (also from doubles that an f32 cannot tell from the midpoint: one
// rounding, not two). The oracle of arithmetic is the same backend's f32: each primitive on a
// 16-bit float equals that primitive on the f32 values, rounded once (XLA's semantics), so
// eager, jit, grad and vmap agree bitwise. Then JAX's promotion lattice, f32 accumulation,
// finfo, printing as numpy, files and the PRNG.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/casts.h"
#include "absl/strings/str_cat.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ErrorOf;

const DType kHalves[] = {f16, bf16};

uint16_t RoundFloat(DType d, float x) {
  return d == f16 ? RoundFloatToF16Bits(x) : RoundFloatToBF16Bits(x);
}
uint16_t RoundDouble(DType d, double x) {
  return d == f16 ? RoundToF16Bits(x) : RoundToBF16Bits(x);
}
float Widen(DType d, uint16_t bits) {
  return d == f16 ? F16BitsToFloat(bits) : BF16BitsToFloat(bits);
}
bool IsNanBits(DType d, uint16_t b) { return std::isnan(Widen(d, b)); }

// The bits of a 16-bit float tensor.
std::vector<uint16_t> Bits(const Tensor& x) {
  std::vector<uint16_t> out;
  if (x.dtype() == f16) {
    for (float16 h : x.to_vector<float16>()) out.push_back(h.bits());
  } else {
    for (bfloat16 h : x.to_vector<bfloat16>()) out.push_back(h.bits());
  }
  return out;
}

std::vector<uint32_t> F32Bits(const Tensor& x) {
  std::vector<uint32_t> out;
  for (float v : x.to_vector<float>()) out.push_back(absl::bit_cast<uint32_t>(v));
  return out;
}

Tensor FromBits(DType d, const std::vector<uint16_t>& bits) {
  if (d == f16) {
    std::vector<float16> v;
    for (uint16_t b : bits) v.push_back(float16::FromBits(b));
    return from_vector(v, {static_cast<int64_t>(v.size())});
  }
  std::vector<bfloat16> v;
  for (uint16_t b : bits) v.push_back(bfloat16::FromBits(b));
  return from_vector(v, {static_cast<int64_t>(v.size())});
}

// Every finite non-negative value of the format in increasing order, as bits.
std::vector<uint16_t> FiniteNonNegative(DType d) {
  std::vector<uint16_t> out;
  for (uint32_t b = 0; b < 0x8000; ++b) {
    if (std::isfinite(Widen(d, static_cast<uint16_t>(b)))) out.push_back(static_cast<uint16_t>(b));
  }
  return out;
}

// ---- rounding, on the host ---------------------------------------------------------------

TEST(HalfFloatTest, EveryValueConvertsBackToItself) {
  for (DType d : kHalves) {
    for (uint32_t b = 0; b <= 0xffff; ++b) {
      const auto bits = static_cast<uint16_t>(b);
      const float x = Widen(d, bits);
      if (std::isnan(x)) {
        EXPECT_TRUE(IsNanBits(d, RoundFloat(d, x))) << DTypeName(d) << " " << b;
        EXPECT_TRUE(IsNanBits(d, RoundDouble(d, x)));
        EXPECT_EQ(RoundFloat(d, x) & 0x8000, bits & 0x8000) << "the sign of NaN";
        continue;
      }
      ASSERT_EQ(RoundFloat(d, x), bits) << DTypeName(d) << " " << b;
      ASSERT_EQ(RoundDouble(d, x), bits) << DTypeName(d) << " " << b;
    }
  }
  EXPECT_EQ(F16BitsToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(F16BitsToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(BF16BitsToFloat(0x3f80), 1.0f);
}

TEST(HalfFloatTest, MidpointsRoundToEvenAndNeighboursToTheNearer) {
  for (DType d : kHalves) {
    const std::vector<uint16_t> values = FiniteNonNegative(d);
    for (size_t i = 0; i + 1 < values.size(); ++i) {
      const uint16_t lo = values[i], hi = values[i + 1];
      const double a = Widen(d, lo), b = Widen(d, hi);
      const double mid = (a + b) / 2;  // exact in a double (and in an f32)
      const uint16_t even = (lo & 1) == 0 ? lo : hi;
      ASSERT_EQ(RoundDouble(d, mid), even) << DTypeName(d) << " " << mid;
      ASSERT_EQ(RoundFloat(d, static_cast<float>(mid)), even) << DTypeName(d) << " " << mid;
      ASSERT_EQ(RoundDouble(d, -mid), even | 0x8000);
      // A hair either side: in an f32 (one f32 last place) and in a double (far below an f32's
      // resolution: rounding first to f32 would land on the midpoint and round to even).
      ASSERT_EQ(RoundFloat(d, std::nextafter(static_cast<float>(mid), INFINITY)), hi);
      ASSERT_EQ(RoundFloat(d, std::nextafter(static_cast<float>(mid), 0.0f)), lo);
      ASSERT_EQ(RoundDouble(d, mid + mid * 0x1p-40), hi) << DTypeName(d) << " " << mid;
      ASSERT_EQ(RoundDouble(d, mid - mid * 0x1p-40), lo) << DTypeName(d) << " " << mid;
    }
    // Past the largest finite value by half a last place or more: infinity.
    const double top = Widen(d, values.back());
    const double last_place = top - Widen(d, values[values.size() - 2]);
    EXPECT_EQ(RoundDouble(d, top + last_place / 2), d == f16 ? 0x7c00 : 0x7f80);
    EXPECT_EQ(RoundDouble(d, top + last_place / 2 - last_place / 1024), values.back());
    EXPECT_EQ(RoundDouble(d, -INFINITY), d == f16 ? 0xfc00 : 0xff80);
    EXPECT_EQ(RoundDouble(d, -0.0), 0x8000);
    EXPECT_EQ(RoundDouble(d, 1e-300), 0);
  }
  EXPECT_EQ(float16(65519.99).bits(), 0x7bff);  // numpy: float16(65519.99) = 65504
  EXPECT_EQ(float16(65520.0).bits(), 0x7c00);   // numpy: inf
}

TEST(HalfFloatTest, FinfoIsJaxs) {
  EXPECT_EQ(finfo(f16).eps, std::ldexp(1.0, -10));
  EXPECT_EQ(finfo(f16).max, 65504.0);
  EXPECT_EQ(finfo(f16).tiny, std::ldexp(1.0, -14));
  EXPECT_EQ(finfo(bf16).eps, std::ldexp(1.0, -7));
  EXPECT_EQ(finfo(bf16).max, 3.3895313892515355e38);
  EXPECT_EQ(finfo(bf16).tiny, static_cast<double>(std::numeric_limits<float>::min()));
  EXPECT_EQ(finfo(f32).eps, static_cast<double>(std::numeric_limits<float>::epsilon()));
  EXPECT_EQ(finfo(f64).max, std::numeric_limits<double>::max());
  for (DType d : kHalves) {
    EXPECT_EQ(RoundDouble(d, finfo(d).max), d == f16 ? 0x7bff : 0x7f7f);
    EXPECT_EQ(Widen(d, RoundDouble(d, 1.0 + finfo(d).eps)), 1.0 + finfo(d).eps);
  }
}

// ---- conversion on the backend -------------------------------------------------------------

TEST(HalfFloatTest, ConvertRoundsOnceFromEveryDtype) {
  for (DType d : kHalves) {
    const std::vector<uint16_t> values = FiniteNonNegative(d);
    // Midpoints and their neighbours, as f32 and as f64 (whose hair an f32 cannot hold).
    std::vector<float> f;
    std::vector<double> g;
    for (size_t i = 0; i + 1 < values.size(); i += 7) {
      const double mid = (double{Widen(d, values[i])} + Widen(d, values[i + 1])) / 2;
      f.push_back(static_cast<float>(mid));
      f.push_back(-std::nextafter(static_cast<float>(mid), INFINITY));
      f.push_back(std::nextafter(static_cast<float>(mid), 0.0f));
      g.push_back(mid);
      g.push_back(mid + mid * 0x1p-40);
      g.push_back(-(mid - mid * 0x1p-40));
    }
    for (float x : {INFINITY, -INFINITY, 1e30f, -0.0f, 3e-39f}) f.push_back(x);
    std::vector<uint16_t> want_f, want_g;
    for (float x : f) want_f.push_back(RoundFloat(d, x));
    for (double x : g) want_g.push_back(RoundDouble(d, x));
    const int64_t nf = static_cast<int64_t>(f.size()), ng = static_cast<int64_t>(g.size());
    EXPECT_EQ(Bits(astype(from_vector(f, {nf}), d)), want_f) << DTypeName(d);
    EXPECT_EQ(Bits(astype(from_vector(g, {ng}), d)), want_g) << DTypeName(d);
    // Integers: exact below 2^(fraction bits + 1), rounded once above (2^24 + 2^16 + 1 is
    // nearer 2^24 + 2^17 in bf16 than a rounding through f32 would say).
    const std::vector<int32_t> ints = {0, -3, 255, 2049, 65519, 65520, 16842753, -16842753,
                                       INT32_MIN, INT32_MAX};
    std::vector<uint16_t> want_i;
    for (int32_t v : ints) want_i.push_back(RoundDouble(d, v));
    EXPECT_EQ(Bits(astype(from_vector(ints, {10}), d)), want_i) << DTypeName(d);
    const std::vector<int64_t> longs = {(int64_t{1} << 40) + (int64_t{1} << 32) + 1, -7};
    EXPECT_EQ(Bits(astype(from_vector(longs, {2}), d)),
              (std::vector<uint16_t>{RoundDouble(d, double(longs[0])), RoundDouble(d, -7.0)}));
    const std::vector<uint32_t> words = {4294967295u, 16842753u};
    EXPECT_EQ(Bits(astype(from_vector(words, {2}), d)),
              (std::vector<uint16_t>{RoundDouble(d, 4294967295.0), RoundDouble(d, 16842753.0)}));
    EXPECT_EQ(Bits(astype(from_vector<uint8_t>({0, 200}, {2}), d)),
              (std::vector<uint16_t>{0, RoundDouble(d, 200.0)}));
    EXPECT_EQ(Bits(astype(from_vector<bool>({true, false}, {2}), d)),
              (std::vector<uint16_t>{RoundDouble(d, 1.0), 0}));
  }
  // Between the two formats: through the f32 both equal exactly, one rounding.
  std::vector<uint16_t> all;
  for (uint32_t b = 0; b <= 0xffff; b += 3) all.push_back(static_cast<uint16_t>(b));
  std::vector<uint16_t> want;
  for (uint16_t b : all) want.push_back(RoundFloatToBF16Bits(F16BitsToFloat(b)));
  const std::vector<uint16_t> got = Bits(astype(FromBits(f16, all), bf16));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (IsNanBits(bf16, want[i])) {
      EXPECT_TRUE(IsNanBits(bf16, got[i]));
    } else {
      ASSERT_EQ(got[i], want[i]) << "f16 bits " << all[i];
    }
  }
}

TEST(HalfFloatTest, ConvertFromHalvesIsExact) {
  for (DType d : kHalves) {
    std::vector<uint16_t> all;
    for (uint32_t b = 0; b <= 0xffff; ++b) all.push_back(static_cast<uint16_t>(b));
    const Tensor x = FromBits(d, all);
    const std::vector<float> wide = astype(x, f32).to_vector<float>();
    const std::vector<double> wider = astype(x, f64).to_vector<double>();
    const std::vector<int32_t> ints = astype(x, i32).to_vector<int32_t>();
    const std::vector<uint8_t> bools = astype(x, bool_).to_vector<uint8_t>();
    for (size_t i = 0; i < all.size(); ++i) {
      const float v = Widen(d, all[i]);
      if (std::isnan(v)) {
        ASSERT_TRUE(std::isnan(wide[i]) && std::isnan(wider[i]));
        ASSERT_EQ(ints[i], 0);  // NaN -> 0, as convert_element_type
        continue;
      }
      ASSERT_EQ(std::bit_cast<uint32_t>(wide[i]), std::bit_cast<uint32_t>(v)) << all[i];
      ASSERT_EQ(wider[i], double{v});
      ASSERT_EQ(ints[i], (ConvertValue<int32_t, DType::kI32>(v))) << all[i];
      ASSERT_EQ(bools[i], v != 0 ? 1 : 0);
    }
  }
}

// ---- arithmetic: f32, rounded once per primitive ---------------------------------------------

// n normal values of d; with `specials` (and n >= 4), the first four are 0, -0, a subnormal
// f16 and 60000.
Tensor Sample(DType d, int64_t n, uint32_t seed, double scale = 4.0, bool specials = true) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, scale);
  std::vector<double> v(n);
  for (double& x : v) x = normal(rng);
  if (specials && n >= 4) v[0] = 0.0, v[1] = -0.0, v[2] = 1e-6, v[3] = 60000.0;
  return tensor(v, {n}, d);
}

// f, one primitive, on 16-bit floats equals f on their f32 values, rounded to the dtype.
template <typename F>
void ExpectRoundedF32(DType d, F f, absl::Span<const Tensor> args, const std::string& what) {
  std::vector<Tensor> wide;
  for (const Tensor& a : args) wide.push_back(IsHalfFloat(a.dtype()) ? astype(a, f32) : a);
  const Tensor got = f(args), want = astype(f(wide), d);
  ASSERT_EQ(got.dtype(), d) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const std::vector<uint16_t> g = Bits(got), w = Bits(want);
  for (size_t i = 0; i < g.size(); ++i) {
    if (IsNanBits(d, w[i])) {
      ASSERT_TRUE(IsNanBits(d, g[i])) << what << " element " << i;
    } else {
      ASSERT_EQ(g[i], w[i]) << what << " element " << i << " of " << DTypeName(d);
    }
  }
}

TEST(HalfFloatTest, EachPrimitiveIsItsF32RoundedOnce) {
  using Args = absl::Span<const Tensor>;
  for (DType d : kHalves) {
    const Tensor x = Sample(d, 257, 1), y = Sample(d, 257, 2);
    const Tensor m = reshape(Sample(d, 48, 3, 1.0), {6, 8});
    const Tensor n = reshape(Sample(d, 40, 4, 1.0), {8, 5});
    ExpectRoundedF32(d, [](Args a) { return a[0] + a[1]; }, {x, y}, "add");
    ExpectRoundedF32(d, [](Args a) { return a[0] * a[1]; }, {x, y}, "mul");
    ExpectRoundedF32(d, [](Args a) { return a[0] - a[1]; }, {x, y}, "sub");
    ExpectRoundedF32(d, [](Args a) { return a[0] / a[1]; }, {x, y}, "div");
    ExpectRoundedF32(d, [](Args a) { return sin(a[0]); }, {x}, "sin");
    ExpectRoundedF32(d, [](Args a) { return exp(a[0]); }, {x}, "exp");
    ExpectRoundedF32(d, [](Args a) { return tanh(a[0]); }, {x}, "tanh");
    ExpectRoundedF32(d, [](Args a) { return sqrt(abs(a[0])); }, {x}, "sqrt");
    ExpectRoundedF32(d, [](Args a) { return maximum(a[0], a[1]); }, {x, y}, "max");
    ExpectRoundedF32(d, [](Args a) { return where(a[0] > a[1], a[0], a[1]); }, {x, y}, "select");
    ExpectRoundedF32(d, [](Args a) { return sum(reshape(a[0], {6, 8}), {1}); }, {m}, "sum");
    ExpectRoundedF32(d, [](Args a) { return max(a[0], {0}); }, {m}, "max");
    ExpectRoundedF32(d, [](Args a) { return matmul(a[0], a[1]); }, {m, n}, "matmul");
    ExpectRoundedF32(d, [](Args a) { return transpose(a[0], {1, 0}); }, {m}, "transpose");
    ExpectRoundedF32(d, [](Args a) { return lax::pad(a[0], 7.0, {1}, {2}, {0}); }, {x}, "pad");
    ExpectRoundedF32(d, [](Args a) { return concatenate({a[0], a[1]}, 0); }, {x, y}, "concat");
    ExpectRoundedF32(d, [](Args a) { return take(a[0], from_vector<int32_t>({3, 0, 256}, {3})); },
                     {x}, "take");
    ExpectRoundedF32(d, [](Args a) { return sort(a[0]); }, {x}, "sort");
    EXPECT_EQ(argmax(x, 0).item<int32_t>(), argmax(astype(x, f32), 0).item<int32_t>());
    EXPECT_EQ((x < y).dtype(), bool_);
    EXPECT_EQ((x < y).to_vector<uint8_t>(), (astype(x, f32) < astype(y, f32)).to_vector<uint8_t>());
  }
}

TEST(HalfFloatTest, ReductionsAndProductsAccumulateInF32) {
  for (DType d : kHalves) {
    // In f16 arithmetic 2048 + 1 rounds back to 2048 (bf16: 256 + 1 to 256); in f32 the sum of
    // 4096 ones is exact.
    const Tensor x = ones({4096}, d);
    EXPECT_EQ(sum(x).item<double>(), 4096.0) << DTypeName(d);
    EXPECT_EQ(sum(x).dtype(), d);
    EXPECT_EQ(matmul(x, x).item<double>(), 4096.0) << DTypeName(d);
    EXPECT_EQ(mean(x).item<double>(), 1.0);
  }
}

TEST(HalfFloatTest, PromotionFollowsJaxLattice) {
  // jnp.promote_types: f16 and bf16 each under f32, and their join is f32; integers join
  // floats to the float; a Python float keeps the float (weak), an integer tensor becomes f32.
  EXPECT_EQ(PromoteTypes(f16, bf16), f32);
  EXPECT_EQ(PromoteTypes(f16, f32), f32);
  EXPECT_EQ(PromoteTypes(bf16, f64), f64);
  EXPECT_EQ(PromoteTypes(i64, f16), f16);
  EXPECT_EQ(PromoteTypes(u8, bf16), bf16);
  EXPECT_EQ(PromoteTypes(bool_, f16), f16);
  const Tensor h = ones({2}, f16), b = ones({2}, bf16);
  EXPECT_EQ((h + b).dtype(), f32);
  EXPECT_EQ((h + 1.5).dtype(), f16);
  EXPECT_EQ((2 * b).dtype(), bf16);
  EXPECT_EQ((h + ones({2}, i32)).dtype(), f16);
  EXPECT_EQ((b * ones({2}, f32)).dtype(), f32);
  const DType all[] = {bool_, u8, u32, i32, i64, f16, bf16, f32, f64};
  for (DType a : all) {
    for (DType c : all) {
      const DType ac = PromoteTypes(a, c);
      EXPECT_EQ(ac, PromoteTypes(c, a));
      EXPECT_EQ(PromoteTypes(ac, a), ac);
      for (DType e : all) EXPECT_EQ(PromoteTypes(ac, e), PromoteTypes(a, PromoteTypes(c, e)));
    }
  }
}

// ---- transformations -----------------------------------------------------------------------

Tensor Loss(const Tensor& w) { return sum(tanh(w * w - 0.5) * exp(-w)); }

TEST(HalfFloatTest, GradJitAndVmapAgreeWithEagerBitwise) {
  for (DType d : kHalves) {
    const Tensor w = Sample(d, 64, 5, 1.0, /*specials=*/false);
    const Tensor g = grad(Loss)(w);
    EXPECT_EQ(g.dtype(), d);
    EXPECT_EQ(Bits(jit(grad(Loss))(w)), Bits(g)) << DTypeName(d);
    EXPECT_EQ(Bits(jit(Loss)(w)), Bits(Loss(w)));
    const Tensor rows = reshape(w, {8, 8});
    const Tensor per_row = vmap([](const Tensor& r) { return Loss(r); })(rows);
    for (int64_t i = 0; i < 8; ++i) {
      EXPECT_EQ(Bits(per_row[i]), Bits(Loss(rows[i]))) << i;
    }
    // The gradient is the f32 one to within the rounding of each primitive: a few last places
    // of the dtype.
    const std::vector<float> g16 = astype(g, f32).to_vector<float>();
    const std::vector<float> g32 = grad(Loss)(astype(w, f32)).to_vector<float>();
    for (size_t i = 0; i < g16.size(); ++i) {
      EXPECT_NEAR(g16[i], g32[i], 8 * finfo(d).eps * (1 + std::abs(g32[i]))) << i;
    }
    const auto [y, t] = jvp([](const Tensor& v) { return sin(v) * v; }, {w}, {ones_like(w)});
    EXPECT_EQ(t.dtype(), d);
    EXPECT_EQ(Bits(y), Bits(sin(w) * w));
  }
}

// Under jit a chain on 16-bit floats is one fused kernel, each op computed in f32 and each
// result rounded in registers (core/fused_kernel.h ComputeHalvesInF32): it equals eager bit
// for bit. Literals, compare and select, conversions to f64 and i32 and between the formats,
// a broadcast scalar and a transposed operand (gathered, or read row by row), several
// outputs, one element (the CPU's register interpreter), fewer than a SIMD block, and many
// blocks over threads.
TEST(HalfFloatTest, JittedChainsFuseAndEqualEagerBitwise) {
  const auto f = [](const Tensor& x, const Tensor& y, const Tensor& s, const Tensor& t) {
    const DType d = x.dtype(), other = d == f16 ? bf16 : f16;
    const Tensor a = tanh(x * 0.1 + broadcast_to(s, x.shape())) - exp(-abs(transpose(t)));
    const Tensor b = where(a > y, sin(a), astype(astype(a, f64) * 0.3, d));
    const Tensor c = astype(astype(b, other) * 2.5, d) + astype(astype(y * 7.0, i32), d);
    return std::make_tuple(b, c * c, astype(c, f32) - y);
  };
  for (DType d : kHalves) {
    for (const auto& [rows, cols] :
         {std::pair<int64_t, int64_t>{1, 1}, {3, 5}, {37, 100}, {300, 9}}) {
      const Tensor x = reshape(Sample(d, rows * cols, 6), {rows, cols});
      const Tensor y = reshape(Sample(d, rows * cols, 7), {rows, cols});
      const Tensor s = Sample(d, 1, 8, 1.0, false)[0], t = transpose(y);
      const std::string what = absl::StrCat(DTypeName(d), " ", rows, "x", cols);
      const auto jf = jit(f);
      const Lowered lowered = jf.lower(x, y, s, t);
      // Every kernel is fused (Vulkan's limit on equations per kernel cuts the chain in two).
      EXPECT_EQ(lowered.compiled->num_kernels(), lowered.compiled->num_fused_groups())
          << what << "\n"
          << lowered.ToString();
      const auto [b1, c1, e1] = jf(x, y, s, t);
      const auto [b0, c0, e0] = f(x, y, s, t);
      EXPECT_EQ(Bits(b1), Bits(b0)) << what;
      EXPECT_EQ(Bits(c1), Bits(c0)) << what;
      EXPECT_EQ(e1.dtype(), f32);
      EXPECT_EQ(F32Bits(e1), F32Bits(e0)) << what;
    }
  }
}

TEST(HalfFloatTest, TrainingStepInBf16MatchesItsF32Within) {
  // A linear layer trained in bf16 by SGD: the loss falls and tracks the f32 run.
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  std::vector<double> xs(64 * 4), ws(4);
  for (double& v : xs) v = normal(rng);
  for (double& v : ws) v = normal(rng);
  const Tensor x32 = tensor(xs, {64, 4}), true_w = tensor({1.0, -2.0, 0.5, 3.0}, {4});
  const Tensor y32 = matmul(x32, true_w);
  const auto loss = [](const Tensor& w, const Tensor& x, const Tensor& y) {
    return mean(square(matmul(x, w) - y));
  };
  Tensor w16 = tensor(ws, {4}, bf16), w32 = tensor(ws, {4});
  const Tensor x16 = astype(x32, bf16), y16 = astype(y32, bf16);
  const double first = loss(w16, x16, y16).item<double>();
  const auto step16 = jit([&](const Tensor& w) { return w - 0.1 * grad(loss)(w, x16, y16); });
  for (int i = 0; i < 50; ++i) {
    w16 = step16(w16);
    w32 = w32 - 0.1 * grad(loss)(w32, x32, y32);
  }
  EXPECT_EQ(w16.dtype(), bf16);
  EXPECT_LT(loss(w16, x16, y16).item<double>(), first / 100);
  const std::vector<float> a = astype(w16, f32).to_vector<float>(), b = w32.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 0.05) << i;
}

// ---- printing, files, the PRNG, errors -----------------------------------------------------

std::string Printed(const Tensor& x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

TEST(HalfFloatTest, PrintsAsNumpy) {
  // numpy 1.24: print(np.array([...], dtype=np.float16)).
  EXPECT_EQ(Printed(tensor({0.1, 0.5, 2.0}, {3}, f16)), "[0.1 0.5 2. ]");
  EXPECT_EQ(Printed(tensor({0.1, 1.5, 65504}, {3}, f16)), "[1.00e-01 1.50e+00 6.55e+04]");
  EXPECT_EQ(Printed(tensor({1.0 / 3, 100.25, -7}, {3}, f16)), "[  0.3333 100.25    -7.    ]");
  EXPECT_EQ(Printed(tensor({0.1, 3.0}, {2}, bf16)), "[0.1 3. ]");
  EXPECT_THAT(make_jaxpr([](const Tensor& v) { return v * 0.1; })(ones({2}, f16)).ToString(),
              HasSubstr("f16[2]"));
}

TEST(HalfFloatTest, NpyAndSafetensorsKeepTheDtype) {
  const std::string dir = ::testing::TempDir();
  const Tensor h = tensor({1.0, -2.5, 65504, 6e-8}, {2, 2}, f16);
  save_npy(dir + "/h.npy", h);
  const Tensor back = load_npy(dir + "/h.npy");
  EXPECT_EQ(back.dtype(), f16);
  EXPECT_EQ(back.shape(), (Shape{2, 2}));
  EXPECT_EQ(Bits(reshape(back, {4})), Bits(reshape(h, {4})));
  const Tensor b = tensor({1.0, -3.0e38, 0.1}, {3}, bf16);
  save_safetensors(dir + "/b.safetensors", {{"b", b}, {"h", h}});
  const NamedTensors loaded = load_safetensors(dir + "/b.safetensors");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].second.dtype(), bf16);
  EXPECT_EQ(Bits(loaded[0].second), Bits(b));
  EXPECT_EQ(loaded[1].second.dtype(), f16);
  EXPECT_THAT(ErrorOf([&] { save_npy(dir + "/b.npy", b); }), HasSubstr("numpy has no bfloat16"));
}

TEST(HalfFloatTest, SamplersDrawHalvesFromSixteenBitWords) {
  const random::Key key = random::key(0);
  for (DType d : kHalves) {
    const Tensor u = random::uniform(key, {4096}, d);
    EXPECT_EQ(u.dtype(), d);
    // Every draw is m 2^-mantissa in [0, 1): the top bits of a 16-bit word.
    const double unit = std::ldexp(1.0, -finfo(d).fraction_bits);
    double total = 0;
    for (float v : astype(u, f32).to_vector<float>()) {
      ASSERT_GE(v, 0.0f);
      ASSERT_LT(v, 1.0f);
      ASSERT_EQ(std::fmod(double{v}, unit), 0.0) << v;
      total += v;
    }
    EXPECT_NEAR(total / 4096, 0.5, 0.02);
    // Those words are the u32 words' little-endian halves (JAX's random_bits of width 16).
    const std::vector<uint32_t> words = random::bits(key, {2}, u32).to_vector<uint32_t>();
    const std::vector<float> first = astype(random::uniform(key, {4}, d), f32).to_vector<float>();
    const int shift = 16 - finfo(d).fraction_bits;
    EXPECT_EQ(first[0], static_cast<float>((words[0] & 0xffff) >> shift) * unit);
    EXPECT_EQ(first[1], static_cast<float>((words[0] >> 16) >> shift) * unit);
    const Tensor z = astype(random::normal(key, {8192}, d), f32);
    EXPECT_NEAR(mean(z).item<double>(), 0.0, 0.05);
    EXPECT_NEAR(std(z).item<double>(), 1.0, 0.05);
    EXPECT_EQ(random::exponential(key, {3}, d).dtype(), d);
    EXPECT_EQ(random::gumbel(key, {3}, d).dtype(), d);
  }
  EXPECT_THAT(ErrorOf([&] { random::weibull_min(key, 1.0, 2.0, {3}, f16); }),
              HasSubstr("weibull_min: draws f32 or f64, not f16"));
}

}  // namespace
}  // namespace cotangent
