// File: tests/cotangent/bitwise_test.cc
// The bitwise primitives (not, and, or, xor, the three shifts, population_count, clz) on every
// integer dtype and bool, on every backend, against host oracles with XLA's semantics (a shift
// amount read as unsigned, one of at least the width shifting every bit out); the numpy layer
// over them (logical_* on any dtype, bitwise_* and the operators with JAX's promotion and weak
// scalars, left/right_shift, bitwise_count), integer pow as JAX's, and fused chains under jit.
// (The PRNG's Threefry-2x32 is written in these ops: tests/cotangent/random_test.cc.)

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;

// Special values, then random ones.
template <typename T>
std::vector<T> Samples(uint32_t seed) {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {0, 1, 2, 3, 0x55, L::max(), L::min(), static_cast<T>(L::max() / 2 + 1)};
  if constexpr (std::is_signed_v<T>) {
    for (T x : {T{-1}, T{-2}, T{-128}, static_cast<T>(L::min() + 1)}) v.push_back(x);
  }
  std::mt19937_64 rng(seed);
  while (v.size() < 70) v.push_back(static_cast<T>(rng()));
  return v;
}

// Shift amounts from -2 to width + 2, each against several values.
template <typename T>
std::vector<T> Amounts(size_t n) {
  constexpr int kBits = 8 * sizeof(T);
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(static_cast<int>(i % (kBits + 5)) - 2);
  return v;
}

// The oracles: XLA's shifts on the unsigned bits (arithmetic right shift on the signed ones).
template <typename T>
bool ShiftsOut(T y) {
  return static_cast<std::make_unsigned_t<T>>(y) >= 8 * sizeof(T);
}
template <typename T>
T ShiftLeft(T x, T y) {
  using U = std::make_unsigned_t<T>;
  return ShiftsOut(y) ? T{0} : static_cast<T>(static_cast<U>(static_cast<U>(x) << y));
}
template <typename T>
T ShiftRightLogical(T x, T y) {
  using U = std::make_unsigned_t<T>;
  return ShiftsOut(y) ? T{0} : static_cast<T>(static_cast<U>(x) >> y);
}
template <typename T>
T ShiftRightArithmetic(T x, T y) {
  using S = std::make_signed_t<T>;
  const S s = static_cast<S>(x);
  return static_cast<T>(ShiftsOut(y) ? (s < 0 ? S{-1} : S{0}) : static_cast<S>(s >> y));
}

template <typename T>
void CheckBitwise() {
  const DType dtype = DTypeOf<T>::value;
  const std::vector<T> a = Samples<T>(1), b = Samples<T>(2), s = Amounts<T>(a.size());
  const int64_t n = static_cast<int64_t>(a.size());
  const Tensor x = from_vector(a, {n}), y = from_vector(b, {n}), amount = from_vector(s, {n});
  using U = std::make_unsigned_t<T>;
  const auto expect = [&](const Tensor& got, const std::vector<T>& second, auto f,
                          const char* what) {
    ASSERT_EQ(got.dtype(), dtype) << what;
    const std::vector<T> g = got.to_vector<T>();
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(g[i], f(a[i], second[i]))
          << what << " " << DTypeName(dtype) << " a=" << +a[i] << " b=" << +second[i];
    }
  };
  expect(
      lax::bitwise_and(x, y), b, [](T p, T q) { return static_cast<T>(p & q); }, "and");
  expect(
      lax::bitwise_or(x, y), b, [](T p, T q) { return static_cast<T>(p | q); }, "or");
  expect(
      lax::bitwise_xor(x, y), b, [](T p, T q) { return static_cast<T>(p ^ q); }, "xor");
  expect(
      lax::bitwise_not(x), b, [](T p, T) { return static_cast<T>(~p); }, "not");
  expect(
      lax::population_count(x), b,
      [](T p, T) { return static_cast<T>(std::popcount(static_cast<U>(p))); }, "popcount");
  expect(
      lax::clz(x), b, [](T p, T) { return static_cast<T>(std::countl_zero(static_cast<U>(p))); },
      "clz");
  expect(lax::shift_left(x, amount), s, ShiftLeft<T>, "shift_left");
  expect(lax::shift_right_logical(x, amount), s, ShiftRightLogical<T>, "shift_right_logical");
  expect(lax::shift_right_arithmetic(x, amount), s, ShiftRightArithmetic<T>,
         "shift_right_arithmetic");
}

