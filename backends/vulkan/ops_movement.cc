// File: backends/vulkan/ops_movement.cc
// Movement primitives as strided copies (kernels/copy.comp): each describes where its input
// elements sit (an offset and strides) and the copy moves them into the dense output. Pad
// fills first (kernels/fill.comp); concatenate copies each operand into its window.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/layout.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "kernels/kernels.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kWorkgroup = 256;
constexpr int64_t kCopyMaxRank = 8;  // kernels/copy.comp kMaxRank

struct BitsKernel {
  const char* name;
  std::span<const uint32_t> spirv;
};

BitsKernel CopyKernel(int64_t elem_bytes) {
  if (elem_bytes == 1) return {"copy_b8", kernels::kCopyB8Spirv};
  if (elem_bytes == 4) return {"copy_b32", kernels::kCopyB32Spirv};
  return {"copy_b64", kernels::kCopyB64Spirv};
}

BitsKernel FillKernel(int64_t elem_bytes) {
  if (elem_bytes == 1) return {"fill_b8", kernels::kFillB8Spirv};
  if (elem_bytes == 4) return {"fill_b32", kernels::kFillB32Spirv};
  return {"fill_b64", kernels::kFillB64Spirv};
}

absl::StatusOr<const Pipeline*> GetKernel(KernelContext& ctx, const BitsKernel& kernel,
                                          uint32_t bindings) {
  const uint32_t spec[] = {kWorkgroup};
  return ctx.kernels->Get(kernel.name, bindings, spec,
                          absl::MakeConstSpan(kernel.spirv.data(), kernel.spirv.size()));
}

// The bits of `value` converted to dtype as convert_element_type does (cpu::ConvertValue):
// bool is value != 0, i32 truncates with NaN -> 0 and saturates, floats round.
void ValueBits(double value, DType dtype, uint32_t bits[2]) {
  bits[0] = bits[1] = 0;
  switch (dtype) {
    case DType::kBool:
      bits[0] = value != 0 ? 1 : 0;
      return;
    case DType::kI32: {
      int32_t i = 0;
      if (value != value) i = 0;
      else if (value >= 2147483648.0) i = std::numeric_limits<int32_t>::max();
      else if (value <= -2147483648.0) i = std::numeric_limits<int32_t>::min();
      else i = static_cast<int32_t>(value);
      std::memcpy(bits, &i, 4);
      return;
    }
    case DType::kF32: {
      const float f = static_cast<float>(value);
      std::memcpy(bits, &f, 4);
      return;
    }
    case DType::kF64:
      std::memcpy(bits, &value, 8);
      return;
  }
}

// Copies x viewed at (offset, strides) over out's shape into the dense out.
absl::Status CopyToOutput(KernelContext& ctx, const Array& x, int64_t offset,
                          const Strides& strides, const Array& out) {
  Array src{x.buffer, out.aval, strides, x.offset + offset};
  return CopyView(ctx, src, out);
}

// Pad: input element i lands at low + i * (interior + 1) along each axis; elements landing
// outside the output (negative low or high crop) are dropped.
absl::Status Pad(KernelContext& ctx, const Array& x, const Params& p, const Array& out) {
  COTANGENT_RETURN_IF_ERROR(Fill(ctx, out, p.padding_value));
  Shape kept;
  Strides src_strides, dst_strides;
  int64_t src_offset = x.offset, dst_offset = out.offset;
  for (int64_t d = 0; d < x.aval.rank(); ++d) {
    const int64_t n = x.aval.shape[d], low = p.low[d], step = p.interior[d] + 1;
    const int64_t room = out.aval.shape[d] - low;
    const int64_t first = low >= 0 ? 0 : -(low + 1) / step + 1;  // ceil(-low / step)
    const int64_t last = room > 0 ? std::min(n, (room - 1) / step + 1) : 0;
    if (last <= first) return absl::OkStatus();  // every element cropped away
    kept.push_back(last - first);
    src_offset += first * x.strides[d];
    src_strides.push_back(x.strides[d]);
    dst_offset += (low + first * step) * out.strides[d];
    dst_strides.push_back(last - first > 1 ? step * out.strides[d] : 0);  // no overflow
  }
  const ShapedArray aval{kept, x.aval.dtype};
  return CopyView(ctx, Array{x.buffer, aval, src_strides, src_offset},
                  Array{out.buffer, aval, dst_strides, dst_offset});
}

}  // namespace

