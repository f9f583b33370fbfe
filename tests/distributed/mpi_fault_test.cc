// File: tests/distributed/mpi_fault_test.cc
// Faults across processes (run by mpi_fault_test.sh under mpirun -np 2): with `diverge`,
// process 1 never joins process 0's psum, and process 0 must fail with the timeout's Error
// (then abort the job, as an application should); with `die`, process 1 exits mid-run without
// a word, and the job must end in bounded time, not hang.

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "cotangent/cotangent.h"
#include "distributed/distributed.h"

namespace ct = cotangent;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  ct::distributed::Initialize();
  ct::distributed::Mesh mesh({{"data", ct::distributed::process_count()}}, {.timeout_seconds = 3});
  if (ct::distributed::process_index() == 1) {
    if (mode == "die") std::_Exit(7);
    std::this_thread::sleep_for(std::chrono::seconds(30));  // another path: never joins
    return 0;
  }
  try {
    ct::psum(ct::ones({4}), "data").to_vector<float>();
    std::printf("process 0: psum returned without process 1\n");
    return 1;
  } catch (const ct::Error& e) {
    std::printf("process 0 failed cleanly: %s\n", e.what());
    std::fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  return 1;
}
