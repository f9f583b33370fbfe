// File: backends/vulkan/ops_dot.cc
// dot_general as a batched matmul C[b] = A[b] B[b] (kernels/matmul.comp), canonicalized as the
// CPU backend does: the lhs as [batch, free, contracting] and the rhs as [batch, contracting,
// free], each read through its own strides when every dimension group steps with one stride
// (a transposed operand costs nothing), and copied densely in that order otherwise.

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "kernels/kernels.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kMaxGrid = 65535;  // workgroups per grid dimension we use

// An operand as [batch, rows, cols]: element (b, i, j) at offset + b sb + i si + j sj.
struct Operand {
  Array array;
  int64_t offset, sb, si, sj;
};

// The one stride that steps through `dims` of x in row-major order of the group, if the
// layout has one (size-1 dimensions ignored; 0 for an empty group).
std::optional<int64_t> GroupStride(const Array& x, absl::Span<const int64_t> dims) {
  std::optional<int64_t> stride;
  int64_t expected = 0;
  for (size_t i = dims.size(); i-- > 0;) {
    const int64_t size = x.aval.shape[dims[i]], s = x.strides[dims[i]];
    if (size == 1) continue;
    if (stride && s != expected) return std::nullopt;
    if (!stride) stride = s;
    expected = s * size;
  }
  return stride.value_or(0);
}

int64_t GroupSize(const Array& x, absl::Span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= x.aval.shape[d];
  return n;
}

absl::StatusOr<Operand> AsOperand(KernelContext& ctx, const Array& x,
                                  const std::vector<int64_t>& batch,
                                  const std::vector<int64_t>& rows,
                                  const std::vector<int64_t>& cols) {
  const auto sb = GroupStride(x, batch), si = GroupStride(x, rows), sj = GroupStride(x, cols);
  if (sb && si && sj) return Operand{x, x.offset, *sb, *si, *sj};
  Shape shape;
  Strides strides;
  for (const auto* group : {&batch, &rows, &cols}) {
    for (int64_t d : *group) {
      shape.push_back(x.aval.shape[d]);
      strides.push_back(x.strides[d]);
    }
  }
  COTANGENT_ASSIGN_OR_RETURN(const Array dense, ctx.new_array({shape, x.aval.dtype}));
  COTANGENT_RETURN_IF_ERROR(CopyView(ctx, Array{x.buffer, dense.aval, strides, x.offset}, dense));
  const int64_t r = GroupSize(x, rows), c = GroupSize(x, cols);
  return Operand{dense, dense.offset, r * c, c, 1};
}

std::vector<int64_t> FreeDims(int64_t rank, const std::vector<int64_t>& batch,
                              const std::vector<int64_t>& contracting) {
  std::vector<int64_t> free;
  for (int64_t d = 0; d < rank; ++d) {
    if (std::find(batch.begin(), batch.end(), d) == batch.end() &&
        std::find(contracting.begin(), contracting.end(), d) == contracting.end()) {
      free.push_back(d);
    }
  }
  return free;
}

// Whether an operand [batch, rows, cols] can be read in 16-byte vectors of `width` elements
// along its unit-stride axis (the one kernels/matmul.comp chooses: cols when its stride is 1,
// else rows): that axis's extent, the other strides and the offset are multiples of `width`.
bool Vectorizable(const Operand& x, int64_t rows, int64_t cols, int64_t width) {
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
  std::span<const uint32_t> spirv;
  switch (dtype) {
    case DType::kF32: spirv = kF32[vec_a][vec_b]; break;
    case DType::kF64: spirv = kF64[vec_a][vec_b]; break;
    case DType::kI32: spirv = kI32[vec_a][vec_b]; break;
    case DType::kBool:
      return absl::InvalidArgumentError("vulkan: dot_general has no kernel for bool");
  }
  // Shared memory: two BK x 16 T tiles; f64 uses a shallower step to stay well within 32 KiB.
  const uint32_t bk = dtype == DType::kF64 ? 8 : 16;
  const uint32_t spec[] = {tm, tn, bk};
  return ctx.kernels->Get(absl::StrCat("matmul.", DTypeName(dtype), ".", tm, "x", tn,
                                       vec_a ? ".va" : "", vec_b ? ".vb" : ""),
                          3, spec, absl::MakeConstSpan(spirv.data(), spirv.size()));
}

}  // namespace

absl::Status DotGeneralLaunch(KernelContext& ctx, Primitive, absl::Span<const Array> in,
                              const Params& params, const Array& out) {
  const Array& lhs = in[0];
  const Array& rhs = in[1];
  const DotDims& dims = params.dot;
  const std::vector<int64_t> lhs_free =
      FreeDims(lhs.aval.rank(), dims.lhs_batch, dims.lhs_contracting);
  const std::vector<int64_t> rhs_free =
      FreeDims(rhs.aval.rank(), dims.rhs_batch, dims.rhs_contracting);
  const int64_t batch = GroupSize(lhs, dims.lhs_batch), m = GroupSize(lhs, lhs_free),
                k = GroupSize(lhs, dims.lhs_contracting), n = GroupSize(rhs, rhs_free);
  if (batch * m * n == 0) return absl::OkStatus();
  if (k == 0) return Fill(ctx, out, 0.0);
  COTANGENT_ASSIGN_OR_RETURN(const Operand a,
                             AsOperand(ctx, lhs, dims.lhs_batch, lhs_free, dims.lhs_contracting));
  COTANGENT_ASSIGN_OR_RETURN(const Operand b,
                             AsOperand(ctx, rhs, dims.rhs_batch, dims.rhs_contracting, rhs_free));
  // 128 x 128 tiles (8 x 8 outputs per invocation: 16 shared-memory reads per 64
  // multiply-adds) for large products, 64 x 64 or 16 x 16 ones for smaller or thin ones
  // (three configurations: each is a pipeline to compile).
  const int64_t side = std::min(m, n);
  const uint32_t tm = side >= 256 ? 8 : side >= 48 ? 4 : 1, tn = tm;
  // 16-byte loads for each operand that allows them.
  const int64_t width = DTypeSize(lhs.aval.dtype) == 8 ? 2 : 4;
  const bool vec_a = Vectorizable(a, m, k, width), vec_b = Vectorizable(b, k, n, width);
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
            static_cast<uint32_t>(a.offset), static_cast<uint32_t>(a.sb),
            static_cast<uint32_t>(a.si),     static_cast<uint32_t>(a.sj),
            static_cast<uint32_t>(b.offset), static_cast<uint32_t>(b.sb),
            static_cast<uint32_t>(b.si),     static_cast<uint32_t>(b.sj),
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
