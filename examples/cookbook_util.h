// File: examples/cookbook_util.h
// Printing and timing helpers shared by the two halves of the autodiff cookbook example
// (examples/autodiff_cookbook.cc, examples/custom_derivatives.cc): section headers as in the
// notebooks, Python-style shapes, numpy's allclose, and the median time of a few calls.

#ifndef COTANGENT_EXAMPLES_COOKBOOK_UTIL_H_
#define COTANGENT_EXAMPLES_COOKBOOK_UTIL_H_

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"

namespace cookbook {

namespace ct = ::cotangent;

// "#", "##" or "###" headers, as the notebook's markdown cells.
inline void Header(int level, const std::string& title) {
  std::cout << "\n" << std::string(level, '#') << " " << title << "\n";
}

// Python's print(label, x): the label, a space, and numpy's str() of x.
inline void Print(const std::string& label, const ct::Tensor& x) {
  std::cout << label << " " << x << "\n";
}

// A shape as Python prints a tuple: (4, 3), (3,), ().
inline std::string PyShape(const ct::Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

// numpy's allclose(a, b, rtol, atol): |a - b| <= atol + rtol |b| everywhere.
inline bool AllClose(const ct::Tensor& a, const ct::Tensor& b, double rtol = 1e-5,
                     double atol = 1e-8) {
  const ct::Tensor excess = ct::abs(a - b) - (atol + rtol * ct::abs(b));
  return ct::max(excess).item<double>() <= 0;
}

// The number of checks (allclose, check_grads) that failed. main exits with 1 when it is not
// 0, so the smoke test catches a wrong result, not only a crash.
inline int& FailedChecks() {
  static int failed = 0;
  return failed;
}

// "True" / "False", as Python prints a bool; a False is a failed check.
inline const char* PyBool(bool b) {
  if (!b) ++FailedChecks();
  return b ? "True" : "False";
}

// The median wall time of `runs` calls of f (which returns a Tensor), in milliseconds, each
// waiting for its result as JAX's %timeit of a block_until_ready'd call would.
template <typename F>
double MedianMs(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f().block_until_ready();
    const auto stop = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Prints a timing line in the spirit of %timeit: "median of 5 runs: 1.23 ms per call".
inline void Timing(const std::string& label, int runs, double ms) {
  std::cout << label << "\n  median of " << runs << " runs: " << std::setprecision(3) << ms
            << std::setprecision(6) << " ms per call\n";
}

// Settings for one run of the example: --fast (the smoke test) shrinks the timing loops.
struct Options {
  bool fast = false;
  int runs() const { return fast ? 1 : 7; }
};

// The custom-derivatives half (examples/custom_derivatives.cc).
void CustomDerivatives();

}  // namespace cookbook

#endif  // COTANGENT_EXAMPLES_COOKBOOK_UTIL_H_
