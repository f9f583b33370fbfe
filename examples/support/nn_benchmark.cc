// File: examples/support/nn_benchmark.cc
// The measurements behind the Fashion-MNIST CNN's layers (docs/examples.md): each conv layer
// forward and forward+backward as the conv_general_dilated primitive (nn.h's conv2d) and, in
// the same run, as the im2col composition it replaced (pad, nine window slices, concatenate,
// one matmul; its backward the matmuls plus the slices' transposes); the matmuls alone, the
// im2col copy and its transpose; both pooling compositions; a whole training step. Counters
// report GFLOP/s of the convolution arithmetic (2 * multiply-adds; x3 for forward+backward).
// Run: bazel run -c opt //examples/support:nn_benchmark -- --benchmark_repetitions=5
// --threads=1 caps the CPU backend at one thread: its CPU time is then the work itself,
// which stays meaningful on a loaded machine where wall-clock times are not.

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "benchmark/benchmark.h"
#include "cotangent/cotangent.h"
#include "examples/support/cli.h"
#include "examples/support/nn.h"

// Unset (the default) leaves the CPU backend on every core; a std::optional because every int
// already means a thread count here (below 1: one thread, as before Abseil flags).
ABSL_FLAG(std::optional<int>, threads, std::nullopt,
          "cap the CPU backend at this many threads (below 1: one); default: every core");

namespace cotangent::nn {
namespace {

constexpr int64_t kBatch = 128;

// (H = W, C, O) of the CNN's two conv layers, by benchmark argument 0 or 1.
struct Layer {
  int64_t size, in, out;
};
constexpr Layer kLayers[] = {{28, 1, 16}, {14, 16, 32}};

double ConvFlops(const Layer& l) { return 2.0 * kBatch * l.size * l.size * 9 * l.in * l.out; }

// Wall-clock time (the kernels run on every core), in ms, with the minimum over repetitions
// reported beside the mean and median: on a shared machine the minimum is the least disturbed.
void Configure(benchmark::internal::Benchmark* b) {
  b->UseRealTime()
      ->Unit(benchmark::kMillisecond)
      ->ComputeStatistics("min", [](const std::vector<double>& v) {
        return *std::min_element(v.begin(), v.end());
      });
}

void Touch(const Tensor& t) { benchmark::DoNotOptimize(t.array()); }

void SetRate(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(state.range(0) == 0 ? "conv1 28x28 1->16" : "conv2 14x14 16->32");
}

// The 3x3 SAME convolution as im2col: the nine shifted windows of the padded input
// concatenated along channels, times the kernel as a [9 C, O] matrix. Its derivative comes from
// the rules of pad, slice, concatenate and dot_general.
Tensor Im2col(const Tensor& x) {
  const int64_t n = x.shape()[0], h = x.shape()[1], wd = x.shape()[2], c = x.shape()[3];
  const Tensor xp = lax::pad(x, 0.0, {0, 1, 1, 0}, {0, 1, 1, 0});
  std::vector<Tensor> windows;
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      windows.push_back(lax::slice(xp, {0, i, j, 0}, {n, i + h, j + wd, c}));
    }
  }
  return concatenate(windows, 3);
}

Tensor Conv2dIm2col(const Tensor& x, const Tensor& w) {
  const int64_t n = x.shape()[0], h = x.shape()[1], wd = x.shape()[2], c = x.shape()[3];
  const Tensor cols = reshape(Im2col(x), {n * h * wd, 9 * c});
  return reshape(matmul(cols, reshape(w, {9 * c, w.shape()[3]})), {n, h, wd, w.shape()[3]});
}

template <bool kIm2col>
Tensor Conv(const Tensor& x, const Tensor& w) {
  return kIm2col ? Conv2dIm2col(x, w) : conv2d(x, w);
}

template <bool kIm2col>
void BM_Conv2dForward(benchmark::State& state) {
  const Layer l = kLayers[state.range(0)];
  const auto [kx, kw] = random::split<2>(random::key(0));
  const Tensor x = random::normal(kx, {kBatch, l.size, l.size, l.in});
  const Tensor w = random::normal(kw, {3, 3, l.in, l.out});
  for (auto _ : state) Touch(Conv<kIm2col>(x, w));
  SetRate(state, ConvFlops(l));
}
BENCHMARK(BM_Conv2dForward<false>)->Name("BM_Conv2dForward/primitive")->Arg(0)->Arg(1)
    ->Apply(Configure);
