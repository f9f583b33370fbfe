// File: backends/vulkan/glsl_compiler.h
// GLSL -> SPIR-V at run time with the glslang library, for kernels generated per primitive and
// dtype (elementwise_kernels.h). Compiled kernels are cached as pipelines by KernelCache, so
// each source is compiled once per process.

#ifndef COTANGENT_BACKENDS_VULKAN_GLSL_COMPILER_H_
#define COTANGENT_BACKENDS_VULKAN_GLSL_COMPILER_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cotangent::vulkan {

class GlslCompiler {
 public:
  // Initializes glslang for the process (once; later calls share it).
  static absl::StatusOr<std::unique_ptr<GlslCompiler>> Create();

  // Compiles a compute shader (GLSL 450, Vulkan 1.1, SPIR-V 1.3). An Internal error carries
  // glslang's log and the numbered source lines, since generated code should always compile.
  absl::StatusOr<std::vector<uint32_t>> Compile(std::string_view source, std::string_view name);

  int64_t compiled() const { return compiled_; }

 private:
  GlslCompiler() = default;

  int64_t compiled_ = 0;
};

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_GLSL_COMPILER_H_
