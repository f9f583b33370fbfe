// File: backends/cpu/cpu_backend.cc
// CpuBackend: buffers, upload/download, and Execute, the exhaustive switch that maps every
// primitive to its kernel in backends/cpu/kernels_*.cc (start reading at KernelFor).

#include "backends/cpu/cpu_backend.h"

#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"

namespace cotangent {
namespace {

using cpu::Kernel;

// No default: a new row in core/primitives.def fails to compile here (-Werror=switch) until it
// has a kernel.
Kernel KernelFor(Primitive prim) {
  switch (prim) {
    // Unary.
    case Primitive::kNeg: return cpu::UnaryKernel<Primitive::kNeg>;
    case Primitive::kSign: return cpu::UnaryKernel<Primitive::kSign>;
    case Primitive::kAbs: return cpu::UnaryKernel<Primitive::kAbs>;
    case Primitive::kExp: return cpu::UnaryKernel<Primitive::kExp>;
    case Primitive::kLog: return cpu::UnaryKernel<Primitive::kLog>;
    case Primitive::kLog1p: return cpu::UnaryKernel<Primitive::kLog1p>;
    case Primitive::kExpm1: return cpu::UnaryKernel<Primitive::kExpm1>;
    case Primitive::kSin: return cpu::UnaryKernel<Primitive::kSin>;
    case Primitive::kCos: return cpu::UnaryKernel<Primitive::kCos>;
    case Primitive::kTanh: return cpu::UnaryKernel<Primitive::kTanh>;
    case Primitive::kSqrt: return cpu::UnaryKernel<Primitive::kSqrt>;
    case Primitive::kFloor: return cpu::UnaryKernel<Primitive::kFloor>;
    case Primitive::kLogicalNot: return cpu::UnaryKernel<Primitive::kLogicalNot>;
    // The identity (eval returns its operand; reaching here means a dense copy is wanted).
    case Primitive::kStopGradient: return cpu::ReshapeKernel;
    // Binary.
    case Primitive::kAdd: return cpu::BinaryKernel<Primitive::kAdd>;
    case Primitive::kSub: return cpu::BinaryKernel<Primitive::kSub>;
    case Primitive::kMul: return cpu::BinaryKernel<Primitive::kMul>;
    case Primitive::kDiv: return cpu::BinaryKernel<Primitive::kDiv>;
    case Primitive::kPow: return cpu::BinaryKernel<Primitive::kPow>;
    case Primitive::kMax: return cpu::BinaryKernel<Primitive::kMax>;
    case Primitive::kMin: return cpu::BinaryKernel<Primitive::kMin>;
    case Primitive::kLogicalAnd: return cpu::BinaryKernel<Primitive::kLogicalAnd>;
    case Primitive::kLogicalOr: return cpu::BinaryKernel<Primitive::kLogicalOr>;
    // Compare.
    case Primitive::kEq: return cpu::CompareKernel<Primitive::kEq>;
    case Primitive::kNe: return cpu::CompareKernel<Primitive::kNe>;
    case Primitive::kLt: return cpu::CompareKernel<Primitive::kLt>;
    case Primitive::kLe: return cpu::CompareKernel<Primitive::kLe>;
    case Primitive::kGt: return cpu::CompareKernel<Primitive::kGt>;
    case Primitive::kGe: return cpu::CompareKernel<Primitive::kGe>;
    // Select and convert.
    case Primitive::kSelect: return cpu::SelectKernel;
    case Primitive::kConvert: return cpu::ConvertKernel;
    // Reductions.
    case Primitive::kReduceSum: return cpu::ReduceKernel<Primitive::kReduceSum>;
    case Primitive::kReduceMax: return cpu::ReduceKernel<Primitive::kReduceMax>;
    case Primitive::kArgmax: return cpu::ArgmaxKernel;
    // Movement.
    case Primitive::kReshape: return cpu::ReshapeKernel;
    case Primitive::kTranspose: return cpu::TransposeKernel;
    case Primitive::kBroadcastInDim: return cpu::BroadcastInDimKernel;
    case Primitive::kSlice: return cpu::SliceKernel;
    case Primitive::kPad: return cpu::PadKernel;
    case Primitive::kConcatenate: return cpu::ConcatenateKernel;
    // Contraction.
    case Primitive::kDotGeneral: return cpu::DotGeneralKernel;
    // Higher-order: core evaluates the program (its impl rule); no kernel.
    case Primitive::kClosedCall:
    case Primitive::kCustomJvpCall:
    case Primitive::kCustomVjpCall:
    case Primitive::kCustomLin: return nullptr;
  }
  return nullptr;  // Unreachable for a valid enumerator.
}

}  // namespace

CpuBackend& CpuBackend::Get() {
  static CpuBackend* backend = new CpuBackend();  // Never destroyed: buffers may outlive main.
  return *backend;
}

void CpuBackend::Track(int64_t delta) {
  const int64_t live = live_bytes_.fetch_add(delta, std::memory_order_relaxed) + delta;
  int64_t peak = peak_bytes_.load(std::memory_order_relaxed);
  while (live > peak && !peak_bytes_.compare_exchange_weak(peak, live)) {
  }
}

absl::StatusOr<std::shared_ptr<Buffer>> CpuBackend::Allocate(int64_t bytes) {
  absl::StatusOr<std::shared_ptr<CpuBuffer>> buffer = CpuBuffer::Create(*this, bytes);
  if (!buffer.ok()) return buffer.status();
  return std::shared_ptr<Buffer>(*std::move(buffer));
}

absl::Status CpuBackend::Upload(const void* src, int64_t bytes, Buffer& dst) {
  if (&dst.backend() != this || bytes < 0 || bytes > dst.bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: cannot upload ", bytes,
                                                   " bytes into a buffer of ", dst.bytes(),
                                                   " bytes on ", dst.backend().name()));
  }
  if (bytes > 0) std::memcpy(static_cast<CpuBuffer&>(dst).data(), src, bytes);
  return absl::OkStatus();
}

