// File: benchmarks/torch_benchmark.cc
// Workloads W1-W5 of docs/benchmarks.md in LibTorch's C++ API (libtorch-dev 1.13), the
// library a C++ user would pick instead of Cotangent: the main peer of benchmarks/compare.sh.
// Benchmark names (and arguments) are hessian_benchmark's, so the rows pair up; each row is
// named after the composition LibTorch actually uses:
// - HVPs by double backward (reverse-over-reverse): the gradient with create_graph=true, then
//   its vector-Jacobian product with V. LibTorch's C++ forward mode (at::_make_dual) is an
//   internal API, so there are no forward-over-reverse rows.
// - Full Hessians row by row: 1.13's C++ torch::autograd::grad has no is_grads_batched (the
//   batched grad is Python-only) and there is no C++ functional hessian, so the competent C++
//   version is one backward pass through the gradient per row, the graph retained.
// main() and the flags are benchmarks/bench_main.cc's; --threads sets at::set_num_threads
// (torch_threads.cc).

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "benchmarks/check_inputs.h"
#include "benchmarks/torch_support.h"

namespace {

using torch::Tensor;
using Fn = std::function<Tensor(const Tensor&)>;

// ---- the workloads, as benchmarks/workloads.h defines them ----

Tensor CookbookF(const Tensor& x) { return torch::tanh(x).square().sum(); }

constexpr int64_t kMlpParams = 2 * 32 + 32 + 32 * 32 + 32 + 32 * 1 + 1;

Tensor MlpLoss(const Tensor& p, const Tensor& x, const Tensor& y) {
  int64_t at = 0;
  const auto take = [&](std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    Tensor t = p.slice(0, at, at + n).reshape(shape);
    at += n;
    return t;
  };
  const Tensor w1 = take({2, 32}), b1 = take({32}), w2 = take({32, 32}), b2 = take({32}),
               w3 = take({32, 1}), b3 = take({1});
  const Tensor h1 = torch::tanh(torch::matmul(x, w1) + b1);
  const Tensor h2 = torch::tanh(torch::matmul(h1, w2) + b2);
  return (torch::matmul(h2, w3) + b3 - y).square().mean();
}

Tensor Rosenbrock(const Tensor& x) {
  const int64_t n = x.size(0);
  const Tensor head = x.slice(0, 0, n - 1), tail = x.slice(0, 1, n);
  return (100.0 * (tail - head.square()).square() + (1.0 - head).square()).sum();
}

constexpr int kChainOps = 1250;
Tensor Chain(const Tensor& x0) {
  Tensor x = x0;
  for (int i = 0; i < kChainOps / 5; ++i) x = torch::sin(x) * 1.01 + 0.1 - x * 0.001;
  return x;
}

// ---- derivatives ----

Tensor Grad(const Fn& f, const Tensor& x, bool create_graph = false) {
  return torch::autograd::grad({f(x)}, {x}, {}, c10::nullopt, create_graph)[0];
}

// Hessian-vector product by double backward: d/dx <grad f(x), v>.
Tensor Hvp(const Fn& f, const Tensor& x, const Tensor& v) {
  const Tensor g = Grad(f, x, /*create_graph=*/true);
  return torch::autograd::grad({g}, {x}, {v})[0];
}

// Full Hessian, one backward through the gradient per row (see the banner).
Tensor Hessian(const Fn& f, const Tensor& x) {
  const Tensor g = Grad(f, x, /*create_graph=*/true).reshape({-1});
  const int64_t n = g.numel();
  std::vector<Tensor> rows;
  rows.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    rows.push_back(torch::autograd::grad({g[i]}, {x}, {}, /*retain_graph=*/true)[0].reshape({-1}));
  }
  return torch::stack(rows);
}

Tensor Leaf(Tensor t) { return t.detach().requires_grad_(true); }

// ---- benchmarks ----

void Consume(const Tensor& t) { benchmark::DoNotOptimize(t.data_ptr()); }

void BM_W1_HVP_RevOverRev(benchmark::State& state) {
  const Tensor x = Leaf(torch::randn({state.range(0), state.range(1)}));
  const Tensor v = torch::randn({state.range(0), state.range(1)});
  for (auto _ : state) Consume(Hvp(CookbookF, x, v));
}

void BM_W1_Hessian_RevOverRev(benchmark::State& state) {
  const Tensor x = Leaf(torch::randn({state.range(0), state.range(1)}));
  for (auto _ : state) Consume(Hessian(CookbookF, x));
}

struct W2 {
  Tensor p, x, y;
  explicit W2(int64_t batch)
      : p(Leaf(torch::randn({kMlpParams}) * 0.3)),
        x(torch::randn({batch, 2})),
        y(torch::randn({batch, 1})) {}
  Fn loss() const {
    return [this](const Tensor& q) { return MlpLoss(q, x, y); };
  }
};

