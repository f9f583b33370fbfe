// File: benchmarks/bench_main.cc
// main() of every benchmark binary: Google Benchmark parses (and removes) its --benchmark_*
// flags first, absl parses the rest, so an unknown flag is an error rather than ignored. Also
// the shared sizes and registration helper of bench_main.h.

#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_main.h"

ABSL_FLAG(int, threads, 0,
          "threads the measured library may use; 0 (the default) means every core");
ABSL_FLAG(bool, smoke, false, "run every benchmark once on tiny sizes (the CI smoke test)");
ABSL_FLAG(bool, check, false,
          "print 'check <name> <value>' lines for the small fixed cases and exit");

namespace cotangent::bench {

WorkloadSizes Sizes(bool smoke) {
  if (smoke) return {{{3, 4}}, {{4}}, {{10}}, {{16}}};
  return {{{30, 40}}, {{64}}, {{10}, {100}, {1000}, {3000}}, {{128}, {1024}}};
}

void Register(const char* name, void (*fn)(benchmark::State&), const ArgLists& args,
              benchmark::TimeUnit unit, bool smoke) {
  for (const auto& a : args) {
    auto* b = benchmark::RegisterBenchmark(name, fn)->Args(a)->Unit(unit)->UseRealTime();
    if (smoke) b->Iterations(1);
  }
}

}  // namespace cotangent::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  absl::ParseCommandLine(argc, argv);
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 0) {
    std::fprintf(stderr, "--threads must be >= 0, got %d\n", threads);
    return 2;
  }
  if (threads == 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads == 0) threads = 1;  // hardware_concurrency() may not know
  cotangent::bench::SetThreads(threads);
  if (absl::GetFlag(FLAGS_check)) {
    cotangent::bench::PrintChecks();
    return 0;
  }
  // Recorded in the JSON context, so a result file says which thread count produced it.
  benchmark::AddCustomContext("threads", std::to_string(threads));
  cotangent::bench::RegisterBenchmarks(absl::GetFlag(FLAGS_smoke));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