absl::Status CpuBackend::Fill(const Array& dst, double value) {
  if (&dst.backend() != this) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: cannot fill ", dst.aval.ToString(),
                                                   " on ", dst.backend().name()));
  }
  cpu::FillDense(dst, value);
  return absl::OkStatus();
}

absl::Status CpuBackend::Download(const Array& src, void* dst) {
  if (&src.backend() != this) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: cannot download ", src.aval.ToString(),
                                                   " from ", src.backend().name()));
  }
  cpu::CopyStrided(cpu::ElementBytes(src), src.aval.shape, src.strides, dst,
                   ContiguousStrides(src.aval.shape), DTypeSize(src.aval.dtype));
  return absl::OkStatus();
}

absl::StatusOr<ArrayList> CpuBackend::Execute(Primitive prim, absl::Span<const Array> inputs,
                                           const Params& params,
                                           absl::Span<const ShapedArray> out_avals) {
  return ExecuteOneOutput(*this, prim, out_avals, [&](const ShapedArray& out_aval) {
    return ExecuteOne(prim, inputs, params, out_aval);
  });
}

absl::StatusOr<Array> CpuBackend::ExecuteOne(Primitive prim, absl::Span<const Array> inputs,
                                          const Params& params, const ShapedArray& out_aval) {
  for (const Array& x : inputs) {
    if (&x.backend() != this) {
      return absl::InvalidArgumentError(absl::StrCat("cpu: ", PrimitiveName(prim), " operand ",
                                                     x.aval.ToString(), " lives on ",
                                                     x.backend().name()));
    }
  }
  const Kernel kernel = KernelFor(prim);
  if (kernel == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cpu: ", PrimitiveName(prim), " has no kernel"));
  }
  absl::StatusOr<std::shared_ptr<Buffer>> buffer = Allocate(out_aval.bytes());
  if (!buffer.ok()) return buffer.status();
  Array out = DenseArray(*std::move(buffer), out_aval);
  // Kernels keep host scratch (reduction accumulators, packed matmul panels) in std::vector;
  // running out of memory there is a status like any other, not an exception out of a backend.
  try {
    if (absl::Status status = kernel(inputs, params, out); !status.ok()) return status;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("cpu: out of memory for the scratch space of ",
                                                     PrimitiveName(prim), " of ",
                                                     out_aval.ToString()));
  }
  return out;
}

}  // namespace cotangent
