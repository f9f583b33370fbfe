// File: core/backend.h
// The one small interface between core/ and a device: allocate, upload, fill, download,
// execute a primitive, synchronize. The CPU backend (backends/cpu) is the reference
// implementation.

#ifndef COTANGENT_CORE_BACKEND_H_
#define COTANGENT_CORE_BACKEND_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "core/array.h"
#include "core/fused_kernel.h"
#include "core/fusible.h"
#include "core/params.h"
#include "core/primitive.h"

namespace cotangent {

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu", "vulkan": used in messages about devices.
  virtual const char* name() const = 0;

  // A buffer of at least `bytes` bytes (contents unspecified).
  virtual absl::StatusOr<std::shared_ptr<Buffer>> Allocate(int64_t bytes) = 0;

  // Writes `bytes` host bytes into the start of dst.
  virtual absl::Status Upload(const void* src, int64_t bytes, Buffer& dst) = 0;

  // Sets every element of the dense array dst (on this backend) to value, converted to its
  // dtype as convert_element_type does. Creation fills on the device this way, so that a new
  // array costs its own memory alone, with no host copy of its elements.
  virtual absl::Status Fill(const Array& dst, Number value) = 0;

  // Writes the elements of src, in row-major order, densely into dst. Blocks until done.
  virtual absl::Status Download(const Array& src, void* dst) = 0;

  // Applies prim to inputs (arrays of this backend, any strides) and sets outputs[i] (one per
  // out_avals[i], default-constructed by the caller) to a new dense array of out_avals[i].
  // Inputs were validated by abstract evaluation; params are those of prim. The caller owns
  // the outputs' storage, so the eager path builds no result list per operation.
  virtual absl::Status Execute(Primitive prim, absl::Span<const Array> inputs,
                               const Params& params, absl::Span<const ShapedArray> out_avals,
                               absl::Span<Array> outputs) = 0;

  // Execute of a one-output primitive: its single result.
  absl::StatusOr<Array> Execute1(Primitive prim, absl::Span<const Array> inputs,
                                 const Params& params, const ShapedArray& out_aval) {
    Array out;
    absl::Status status = Execute(prim, inputs, params, absl::MakeConstSpan(&out_aval, 1),
                                  absl::MakeSpan(&out, 1));
    if (!status.ok()) return status;
    return out;
  }

  // Waits for all submitted work.
  virtual absl::Status Synchronize() = 0;

  // jit's fused elementwise groups (core/executable.h): how they are planned for this backend
  // (what one of its kernels may hold), and the group compiled for it, or null when the
  // backend renders no fused groups (jit then runs the group's equations one by one through
  // Execute). Errors are statuses, as Execute's.
  virtual FusionOptions JitFusion() const { return {}; }
  virtual absl::StatusOr<std::unique_ptr<FusedKernel>> CompileFused(const FusedCode& code) {
    (void)code;
    return std::unique_ptr<FusedKernel>();
  }

  // How many steps of a while_loop may be issued between reads of its predicate (core/eval.cc
  // RunWhile): 1 where a read is cheap (host memory); a device whose reads wait for its queue
  // to drain (Vulkan) runs loops in rounds of guarded steps (core/program.h GuardedWhileStep)
  // of 1, 2, 4, ... up to this many steps, each round one read.
  virtual int LoopStepsPerRead() const { return 1; }

  // A compiled program's steps are issued between BeginProgram and EndProgram (jit's Run;
  // EndProgram is called also when a step failed, and calls may come from several threads at
  // once). A backend that batches work submits the program's commands together at the end
  // (Vulkan: one submission per call) instead of in batches of a fixed size.
  virtual void BeginProgram() {}
  virtual absl::Status EndProgram() { return absl::OkStatus(); }
};

// The primitives a backend runs on f16 and bf16 themselves: convert_element_type and the
// movement primitives (a fill and strided copies of 2-byte elements: core/layout.h
// PlanMovement). core/eval.h RunEquation computes every other one in f32.
inline bool ComputesOnHalfFloats(Primitive prim) {
  return prim == Primitive::kConvert || KindOf(prim) == PrimitiveKind::kMovement;
}

// For Execute: an error naming the backend unless there are as many outputs as prim's row has
// (one, but for the linear algebra rows lu, qr, eigh and svd), or when an operand or result of
// a primitive that does not ComputesOnHalfFloats is f16 or bf16.
inline absl::Status CheckExecute(const Backend& backend, Primitive prim,
                                 absl::Span<const Array> inputs,
                                 absl::Span<const ShapedArray> out_avals,
                                 absl::Span<Array> outputs) {
  const size_t n = static_cast<size_t>(PrimitiveOutputs(prim));
  if (out_avals.size() != n || outputs.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(backend.name(), ": ", PrimitiveName(prim),
                                                   " has ", n, " outputs, not ", out_avals.size()));
  }
  if (ComputesOnHalfFloats(prim)) return absl::OkStatus();
  for (const Array& x : inputs) {
    if (IsHalfFloat(x.aval.dtype)) {
      return absl::InternalError(absl::StrCat(backend.name(), ": ", PrimitiveName(prim),
                                              " has no kernel for ", x.aval.ToString(),
                                              ": f16 and bf16 compute in f32"));
    }
  }
  for (const ShapedArray& aval : out_avals) {
    if (IsHalfFloat(aval.dtype)) {
      return absl::InternalError(absl::StrCat(backend.name(), ": ", PrimitiveName(prim),
                                              " has no kernel for ", aval.ToString(),
                                              ": f16 and bf16 compute in f32"));
    }
  }
  return absl::OkStatus();
}

// The backend new concrete values go to (a DeviceScope's, else COTANGENT_BACKEND, else cpu).
// Declared here so that core can make constants; defined by //backends:registry (linked with
// alwayslink).
Backend& DefaultBackend();

// A copy of x on `dst` with the same shape and dtype (and committed flag). Small buffers (a
// broadcast scalar) move whole and keep their view; others move their elements densely.
// Defined in core/eval.cc.
absl::StatusOr<Array> TransferArray(const Array& x, Backend& dst);

}  // namespace cotangent

#endif  // COTANGENT_CORE_BACKEND_H_
