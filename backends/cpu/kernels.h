// File: backends/cpu/kernels.h
// Entry points of the CPU kernels, all with the Kernel signature: one per unary, binary and
// compare row generated from its Op (ElementwiseKernel), one per other primitive (templates
// over the primitive for the reductions). CpuBackend::Execute picks them from a table built
// from core/primitives.def (KernelOf). Each family lives in backends/cpu/kernels_<family>.cc.

#ifndef COTANGENT_BACKENDS_CPU_KERNELS_H_
#define COTANGENT_BACKENDS_CPU_KERNELS_H_

#include <cstdint>
#include <limits>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/array.h"
#include "core/params.h"
#include "core/primitive.h"

namespace cotangent::cpu {

// Computes a primitive of `in` into `out`, a dense array of the output aval on a CPU buffer.
// Inputs are views of CPU buffers with any (non-negative) strides, validated by abstract
// evaluation; an error means a dtype the kernel does not implement.
using Kernel = absl::Status (*)(absl::Span<const Array> in, const Params& params, const Array& out);

// kernels_elementwise.cc. The kernel of a unary, binary or compare row, generated from the
// rows of core/primitives.def: Op<prim> (elementwise_ops.h) mapped over the operands; null for
// the other rows.
Kernel ElementwiseKernel(Primitive prim);
absl::Status SelectKernel(absl::Span<const Array> in, const Params& params, const Array& out);
absl::Status ConvertKernel(absl::Span<const Array> in, const Params& params, const Array& out);

// One flat run of an elementwise primitive, the unit of jit's fused groups on the CPU
// (backends/cpu/fused.cc): out[i] = f(in[0][i * strides[0]], ...) for i < n, each stride 0 (a
// broadcast scalar) or 1. Unit-stride runs take the same SIMD kernels as the eager kernels.
using FlatRun = void (*)(const void* const* in, const int64_t* strides, void* out, int64_t n);
// The run of prim (a unary, binary, compare, select or convert row) with operands of dtype
// `in` (select: its values') and result dtype `out`; null when prim has none for them.
// `simd` false: Op<prim> element by element, with no SIMD dispatch (cheaper for a few
// elements; equal bit for bit except for the SIMD transcendentals, simd.h SimdMath).
FlatRun ElementwiseRun(Primitive prim, DType in, DType out, bool simd = true);

// kernels_reduce.cc; ReduceKernel is instantiated for kReduceSum, kReduceMax and
// kReduceProd.
template <Primitive prim>
absl::Status ReduceKernel(absl::Span<const Array> in, const Params& params, const Array& out);
absl::Status ArgmaxKernel(absl::Span<const Array> in, const Params& params, const Array& out);

// kernels_movement.cc: a movement primitive as the fill and strided copies that core/layout.h
// plans for it (PlanMovement); instantiated for each movement primitive.
template <Primitive prim>
absl::Status MovementKernel(absl::Span<const Array> in, const Params& params, const Array& out);
// The names KernelFor (cpu_backend.cc) maps the movement primitives and stop_gradient to.
// transpose, broadcast_in_dim and slice are views in eval (core/layout.h ViewOf), which never
// sends them here; called directly, they copy the view densely like every movement primitive.
inline constexpr Kernel ReshapeKernel = MovementKernel<Primitive::kReshape>;
inline constexpr Kernel TransposeKernel = MovementKernel<Primitive::kTranspose>;
inline constexpr Kernel BroadcastInDimKernel = MovementKernel<Primitive::kBroadcastInDim>;
inline constexpr Kernel SliceKernel = MovementKernel<Primitive::kSlice>;
inline constexpr Kernel PadKernel = MovementKernel<Primitive::kPad>;
inline constexpr Kernel ConcatenateKernel = MovementKernel<Primitive::kConcatenate>;
// A view in eval where the operand is dense (ViewOf); otherwise its dense copy, read as bytes.
inline constexpr Kernel BitcastConvertKernel = MovementKernel<Primitive::kBitcastConvert>;

// kernels_indexing.cc.
absl::Status GatherKernel(absl::Span<const Array> in, const Params& params, const Array& out);
// The scatters (kScatterAdd, kScatter, kScatterMul, kScatterMin, kScatterMax).
template <Primitive prim>
absl::Status ScatterKernel(absl::Span<const Array> in, const Params& params, const Array& out);

// kernels_sort.cc.
absl::Status ArgsortKernel(absl::Span<const Array> in, const Params& params, const Array& out);

// kernels_dot.cc.
absl::Status DotGeneralKernel(absl::Span<const Array> in, const Params& params, const Array& out);
// kernels_conv.cc (f32, f64).
absl::Status ConvGeneralDilatedKernel(absl::Span<const Array> in, const Params& params,
                                      const Array& out);

// Copies the elements of a strided view (shape, src_strides) to dst with dst_strides; elements
// are elem_size (1, 4 or 8) bytes and strides count elements. Used by movement kernels,
// Download and dot_general's operand gathering. Parallel when large.
void CopyStrided(const void* src, absl::Span<const int64_t> shape,
                 absl::Span<const int64_t> src_strides, void* dst,
                 absl::Span<const int64_t> dst_strides, int64_t elem_size);

// Sets every element of the dense array out to value converted as ConvertValue does: the
// background of pad, and CpuBackend::Fill. Parallel when large.
void FillDense(const Array& out, Number value);

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_KERNELS_H_