BENCHMARK(BM_Conv2dForward<true>)->Name("BM_Conv2dForward/im2col")->Arg(0)->Arg(1)
    ->Apply(Configure);

// Gradient with respect to input and kernel: the forward pass and the two transposes.
template <bool kIm2col>
void BM_Conv2dGrad(benchmark::State& state) {
  const Layer l = kLayers[state.range(0)];
  const auto [kx, kw, kr] = random::split<3>(random::key(0));
  const Tensor x = random::normal(kx, {kBatch, l.size, l.size, l.in});
  const Tensor w = random::normal(kw, {3, 3, l.in, l.out});
  const Tensor r = random::normal(kr, {kBatch, l.size, l.size, l.out});
  const auto loss = [&](const Tensor& x, const Tensor& w) { return sum(Conv<kIm2col>(x, w) * r); };
  const auto g = grad(loss, {0, 1});
  for (auto _ : state) Touch(g(x, w)[0]);
  SetRate(state, 3 * ConvFlops(l));
}
BENCHMARK(BM_Conv2dGrad<false>)->Name("BM_Conv2dGrad/primitive")->Arg(0)->Arg(1)
    ->Apply(Configure);
BENCHMARK(BM_Conv2dGrad<true>)->Name("BM_Conv2dGrad/im2col")->Arg(0)->Arg(1)->Apply(Configure);

// The three matmuls of conv forward + backward on already-laid-out patches: what a conv
// primitive built on the same GEMM would cost at least.
void BM_Conv2dMatmulsOnly(benchmark::State& state) {
  const Layer l = kLayers[state.range(0)];
  const int64_t rows = kBatch * l.size * l.size, k = 9 * l.in;
  const auto [kp, kw, kd] = random::split<3>(random::key(0));
  const Tensor p = random::normal(kp, {rows, k});
  const Tensor w = random::normal(kw, {k, l.out});
  const Tensor d = random::normal(kd, {rows, l.out});
  for (auto _ : state) {
    Touch(matmul(p, w));             // forward
    Touch(matmul(d, transpose(w)));  // d patches
    Touch(matmul(transpose(p), d));  // d kernel
  }
  SetRate(state, 3 * ConvFlops(l));
}
BENCHMARK(BM_Conv2dMatmulsOnly)->Arg(0)->Arg(1)->Apply(Configure);

// im2col alone: pad, nine window slices, concatenate.
void BM_Im2col(benchmark::State& state) {
  const Layer l = kLayers[state.range(0)];
  const Tensor x = random::normal(random::key(0), {kBatch, l.size, l.size, l.in});
  for (auto _ : state) Touch(Im2col(x));
  SetRate(state, 0);
}
BENCHMARK(BM_Im2col)->Arg(0)->Arg(1)->Apply(Configure);

// Its transpose, as the backward pass runs it: nine slices of the patch cotangent, each
// padded back to the input's padded shape, summed.
void BM_Col2im(benchmark::State& state) {
  const Layer l = kLayers[state.range(0)];
  const Tensor ct = random::normal(random::key(0), {kBatch, l.size, l.size, 9 * l.in});
  for (auto _ : state) {
    Tensor acc;
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t j = 0; j < 3; ++j) {
        const int64_t c0 = (i * 3 + j) * l.in;
        const Tensor s = lax::slice(ct, {0, 0, 0, c0}, {kBatch, l.size, l.size, c0 + l.in});
        const Tensor p = lax::pad(s, 0.0, {0, i, j, 0}, {0, 2 - i, 2 - j, 0});
        acc = acc.defined() ? acc + p : p;
      }
    }
    Touch(acc);
  }
  SetRate(state, 0);
}
BENCHMARK(BM_Col2im)->Arg(0)->Arg(1)->Apply(Configure);

