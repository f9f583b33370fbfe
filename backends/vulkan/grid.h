// File: backends/vulkan/grid.h
// The dispatch grid of strided kernels: iteration spaces (core/layout.h, already coalesced)
// of a rank beyond what a kernel's push constants hold are split into several dispatches over
// the outer dimensions, and grid-stride loops get a number of workgroups.

#ifndef COTANGENT_BACKENDS_VULKAN_GRID_H_
#define COTANGENT_BACKENDS_VULKAN_GRID_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "core/layout.h"

namespace cotangent::vulkan {

// Calls fn(sub) for subspaces of rank <= max_rank covering `space` in row-major order: the
// outer dimensions are iterated here, their contribution folded into the offsets.
absl::Status ForEachSubspace(const StridedSpace& space, int64_t max_rank,
                             const std::function<absl::Status(const StridedSpace&)>& fn);

// Number of workgroups of `workgroup` invocations for a grid-stride loop over `count`
// elements: enough to cover it, at most `max_groups`.
uint32_t GridGroups(int64_t count, uint32_t workgroup, uint32_t max_groups);

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_GRID_H_
