// File: tests/consumers/bazel/grad_check.cc
// The program of the Bazel consumer (tools/consumers.sh): first and second derivatives of tanh
// through grad and grad(grad), against their closed forms 1 - tanh^2 and -2 tanh (1 - tanh^2),
// in f64. Prints them; exits 1 on a mismatch, or on a Cotangent error.

#include <cmath>
#include <cstdio>
#include <exception>

#include "cotangent/cotangent.h"

namespace ct = cotangent;

int main() {
  try {
    auto f = [](const ct::Tensor& x) { return ct::tanh(x); };
    const double x = 0.7;
    const double t = std::tanh(x);
    const double d1 = ct::grad(f)(ct::scalar(x, ct::f64)).item<double>();
    const double d2 = ct::grad(ct::grad(f))(ct::scalar(x, ct::f64)).item<double>();
    const double want1 = 1 - t * t;
    const double want2 = -2 * t * (1 - t * t);
    std::printf("grad(tanh)(%.1f) = %.15f (closed form %.15f)\n", x, d1, want1);
    std::printf("grad(grad(tanh))(%.1f) = %.15f (closed form %.15f)\n", x, d2, want2);
    const bool ok = std::abs(d1 - want1) <= 1e-12 && std::abs(d2 - want2) <= 1e-12;
    std::printf("grad_check (Bazel consumer): %s\n", ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grad_check: %s\n", e.what());
    return 1;
  }
}
