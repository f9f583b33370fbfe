// File: backends/vulkan/ops_dot.cc
// dot_general as a batched matmul C[b] = A[b] B[b] (kernels/matmul.comp) in the form of
// core/matmul_form.h, shared with the CPU backend: each operand read through its own strides,
// or gathered densely on the device first.

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "core/matmul_form.h"
#include "kernels/kernels.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kMaxGrid = 65535;  // workgroups per grid dimension we use

// An operand as [batch, rows, cols]: element (b, i, j) at offset + b sb + i si + j sj.
struct Operand {
  Array array;
  MatmulOperandStrides s;
};

// x read through its own strides, or gathered densely in group order first.
absl::StatusOr<Operand> AsOperand(KernelContext& ctx, const Array& x, const MatmulGroups& g) {
  if (const std::optional<MatmulOperandStrides> s = GroupedStrides(x, g)) return Operand{x, *s};
  const Array view = GroupedView(x, g);
  COTANGENT_ASSIGN_OR_RETURN(const Array dense, ctx.new_array(view.aval));
  COTANGENT_RETURN_IF_ERROR(CopyView(ctx, view, dense));
  return Operand{dense, DenseGroupedStrides(x, g)};
}

// Whether an operand [batch, rows, cols] can be read in 16-byte vectors of `width` elements
// along its unit-stride axis (the one kernels/matmul.comp chooses: cols when its stride is 1,
// else rows): that axis's extent, the other strides and the offset are multiples of `width`.
bool Vectorizable(const MatmulOperandStrides& x, int64_t rows, int64_t cols, int64_t width) {
  const auto aligned = [width](int64_t v) { return v % width == 0; };
  if (!aligned(x.offset) || !aligned(x.sb)) return false;
  if (x.sj == 1) return aligned(cols) && aligned(x.si);
  return x.si == 1 && aligned(rows) && aligned(x.sj);
}

absl::StatusOr<const Pipeline*> MatmulKernel(KernelContext& ctx, DType dtype, uint32_t tm,
                                             uint32_t tn, bool vec_a, bool vec_b) {
  // [dtype][vec_a][vec_b]
  static const std::span<const uint32_t> kF32[2][2] = {
      {kernels::kMatmulF32Spirv, kernels::kMatmulF32VbSpirv},
      {kernels::kMatmulF32VaSpirv, kernels::kMatmulF32VabSpirv}};
  static const std::span<const uint32_t> kF64[2][2] = {
      {kernels::kMatmulF64Spirv, kernels::kMatmulF64VbSpirv},
      {kernels::kMatmulF64VaSpirv, kernels::kMatmulF64VabSpirv}};
  static const std::span<const uint32_t> kI32[2][2] = {
      {kernels::kMatmulI32Spirv, kernels::kMatmulI32VbSpirv},
      {kernels::kMatmulI32VaSpirv, kernels::kMatmulI32VabSpirv}};
  static const std::span<const uint32_t> kI64[2][2] = {
      {kernels::kMatmulI64Spirv, kernels::kMatmulI64VbSpirv},
      {kernels::kMatmulI64VaSpirv, kernels::kMatmulI64VabSpirv}};
  std::span<const uint32_t> spirv;
  switch (dtype) {
    case DType::kF32: spirv = kF32[vec_a][vec_b]; break;
    case DType::kF64: spirv = kF64[vec_a][vec_b]; break;
    // u32 products and sums are i32's bits (both wrap modulo 2^32).
    case DType::kI32:
    case DType::kU32: spirv = kI32[vec_a][vec_b]; break;
    case DType::kI64: spirv = kI64[vec_a][vec_b]; break;
    case DType::kU8: spirv = kernels::kMatmulU8Spirv; break;  // no vector variants
    case DType::kBool:
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // computed in f32 (core/eval.h RunEquation)
    case DType::kBF16:
      return absl::InvalidArgumentError(
          absl::StrCat("vulkan: dot_general has no kernel for ", DTypeName(dtype)));
  }
  // Shared memory: two BK x 16 T tiles; f64 uses a shallower step to stay well within 32 KiB.
  const uint32_t bk = dtype == DType::kF64 ? 8 : 16;
  const uint32_t spec[] = {tm, tn, bk};
  return ctx.kernels->Get(absl::StrCat("matmul.", DTypeName(dtype == DType::kU32 ? DType::kI32 : dtype),
                                       ".", tm, "x", tn, vec_a ? ".va" : "", vec_b ? ".vb" : ""),
                          3, spec, absl::MakeConstSpan(spirv.data(), spirv.size()));
}

}  // namespace

