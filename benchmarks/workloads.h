// File: benchmarks/workloads.h
// The benchmark workloads of docs/benchmarks.md, defined once: W1 the cookbook HVP function,
// W2 a 2-32-32-1 tanh MLP loss over a flat parameter vector, W3 Rosenbrock, W4 a chain of
// scalar ops. benchmarks/compare_functorch.py defines the same functions for PyTorch.

#ifndef COTANGENT_BENCHMARKS_WORKLOADS_H_
#define COTANGENT_BENCHMARKS_WORKLOADS_H_

#include <cstdint>

#include "cotangent/cotangent.h"

namespace cotangent::bench {

// W1: f(X) = sum(tanh(X)^2).
inline Tensor CookbookF(const Tensor& x) { return sum(square(tanh(x))); }

// W2: a 2-32-32-1 tanh MLP, mean squared error over a batch; the parameters are one flat
// vector of 1185 numbers: W1 (2x32), b1, W2 (32x32), b2, W3 (32x1), b3.
inline constexpr int64_t kMlpParams = 2 * 32 + 32 + 32 * 32 + 32 + 32 * 1 + 1;

inline Tensor MlpLoss(const Tensor& p, const Tensor& x, const Tensor& y) {
  int64_t at = 0;
  const auto take = [&](Shape shape) {
    const int64_t n = NumElements(shape);
    Tensor t = reshape(slice(p, {at}, {at + n}), shape);
    at += n;
    return t;
  };
  const Tensor w1 = take({2, 32}), b1 = take({32}), w2 = take({32, 32}), b2 = take({32}),
               w3 = take({32, 1}), b3 = take({1});
  const Tensor h1 = tanh(matmul(x, w1) + b1);
  const Tensor h2 = tanh(matmul(h1, w2) + b2);
  return mean(square(matmul(h2, w3) + b3 - y));
}

// W3: sum(100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2).
inline Tensor Rosenbrock(const Tensor& x) {
  const int64_t n = x.shape()[0];
  const Tensor head = slice(x, {0}, {n - 1}), tail = slice(x, {1}, {n});
  return sum(100.0 * square(tail - square(head)) + square(1.0 - head));
}

// W4: 250 times x = sin(x) * 1.01 + 0.1 - x * 0.001: 1250 scalar ops.
inline constexpr int kChainOps = 1250;
inline Tensor Chain(const Tensor& x0) {
  Tensor x = x0;
  for (int i = 0; i < kChainOps / 5; ++i) x = sin(x) * 1.01 + 0.1 - x * 0.001;
  return x;
}

}  // namespace cotangent::bench

#endif  // COTANGENT_BENCHMARKS_WORKLOADS_H_