absl::Status CopyView(KernelContext& ctx, const Array& src, const Array& dst) {
  const int64_t elem = DTypeSize(src.aval.dtype);
  COTANGENT_RETURN_IF_ERROR(ctx.Require(src.aval.dtype, false, "copy of " + src.aval.ToString()));
  if (src.aval.size() == 0) return absl::OkStatus();
  const int64_t offsets[] = {src.offset, dst.offset};
  const Strides strides[] = {src.strides, dst.strides};
  const StridedSpace space = Coalesce(src.aval.shape, offsets, strides);
  COTANGENT_ASSIGN_OR_RETURN(const Pipeline* pipeline, GetKernel(ctx, CopyKernel(elem), 2));
  const BufferUse uses[] = {{BufferOf(src), false}, {BufferOf(dst), true}};
  return ForEachSubspace(space, kCopyMaxRank, [&](const StridedSpace& sub) {
    uint32_t push[4 + 3 * kCopyMaxRank] = {};
    push[0] = static_cast<uint32_t>(sub.size());
    push[1] = static_cast<uint32_t>(sub.rank());
    push[2] = static_cast<uint32_t>(sub.offsets[0]);
    push[3] = static_cast<uint32_t>(sub.offsets[1]);
    for (int64_t d = 0; d < sub.rank(); ++d) {
      push[4 + d] = static_cast<uint32_t>(sub.shape[d]);
      push[4 + kCopyMaxRank + d] = static_cast<uint32_t>(sub.strides[0][d]);
      push[4 + 2 * kCopyMaxRank + d] = static_cast<uint32_t>(sub.strides[1][d]);
    }
    return ctx.stream->Dispatch(*pipeline, uses, push,
                                {GridGroups(sub.size(), kWorkgroup, ctx.max_groups), 1, 1});
  });
}

absl::Status Fill(KernelContext& ctx, const Array& out, double value) {
  const DType dtype = out.aval.dtype;
  COTANGENT_RETURN_IF_ERROR(ctx.Require(dtype, false, "fill of " + out.aval.ToString()));
  if (out.aval.size() == 0) return absl::OkStatus();
  COTANGENT_ASSIGN_OR_RETURN(const Pipeline* pipeline,
                             GetKernel(ctx, FillKernel(DTypeSize(dtype)), 1));
  uint32_t push[4] = {static_cast<uint32_t>(out.aval.size()), static_cast<uint32_t>(out.offset)};
  ValueBits(value, dtype, push + 2);
  const BufferUse uses[] = {{BufferOf(out), true}};
  return ctx.stream->Dispatch(*pipeline, uses, push,
                              {GridGroups(out.aval.size(), kWorkgroup, ctx.max_groups), 1, 1});
}

absl::Status MovementLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                            const Params& p, const Array& out) {
  const Array& x = in[0];
  switch (prim) {
    case Primitive::kReshape:
    case Primitive::kStopGradient:
      // Row-major order is all reshape keeps: copy x in its own shape densely.
      return CopyView(ctx, x, Array{out.buffer, x.aval, ContiguousStrides(x.aval.shape),
                                    out.offset});
    case Primitive::kTranspose: {
      Strides strides;
      for (int64_t axis : p.permutation) strides.push_back(x.strides[axis]);
      return CopyToOutput(ctx, x, 0, strides, out);
    }
    case Primitive::kBroadcastInDim: {
      Strides strides(out.aval.rank(), 0);
      for (size_t i = 0; i < p.broadcast_dimensions.size(); ++i) {
        if (x.aval.shape[i] != 1) strides[p.broadcast_dimensions[i]] = x.strides[i];
      }
      return CopyToOutput(ctx, x, 0, strides, out);
    }
    case Primitive::kSlice: {
      int64_t offset = 0;
      Strides strides;
      for (int64_t d = 0; d < x.aval.rank(); ++d) {
        offset += p.start[d] * x.strides[d];
        strides.push_back(x.strides[d] * p.stride[d]);
      }
      return CopyToOutput(ctx, x, offset, strides, out);
    }
    case Primitive::kPad:
      return Pad(ctx, x, p, out);
    case Primitive::kConcatenate: {
      // Operand k fills out[..., begin_k : begin_k + size_k, ...] along the axis.
      int64_t begin = 0;
      for (const Array& operand : in) {
        Array window{out.buffer, operand.aval, out.strides,
                     out.offset + begin * out.strides[p.dimension]};
        COTANGENT_RETURN_IF_ERROR(CopyView(ctx, operand, window));
        begin += operand.aval.shape[p.dimension];
      }
      return absl::OkStatus();
    }
    default:
      return absl::InternalError(
          absl::StrCat("vulkan: ", PrimitiveName(prim), " is not a movement primitive"));
  }
}

}  // namespace cotangent::vulkan
