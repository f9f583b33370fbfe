// File: tests/cotangent/dtypes_test.cc
// The integer dtypes u8, u32 and i64 beside bool, i32, f32 and f64, on every backend: JAX's
// promotion lattice (docs/type_promotion.rst), XLA's integer semantics (arithmetic modulo
// 2^bits, x / 0 with every bit set, INT_MIN / -1, saturating conversion from floats) against
// a host oracle computed in __int128 and reduced modulo 2^bits, exact host round trips past
// 2^53, reductions, products, sorting, indexing, printing as numpy, and jit (fused kernels)
// against eager.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::ErrorOf;
using ::testing::HasSubstr;

using Int128 = __int128;

const DType kAll[] = {bool_, u8, u32, i32, i64, f32, f64};

// ---- promotion ---------------------------------------------------------------------------

TEST(DtypesTest, PromotionFollowsJaxLattice) {
  // jnp.promote_types with 64-bit types enabled, restricted to Cotangent's dtypes.
  EXPECT_EQ(PromoteTypes(u8, i32), i32);
  EXPECT_EQ(PromoteTypes(u32, i32), i64);  // no 32-bit type holds both
  EXPECT_EQ(PromoteTypes(u32, i64), i64);
  EXPECT_EQ(PromoteTypes(u8, u32), u32);
  EXPECT_EQ(PromoteTypes(bool_, u8), u8);
  EXPECT_EQ(PromoteTypes(i64, f32), f32);  // JAX's i* -> f*, unlike numpy's f64
  EXPECT_EQ(PromoteTypes(u32, f32), f32);
  EXPECT_EQ(PromoteTypes(u8, f64), f64);
  // A join: symmetric, idempotent, associative, and an upper bound of both.
  for (DType a : kAll) {
    EXPECT_EQ(PromoteTypes(a, a), a);
    for (DType b : kAll) {
      const DType ab = PromoteTypes(a, b);
      EXPECT_EQ(ab, PromoteTypes(b, a)) << DTypeName(a) << " " << DTypeName(b);
      EXPECT_EQ(PromoteTypes(ab, a), ab);
      EXPECT_EQ(PromoteTypes(ab, b), ab);
      for (DType c : kAll) {
        EXPECT_EQ(PromoteTypes(ab, c), PromoteTypes(a, PromoteTypes(b, c)))
            << DTypeName(a) << " " << DTypeName(b) << " " << DTypeName(c);
      }
    }
  }
  // Operators promote as the lattice says.
  EXPECT_EQ((from_vector<uint32_t>({1}, {1}) + from_vector<int32_t>({1}, {1})).dtype(), i64);
  EXPECT_EQ((from_vector<uint8_t>({1}, {1}) * from_vector<int32_t>({1}, {1})).dtype(), i32);
}

// C++ numbers are weak (core/dtype.h Scalar), as Python scalars in JAX: an integer takes the
// tensor's dtype (bool's becomes i32), a double keeps a float's and makes an integer f32.
TEST(DtypesTest, CppNumbersAreWeaklyTyped) {
  const Tensor i = from_vector<int32_t>({1, 2}, {2});
  EXPECT_EQ((i + 1).dtype(), i32);
  EXPECT_EQ((2 * i).dtype(), i32);
  EXPECT_EQ((i + 1.0).dtype(), f32);
  EXPECT_EQ((i < 2).dtype(), bool_);
  EXPECT_EQ(maximum(i, 0).dtype(), i32);
  EXPECT_EQ(where(i > 1, i, 0).dtype(), i32);
  EXPECT_EQ((from_vector<bool>({true}, {1}) + 1).dtype(), i32);
  EXPECT_EQ((from_vector<int64_t>({1}, {1}) * int64_t{3}).dtype(), i64);
  EXPECT_EQ((ones({1}, f64) + 1).dtype(), f64);
  EXPECT_EQ((ones({1}) * 2u).dtype(), f32);
  EXPECT_THAT((from_vector<uint8_t>({250}, {1}) + 10).to_vector<int>(), ElementsAre(4));
  EXPECT_THAT((i / 2).to_vector<double>(), ElementsAre(0.5, 1.0));  // true division: f32
  // A value the dtype cannot hold is an error, as JAX's OverflowError.
  EXPECT_THAT(ErrorOf([] { from_vector<uint8_t>({1}, {1}) + 300; }),
              HasSubstr("not representable as u8"));
}

// ---- host round trips and printing ---------------------------------------------------------