// 2x2 max pooling as the maximum of four stride-2 slices (the alternative to nn.h's
// reshape + reduce_max), forward + backward.
Tensor MaxPoolBySlices(const Tensor& x) {
  const Shape& s = x.shape();
  const auto corner = [&](int64_t i, int64_t j) {
    return lax::slice(x, {0, i, j, 0}, s, {1, 2, 2, 1});
  };
  return maximum(maximum(corner(0, 0), corner(0, 1)), maximum(corner(1, 0), corner(1, 1)));
}

template <bool kSlices>
void BM_MaxPoolGrad(benchmark::State& state) {
  const Layer l = kLayers[state.range(0)];
  const Tensor x = random::normal(random::key(0), {kBatch, l.size, l.size, l.out});
  const auto loss = [](const Tensor& t) {
    return sum(square(kSlices ? MaxPoolBySlices(t) : max_pool2d(t)));
  };
  const auto g = grad(loss);
  for (auto _ : state) Touch(g(x));
  SetRate(state, 0);
}
BENCHMARK(BM_MaxPoolGrad<false>)
    ->Name("BM_MaxPoolGrad/reshape_max")
    ->Arg(0)
    ->Arg(1)
    ->Apply(Configure);
BENCHMARK(BM_MaxPoolGrad<true>)
    ->Name("BM_MaxPoolGrad/four_slices")
    ->Arg(0)
    ->Arg(1)
    ->Apply(Configure);

// A whole training step of the example's CNN (forward, backward, SGD), batch 128.
void BM_TrainStep(benchmark::State& state) {
  auto k = random::split(random::key(0), 6);
  std::map<std::string, Tensor> p = {
      {"c1", random::normal(k[0], {3, 3, 1, 16}) * 0.47},  {"b1", zeros({16})},
      {"c2", random::normal(k[1], {3, 3, 16, 32}) * 0.12}, {"b2", zeros({32})},
      {"w3", random::normal(k[2], {1568, 128}) * 0.036},   {"b3", zeros({128})},
      {"w4", random::normal(k[3], {128, 10}) * 0.125},     {"b4", zeros({10})}};
  const Tensor x = random::uniform(k[4], {kBatch, 28, 28, 1});
  const Tensor y = astype(random::uniform(k[5], {kBatch}) * 10.0, i32);
  const auto loss = [](const std::map<std::string, Tensor>& p, const Tensor& x, const Tensor& y) {
    Tensor h = relu(max_pool2d(conv2d(x, p.at("c1"))) + p.at("b1"));
    h = relu(max_pool2d(conv2d(h, p.at("c2"))) + p.at("b2"));
    h = relu(matmul(reshape(h, {kBatch, -1}), p.at("w3")) + p.at("b3"));
    return cross_entropy(matmul(h, p.at("w4")) + p.at("b4"), y);
  };
  const auto vg = value_and_grad(loss);
  for (auto _ : state) {
    auto [value, g] = vg(p, x, y);
    p = TreeMap([](const Tensor& a, const Tensor& b) { return a - 0.01 * b; }, p, g);
    benchmark::DoNotOptimize(value.item<float>());
  }
  const double fwd = 2.0 * kBatch * (28 * 28 * 9 * 16 + 14 * 14 * 9 * 16 * 32 + 1568 * 128 + 1280);
  state.counters["GFLOP/s"] = benchmark::Counter(
      3 * fwd * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainStep)->Apply(Configure);

}  // namespace
}  // namespace cotangent::nn

namespace {

// benchmark::Initialize answers --help itself (and exits), so the Abseil flags are added here.
void PrintHelp() {
  benchmark::PrintDefaultHelp();
  std::printf("  [--threads=<n>]  (cap the CPU backend at n threads; --helpfull: all flags)\n");
}

// As benchmarks/bench_main.cc: Google Benchmark parses (and removes) its --benchmark_* flags
// first, Abseil the rest, so a misspelled flag or a stray argument is an error, not ignored.
int Run(int argc, char** argv) {
  benchmark::Initialize(&argc, argv, PrintHelp);
  cotangent::cli::ParseFlags(argc, argv, "the conv2d and max-pooling lowering measurements");
  if (const std::optional<int> threads = absl::GetFlag(FLAGS_threads)) {
    cotangent::set_cpu_threads(std::max(1, *threads));
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return cotangent::cli::Main(argc, argv, Run); }
