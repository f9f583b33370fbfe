// File: tests/backends/cpu_kernels_elementwise_test.cc
// Unary, binary, compare, select and convert_element_type kernels, for every primitive and
// dtype its row of core/primitives.def accepts, on strided inputs, against references computed
// in double (i32 in int64, wrapped), plus the XLA edge cases (integer division, overflow, NaN in
// max/min).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "backends/cpu/elementwise_ops.h"
#include "tests/backends/cpu_test_util.h"

namespace cotangent::cpu_test {
namespace {

struct ElementwiseCase {
  Primitive prim;
  DType dtype;
};

void PrintTo(const ElementwiseCase& c, std::ostream* os) {
  *os << PrimitiveName(c.prim) << " " << DTypeName(c.dtype);
}

// Every unary, binary and compare row of core/primitives.def, on every dtype its row accepts.
std::vector<ElementwiseCase> ElementwiseCases() {
  std::vector<ElementwiseCase> cases;
  for (int i = 0; i < kNumPrimitives; ++i) {
    const Primitive prim = static_cast<Primitive>(i);
    if (!IsElementwiseMap(prim)) continue;
    for (DType d : {bool_, i32, f32, f64}) {
      if (InClass(d, OperandDType(prim, 0))) cases.push_back({prim, d});
    }
  }
  return cases;
}

// Op<prim> computed in double, for the rows that accept f64: the reference where no other is
// written below (a libm function, the same in double as the kernels' Op, which checks the
// strided walk, the SIMD paths and f32 rounding; the jvp oracle tests check the function itself
// against its derivative rule).
using RefOp = double (*)(double, double);
constexpr std::array<RefOp, kNumPrimitives> kOpInDouble =
    TableOf<RefOp>([]<Primitive prim>() -> RefOp {
      if constexpr (!IsElementwiseMap(prim) || !cpu::kAccepts<prim, double>) {
        return nullptr;
      } else if constexpr (KindOf(prim) == PrimitiveKind::kUnary) {
        return [](double x, double) { return static_cast<double>(cpu::Op<prim>{}(x)); };
      } else {
        return [](double x, double y) { return static_cast<double>(cpu::Op<prim>{}(x, y)); };
      }
    });

double Unreferenced(Primitive prim, DType dtype, double x, double y) {
  if (kOpInDouble[static_cast<int>(prim)] != nullptr && dtype != DType::kI32) {
    return kOpInDouble[static_cast<int>(prim)](x, y);
  }
  ADD_FAILURE() << PrimitiveName(prim) << " on " << DTypeName(dtype)
                << " has no reference: add one to RefUnary / RefBinary";
  return 0;
}

// References with the semantics libm does not give: XLA's integer arithmetic (wrapping, integer
// division), NaN propagation, bools.
double RefUnary(Primitive prim, DType dtype, double x) {
  const bool is_int = dtype == DType::kI32;
  switch (prim) {
    case Primitive::kNeg:
      return is_int ? Wrap(-static_cast<int64_t>(x)) : -x;
    case Primitive::kSign:
      return std::isnan(x) ? x : x > 0 ? 1 : x < 0 ? -1 : x;
    case Primitive::kAbs:
      return is_int ? Wrap(std::llabs(static_cast<int64_t>(x))) : std::abs(x);
    case Primitive::kNot:  // logical on bool, ~x on i32
      return dtype == DType::kBool ? x == 0 : ~static_cast<int32_t>(x);
    case Primitive::kPopulationCount:
      return std::popcount(static_cast<uint32_t>(static_cast<int32_t>(x)));
    case Primitive::kClz:
      return std::countl_zero(static_cast<uint32_t>(static_cast<int32_t>(x)));
    case Primitive::kStopGradient:
      return x;
    default:
      return Unreferenced(prim, dtype, x, 0);
  }
}

double RefBinary(Primitive prim, DType dtype, double x, double y) {
  const bool is_int = dtype == DType::kI32;
  const int64_t a = static_cast<int64_t>(x), b = static_cast<int64_t>(y);
  switch (prim) {
    case Primitive::kAdd:
      return is_int ? Wrap(a + b) : x + y;
    case Primitive::kSub:
      return is_int ? Wrap(a - b) : x - y;
    case Primitive::kMul:
      return is_int ? Wrap(a * b) : x * y;
    case Primitive::kDiv:
      if (!is_int) return x / y;
      return b == 0 ? -1 : Wrap(a / b);  // int64 division truncates; INT_MIN / -1 wraps
    case Primitive::kRem:
      if (!is_int) return std::fmod(x, y);
      return b == 0 ? a : a % b;  // int64 % has the dividend's sign; INT_MIN % -1 is 0
    case Primitive::kMax:
      return std::isnan(x) || std::isnan(y) ? kNaN : std::max(x, y);
    case Primitive::kMin:
      return std::isnan(x) || std::isnan(y) ? kNaN : std::min(x, y);
    // Bitwise on i32, and on bool's 0 and 1 (both exact in int64).
    case Primitive::kAnd:
      return static_cast<double>(a & b);
    case Primitive::kOr:
      return static_cast<double>(a | b);
    case Primitive::kXor:
      return static_cast<double>(a ^ b);
    // i32 shifts, XLA's: the amount read as uint32; 32 or more shifts every bit out.
    case Primitive::kShiftLeft:
      return static_cast<uint32_t>(b) >= 32 ? 0 : Wrap(static_cast<int64_t>(
                                                        static_cast<uint32_t>(a) << b));
    case Primitive::kShiftRightLogical:
      return static_cast<uint32_t>(b) >= 32 ? 0 : Wrap(static_cast<uint32_t>(a) >> b);
    case Primitive::kShiftRightArithmetic:
      return static_cast<uint32_t>(b) >= 32 ? (a < 0 ? -1 : 0) : static_cast<double>(a >> b);
    case Primitive::kEq:
      return x == y;
    case Primitive::kNe:
      return x != y;
    case Primitive::kLt:
      return x < y;
    case Primitive::kLe:
      return x <= y;
    case Primitive::kGt:
      return x > y;
    case Primitive::kGe:
      return x >= y;
    default:
      return Unreferenced(prim, dtype, x, y);
  }
}

class ElementwiseTest : public testing::TestWithParam<ElementwiseCase> {};

TEST_P(ElementwiseTest, MatchesReferenceOnStridedInputs) {
  const auto [prim, dtype] = GetParam();
  const DType out_dtype = KindOf(prim) == PrimitiveKind::kCompare ? DType::kBool : dtype;
  using L = Layout;
  const std::vector<std::pair<L, L>> layouts = {
      {L::kDense, L::kDense},         {L::kReversed, L::kSpread},
      {L::kBroadcast0, L::kDense},    {L::kDense, L::kBroadcast0},
      {L::kSpread, L::kReversed},     {L::kBroadcastLast, L::kDense},
      {L::kDense, L::kBroadcastLast}, {L::kBroadcastLast, L::kBroadcast0},
      // One flat run without a coalesced space (kernels' fast path): offset views and
      // broadcast scalars beside dense operands.
      {L::kOffset, L::kBroadcastAll}, {L::kBroadcastAll, L::kOffset},
      {L::kBroadcastAll, L::kBroadcastAll}, {L::kReversed, L::kBroadcastAll}};
  // The large shape (over twice the 64K-element grain) runs on several threads, with some of
  // the layout pairs to keep the test quick.
  for (const Shape& shape :
       {Shape{}, Shape{3, 5, 4}, Shape{2, 1, 7}, Shape{0, 3}, Shape{300, 451}}) {
    for (const auto& [lx, ly] : layouts) {
      if (shape.size() == 2 && shape[0] == 300 && lx != L::kReversed && lx != L::kOffset &&
          ly != L::kBroadcastLast) {
        continue;
      }
      const std::string what =
          absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype), ShapeToString(shape), " ",
                       LayoutName(lx), "/", LayoutName(ly));
      const Host x = Random(shape, dtype, 1, lx), y = Random(shape, dtype, 2, ly);
      Host expected{shape, std::vector<double>(x.v.size())};
      Host actual;
      if (KindOf(prim) == PrimitiveKind::kUnary) {
        for (size_t i = 0; i < x.v.size(); ++i) expected.v[i] = RefUnary(prim, dtype, x.v[i]);
        actual = Exec(prim, {Place(x, dtype, lx)}, {}, ShapedArray{shape, out_dtype});
      } else {
        for (size_t i = 0; i < x.v.size(); ++i) {
          expected.v[i] = RefBinary(prim, dtype, x.v[i], y.v[i]);
        }
        actual = Exec(prim, {Place(x, dtype, lx), Place(y, dtype, ly)}, {},
                      ShapedArray{shape, out_dtype});
      }
      ExpectMatches(actual, expected, out_dtype, what);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPrimitivesAndDTypes, ElementwiseTest,
                         testing::ValuesIn(ElementwiseCases()),
                         [](const testing::TestParamInfo<ElementwiseCase>& info) {
                           return absl::StrCat(PrimitiveName(info.param.prim), "_",
                                               DTypeName(info.param.dtype));
                         });

TEST(ElementwiseEdgeCases, IntegerDivisionFollowsXla) {
  const Host x = Vec({7, -7, 7, -7, 5, kIntMin, kIntMin, 0, kIntMax});
  const Host y = Vec({2, 2, -2, -2, 0, -1, 1, 0, -1});
  const Host out = Exec(Primitive::kDiv, {Place(x, i32), Place(y, i32)}, {}, {{9}, i32});
  EXPECT_THAT(out.v, testing::ElementsAre(3, -3, -3, 3, -1, kIntMin, kIntMin, -1, -kIntMax));
}

TEST(ElementwiseEdgeCases, IntegerRemainderFollowsXla) {
  const Host x = Vec({7, -7, 7, -7, 5, kIntMin, kIntMin, 0});
  const Host y = Vec({3, 3, -3, -3, 0, -1, 3, 0});
  const Host out = Exec(Primitive::kRem, {Place(x, i32), Place(y, i32)}, {}, {{8}, i32});
  EXPECT_THAT(out.v, testing::ElementsAre(1, -1, 1, -1, 5, 0, -2, 0));
}

TEST(ElementwiseEdgeCases, IntegerOverflowWraps) {
  const Host x = Vec({kIntMin, kIntMax, kIntMin});
  EXPECT_THAT(Exec(Primitive::kNeg, {Place(x, i32)}, {}, {{3}, i32}).v,
              testing::ElementsAre(kIntMin, -kIntMax, kIntMin));
  EXPECT_THAT(Exec(Primitive::kAbs, {Place(x, i32)}, {}, {{3}, i32}).v,
              testing::ElementsAre(kIntMin, kIntMax, kIntMin));
  const Host y = Vec({-1, 1, 2});
  EXPECT_THAT(Exec(Primitive::kAdd, {Place(x, i32), Place(y, i32)}, {}, {{3}, i32}).v,
              testing::ElementsAre(kIntMax, kIntMin, kIntMin + 2));
  EXPECT_THAT(Exec(Primitive::kMul, {Place(x, i32), Place(y, i32)}, {}, {{3}, i32}).v,
              testing::ElementsAre(kIntMin, kIntMax, 0));
}

TEST(ElementwiseEdgeCases, MaxMinPropagateNaNFromEitherSide) {
  for (DType dtype : {f32, f64}) {
    const Host x = Vec({kNaN, 1, kNaN, -0.5}), y = Vec({1, kNaN, kNaN, 2});
    for (Primitive prim : {Primitive::kMax, Primitive::kMin}) {
      const Host out = Exec(prim, {Place(x, dtype), Place(y, dtype)}, {}, {{4}, dtype});
      EXPECT_TRUE(std::isnan(out.v[0]) && std::isnan(out.v[1]) && std::isnan(out.v[2]));
      EXPECT_EQ(out.v[3], prim == Primitive::kMax ? 2 : -0.5);
    }
  }
}

TEST(Select, PicksElementwiseOnStridedOperands) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (const Shape& shape : {Shape{4, 6}, Shape{300, 120}}) {
      const Host pred = Random(shape, bool_, 3, Layout::kBroadcast0);
      const Host x = Random(shape, dtype, 4), y = Random(shape, dtype, 5);
      Host expected{shape, std::vector<double>(x.v.size())};
      for (size_t i = 0; i < x.v.size(); ++i) expected.v[i] = pred.v[i] != 0 ? x.v[i] : y.v[i];
      const Host out = Exec(Primitive::kSelect,
                            {Place(pred, bool_, Layout::kBroadcast0),
                             Place(x, dtype, Layout::kReversed), Place(y, dtype, Layout::kSpread)},
                            {}, {shape, dtype});
      ExpectMatches(out, expected, dtype, absl::StrCat("select ", DTypeName(dtype)));
      for (Layout y_layout : {Layout::kDense, Layout::kSpread}) {
        const Host dense = Exec(Primitive::kSelect,
                                {Place(pred, bool_), Place(x, dtype), Place(y, dtype, y_layout)},
                                {}, {shape, dtype});
        ExpectMatches(dense, expected, dtype,
                      absl::StrCat("select ", LayoutName(y_layout), " ", DTypeName(dtype)));
      }
    }
  }
}