TEST(DtypesTest, HostValuesRoundTripExactly) {
  const std::vector<int64_t> wide = {INT64_MIN, (int64_t{1} << 53) + 1, -3, INT64_MAX};
  const Tensor x = from_vector(wide, {4});
  EXPECT_EQ(x.dtype(), i64);
  EXPECT_THAT(x.to_vector<int64_t>(), ElementsAreArray(wide));
  EXPECT_EQ(x[3].item<int64_t>(), INT64_MAX);
  const Tensor u = from_vector<uint32_t>({0, 4294967295u, 2147483648u}, {3});
  EXPECT_THAT(u.to_vector<uint32_t>(), ElementsAre(0u, 4294967295u, 2147483648u));
  EXPECT_THAT(from_vector<uint8_t>({0, 255}, {2}).to_vector<int>(), ElementsAre(0, 255));
  // Values made from doubles are checked against the dtype's range.
  EXPECT_THAT(ErrorOf([] { tensor({256}, {1}, u8); }),
              HasSubstr("value 256 is not representable as u8"));
  EXPECT_THAT(ErrorOf([] { full({2}, -1, u32); }),
              HasSubstr("value -1 is not representable as u32"));
  EXPECT_THAT(tensor({4294967295.0}, {1}, u32).to_vector<uint32_t>(), ElementsAre(4294967295u));
}

// An odd integer past 2^53: no double holds it.
constexpr int64_t kPast53 = (int64_t{1} << 53) + 1;

// Numbers written in C++ reach the kernels exactly (core/dtype.h Number): the weak scalar of
// x + n, full, scalar, .at().set, pad's and gather's fill values, eager and under jit, where
// the number is a program literal a fused kernel writes. Before, each went through a double
// and came back as 2^53.
TEST(DtypesTest, IntegerLiteralsPast2To53StayExact) {
  const Tensor x = from_vector<int64_t>({0, 1, -kPast53}, {3});
  EXPECT_THAT((x + kPast53).to_vector<int64_t>(), ElementsAre(kPast53, kPast53 + 1, 0));
  EXPECT_THAT((kPast53 - x).to_vector<int64_t>(), ElementsAre(kPast53, kPast53 - 1, 2 * kPast53));
  EXPECT_THAT(full({2}, INT64_MAX, i64).to_vector<int64_t>(), ElementsAre(INT64_MAX, INT64_MAX));
  EXPECT_EQ(scalar(kPast53, i64).item<int64_t>(), kPast53);
  const Tensor one = from_vector<int32_t>({1}, {1});
  EXPECT_THAT(at(x, one).set(kPast53).to_vector<int64_t>(), ElementsAre(0, kPast53, -kPast53));
  EXPECT_THAT(clip(x, -kPast53 + 1, kPast53 - 1).to_vector<int64_t>(),
              ElementsAre(0, 1, -kPast53 + 1));
  EXPECT_THAT(lax::pad(x, kPast53, {1}, {0}).to_vector<int64_t>(),
              ElementsAre(kPast53, 0, 1, -kPast53));
  EXPECT_THAT(
      take(x, from_vector<int32_t>({7}, {1}), 0, IndexMode::kFill, kPast53).to_vector<int64_t>(),
      ElementsAre(kPast53));
  const auto f = [](const Tensor& v) { return v * 3 + kPast53; };
  EXPECT_THAT(jit(f)(x).to_vector<int64_t>(), ElementsAre(kPast53, kPast53 + 3, -2 * kPast53));
  EXPECT_THAT(make_jaxpr(f)(x).ToString(), HasSubstr("9007199254740993"));
  // A float dtype rounds the integer once: 2^60 + 2^36 + 1 is just past half of f32's spacing
  // there (2^37), so it rounds up; through a double it would first lose its 1 and then tie
  // to the even 2^60.
  const int64_t above_half = (int64_t{1} << 60) + (int64_t{1} << 36) + 1;
  EXPECT_EQ(full({}, above_half, f32).item<float>(), 0x1.000002p60f);
  EXPECT_EQ((zeros({1}) + above_half).item<float>(), 0x1.000002p60f);
  // An integer the dtype cannot hold is an error, as JAX's OverflowError.
  EXPECT_THAT(ErrorOf([&] { one + (int64_t{1} << 40); }),
              HasSubstr("value 1099511627776 is not representable as i32"));
  EXPECT_THAT(ErrorOf([] { full({}, UINT64_MAX, i64); }), HasSubstr("not representable as i64"));
}

