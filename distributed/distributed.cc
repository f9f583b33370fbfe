// File: distributed/distributed.cc
// MPI's start and end, and the mesh that installs its axes as the process axes of core.

#include "distributed/distributed.h"

#include <mpi.h>

#include <cstdlib>

#include "core/error.h"
#include "distributed/mpi_axes.h"

namespace cotangent::distributed {
namespace {

void FinalizeAtExit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void RequireInitialized(const char* op) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) ThrowInvalid(op, ": call cotangent::distributed::Initialize() first");
}

}  // namespace

void Initialize() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    ThrowInvalid("distributed::Initialize: MPI_Init_thread failed");
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    ThrowInvalid("distributed::Initialize: MPI provides thread level ", provided,
                 ", below MPI_THREAD_SERIALIZED");
  }
  // Errors come back as codes (thrown as cotangent::Error) instead of aborting every process.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::atexit(FinalizeAtExit);
}

int process_index() {
  RequireInitialized("process_index");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int process_count() {
  RequireInitialized("process_count");
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

int local_process_count() {
  RequireInitialized("local_process_count");
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  int size = 0;
  MPI_Comm_size(local, &size);
  MPI_Comm_free(&local);
  return size;
}

Mesh::Mesh(std::vector<std::pair<std::string, int64_t>> axes, MpiOptions options) {
  RequireInitialized("Mesh");
  if (CurrentProcessAxes() != nullptr) ThrowInvalid("Mesh: another mesh is alive");
  axes_ = std::make_shared<MpiAxes>(axes, options);
  layout_ = std::move(axes);
  SetProcessAxes(axes_);
}

int64_t Mesh::index(std::string_view axis) const { return axes_->Coordinate(axis); }

MeshStats Mesh::stats() const { return axes_->stats(); }

Mesh::~Mesh() {
  if (CurrentProcessAxes() == axes_) SetProcessAxes(nullptr);
}

}  // namespace cotangent::distributed
