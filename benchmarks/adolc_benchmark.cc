// File: benchmarks/adolc_benchmark.cc
// W3 and W4 of docs/benchmarks.md in ADOL-C 2.7 (libadolc-dev), a classic operator-overloading
// tape library: the peer for "record once, evaluate derivatives many times". Each tape is
// recorded ONCE, outside the timing loop (neither workload branches on its input, so the tape
// stays valid at any point), and the drivers are timed:
// - W3 Rosenbrock, f64: hessian() per iteration, the full Hessian by a forward-over-reverse
//   second-order sweep per direction (hence the FwdOverRev name, pairing with Cotangent's
//   jacfwd(jacrev)); hess_vec() for one HVP ("BM_W3_Rosenbrock_HVP", ADOL-C only).
// - W4 chain of 1250 scalar ops: function() (a zero-order sweep) and gradient().
// ADOL-C runs on one thread whatever --threads says. main() and the flags: bench_main.cc.

#include <adolc/adolc.h>

#include <cstdint>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "benchmarks/check_inputs.h"

namespace {

namespace bench = cotangent::bench;

// ---- the workloads, as benchmarks/workloads.h defines them, on adoubles ----

adouble Rosenbrock(const std::vector<adouble>& x) {
  adouble sum = 0.0;
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    const adouble a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
    sum += 100.0 * a * a + b * b;
  }
  return sum;
}

constexpr int kChainOps = 1250;
adouble Chain(adouble x) {
  for (int i = 0; i < kChainOps / 5; ++i) x = sin(x) * 1.01 + 0.1 - x * 0.001;
  return x;
}

// Tape tags: one per recorded function (W3 per n, W4 once).
constexpr short kChainTag = 1;
short RosenbrockTag(int64_t n) { return static_cast<short>(100 + n % 30000); }

void RecordRosenbrock(short tag, const std::vector<double>& x0) {
  trace_on(tag);
  std::vector<adouble> x(x0.size());
  for (size_t i = 0; i < x0.size(); ++i) x[i] <<= x0[i];
  double y = 0;
  Rosenbrock(x) >>= y;
  trace_off();
}

void RecordChain(short tag, double x0) {
  trace_on(tag);
  adouble x;
  x <<= x0;
  double y = 0;
  Chain(x) >>= y;
  trace_off();
}

std::vector<double> RosenbrockPoint(int64_t n) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  std::vector<double> x(static_cast<size_t>(n));
  for (double& v : x) v = uniform(rng);
  return x;
}

// hessian() fills the lower triangle of an n x n array of row pointers (myalloc2).
std::vector<double> FullHessian(short tag, std::vector<double> x) {
  const int n = static_cast<int>(x.size());
  double** h = myalloc2(n, n);
  hessian(tag, n, x.data(), h);
  std::vector<double> full(static_cast<size_t>(n) * n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j <= i; ++j) full[i * n + j] = full[j * n + i] = h[i][j];
  }
  myfree2(h);
  return full;
}

// ---- benchmarks ----

void BM_W3_Rosenbrock_FwdOverRev(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<double> x = RosenbrockPoint(n);
  const short tag = RosenbrockTag(n);
  RecordRosenbrock(tag, x);
  double** h = myalloc2(n, n);
  for (auto _ : state) {
    hessian(tag, n, x.data(), h);
    benchmark::DoNotOptimize(h[n - 1][0]);
  }
  myfree2(h);
}

void BM_W3_Rosenbrock_HVP(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<double> x = RosenbrockPoint(n), v = bench::CheckValues(n, 1.0, 1.3), w(n);
  const short tag = RosenbrockTag(n);
  RecordRosenbrock(tag, x);
  for (auto _ : state) {
    hess_vec(tag, n, x.data(), v.data(), w.data());
    benchmark::DoNotOptimize(w[0]);
  }
}

void SetPerOp(benchmark::State& state) {
  state.counters["per_op"] = benchmark::Counter(
      kChainOps, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_W4_Chain_Forward(benchmark::State& state) {
  RecordChain(kChainTag, 0.5);
  double x = 0.5, y = 0;
  for (auto _ : state) {
    function(kChainTag, 1, 1, &x, &y);
    benchmark::DoNotOptimize(y);
  }
  SetPerOp(state);
}

void BM_W4_Chain_Grad(benchmark::State& state) {
  RecordChain(kChainTag, 0.5);
  double x = 0.5, g = 0;
  for (auto _ : state) {
    gradient(kChainTag, 1, &x, &g);
    benchmark::DoNotOptimize(g);
  }
  SetPerOp(state);
}

}  // namespace

namespace cotangent::bench {

// ADOL-C's drivers are sequential; nothing to cap.
void SetThreads(int /*n*/) {}

void RegisterBenchmarks(bool smoke) {
  const ArgLists w3 = Sizes(smoke).w3;
  Register("BM_W3_Rosenbrock_FwdOverRev", BM_W3_Rosenbrock_FwdOverRev, w3,
           benchmark::kMillisecond, smoke);
  Register("BM_W3_Rosenbrock_HVP", BM_W3_Rosenbrock_HVP, w3, benchmark::kMicrosecond, smoke);
  Register("BM_W4_Chain_Forward", BM_W4_Chain_Forward, {{}}, benchmark::kMicrosecond, smoke);
  Register("BM_W4_Chain_Grad", BM_W4_Chain_Grad, {{}}, benchmark::kMicrosecond, smoke);
}

void PrintChecks() {
  const std::vector<double> x3 = CheckValues(kCheckW3N, 1.5, 0.4);
  RecordRosenbrock(RosenbrockTag(kCheckW3N), x3);
  PrintCheck("W3_Hessian", FullHessian(RosenbrockTag(kCheckW3N), x3));

  RecordChain(kChainTag, kCheckW4X);
  double x = kCheckW4X, y = 0, g = 0;
  function(kChainTag, 1, 1, &x, &y);
  gradient(kChainTag, 1, &x, &g);
  PrintCheck("W4_Forward", {y});
  PrintCheck("W4_Grad", {g});
}

}  // namespace cotangent::bench