std::string Printed(const Tensor& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

TEST(DtypesTest, PrintsAsNumpy) {
  EXPECT_EQ(Printed(from_vector<uint8_t>({1, 255, 0}, {3})), "[  1 255   0]");
  EXPECT_EQ(Printed(from_vector<uint32_t>({4294967295u, 7}, {2})), "[4294967295          7]");
  EXPECT_EQ(Printed(from_vector<int64_t>({INT64_MIN, (int64_t{1} << 53) + 1}, {2})),
            "[-9223372036854775808     9007199254740993]");
  EXPECT_EQ(Printed(from_vector<int64_t>({-5}, {})), "-5");
}

// ---- elementwise arithmetic against a wide-integer oracle -----------------------------------

template <typename T>
struct Oracle {
  static constexpr int kBits = 8 * sizeof(T);
  static constexpr bool kSigned = std::is_signed_v<T>;
  // v reduced modulo 2^bits into T's range (two's complement).
  static T Wrap(Int128 v) {
    const Int128 m = Int128{1} << kBits;
    v %= m;
    if (v < 0) v += m;
    if (kSigned && v >= m / 2) v -= m;
    return static_cast<T>(v);
  }
  static T AllOnes() { return static_cast<T>(~std::make_unsigned_t<T>{0}); }
  static T Div(T a, T b) {
    if (b == 0) return AllOnes();
    return Wrap(Int128{a} / Int128{b});  // truncates; INT_MIN / -1 wraps to INT_MIN
  }
  static T Rem(T a, T b) {
    if (b == 0) return a;
    return Wrap(Int128{a} - (Int128{a} / Int128{b}) * Int128{b});
  }
};

template <typename T>
std::vector<T> Samples(uint32_t seed) {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {0, 1, 2, 3, 7, L::max(), static_cast<T>(L::max() - 1), L::min(),
                      static_cast<T>(L::max() / 2 + 1)};
  if constexpr (std::is_signed_v<T>) {
    for (T x : {T{-1}, T{-2}, T{-7}, static_cast<T>(L::min() + 1)}) v.push_back(x);
  }
  std::mt19937_64 rng(seed);
  while (v.size() < 64) v.push_back(static_cast<T>(rng()));
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

template <typename T>
void CheckArithmetic() {
  const DType dtype = DTypeOf<T>::value;
  const std::vector<T> a = Samples<T>(1), b = Samples<T>(2);
  const int64_t n = static_cast<int64_t>(a.size());
  const Tensor x = from_vector(a, {n}), y = from_vector(b, {n});
  using O = Oracle<T>;
  const auto expect = [&](const Tensor& got, auto f, const char* what) {
    ASSERT_EQ(got.dtype(), dtype) << what;
    const std::vector<T> g = got.to_vector<T>();
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(g[i], f(a[i], b[i])) << what << " " << DTypeName(dtype) << " a=" << +a[i]
                                     << " b=" << +b[i];
    }
  };
  expect(lax::add(x, y), [](T p, T q) { return O::Wrap(Int128{p} + q); }, "add");
  expect(lax::sub(x, y), [](T p, T q) { return O::Wrap(Int128{p} - q); }, "sub");
  expect(lax::mul(x, y), [](T p, T q) { return O::Wrap(Int128{p} * q); }, "mul");
  expect(lax::div(x, y), [](T p, T q) { return O::Div(p, q); }, "div");
  expect(lax::rem(x, y), [](T p, T q) { return O::Rem(p, q); }, "rem");
  expect(lax::neg(x), [](T p, T) { return O::Wrap(-Int128{p}); }, "neg");
  expect(lax::abs(x), [](T p, T) { return O::Wrap(p < 0 ? -Int128{p} : Int128{p}); }, "abs");
  expect(lax::sign(x), [](T p, T) { return static_cast<T>(p > 0 ? 1 : p < 0 ? -1 : 0); }, "sign");
  expect(lax::max(x, y), [](T p, T q) { return std::max(p, q); }, "max");
  expect(lax::min(x, y), [](T p, T q) { return std::min(p, q); }, "min");
  // Division by zero and the signed overflow, explicitly.
  const Tensor zero = zeros({1}, dtype), one = ones({1}, dtype);
  EXPECT_EQ(lax::div(one, zero).item<T>(), O::AllOnes());
  EXPECT_EQ(lax::rem(one, zero).item<T>(), T{1});
  const std::vector<uint8_t> lt = lax::lt(x, y).to_vector<uint8_t>();
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(lt[i], a[i] < b[i] ? 1 : 0) << +a[i] << " " << +b[i];
}

TEST(DtypesTest, IntegerArithmeticWrapsAsXla) {
  CheckArithmetic<uint8_t>();
  CheckArithmetic<uint32_t>();
  CheckArithmetic<int32_t>();
  CheckArithmetic<int64_t>();
}

// A u8 chain under jit runs as one fused kernel on Vulkan, where u8 computes in 32 bits: each
// op must keep the byte (200 + 100 is 44, not 300), as eager and the host do.
TEST(DtypesTest, JitOfANarrowChainMatchesEager) {
  const auto f = [](const Tensor& x) {
    const Tensor c = full({}, 100, u8);
    return lax::gt(lax::mul(lax::add(x, lax::broadcast_in_dim(c, x.shape(), {})),
                            lax::broadcast_in_dim(full({}, 3, u8), x.shape(), {})),
                   lax::broadcast_in_dim(c, x.shape(), {}));
  };
  std::vector<uint8_t> v(300);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 37);
  const Tensor x = from_vector(v, {300});
  const std::vector<uint8_t> eager = f(x).to_vector<uint8_t>();
  EXPECT_EQ(jit(f)(x).to_vector<uint8_t>(), eager);
  for (size_t i = 0; i < v.size(); ++i) {
    const uint8_t s = static_cast<uint8_t>(static_cast<uint8_t>(v[i] + 100) * 3);
    ASSERT_EQ(eager[i], s > 100 ? 1 : 0) << "x=" << +v[i];
  }
}

