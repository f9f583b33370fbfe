// File: benchmarks/vmap_benchmark.cc
// What vmap buys: per-example gradients by vmap(grad) against a loop of grad calls (N = 1, 16,
// 256), and Jacobians of a 1000-input function by jacfwd/jacrev (vmapped over the basis)
// against a loop of one jvp / vjp per basis vector. Results: docs/vmap.md. main() and its
// flags (--threads) are benchmarks/bench_main.cc's.

#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

// A one-layer regression loss per example: x [16, 64], w [64, 32], y [16, 32].
ct::Tensor Loss(const ct::Tensor& w, const ct::Tensor& x, const ct::Tensor& y) {
  return ct::sum(ct::square(ct::tanh(ct::matmul(x, w)) - y));
}

struct Data {
  ct::Tensor w, X, Y;
  explicit Data(int64_t n) {
    auto [kw, kx, ky] = ct::random::split<3>(ct::random::key(0));
    w = ct::random::normal(kw, {64, 32}) * 0.1;
    X = ct::random::normal(kx, {n, 16, 64});
    Y = ct::random::normal(ky, {n, 16, 32});
  }
};

void BM_PerExampleGrad_Vmap(benchmark::State& state) {
  const Data d(state.range(0));
  const auto per_example = ct::vmap(ct::grad(Loss, 0), {std::nullopt, 0, 0});
  for (auto _ : state) {
    ct::Tensor g = per_example(d.w, d.X, d.Y);
    benchmark::DoNotOptimize(g.to_vector<float>());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PerExampleGrad_Vmap)->Arg(1)->Arg(16)->Arg(256)->Unit(benchmark::kMillisecond);

void BM_PerExampleGrad_Loop(benchmark::State& state) {
  const Data d(state.range(0));
  const auto g = ct::grad(Loss, 0);
  for (auto _ : state) {
    std::vector<ct::Tensor> grads;
    for (int64_t i = 0; i < state.range(0); ++i) grads.push_back(g(d.w, d.X[i], d.Y[i]));
    benchmark::DoNotOptimize(ct::stack(grads).to_vector<float>());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PerExampleGrad_Loop)->Arg(1)->Arg(16)->Arg(256)->Unit(benchmark::kMillisecond);

// f: R^1000 -> R^50, f(x) = tanh(A x).
struct JacobianData {
  ct::Tensor A, x;
  JacobianData() {
    auto [ka, kx] = ct::random::split<2>(ct::random::key(1));
    A = ct::random::normal(ka, {50, 1000}) * 0.03;
    x = ct::random::normal(kx, {1000});
  }
  ct::Tensor operator()(const ct::Tensor& v) const { return ct::tanh(ct::matmul(A, v)); }
};

void BM_Jacfwd1000_Vmap(benchmark::State& state) {
  const JacobianData f;
  for (auto _ : state) benchmark::DoNotOptimize(ct::jacfwd(f)(f.x).to_vector<float>());
}
BENCHMARK(BM_Jacfwd1000_Vmap)->Unit(benchmark::kMillisecond);

void BM_Jacfwd1000_Loop(benchmark::State& state) {
  const JacobianData f;
  const ct::Tensor basis = ct::eye(1000);
  for (auto _ : state) {
    std::vector<ct::Tensor> columns;
    for (int64_t k = 0; k < 1000; ++k) columns.push_back(ct::jvp(f, {f.x}, {basis[k]}).second);
    benchmark::DoNotOptimize(ct::stack(columns, 1).to_vector<float>());
  }
}
BENCHMARK(BM_Jacfwd1000_Loop)->Unit(benchmark::kMillisecond);

void BM_Jacrev1000_Vmap(benchmark::State& state) {
  const JacobianData f;
  for (auto _ : state) benchmark::DoNotOptimize(ct::jacrev(f)(f.x).to_vector<float>());
}
BENCHMARK(BM_Jacrev1000_Vmap)->Unit(benchmark::kMillisecond);

void BM_Jacrev1000_Loop(benchmark::State& state) {
  const JacobianData f;
  const ct::Tensor basis = ct::eye(50);
  for (auto _ : state) {
    auto [y, pullback] = ct::vjp(f, f.x);
    std::vector<ct::Tensor> rows;
    for (int64_t j = 0; j < 50; ++j) rows.push_back(pullback(basis[j])[0]);
    benchmark::DoNotOptimize(ct::stack(rows).to_vector<float>());
  }
}
BENCHMARK(BM_Jacrev1000_Loop)->Unit(benchmark::kMillisecond);

}  // namespace

// The benchmarks above register themselves (BENCHMARK); there are no --check cases here.
namespace cotangent::bench {
void RegisterBenchmarks(bool /*smoke*/) {}
void PrintChecks() {}
}  // namespace cotangent::bench
