// File: backends/vulkan/ops_elementwise.cc
// Launches the generated elementwise kernels (elementwise_kernels.h): the operands' strides
// are coalesced with the dense output's (core/layout.h Coalesce), so contiguous, transposed,
// sliced and broadcast (stride 0) inputs are all read in place, and a space that coalesces to
// one dimension gets the FLAT kernel (no index division).

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/grid.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kWorkgroup = 256;
constexpr int64_t kMaxRank = 6;  // kernels/elementwise.glsl kMaxRank
constexpr int kMaxInputs = 3;

// Elements per invocation with vector loads: 4 (2 when a dtype is 8 bytes: 16-byte vectors)
// when every operand of a flat space is contiguous or broadcast and the count and the
// contiguous offsets are multiples of it, and none is f16 or bf16; else 1. `broadcast` gets
// the stride-0 inputs.
int VectorWidth(const StridedSpace& space, absl::Span<const Array> in, const Array& out,
                uint32_t& broadcast) {
  if (space.rank() != 1) return 1;
  // f16 and bf16 convert element by element (elementwise_kernels.cc kHalfFloats).
  if (IsHalfFloat(out.aval.dtype)) return 1;
  for (const Array& x : in) {
    if (IsHalfFloat(x.aval.dtype)) return 1;
  }
  bool wide = DTypeSize(out.aval.dtype) == 8;
  for (const Array& x : in) wide = wide || DTypeSize(x.aval.dtype) == 8;
  const int width = wide ? 2 : 4;
  const int64_t count = space.shape[0];
  if (count < 4 * width || count % width != 0 || space.offsets[0] % width != 0) return 1;
  broadcast = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    const int64_t stride = space.strides[k + 1][0];
    if (stride == 0) {
      broadcast |= 1u << k;
    } else if (stride != 1 || space.offsets[k + 1] % width != 0) {
      return 1;
    }
  }
  return width;
}

}  // namespace

absl::Status ElementwiseLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                               const Params&, const Array& out) {
  ElementwiseSpec spec{prim, in[prim == Primitive::kSelect ? 1 : 0].aval.dtype,
                       out.aval.dtype};
  absl::InlinedVector<int64_t, 4> offsets = {out.offset};
  absl::InlinedVector<absl::Span<const int64_t>, 4> strides = {out.strides};
  std::vector<BufferUse> uses = {{BufferOf(out), true}};
  for (const Array& x : in) {
    offsets.push_back(x.offset);
    strides.push_back(x.strides);
    uses.push_back({BufferOf(x), false});
  }
  if (UsesTwoOverPi(prim)) uses.push_back({ctx.two_over_pi, false});
  const StridedSpace space = Coalesce(out.aval.shape, strides, offsets);
  uint32_t broadcast = 0;
  spec.width = VectorWidth(space, in, out, broadcast);
  const std::string name = ElementwiseKernelName(spec);
  const uint32_t spec_constants[] = {kWorkgroup};
  COTANGENT_ASSIGN_OR_RETURN(
      const Pipeline* pipeline,
      ctx.kernels->Get(name, static_cast<uint32_t>(uses.size()), spec_constants,
                       [&]() -> absl::StatusOr<std::vector<uint32_t>> {
                         COTANGENT_ASSIGN_OR_RETURN(const std::string source,
                                                    ElementwiseSource(spec));
                         return ctx.glsl->Compile(source, name);
                       }));
  return ForEachSubspace(space, kMaxRank, [&](const StridedSpace& sub) {
    uint32_t push[7 + kMaxRank + kMaxInputs * kMaxRank] = {};
    push[6 + kMaxRank + kMaxInputs * kMaxRank] = broadcast;
    push[0] = static_cast<uint32_t>(sub.size());
    push[1] = static_cast<uint32_t>(sub.rank());
    push[2] = static_cast<uint32_t>(sub.offsets[0]);
    for (size_t k = 0; k < in.size(); ++k) push[3 + k] = static_cast<uint32_t>(sub.offsets[k + 1]);
    for (int64_t d = 0; d < sub.rank(); ++d) {
      push[6 + d] = static_cast<uint32_t>(sub.shape[d]);
      for (size_t k = 0; k < in.size(); ++k) {
        push[6 + kMaxRank + k * kMaxRank + d] = static_cast<uint32_t>(sub.strides[k + 1][d]);
      }
    }
    return ctx.stream->Dispatch(
        *pipeline, uses, push,
        {GridGroups(sub.size() / spec.width, kWorkgroup, ctx.max_groups), 1, 1});
  });
}

}  // namespace cotangent::vulkan