TEST(BitwiseTest, IntegerOpsMatchXlaOnEveryWidth) {
  CheckBitwise<uint8_t>();
  CheckBitwise<uint32_t>();
  CheckBitwise<int32_t>();
  CheckBitwise<int64_t>();
}

// reduce_and/or/xor against a host fold of each line, over every width, several lengths (odd,
// even, a power of two, one, zero: the identity) and axis sets.
template <typename T>
void CheckBitwiseReductions() {
  const std::vector<T> samples = Samples<T>(3);
  for (int64_t n : {0, 1, 2, 5, 8, 13}) {
    std::vector<T> v(3 * n);
    for (size_t i = 0; i < v.size(); ++i) v[i] = samples[(7 * i + 1) % samples.size()];
    const Tensor x = from_vector(v, {3, n});
    const auto fold = [&](int64_t row, T init, auto op) {
      T acc = init;
      for (int64_t j = 0; j < n; ++j) acc = static_cast<T>(op(acc, v[row * n + j]));
      return acc;
    };
    const auto check = [&](const Tensor& got, T init, auto op, const char* what) {
      ASSERT_EQ(got.aval(), (ShapedArray{{3}, DTypeOf<T>::value})) << what;
      const std::vector<T> g = got.to_vector<T>();
      for (int64_t r = 0; r < 3; ++r) {
        ASSERT_EQ(g[r], fold(r, init, op))
            << what << " " << DTypeName(DTypeOf<T>::value) << " n=" << n;
      }
    };
    check(
        reduce_and(x, 1), static_cast<T>(~T{0}), [](T a, T b) { return a & b; }, "and");
    check(
        reduce_or(x, -1), T{0}, [](T a, T b) { return a | b; }, "or");
    check(
        reduce_xor(x, 1), T{0}, [](T a, T b) { return a ^ b; }, "xor");
    // All axes at once: the fold of the three rows' results; keepdims keeps [1, 1].
    const T all_xor = static_cast<T>(fold(0, T{0}, [](T a, T b) { return a ^ b; }) ^
                                     fold(1, T{0}, [](T a, T b) { return a ^ b; }) ^
                                     fold(2, T{0}, [](T a, T b) { return a ^ b; }));
    EXPECT_EQ(reduce_xor(x).item<T>(), all_xor);
    EXPECT_EQ(reduce_xor(x, {}, true).shape(), (Shape{1, 1}));
  }
}

