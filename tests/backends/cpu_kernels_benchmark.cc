// File: tests/backends/cpu_kernels_benchmark.cc
// Google Benchmark of the CPU kernels through CpuBackend::Execute: matmul GFLOP/s (f32, f64)
// on all threads and on one, elementwise add and reduce_sum bandwidth, and per-op overhead;
// and f32 add, mul, tanh, exp on 2^20 elements through the kernel entry points into a reused
// output (BM_Kernel) and through Execute (BM_Execute, a fresh output each time), beside a
// memcpy of the same bytes (BM_Copy) as the bandwidth reference (docs/cpu_kernels.md).
// Run: bazel run -c opt --config=bench //tests/backends:cpu_kernels_benchmark, or the default
// build (no -march; the SIMD kernels dispatch at run time):
// bazel run //tests/backends:cpu_kernels_benchmark -- --benchmark_filter='Kernel|Execute|Copy'


#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"
#include "benchmark/benchmark.h"
#include "core/error.h"
#include "core/layout.h"

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
        ValueOrThrow(CpuBackend::Get().Execute1(Primitive::kDotGeneral, {a, b}, params, out)));
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
        ValueOrThrow(CpuBackend::Get().Execute1(Primitive::kAdd, in, params, out)));
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
        ValueOrThrow(CpuBackend::Get().Execute1(Primitive::kReduceSum, {x}, params, out)));
  }
  state.SetBytesProcessed(state.iterations() * n * 4);
}
BENCHMARK(BM_ReduceSum)
    ->ArgNames({"n", "axis"})
    ->ArgsProduct({{1 << 16, 1 << 22}, {0, 1, 2}})
    ->UseRealTime();

// A 1024x1024 f32 transpose copy: reshape of a transposed view, as eval sends it (transpose
// itself is a view); the strided gather dot_general and movement kernels use.
void BM_Transpose(benchmark::State& state) {
  const Array x = Filled({1024, 1024}, DType::kF32);
  Params params;
  params.permutation = {1, 0};
  const ShapedArray out{{1024, 1024}, DType::kF32};
  const Array transposed = *ViewOf(Primitive::kTranspose, x, params, out);
  params.shape = out.shape;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ValueOrThrow(CpuBackend::Get().Execute1(Primitive::kReshape, {transposed}, params, out)));
  }
  state.SetBytesProcessed(state.iterations() * 2 * 1024 * 1024 * 4);
}
BENCHMARK(BM_Transpose)->UseRealTime();

// --- Elementwise throughput against a copy of the same bytes ---------------------------------

constexpr int64_t kElementwiseN = int64_t{1} << 20;

// Bytes an elementwise op on n f32 elements moves: each input read, the output written.
int64_t ElementwiseBytes(Primitive prim, int64_t n) {
  return (prim == Primitive::kAdd || prim == Primitive::kMul ? 3 : 2) * n * 4;
}

// exp and tanh get inputs in [-1, 1] (Filled), inside the SIMD range, like most activations.
std::vector<Array> ElementwiseInputs(Primitive prim, int64_t n) {
  std::vector<Array> in = {Filled({n}, DType::kF32)};
  if (prim == Primitive::kAdd || prim == Primitive::kMul) in.push_back(Filled({n}, DType::kF32));
  return in;
}

cpu::Kernel KernelOf(Primitive prim) { return cpu::ElementwiseKernel(prim); }

void SetElementwiseCounters(benchmark::State& state, Primitive prim, int64_t n) {
  state.counters["GB/s"] = benchmark::Counter(ElementwiseBytes(prim, n) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.counters["Gelem/s"] =
      benchmark::Counter(n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The kernel alone: out is allocated (and its pages touched) once.
void BM_Kernel(benchmark::State& state, Primitive prim) {
  const int64_t n = kElementwiseN;
  Threads threads(state.range(0));
  const std::vector<Array> in = ElementwiseInputs(prim, n);
  const Array out = Filled({n}, DType::kF32);
  const cpu::Kernel kernel = KernelOf(prim);
  for (auto _ : state) ThrowIfError(kernel(in, Params{}, out));
  SetElementwiseCounters(state, prim, n);
}

// What a user's op costs: Execute allocates a fresh output every time.
void BM_Execute(benchmark::State& state, Primitive prim) {
  const int64_t n = kElementwiseN;
  Threads threads(state.range(0));
  const std::vector<Array> in = ElementwiseInputs(prim, n);
  const ShapedArray out{{n}, DType::kF32};
  for (auto _ : state) {
    benchmark::DoNotOptimize(ValueOrThrow(CpuBackend::Get().Execute1(prim, in, Params{}, out)));
  }
  SetElementwiseCounters(state, prim, n);
}

// The bandwidth reference: memcpy of n f32 (n * 4 bytes read, n * 4 written) between two
// buffers allocated once, split over the threads as the kernels split their work.
void BM_Copy(benchmark::State& state) {
  const int64_t n = kElementwiseN;
  Threads threads(state.range(0));
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  for (auto _ : state) {
    cpu::ParallelFor(n, cpu::kParallelGrain, [&](int64_t begin, int64_t end) {
      std::memcpy(dst.data() + begin, src.data() + begin, (end - begin) * 4);
    });
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] =
      benchmark::Counter(2.0 * n * 4 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// threads: 1, or 0 = all of the backend's.
BENCHMARK(BM_Copy)->ArgName("threads")->Arg(1)->Arg(0)->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel, add, Primitive::kAdd)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel, mul, Primitive::kMul)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel, tanh, Primitive::kTanh)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Kernel, exp, Primitive::kExp)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Execute, add, Primitive::kAdd)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Execute, mul, Primitive::kMul)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Execute, tanh, Primitive::kTanh)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Execute, exp, Primitive::kExp)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime();

}  // namespace
}  // namespace cotangent
