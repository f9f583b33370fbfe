// File: backends/vulkan/generated_kernels.cc
// The shared pieces of generated kernels (generated_kernels.h).

#include "backends/vulkan/generated_kernels.h"

#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/grid.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {

std::string Header(absl::Span<const DType> dtypes) {
  return absl::StrCat("#version 450\n", TypeExtensions(dtypes),
                      "layout(local_size_x_id = 0) in;\n");
}

const char* BitsType(DType dtype) {
  const int64_t size = DTypeSize(dtype);
  return size == 1 ? "uint8_t" : size == 4 ? "uint" : "uvec2";
}

std::string Decompose(const std::string& var, absl::Span<const int64_t> shape,
                      const std::vector<std::vector<int64_t>>& strides,
                      const std::vector<std::string>& names) {
  std::string s = absl::StrCat("    uint rest = ", var, ";\n");
  for (int64_t a = static_cast<int64_t>(shape.size()) - 1; a >= 0; --a) {
    absl::StrAppend(&s, "    { const uint i = rest % ", shape[a], "u; rest /= ", shape[a], "u;");
    for (size_t k = 0; k < names.size(); ++k) {
      if (strides[k][a] != 0) absl::StrAppend(&s, " ", names[k], " += i * ", strides[k][a], "u;");
    }
    absl::StrAppend(&s, " }\n");
  }
  return s;
}

absl::Status DispatchGenerated(KernelContext& ctx, const std::string& source, const char* name,
                               absl::Span<const BufferUse> buffers, absl::Span<const uint32_t> push,
                               int64_t invocations) {
  const uint32_t spec[] = {kGeneratedWorkgroup};
  COTANGENT_ASSIGN_OR_RETURN(const Pipeline* pipeline,
                             ctx.kernels->Get(source, static_cast<uint32_t>(buffers.size()), spec,
                                              [&]() { return ctx.glsl->Compile(source, name); }));
  return ctx.stream->Dispatch(*pipeline, buffers, push,
                              {GridGroups(invocations, kGeneratedWorkgroup, ctx.max_groups), 1, 1});
}

}  // namespace cotangent::vulkan
