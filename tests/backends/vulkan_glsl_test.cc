// File: tests/backends/vulkan_glsl_test.cc
// The GLSL of every elementwise kernel compiles, for every row of core/primitives.def and
// dtype it accepts, in both the scalar and the vector form: a primitive whose math expression
// calls a function the math library lacks (ct_erf without its implementation in
// kernels/special_f32.glsl) fails here, named, on any machine (glslang only, no Vulkan device).
// Also the SPIR-V patch that keeps IEEE infinities and NaNs in every shader (float_controls.h).

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/float_controls.h"
#include "backends/vulkan/glsl_compiler.h"
#include "gmock/gmock.h"
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
  const ElementwiseSpec and_f32{Primitive::kAnd, DType::kF32, DType::kF32};
  EXPECT_FALSE(ElementwiseSource(and_f32).ok());
}

// The (opcode, operands) of every instruction of a module, in order.
std::vector<std::vector<uint32_t>> Instructions(const std::vector<uint32_t>& spirv) {
  std::vector<std::vector<uint32_t>> out;
  for (size_t at = 5; at < spirv.size(); at += spirv[at] >> 16) {
    out.emplace_back(spirv.begin() + at, spirv.begin() + at + (spirv[at] >> 16));
    out.back()[0] &= 0xFFFFu;
  }
  return out;
}

std::vector<uint32_t> CompiledDoubleKernel() {
  const char* source = R"(#version 450
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer B { double v[]; };
void main() { v[gl_GlobalInvocationID.x] = 1.0 / v[gl_GlobalInvocationID.x]; })";
  std::unique_ptr<GlslCompiler> compiler = *GlslCompiler::Create();
  absl::StatusOr<std::vector<uint32_t>> spirv = compiler->Compile(source, "recip");
  EXPECT_TRUE(spirv.ok()) << spirv.status();
  return spirv.ok() ? *spirv : std::vector<uint32_t>{};
}

TEST(VulkanFloatControls, EveryEntryPointPreservesInfNanAndSignedZeroForEachWidthItUses) {
  const std::vector<uint32_t> spirv = CompiledDoubleKernel();
  ASSERT_FALSE(spirv.empty());
  const std::vector<uint32_t> patched = *WithIeeeSpecials(spirv, {true, true});
  ASSERT_EQ(patched.size(), spirv.size() + 2 + 7 + 2 * 4);  // capability, extension, 2 modes
  const std::vector<std::vector<uint32_t>> in = Instructions(spirv), out = Instructions(patched);
  uint32_t entry = 0;
  for (const auto& inst : in) {
    if (inst[0] == 15) entry = inst[2];  // OpEntryPoint model id name...
  }
  using testing::Contains;
  using testing::ElementsAre;
  EXPECT_THAT(out, Contains(ElementsAre(17, 4466)));  // OpCapability SignedZeroInfNanPreserve
  EXPECT_THAT(out, Contains(ElementsAre(16, entry, 4461, 32)));  // OpExecutionMode ... 32
  EXPECT_THAT(out, Contains(ElementsAre(16, entry, 4461, 64)));
  // Section order: every capability, then the extension, before the memory model; the modes
  // after the entry point.
  size_t last_capability = 0, extension = 0, memory_model = 0, entry_point = 0, mode = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i][0] == 17) last_capability = i;
    if (out[i][0] == 10 && extension == 0) extension = i;
    if (out[i][0] == 14) memory_model = i;
    if (out[i][0] == 15) entry_point = i;
    if (out[i][0] == 16 && out[i][2] == 4461 && mode == 0) mode = i;
  }
  EXPECT_LT(last_capability, extension);
  EXPECT_LT(extension, memory_model);
  EXPECT_LT(entry_point, mode);
  // Only the widths the device guarantees and the module uses; nothing when none.
  EXPECT_EQ(WithIeeeSpecials(spirv, {true, false})->size(), spirv.size() + 2 + 7 + 4);
  EXPECT_EQ(*WithIeeeSpecials(spirv, {false, false}), spirv);
  EXPECT_FALSE(WithIeeeSpecials(std::vector<uint32_t>{1, 2, 3}, {true, true}).ok());
  std::vector<uint32_t> truncated = spirv;
  truncated.resize(7);
  truncated[5] = (100u << 16) | 17u;  // an instruction longer than the module
  EXPECT_FALSE(WithIeeeSpecials(truncated, {true, true}).ok());
}

}  // namespace
}  // namespace cotangent::vulkan
