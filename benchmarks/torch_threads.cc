// File: benchmarks/torch_threads.cc
// SetThreads (bench_main.h) for the LibTorch binaries: LibTorch's intra-op threads.

#include <torch/torch.h>

#include "benchmarks/bench_main.h"

namespace cotangent::bench {

void SetThreads(int n) {
  at::set_num_threads(n);
  // Inter-op parallelism only runs independent graph branches concurrently (TorchScript's
  // fork); one thread so the intra-op count is the whole budget.
  at::set_num_interop_threads(1);
  torch::manual_seed(0);
}

}  // namespace cotangent::bench
