// File: distributed/distributed.h
// Cotangent across processes: MPI (Debian's OpenMPI) started once per process, and a Mesh of
// the processes with named axes, across which the collectives of cotangent/collectives.h run:
// psum(grads, "data") inside a jitted step all-reduces the processes' gradients. Link
// //distributed (CMake: cotangent::distributed); docs/distributed.md.

#ifndef COTANGENT_DISTRIBUTED_DISTRIBUTED_H_
#define COTANGENT_DISTRIBUTED_DISTRIBUTED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cotangent::distributed {

class MpiAxes;

// What the collectives of a mesh cost this process since it was made.
struct MeshStats {
  int64_t calls = 0;       // collectives run across processes
  int64_t bytes_sent = 0;  // operand bytes handed to MPI
  // Staged through the host: operands downloaded from a device backend (Vulkan) and results
  // uploaded back to it (zero on the CPU backend, where the host copy is a memcpy).
  int64_t bytes_staged_down = 0;
  int64_t bytes_staged_up = 0;
};

struct MpiOptions {
  // A collective not complete after this long throws (a process died, or took another path):
  // no process waits forever. The process cannot continue after it.
  double timeout_seconds = 300;
  // psum and pmean add in process order, the same bits on every run (MPI_Allgather, then the
  // sum here); otherwise MPI_Allreduce's order, which MPI leaves to the implementation.
  bool deterministic = false;
};

// Starts MPI once per process (MPI_Init_thread, MPI_THREAD_SERIALIZED: any thread may run a
// collective, one at a time); MPI_Finalize runs at exit. Under mpirun the processes and this
// one's rank come from it; run alone, the process is the only one.
void Initialize();
// This process's rank and the number of processes (Initialize first).
int process_index();
int process_count();
// The processes on this machine (MPI_COMM_TYPE_SHARED), this one included: a process sharing
// the cores with them takes its part (set_cpu_threads(cores / local_process_count())).
int local_process_count();

// The processes as a grid of named axes (row-major over ranks; the sizes multiply to
// process_count()). While the mesh lives, collectives over its names run across the
// processes, eagerly and under jit, with every rule of cotangent/collectives.h; a vmap of the
// same name shadows it inside that vmap. One mesh at a time.
class Mesh {
 public:
  explicit Mesh(std::vector<std::pair<std::string, int64_t>> axes, MpiOptions options = {});
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  // The axes and their sizes, as given; this process's index along `axis`.
  const std::vector<std::pair<std::string, int64_t>>& axes() const { return layout_; }
  int64_t index(std::string_view axis) const;
  MeshStats stats() const;

 private:
  std::vector<std::pair<std::string, int64_t>> layout_;
  std::shared_ptr<MpiAxes> axes_;
};

}  // namespace cotangent::distributed

#endif  // COTANGENT_DISTRIBUTED_DISTRIBUTED_H_
