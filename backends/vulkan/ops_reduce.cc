// File: backends/vulkan/ops_reduce.cc
// reduce_sum, reduce_max, reduce_prod and argmax with kernels/reduce.comp: the input's kept and
// reduced dimensions are coalesced separately and read in place; a reduction over few elements
// runs one invocation per output, a long one a workgroup per output, and a long one with few
// outputs in two passes (chunks into a partial [outputs, chunks] array, then the chunks), so
// that a full reduction still spreads over the whole device.

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/grid.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "kernels/kernels.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kGroup = 256;         // invocations per reduction
constexpr uint32_t kThreadGroup = 64;    // workgroup size when one invocation is one output
constexpr int64_t kMaxRank = 5;          // kernels/reduce.comp kMaxRank
constexpr int64_t kSerialMax = 32;       // up to this many elements: one invocation each
constexpr int64_t kChunk = kGroup * 64;  // elements per workgroup in a first pass
constexpr int64_t kFewOutputs = 128;     // fewer outputs than this: split long reductions

// A reduction as reduce.comp sees it.
struct Problem {
  Array input;            // buffer, offset and dtype of the elements
  StridedSpace kept;      // outputs, row-major (offsets[0]: the input's offset)
  StridedSpace reduced;   // elements of one output (offsets unused)
  int64_t outputs = 1, count = 1;
};

absl::StatusOr<std::span<const uint32_t>> Spirv(Primitive prim, DType dtype, bool subgroups) {
  using namespace kernels;  // NOLINT: the generated symbol names
  const auto pick = [&](std::span<const uint32_t> plain, std::span<const uint32_t> sg) {
    return subgroups ? sg : plain;
  };
  switch (prim) {
    case Primitive::kReduceSum:
      if (dtype == DType::kF32) return pick(kReduceSumF32Spirv, kReduceSumF32SgSpirv);
      if (dtype == DType::kF64) return pick(kReduceSumF64Spirv, kReduceSumF64SgSpirv);
      if (dtype == DType::kI32) return pick(kReduceSumI32Spirv, kReduceSumI32SgSpirv);
      if (dtype == DType::kU32) return pick(kReduceSumU32Spirv, kReduceSumU32SgSpirv);
      if (dtype == DType::kU8) return pick(kReduceSumU8Spirv, kReduceSumU8SgSpirv);
      if (dtype == DType::kI64) return kReduceSumI64Spirv;  // never subgroups (Dispatch)
      break;
    case Primitive::kReduceMax:
      if (dtype == DType::kF32) return pick(kReduceMaxF32Spirv, kReduceMaxF32SgSpirv);
      if (dtype == DType::kF64) return pick(kReduceMaxF64Spirv, kReduceMaxF64SgSpirv);
      if (dtype == DType::kI32) return pick(kReduceMaxI32Spirv, kReduceMaxI32SgSpirv);
      if (dtype == DType::kU32) return pick(kReduceMaxU32Spirv, kReduceMaxU32SgSpirv);
      if (dtype == DType::kU8) return pick(kReduceMaxU8Spirv, kReduceMaxU8SgSpirv);
      if (dtype == DType::kI64) return kReduceMaxI64Spirv;
      return pick(kReduceMaxBoolSpirv, kReduceMaxBoolSgSpirv);
    case Primitive::kReduceProd:
      if (dtype == DType::kF32) return pick(kReduceProdF32Spirv, kReduceProdF32SgSpirv);
      if (dtype == DType::kF64) return pick(kReduceProdF64Spirv, kReduceProdF64SgSpirv);
      if (dtype == DType::kI32) return pick(kReduceProdI32Spirv, kReduceProdI32SgSpirv);
      if (dtype == DType::kU32) return pick(kReduceProdU32Spirv, kReduceProdU32SgSpirv);
      if (dtype == DType::kU8) return pick(kReduceProdU8Spirv, kReduceProdU8SgSpirv);
      if (dtype == DType::kI64) return kReduceProdI64Spirv;
      break;
    case Primitive::kArgmax:
      if (dtype == DType::kF32) return pick(kArgmaxF32Spirv, kArgmaxF32SgSpirv);
      if (dtype == DType::kF64) return pick(kArgmaxF64Spirv, kArgmaxF64SgSpirv);
      if (dtype == DType::kI32) return pick(kArgmaxI32Spirv, kArgmaxI32SgSpirv);
      if (dtype == DType::kU32) return pick(kArgmaxU32Spirv, kArgmaxU32SgSpirv);
      if (dtype == DType::kU8) return pick(kArgmaxU8Spirv, kArgmaxU8SgSpirv);
      if (dtype == DType::kI64) return kArgmaxI64Spirv;
      return pick(kArgmaxBoolSpirv, kArgmaxBoolSgSpirv);
    default:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("vulkan: ", PrimitiveName(prim),
                                                 " has no kernel for ", DTypeName(dtype)));
}

