// File: benchmarks/control_flow_benchmark.cc
// What structured control flow buys (docs/control_flow.md). The gradient of a 1024-step
// recurrence, h = tanh(W h + x_t) with 64 units:
//   - as a scan, eagerly and under jit;
//   - as the unrolled C++ loop;
//   - with the step checkpointed (nothing_saveable);
//   - as sqrt(n) checkpointed segments of sqrt(n) steps;
//   - with respect to h0, with a step that reads cos(w), a loop-invariant residual.
// Each reports the peak CPU bytes of one gradient (the backend's counter) and the equations
// of the gradient's program. Also vmap of a while_loop whose lanes need 0 to 143 steps,
// against a loop of single runs. main() and its flags are benchmarks/bench_main.cc's.

#include <cmath>
#include <functional>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

constexpr int64_t kUnits = 64;

struct Rnn {
  ct::Tensor w, xs, h0;
  explicit Rnn(int64_t steps) {
    auto [kw, kx, kh] = ct::random::split<3>(ct::random::key(3));
    w = ct::random::normal(kw, {kUnits, kUnits}) * (0.9 / std::sqrt(kUnits));
    xs = ct::random::normal(kx, {steps, kUnits}) * 0.5;
    h0 = ct::random::normal(kh, {kUnits});
  }
};

ct::Tensor Step(const ct::Tensor& w, const ct::Tensor& h, const ct::Tensor& x) {
  return ct::tanh(ct::matmul(w, h) + x);
}

enum class Form { kScan, kUnrolled, kCheckpointStep, kSqrtSegments };

// sum(h_T) of the recurrence, written in `form`.
ct::Tensor Final(Form form, const ct::Tensor& w, const ct::Tensor& h0, const ct::Tensor& xs) {
  const auto body = [&](const ct::Tensor& h, const ct::Tensor& x) {
    return std::pair{Step(w, h, x), std::tuple<>()};
  };
  const int64_t n = xs.shape()[0];
  switch (form) {
    case Form::kScan:
      return ct::sum(ct::scan(body, h0, xs).first);
    case Form::kUnrolled: {
      ct::Tensor h = h0;
      for (int64_t t = 0; t < n; ++t) h = Step(w, h, xs[t]);
      return ct::sum(h);
    }
    case Form::kCheckpointStep:
      return ct::sum(ct::scan(ct::checkpoint(body), h0, xs).first);
    case Form::kSqrtSegments: {
      // n = s * s: an outer scan over s segments, each a checkpointed inner scan of s steps.
      const auto s = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(n))));
      const ct::Tensor segments = ct::reshape(xs, {s, s, kUnits});
      const auto segment = ct::checkpoint([&](const ct::Tensor& h, const ct::Tensor& seg) {
        return std::pair{ct::scan(body, h, seg).first, std::tuple<>()};
      });
      return ct::sum(ct::scan(segment, h0, segments).first);
    }
  }
  return {};
}

// Runs grad(loss) at x: the peak CPU bytes of one gradient (the backend's counter), the
// equations of its program, then the timed loop.
void MeasureGrad(benchmark::State& state, const std::function<ct::Tensor(const ct::Tensor&)>& loss,
                 const ct::Tensor& x, bool jitted) {
  const std::function<ct::Tensor(const ct::Tensor&)> g =
      jitted ? std::function<ct::Tensor(const ct::Tensor&)>(ct::jit(ct::grad(loss)))
             : std::function<ct::Tensor(const ct::Tensor&)>(ct::grad(loss));
  benchmark::DoNotOptimize(g(x).to_vector<float>());  // warm (jit: trace and compile)
  ct::reset_peak_memory("cpu");
  const int64_t before = ct::memory_stats("cpu")->bytes_in_use;
  benchmark::DoNotOptimize(g(x).to_vector<float>());
  state.counters["peak_bytes"] =
      static_cast<double>(ct::memory_stats("cpu")->peak_bytes_in_use - before);
  state.counters["equations"] =
      static_cast<double>(ct::make_jaxpr(ct::grad(loss))(x).program->eqns.size());
  for (auto _ : state) benchmark::DoNotOptimize(g(x).to_vector<float>());
}

void GradOf(benchmark::State& state, Form form, bool jitted) {
  const Rnn rnn(state.range(0));
  const auto loss = [form, &rnn](const ct::Tensor& w) { return Final(form, w, rnn.h0, rnn.xs); };
  MeasureGrad(state, loss, rnn.w, jitted);
}

// The gradient with respect to h0 of a recurrence that reads a function of the weights,
// h = tanh(cos(w) h + x_t): reverse mode needs cos(w) at every step. scan computes it once,
// before the loop (JAX's hoisting of loop-invariant residuals), where stacking it would keep
// one 16 KiB copy per step.
void GradH0(benchmark::State& state, bool jitted) {
  const Rnn rnn(state.range(0));
  const auto loss = [&rnn](const ct::Tensor& h0) {
    const auto body = [&](const ct::Tensor& h, const ct::Tensor& x) {
      return std::pair{Step(ct::cos(rnn.w), h, x), std::tuple<>()};
    };
    return ct::sum(ct::scan(body, h0, rnn.xs).first);
  };
  MeasureGrad(state, loss, rnn.h0, jitted);
}

