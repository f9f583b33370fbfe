// File: benchmarks/linalg_benchmark.cc
// The linear algebra functions (docs/reference.md "Linear algebra") on batches of f64
// matrices: cholesky, solve (LU) and eigh of [batch, n, n], and the gradient of slogdet, which
// is an LU and a triangular solve per matrix; and cholesky, solve and eigh of c128 matrices
// (the *C128 rows). Their peer is numpy.linalg over the same LAPACK
// (benchmarks/linalg_numpy.py, run in the same session); the matrices are the same
// well-conditioned b b^H + n I. Results: docs/benchmarks.md. main() and its flags are
// benchmarks/bench_main.cc's.

#include <cstdint>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

// [batch, n, n] symmetric (Hermitian, for c128) positive definite: b b^H + n I.
ct::Tensor Spd(const benchmark::State& state, ct::DType dtype = ct::f64) {
  const int64_t batch = state.range(0), n = state.range(1);
  ct::Tensor b = ct::random::uniform(ct::random::key(1), {batch, n, n}, ct::f64, -1.0, 1.0);
  if (dtype == ct::c128) {
    b = ct::complex(b, ct::random::uniform(ct::random::key(3), {batch, n, n}, ct::f64, -1.0, 1.0));
  }
  const ct::Tensor bh = ct::transpose(dtype == ct::c128 ? ct::conj(b) : b, {0, 2, 1});
  return ct::matmul(b, bh) + ct::astype(ct::eye(n, ct::f64), dtype) * static_cast<double>(n);
}

void SetItems(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0));  // matrices
}

void BM_Cholesky(benchmark::State& state) {
  const ct::Tensor a = Spd(state);
  for (auto _ : state) ct::linalg::cholesky(a, false, false).block_until_ready();
  SetItems(state);
}

// One right-hand side per matrix ([batch, n, 1]).
void BM_Solve(benchmark::State& state) {
  const ct::Tensor a = Spd(state);
  const ct::Tensor b =
      ct::random::uniform(ct::random::key(2), {state.range(0), state.range(1), 1}, ct::f64);
  for (auto _ : state) ct::linalg::solve(a, b).block_until_ready();
  SetItems(state);
}

void BM_LuFactor(benchmark::State& state) {
  const ct::Tensor a = Spd(state);
  for (auto _ : state) ct::linalg::lu_factor(a).lu.block_until_ready();
  SetItems(state);
}

void BM_Eigh(benchmark::State& state) {
  const ct::Tensor a = Spd(state);
  for (auto _ : state) ct::linalg::eigh(a, true, false).eigenvalues.block_until_ready();
  SetItems(state);
}

void BM_CholeskyC128(benchmark::State& state) {
  const ct::Tensor a = Spd(state, ct::c128);
  for (auto _ : state) ct::linalg::cholesky(a, false, false).block_until_ready();
  SetItems(state);
}

void BM_SolveC128(benchmark::State& state) {
  const ct::Tensor a = Spd(state, ct::c128);
  const ct::Tensor b = ct::astype(
      ct::random::uniform(ct::random::key(2), {state.range(0), state.range(1), 1}, ct::f64),
      ct::c128);
  for (auto _ : state) ct::linalg::solve(a, b).block_until_ready();
  SetItems(state);
}

void BM_EighC128(benchmark::State& state) {
  const ct::Tensor a = Spd(state, ct::c128);
  for (auto _ : state) ct::linalg::eigh(a, true, false).eigenvalues.block_until_ready();
  SetItems(state);
}

void BM_GradLogdet(benchmark::State& state) {
  const ct::Tensor a = Spd(state);
  const auto f = [](const ct::Tensor& m) { return ct::sum(ct::linalg::slogdet(m).logabsdet); };
  for (auto _ : state) ct::grad(f)(a).block_until_ready();
  SetItems(state);
}

// The gradient of sum(solve(a, b)) with respect to a and b (one right-hand side per matrix).
void BM_GradSolve(benchmark::State& state) {
  const ct::Tensor a = Spd(state);
  const ct::Tensor b =
      ct::random::uniform(ct::random::key(2), {state.range(0), state.range(1), 1}, ct::f64);
  const auto f = [](const ct::Tensor& a, const ct::Tensor& b) {
    return ct::sum(ct::linalg::solve(a, b));
  };
  for (auto _ : state) ct::grad(f, {0, 1})(a, b)[0].block_until_ready();
  SetItems(state);
}

}  // namespace

namespace cotangent::bench {

void RegisterBenchmarks(bool smoke) {
  // {batch, n}: many small matrices, one large one.
  const ArgLists sizes = smoke ? ArgLists{{4, 8}} : ArgLists{{256, 64}, {1, 512}};
  for (const auto& [name, fn] : std::vector<std::pair<const char*, void (*)(benchmark::State&)>>{
           {"BM_Cholesky", BM_Cholesky},
           {"BM_LuFactor", BM_LuFactor},
           {"BM_Solve", BM_Solve},
           {"BM_Eigh", BM_Eigh},
           {"BM_GradLogdet", BM_GradLogdet},
           {"BM_GradSolve", BM_GradSolve},
           {"BM_CholeskyC128", BM_CholeskyC128},
           {"BM_SolveC128", BM_SolveC128},
           {"BM_EighC128", BM_EighC128}}) {
    Register(name, fn, sizes, benchmark::kMillisecond, smoke);
  }
}

void PrintChecks() {}

}  // namespace cotangent::bench
