// File: backends/vulkan/glsl_compiler.cc
// glslang's C++ API: parse, link, GlslangToSpv.

#include "backends/vulkan/glsl_compiler.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "glslang/Public/ResourceLimits.h"
#include "glslang/Public/ShaderLang.h"
#include "glslang/SPIRV/GlslangToSpv.h"

namespace cotangent::vulkan {
namespace {

std::string Numbered(std::string_view source) {
  std::string out;
  int line = 1;
  for (absl::string_view text : absl::StrSplit(absl::string_view(source.data(), source.size()),
                                               '\n')) {
    absl::StrAppend(&out, line++, ": ", text, "\n");
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GlslCompiler>> GlslCompiler::Create() {
  static const bool initialized = glslang::InitializeProcess();
  if (!initialized) return absl::InternalError("vulkan: glslang::InitializeProcess failed");
  return std::unique_ptr<GlslCompiler>(new GlslCompiler());
}

absl::StatusOr<std::vector<uint32_t>> GlslCompiler::Compile(std::string_view source,
                                                            std::string_view name) {
  const std::string name_str(name);
  const char* text = source.data();
  const int length = static_cast<int>(source.size());
  const char* file = name_str.c_str();
  glslang::TShader shader(EShLangCompute);
  shader.setStringsWithLengthsAndNames(&text, &length, &file, 1);
  shader.setEnvInput(glslang::EShSourceGlsl, EShLangCompute, glslang::EShClientVulkan, 100);
  shader.setEnvClient(glslang::EShClientVulkan, glslang::EShTargetVulkan_1_1);
  shader.setEnvTarget(glslang::EShTargetSpv, glslang::EShTargetSpv_1_3);
  const auto messages = static_cast<EShMessages>(EShMsgSpvRules | EShMsgVulkanRules);
  if (!shader.parse(GetDefaultResources(), 450, false, messages)) {
    return absl::InternalError(absl::StrCat("vulkan: generated kernel ", name_str,
                                            " does not compile:\n", shader.getInfoLog(),
                                            Numbered(source)));
  }
  glslang::TProgram program;
  program.addShader(&shader);
  if (!program.link(messages)) {
    return absl::InternalError(absl::StrCat("vulkan: generated kernel ", name_str,
                                            " does not link:\n", program.getInfoLog()));
  }
  std::vector<unsigned int> spirv;
  glslang::SpvOptions options;
  options.disableOptimizer = true;  // the driver optimizes; keeps compiles fast
  glslang::GlslangToSpv(*program.getIntermediate(EShLangCompute), spirv, &options);
  ++compiled_;
  return std::vector<uint32_t>(spirv.begin(), spirv.end());
}

}  // namespace cotangent::vulkan
