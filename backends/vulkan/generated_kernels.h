// File: backends/vulkan/generated_kernels.h
// What the kernels generated per shape (ops_indexing.cc, ops_sort.cc, ops_conv.cc) share: pieces of their
// GLSL (the header, the type an element moves as, the index arithmetic of a strided position
// with every shape and stride a constant) and their dispatch (compiled once, cached by source).

#ifndef COTANGENT_BACKENDS_VULKAN_GENERATED_KERNELS_H_
#define COTANGENT_BACKENDS_VULKAN_GENERATED_KERNELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "backends/vulkan/kernel_context.h"
#include "core/dtype.h"

namespace cotangent::vulkan {

// "#version 450", the extensions the dtypes need (elementwise_kernels.h TypeExtensions), and
// the workgroup size as specialization constant 0.
std::string Header(absl::Span<const DType> dtypes);

// GLSL for an element moved as bits: uint8_t (1 byte), uint (4 bytes), uvec2 (8 bytes).
const char* BitsType(DType dtype);

// Statements that decompose position `var` over `shape` (row-major, innermost first) and add
// index i of axis a times strides[k][a] to offset variable names[k].
std::string Decompose(const std::string& var, absl::Span<const int64_t> shape,
                      const std::vector<std::vector<int64_t>>& strides,
                      const std::vector<std::string>& names);

// The workgroup size of generated kernels.
inline constexpr uint32_t kGeneratedWorkgroup = 256;

// Compiles `source` (once per process: cached by its text; `name` in compile errors) and
// records it over `invocations` grid-stride invocations with `buffers` bound at 0..n-1.
absl::Status DispatchGenerated(KernelContext& ctx, const std::string& source, const char* name,
                               absl::Span<const BufferUse> buffers, absl::Span<const uint32_t> push,
                               int64_t invocations);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_GENERATED_KERNELS_H_