// ---- conversions ---------------------------------------------------------------------------

template <typename T>
std::vector<T> Converted(const Tensor& x) {
  return astype(x, DTypeOf<T>::value).template to_vector<T>();
}

TEST(DtypesTest, ConversionSaturatesFloatsAndWrapsIntegers) {
  const double inf = INFINITY, nan = NAN;
  for (DType from : {f32, f64}) {
    const Tensor x = tensor({nan, inf, -inf, 1e30, -1e30, 255.9, 256, -0.5, -1, 3.7, -3.7,
                             4294967296.0, 9.2e18},
                            {13}, from);
    EXPECT_THAT(Converted<uint8_t>(x), ElementsAre(0, 255, 0, 255, 0, 255, 255, 0, 0, 3, 0, 255,
                                                   255));
    EXPECT_THAT(Converted<uint32_t>(x),
                ElementsAre(0u, 4294967295u, 0u, 4294967295u, 0u, 255u, 256u, 0u, 0u, 3u, 0u,
                            4294967295u, 4294967295u));
    const int64_t big = from == f32 ? 9200000267938955264 : 9200000000000000000;
    EXPECT_THAT(Converted<int64_t>(x), ElementsAre(0, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN,
                                                   255, 256, 0, -1, 3, -3, 4294967296, big));
  }
  const Tensor wide = from_vector<int64_t>({300, -1, 4294967297, INT64_MIN}, {4});
  EXPECT_THAT(Converted<uint8_t>(wide), ElementsAre(44, 255, 1, 0));
  EXPECT_THAT(Converted<uint32_t>(wide), ElementsAre(300u, 4294967295u, 1u, 0u));
  EXPECT_THAT(Converted<int32_t>(wide), ElementsAre(300, -1, 1, 0));
  EXPECT_THAT(Converted<int64_t>(from_vector<uint32_t>({4294967295u}, {1})),
              ElementsAre(4294967295));
  EXPECT_THAT(Converted<int64_t>(from_vector<int32_t>({-2}, {1})), ElementsAre(-2));
  EXPECT_THAT(Converted<int32_t>(from_vector<uint32_t>({4294967295u}, {1})), ElementsAre(-1));
  EXPECT_THAT(Converted<double>(from_vector<int64_t>({(int64_t{1} << 53) + 1}, {1})),
              ElementsAre(9007199254740992.0));  // rounds to nearest even
  EXPECT_THAT(Converted<bool>(from_vector<uint8_t>({0, 2, 255}, {3})),
              ElementsAre(false, true, true));
  EXPECT_THAT(Converted<uint8_t>(from_vector<bool>({true, false}, {2})), ElementsAre(1, 0));
}

// ---- bitcast_convert_type -------------------------------------------------------------------

