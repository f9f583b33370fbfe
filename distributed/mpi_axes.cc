// File: distributed/mpi_axes.cc
// The collectives over MPI. Each operand is copied to the host (a download from a Vulkan
// device, counted like any other), moved so that the blocks MPI exchanges are contiguous (the
// moves are the library's own transposes), exchanged with non-blocking MPI calls completed
// under a timeout, and uploaded back to the operand's backend.

#include "distributed/mpi_axes.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/array.h"
#include "core/backend.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/lax.h"
#include "core/rules/helpers.h"

namespace cotangent::distributed {
namespace {

void Check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, message, &length);
  ThrowInvalid(what, ": MPI error: ", std::string(message, length));
}

MPI_Datatype TypeOf(DType dtype, Primitive prim) {
  switch (dtype) {
    case DType::kF32:
      return MPI_FLOAT;
    case DType::kF64:
      return MPI_DOUBLE;
    case DType::kI32:
      return MPI_INT32_T;
    case DType::kI64:
      return MPI_INT64_T;
    case DType::kU32:
      return MPI_UINT32_T;
    case DType::kU8:
    case DType::kBool:
      return MPI_UINT8_T;
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // computed in f32 (core/eval.h RunEquation)
    case DType::kBF16:
      break;
  }
  ThrowInvalid(PrimitiveName(prim), ": dtype ", DTypeName(dtype), " has no MPI type");
}

// A tensor of aval from host bytes, on `like`'s backend.
Tensor FromBytes(const char* bytes, const ShapedArray& aval, const Tensor& like) {
  Backend& backend = like.array().backend();
  std::shared_ptr<Buffer> buffer =
      ValueOrThrow(backend.Allocate(std::max<int64_t>(aval.bytes(), 1)));
  if (aval.bytes() > 0) ThrowIfError(backend.Upload(bytes, aval.bytes(), *buffer));
  Array array = DenseArray(std::move(buffer), aval);
  array.committed = like.array().committed;
  return Tensor(std::move(array));
}

ShapedArray WithShape(const Tensor& x, Shape shape) {
  return ShapedArray{std::move(shape), x.dtype()};
}

int Count(int64_t n, Primitive prim) {
  if (n > std::numeric_limits<int>::max()) {
    ThrowInvalid(PrimitiveName(prim), ": ", n, " elements exceed MPI's int count");
  }
  return static_cast<int>(n);
}

}  // namespace

MpiAxes::MpiAxes(std::vector<std::pair<std::string, int64_t>> axes, MpiOptions options)
    : options_(options) {
  int rank = 0, size = 0;
  Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "mesh");
  Check(MPI_Comm_size(MPI_COMM_WORLD, &size), "mesh");
  int64_t total = 1;
  std::vector<std::string> described;
  for (const auto& [name, n] : axes) {
    if (n < 1) ThrowInvalid("mesh: axis '", name, "' of size ", n);
    total *= n;
    described.push_back(absl::StrCat(name, "=", n));
  }
  if (total != size) {
    ThrowInvalid("mesh: axes (", absl::StrJoin(described, ", "), ") make ", total,
                 " processes but MPI has ", size);
  }
  // Row-major: the last axis varies fastest over ranks.
  int64_t stride = total;
  for (const auto& [name, n] : axes) {
    stride /= n;
    const int64_t coordinate = (rank / stride) % n;
    // The processes that differ from this one in this coordinate alone share a communicator.
    const int color = static_cast<int>(rank - coordinate * stride);
    MPI_Comm comm;
    Check(MPI_Comm_split(MPI_COMM_WORLD, color, static_cast<int>(coordinate), &comm), "mesh");
    Check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), "mesh");
    axes_.push_back({name, n, coordinate, comm});
  }
}

MpiAxes::~MpiAxes() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  for (Axis& axis : axes_) MPI_Comm_free(&axis.comm);
}

const MpiAxes::Axis& MpiAxes::Find(const std::string& name) const {
  for (const Axis& axis : axes_) {
    if (axis.name == name) return axis;
  }
  ThrowInvalid("mesh: no axis '", name, "'");
}

int64_t MpiAxes::Size(std::string_view name) const {
  for (const Axis& axis : axes_) {
    if (axis.name == name) return axis.size;
  }
  return 0;
}

int64_t MpiAxes::Coordinate(std::string_view name) const {
  return Find(std::string(name)).coordinate;
}

std::string MpiAxes::Key() const {
  std::vector<std::string> parts;
  for (const Axis& axis : axes_) parts.push_back(absl::StrCat(axis.name, "=", axis.size));
  return absl::StrJoin(parts, ",");
}

