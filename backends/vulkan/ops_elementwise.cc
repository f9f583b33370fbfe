// File: backends/vulkan/ops_elementwise.cc
// Launches the generated elementwise kernels (elementwise_kernels.h): the operands' strides
// are coalesced with the dense output's, so contiguous, transposed, sliced and broadcast
// (stride 0) inputs are all read in place, and a space that coalesces to one dimension gets
// the FLAT kernel (no index division).

#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/layout.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kWorkgroup = 256;
constexpr int64_t kMaxRank = 6;  // kernels/elementwise.glsl kMaxRank
constexpr int kMaxInputs = 3;

}  // namespace

absl::Status ElementwiseLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                               const Params&, const Array& out) {
  const ElementwiseSpec base{prim, in[prim == Primitive::kSelect ? 1 : 0].aval.dtype,
                             out.aval.dtype, false};
  std::vector<int64_t> offsets = {out.offset};
  std::vector<Strides> strides = {out.strides};
  std::vector<BufferUse> uses = {{BufferOf(out), true}};
  for (const Array& x : in) {
    offsets.push_back(x.offset);
    strides.push_back(x.strides);
    uses.push_back({BufferOf(x), false});
  }
  const StridedSpace space = Coalesce(out.aval.shape, offsets, strides);
  ElementwiseSpec spec = base;
  spec.flat = space.rank() <= 1;
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
    uint32_t push[6 + kMaxRank + kMaxInputs * kMaxRank] = {};
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
    return ctx.stream->Dispatch(*pipeline, uses, push,
                                {GridGroups(sub.size(), kWorkgroup, ctx.max_groups), 1, 1});
  });
}

}  // namespace cotangent::vulkan