// The bytes of a host vector read as To: the definition of a bitcast (memcpy), little-endian
// within a wider element as the host's memory and numpy's view.
template <typename To, typename From>
std::vector<To> Reinterpreted(const std::vector<From>& v) {
  std::vector<To> out(v.size() * sizeof(From) / sizeof(To));
  std::memcpy(out.data(), v.data(), out.size() * sizeof(To));
  return out;
}

TEST(DtypesTest, BitcastConvertTypeReadsTheBytes) {
  const std::vector<float> v = {1.0f, -2.5f, 0.1f, INFINITY, -0.0f, NAN};
  const Tensor x = from_vector(v, {6});
  EXPECT_EQ(lax::bitcast_convert_type(x, i32).to_vector<int32_t>(), Reinterpreted<int32_t>(v));
  EXPECT_EQ(lax::bitcast_convert_type(x, u32).to_vector<uint32_t>(), Reinterpreted<uint32_t>(v));
  // Narrower: a last axis of the ratio; wider: that axis consumed.
  const Tensor bytes = lax::bitcast_convert_type(x, u8);
  EXPECT_EQ(bytes.shape(), (Shape{6, 4}));
  EXPECT_EQ(bytes.to_vector<uint8_t>(), Reinterpreted<uint8_t>(v));
  const Tensor back = lax::bitcast_convert_type(bytes, f32);
  EXPECT_EQ(back.shape(), (Shape{6}));
  EXPECT_EQ(lax::bitcast_convert_type(back, u32).to_vector<uint32_t>(), Reinterpreted<uint32_t>(v));
  const std::vector<double> d = {3.0, -1e-300, 2.5e300};
  const Tensor halves = lax::bitcast_convert_type(from_vector(d, {3}), f32);
  EXPECT_EQ(halves.shape(), (Shape{3, 2}));
  EXPECT_EQ(lax::bitcast_convert_type(halves, u32).to_vector<uint32_t>(),
            Reinterpreted<uint32_t>(d));
  EXPECT_EQ(lax::bitcast_convert_type(from_vector(d, {3}), i64).to_vector<int64_t>(),
            Reinterpreted<int64_t>(d));
  const std::vector<uint8_t> raw = {0x00, 0x3c, 0xff, 0x7b, 0x01, 0x80};  // f16 1, 65504, -2^-24
  const Tensor h = lax::bitcast_convert_type(from_vector(raw, {3, 2}), f16);
  EXPECT_EQ(h.dtype(), f16);
  EXPECT_THAT(astype(h, f64).to_vector<double>(), ElementsAre(1.0, 65504.0, -std::ldexp(1.0, -24)));
  EXPECT_EQ(lax::bitcast_convert_type(h, bf16).to_vector<bfloat16>()[1].bits(), 0x7bff);
  EXPECT_EQ(lax::bitcast_convert_type(ones({2}, bool_), bool_).to_vector<bool>(),
            (std::vector<bool>{true, true}));
}

TEST(DtypesTest, BitcastConvertTypeOfAStridedOperandCopiesIt) {
  // A transposed operand, and one starting mid-element (byte 1 of u8[24] as i32), are not
  // views of dense bytes: they are copied densely first, then read.
  std::vector<int32_t> v(12);
  for (int i = 0; i < 12; ++i) v[i] = (i + 1) * 0x01010101 * (i % 2 == 0 ? 1 : -1);
  const Tensor m = transpose(reshape(from_vector(v, {12}), {3, 4}), {1, 0});
  std::vector<int32_t> mt;
  for (int c = 0; c < 4; ++c) {
    for (int r = 0; r < 3; ++r) mt.push_back(v[r * 4 + c]);
  }
  EXPECT_EQ(lax::bitcast_convert_type(m, u32).to_vector<uint32_t>(), Reinterpreted<uint32_t>(mt));
  EXPECT_EQ(lax::bitcast_convert_type(m, u8).to_vector<uint8_t>(), Reinterpreted<uint8_t>(mt));
  const std::vector<uint8_t> bytes = Reinterpreted<uint8_t>(v);
  const Tensor tail = reshape(lax::slice(from_vector(bytes, {48}), {1}, {9}, {1}), {2, 4});
  const std::vector<uint8_t> want(bytes.begin() + 1, bytes.begin() + 9);
  EXPECT_EQ(lax::bitcast_convert_type(tail, i32).to_vector<int32_t>(),
            Reinterpreted<int32_t>(want));
}