void MpiAxes::Wait(std::vector<MPI_Request>& requests, Primitive prim, const Axis& axis) const {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(options_.timeout_seconds));
  // Spin for the first tens of microseconds (most exchanges here finish in that time), then
  // poll with short sleeps, so that a wait for a slow process does not burn a core.
  for (int polls = 0;; ++polls) {
    int done = 0;
    Check(
        MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done, MPI_STATUSES_IGNORE),
        PrimitiveName(prim));
    if (done) return;
    if (Clock::now() > deadline) {
      ThrowInvalid(PrimitiveName(prim), " over axis '", axis.name, "': no answer from the other ",
                   axis.size - 1, " processes after ", options_.timeout_seconds,
                   " s (a process failed or took another path); this process cannot continue");
    }
    if (polls > 1000) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

char* MpiAxes::Staging::Get(int64_t bytes) {
  if (bytes > capacity_) {
    ThrowIfError(CheckAllocationSize("collective's host staging", bytes));
    data_.reset(new char[bytes]);  // uninitialized: every use writes what it reads
    capacity_ = bytes;
  }
  return data_.get();
}

char* MpiAxes::Down(const Tensor& x) const {
  const int64_t bytes = x.aval().bytes();
  char* send = send_.Get(bytes);
  if (bytes > 0) ThrowIfError(x.array().backend().Download(x.array(), send));
  sent_.fetch_add(bytes, std::memory_order_relaxed);
  if (std::string_view(x.array().backend().name()) != "cpu") {
    staged_down_.fetch_add(bytes, std::memory_order_relaxed);
  }
  return send;
}

Tensor MpiAxes::Up(const char* bytes, const ShapedArray& aval, const Tensor& like) const {
  if (std::string_view(like.array().backend().name()) != "cpu") {
    staged_up_.fetch_add(aval.bytes(), std::memory_order_relaxed);
  }
  return FromBytes(bytes, aval, like);
}

MeshStats MpiAxes::stats() const {
  return {calls_.load(), sent_.load(), staged_down_.load(), staged_up_.load()};
}

TensorList MpiAxes::Run(Primitive prim, absl::Span<const Tensor> in, const Params& p) {
  absl::MutexLock lock(&mutex_);
  calls_.fetch_add(1, std::memory_order_relaxed);
  if (prim == Primitive::kAxisIndex) {
    const int32_t index = static_cast<int32_t>(Find(p.axis_names[0]).coordinate);
    return {FromHost(&index, 1, {}, DType::kI32, "axis_index")};
  }
  Tensor x = in[0];
  switch (prim) {
    case Primitive::kPsum:
    case Primitive::kPmax:
    case Primitive::kPmin:
      for (const std::string& name : p.axis_names) x = Reduce(prim, x, Find(name));
      return {x};
    case Primitive::kAllGather:
      return {AllGather(x, p, Find(p.axis_names[0]))};
    case Primitive::kReduceScatter:
      return {ReduceScatter(x, p, Find(p.axis_names[0]))};
    case Primitive::kAllToAll:
      return {AllToAll(x, p, Find(p.axis_names[0]))};
    case Primitive::kPpermute:
      return {Permute(x, p, Find(p.axis_names[0]))};
    default:
      ThrowInvalid(PrimitiveName(prim), ": not a collective");
  }
}

Tensor MpiAxes::Reduce(Primitive prim, const Tensor& x, const Axis& axis) const {
  char* send = Down(x);
  const int64_t n = x.aval().size(), bytes = x.aval().bytes();
  const MPI_Datatype type = TypeOf(x.dtype(), prim);
  std::vector<MPI_Request> requests(1);
  if (prim == Primitive::kPsum && options_.deterministic) {
    // Every process's x, then the sum in process order: the same on every process and run.
    char* all = receive_.Get(bytes * axis.size);
    Check(MPI_Iallgather(send, Count(n, prim), type, all, Count(n, prim), type, axis.comm,
                         requests.data()),
          "psum");
    Wait(requests, prim, axis);
    Shape shape = x.shape();
    shape.insert(shape.begin(), axis.size);
    const Tensor stacked = Up(all, WithShape(x, shape), x);
    Tensor sum = stacked[0];
    for (int64_t k = 1; k < axis.size; ++k) sum = lax::add(sum, stacked[k]);
    return sum;
  }
  const MPI_Op op = prim == Primitive::kPsum   ? MPI_SUM
                    : prim == Primitive::kPmax ? MPI_MAX
                                               : MPI_MIN;
  // In place: the result replaces the operand's host copy.
  Check(MPI_Iallreduce(MPI_IN_PLACE, send, Count(n, prim), type, op, axis.comm, requests.data()),
        PrimitiveName(prim));
  Wait(requests, prim, axis);
  return Up(send, x.aval(), x);
}