void BM_RnnGrad_Scan(benchmark::State& s) { GradOf(s, Form::kScan, false); }
void BM_RnnGrad_ScanJit(benchmark::State& s) { GradOf(s, Form::kScan, true); }
void BM_RnnGrad_Unrolled(benchmark::State& s) { GradOf(s, Form::kUnrolled, false); }
void BM_RnnGrad_UnrolledJit(benchmark::State& s) { GradOf(s, Form::kUnrolled, true); }
void BM_RnnGrad_CheckpointStep(benchmark::State& s) { GradOf(s, Form::kCheckpointStep, false); }
void BM_RnnGrad_CheckpointStepJit(benchmark::State& s) { GradOf(s, Form::kCheckpointStep, true); }
void BM_RnnGrad_SqrtSegments(benchmark::State& s) { GradOf(s, Form::kSqrtSegments, false); }
void BM_RnnGrad_SqrtSegmentsJit(benchmark::State& s) { GradOf(s, Form::kSqrtSegments, true); }
void BM_RnnGradH0_CosW(benchmark::State& s) { GradH0(s, false); }
void BM_RnnGradH0_CosWJit(benchmark::State& s) { GradH0(s, true); }

// Collatz steps of n, a while_loop whose trip count depends on its lane (0 to 143 for n <= 512).
ct::Tensor Steps(const ct::Tensor& n) {
  using State = std::pair<ct::Tensor, ct::Tensor>;
  return ct::while_loop([](const State& s) { return s.first > 1.0; },
                        [](const State& s) {
                          const ct::Tensor even = ct::floor(s.first / 2.0) * 2.0 == s.first;
                          return State{ct::where(even, s.first / 2.0, s.first * 3.0 + 1.0),
                                       s.second + 1.0};
                        },
                        State{n, ct::scalar(0.0)})
      .second;
}

ct::Tensor Starts(int64_t lanes) { return ct::arange(1.0, lanes + 1.0, 1.0, ct::f32); }

void BM_WhileTripCounts_Vmap(benchmark::State& state) {
  const ct::Tensor ns = Starts(state.range(0));
  const auto f = ct::jit(ct::vmap(Steps));
  benchmark::DoNotOptimize(f(ns).to_vector<float>());
  for (auto _ : state) benchmark::DoNotOptimize(f(ns).to_vector<float>());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_WhileTripCounts_Loop(benchmark::State& state) {
  const ct::Tensor ns = Starts(state.range(0));
  const auto f = ct::jit(Steps);
  benchmark::DoNotOptimize(f(ns[0]).to_vector<float>());
  for (auto _ : state) {
    std::vector<ct::Tensor> out;
    for (int64_t i = 0; i < state.range(0); ++i) out.push_back(f(ns[i]));
    benchmark::DoNotOptimize(ct::stack(out).to_vector<float>());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  const ArgLists steps = smoke ? ArgLists{{16}} : ArgLists{{1024}};
  const ArgLists lanes = smoke ? ArgLists{{8}} : ArgLists{{64}, {512}};
  for (const auto& [name, fn] : std::vector<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_RnnGrad_Scan", BM_RnnGrad_Scan},
           {"BM_RnnGrad_ScanJit", BM_RnnGrad_ScanJit},
           {"BM_RnnGrad_Unrolled", BM_RnnGrad_Unrolled},
           {"BM_RnnGrad_UnrolledJit", BM_RnnGrad_UnrolledJit},
           {"BM_RnnGrad_CheckpointStep", BM_RnnGrad_CheckpointStep},
           {"BM_RnnGrad_CheckpointStepJit", BM_RnnGrad_CheckpointStepJit},
           {"BM_RnnGrad_SqrtSegments", BM_RnnGrad_SqrtSegments},
           {"BM_RnnGrad_SqrtSegmentsJit", BM_RnnGrad_SqrtSegmentsJit},
           {"BM_RnnGradH0_CosW", BM_RnnGradH0_CosW},
           {"BM_RnnGradH0_CosWJit", BM_RnnGradH0_CosWJit}}) {
    Register(name, fn, steps, benchmark::kMillisecond, smoke);
  }
  Register("BM_WhileTripCounts_Vmap", BM_WhileTripCounts_Vmap, lanes, benchmark::kMillisecond,
           smoke);
  Register("BM_WhileTripCounts_Loop", BM_WhileTripCounts_Loop, lanes, benchmark::kMillisecond,
           smoke);
}

void PrintChecks() {}

}  // namespace cotangent::bench
