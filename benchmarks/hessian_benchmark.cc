// File: benchmarks/hessian_benchmark.cc
// Workloads W1-W5 of docs/benchmarks.md on the CPU backend: HVPs and Hessians by every
// composition (forward-over-reverse, reverse-over-forward, reverse-over-reverse), the MLP
// Hessian, Rosenbrock Hessians as n grows, per-op dispatch cost, and matmul GFLOP/s. Hessian
// benchmarks report the backend's peak bytes allocated per iteration ("peak_bytes"). main()
// and its flags (--threads, --smoke, --check) are benchmarks/bench_main.cc's.

#include <cblas.h>

#include <cstdio>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "benchmarks/check_inputs.h"
#include "benchmarks/workloads.h"
#include "cotangent/cotangent.h"

// OpenBLAS's own thread count, declared here (as OpenBLAS's cblas.h declares it) so that
// whichever cblas.h the system's alternatives point to compiles; -lopenblas provides it.
extern "C" void openblas_set_num_threads(int num_threads);

namespace ct = cotangent;
namespace bench = cotangent::bench;

namespace {

// Blocks until the result is computed (and keeps the compiler from dropping it).
void Consume(const ct::Tensor& x) { benchmark::DoNotOptimize(x.block_until_ready().node()); }

// Peak bytes are counted by the CPU backend; runs on another device report none.
template <typename Run>
void RunWithPeak(benchmark::State& state, Run run) {
  const std::string device = ct::default_device();
  const bool counted = ct::memory_stats(device).has_value();
  int64_t peak = 0;
  for (auto _ : state) {
    ct::reset_peak_memory(device);
    Consume(run());
    if (counted) peak = std::max(peak, ct::memory_stats(device)->peak_bytes_in_use);
  }
  if (counted) state.counters["peak_bytes"] = static_cast<double>(peak);
}

// ---- W1: the cookbook HVP, X and V 30x40 f32 ----

struct W1 {
  ct::Tensor x, v;
  explicit W1(const benchmark::State& state) {
    auto [kx, kv] = ct::random::split<2>(ct::random::key(0));
    x = ct::random::normal(kx, {state.range(0), state.range(1)});
    v = ct::random::normal(kv, {state.range(0), state.range(1)});
  }
};

void BM_W1_HVP_FwdOverRev(benchmark::State& state) {
  const W1 w(state);
  RunWithPeak(state, [&] { return ct::jvp(ct::grad(bench::CookbookF), {w.x}, {w.v}).second; });
}

void BM_W1_HVP_RevOverFwd(benchmark::State& state) {
  const W1 w(state);
  const auto directional = [&](const ct::Tensor& x) {
    return ct::jvp(bench::CookbookF, {x}, {w.v}).second;
  };
  RunWithPeak(state, [&] { return ct::grad(directional)(w.x); });
}

void BM_W1_HVP_RevOverRev(benchmark::State& state) {
  const W1 w(state);
  const auto g_dot_v = [&](const ct::Tensor& x) {
    return ct::sum(ct::grad(bench::CookbookF)(x) * w.v);
  };
  RunWithPeak(state, [&] { return ct::grad(g_dot_v)(w.x); });
}

void BM_W1_Hessian_FwdOverRev(benchmark::State& state) {
  const W1 w(state);
  RunWithPeak(state, [&] { return ct::jacfwd(ct::jacrev(bench::CookbookF))(w.x); });
}

// Pairs with LibTorch's Hessian, which is reverse-over-reverse (torch_benchmark.cc).
void BM_W1_Hessian_RevOverRev(benchmark::State& state) {
  const W1 w(state);
  RunWithPeak(state, [&] { return ct::jacrev(ct::jacrev(bench::CookbookF))(w.x); });
}

// ---- W2: MLP Hessian, n = 1185 parameters, batch 64 ----

struct W2 {
  ct::Tensor p, x, y;
  explicit W2(const benchmark::State& state) {
    auto [kp, kx, ky] = ct::random::split<3>(ct::random::key(1));
    p = ct::random::normal(kp, {bench::kMlpParams}) * 0.3;
    x = ct::random::normal(kx, {state.range(0), 2});
    y = ct::random::normal(ky, {state.range(0), 1});
  }
  ct::Tensor operator()(const ct::Tensor& params) const { return bench::MlpLoss(params, x, y); }
};

void BM_W2_Grad(benchmark::State& state) {
  const W2 w(state);
  RunWithPeak(state, [&] { return ct::grad(w)(w.p); });
}

void BM_W2_Hessian_FwdOverRev(benchmark::State& state) {
  const W2 w(state);
  RunWithPeak(state, [&] { return ct::jacfwd(ct::jacrev(w))(w.p); });
}

void BM_W2_Hessian_RevOverRev(benchmark::State& state) {
  const W2 w(state);
  RunWithPeak(state, [&] { return ct::jacrev(ct::jacrev(w))(w.p); });
}

// ---- W3: Rosenbrock Hessians in f64 as n grows ----

ct::Tensor RosenbrockPoint(int64_t n) {
  return ct::random::uniform(ct::random::key(2), {n}, ct::f64, -2.0, 2.0);
}

void BM_W3_Rosenbrock_FwdOverRev(benchmark::State& state) {
  const ct::Tensor x = RosenbrockPoint(state.range(0));
  RunWithPeak(state, [&] { return ct::jacfwd(ct::jacrev(bench::Rosenbrock))(x); });
}

void BM_W3_Rosenbrock_RevOverRev(benchmark::State& state) {
  const ct::Tensor x = RosenbrockPoint(state.range(0));
  RunWithPeak(state, [&] { return ct::jacrev(ct::jacrev(bench::Rosenbrock))(x); });
}

// ---- W4: per-op dispatch cost of a chain of 1250 scalar f64 ops ----

void BM_W4_Chain_Forward(benchmark::State& state) {
  const ct::Tensor x = ct::scalar(0.5, ct::f64);
  for (auto _ : state) Consume(bench::Chain(x));
  state.counters["per_op"] = benchmark::Counter(
      static_cast<double>(bench::kChainOps), benchmark::Counter::kIsIterationInvariantRate |
                                                benchmark::Counter::kInvert);
}

void BM_W4_Chain_Grad(benchmark::State& state) {
  const ct::Tensor x = ct::scalar(0.5, ct::f64);
  for (auto _ : state) Consume(ct::grad(bench::Chain)(x));
  state.counters["per_op"] = benchmark::Counter(
      static_cast<double>(bench::kChainOps), benchmark::Counter::kIsIterationInvariantRate |
                                                benchmark::Counter::kInvert);
}

// ---- jit: the same workloads traced once and run compiled (docs/jit.md) ----
// Each jitted function is made once, outside the timing loop, and called once before it (the
// first call traces and compiles: BM_W2_Grad_JitColdStart measures that).

template <typename F>
void PerOp(benchmark::State& state, F run) {
  run();
  for (auto _ : state) Consume(run());
  state.counters["per_op"] = benchmark::Counter(
      static_cast<double>(bench::kChainOps), benchmark::Counter::kIsIterationInvariantRate |
                                                benchmark::Counter::kInvert);
}

void BM_W4_Chain_Forward_Jit(benchmark::State& state) {
  const ct::Tensor x = ct::scalar(0.5, ct::f64);
  const auto f = ct::jit(bench::Chain);
  PerOp(state, [&] { return f(x); });
}

void BM_W4_Chain_Grad_Jit(benchmark::State& state) {
  const ct::Tensor x = ct::scalar(0.5, ct::f64);
  const auto g = ct::jit(ct::grad(bench::Chain));
  PerOp(state, [&] { return g(x); });
}

template <typename F>
void Warm(benchmark::State& state, F run) {
  Consume(run());
  RunWithPeak(state, run);
}

void BM_W1_HVP_FwdOverRev_Jit(benchmark::State& state) {
  const W1 w(state);
  const auto hvp = ct::jit([](const ct::Tensor& x, const ct::Tensor& v) {
    return ct::jvp(ct::grad(bench::CookbookF), {x}, {v}).second;
  });
  Warm(state, [&] { return hvp(w.x, w.v); });
}

void BM_W1_HVP_RevOverFwd_Jit(benchmark::State& state) {
  const W1 w(state);
  const auto hvp = ct::jit([](const ct::Tensor& x, const ct::Tensor& v) {
    const auto directional = [&](const ct::Tensor& y) {
      return ct::jvp(bench::CookbookF, {y}, {v}).second;
    };
    return ct::grad(directional)(x);
  });
  Warm(state, [&] { return hvp(w.x, w.v); });
}

void BM_W1_HVP_RevOverRev_Jit(benchmark::State& state) {
  const W1 w(state);
  const auto hvp = ct::jit([](const ct::Tensor& x, const ct::Tensor& v) {
    const auto g_dot_v = [&](const ct::Tensor& y) {
      return ct::sum(ct::grad(bench::CookbookF)(y) * v);
    };
    return ct::grad(g_dot_v)(x);
  });
  Warm(state, [&] { return hvp(w.x, w.v); });
}

void BM_W1_Hessian_FwdOverRev_Jit(benchmark::State& state) {
  const W1 w(state);
  const auto h = ct::jit(ct::jacfwd(ct::jacrev(bench::CookbookF)));
  Warm(state, [&] { return h(w.x); });
}

void BM_W1_Hessian_RevOverRev_Jit(benchmark::State& state) {
  const W1 w(state);
  const auto h = ct::jit(ct::jacrev(ct::jacrev(bench::CookbookF)));
  Warm(state, [&] { return h(w.x); });
}

void BM_W2_Grad_Jit(benchmark::State& state) {
  const W2 w(state);
  const auto g = ct::jit(ct::grad(bench::MlpLoss));
  Warm(state, [&] { return g(w.p, w.x, w.y); });
}

// grad of a jitted function: eager grad over one pjit equation, whose jvp, partial evaluation
// and transpose programs are derived and compiled on the first call only.
void BM_W2_GradOfJit(benchmark::State& state) {
  const W2 w(state);
  const auto g = ct::grad(ct::jit(bench::MlpLoss));
  Warm(state, [&] { return g(w.p, w.x, w.y); });
}

// The first call of a new jit(grad): trace, compile and run.
void BM_W2_Grad_JitColdStart(benchmark::State& state) {
  const W2 w(state);
  for (auto _ : state) Consume(ct::jit(ct::grad(bench::MlpLoss))(w.p, w.x, w.y));
}

// An SGD update of 4M f32 parameters, params = params - 0.1 * grads, jitted with and without
// donating the parameters (state.range(0) = 1 donates): donated, the update writes into the
// old parameters' memory, so the peak is the parameters and the gradient, not a third array.
void BM_SgdUpdate_Jit(benchmark::State& state) {
  constexpr int64_t kParams = int64_t{1} << 22;
  const auto update = [](const ct::Tensor& p, const ct::Tensor& g) { return p - 0.1 * g; };
  const auto plain = ct::jit(update);
  const auto donating = ct::jit(update, ct::donate_argnums({0}));
  const bool donate = state.range(0) == 1;
  const ct::Tensor g = ct::random::normal(ct::random::key(5), {kParams});
  ct::Tensor p = ct::random::normal(ct::random::key(6), {kParams});
  RunWithPeak(state, [&] {
    p = donate ? donating(p, g) : plain(p, g);
    return p;
  });
}

void BM_W2_Hessian_FwdOverRev_Jit(benchmark::State& state) {
  const W2 w(state);
  const auto h = ct::jit(ct::jacfwd(ct::jacrev(bench::MlpLoss)));
  Warm(state, [&] { return h(w.p, w.x, w.y); });
}

void BM_W2_Hessian_RevOverRev_Jit(benchmark::State& state) {
  const W2 w(state);
  const auto h = ct::jit(ct::jacrev(ct::jacrev(bench::MlpLoss)));
  Warm(state, [&] { return h(w.p, w.x, w.y); });
}

void BM_W3_Rosenbrock_FwdOverRev_Jit(benchmark::State& state) {
  const ct::Tensor x = RosenbrockPoint(state.range(0));
  const auto h = ct::jit(ct::jacfwd(ct::jacrev(bench::Rosenbrock)));
  Warm(state, [&] { return h(x); });
}

void BM_W3_Rosenbrock_RevOverRev_Jit(benchmark::State& state) {
  const ct::Tensor x = RosenbrockPoint(state.range(0));
  const auto h = ct::jit(ct::jacrev(ct::jacrev(bench::Rosenbrock)));
  Warm(state, [&] { return h(x); });
}

// ---- W5: matmul f32 ----

void BM_W5_Matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto [ka, kb] = ct::random::split<2>(ct::random::key(3));
  const ct::Tensor a = ct::random::normal(ka, {n, n}), b = ct::random::normal(kb, {n, n});
  for (auto _ : state) Consume(ct::matmul(a, b));
  state.counters["flops"] =
      benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

// W5's reference in the same process: cblas_sgemm on the same sizes with OpenBLAS's own
// threads, as many as Cotangent's pool may use: the speed a direct caller of OpenBLAS gets.
// (Cotangent runs OpenBLAS single-threaded inside its pool; set back to that after.)
void BM_W5_OpenBLAS(benchmark::State& state) {
  const int64_t n = state.range(0);
  const std::vector<float> a = ct::random::normal(ct::random::key(3), {n, n}).to_vector<float>();
  const std::vector<float> b = ct::random::normal(ct::random::key(4), {n, n}).to_vector<float>();
  std::vector<float> c(n * n);
  openblas_set_num_threads(ct::cpu_threads());
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  openblas_set_num_threads(1);
  state.counters["flops"] =
      benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

// Full sizes by default; --smoke runs every benchmark once on tiny sizes (CI). Every workload
// runs on the CPU backend and, as "<name>_vulkan", on the Vulkan backend when one starts (its
// tensors are made under a DeviceScope).
void RegisterAll(bool smoke, bool vulkan) {
  using Fn = void (*)(benchmark::State&);
  const auto add = [&](const std::string& name, Fn fn, const bench::ArgLists& args,
                       benchmark::TimeUnit unit) {
    for (const char* device : {"cpu", "vulkan"}) {
      if (device == std::string("vulkan") && !vulkan) continue;
      const std::string full = device == std::string("cpu") ? name : name + "_vulkan";
      for (const auto& a : args) {
        auto* b = benchmark::RegisterBenchmark(full.c_str(), [fn, device](benchmark::State& st) {
                    ct::DeviceScope scope(device);
                    fn(st);
                  })->Args(a)->Unit(unit)->UseRealTime();
        if (smoke) b->Iterations(1);
      }
    }
  };
  const bench::WorkloadSizes sizes = bench::Sizes(smoke);
  const auto& w1 = sizes.w1;
  const auto& w2 = sizes.w2;
  const auto& w3 = sizes.w3;
  add("BM_W1_HVP_FwdOverRev", BM_W1_HVP_FwdOverRev, w1, benchmark::kMicrosecond);
  add("BM_W1_HVP_RevOverFwd", BM_W1_HVP_RevOverFwd, w1, benchmark::kMicrosecond);
  add("BM_W1_HVP_RevOverRev", BM_W1_HVP_RevOverRev, w1, benchmark::kMicrosecond);
  add("BM_W1_Hessian_FwdOverRev", BM_W1_Hessian_FwdOverRev, w1, benchmark::kMillisecond);
  add("BM_W1_Hessian_RevOverRev", BM_W1_Hessian_RevOverRev, w1, benchmark::kMillisecond);
  add("BM_W2_Grad", BM_W2_Grad, w2, benchmark::kMicrosecond);
  add("BM_W2_Hessian_FwdOverRev", BM_W2_Hessian_FwdOverRev, w2, benchmark::kMillisecond);
  add("BM_W2_Hessian_RevOverRev", BM_W2_Hessian_RevOverRev, w2, benchmark::kMillisecond);
  add("BM_W3_Rosenbrock_FwdOverRev", BM_W3_Rosenbrock_FwdOverRev, w3, benchmark::kMillisecond);
  add("BM_W3_Rosenbrock_RevOverRev", BM_W3_Rosenbrock_RevOverRev, w3, benchmark::kMillisecond);
  add("BM_W4_Chain_Forward", BM_W4_Chain_Forward, {{}}, benchmark::kMicrosecond);
  add("BM_W4_Chain_Grad", BM_W4_Chain_Grad, {{}}, benchmark::kMicrosecond);
  add("BM_W1_HVP_FwdOverRev_Jit", BM_W1_HVP_FwdOverRev_Jit, w1, benchmark::kMicrosecond);
  add("BM_W1_HVP_RevOverFwd_Jit", BM_W1_HVP_RevOverFwd_Jit, w1, benchmark::kMicrosecond);
  add("BM_W1_HVP_RevOverRev_Jit", BM_W1_HVP_RevOverRev_Jit, w1, benchmark::kMicrosecond);
  add("BM_W1_Hessian_FwdOverRev_Jit", BM_W1_Hessian_FwdOverRev_Jit, w1, benchmark::kMillisecond);
  add("BM_W1_Hessian_RevOverRev_Jit", BM_W1_Hessian_RevOverRev_Jit, w1, benchmark::kMillisecond);
  add("BM_W2_Grad_Jit", BM_W2_Grad_Jit, w2, benchmark::kMicrosecond);
  add("BM_W2_GradOfJit", BM_W2_GradOfJit, w2, benchmark::kMicrosecond);
  add("BM_W2_Grad_JitColdStart", BM_W2_Grad_JitColdStart, w2, benchmark::kMillisecond);
  add("BM_W2_Hessian_FwdOverRev_Jit", BM_W2_Hessian_FwdOverRev_Jit, w2, benchmark::kMillisecond);
  add("BM_SgdUpdate_Jit", BM_SgdUpdate_Jit, {{0}, {1}}, benchmark::kMicrosecond);
  add("BM_W2_Hessian_RevOverRev_Jit", BM_W2_Hessian_RevOverRev_Jit, w2, benchmark::kMillisecond);
  add("BM_W3_Rosenbrock_FwdOverRev_Jit", BM_W3_Rosenbrock_FwdOverRev_Jit, w3,
      benchmark::kMillisecond);
  add("BM_W3_Rosenbrock_RevOverRev_Jit", BM_W3_Rosenbrock_RevOverRev_Jit, w3,
      benchmark::kMillisecond);
  add("BM_W4_Chain_Forward_Jit", BM_W4_Chain_Forward_Jit, {{}}, benchmark::kMicrosecond);
  add("BM_W4_Chain_Grad_Jit", BM_W4_Chain_Grad_Jit, {{}}, benchmark::kMicrosecond);
  add("BM_W5_Matmul", BM_W5_Matmul, sizes.w5, benchmark::kMillisecond);
  bench::Register("BM_W5_OpenBLAS", BM_W5_OpenBLAS, sizes.w5, benchmark::kMillisecond, smoke);
}

ct::Tensor CheckTensor(const std::vector<double>& values, ct::Shape shape, ct::DType dtype) {
  return ct::astype(ct::from_vector(values, shape), dtype);
}

std::vector<double> Values(const ct::Tensor& t) {
  return t.to_vector<double>();
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  bool vulkan = true;
  try {
    ct::DeviceScope probe("vulkan");  // throws when the Vulkan backend cannot start
  } catch (const ct::Error& e) {
    std::fprintf(stderr, "vulkan benchmarks skipped: %s\n", e.what());
    vulkan = false;
  }
  RegisterAll(smoke, vulkan);
}

// The cases of benchmarks/check_inputs.h, in the workloads' dtypes.
void PrintChecks() {
  const ct::Tensor x1 = CheckTensor(CheckValues(kCheckW1Rows * kCheckW1Cols, 1.0, 0.1),
                                    {kCheckW1Rows, kCheckW1Cols}, ct::f32);
  const ct::Tensor v1 = CheckTensor(CheckValues(kCheckW1Rows * kCheckW1Cols, 1.0, 1.3),
                                    {kCheckW1Rows, kCheckW1Cols}, ct::f32);
  PrintCheck("W1_HVP", Values(ct::jvp(ct::grad(CookbookF), {x1}, {v1}).second));
  PrintCheck("W1_Hessian", Values(ct::jacrev(ct::jacrev(CookbookF))(x1)));

  const ct::Tensor p = CheckTensor(CheckValues(kMlpParams, 0.3, 0.2), {kMlpParams}, ct::f32);
  const ct::Tensor x2 = CheckTensor(CheckValues(kCheckW2Batch * 2, 1.0, 0.7), {kCheckW2Batch, 2},
                                    ct::f32);
  const ct::Tensor y2 = CheckTensor(CheckValues(kCheckW2Batch, 1.0, 2.1), {kCheckW2Batch, 1},
                                    ct::f32);
  const auto loss = [&](const ct::Tensor& q) { return MlpLoss(q, x2, y2); };
  PrintCheck("W2_Grad", Values(ct::grad(loss)(p)));
  PrintCheck("W2_Hessian", Values(ct::jacrev(ct::jacrev(loss))(p)));

  const ct::Tensor x3 = CheckTensor(CheckValues(kCheckW3N, 1.5, 0.4), {kCheckW3N}, ct::f64);
  PrintCheck("W3_Hessian", Values(ct::jacrev(ct::jacrev(Rosenbrock))(x3)));

  const ct::Tensor x4 = ct::scalar(kCheckW4X, ct::f64);
  PrintCheck("W4_Forward", Values(Chain(x4)));
  PrintCheck("W4_Grad", Values(ct::grad(Chain)(x4)));
}

}  // namespace cotangent::bench