// Groups for `total` workgroups in a 2-d grid (x at most max_groups).
std::array<uint32_t, 3> Grid(int64_t total, uint32_t max_groups) {
  const int64_t x = std::clamp<int64_t>(total, 1, max_groups);
  return {static_cast<uint32_t>(x), static_cast<uint32_t>((total + x - 1) / x), 1};
}

// One dispatch of reduce.comp: `chunks` pieces per output of `chunk_len` elements, results
// written to out (and to values, argmax's partial maxima); `indices` are argmax's partial
// indices to read (pairs), if any.
absl::Status Dispatch(KernelContext& ctx, Primitive prim, const Problem& p, int64_t chunks,
                      int64_t chunk_len, const Array& out, const Array* values,
                      const Array* indices) {
  const DType dtype = p.input.aval.dtype;
  const bool serial = chunks == 1 && p.count <= kSerialMax;
  // i64 has no subgroup variant (shuffling 64-bit integers is an optional feature).
  const bool subgroups = ctx.subgroups && !serial && ctx.info->subgroup_size <= kGroup &&
                         dtype != DType::kI64;
  COTANGENT_ASSIGN_OR_RETURN(std::span<const uint32_t> spirv, Spirv(prim, dtype, subgroups));
  const uint32_t spec[] = {serial ? kThreadGroup : kGroup, serial ? 1u : 0u,
                           indices != nullptr ? 1u : 0u, values != nullptr ? 1u : 0u};
  const bool argmax = prim == Primitive::kArgmax;
  const std::string name =
      absl::StrCat(PrimitiveName(prim), ".", DTypeName(dtype), subgroups ? ".sg" : "",
                   serial ? ".serial" : "", indices ? ".pairs" : "", values ? ".values" : "");
  COTANGENT_ASSIGN_OR_RETURN(
      const Pipeline* pipeline,
      ctx.kernels->Get(name, argmax ? 4 : 2, spec, absl::MakeConstSpan(spirv.data(), spirv.size())));
  uint32_t push[8 + 4 * kMaxRank] = {};
  push[0] = static_cast<uint32_t>(p.outputs);
  push[1] = static_cast<uint32_t>(p.count);
  push[2] = static_cast<uint32_t>(chunks);
  push[3] = static_cast<uint32_t>(chunk_len);
  push[4] = static_cast<uint32_t>(p.kept.offsets[0]);
  push[5] = static_cast<uint32_t>(p.kept.rank());
  push[6] = static_cast<uint32_t>(p.reduced.rank());
  for (int64_t d = 0; d < p.kept.rank(); ++d) {
    push[8 + d] = static_cast<uint32_t>(p.kept.shape[d]);
    push[8 + kMaxRank + d] = static_cast<uint32_t>(p.kept.strides[0][d]);
  }
  for (int64_t d = 0; d < p.reduced.rank(); ++d) {
    push[8 + 2 * kMaxRank + d] = static_cast<uint32_t>(p.reduced.shape[d]);
    push[8 + 3 * kMaxRank + d] = static_cast<uint32_t>(p.reduced.strides[0][d]);
  }
  std::vector<BufferUse> uses = {{BufferOf(out), true}, {BufferOf(p.input), false}};
  if (argmax) {
    uses.push_back({BufferOf(indices != nullptr ? *indices : p.input), false});
    uses.push_back({BufferOf(values != nullptr ? *values : out), true});
  }
  const int64_t groups = serial ? (p.outputs + kThreadGroup - 1) / kThreadGroup
                                : p.outputs * chunks;
  return ctx.stream->Dispatch(*pipeline, uses, push, Grid(groups, ctx.max_groups));
}

