// File: tests/backends/vulkan_benchmark.cc
// Google Benchmark of the Vulkan backend beside the CPU backend, through the public API:
// elementwise (add: bandwidth; tanh: the math library; a chain of five: fusion), reductions
// (full and per row), f32 matmul, and an end-to-end Hessian-vector product (forward over
// reverse) of sum(tanh(X)^2) for X 30x40 f32, and a row scatter_max (B rows of width D into a
// table of V rows, as an embedding's max pooling: many index vectors, so the Vulkan backend's
// sorted scatter). Every iteration waits for its result
// (block_until_ready, which also computes pending fused results, or a read-back), so times
// include the submission. On lavapipe (a CPU Vulkan device) only ratios mean
// anything. The table in docs/vulkan.md comes from:
//   bazel run //tests/backends:vulkan_benchmark

#include <cstdint>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "benchmark/benchmark.h"
#include "cotangent/cotangent.h"

namespace cotangent {
namespace {

// A [rows, cols] f32 tensor of small values on `backend`.
Tensor Filled(const std::string& backend, int64_t rows, int64_t cols) {
  std::vector<float> v(rows * cols);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 17) * 0.125f - 1;
  DeviceScope scope(backend);
  return from_vector(v, {rows, cols});
}

// One untimed run first: kernels are compiled (and pipelines created) on first use.
void Warm(const Tensor& result) { benchmark::DoNotOptimize(result.block_until_ready()); }

void BM_Add(benchmark::State& state, const std::string& backend) {
  const int64_t n = state.range(0);
  const Tensor a = Filled(backend, 1, n), b = Filled(backend, 1, n);
  Warm(a + b);
  for (auto _ : state) {
    benchmark::DoNotOptimize((a + b).block_until_ready());
  }
  state.counters["GB/s"] =
      benchmark::Counter(3.0 * 4 * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Tanh(benchmark::State& state, const std::string& backend) {
  const int64_t n = state.range(0);
  const Tensor a = Filled(backend, 1, n);
  Warm(tanh(a));
  for (auto _ : state) {
    benchmark::DoNotOptimize(tanh(a).block_until_ready());
  }
  state.counters["Gelem/s"] =
      benchmark::Counter(n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// A chain of five elementwise primitives, exp(t * t + 1) - t with t = tanh(x): one fused
// kernel on Vulkan unless COTANGENT_VULKAN_FUSION=off (or below its size threshold).
void BM_Chain(benchmark::State& state, const std::string& backend) {
  const int64_t n = state.range(0);
  const Tensor x = Filled(backend, 1, n);
  const auto chain = [&] {
    DeviceScope scope(backend);  // the constant 1 too
    const Tensor t = tanh(x);
    return exp(t * t + 1.0) - t;
  };
  Warm(chain());
  for (auto _ : state) {
    benchmark::DoNotOptimize(chain().block_until_ready());
  }
  state.counters["Gelem/s"] =
      benchmark::Counter(n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// sum over everything (range(1) == 0) or over each row of 1024 (range(1) == 1).
void BM_ReduceSum(benchmark::State& state, const std::string& backend) {
  const int64_t n = state.range(0);
  const Tensor a = Filled(backend, n / 1024, 1024);
  const bool rows = state.range(1) == 1;
  Warm(rows ? sum(a, 1) : sum(a));
  for (auto _ : state) {
    benchmark::DoNotOptimize((rows ? sum(a, 1) : sum(a)).block_until_ready());
  }
  state.counters["GB/s"] =
      benchmark::Counter(4.0 * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Matmul(benchmark::State& state, const std::string& backend) {
  const int64_t n = state.range(0);
  const Tensor a = Filled(backend, n, n), b = Filled(backend, n, n);
  Warm(matmul(a, b));
  for (auto _ : state) {
    benchmark::DoNotOptimize(matmul(a, b).block_until_ready());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// H v for f(X) = sum(tanh(X)^2), X 30x40 f32: jvp of grad, read back to the host.
void BM_HvpTanhSquared(benchmark::State& state, const std::string& backend) {
  const Tensor x = Filled(backend, 30, 40), v = Filled(backend, 30, 40) * 0.5;
  const auto f = [](const Tensor& x) {
    const Tensor t = tanh(x);
    return sum(t * t);
  };
  {
    DeviceScope scope(backend);
    Warm(jvp(grad(f), {x}, {v}).second);
  }
  for (auto _ : state) {
    DeviceScope scope(backend);  // the transformations' own constants go there too
    benchmark::DoNotOptimize(jvp(grad(f), {x}, {v}).second.to_vector<float>());
  }
}

// at(table, rows).max(updates): {V, D, B} = state.range(0, 1, 2), rows pseudo-random.
void BM_ScatterMaxRows(benchmark::State& state, const std::string& backend) {
  const int64_t v = state.range(0), d = state.range(1), b = state.range(2);
  const Tensor table = Filled(backend, v, d), updates = Filled(backend, b, d) * 2.0;
  std::vector<int32_t> rows(b);
  uint32_t s = 1;
  for (int32_t& r : rows) {
    s = s * 1664525u + 1013904223u;
    r = static_cast<int32_t>((s >> 8) % static_cast<uint32_t>(v));
  }
  DeviceScope scope(backend);
  const Tensor idx = from_vector(rows, {b});
  Warm(at(table, idx).max(updates));
  for (auto _ : state) {
    benchmark::DoNotOptimize(at(table, idx).max(updates).block_until_ready());
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(b), benchmark::Counter::kIsIterationInvariantRate);
}

#define COTANGENT_BOTH(bm, ...)                                               \
  BENCHMARK_CAPTURE(bm, cpu, std::string("cpu"))->__VA_ARGS__->UseRealTime(); \
  BENCHMARK_CAPTURE(bm, vulkan, std::string("vulkan"))->__VA_ARGS__->UseRealTime()

// The largest sizes (2^26 elements, 256 MiB per f32 array, past a GPU's L2; matmul 2048 and
// 4096) are for real GPUs; on lavapipe filter them out (docs/vulkan.md).
COTANGENT_BOTH(BM_Add, Arg(1 << 10)->Arg(1 << 16)->Arg(1 << 20)->Arg(1 << 23)->Arg(1 << 26));
COTANGENT_BOTH(BM_Tanh, Arg(1 << 16)->Arg(1 << 20)->Arg(1 << 23)->Arg(1 << 26));
COTANGENT_BOTH(BM_Chain, Arg(1 << 16)->Arg(1 << 20)->Arg(1 << 23)->Arg(1 << 26));
COTANGENT_BOTH(BM_ReduceSum, ArgsProduct({{1 << 16, 1 << 20, 1 << 23, 1 << 26}, {0, 1}}));
COTANGENT_BOTH(BM_Matmul, Arg(64)->Arg(256)->Arg(512)->Arg(1024)->Arg(2048)->Arg(4096)->Unit(
                              benchmark::kMillisecond));
COTANGENT_BOTH(BM_HvpTanhSquared, Unit(benchmark::kMicrosecond));
COTANGENT_BOTH(BM_ScatterMaxRows,
               Args({4096, 64, 1024})->Args({16384, 64, 4096})->Unit(benchmark::kMillisecond));

}  // namespace
}  // namespace cotangent