absl::Status DotGeneralLaunch(KernelContext& ctx, Primitive, absl::Span<const Array> in,
                              const Params& params, const Array& out) {
  const Array& lhs = in[0];
  const Array& rhs = in[1];
  const MatmulForm f = MatmulFormOf(lhs.aval, rhs.aval, params.dot);
  const int64_t batch = f.batch, m = f.m, k = f.k, n = f.n;
  if (batch * m * n == 0) return absl::OkStatus();
  if (k == 0) return Fill(ctx, out, 0.0);
  COTANGENT_ASSIGN_OR_RETURN(const Operand a, AsOperand(ctx, lhs, f.lhs));
  COTANGENT_ASSIGN_OR_RETURN(const Operand b, AsOperand(ctx, rhs, f.rhs));
  // 128 x 128 tiles (8 x 8 outputs per invocation: 16 shared-memory reads per 64
  // multiply-adds) for large products, 64 x 64 or 16 x 16 ones for smaller or thin ones
  // (three configurations: each is a pipeline to compile).
  const int64_t side = std::min(m, n);
  const uint32_t tm = side >= 256 ? 8 : side >= 48 ? 4 : 1, tn = tm;
  // 16-byte loads for each operand that allows them.
  const int64_t width = DTypeSize(lhs.aval.dtype) == 8 ? 2 : 4;
  const bool vectors = DTypeSize(lhs.aval.dtype) > 1;  // u8 has no vector variants
  const bool vec_a = vectors && Vectorizable(a.s, m, k, width);
  const bool vec_b = vectors && Vectorizable(b.s, k, n, width);
  COTANGENT_ASSIGN_OR_RETURN(const Pipeline* pipeline,
                             MatmulKernel(ctx, lhs.aval.dtype, tm, tn, vec_a, vec_b));
  const int64_t bm = 16 * tm, bn = 16 * tn;
  const BufferUse uses[] = {{BufferOf(out), true}, {BufferOf(a.array), false},
                            {BufferOf(b.array), false}};
  // Grids are split where a dimension would exceed kMaxGrid workgroups.
  for (int64_t b0 = 0; b0 < batch; b0 += kMaxGrid) {
    for (int64_t r0 = 0; r0 < m; r0 += kMaxGrid * bm) {
      for (int64_t c0 = 0; c0 < n; c0 += kMaxGrid * bn) {
        const uint32_t push[] = {
            static_cast<uint32_t>(m),        static_cast<uint32_t>(n),
            static_cast<uint32_t>(k),        static_cast<uint32_t>(b0),
            static_cast<uint32_t>(r0),       static_cast<uint32_t>(c0),
            static_cast<uint32_t>(a.s.offset), static_cast<uint32_t>(a.s.sb),
            static_cast<uint32_t>(a.s.si),     static_cast<uint32_t>(a.s.sj),
            static_cast<uint32_t>(b.s.offset), static_cast<uint32_t>(b.s.sb),
            static_cast<uint32_t>(b.s.si),     static_cast<uint32_t>(b.s.sj),
            static_cast<uint32_t>(out.offset)};
        const std::array<uint32_t, 3> groups = {
            static_cast<uint32_t>(std::min<int64_t>((n - c0 + bn - 1) / bn, kMaxGrid)),
            static_cast<uint32_t>(std::min<int64_t>((m - r0 + bm - 1) / bm, kMaxGrid)),
            static_cast<uint32_t>(std::min<int64_t>(batch - b0, kMaxGrid))};
        COTANGENT_RETURN_IF_ERROR(ctx.stream->Dispatch(*pipeline, uses, push, groups));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace cotangent::vulkan