Tensor MpiAxes::AllGather(const Tensor& x, const Params& p, const Axis& axis) const {
  const char* send = Down(x);
  char* all = receive_.Get(x.aval().bytes() * axis.size);
  const int count = Count(x.aval().size(), Primitive::kAllGather);
  const MPI_Datatype type = TypeOf(x.dtype(), Primitive::kAllGather);
  std::vector<MPI_Request> requests(1);
  Check(MPI_Iallgather(send, count, type, all, count, type, axis.comm, requests.data()),
        "all_gather");
  Wait(requests, Primitive::kAllGather, axis);
  Shape stacked_shape = x.shape();
  stacked_shape.insert(stacked_shape.begin(), axis.size);
  // [members, x...]: the members' axis moved to `dimension` (and folded into the next).
  const Tensor y = rules::MoveBatchAxis(Up(all, WithShape(x, stacked_shape), x), 0, p.dimension);
  return p.tiled ? rules::FoldAxis(y, p.dimension) : y;
}

Tensor MpiAxes::ReduceScatter(const Tensor& x, const Params& p, const Axis& axis) const {
  // Blocks along `dimension` made contiguous: that axis in front.
  const Tensor front = rules::MoveBatchAxis(x, p.dimension, 0);
  const char* send = Down(front);
  const int64_t block = x.aval().size() / axis.size;
  char* result = receive_.Get(x.aval().bytes() / axis.size);
  std::vector<MPI_Request> requests(1);
  Check(MPI_Ireduce_scatter_block(send, result, Count(block, Primitive::kReduceScatter),
                                  TypeOf(x.dtype(), Primitive::kReduceScatter), MPI_SUM, axis.comm,
                                  requests.data()),
        "reduce_scatter");
  Wait(requests, Primitive::kReduceScatter, axis);
  Shape shape = front.shape();
  if (p.tiled) {
    shape[0] /= axis.size;
    return rules::MoveBatchAxis(Up(result, WithShape(x, shape), x), 0, p.dimension);
  }
  shape.erase(shape.begin());
  return Up(result, WithShape(x, shape), x);
}

Tensor MpiAxes::AllToAll(const Tensor& x, const Params& p, const Axis& axis) const {
  const int64_t s = p.dimension, c = p.concat_dimension, n = axis.size;
  // Block j of the split axis goes to member j: the split axis in front, blocks contiguous.
  const Tensor front = rules::MoveBatchAxis(x, s, 0);
  const char* send = Down(front);
  char* received = receive_.Get(x.aval().bytes());
  const int count = Count(x.aval().size() / n, Primitive::kAllToAll);
  const MPI_Datatype type = TypeOf(x.dtype(), Primitive::kAllToAll);
  std::vector<MPI_Request> requests(1);
  Check(MPI_Ialltoall(send, count, type, received, count, type, axis.comm, requests.data()),
        "all_to_all");
  Wait(requests, Primitive::kAllToAll, axis);
  // [k, block of the split axis, the other axes]: the block back at s, then k just before the
  // concatenated axis, folded into it (k major).
  Shape shape = front.shape();
  shape[0] /= n;
  shape.insert(shape.begin(), n);
  Tensor y = Up(received, WithShape(x, shape), x);
  y = rules::MoveBatchAxis(y, 1, 1 + s);
  return rules::FoldAxis(rules::MoveBatchAxis(y, 0, c), c);
}

Tensor MpiAxes::Permute(const Tensor& x, const Params& p, const Axis& axis) const {
  char* send = Down(x);
  const int count = Count(x.aval().size(), Primitive::kPpermute);
  const MPI_Datatype type = TypeOf(x.dtype(), Primitive::kPpermute);
  const int64_t me = axis.coordinate, source = p.permutation[me];
  if (source == me && std::count(p.permutation.begin(), p.permutation.end(), me) == 1) {
    return Up(send, x.aval(), x);  // kept, and sent nowhere else
  }
  char* received = receive_.Get(x.aval().bytes());
  if (source < 0) std::memset(received, 0, x.aval().bytes());  // nothing is sent here
  if (source == me) std::memcpy(received, send, x.aval().bytes());
  std::vector<MPI_Request> requests;
  if (source >= 0 && source != me) {
    requests.emplace_back();
    Check(
        MPI_Irecv(received, count, type, static_cast<int>(source), 0, axis.comm, &requests.back()),
        "ppermute");
  }
  for (int64_t dst = 0; dst < static_cast<int64_t>(p.permutation.size()); ++dst) {
    if (p.permutation[dst] != me || dst == me) continue;
    requests.emplace_back();
    Check(MPI_Isend(send, count, type, static_cast<int>(dst), 0, axis.comm, &requests.back()),
          "ppermute");
  }
  if (!requests.empty()) Wait(requests, Primitive::kPpermute, axis);
  return Up(received, x.aval(), x);
}

}  // namespace cotangent::distributed
