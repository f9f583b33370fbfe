// File: benchmarks/check_inputs.h
// The fixed inputs of the --check cases (bench_main.h), defined once in plain C++ so that
// Cotangent, LibTorch and ADOL-C build identical ones: every library's random generator is
// different, so the timed inputs differ between peers, but these do not.

#ifndef COTANGENT_BENCHMARKS_CHECK_INPUTS_H_
#define COTANGENT_BENCHMARKS_CHECK_INPUTS_H_

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace cotangent::bench {

// values[i] = scale * sin(0.37 i + phase): smooth, distinct, no zeros at the boundaries.
inline std::vector<double> CheckValues(int64_t n, double scale, double phase) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = scale * std::sin(0.37 * i + phase);
  return v;
}

// The cases: W1 on 3x4 (X phase 0.1, V phase 1.3), W2 with batch 4 (params scale 0.3 phase
// 0.2, x [4, 2] phase 0.7, y [4, 1] phase 2.1), W3 at n = 10 (scale 1.5, phase 0.4), W4 at 0.5.
inline constexpr int64_t kCheckW1Rows = 3, kCheckW1Cols = 4, kCheckW2Batch = 4, kCheckW3N = 10;
inline constexpr double kCheckW4X = 0.5;

// One line per value: the sum and the sum of magnitudes, which compare.py compares with a
// tolerance relative to the latter (a sum alone can cancel to noise).
inline void PrintCheck(const char* name, const std::vector<double>& values) {
  double sum = 0, abs_sum = 0;
  for (double v : values) {
    sum += v;
    abs_sum += std::fabs(v);
  }
  std::printf("check %s sum %.12g abs_sum %.12g\n", name, sum, abs_sum);
}

}  // namespace cotangent::bench

#endif  // COTANGENT_BENCHMARKS_CHECK_INPUTS_H_
