// File: backends/vulkan/layout.h
// Host-side shaping of strided kernels: dimensions of several operands that share one
// iteration shape are coalesced (size-1 dimensions dropped, neighbours merged where every
// operand steps over them as over one), and iteration spaces of a rank beyond what a kernel's
// push constants hold are split into several dispatches over the outer dimensions.

#ifndef COTANGENT_BACKENDS_VULKAN_LAYOUT_H_
#define COTANGENT_BACKENDS_VULKAN_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/shape.h"

namespace cotangent::vulkan {

// An iteration space: position (i0, i1, ...) of operand k is at element offsets[k] +
// sum_d i_d * strides[k][d].
struct StridedSpace {
  Shape shape;
  std::vector<int64_t> offsets;
  std::vector<Strides> strides;

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t size() const { return NumElements(shape); }
};

// The space over `shape` with each operand's offset and strides, coalesced. Row-major
// position order is kept (so a dense operand stays dense).
StridedSpace Coalesce(absl::Span<const int64_t> shape, absl::Span<const int64_t> offsets,
                      absl::Span<const Strides> strides);

// Calls fn(sub) for subspaces of rank <= max_rank covering `space` in row-major order: the
// outer dimensions are iterated here, their contribution folded into the offsets.
absl::Status ForEachSubspace(const StridedSpace& space, int64_t max_rank,
                             const std::function<absl::Status(const StridedSpace&)>& fn);

// Number of workgroups of `workgroup` invocations for a grid-stride loop over `count`
// elements: enough to cover it, at most `max_groups`.
uint32_t GridGroups(int64_t count, uint32_t workgroup, uint32_t max_groups);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_LAYOUT_H_
