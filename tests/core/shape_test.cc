// File: tests/core/shape_test.cc
// core/shape: checked arithmetic and CheckShape, the one test of whether a shape can exist
// (every abstract evaluation and every creation goes through it).

#include <cstdint>
#include <limits>

#include "core/error.h"
#include "core/shape.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string ErrorOf(const ShapedArray& aval) {
  try {
    CheckShape("op", aval);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
    return e.what();
  }
  return "no error";
}

TEST(ShapeTest, CheckedArithmeticReportsOverflow) {
  EXPECT_EQ(CheckedMul(int64_t{1} << 31, int64_t{1} << 31), int64_t{1} << 62);
  EXPECT_EQ(CheckedMul(int64_t{1} << 32, int64_t{1} << 32), std::nullopt);
  EXPECT_EQ(CheckedMul(kMax, 0), 0);
  EXPECT_EQ(CheckedAdd(kMax - 1, 1), kMax);
  EXPECT_EQ(CheckedAdd(kMax, 1), std::nullopt);
}

// f32[2^40,2^40] once had 2^80 mod 2^64 = 0 elements: sum of one of its rows crashed.
TEST(ShapeTest, SizesPastInt64AreRejected) {
  EXPECT_EQ(ErrorOf(ShapedArray{{int64_t{1} << 40, int64_t{1} << 40}, f32}),
            "op: f32[1099511627776,1099511627776] is too large: its size in bytes overflows "
            "int64");
  // The element count fits but the bytes do not.
  EXPECT_EQ(ErrorOf(ShapedArray{{int64_t{1} << 62}, f64}),
            "op: f64[4611686018427387904] is too large: its size in bytes overflows int64");
  EXPECT_EQ(ErrorOf(ShapedArray{{int64_t{1} << 62}, bool_}), "no error");
  EXPECT_EQ(ErrorOf(ShapedArray{{kMax}, bool_}), "no error");
}

// As numpy: a zero-sized axis does not excuse the others, whose strides would overflow.
TEST(ShapeTest, ZeroSizedAxesDoNotHideHugeOnes) {
  EXPECT_EQ(ErrorOf(ShapedArray{{0, int64_t{1} << 31, int64_t{1} << 31}, f32}),
            "op: f32[0,2147483648,2147483648] is too large: its size in bytes overflows int64");
  EXPECT_EQ(ErrorOf(ShapedArray{{0, int64_t{1} << 30, int64_t{1} << 30}, f32}), "no error");
  EXPECT_EQ(NumElements(Shape{0, int64_t{1} << 30, int64_t{1} << 30}), 0);
}

TEST(ShapeTest, NegativeDimensionsAreRejected) {
  EXPECT_EQ(ErrorOf(ShapedArray{{2, -1}, f32}), "op: negative dimension in shape [2,-1]");
  EXPECT_EQ(ErrorOf(ShapedArray{{-4, 0}, i32}), "op: negative dimension in shape [-4,0]");
  EXPECT_EQ(ErrorOf(ShapedArray{{}, f32}), "no error");
}

TEST(ShapeTest, BytesOfAValidShape) {
  EXPECT_EQ((ShapedArray{{3, 5}, f64}).bytes(), 120);
  EXPECT_EQ((ShapedArray{{}, bool_}).bytes(), 1);
  EXPECT_EQ((ShapedArray{{7, 0}, f32}).bytes(), 0);
}

}  // namespace
}  // namespace cotangent
