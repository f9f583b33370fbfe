// File: benchmarks/random_benchmark.cc
// The PRNG (cotangent/random.h) eagerly, as a training script calls it: split and fold_in of
// one key (the cost of a call), and uniform, normal and permutation of n values (the cost per
// value), each until its result is on the host. The source compiles against the host-side
// PRNG of 6af6c2e too (keys as two words), so benchmarks/before_after.py compares the traced,
// compiled samplers with it in one run (docs/benchmarks.md, "The PRNG"). main() and its flags
// are benchmarks/bench_main.cc's.

#include <cstdint>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

// Reads a key back to the host (a no-op for keys that are host values).
template <typename K>
void Sync(const K& key) {
  if constexpr (requires { key.data(); })
    benchmark::DoNotOptimize(key.data().template to_vector<uint32_t>());
  benchmark::DoNotOptimize(key);
}

void BM_Split(benchmark::State& state) {
  auto key = ct::random::key(0);
  for (auto _ : state) {
    const auto [next, sub] = ct::random::split<2>(key);
    Sync(sub);
    key = next;
  }
}

void BM_FoldIn(benchmark::State& state) {
  const auto key = ct::random::key(0);
  uint32_t i = 0;
  for (auto _ : state) Sync(ct::random::fold_in(key, i++));
}

void SetItems(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_UniformF32(benchmark::State& state) {
  const auto key = ct::random::key(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ct::random::uniform(key, {state.range(0)}).to_vector<float>());
  }
  SetItems(state);
}

void BM_NormalF32(benchmark::State& state) {
  const auto key = ct::random::key(2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ct::random::normal(key, {state.range(0)}).to_vector<float>());
  }
  SetItems(state);
}

void BM_NormalF64(benchmark::State& state) {
  const auto key = ct::random::key(3);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ct::random::normal(key, {state.range(0)}, ct::f64).to_vector<double>());
  }
  SetItems(state);
}

// An epoch's shuffle of Fashion-MNIST's 60000 images: two sort rounds.
void BM_Permutation(benchmark::State& state) {
  const auto key = ct::random::key(4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ct::random::permutation(key, state.range(0)).to_vector<int32_t>());
  }
  SetItems(state);
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  using Fn = void (*)(benchmark::State&);
  Register("BM_Split", BM_Split, {{}}, benchmark::kMicrosecond, smoke);
  Register("BM_FoldIn", BM_FoldIn, {{}}, benchmark::kMicrosecond, smoke);
  const ArgLists sizes = smoke ? ArgLists{{100}} : ArgLists{{1 << 10}, {1 << 20}};
  for (const auto& [name, fn] : std::vector<std::pair<const char*, Fn>>{
           {"BM_UniformF32", BM_UniformF32}, {"BM_NormalF32", BM_NormalF32},
           {"BM_NormalF64", BM_NormalF64}}) {
    Register(name, fn, sizes, benchmark::kMicrosecond, smoke);
  }
  Register("BM_Permutation", BM_Permutation, {{smoke ? 100 : 60000}}, benchmark::kMicrosecond,
           smoke);
}

void PrintChecks() {}

}  // namespace cotangent::bench
