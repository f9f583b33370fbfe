// File: benchmarks/distributed_benchmark.cc
// psum across MPI processes (distributed/distributed.h) against a plain MPI_Allreduce loop on
// the same f32 buffers, 1 KiB to 64 MiB: what Cotangent adds to the all-reduce (the host copy
// in and out of the operand, the dispatch through Bind). Run under mpirun, e.g.
//   tests/distributed/mpirun.sh 2 bazel-bin/benchmarks/distributed_benchmark
// Its own main: MPI starts before Google Benchmark, every process runs the same fixed number
// of iterations (one collective each, so none waits for a partner that stopped), and process
// 0 alone reports.

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "cotangent/cotangent.h"
#include "distributed/distributed.h"

namespace ct = cotangent;

namespace {

// Iterations for a buffer of `bytes`: about 256 MiB moved per benchmark, 4 to 2000.
int64_t IterationsFor(int64_t bytes) {
  return std::clamp<int64_t>((int64_t{256} << 20) / bytes, 4, 2000);
}

void BM_Psum(benchmark::State& state) {
  const int64_t bytes = state.range(0);
  const ct::Tensor x = ct::arange(bytes / 4, ct::f32);  // dense, as gradients are
  // The steady state of a training loop: one psum first, so that the timed ones find their
  // host memory already mapped (as the MPI loop's buffers are, written when made).
  benchmark::DoNotOptimize(ct::psum(x, "data"));
  for (auto _ : state) {
    ct::Tensor y = ct::psum(x, "data");
    benchmark::DoNotOptimize(y);
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_MpiAllreduce(benchmark::State& state) {
  const int64_t bytes = state.range(0);
  std::vector<float> in(bytes / 4, 1.0f), out(bytes / 4);
  for (auto _ : state) {
    MPI_Allreduce(in.data(), out.data(), static_cast<int>(in.size()), MPI_FLOAT, MPI_SUM,
                  MPI_COMM_WORLD);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}

// The reporter of the processes other than 0: they run every iteration, and print nothing.
class Quiet : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

void RegisterAll() {
  for (int64_t bytes = 1024; bytes <= (int64_t{64} << 20); bytes *= 4) {
    using Fn = void (*)(benchmark::State&);
    for (const auto& [name, fn] :
         {std::pair<const char*, Fn>{"BM_Psum", BM_Psum},
          std::pair<const char*, Fn>{"BM_MpiAllreduce", BM_MpiAllreduce}}) {
      benchmark::RegisterBenchmark(name, fn)
          ->Arg(bytes)
          ->Iterations(IterationsFor(bytes))
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  ct::distributed::Initialize();
  const ct::distributed::Mesh mesh({{"data", ct::distributed::process_count()}});
  benchmark::Initialize(&argc, argv);
  RegisterAll();
  if (ct::distributed::process_index() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    Quiet quiet;
    benchmark::RunSpecifiedBenchmarks(&quiet);
  }
  benchmark::Shutdown();
  return 0;
}
