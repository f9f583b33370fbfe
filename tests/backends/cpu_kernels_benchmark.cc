// File: tests/backends/cpu_kernels_benchmark.cc
// Google Benchmark of the CPU kernels through CpuBackend::Execute: matmul GFLOP/s (f32, f64)
// on all threads and on one, elementwise add and reduce_sum bandwidth, and per-op overhead.
// Run: bazel run -c opt --config=bench //tests/backends:cpu_kernels_benchmark

#include <cstdint>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/thread_pool.h"
#include "benchmark/benchmark.h"
#include "core/error.h"

namespace cotangent {
namespace {

// A dense array of `shape` filled with small values.
Array Filled(const Shape& shape, DType dtype) {
  Backend& cpu = CpuBackend::Get();
  const int64_t n = NumElements(shape);
  std::shared_ptr<Buffer> buffer = ValueOrThrow(cpu.Allocate(n * DTypeSize(dtype)));
  if (dtype == DType::kF64) {
    std::vector<double> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = (i % 17) * 0.125 - 1;
    ThrowIfError(cpu.Upload(v.data(), n * 8, *buffer));
  } else {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = (i % 17) * 0.125f - 1;
    ThrowIfError(cpu.Upload(v.data(), n * 4, *buffer));
  }
  return DenseArray(buffer, ShapedArray{shape, dtype});
}

// Uses range(1) threads (0 = all) for the duration of a benchmark.
class Threads {
 public:
  explicit Threads(int64_t n) { cpu::ThreadPool::Get().set_max_parallelism(n > 0 ? n : 1 << 20); }
  ~Threads() { cpu::ThreadPool::Get().set_max_parallelism(1 << 20); }
};

void BM_Matmul(benchmark::State& state, DType dtype) {
  const int64_t n = state.range(0);
  Threads threads(state.range(1));
  const Array a = Filled({n, n}, dtype), b = Filled({n, n}, dtype);
  Params params;
  params.dot = {{1}, {0}, {}, {}};
  const ShapedArray out{{n, n}, dtype};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ValueOrThrow(CpuBackend::Get().Execute(Primitive::kDotGeneral, {a, b}, params, out)));
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Matmul, f32, DType::kF32)
    ->ArgNames({"n", "threads"})
    ->ArgsProduct({{64, 256, 1024}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Matmul, f64, DType::kF64)
    ->ArgNames({"n", "threads"})
    ->ArgsProduct({{64, 256, 1024}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Bytes moved per iteration: two inputs read, one output written.
void BM_Add(benchmark::State& state) {
  const int64_t n = state.range(0);
  Threads threads(state.range(1));
  const std::vector<Array> in = {Filled({n}, DType::kF32), Filled({n}, DType::kF32)};
  const ShapedArray out{{n}, DType::kF32};
  const Params params;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ValueOrThrow(CpuBackend::Get().Execute(Primitive::kAdd, in, params, out)));
  }
  state.SetBytesProcessed(state.iterations() * 3 * n * 4);
}
BENCHMARK(BM_Add)
    ->ArgNames({"n", "threads"})
    ->ArgsProduct({{1, 1024, 1 << 16, 1 << 18, 1 << 20, 1 << 24}, {0, 1}})
    ->UseRealTime();

// reduce_sum of an [n/1024, 1024] f32 array over `axis` (0 = columns, 1 = rows, 2 = all).
void BM_ReduceSum(benchmark::State& state) {
  const int64_t n = state.range(0), axis = state.range(1);
  const Array x = Filled({n / 1024, 1024}, DType::kF32);
  Params params;
  params.axes = axis == 2 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{axis};
  const ShapedArray out{axis == 2   ? Shape{}
                        : axis == 0 ? Shape{1024}
                                    : Shape{n / 1024},
                        DType::kF32};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ValueOrThrow(CpuBackend::Get().Execute(Primitive::kReduceSum, {x}, params, out)));
  }
  state.SetBytesProcessed(state.iterations() * n * 4);
}
BENCHMARK(BM_ReduceSum)
    ->ArgNames({"n", "axis"})
    ->ArgsProduct({{1 << 16, 1 << 22}, {0, 1, 2}})
    ->UseRealTime();

// A 1024x1024 f32 transpose copy (the strided gather dot_general and movement kernels use).
void BM_Transpose(benchmark::State& state) {
  const Array x = Filled({1024, 1024}, DType::kF32);
  Params params;
  params.permutation = {1, 0};
  const ShapedArray out{{1024, 1024}, DType::kF32};
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ValueOrThrow(CpuBackend::Get().Execute(Primitive::kTranspose, {x}, params, out)));
  }
  state.SetBytesProcessed(state.iterations() * 2 * 1024 * 1024 * 4);
}
BENCHMARK(BM_Transpose)->UseRealTime();

}  // namespace
}  // namespace cotangent
