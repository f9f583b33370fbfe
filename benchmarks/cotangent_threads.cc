// File: benchmarks/cotangent_threads.cc
// SetThreads (bench_main.h) for the binaries that measure Cotangent: caps the CPU backend's
// threads, the only threads Cotangent runs work on (cotangent::set_cpu_threads).

#include "benchmarks/bench_main.h"
#include "cotangent/cotangent.h"

namespace cotangent::bench {

void SetThreads(int n) { set_cpu_threads(n); }

}  // namespace cotangent::bench