TEST(DtypesTest, BitcastConvertTypeUnderJitVmapAndGrad) {
  const Tensor x = reshape(tensor({1.5, -2.0, 0.25, 7.0, 3.0, -0.5}, {6}), {2, 3});
  const auto f = [](const Tensor& t) {
    return lax::bitcast_convert_type(lax::bitcast_convert_type(t, u32) + 1, f32);
  };
  EXPECT_EQ(jit(f)(x).to_vector<float>(), f(x).to_vector<float>());
  // vmap over the last axis: each column's bytes, stacked along axis 0 of the result.
  const Tensor cols =
      vmap([](const Tensor& c) { return lax::bitcast_convert_type(c, u8); }, {1})(x);
  EXPECT_EQ(cols.shape(), (Shape{3, 2, 4}));
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_EQ(cols[c].to_vector<uint8_t>(),
              lax::bitcast_convert_type(lax::slice(x, {0, c}, {2, c + 1}, {1, 1}), u8)
                  .to_vector<uint8_t>())
        << c;
  }
  // A wider dtype consumes the last axis: batched along it, the examples are moved first.
  const Tensor bytes = transpose(lax::bitcast_convert_type(x, u8), {0, 2, 1});  // [2, 4, 3]
  const Tensor rows =
      vmap([](const Tensor& b) { return lax::bitcast_convert_type(b, f32); }, {2})(bytes);
  EXPECT_EQ(rows.shape(), (Shape{3, 2}));
  EXPECT_EQ(rows.to_vector<float>(), transpose(x, {1, 0}).to_vector<float>());
  // The derivative through a bitcast is zero (JAX's defjvp_zero): d/dx [bitcast(x) * x] = x.
  const Tensor g =
      grad([](const Tensor& t) { return sum(lax::bitcast_convert_type(t, f32) * t); })(x);
  EXPECT_EQ(g.to_vector<float>(), x.to_vector<float>());
}

TEST(DtypesTest, BitcastConvertTypeErrorsNameTheShapes) {
  EXPECT_THAT(ErrorOf([] { lax::bitcast_convert_type(ones({3}, bool_), u8); }),
              HasSubstr("bitcast_convert_type: bool[3] to u8: bool bitcasts only to bool"));
  EXPECT_THAT(ErrorOf([] {
                lax::bitcast_convert_type(ones({2, 3}, i32), f64);
              }),
              HasSubstr("bitcast_convert_type: i32[2,3] to f64: a wider dtype takes a last axis "
                        "of 2 elements (8 bytes of 4), the operand's is 3"));
  EXPECT_THAT(ErrorOf([] { lax::bitcast_convert_type(ones({}, u8), f32); }),
              HasSubstr("the operand's is missing (a scalar)"));
}

// ---- reductions, products, sorting, indexing -----------------------------------------------

TEST(DtypesTest, ReductionsWrapAndOrderUnsigned) {
  // 5000 elements: the Vulkan reductions take their two-pass path.
  std::vector<uint8_t> bytes(5000);
  int64_t total = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<uint8_t>((i * 131) % 251);
    total += bytes[i];
  }
  const Tensor b = from_vector(bytes, {5000});
  EXPECT_EQ(sum(b).dtype(), u32);  // JAX's promote_integers
  EXPECT_EQ(sum(b).item<int64_t>(), total);
  EXPECT_EQ(lax::reduce_sum(b, {0}).item<int64_t>(), total % 256);  // the primitive wraps
  EXPECT_EQ(cumsum(b).dtype(), u32);
  EXPECT_EQ(max(b).item<int64_t>(), 250);
  EXPECT_EQ(min(b).item<int64_t>(), 0);
  std::vector<uint32_t> words(5000, 5);
  words[4321] = 4000000000u;  // above 2^31: an unsigned comparison
  words[17] = 4000000000u;
  const Tensor w = from_vector(words, {5000});
  EXPECT_EQ(max(w).item<uint32_t>(), 4000000000u);
  EXPECT_EQ(argmax(w, 0).item<int32_t>(), 17);
  EXPECT_EQ(min(w).item<uint32_t>(), 5u);
  EXPECT_EQ(sum(w).item<uint32_t>(),
            static_cast<uint32_t>(4998u * 5u + 2u * 4000000000u));  // modulo 2^32
  std::vector<int64_t> longs(5000);
  for (size_t i = 0; i < longs.size(); ++i) longs[i] = (int64_t{1} << 40) * (i % 7) - 3;
  longs[2500] = INT64_MIN;
  const Tensor l = from_vector(longs, {5000});
  int64_t expected = 0;
  for (int64_t v : longs) expected = static_cast<int64_t>(static_cast<uint64_t>(expected) + v);
  EXPECT_EQ(sum(l).item<int64_t>(), expected);
  EXPECT_EQ(min(l).item<int64_t>(), INT64_MIN);
  EXPECT_EQ(max(l).item<int64_t>(), (int64_t{1} << 40) * 6 - 3);
  // -INT64_MIN wraps to itself, the smallest; the largest negation is -(-3), first at 0.
  EXPECT_EQ(argmax(lax::neg(l), 0).item<int32_t>(), 0);
  // Empty reductions: the identity, each integer's lowest value for max.
  EXPECT_EQ(lax::reduce_max(zeros({0}, u32), {0}).item<uint32_t>(), 0u);
  EXPECT_EQ(lax::reduce_max(zeros({0}, i64), {0}).item<int64_t>(), INT64_MIN);
  EXPECT_EQ(lax::reduce_max(zeros({0}, u8), {0}).item<int>(), 0);
}

