// File: tests/backends/vulkan_kernels_test.cc
// Every primitive and dtype on the Vulkan backend against the CPU backend as the oracle, on
// strided inputs (transposed, sliced with an offset, broadcast with stride 0), including the
// integer, NaN and conversion edge cases the CPU kernels define.

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent::vulkan_test {
namespace {

using cpu_test::kInf;
using cpu_test::kIntMax;
using cpu_test::kIntMin;
using cpu_test::kNaN;
using cpu_test::LayoutName;
using cpu_test::Place;
using cpu_test::Random;
using cpu_test::Vec;
using L = Layout;

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

bool IsUnary(Primitive prim) { return KindOf(prim) == PrimitiveKind::kUnary; }

class VulkanElementwiseTest : public testing::TestWithParam<ElementwiseCase> {};

TEST_P(VulkanElementwiseTest, MatchesCpuOnStridedInputs) {
  const auto [prim, dtype] = GetParam();
  const DType out_dtype = KindOf(prim) == PrimitiveKind::kCompare ? DType::kBool : dtype;
  // The incomplete gamma family's f32 kernels compute in float, the CPU in double: XLA's method
  // cancels in float by hundreds of ulps (docs/vulkan.md's table); the default is 2e-6.
  const bool gamma_family = prim == Primitive::kIgamma || prim == Primitive::kIgammac ||
                            prim == Primitive::kIgammaGradA || prim == Primitive::kRandomGammaGrad;
  const double tolerance = gamma_family && dtype == DType::kF32 ? 1e-4 : -1;
  const std::vector<std::pair<L, L>> layouts = {{L::kDense, L::kDense},
                                                {L::kReversed, L::kSpread},
                                                {L::kBroadcast0, L::kDense},
                                                {L::kDense, L::kBroadcastLast}};
  for (const Shape& shape : {Shape{}, Shape{3, 5, 4}, Shape{0, 3}, Shape{70, 33}}) {
    for (const auto& [lx, ly] : layouts) {
      const std::string what =
          absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype), ShapeToString(shape), " ",
                       LayoutName(lx), "/", LayoutName(ly));
      std::vector<Array> in = {Place(Random(shape, dtype, 1, lx), dtype, lx)};
      if (!IsUnary(prim)) in.push_back(Place(Random(shape, dtype, 2, ly), dtype, ly));
      ExpectMatchesCpu(prim, in, {}, ShapedArray{shape, out_dtype}, what, tolerance);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPrimitivesAndDTypes, VulkanElementwiseTest,
                         testing::ValuesIn(ElementwiseCases()),
                         [](const testing::TestParamInfo<ElementwiseCase>& info) {
                           return absl::StrCat(PrimitiveName(info.param.prim), "_",
                                               DTypeName(info.param.dtype));
                         });

TEST(VulkanElementwiseEdgeCases, IntegerDivisionAndOverflowFollowXla) {
  const Array x = Place(Vec({7, -7, 7, -7, 5, kIntMin, kIntMin, 0, kIntMax}), i32);
  const Array y = Place(Vec({2, 2, -2, -2, 0, -1, 1, 0, -1}), i32);
  for (Primitive prim :
       {Primitive::kDiv, Primitive::kRem, Primitive::kAdd, Primitive::kSub, Primitive::kMul}) {
    ExpectMatchesCpu(prim, {x, y}, {}, {{9}, i32}, PrimitiveName(prim));
  }
  for (Primitive prim : {Primitive::kNeg, Primitive::kAbs, Primitive::kSign}) {
    ExpectMatchesCpu(prim, {x}, {}, {{9}, i32}, PrimitiveName(prim));
  }
}

TEST(VulkanElementwiseEdgeCases, LargeArraysUseEveryWorkgroup) {
  // More elements than one dispatch's workgroups cover at once (grid-stride loops), with a
  // broadcast operand and a transposed one.
  const Shape shape{700, 600};
  const Array x = Place(Random(shape, f32, 7, L::kReversed), f32, L::kReversed);
  const Array y = Place(Random(shape, f32, 8, L::kBroadcast0), f32, L::kBroadcast0);
  ExpectMatchesCpu(Primitive::kMul, {x, y}, {}, {shape, f32}, "mul");
  ExpectMatchesCpu(Primitive::kGt, {x, y}, {}, {shape, bool_}, "gt");
}

TEST(VulkanSelect, PicksElementwiseOnStridedOperands) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (const Shape& shape : {Shape{4, 6}, Shape{300, 120}}) {
      const Array pred = Place(Random(shape, bool_, 3, L::kBroadcast0), bool_, L::kBroadcast0);
      const Array x = Place(Random(shape, dtype, 4), dtype, L::kReversed);
      const Array y = Place(Random(shape, dtype, 5), dtype, L::kSpread);
      ExpectMatchesCpu(Primitive::kSelect, {pred, x, y}, {}, {shape, dtype},
                       absl::StrCat("select ", DTypeName(dtype), ShapeToString(shape)));
    }
  }
}

TEST(VulkanConvert, AllDTypePairs) {
  const std::vector<double> values = {0,    -0.0, 1,     -1,   2.7,           -2.7,
                                      0.5,  1e10, -1e10, 3e9,  -2147483648.0, 2147483647.0,
                                      kNaN, kInf, -kInf, 1e300};
  for (DType from : {bool_, i32, f32, f64}) {
    Host x = Vec(values);
    for (double& v : x.v) {
      v = from == DType::kI32 && (std::isnan(v) || std::isinf(v) || std::abs(v) > 2e9)
              ? 12345
              : cpu_test::Quantize(from == DType::kI32 ? std::trunc(v) : v, from);
    }
    for (DType to : {bool_, i32, f32, f64}) {
      Params params;
      params.new_dtype = to;
      ExpectMatchesCpu(Primitive::kConvert, {Place(x, from, L::kSpread)}, params, {x.shape, to},
                       absl::StrCat("convert ", DTypeName(from), "->", DTypeName(to)), 0);
    }
  }
}

}  // namespace
}  // namespace cotangent::vulkan_test
