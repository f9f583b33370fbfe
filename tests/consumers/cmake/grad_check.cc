// File: tests/consumers/cmake/grad_check.cc
// The program of the CMake and pkg-config consumers (tools/consumers.sh): the gradient of
// f(x) = sum(sin(x) * x * x) against its closed form f'(x) = cos(x) x^2 + 2 x sin(x), in f64 on
// the backend COTANGENT_BACKEND names. On Vulkan the reductions run SPIR-V kernels embedded in
// the installed library. Prints the gradient; exits 1 on a mismatch, or on a Cotangent error.

#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "cotangent/cotangent.h"

namespace ct = cotangent;

int main() {
  try {
    auto f = [](const ct::Tensor& x) { return ct::sum(ct::sin(x) * x * x); };
    const std::vector<double> xs = {0.3, -1.2, 0.8};
    const ct::Tensor x = ct::tensor({0.3, -1.2, 0.8}, {3}, ct::f64);
    const std::vector<double> g = ct::grad(f)(x).to_vector<double>();
    bool ok = g.size() == xs.size();
    for (std::size_t i = 0; ok && i < xs.size(); ++i) {
      const double want = std::cos(xs[i]) * xs[i] * xs[i] + 2 * xs[i] * std::sin(xs[i]);
      std::printf("grad[%zu] = %.15f (closed form %.15f)\n", i, g[i], want);
      ok = std::abs(g[i] - want) <= 1e-12 * (1 + std::abs(want));
    }
    std::printf("grad_check on %s: %s\n", ct::device_of(x).c_str(), ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grad_check: %s\n", e.what());
    return 1;
  }
}
