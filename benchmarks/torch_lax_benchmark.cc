// File: benchmarks/torch_lax_benchmark.cc
// lax_benchmark.cc's rows in LibTorch's C++ API (libtorch-dev 1.13), the peer a C++ user
// would pick: index_select for the row gather, index_add_ into a zero table for the embedding
// gradient, index_reduce with "amax" for the scatter max, conv2d forward and autograd for both
// gradients. Same names, sizes (benchmarks/lax_sizes.h) and counters as lax_benchmark.cc;
// --threads sets at::set_num_threads (torch_threads.cc). main() and the flags are
// benchmarks/bench_main.cc's.

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "benchmarks/check_inputs.h"
#include "benchmarks/lax_sizes.h"
#include "benchmarks/torch_support.h"

namespace {

using torch::Tensor;

Tensor Rows(int64_t rows, int64_t lookups) {
  return torch::tensor(cotangent::bench::RowIndices(rows, lookups), torch::kInt64);
}

void Rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] =
      benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Gather_Rows(benchmark::State& state) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const Tensor table = torch::rand({v, d}) * 2 - 1, idx = Rows(v, b);
  for (auto _ : state) benchmark::DoNotOptimize(table.index_select(0, idx));
  Rate(state, "bytes", cotangent::bench::GatherBytes(v, d, b));
}

void BM_ScatterAdd_Rows(benchmark::State& state) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const Tensor u = torch::rand({b, d}) * 2 - 1, idx = Rows(v, b);
  for (auto _ : state) benchmark::DoNotOptimize(torch::zeros({v, d}).index_add_(0, idx, u));
  Rate(state, "bytes", cotangent::bench::ScatterBytes(v, d, b));
}

void BM_ScatterMax_Rows(benchmark::State& state) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const Tensor table = torch::rand({v, d}) * 2 - 1, u = torch::rand({b, d}) * 2 - 1;
  const Tensor idx = Rows(v, b);
  for (auto _ : state) benchmark::DoNotOptimize(table.index_reduce(0, idx, u, "amax", true));
  Rate(state, "bytes", cotangent::bench::ScatterBytes(v, d, b));
}

Tensor Conv(const Tensor& x, const Tensor& w) { return torch::conv2d(x, w, {}, 1, 1); }

void BM_Conv2d_Forward(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), h = state.range(2), k = state.range(3);
  const Tensor x = torch::rand({n, c, h, h}) * 2 - 1, w = torch::rand({k, c, 3, 3}) * 2 - 1;
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(Conv(x, w));
  Rate(state, "flops", cotangent::bench::ConvFlops(n, c, h, k));
}

std::vector<Tensor> ConvGrads(const Tensor& x, const Tensor& w, const Tensor& g) {
  const Tensor a = x.detach().requires_grad_(true), b = w.detach().requires_grad_(true);
  return torch::autograd::grad({(Conv(a, b) * g).sum()}, {a, b});
}

void BM_Conv2d_Grad(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), h = state.range(2), k = state.range(3);
  const Tensor x = torch::rand({n, c, h, h}) * 2 - 1, w = torch::rand({k, c, 3, 3}) * 2 - 1;
  const Tensor g = torch::rand({n, k, h, h}) * 2 - 1;
  for (auto _ : state) benchmark::DoNotOptimize(ConvGrads(x, w, g));
  Rate(state, "flops", 3 * cotangent::bench::ConvFlops(n, c, h, k));
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  RegisterLaxRows(smoke,
                  {{"BM_Gather_Rows", BM_Gather_Rows},
                   {"BM_ScatterAdd_Rows", BM_ScatterAdd_Rows},
                   {"BM_ScatterMax_Rows", BM_ScatterMax_Rows}},
                  {{"BM_Conv2d_Forward", BM_Conv2d_Forward}, {"BM_Conv2d_Grad", BM_Conv2d_Grad}});
}

void PrintChecks() {
  const int64_t v = kCheckTableRows, d = kCheckTableWidth;
  const int64_t b = static_cast<int64_t>(kCheckRows.size());
  const Tensor table = CheckTensor(CheckValues(v * d, 1.0, 0.1), {v, d});
  const Tensor u = CheckTensor(CheckValues(b * d, 1.0, 0.9), {b, d});
  const Tensor idx = torch::tensor(kCheckRows, torch::kInt64);
  PrintCheck("Gather", Values(table.index_select(0, idx)));
  PrintCheck("ScatterAdd", Values(torch::zeros({v, d}).index_add_(0, idx, u)));
  PrintCheck("ScatterMax", Values(table.index_reduce(0, idx, u, "amax", true)));
  const int64_t n = kCheckConvN, c = kCheckConvC, h = kCheckConvH, k = kCheckConvK;
  const Tensor x = CheckTensor(CheckValues(n * c * h * h, 1.0, 0.3), {n, c, h, h});
  const Tensor w = CheckTensor(CheckValues(k * c * 9, 0.5, 1.1), {k, c, 3, 3});
  const Tensor g = CheckTensor(CheckValues(n * k * h * h, 1.0, 2.3), {n, k, h, h});
  PrintCheck("Conv2d", Values(Conv(x, w)));
  const std::vector<Tensor> grads = ConvGrads(x, w, g);
  PrintCheck("Conv2d_GradX", Values(grads[0]));
  PrintCheck("Conv2d_GradW", Values(grads[1]));
}

}  // namespace cotangent::bench
