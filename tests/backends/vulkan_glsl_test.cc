// File: tests/backends/vulkan_glsl_test.cc
// The GLSL of every elementwise kernel compiles, for every row of core/primitives.def and
// dtype it accepts, in both the scalar and the vector form: a primitive whose math expression
// calls a function the math library lacks (ct_erf without its implementation in
// kernels/math_f32.glsl) fails here, named, on any machine (glslang only, no Vulkan device).

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/glsl_compiler.h"
#include "gtest/gtest.h"

namespace cotangent::vulkan {
namespace {

std::vector<ElementwiseSpec> Specs() {
  std::vector<ElementwiseSpec> specs;
  for (int i = 0; i < kNumPrimitives; ++i) {
    const Primitive prim = static_cast<Primitive>(i);
    if (!IsElementwiseMap(prim)) continue;
    for (DType d : {DType::kBool, DType::kI32, DType::kF32, DType::kF64}) {
      if (!InClass(d, OperandDType(prim, 0))) continue;
      const DType out = KindOf(prim) == PrimitiveKind::kCompare ? DType::kBool : d;
      for (int width : {1, 4}) specs.push_back({prim, d, out, width});
    }
  }
  return specs;
}

TEST(VulkanGlslTest, EveryElementwiseRowCompilesOnEveryDTypeItAccepts) {
  absl::StatusOr<std::unique_ptr<GlslCompiler>> compiler = GlslCompiler::Create();
  ASSERT_TRUE(compiler.ok()) << compiler.status();
  for (const ElementwiseSpec& spec : Specs()) {
    const std::string name = ElementwiseKernelName(spec);
    absl::StatusOr<std::string> source = ElementwiseSource(spec);
    if (!source.ok()) {
      ADD_FAILURE() << name << ": no GLSL (MathExpression in elementwise_kernels.cc): "
                    << source.status();
      continue;
    }
    absl::StatusOr<std::vector<uint32_t>> spirv = (*compiler)->Compile(*source, name);
    EXPECT_TRUE(spirv.ok()) << name << " does not compile: " << spirv.status();
  }
}

TEST(VulkanGlslTest, DTypesOutsideTheRowAreRejected) {
  const ElementwiseSpec exp_i32{Primitive::kExp, DType::kI32, DType::kI32};
  EXPECT_FALSE(ElementwiseSource(exp_i32).ok());
  const ElementwiseSpec and_f32{Primitive::kLogicalAnd, DType::kF32, DType::kF32};
  EXPECT_FALSE(ElementwiseSource(and_f32).ok());
}

}  // namespace
}  // namespace cotangent::vulkan
