// File: benchmarks/sort_benchmark.cc
// argsort (the sort primitive, docs/reference.md "Sorting") of f32 lines of n elements,
// against its peer in plain C++: std::sort of (key, index) pairs per line, one thread, which is
// what the CPU kernel does per line (plus mapping floats to integer order keys), and
// std::stable_sort of indices by value. Run once per backend (COTANGENT_BACKEND=vulkan for the
// Vulkan network; the peers stay on the CPU). Also sort (argsort and a gather; the gather
// alone, take_along_axis, and its transpose, a scatter-add), top_k (argsort of the first k,
// then a gather) against std::partial_sort of (key, index) pairs per line, and searchsorted
// (argsort and gathers) against std::lower_bound. Results: docs/benchmarks.md. main() and its
// flags are benchmarks/bench_main.cc's.

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

// [lines, n] uniform in [-1, 1).
ct::Tensor Lines(const benchmark::State& state) {
  return ct::random::uniform(ct::random::key(1), {state.range(0), state.range(1)}, ct::f32, -1.0,
                             1.0);
}

void SetItems(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(1));
}

void BM_Argsort(benchmark::State& state) {
  const ct::Tensor x = Lines(state);
  for (auto _ : state) benchmark::DoNotOptimize(ct::argsort(x, 1).to_vector<int32_t>());
  SetItems(state);
}

// The sorted values: argsort, then take_along_axis (a gather with an index vector per element).
void BM_Sort(benchmark::State& state) {
  const ct::Tensor x = Lines(state);
  for (auto _ : state) benchmark::DoNotOptimize(ct::sort(x, 1).to_vector<float>());
  SetItems(state);
}

// sort's gather alone: take_along_axis by a permutation computed once.
void BM_TakeAlongAxis(benchmark::State& state) {
  const ct::Tensor x = Lines(state);
  const ct::Tensor perm = ct::argsort(x, 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ct::take_along_axis(x, perm, 1).block_until_ready());
  }
  SetItems(state);
}

// The transpose of sort's gather: scatter-adding cotangents back through a permutation (the
// gradient of a sort), one element per index vector.
void BM_ScatterAlongAxis(benchmark::State& state) {
  const ct::Tensor x = Lines(state);
  const ct::Tensor perm = ct::argsort(x, 1);
  const ct::Tensor rows = ct::reshape(ct::arange(state.range(0)), {state.range(0), 1});
  for (auto _ : state) {
    benchmark::DoNotOptimize(ct::at(ct::zeros_like(x), {rows, perm}).add(x).block_until_ready());
  }
  SetItems(state);
}

void BM_TopK16(benchmark::State& state) {
  const ct::Tensor x = Lines(state);
  for (auto _ : state) benchmark::DoNotOptimize(ct::top_k(x, 16).first.to_vector<float>());
  SetItems(state);
}

// n queries into one sorted line of n.
void BM_Searchsorted(benchmark::State& state) {
  const int64_t n = state.range(0) * state.range(1);
  const ct::Tensor a = ct::sort(ct::reshape(Lines(state), {n}));
  const ct::Tensor v = ct::random::uniform(ct::random::key(2), {n}, ct::f32, -1.0, 1.0);
  for (auto _ : state) benchmark::DoNotOptimize(ct::searchsorted(a, v).to_vector<int32_t>());
  SetItems(state);
}

void BM_StdSortPairs(benchmark::State& state) {
  const std::vector<float> x = Lines(state).to_vector<float>();
  const int64_t n = state.range(1);
  std::vector<std::pair<float, int32_t>> pairs(n);
  std::vector<int32_t> out(x.size());
  for (auto _ : state) {
    for (size_t line = 0; line < x.size(); line += n) {
      for (int64_t i = 0; i < n; ++i) pairs[i] = {x[line + i], static_cast<int32_t>(i)};
      std::sort(pairs.begin(), pairs.end());
      for (int64_t i = 0; i < n; ++i) out[line + i] = pairs[i].second;
    }
    benchmark::DoNotOptimize(out.data());
  }
  SetItems(state);
}

// top_k(16)'s peer: the 16 largest (key, index) pairs of each line, first, one thread.
void BM_StdPartialSortPairs16(benchmark::State& state) {
  const std::vector<float> x = Lines(state).to_vector<float>();
  const int64_t n = state.range(1), k = std::min<int64_t>(16, n);
  std::vector<std::pair<float, int32_t>> pairs(n);
  std::vector<int32_t> out(x.size() / n * k);
  for (auto _ : state) {
    for (size_t line = 0; line < x.size(); line += n) {
      for (int64_t i = 0; i < n; ++i) pairs[i] = {-x[line + i], static_cast<int32_t>(i)};
      std::partial_sort(pairs.begin(), pairs.begin() + k, pairs.end());
      for (int64_t i = 0; i < k; ++i) out[line / n * k + i] = pairs[i].second;
    }
    benchmark::DoNotOptimize(out.data());
  }
  SetItems(state);
}

void BM_StdStableSortIndices(benchmark::State& state) {
  const std::vector<float> x = Lines(state).to_vector<float>();
  const int64_t n = state.range(1);
  std::vector<int32_t> out(x.size());
  for (auto _ : state) {
    for (size_t line = 0; line < x.size(); line += n) {
      int32_t* order = out.data() + line;
      std::iota(order, order + n, 0);
      const float* v = x.data() + line;
      std::stable_sort(order, order + n, [&](int32_t a, int32_t b) { return v[a] < v[b]; });
    }
    benchmark::DoNotOptimize(out.data());
  }
  SetItems(state);
}

// searchsorted's peer: std::lower_bound of each query, one thread.
void BM_StdLowerBound(benchmark::State& state) {
  const int64_t n = state.range(0) * state.range(1);
  std::vector<float> a = Lines(state).to_vector<float>();
  std::sort(a.begin(), a.end());
  const std::vector<float> v =
      ct::random::uniform(ct::random::key(2), {n}, ct::f32, -1.0, 1.0).to_vector<float>();
  std::vector<int32_t> out(n);
  for (auto _ : state) {
    for (int64_t i = 0; i < n; ++i) {
      out[i] = static_cast<int32_t>(std::lower_bound(a.begin(), a.end(), v[i]) - a.begin());
    }
    benchmark::DoNotOptimize(out.data());
  }
  SetItems(state);
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  // {lines, n}: one long line, a square, many short lines.
  const ArgLists sizes =
      smoke ? ArgLists{{4, 256}} : ArgLists{{1, 1 << 20}, {1024, 1024}, {1 << 15, 32}};
  for (const auto& [name, fn] : std::vector<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_Argsort", BM_Argsort},
           {"BM_Sort", BM_Sort},
           {"BM_TakeAlongAxis", BM_TakeAlongAxis},
           {"BM_ScatterAlongAxis", BM_ScatterAlongAxis},
           {"BM_TopK16", BM_TopK16},
           {"BM_Searchsorted", BM_Searchsorted},
           {"BM_StdSortPairs", BM_StdSortPairs},
           {"BM_StdPartialSortPairs16", BM_StdPartialSortPairs16},
           {"BM_StdStableSortIndices", BM_StdStableSortIndices},
           {"BM_StdLowerBound", BM_StdLowerBound}}) {
    Register(name, fn, sizes, benchmark::kMillisecond, smoke);
  }
}

void PrintChecks() {}

}  // namespace cotangent::bench
