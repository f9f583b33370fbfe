// File: backends/vulkan/grid.cc
// Splitting strided iteration spaces into dispatches, and workgroup counts.

#include "backends/vulkan/grid.h"

#include <algorithm>

namespace cotangent::vulkan {

absl::Status ForEachSubspace(const StridedSpace& space, int64_t max_rank,
                             const std::function<absl::Status(const StridedSpace&)>& fn) {
  if (space.rank() <= max_rank) return fn(space);
  const int64_t outer = space.rank() - max_rank;
  StridedSpace sub;
  sub.shape.assign(space.shape.begin() + outer, space.shape.end());
  sub.strides.resize(space.strides.size());
  for (size_t k = 0; k < space.strides.size(); ++k) {
    sub.strides[k].assign(space.strides[k].begin() + outer, space.strides[k].end());
  }
  const Dims outer_shape(space.shape.begin(), space.shape.begin() + outer);
  const int64_t count = NumElements(outer_shape);
  Dims index(outer, 0);
  for (int64_t p = 0; p < count; ++p) {
    sub.offsets = space.offsets;
    for (int64_t d = 0; d < outer; ++d) {
      for (size_t k = 0; k < space.strides.size(); ++k) {
        sub.offsets[k] += index[d] * space.strides[k][d];
      }
    }
    if (absl::Status status = fn(sub); !status.ok()) return status;
    for (int64_t d = outer; d-- > 0;) {
      if (++index[d] < outer_shape[d]) break;
      index[d] = 0;
    }
  }
  return absl::OkStatus();
}

uint32_t GridGroups(int64_t count, uint32_t workgroup, uint32_t max_groups) {
  const int64_t groups = (count + workgroup - 1) / workgroup;
  return static_cast<uint32_t>(std::clamp<int64_t>(groups, 1, max_groups));
}

}  // namespace cotangent::vulkan