TEST(BitwiseTest, ReductionsFoldEachLine) {
  CheckBitwiseReductions<int32_t>();
  CheckBitwiseReductions<int64_t>();
  CheckBitwiseReductions<uint8_t>();
  CheckBitwiseReductions<uint32_t>();
  const Tensor b = tensor({1, 1, 0, 1, 1, 1}, {2, 3}, bool_);
  EXPECT_EQ(reduce_and(b, 1).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ(reduce_or(b, 0).to_vector<bool>(), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(reduce_xor(b, 1).to_vector<bool>(), (std::vector<bool>{false, true}));
  // Under jit and vmap, against eager.
  const Tensor x = from_vector(Samples<int32_t>(4), {7, 10});
  const auto f = [](const Tensor& x) { return reduce_and(x, 0) ^ reduce_or(x, 0); };
  EXPECT_EQ(jit(f)(x).to_vector<int32_t>(), f(x).to_vector<int32_t>());
  EXPECT_EQ(vmap(f, 1)(x).to_vector<int32_t>(), f(x).to_vector<int32_t>());
  EXPECT_THAT(ErrorOf([] { reduce_or(ones({3}, f32)); }),
              HasSubstr("reduce_or: operand must be bool or an integer, got f32[3]"));
}

TEST(BitwiseTest, BoolOpsAreLogical) {
  const Tensor p = tensor({0, 0, 1, 1}, {4}, bool_), q = tensor({0, 1, 0, 1}, {4}, bool_);
  EXPECT_THAT(lax::bitwise_and(p, q).to_vector<bool>(), ElementsAre(false, false, false, true));
  EXPECT_THAT(lax::bitwise_or(p, q).to_vector<bool>(), ElementsAre(false, true, true, true));
  EXPECT_THAT(lax::bitwise_xor(p, q).to_vector<bool>(), ElementsAre(false, true, true, false));
  EXPECT_THAT(lax::bitwise_not(p).to_vector<bool>(), ElementsAre(true, true, false, false));
  EXPECT_THAT((~q).to_vector<bool>(), ElementsAre(true, false, true, false));
  // A not of a not is the identity on bool's 0 and 1 (not 0xFE / 0xFF): the value feeds a
  // select, which reads any nonzero byte as true.
  EXPECT_THAT(where(~~p, 1.0, 2.0).to_vector<float>(), ElementsAre(2, 2, 1, 1));
}

TEST(BitwiseTest, FloatsAndBoolShiftsAreRejected) {
  const Tensor f = ones({3}, f32), i = ones({3}, i32);
  EXPECT_THAT(ErrorOf([&] { lax::bitwise_and(f, f); }),
              HasSubstr("and: expected a bool or integer operand, got f32[3]"));
  EXPECT_THAT(ErrorOf([&] { lax::shift_left(ones({3}, bool_), ones({3}, bool_)); }),
              HasSubstr("shift_left: expected an integer operand, got bool[3]"));
  EXPECT_THAT(ErrorOf([&] { lax::clz(f); }), HasSubstr("clz: expected an integer operand"));
  EXPECT_THAT(ErrorOf([&] { bitwise_or(i, f); }),
              HasSubstr("bitwise_or: operands must be bool or integers, got i32[3] and f32[3]"));
  EXPECT_THAT(ErrorOf([&] { (void)(i & 1.5); }), HasSubstr("bitwise_and: operands must be"));
  EXPECT_THAT(ErrorOf([&] { (void)~f; }), HasSubstr("bitwise_not: operand must be bool or an"));
  EXPECT_THAT(ErrorOf([&] { right_shift(f, i); }), HasSubstr("right_shift: operands must be"));
}

// ---- the numpy layer -----------------------------------------------------------------------

TEST(BitwiseTest, NumpyFunctionsPromoteAsJax) {
  const Tensor b8 = tensor({0xF0, 0x0F, 0xFF}, {3}, u8);
  const Tensor w = tensor({0x100, -1, 3}, {3}, i32);
  // u8 with i32 is i32; a weak int keeps u8.
  EXPECT_EQ((b8 & w).dtype(), i32);
  EXPECT_THAT((b8 & w).to_vector<int32_t>(), ElementsAre(0, 0x0F, 3));
  EXPECT_EQ((b8 | 1).dtype(), u8);
  EXPECT_THAT((b8 | 1).to_vector<uint8_t>(), ElementsAre(0xF1, 0x0F, 0xFF));
  EXPECT_THAT((0x3C ^ b8).to_vector<uint8_t>(), ElementsAre(0xCC, 0x33, 0xC3));
  EXPECT_THAT((b8 << 4).to_vector<uint8_t>(), ElementsAre(0x00, 0xF0, 0xF0));
  // right_shift: arithmetic on signed, logical on unsigned.
  EXPECT_THAT((tensor({-16, 16, -1}, {3}, i32) >> 2).to_vector<int32_t>(), ElementsAre(-4, 4, -1));
  EXPECT_THAT((tensor({0xF0000000u, 16u, 0xFFFFFFFFu}, {3}, u32) >> 2).to_vector<uint32_t>(),
              ElementsAre(0x3C000000u, 4u, 0x3FFFFFFFu));
  // bool shifts become i32, as JAX's promote_args_numeric.
  const Tensor t = tensor({1, 0}, {2}, bool_);
  EXPECT_EQ(left_shift(t, t).dtype(), i32);
  EXPECT_THAT(left_shift(t, t).to_vector<int32_t>(), ElementsAre(2, 0));
  // bitwise_count: the set bits of |x|, as u8 (jnp.bitwise_count's documented examples).
  EXPECT_THAT(bitwise_count(tensor({64, 32, 31, 20, -16, -7, 7}, {7}, i32)).to_vector<uint8_t>(),
              ElementsAre(1, 1, 5, 2, 1, 3, 3));
  const std::vector<int64_t> lowest = {std::numeric_limits<int64_t>::min()};
  EXPECT_THAT(bitwise_count(from_vector(lowest, {1})).to_vector<uint8_t>(), ElementsAre(1));
  EXPECT_EQ(bitwise_count(t).dtype(), u8);
}

TEST(BitwiseTest, LogicalOpsReadAnyDtypeAsBool) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = tensor({0.0, 2.0, nan, -0.0}, {4}, f64);
  const Tensor k = tensor({0, 0, 5, 7}, {4}, i32);
  EXPECT_THAT(logical_and(x, k).to_vector<bool>(), ElementsAre(false, false, true, false));
  EXPECT_THAT(logical_or(x, k).to_vector<bool>(), ElementsAre(false, true, true, true));
  EXPECT_THAT(logical_xor(x, k).to_vector<bool>(), ElementsAre(false, true, false, true));
  EXPECT_THAT(logical_not(k).to_vector<bool>(), ElementsAre(true, true, false, false));
}

// jnp.power of integers: JAX's binary exponentiation over the exponent's low 6 bits.
TEST(BitwiseTest, IntegerPowStaysInteger) {
  const Tensor x = tensor({2, 3, -2, 0, 0, 7, 2, 1, -1}, {9}, i32);
  const Tensor y = tensor({10, 5, 3, 0, 5, 0, 31, -1, -1}, {9}, i32);
  const Tensor p = pow(x, y);
  EXPECT_EQ(p.dtype(), i32);
  // 2^31 wraps to INT32_MIN; y = -1 has all 6 low bits set: x^63.
  EXPECT_THAT(p.to_vector<int32_t>(),
              ElementsAre(1024, 243, -8, 1, 0, 1, std::numeric_limits<int32_t>::min(), 1, -1));
  // A C++ integer exponent is integer_pow, keeping the dtype; u8 wraps.
  EXPECT_EQ(pow(x, 2).dtype(), i32);
  EXPECT_THAT(pow(tensor({16, 3}, {2}, u8), 2).to_vector<uint8_t>(), ElementsAre(0, 9));
  // A float exponent or base gives floats.
  EXPECT_EQ(pow(x, 2.0).dtype(), f32);
  EXPECT_EQ(pow(astype(x, f64), y).dtype(), f64);
  // x^3 is x * x * x, with the product rule's derivative 3 x^2.
  const Tensor g =
      grad([](const Tensor& v) { return sum(pow(v, 3)); })(tensor({1.5, -2.0}, {2}, f64));
  EXPECT_THAT(g.to_vector<double>(), ElementsAre(6.75, 12.0));
  EXPECT_THAT(ErrorOf([&] { pow(x, -1); }), HasSubstr("integer_pow: negative exponent -1"));
}

// ---- jit ----------------------------------------------------------------------------------

// A fused integer chain of every bitwise op under jit (fused kernels on both backends) against
// eager, on i64 and u8 (which Vulkan computes in 32 bits, masking each result to its byte).
template <typename T>
void CheckFusedChain() {
  const auto f = [](const Tensor& x, const Tensor& y) {
    const Tensor s = lax::bitwise_and(y, full_like(y, 7.0));
    const Tensor z = lax::bitwise_xor(lax::shift_left(x, s), lax::bitwise_not(y));
    const Tensor w =
        lax::bitwise_or(lax::shift_right_arithmetic(z, s), lax::shift_right_logical(x, s));
    return lax::add(lax::population_count(w), lax::clz(z));
  };
  const std::vector<T> a = Samples<T>(3), b = Samples<T>(4);
  const int64_t n = static_cast<int64_t>(a.size());
  const Tensor x = from_vector(a, {n}), y = from_vector(b, {n});
  EXPECT_EQ(jit(f)(x, y).template to_vector<T>(), f(x, y).template to_vector<T>());
}

TEST(BitwiseTest, JitOfABitwiseChainMatchesEager) {
  CheckFusedChain<int64_t>();
  CheckFusedChain<uint8_t>();
  CheckFusedChain<uint32_t>();
}

}  // namespace
}  // namespace cotangent