// The problem of reducing `axes` of x, or of a dense copy of x with the reduced axes last when
// a group has more dimensions than the kernel's push constants hold.
absl::StatusOr<Problem> MakeProblem(KernelContext& ctx, const Array& x,
                                    const std::vector<int64_t>& axes) {
  Shape kept_shape, red_shape;
  Strides kept_strides, red_strides;
  std::vector<int64_t> order;
  for (int64_t d = 0; d < x.aval.rank(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    (reduced ? red_shape : kept_shape).push_back(x.aval.shape[d]);
    (reduced ? red_strides : kept_strides).push_back(x.strides[d]);
    if (!reduced) order.push_back(d);
  }
  order.insert(order.end(), axes.begin(), axes.end());
  Problem p;
  p.input = x;
  p.kept = Coalesce(kept_shape, {kept_strides}, {x.offset});
  p.reduced = Coalesce(red_shape, {red_strides});
  p.outputs = NumElements(kept_shape);
  p.count = NumElements(red_shape);
  if (p.kept.rank() <= kMaxRank && p.reduced.rank() <= kMaxRank) return p;
  // Transpose into [kept..., reduced...] densely: then each group is one dimension.
  Shape shape;
  Strides strides;
  for (int64_t d : order) {
    shape.push_back(x.aval.shape[d]);
    strides.push_back(x.strides[d]);
  }
  COTANGENT_ASSIGN_OR_RETURN(const Array dense, ctx.new_array({shape, x.aval.dtype}));
  COTANGENT_RETURN_IF_ERROR(CopyView(ctx, Array{x.buffer, dense.aval, strides, x.offset}, dense));
  p.input = dense;
  p.kept = Coalesce({p.outputs}, {Dims{p.count}}, {dense.offset});
  p.reduced = Coalesce({p.count}, {Dims{1}});
  return p;
}

}  // namespace

absl::Status ReduceLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                          const Params& params, const Array& out) {
  const Array& x = in[0];
  const bool argmax = prim == Primitive::kArgmax;
  const std::vector<int64_t> axes = argmax ? std::vector<int64_t>{params.dimension} : params.axes;
  COTANGENT_ASSIGN_OR_RETURN(const Problem p, MakeProblem(ctx, x, axes));
  if (p.count == 0) {  // the sum of nothing is 0, its product 1, its max the lowest value
    // -inf converts to each integer's minimum (saturation) and to true for bool: its 0.
    const double lowest = x.aval.dtype == DType::kBool ? 0.0 : -INFINITY;
    return Fill(ctx, out, prim == Primitive::kReduceMax    ? lowest
                          : prim == Primitive::kReduceProd ? 1.0
                                                           : 0.0);
  }
  if (p.outputs >= kFewOutputs || p.count <= 2 * kChunk) {
    return Dispatch(ctx, prim, p, 1, p.count, out, nullptr, nullptr);
  }
  // Two passes: partial results [outputs, chunks], then a reduction over the chunks.
  const int64_t chunks = std::min<int64_t>((p.count + kChunk - 1) / kChunk, 1024);
  const int64_t chunk_len = (p.count + chunks - 1) / chunks;
  const Shape partial_shape = {p.outputs, chunks};
  COTANGENT_ASSIGN_OR_RETURN(const Array partial, ctx.new_array({partial_shape, x.aval.dtype}));
  Problem second;
  second.kept = Coalesce({p.outputs}, {Dims{chunks}});
  second.reduced = Coalesce({chunks}, {Dims{1}});
  second.outputs = p.outputs;
  second.count = chunks;
  if (!argmax) {
    COTANGENT_RETURN_IF_ERROR(Dispatch(ctx, prim, p, chunks, chunk_len, partial, nullptr, nullptr));
    second.input = partial;
    return Dispatch(ctx, prim, second, 1, chunks, out, nullptr, nullptr);
  }
  COTANGENT_ASSIGN_OR_RETURN(const Array partial_index, ctx.new_array({partial_shape, DType::kI32}));
  COTANGENT_RETURN_IF_ERROR(
      Dispatch(ctx, prim, p, chunks, chunk_len, partial_index, &partial, nullptr));
  second.input = partial;
  return Dispatch(ctx, prim, second, 1, chunks, out, nullptr, &partial_index);
}

}  // namespace cotangent::vulkan
