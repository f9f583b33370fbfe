// File: backends/vulkan/layout.cc
// Coalescing and splitting of strided iteration spaces.

#include "backends/vulkan/layout.h"

#include <algorithm>

namespace cotangent::vulkan {

StridedSpace Coalesce(absl::Span<const int64_t> shape, absl::Span<const int64_t> offsets,
                      absl::Span<const Strides> strides) {
  const size_t n = offsets.size();
  StridedSpace space;
  space.offsets.assign(offsets.begin(), offsets.end());
  space.strides.resize(n);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    // Merge into the previous (outer) dimension when it steps over this one as one dimension.
    bool merge = !space.shape.empty() && shape[d] != 0 && space.shape.back() != 0;
    for (size_t k = 0; k < n && merge; ++k) {
      merge = space.strides[k].back() == strides[k][d] * shape[d];
    }
    if (merge) {
      space.shape.back() *= shape[d];
      for (size_t k = 0; k < n; ++k) space.strides[k].back() = strides[k][d];
    } else {
      space.shape.push_back(shape[d]);
      for (size_t k = 0; k < n; ++k) space.strides[k].push_back(strides[k][d]);
    }
  }
  return space;
}

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
  Shape outer_shape(space.shape.begin(), space.shape.begin() + outer);
  const int64_t count = NumElements(outer_shape);
  Shape index(outer, 0);
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
