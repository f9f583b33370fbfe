// File: backends/cpu/cpu_backend.cc
// CpuBackend: buffers, upload/download, and Execute, which runs each primitive's kernel from
// backends/cpu/kernels_*.cc (start reading at KernelOf, the table built from the rows).

#include "backends/cpu/cpu_backend.h"

#include <array>
#include <cstring>
#include <functional>
#include <new>

#include "absl/strings/str_cat.h"
#include "backends/cpu/blas.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/fused.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/thread_pool.h"
#include "backends/lapack/linalg.h"
#include "core/layout.h"

namespace cotangent {
namespace {

using cpu::Kernel;

// The kernel of each row of core/primitives.def. Unary, binary and compare rows run their
// Op<prim> (elementwise_ops.h); every other row is named here, and a row that is neither does
// not compile (the static_assert names it: "In instantiation of KernelOf<Primitive::k...>").
template <Primitive prim>
constexpr bool kNamedHere = false;
template <Primitive prim>
Kernel KernelOf() {
  using P = Primitive;
  if constexpr (IsElementwiseMap(prim)) return cpu::ElementwiseKernel(prim);
  else if constexpr (prim == P::kSelect) return cpu::SelectKernel;
  else if constexpr (prim == P::kConvert) return cpu::ConvertKernel;
  else if constexpr (prim == P::kReduceSum || prim == P::kReduceMax || prim == P::kReduceProd)
    return cpu::ReduceKernel<prim>;
  else if constexpr (prim == P::kArgmax) return cpu::ArgmaxKernel;
  else if constexpr (prim == P::kReshape) return cpu::ReshapeKernel;
  else if constexpr (prim == P::kTranspose) return cpu::TransposeKernel;
  else if constexpr (prim == P::kBroadcastInDim) return cpu::BroadcastInDimKernel;
  else if constexpr (prim == P::kSlice) return cpu::SliceKernel;
  else if constexpr (prim == P::kPad) return cpu::PadKernel;
  else if constexpr (prim == P::kConcatenate) return cpu::ConcatenateKernel;
  else if constexpr (prim == P::kBitcastConvert) return cpu::BitcastConvertKernel;
  else if constexpr (prim == P::kDotGeneral) return cpu::DotGeneralKernel;
  else if constexpr (prim == P::kConvGeneralDilated) return cpu::ConvGeneralDilatedKernel;
  else if constexpr (prim == P::kGather) return cpu::GatherKernel;
  else if constexpr (KindOf(prim) == PrimitiveKind::kIndexing && prim != P::kGather &&
                     prim != P::kArgsort)
    return cpu::ScatterKernel<prim>;  // the scatters
  else if constexpr (prim == P::kArgsort) return cpu::ArgsortKernel;
  // Several outputs: CpuBackend::ExecuteLinalg runs them (backends/lapack).
  else if constexpr (KindOf(prim) == PrimitiveKind::kLinalg) return nullptr;
  // Higher-order: core evaluates the program (its impl rule); no kernel.
  else if constexpr (KindOf(prim) == PrimitiveKind::kCall) return nullptr;
  // Over named axes: the interpreter binding the axis runs them; no kernel.
  else if constexpr (KindOf(prim) == PrimitiveKind::kCollective) return nullptr;
  // Complex parts: core/complex_eval.h runs them on real arrays; no kernel.
  else if constexpr (KindOf(prim) == PrimitiveKind::kComplexParts)
    return nullptr;
  else static_assert(kNamedHere<prim>, "a row of core/primitives.def without a CPU kernel");
}

Kernel KernelFor(Primitive prim) {
  static const std::array<Kernel, kNumPrimitives> kernels =
      TableOf<Kernel>([]<Primitive prim>() { return KernelOf<prim>(); });
  return kernels[static_cast<int>(prim)];
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

absl::Status CpuBackend::Fill(const Array& dst, Number value) {
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
  const Array a = IsComplex(src.aval.dtype) ? ComplexPairs(src) : src;
  cpu::CopyStrided(cpu::ElementBytes(a), a.aval.shape, a.strides, dst,
                   ContiguousStrides(a.aval.shape), DTypeSize(a.aval.dtype));
  return absl::OkStatus();
}

absl::Status CpuBackend::Execute(Primitive prim, absl::Span<const Array> inputs,
                                 const Params& params, absl::Span<const ShapedArray> out_avals,
                                 absl::Span<Array> outputs) {
  if (absl::Status status = CheckExecute(*this, prim, inputs, out_avals, outputs); !status.ok()) {
    return status;
  }
  if (KindOf(prim) == PrimitiveKind::kLinalg) {
    return ExecuteLinalg(prim, inputs, params, out_avals, outputs);
  }
  return ExecuteOne(prim, inputs, params, out_avals[0], outputs[0]);
}

absl::Status CpuBackend::ExecuteLinalg(Primitive prim, absl::Span<const Array> inputs,
                                       const Params& params,
                                       absl::Span<const ShapedArray> out_avals,
                                       absl::Span<Array> outputs) {
  // LAPACK reads dense row-major matrices: a strided view is copied densely first.
  std::vector<Array> dense;
  std::vector<lapack::HostArray> in, out;
  for (const Array& x : inputs) {
    if (&x.backend() != this) {
      return absl::InvalidArgumentError(absl::StrCat("cpu: ", PrimitiveName(prim), " operand ",
                                                     x.aval.ToString(), " lives on ",
                                                     x.backend().name()));
    }
    if (x.IsContiguous()) {
      in.push_back({x.aval, cpu::ElementBytes(x)});
      continue;
    }
    absl::StatusOr<std::shared_ptr<Buffer>> buffer = Allocate(x.aval.bytes());
    if (!buffer.ok()) return buffer.status();
    dense.push_back(DenseArray(*std::move(buffer), x.aval));
    cpu::CopyStrided(cpu::ElementBytes(x), x.aval.shape, x.strides, cpu::ElementBytes(dense.back()),
                     ContiguousStrides(x.aval.shape), DTypeSize(x.aval.dtype));
    in.push_back({x.aval, cpu::ElementBytes(dense.back())});
  }
  for (size_t i = 0; i < out_avals.size(); ++i) {
    absl::StatusOr<std::shared_ptr<Buffer>> buffer = Allocate(out_avals[i].bytes());
    if (!buffer.ok()) return buffer.status();
    outputs[i] = DenseArray(*std::move(buffer), out_avals[i]);
    out.push_back({out_avals[i], cpu::ElementBytes(outputs[i])});
  }
  // One matrix per pool task, or one matrix at a time on as many OpenBLAS threads
  // (backends/lapack/linalg.h).
  const lapack::ParallelFor parallel = [](int64_t n,
                                          const std::function<void(int64_t, int64_t)>& fn) {
    cpu::ParallelFor(n, 1, fn);
  };
  try {
    return lapack::Run(prim, params, in, out, cpu::ThreadPool::Get().parallelism(), parallel);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("cpu: out of memory for the workspace of ",
                                                     PrimitiveName(prim), " of ",
                                                     inputs[0].aval.ToString()));
  }
}

absl::Status CpuBackend::ExecuteOne(Primitive prim, absl::Span<const Array> inputs,
                                    const Params& params, const ShapedArray& out_aval, Array& out) {
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
  out = DenseArray(*std::move(buffer), out_aval);
  // Kernels keep host scratch (reduction accumulators, packed matmul panels) in std::vector;
  // running out of memory there is a status like any other, not an exception out of a backend.
  try {
    if (absl::Status status = kernel(inputs, params, out); !status.ok()) return status;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("cpu: out of memory for the scratch space of ",
                                                     PrimitiveName(prim), " of ",
                                                     out_aval.ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FusedKernel>> CpuBackend::CompileFused(const FusedCode& code) {
  return CompileCpuFused(*this, code);
}

}  // namespace cotangent
