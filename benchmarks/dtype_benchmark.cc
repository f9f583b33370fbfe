// File: benchmarks/dtype_benchmark.cc
// f16, bf16 and c64 against f32 in one run (docs/benchmarks.md, "Half precision" and "Complex
// numbers"): the conversion from f32 (the rounding every 16-bit result pays; against f32 ->
// f64), an elementwise chain eagerly (the 16-bit dtypes convert each operand and result; c64
// runs as real equations on its parts) and under jit (the real dtypes fuse into one kernel;
// 16-bit loads, stores and roundings in registers; c64 does not fuse), a reduction and a
// matmul (computed in f32 either way; c64's as four real products), and a 2-D convolution
// (c64's as four real convolutions on the parts). Each benchmark's argument
// 0, 1, 2, 3 is the dtype f32, f16, bf16, c64, so the ratios to f32 read off one table.
// main() and its flags are benchmarks/bench_main.cc's.

#include <cstdint>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

ct::DType DTypeArg(const benchmark::State& state) {
  constexpr ct::DType kDTypes[] = {ct::f32, ct::f16, ct::bf16, ct::c64};
  return kDTypes[state.range(0)];
}

// Uniform in [-1, 1), in both parts for c64.
ct::Tensor Values(const ct::Shape& shape, ct::DType dtype) {
  const auto uniform = [&](uint32_t seed) {
    return ct::random::uniform(ct::random::key(seed), shape, ct::f32, -1.0, 1.0);
  };
  if (ct::IsComplex(dtype)) return ct::complex(uniform(7), uniform(8));
  return ct::astype(uniform(7), dtype);
}

void SetItems(benchmark::State& state, int64_t n) {
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(ct::DTypeName(DTypeArg(state)));
}

// f32 -> dtype; for argument 0, f32 -> f64 (f32 -> f32 is no conversion at all): the
// reference pass, one exact vector instruction per element.
void BM_ConvertFromF32(benchmark::State& state) {
  const int64_t n = state.range(1);
  const ct::Tensor x = Values({n}, ct::f32);
  const ct::DType d = state.range(0) == 0 ? ct::f64 : DTypeArg(state);
  for (auto _ : state) ct::astype(x, d).block_until_ready();
  SetItems(state, n);
  state.SetLabel(ct::DTypeName(d));
}

ct::Tensor Chain(const ct::Tensor& x) { return ct::tanh(x * 1.5 + 0.25) * x; }

void BM_ChainEager(benchmark::State& state) {
  const int64_t n = state.range(1);
  const ct::Tensor x = Values({n}, DTypeArg(state));
  for (auto _ : state) Chain(x).block_until_ready();
  SetItems(state, n);
}

void BM_ChainJit(benchmark::State& state) {
  const int64_t n = state.range(1);
  const ct::Tensor x = Values({n}, DTypeArg(state));
  const auto chain = ct::jit(Chain);
  chain(x).block_until_ready();
  for (auto _ : state) chain(x).block_until_ready();
  SetItems(state, n);
}

void BM_Sum(benchmark::State& state) {
  const int64_t n = state.range(1);
  const ct::Tensor x = Values({n}, DTypeArg(state));
  for (auto _ : state) ct::sum(x).block_until_ready();
  SetItems(state, n);
}

void BM_Matmul(benchmark::State& state) {
  const int64_t n = state.range(1);
  const ct::Tensor a = Values({n, n}, DTypeArg(state)), b = Values({n, n}, DTypeArg(state));
  for (auto _ : state) ct::matmul(a, b).block_until_ready();
  state.counters["flops"] =
      benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(ct::DTypeName(DTypeArg(state)));
}

// [8, 16, s, s] convolved with [32, 16, 3, 3], SAME padding (lax.conv's layout).
void BM_Conv(benchmark::State& state) {
  const int64_t s = state.range(1);
  const ct::Tensor x = Values({8, 16, s, s}, DTypeArg(state));
  const ct::Tensor w = Values({32, 16, 3, 3}, DTypeArg(state));
  for (auto _ : state) ct::conv(x, w, {1, 1}, ct::Padding::kSame).block_until_ready();
  state.counters["flops"] = benchmark::Counter(2.0 * 8 * 32 * s * s * 16 * 9,
                                               benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(ct::DTypeName(DTypeArg(state)));
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  using Fn = void (*)(benchmark::State&);
  const int64_t n = smoke ? 1000 : 1 << 20;
  const ArgLists sizes = {{0, n}, {1, n}, {2, n}, {3, n}};
  for (const auto& [name, fn] :
       std::vector<std::pair<const char*, Fn>>{{"BM_ConvertFromF32", BM_ConvertFromF32},
                                               {"BM_ChainEager", BM_ChainEager},
                                               {"BM_ChainJit", BM_ChainJit},
                                               {"BM_Sum", BM_Sum}}) {
    Register(name, fn, sizes, benchmark::kMicrosecond, smoke);
  }
  const int64_t m = smoke ? 16 : 256;
  Register("BM_Matmul", BM_Matmul, {{0, m}, {1, m}, {2, m}, {3, m}}, benchmark::kMicrosecond,
           smoke);
  const int64_t s = smoke ? 4 : 32;
  Register("BM_Conv", BM_Conv, {{0, s}, {1, s}, {2, s}, {3, s}}, benchmark::kMicrosecond, smoke);
}

void PrintChecks() {}

}  // namespace cotangent::bench
