// File: benchmarks/bench_main.h
// The main() shared by every benchmark binary (bench_main.cc) and the hooks each binary
// defines for it. One main so that every binary, Cotangent's and the peers', takes the same
// flags: Google Benchmark's own (--benchmark_*), then --threads, --smoke and --check; and the
// workload sizes and registration helper they share, so that their rows pair up.

#ifndef COTANGENT_BENCHMARKS_BENCH_MAIN_H_
#define COTANGENT_BENCHMARKS_BENCH_MAIN_H_

#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"

namespace cotangent::bench {

using ArgLists = std::vector<std::vector<int64_t>>;

// The arguments of W1 (rows, cols), W2 (batch), W3 (n) and W5 (n) of docs/benchmarks.md; tiny
// ones for --smoke.
struct WorkloadSizes {
  ArgLists w1, w2, w3, w5;
};
WorkloadSizes Sizes(bool smoke);

// Registers `fn` as `name` once per argument list, timed in real time; `smoke`: one iteration.
void Register(const char* name, void (*fn)(benchmark::State&), const ArgLists& args,
              benchmark::TimeUnit unit, bool smoke);

// Caps the threads of the library being measured at n >= 1 (all cores when --threads is not
// given), before anything is registered or run.
void SetThreads(int n);

// Registers the binary's benchmarks; `smoke`: every one once on tiny sizes (CI). Binaries that
// register statically (BENCHMARK macros) define it empty.
void RegisterBenchmarks(bool smoke);

// --check: prints "check <name> <value>" lines for the small deterministic cases of
// benchmarks/check_inputs.h and exits, so that benchmarks/compare.py can verify that the peers
// compute the same numbers. Binaries without checks print nothing.
void PrintChecks();

}  // namespace cotangent::bench

#endif  // COTANGENT_BENCHMARKS_BENCH_MAIN_H_
