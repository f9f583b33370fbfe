// File: distributed/mpi_axes.h
// The process axes of a mesh over MPI's processes (core/interpreter.h ProcessAxes): one
// communicator per named axis, and the collectives run as MPI's (MPI_Allreduce, MPI_Allgather,
// MPI_Reduce_scatter_block, MPI_Alltoall, MPI_Isend/MPI_Irecv) on host copies of the operands.
// Start reading at MpiAxes::Run.

#ifndef COTANGENT_DISTRIBUTED_MPI_AXES_H_
#define COTANGENT_DISTRIBUTED_MPI_AXES_H_

#include <mpi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/interpreter.h"
#include "distributed/distributed.h"

namespace cotangent::distributed {

class MpiAxes final : public ProcessAxes {
 public:
  // The processes of MPI_COMM_WORLD as a row-major grid of the named axes (sizes multiply to
  // the number of processes).
  MpiAxes(std::vector<std::pair<std::string, int64_t>> axes, MpiOptions options);
  ~MpiAxes() override;
  MpiAxes(const MpiAxes&) = delete;
  MpiAxes& operator=(const MpiAxes&) = delete;

  int64_t Size(std::string_view name) const override;
  std::string Key() const override;
  TensorList Run(Primitive prim, absl::Span<const Tensor> in, const Params& params) override;

  // This process's index along `name`.
  int64_t Coordinate(std::string_view name) const;
  MeshStats stats() const;

 private:
  struct Axis {
    std::string name;
    int64_t size;
    int64_t coordinate;
    MPI_Comm comm;
  };
  const Axis& Find(const std::string& name) const;
  // Completes the requests or throws after the timeout.
  void Wait(std::vector<MPI_Request>& requests, Primitive prim, const Axis& axis) const;

  Tensor Reduce(Primitive prim, const Tensor& x, const Axis& axis) const;
  Tensor AllGather(const Tensor& x, const Params& p, const Axis& axis) const;
  Tensor ReduceScatter(const Tensor& x, const Params& p, const Axis& axis) const;
  Tensor AllToAll(const Tensor& x, const Params& p, const Axis& axis) const;
  Tensor Permute(const Tensor& x, const Params& p, const Axis& axis) const;

  // Host memory for the exchanges, kept from one collective to the next and grown as needed,
  // never cleared: a fresh zeroed buffer per call cost a pass over its bytes and a page fault
  // per page (docs/distributed.md, Measurements). Two areas: what is sent, what is received.
  class Staging {
   public:
    char* Get(int64_t bytes);

   private:
    std::unique_ptr<char[]> data_;
    int64_t capacity_ = 0;
  };
  // x's elements in row-major order into `send` (sized here), and a tensor of aval from host
  // bytes on like's backend: the copies, counted (stats()).
  char* Down(const Tensor& x) const;
  Tensor Up(const char* bytes, const ShapedArray& aval, const Tensor& like) const;

  std::vector<Axis> axes_;
  MpiOptions options_;
  // One collective at a time (MPI_THREAD_SERIALIZED), which also guards the staging areas.
  absl::Mutex mutex_;
  mutable Staging send_, receive_;
  mutable std::atomic<int64_t> calls_{0}, staged_down_{0}, staged_up_{0}, sent_{0};
};

}  // namespace cotangent::distributed

#endif  // COTANGENT_DISTRIBUTED_MPI_AXES_H_
