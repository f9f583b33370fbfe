// File: benchmarks/lax_sizes.h
// The sizes and inputs of the lax rows (benchmarks/lax_benchmark.cc and its LibTorch twin,
// torch_lax_benchmark.cc), defined once in plain C++ so that both binaries time the same work
// and their --check cases compute the same numbers: embedding-style row gathers and scatters,
// and a 3x3 convolution with SAME padding, NCHW / OIHW (PyTorch's layout).

#ifndef COTANGENT_BENCHMARKS_LAX_SIZES_H_
#define COTANGENT_BENCHMARKS_LAX_SIZES_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "benchmarks/bench_main.h"

namespace cotangent::bench {

// rows: {table rows V, row width D, lookups B}; conv: {batch N, channels C, side H (= W),
// output channels K}.
struct LaxSizes {
  ArgLists rows, conv;
};
inline LaxSizes LaxSizesFor(bool smoke) {
  if (smoke) return {{{64, 8, 32}}, {{2, 4, 8, 4}}};
  return {{{50000, 64, 16384}}, {{32, 32, 28, 64}}};
}

// Registers the row benchmarks (microseconds) on LaxSizesFor(smoke).rows and the
// convolution ones (milliseconds) on .conv.
using NamedBenchmarks = std::vector<std::pair<const char*, void (*)(benchmark::State&)>>;
inline void RegisterLaxRows(bool smoke, const NamedBenchmarks& rows, const NamedBenchmarks& conv) {
  const LaxSizes sizes = LaxSizesFor(smoke);
  for (const auto& [name, fn] : rows)
    Register(name, fn, sizes.rows, benchmark::kMicrosecond, smoke);
  for (const auto& [name, fn] : conv)
    Register(name, fn, sizes.conv, benchmark::kMillisecond, smoke);
}

// B row numbers in [0, V) spread by a multiplicative hash (some repeat, as a batch's tokens).
inline std::vector<int64_t> RowIndices(int64_t rows, int64_t lookups) {
  std::vector<int64_t> idx(static_cast<size_t>(lookups));
  for (int64_t i = 0; i < lookups; ++i) idx[i] = (i * 2654435761LL) % rows;
  return idx;
}

// Bytes a row benchmark must move at least: gather reads and writes B rows; a scatter also
// writes the whole table (a new array) and reads it (scatter_max; scatter_add starts from
// zeros, which it writes).
inline double GatherBytes(int64_t rows, int64_t width, int64_t lookups) {
  (void)rows;
  return 2.0 * lookups * width * 4;
}
inline double ScatterBytes(int64_t rows, int64_t width, int64_t lookups) {
  return 2.0 * rows * width * 4 + 2.0 * lookups * width * 4;
}
// Multiply-adds of the forward convolution, times 2: FLOPs (the gradient is twice that again).
inline double ConvFlops(int64_t n, int64_t c, int64_t h, int64_t k) {
  return 2.0 * n * k * h * h * c * 9;
}

// The --check cases: a 7 x 3 table, rows {3, 0, 3, 6, 1}; a [2, 3, 5, 5] input and a
// [4, 3, 3, 3] kernel. Values from CheckValues (benchmarks/check_inputs.h).
inline constexpr int64_t kCheckTableRows = 7, kCheckTableWidth = 3;
inline const std::vector<int64_t> kCheckRows = {3, 0, 3, 6, 1};
inline constexpr int64_t kCheckConvN = 2, kCheckConvC = 3, kCheckConvH = 5, kCheckConvK = 4;

}  // namespace cotangent::bench

#endif  // COTANGENT_BENCHMARKS_LAX_SIZES_H_
