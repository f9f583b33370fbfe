// File: backends/cpu/strided.h
// N-d iteration over several strided operands that share one shape: ForEachRun walks a
// row-major range of positions of a coalesced space (core/layout.h Coalesce) as runs along the
// innermost dimension, and the grain below which the kernels do not split work over threads.

#ifndef COTANGENT_BACKENDS_CPU_STRIDED_H_
#define COTANGENT_BACKENDS_CPU_STRIDED_H_

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>

#include "core/array.h"
#include "core/layout.h"

namespace cotangent::cpu {

// Elements per thread below which splitting a kernel costs more than it saves: waking a worker
// takes some microseconds, about the time of 64K cheap operations (add, copy, compare), or of
// 8K transcendental ones (exp, sin, pow), measured on a 2-core Xeon.
inline constexpr int64_t kParallelGrain = 64 * 1024;
inline constexpr int64_t kParallelGrainTranscendental = 8 * 1024;

// Calls run(offsets, n) for the row-major positions [begin, end) of `loop`, a space of N
// operands, split into runs of n consecutive positions along the innermost dimension;
// offsets[k] is operand k's element offset of the run's first position (relative to the
// space's own offsets, which are not added), and the run advances by loop.inner_stride(k).
// The stride of x along the output's row-major positions when that is one number: 1 when x
// has the (dense) output's strides, 0 when all its strides are 0 (a broadcast scalar), else -1
// (walk a coalesced space).
inline int64_t FlatStride(const Array& x, const Array& out) {
  if (x.strides == out.strides) return 1;
  for (int64_t s : x.strides) {
    if (s != 0) return -1;
  }
  return 0;
}

template <int N, typename Run>
void ForEachRun(const StridedSpace& loop, int64_t begin, int64_t end, Run&& run) {
  assert(loop.strides.size() == N);
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