template <typename T>
void CheckProduct(int64_t m, int64_t k, int64_t n) {
  std::mt19937_64 rng(static_cast<uint64_t>(m * k * n));
  std::vector<T> a(m * k), b(k * n);
  for (T& v : a) v = static_cast<T>(rng());
  for (T& v : b) v = static_cast<T>(rng());
  const std::vector<T> got =
      matmul(from_vector(a, {m, k}), from_vector(b, {k, n})).template to_vector<T>();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      // Modulo 2^128 (unsigned, so that it is defined): the low bits of the exact sum.
      unsigned __int128 acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        acc += static_cast<unsigned __int128>(Int128{a[i * k + p]}) *
               static_cast<unsigned __int128>(Int128{b[p * n + j]});
      }
      ASSERT_EQ(got[i * n + j], static_cast<T>(static_cast<std::make_unsigned_t<T>>(acc)))
          << DTypeName(DTypeOf<T>::value) << " [" << i << "," << j << "] of " << m << "x" << k
          << "x" << n;
    }
  }
}

TEST(DtypesTest, IntegerProductsWrap) {
  for (auto [m, k, n] : {std::array<int64_t, 3>{3, 5, 2}, {40, 33, 36}, {64, 64, 64}}) {
    CheckProduct<uint8_t>(m, k, n);
    CheckProduct<uint32_t>(m, k, n);
    CheckProduct<int64_t>(m, k, n);
  }
}

// lax.dot_general's preferred_element_type (JAX's testDotPreferredElement): the product of
// the upcast operands, so i32 products past 2^31 and u8 sums past 255 stay exact in i64 and
// i32, and an f16 product keeps f32's digits.
TEST(DtypesTest, PreferredElementTypeWidensProducts) {
  const Tensor a = tensor({100000, 3, 70000, 2}, {2, 2}, i32);
  EXPECT_THAT(matmul(a, a, i64).to_vector<int64_t>(),
              ElementsAre(10000210000, 300006, 7000140000, 210004));
  EXPECT_EQ(matmul(a, a, i64).dtype(), i64);
  EXPECT_NE(matmul(a, a).to_vector<int64_t>(), matmul(a, a, i64).to_vector<int64_t>());
  const Tensor bytes = full({1, 4}, 200, u8);
  EXPECT_THAT(dot(bytes, full({4}, 3, u8), i32).to_vector<int64_t>(), ElementsAre(2400));
  EXPECT_THAT(dot(bytes, full({4}, 3, u8)).to_vector<int64_t>(), ElementsAre(2400 % 256));
  // f16 operands, f32 products: the f64 value to f32's precision, not f16's.
  const Tensor x = testing::Random({3, 40}, 1, -1, 1, f16),
               y = testing::Random({40, 2}, 2, -1, 1, f16);
  const Tensor exact = matmul(astype(x, f64), astype(y, f64));
  const Tensor got = matmul(x, y, f32);
  EXPECT_EQ(got.dtype(), f32);
  EXPECT_TRUE(AllClose(astype(got, f64), exact, 1e-6, 1e-6));
  EXPECT_FALSE(AllClose(astype(matmul(x, y), f64), exact, 1e-6, 1e-6));
  DotDims dims{.lhs_contracting = {1}, .rhs_contracting = {0}};
  EXPECT_TRUE(AllClose(jit([&](const Tensor& p, const Tensor& q) {
                         return lax::dot_general(p, q, dims, f32);
                       })(x, y),
                       got, 0, 0));
  // Derivatives: the cotangent of an f16 operand is f16, the f32 one rounded.
  const Tensor g = grad([&](const Tensor& p) { return sum(matmul(p, y, f32)); })(x);
  EXPECT_EQ(g.dtype(), f16);
  EXPECT_TRUE(AllClose(
      g,
      astype(grad([&](const Tensor& p) { return sum(matmul(p, astype(y, f32))); })(astype(x, f32)),
             f16),
      0, 0));
  EXPECT_THAT(ErrorOf([&] { matmul(x, y, i32); }),
              HasSubstr("dot_general: preferred_element_type i32 for an operand of type "
                        "f16[3,40]: the compatible pairs are"));
  EXPECT_THAT(ErrorOf([&] { matmul(a, a, u32); }), HasSubstr("an unsigned type for a signed one"));
  EXPECT_THAT(ErrorOf([&] { lax::dot_general(astype(x, f64), astype(y, f64), dims, f32); }),
              HasSubstr("preferred_element_type f32 for an operand of type f64[3,40]: narrower"));
}

