// File: benchmarks/lax_benchmark.cc
// Indexing and convolution throughput on the CPU (docs/benchmarks.md, "lax against
// LibTorch"): row gathers and scatters as an embedding layer does them (take, at().add,
// at().max), and a 3x3 convolution forward and with both gradients, in the sizes of
// benchmarks/lax_sizes.h that torch_lax_benchmark.cc runs in LibTorch. Beside them, the
// limits on this machine in the same process: memcpy of the gather's bytes (memory traffic)
// and OpenBLAS's sgemm on the convolution's implicit-GEMM shape (arithmetic). Counters: bytes
// and flops per second. benchmarks/compare_lax.py runs both binaries; main() and the flags
// are benchmarks/bench_main.cc's.

#include <cstdint>
#include <cstring>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "benchmarks/check_inputs.h"
#include "benchmarks/lax_sizes.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

ct::Tensor Uniform(const ct::Shape& shape, uint32_t seed) {
  return ct::random::uniform(ct::random::key(seed), shape, ct::f32, -1.0, 1.0);
}

ct::Tensor Rows(int64_t rows, int64_t lookups) {
  const std::vector<int64_t> idx = cotangent::bench::RowIndices(rows, lookups);
  return ct::tensor(std::vector<double>(idx.begin(), idx.end()), {lookups}, ct::i32);
}

void Rate(benchmark::State& state, const char* name, double per_iteration) {
  state.counters[name] =
      benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Gather_Rows(benchmark::State& state) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const ct::Tensor table = Uniform({v, d}, 1), idx = Rows(v, b);
  for (auto _ : state) benchmark::DoNotOptimize(ct::take(table, idx));
  Rate(state, "bytes", cotangent::bench::GatherBytes(v, d, b));
}

// The embedding gradient: B rows added into a zero table.
void BM_ScatterAdd_Rows(benchmark::State& state) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const ct::Tensor u = Uniform({b, d}, 2), idx = Rows(v, b);
  for (auto _ : state) benchmark::DoNotOptimize(ct::at(ct::zeros({v, d}), idx).add(u));
  Rate(state, "bytes", cotangent::bench::ScatterBytes(v, d, b));
}

void BM_ScatterMax_Rows(benchmark::State& state) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const ct::Tensor table = Uniform({v, d}, 1), u = Uniform({b, d}, 2), idx = Rows(v, b);
  for (auto _ : state) benchmark::DoNotOptimize(ct::at(table, idx).max(u));
  Rate(state, "bytes", cotangent::bench::ScatterBytes(v, d, b));
}

// The limit of the gather: its bytes copied by memcpy.
void BM_Memcpy_GatherBytes(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(2) * state.range(1));
  std::vector<float> from(n, 1.0f), to(n);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), n * sizeof(float));
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
  Rate(state, "bytes",
       cotangent::bench::GatherBytes(state.range(0), state.range(1), state.range(2)));
}

ct::Tensor Conv(const ct::Tensor& x, const ct::Tensor& w) {
  return ct::conv(x, w, {1, 1}, ct::Padding::kSame);
}

void BM_Conv2d_Forward(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), h = state.range(2), k = state.range(3);
  const ct::Tensor x = Uniform({n, c, h, h}, 3), w = Uniform({k, c, 3, 3}, 4);
  for (auto _ : state) benchmark::DoNotOptimize(Conv(x, w));
  Rate(state, "flops", cotangent::bench::ConvFlops(n, c, h, k));
}

// Forward and both gradients of sum(conv(x, w) * g): three convolutions' work.
void BM_Conv2d_Grad(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), h = state.range(2), k = state.range(3);
  const ct::Tensor x = Uniform({n, c, h, h}, 3), w = Uniform({k, c, 3, 3}, 4);
  const ct::Tensor g = Uniform({n, k, h, h}, 5);
  const auto loss = [&](const ct::Tensor& a, const ct::Tensor& b) {
    return ct::sum(Conv(a, b) * g);
  };
  for (auto _ : state) benchmark::DoNotOptimize(ct::grad(loss, {0, 1})(x, w));
  Rate(state, "flops", 3 * cotangent::bench::ConvFlops(n, c, h, k));
}

// The limit of the convolution: one sgemm of its implicit-GEMM shape, [N H W, 9 C] x [9 C, K].
void BM_Sgemm_ConvShape(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), h = state.range(2), k = state.range(3);
  const ct::Tensor a = Uniform({n * h * h, 9 * c}, 6), b = Uniform({9 * c, k}, 7);
  for (auto _ : state) benchmark::DoNotOptimize(ct::matmul(a, b));
  Rate(state, "flops", cotangent::bench::ConvFlops(n, c, h, k));
}

std::vector<double> Values(const ct::Tensor& t) { return t.to_vector<double>(); }

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  RegisterLaxRows(smoke,
                  {{"BM_Gather_Rows", BM_Gather_Rows},
                   {"BM_ScatterAdd_Rows", BM_ScatterAdd_Rows},
                   {"BM_ScatterMax_Rows", BM_ScatterMax_Rows},
                   {"BM_Memcpy_GatherBytes", BM_Memcpy_GatherBytes}},
                  {{"BM_Conv2d_Forward", BM_Conv2d_Forward},
                   {"BM_Conv2d_Grad", BM_Conv2d_Grad},
                   {"BM_Sgemm_ConvShape", BM_Sgemm_ConvShape}});
}

void PrintChecks() {
  const int64_t v = kCheckTableRows, d = kCheckTableWidth, b = kCheckRows.size();
  const Tensor table = tensor(CheckValues(v * d, 1.0, 0.1), {v, d}, f32);
  const Tensor u = tensor(CheckValues(b * d, 1.0, 0.9), {b, d}, f32);
  const Tensor idx = tensor(std::vector<double>(kCheckRows.begin(), kCheckRows.end()), {b}, i32);
  PrintCheck("Gather", Values(take(table, idx)));
  PrintCheck("ScatterAdd", Values(at(zeros({v, d}), idx).add(u)));
  PrintCheck("ScatterMax", Values(at(table, idx).max(u)));
  const int64_t n = kCheckConvN, c = kCheckConvC, h = kCheckConvH, k = kCheckConvK;
  const Tensor x = tensor(CheckValues(n * c * h * h, 1.0, 0.3), {n, c, h, h}, f32);
  const Tensor w = tensor(CheckValues(k * c * 9, 0.5, 1.1), {k, c, 3, 3}, f32);
  const Tensor g = tensor(CheckValues(n * k * h * h, 1.0, 2.3), {n, k, h, h}, f32);
  PrintCheck("Conv2d", Values(Conv(x, w)));
  const auto loss = [&](const Tensor& a, const Tensor& b2) { return sum(Conv(a, b2) * g); };
  const std::vector<Tensor> grads = grad(loss, {0, 1})(x, w);
  PrintCheck("Conv2d_GradX", Values(grads[0]));
  PrintCheck("Conv2d_GradW", Values(grads[1]));
}

}  // namespace cotangent::bench
