// File: backends/cpu/strided.h
// N-d iteration over several strided operands that share one shape: StridedLoop coalesces
// dimensions (so the innermost run is as long as the layouts allow) and ForEachRun walks a
// row-major range of positions as runs along the innermost dimension.

#ifndef COTANGENT_BACKENDS_CPU_STRIDED_H_
#define COTANGENT_BACKENDS_CPU_STRIDED_H_

#include <algorithm>
#include <array>
#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"

namespace cotangent::cpu {

using Dims = absl::InlinedVector<int64_t, 8>;

// Elements per thread below which splitting a kernel costs more than it saves: waking a worker
// takes some microseconds, about the time of 64K cheap operations (add, copy, compare), or of
// 8K transcendental ones (exp, sin, pow), measured on a 2-core Xeon.
inline constexpr int64_t kParallelGrain = 64 * 1024;
inline constexpr int64_t kParallelGrainTranscendental = 8 * 1024;

// An iteration space of N operands: position (i0, i1, ...) of operand k is at element offset
// sum_d i_d * strides[k][d]. Always at least one dimension.
template <int N>
struct StridedLoop {
  Dims shape;
  std::array<Dims, N> strides;

  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  // Stride of operand k along the innermost dimension, i.e. within a run.
  int64_t inner_stride(int k) const { return strides[k].back(); }
};

// The loop over `shape` with each operand's strides, without size-1 dimensions and with each
// dimension merged into its inner neighbour when every operand steps over the pair as over one
// dimension (stride_d == stride_{d+1} * size_{d+1}). Positions keep their row-major order.
template <int N>
StridedLoop<N> MakeLoop(absl::Span<const int64_t> shape,
                        const std::array<absl::Span<const int64_t>, N>& strides) {
  StridedLoop<N> loop;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !loop.shape.empty() && shape[d] != 0 && loop.shape.back() != 0;
    for (int k = 0; k < N && merge; ++k) {
      merge = loop.strides[k].back() == strides[k][d] * shape[d];
    }
    if (merge) {
      loop.shape.back() *= shape[d];
      for (int k = 0; k < N; ++k) loop.strides[k].back() = strides[k][d];
    } else {
      loop.shape.push_back(shape[d]);
      for (int k = 0; k < N; ++k) loop.strides[k].push_back(strides[k][d]);
    }
  }
  if (loop.shape.empty()) {  // A scalar or all-ones shape: one run of length one.
    loop.shape.push_back(1);
    for (int k = 0; k < N; ++k) loop.strides[k].push_back(0);
  }
  return loop;
}

// Calls run(offsets, n) for the row-major positions [begin, end) of the loop, split into runs
// of n consecutive positions along the innermost dimension; offsets[k] is operand k's element
// offset of the run's first position, and the run advances by loop.inner_stride(k).
template <int N, typename Run>
void ForEachRun(const StridedLoop<N>& loop, int64_t begin, int64_t end, Run&& run) {
  const int rank = static_cast<int>(loop.shape.size());
  Dims index(rank, 0);
  std::array<int64_t, N> offsets{};
  int64_t rest = begin;
  for (int d = rank - 1; d >= 0 && rest > 0; --d) {
    index[d] = rest % loop.shape[d];
    rest /= loop.shape[d];
    for (int k = 0; k < N; ++k) offsets[k] += index[d] * loop.strides[k][d];
  }
  const int64_t inner = loop.shape[rank - 1];
  for (int64_t pos = begin; pos < end;) {
    const int64_t n = std::min(inner - index[rank - 1], end - pos);
    run(offsets, n);
    pos += n;
    index[rank - 1] += n;
    for (int k = 0; k < N; ++k) offsets[k] += n * loop.strides[k][rank - 1];
    // Carry into outer dimensions.
    for (int d = rank - 1; d > 0 && index[d] == loop.shape[d]; --d) {
      index[d] = 0;
      ++index[d - 1];
      for (int k = 0; k < N; ++k) {
        offsets[k] += loop.strides[k][d - 1] - loop.shape[d] * loop.strides[k][d];
      }
    }
  }
}

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_STRIDED_H_