TEST(DtypesTest, SortingOrdersUnsignedAndWideValues) {
  const Tensor w = from_vector<uint32_t>({3000000000u, 1, 4294967295u, 0, 2147483648u}, {5});
  EXPECT_THAT(sort(w).to_vector<uint32_t>(),
              ElementsAre(0u, 1u, 2147483648u, 3000000000u, 4294967295u));
  EXPECT_THAT(argsort(w).to_vector<int32_t>(), ElementsAre(3, 1, 4, 0, 2));
  const Tensor l = from_vector<int64_t>({INT64_MAX, -1, INT64_MIN, 4294967296, 0}, {5});
  EXPECT_THAT(sort(l).to_vector<int64_t>(),
              ElementsAre(INT64_MIN, -1, 0, 4294967296, INT64_MAX));
  EXPECT_THAT(sort(l, -1, /*descending=*/true).to_vector<int64_t>(),
              ElementsAre(INT64_MAX, 4294967296, 0, -1, INT64_MIN));
  const Tensor b = from_vector<uint8_t>({200, 7, 255, 0}, {4});
  EXPECT_THAT(sort(b).to_vector<int>(), ElementsAre(0, 7, 200, 255));
}

TEST(DtypesTest, IndexingAndScattersOnIntegers) {
  const Tensor idx = from_vector<int32_t>({2, 0, 2, 2, 9}, {5});
  // Out-of-range takes fill with JAX's defaults: the unsigned maximum, the signed minimum.
  EXPECT_THAT(take(from_vector<uint8_t>({10, 20, 30}, {3}), idx).to_vector<int>(),
              ElementsAre(30, 10, 30, 30, 255));
  EXPECT_THAT(take(from_vector<uint32_t>({10, 20, 30}, {3}), idx).to_vector<uint32_t>(),
              ElementsAre(30u, 10u, 30u, 30u, 4294967295u));
  EXPECT_THAT(take(from_vector<int64_t>({10, 20, 30}, {3}), idx).to_vector<int64_t>(),
              ElementsAre(30, 10, 30, 30, INT64_MIN));
  const Tensor rows = from_vector<int32_t>({2, 0, 2, 2}, {4});
  // Repeated indices accumulate, wrapping: 250 + 3 * 100 = 550 = 38 (mod 256).
  EXPECT_THAT(at(from_vector<uint8_t>({1, 2, 250}, {3}), rows)
                  .add(from_vector<uint8_t>({100, 5, 100, 100}, {4}))
                  .to_vector<int>(),
              ElementsAre(6, 2, 38));
  EXPECT_THAT(at(from_vector<uint32_t>({1, 2, 4294967295u}, {3}), rows)
                  .add(from_vector<uint32_t>({1, 5, 1, 1}, {4}))
                  .to_vector<uint32_t>(),
              ElementsAre(6u, 2u, 2u));
  EXPECT_THAT(at(from_vector<int64_t>({1, 2, int64_t{1} << 40}, {3}), rows)
                  .add(from_vector<int64_t>({int64_t{1} << 40, 5, 1, 1}, {4}))
                  .to_vector<int64_t>(),
              ElementsAre(6, 2, (int64_t{1} << 41) + 2));
  EXPECT_THAT(at(from_vector<uint32_t>({1, 2, 3}, {3}), rows)
                  .max(from_vector<uint32_t>({3000000000u, 0, 7, 1}, {4}))
                  .to_vector<uint32_t>(),
              ElementsAre(1u, 2u, 3000000000u));
}

}  // namespace
}  // namespace cotangent