// convert_element_type as XLA: float -> i32 truncates, NaN -> 0, saturates; x -> bool is x != 0.
double RefConvert(double x, DType from, DType to) {
  if (to == DType::kBool) return x != 0;
  if (from == DType::kBool) return x != 0 ? 1 : 0;
  if (to == DType::kI32) {
    if (std::isnan(x)) return 0;
    return std::clamp(std::trunc(x), static_cast<double>(kIntMin), static_cast<double>(kIntMax));
  }
  return x;
}

TEST(Convert, AllDTypePairs) {
  const std::vector<double> values = {0,    -0.0, 1,     -1,   2.7,           -2.7,
                                      0.5,  1e10, -1e10, 3e9,  -2147483648.0, 2147483647.0,
                                      kNaN, kInf, -kInf, 1e300};
  for (DType from : {bool_, i32, f32, f64}) {
    Host x = Vec(values);
    for (double& v : x.v) {
      v = from == DType::kI32 && (std::isnan(v) || std::isinf(v) || std::abs(v) > 2e9)
              ? 12345
              : Quantize(from == DType::kI32 ? std::trunc(v) : v, from);
    }
    for (DType to : {bool_, i32, f32, f64}) {
      Host expected = x;
      for (double& v : expected.v) v = RefConvert(v, from, to);
      Params params;
      params.new_dtype = to;
      const Host out =
          Exec(Primitive::kConvert, {Place(x, from, Layout::kSpread)}, params, {x.shape, to});
      ExpectMatches(out, expected, to,
                    absl::StrCat("convert ", DTypeName(from), "->", DTypeName(to)));
    }
  }
}

}  // namespace
}  // namespace cotangent::cpu_test
