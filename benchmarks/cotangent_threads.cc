// File: benchmarks/cotangent_threads.cc
// SetThreads (bench_main.h) for the binaries that measure Cotangent: caps the CPU backend's
// pool, the only threads Cotangent runs work on.

#include "backends/cpu/thread_pool.h"
#include "benchmarks/bench_main.h"

namespace cotangent::bench {

void SetThreads(int n) { cpu::ThreadPool::Get().set_max_parallelism(n); }

}  // namespace cotangent::bench