void BM_W2_Grad(benchmark::State& state) {
  const W2 w(state.range(0));
  const Fn loss = w.loss();
  for (auto _ : state) Consume(Grad(loss, w.p));
}

void BM_W2_Hessian_RevOverRev(benchmark::State& state) {
  const W2 w(state.range(0));
  const Fn loss = w.loss();
  for (auto _ : state) Consume(Hessian(loss, w.p));
}

void BM_W3_Rosenbrock_RevOverRev(benchmark::State& state) {
  const Tensor x = Leaf(torch::rand({state.range(0)}, torch::kFloat64) * 4 - 2);
  for (auto _ : state) Consume(Hessian(Rosenbrock, x));
}

void SetPerOp(benchmark::State& state) {
  state.counters["per_op"] = benchmark::Counter(
      kChainOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_W4_Chain_Forward(benchmark::State& state) {
  const Tensor x = torch::tensor(0.5, torch::kFloat64);
  for (auto _ : state) Consume(Chain(x));
  SetPerOp(state);
}

void BM_W4_Chain_Grad(benchmark::State& state) {
  const Tensor x = Leaf(torch::tensor(0.5, torch::kFloat64));
  for (auto _ : state) Consume(Grad(Chain, x));
  SetPerOp(state);
}

void BM_W5_Matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  const Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  for (auto _ : state) Consume(torch::mm(a, b));
  state.counters["flops"] =
      benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

// The deterministic inputs of benchmarks/check_inputs.h.
}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  const WorkloadSizes sizes = Sizes(smoke);
  const auto add = [&](const char* name, void (*fn)(benchmark::State&), const ArgLists& args,
                       benchmark::TimeUnit unit) { Register(name, fn, args, unit, smoke); };
  add("BM_W1_HVP_RevOverRev", BM_W1_HVP_RevOverRev, sizes.w1, benchmark::kMicrosecond);
  add("BM_W1_Hessian_RevOverRev", BM_W1_Hessian_RevOverRev, sizes.w1, benchmark::kMillisecond);
  add("BM_W2_Grad", BM_W2_Grad, sizes.w2, benchmark::kMicrosecond);
  add("BM_W2_Hessian_RevOverRev", BM_W2_Hessian_RevOverRev, sizes.w2, benchmark::kMillisecond);
  add("BM_W3_Rosenbrock_RevOverRev", BM_W3_Rosenbrock_RevOverRev, sizes.w3,
      benchmark::kMillisecond);
  add("BM_W4_Chain_Forward", BM_W4_Chain_Forward, {{}}, benchmark::kMicrosecond);
  add("BM_W4_Chain_Grad", BM_W4_Chain_Grad, {{}}, benchmark::kMicrosecond);
  add("BM_W5_Matmul", BM_W5_Matmul, sizes.w5, benchmark::kMillisecond);
}

void PrintChecks() {
  const int64_t r = kCheckW1Rows, c = kCheckW1Cols;
  const Tensor x1 = Leaf(CheckTensor(CheckValues(r * c, 1.0, 0.1), {r, c}, torch::kFloat32));
  const Tensor v1 = CheckTensor(CheckValues(r * c, 1.0, 1.3), {r, c}, torch::kFloat32);
  PrintCheck("W1_HVP", Values(Hvp(CookbookF, x1, v1)));
  PrintCheck("W1_Hessian", Values(Hessian(CookbookF, x1)));

  const Tensor p =
      Leaf(CheckTensor(CheckValues(kMlpParams, 0.3, 0.2), {kMlpParams}, torch::kFloat32));
  const Tensor x2 =
      CheckTensor(CheckValues(kCheckW2Batch * 2, 1.0, 0.7), {kCheckW2Batch, 2}, torch::kFloat32);
  const Tensor y2 =
      CheckTensor(CheckValues(kCheckW2Batch, 1.0, 2.1), {kCheckW2Batch, 1}, torch::kFloat32);
  const Fn loss = [&](const Tensor& q) { return MlpLoss(q, x2, y2); };
  PrintCheck("W2_Grad", Values(Grad(loss, p)));
  PrintCheck("W2_Hessian", Values(Hessian(loss, p)));

  const Tensor x3 =
      Leaf(CheckTensor(CheckValues(kCheckW3N, 1.5, 0.4), {kCheckW3N}, torch::kFloat64));
  PrintCheck("W3_Hessian", Values(Hessian(Rosenbrock, x3)));

  const Tensor x4 = Leaf(torch::tensor(kCheckW4X, torch::kFloat64));
  PrintCheck("W4_Forward", Values(Chain(x4)));
  PrintCheck("W4_Grad", Values(Grad(Chain, x4)));
}

}  // namespace cotangent::bench
