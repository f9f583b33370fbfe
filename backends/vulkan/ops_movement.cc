// File: backends/vulkan/ops_movement.cc
// Movement primitives as strided copies (kernels/copy.comp): core/layout.h plans each one
// (where the elements of a view, of pad's operand and of concatenate's operands go:
// PlanMovement) and the copy kernel moves them into the dense output. Pad fills first
// (kernels/fill.comp).

#include <cstring>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/grid.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "core/layout.h"
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
  if (elem_bytes == 2) return {"copy_b16", kernels::kCopyB16Spirv};
  if (elem_bytes == 4) return {"copy_b32", kernels::kCopyB32Spirv};
  return {"copy_b64", kernels::kCopyB64Spirv};
}

BitsKernel FillKernel(int64_t elem_bytes) {
  if (elem_bytes == 1) return {"fill_b8", kernels::kFillB8Spirv};
  if (elem_bytes == 2) return {"fill_b16", kernels::kFillB16Spirv};
  if (elem_bytes == 4) return {"fill_b32", kernels::kFillB32Spirv};
  return {"fill_b64", kernels::kFillB64Spirv};
}

absl::StatusOr<const Pipeline*> GetKernel(KernelContext& ctx, const BitsKernel& kernel,
                                          uint32_t bindings) {
  const uint32_t spec[] = {kWorkgroup};
  return ctx.kernels->Get(kernel.name, bindings, spec,
                          absl::MakeConstSpan(kernel.spirv.data(), kernel.spirv.size()));
}


}  // namespace

absl::Status CopyView(KernelContext& ctx, const Array& src, const Array& dst) {
  const int64_t elem = DTypeSize(src.aval.dtype);
  COTANGENT_RETURN_IF_ERROR(ctx.Require(src.aval.dtype, false, "copy of " + src.aval.ToString()));
  if (src.aval.size() == 0) return absl::OkStatus();
  const StridedSpace space =
      Coalesce(src.aval.shape, {src.strides, dst.strides}, {src.offset, dst.offset});
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

absl::Status Fill(KernelContext& ctx, const Array& out, Number value) {
  const DType dtype = out.aval.dtype;
  COTANGENT_RETURN_IF_ERROR(ctx.Require(dtype, false, "fill of " + out.aval.ToString()));
  if (out.aval.size() == 0) return absl::OkStatus();
  COTANGENT_ASSIGN_OR_RETURN(const Pipeline* pipeline,
                             GetKernel(ctx, FillKernel(DTypeSize(dtype)), 1));
  uint32_t push[4] = {static_cast<uint32_t>(out.aval.size()), static_cast<uint32_t>(out.offset)};
  const uint64_t bits = ElementBits(value, dtype);  // as convert_element_type converts
  push[2] = static_cast<uint32_t>(bits);
  push[3] = static_cast<uint32_t>(bits >> 32);
  const BufferUse uses[] = {{BufferOf(out), true}};
  return ctx.stream->Dispatch(*pipeline, uses, push,
                              {GridGroups(out.aval.size(), kWorkgroup, ctx.max_groups), 1, 1});
}

absl::Status MovementLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                            const Params& p, const Array& out) {
  const std::optional<MovementPlan> plan = PlanMovement(prim, in, p, out);
  if (!plan) {
    return absl::InternalError(
        absl::StrCat("vulkan: ", PrimitiveName(prim), " is not a movement primitive"));
  }
  if (plan->fill) COTANGENT_RETURN_IF_ERROR(Fill(ctx, out, *plan->fill));
  for (const StridedCopy& copy : plan->copies) {
    COTANGENT_RETURN_IF_ERROR(CopyView(ctx, copy.src, copy.dst));
  }
  return absl::OkStatus();
}

}  // namespace cotangent::vulkan
