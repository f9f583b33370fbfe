// File: backends/vulkan/ops_indexing.cc
// gather and the scatters as kernels generated per shape and dimension numbers (compiled once
// by glslang and cached by their source): every shape, stride and axis map is a constant of
// the kernel, so an invocation's index arithmetic is a few constant divisions, at any rank.
//   gather: one invocation per output element reads its index vector and the operand element
//     its window position names (or writes the fill value); elements move as bits.
//   scatter_add, with atomics (i32 always; f32 and f64 where the device has float atomic add,
//     VK_EXT_shader_atomic_float): the operand is copied, then one invocation per update
//     element adds it at its destination. O(updates); float sums in an unspecified order, as
//     JAX's on GPUs.
//   every scatter, deterministic (scatter, scatter_mul, scatter_min and scatter_max always;
//     scatter_add under COTANGENT_VULKAN_DETERMINISTIC=1 or without an atomic add for the
//     dtype, like f64 on lavapipe): one invocation per output element combines, in index
//     order, every update whose window covers it: the CPU kernel's results in its order, bit
//     for bit, at O(operand elements x index vectors). scatter stores the last one as bits.
//     When that product is large (SortedPays), the sorted scatter gives the same results: the
//     update elements' destinations, stably sorted (ops_sort.cc), and one invocation per
//     output element combining its run of them, found by binary search.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/generated_kernels.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {
namespace {

bool Contains(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// `value` converted to dtype (as convert_element_type) as a GLSL constant of BitsType.
std::string BitsConstant(Number value, DType dtype) {
  const uint64_t bits = ElementBits(value, dtype);
  switch (DTypeSize(dtype)) {
    case 1: return absl::StrCat("uint8_t(", bits, ")");
    case 4: return absl::StrCat(bits, "u");
    default:
      return absl::StrCat("uvec2(", static_cast<uint32_t>(bits), "u, ", bits >> 32, "u)");
  }
}

// Statements computing window start s<a> for each indexed operand axis from the index vector
// at `at`; under kFill, `ok` turns false when a window does not fit.
std::string Starts(const Params& p, const Array& indices, const Shape& op_shape,
                   absl::Span<const int64_t> window, const std::string& at) {
  std::string s;
  for (size_t k = 0; k < p.index.start_index_map.size(); ++k) {
    const int64_t a = p.index.start_index_map[k];
    const int64_t limit = op_shape[a] - window[a];
    absl::StrAppend(&s, "    int s", a, " = idx[", at, " + ", k * indices.strides.back(), "u];\n");
    if (p.mode == IndexMode::kClip) {
      absl::StrAppend(&s, "    s", a, " = clamp(s", a, ", 0, ", limit, ");\n");
    } else {
      absl::StrAppend(&s, "    ok = ok && s", a, " >= 0 && s", a, " <= ", limit, ";\n");
    }
  }
  return s;
}

std::string GatherSource(const Params& p, const Array& x, const Array& indices, const Array& out) {
  const DType dtype = x.aval.dtype;
  const int64_t out_rank = out.aval.rank();
  // Per output axis: its operand stride (a window axis) or its indices stride (a batch axis).
  std::vector<std::vector<int64_t>> strides(2, std::vector<int64_t>(out_rank, 0));
  for (int64_t o = 0, batch = 0, window = 0; o < out_rank; ++o) {
    if (Contains(p.index.window_dims, o)) {
      while (Contains(p.index.collapsed_dims, window)) ++window;
      strides[0][o] = x.strides[window++];
    } else {
      strides[1][o] = indices.strides[batch++];
    }
  }
  std::string src = Header({dtype});
  absl::StrAppend(
      &src, "layout(std430, binding = 0) writeonly buffer Out { ", BitsType(dtype),
      " out_data[]; };\nlayout(std430, binding = 1) readonly buffer Src { ", BitsType(dtype),
      " src[]; };\n", "layout(std430, binding = 2) readonly buffer Idx { int idx[]; };\n",
      "layout(push_constant) uniform Push { uint out_offset, src_offset, idx_offset; }"
      " pc;\nvoid main() {\n  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint p = gl_GlobalInvocationID.x; p < ", out.aval.size(), "u; p += step) {\n",
      "    uint from = pc.src_offset, at = pc.idx_offset;\n    bool ok = true;\n",
      Decompose("p", out.aval.shape, strides, {"from", "at"}),
      Starts(p, indices, x.aval.shape, p.slice_sizes, "at"));
  for (const int64_t a : p.index.start_index_map) {
    absl::StrAppend(&src, "    from += uint(s", a, ") * ", x.strides[a], "u;\n");
  }
  absl::StrAppend(&src, "    if (ok) out_data[pc.out_offset + p] = src[from];\n",
                  "    else out_data[pc.out_offset + p] = ", BitsConstant(p.fill_value, dtype),
                  ";\n  }\n}\n");
  return src;
}

// `acc` combined with update `v` by a scatter, as a GLSL statement (the CPU kernel's combine;
// integer sums and products wrap, and a u8 accumulator keeps its byte when stored).
std::string Combine(Primitive prim, DType dtype) {
  switch (prim) {
    case Primitive::kScatter:
      return "acc = v;";
    case Primitive::kScatterMul:
      return "acc *= v;";
    case Primitive::kScatterMin:
      return IsFloating(dtype) ? "if (!(acc < v || isnan(acc))) acc = v;" : "acc = min(acc, v);";
    case Primitive::kScatterMax:
      return IsFloating(dtype) ? "if (!(acc > v || isnan(acc))) acc = v;" : "acc = max(acc, v);";
    default:
      return "acc += v;";
  }
}

// The GLSL types of a deterministic scatter: scatter moves bits (bool and f64 without float64
// support included); the others compute, in the compute type (bool and u8: uint).
struct ScatterTypes {
  std::string storage, acc;
};
ScatterTypes TypesOf(Primitive prim, DType dtype) {
  const bool bits = prim == Primitive::kScatter;
  const std::string storage = bits ? BitsType(dtype) : StorageType(dtype);
  return {storage, DTypeSize(dtype) == 1 ? "uint" : bits ? storage : ComputeType(dtype)};
}

std::string ScatterSource(Primitive prim, const Params& p, const Array& x, const Array& indices,
                          const Array& updates, const Array& out) {
  const DType dtype = x.aval.dtype;
  const int64_t rank = x.aval.rank();
  const IndexDims& d = p.index;
  // Along each operand axis: the window size and the updates stride of its window axis.
  std::vector<int64_t> window(rank, 1), window_stride(rank, 0);
  for (int64_t a = 0, j = 0; a < rank; ++a) {
    if (Contains(d.collapsed_dims, a)) continue;
    window[a] = updates.aval.shape[d.window_dims[j]];
    window_stride[a] = updates.strides[d.window_dims[j++]];
  }
  Shape batch_shape;
  std::vector<std::vector<int64_t>> batch_strides(2);
  for (int64_t a = 0, j = 0; a < updates.aval.rank(); ++a) {
    if (Contains(d.window_dims, a)) continue;
    batch_shape.push_back(updates.aval.shape[a]);
    batch_strides[0].push_back(indices.strides[j++]);
    batch_strides[1].push_back(updates.strides[a]);
  }
  const int64_t batches = NumElements(batch_shape);
  const auto [type, acc_type] = TypesOf(prim, dtype);
  std::string src = Header({dtype});
  absl::StrAppend(&src, "layout(std430, binding = 0) writeonly buffer Out { ", type,
                  " out_data[]; };\nlayout(std430, binding = 1) readonly buffer Src { ", type,
                  " src[]; };\nlayout(std430, binding = 2) readonly buffer Idx { int idx[]; };\n",
                  "layout(std430, binding = 3) readonly buffer Upd { ", type, " upd[]; };\n",
                  "layout(push_constant) uniform Push { uint out_offset, src_offset, idx_offset,"
                  " upd_offset; } pc;\nvoid main() {\n",
                  "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
                  "  for (uint p = gl_GlobalInvocationID.x; p < ", out.aval.size(),
                  "u; p += step) {\n", "    uint from = pc.src_offset;\n");
  // The operand position m<a> of this invocation, and its source element.
  absl::StrAppend(&src, "    uint rest = p;\n");
  for (int64_t a = rank - 1; a >= 0; --a) {
    absl::StrAppend(&src, "    const int m", a, " = int(rest % ", x.aval.shape[a],
                    "u); rest /= ", x.aval.shape[a], "u; from += uint(m", a, ") * ", x.strides[a],
                    "u;\n");
  }
  absl::StrAppend(
      &src, "    ", acc_type, " acc = ", acc_type, "(src[from]);\n    for (uint b = 0u; b < ",
      batches,
      "u; ++b) {\n    uint at = pc.idx_offset, u = pc.upd_offset;\n    bool ok = true;\n",
      "    {\n", Decompose("b", batch_shape, batch_strides, {"at", "u"}), "    }\n",
      Starts(p, indices, x.aval.shape, window, "at"));
  for (int64_t a = 0; a < rank; ++a) {
    const std::string s = Contains(d.start_index_map, a) ? absl::StrCat("s", a) : "0";
    absl::StrAppend(&src, "    ok = ok && m", a, " >= ", s, " && m", a, " < ", s, " + ", window[a],
                    ";\n");
    if (window_stride[a] != 0) {
      absl::StrAppend(&src, "    u += uint(m", a, " - ", s, ") * ", window_stride[a], "u;\n");
    }
  }
  absl::StrAppend(&src, "    if (ok) { const ", acc_type, " v = ", acc_type, "(upd[u]); ",
                  Combine(prim, dtype), " }\n    }\n    out_data[pc.out_offset + p] = ", type,
                  "(acc);\n  }\n}\n");
  return src;
}

// The sorted scatter, for scatters with many index vectors into a large operand (SortedPays),
// in three steps. First, this kernel: invocation q is update element q in (index vector,
// window position) order, the order in which the CPU kernel combines an output element's
// updates; it writes dest[q], the output's dense row-major position it combines into
// (kDropped when kFill drops its window), and addr[q], its offset in the updates buffer.
// Second, the stable argsort of dest (ops_sort.cc), so each output's updates form a run in
// index order. Third, SortedCombineSource.
constexpr int32_t kDropped = 0x7fffffff;  // sorts after every output position

std::string ScatterDestinationsSource(const Params& p, const Array& x, const Array& indices,
                                      const Array& updates) {
  const int64_t rank = x.aval.rank();
  const IndexDims& d = p.index;
  std::vector<int64_t> window(rank, 1), out_strides(rank, 1);
  for (int64_t a = rank - 2; a >= 0; --a) out_strides[a] = out_strides[a + 1] * x.aval.shape[a + 1];
  // The index vectors' shape (strides in the indices and the updates), and the window's (strides
  // in the updates and in the output).
  Shape batch_shape, window_shape;
  std::vector<std::vector<int64_t>> batch_strides(2), window_strides(2);
  for (int64_t a = 0, j = 0, batch = 0; a < updates.aval.rank(); ++a) {
    if (Contains(d.window_dims, a)) {
      while (Contains(d.collapsed_dims, j)) ++j;
      window[j] = updates.aval.shape[a];
      window_shape.push_back(updates.aval.shape[a]);
      window_strides[0].push_back(updates.strides[a]);
      window_strides[1].push_back(out_strides[j++]);
    } else {
      batch_shape.push_back(updates.aval.shape[a]);
      batch_strides[0].push_back(indices.strides[batch++]);
      batch_strides[1].push_back(updates.strides[a]);
    }
  }
  const int64_t window_size = NumElements(window_shape);
  std::string src = absl::StrCat(
      Header({}), "layout(std430, binding = 0) writeonly buffer Dest { int dest[]; };\n",
      "layout(std430, binding = 1) writeonly buffer Addr { uint addr[]; };\n",
      "layout(std430, binding = 2) readonly buffer Idx { int idx[]; };\n",
      "layout(push_constant) uniform Push { uint dest_offset, addr_offset, idx_offset,"
      " upd_offset; } pc;\nvoid main() {\n",
      "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint q = gl_GlobalInvocationID.x; q < ", updates.aval.size(), "u; q += step) {\n",
      "    const uint b = q / ", window_size, "u, w = q % ", window_size, "u;\n",
      "    uint at = pc.idx_offset, u = pc.upd_offset, to = 0u;\n    bool ok = true;\n", "    {\n",
      Decompose("b", batch_shape, batch_strides, {"at", "u"}), "    }\n", "    {\n",
      Decompose("w", window_shape, window_strides, {"u", "to"}), "    }\n",
      Starts(p, indices, x.aval.shape, window, "at"));
  for (const int64_t a : d.start_index_map) {
    absl::StrAppend(&src, "    to += uint(s", a, ") * ", out_strides[a], "u;\n");
  }
  absl::StrAppend(&src, "    dest[pc.dest_offset + q] = ok ? int(to) : ", kDropped, ";\n",
                  "    addr[pc.addr_offset + q] = u;\n  }\n}\n");
  return src;
}

// The sorted scatter's third kernel: invocation p is output element p (row-major). It starts
// from the operand's element and combines, in order, the run of updates whose dest is p in
// perm (dest's stable sorting permutation), found by binary search: the owner-computes
// kernel's result, bit for bit, reading O(log U + its own updates) instead of every index
// vector.
std::string SortedCombineSource(Primitive prim, const Array& x, const Array& out, int64_t updates) {
  const auto [type, acc_type] = TypesOf(prim, x.aval.dtype);
  return absl::StrCat(
      Header({x.aval.dtype}), "layout(std430, binding = 0) writeonly buffer Out { ", type,
      " out_data[]; };\nlayout(std430, binding = 1) readonly buffer Src { ", type, " src[]; };\n",
      "layout(std430, binding = 2) readonly buffer Upd { ", type, " upd[]; };\n",
      "layout(std430, binding = 3) readonly buffer Dest { int dest[]; };\n",
      "layout(std430, binding = 4) readonly buffer Addr { uint addr[]; };\n",
      "layout(std430, binding = 5) readonly buffer Perm { int perm[]; };\n",
      "layout(push_constant) uniform Push { uint out_offset, src_offset, dest_offset,"
      " addr_offset, perm_offset; } pc;\nvoid main() {\n",
      "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint p = gl_GlobalInvocationID.x; p < ", out.aval.size(), "u; p += step) {\n",
      "    uint from = pc.src_offset;\n    {\n",
      Decompose("p", x.aval.shape, {std::vector<int64_t>(x.strides.begin(), x.strides.end())},
                {"from"}),
      "    }\n    ", acc_type, " acc = ", acc_type, "(src[from]);\n",
      "    uint lo = 0u, hi = ", updates, "u;\n", "    while (lo < hi) {\n",
      "      const uint mid = (lo + hi) / 2u;\n",
      "      const int at = dest[pc.dest_offset + uint(perm[pc.perm_offset + mid])];\n",
      "      if (at < int(p)) lo = mid + 1u;\n      else hi = mid;\n    }\n",
      "    for (uint j = lo; j < ", updates, "u; ++j) {\n",
      "      const uint q = uint(perm[pc.perm_offset + j]);\n",
      "      if (dest[pc.dest_offset + q] != int(p)) break;\n", "      const ", acc_type,
      " v = ", acc_type, "(upd[addr[pc.addr_offset + q]]);\n      ", Combine(prim, x.aval.dtype),
      "\n    }\n    out_data[pc.out_offset + p] = ", type, "(acc);\n  }\n}\n");
}

// Whether the sorted scatter does less work than the owner-computes kernel, which checks every
// index vector for every output element (outputs x vectors). The sorted one runs the bitonic
// network over the U update elements (P / 2 compare-exchanges in each of its L (L + 1) / 2
// stages, P = 2^L the padded U) and a binary search per output element; counted twice, as its
// steps read scattered memory where the owner's loop reads one index vector after another.
bool SortedPays(int64_t outputs, int64_t vectors, int64_t updates) {
  if (updates == 0 || updates > (int64_t{1} << 30) || outputs >= kDropped) return false;
  const int64_t levels = std::bit_width(static_cast<uint64_t>(updates - 1));
  const double sorted = (double{1} * (int64_t{1} << levels) / 2) * levels * (levels + 1) / 2 +
                        double{1} * outputs * (levels + 1) + 2.0 * updates;
  return double{1} * outputs * vectors > 2 * sorted;
}

absl::Status SortedScatter(KernelContext& ctx, Primitive prim, const Params& params,
                           absl::Span<const Array> in, const Array& out) {
  const Array &x = in[0], &indices = in[1], &updates = in[2];
  const int64_t u = updates.aval.size();
  COTANGENT_ASSIGN_OR_RETURN(const Array dest, ctx.new_array({{u}, DType::kI32}));
  COTANGENT_ASSIGN_OR_RETURN(const Array addr, ctx.new_array({{u}, DType::kU32}));
  COTANGENT_ASSIGN_OR_RETURN(const Array perm, ctx.new_array({{u}, DType::kI32}));
  const auto offset = [](const Array& a) { return static_cast<uint32_t>(a.offset); };
  COTANGENT_RETURN_IF_ERROR(DispatchGenerated(
      ctx, ScatterDestinationsSource(params, x, indices, updates), "indexing",
      {{BufferOf(dest), true}, {BufferOf(addr), true}, {BufferOf(indices), false}},
      {offset(dest), offset(addr), offset(indices), offset(updates)}, u));
  Params sort;
  sort.dimension = 0;
  COTANGENT_RETURN_IF_ERROR(SortLaunch(ctx, Primitive::kArgsort, {dest}, sort, perm));
  return DispatchGenerated(ctx, SortedCombineSource(prim, x, out, u), "indexing",
                           {{BufferOf(out), true},
                            {BufferOf(x), false},
                            {BufferOf(updates), false},
                            {BufferOf(dest), false},
                            {BufferOf(addr), false},
                            {BufferOf(perm), false}},
                           {offset(out), offset(x), offset(dest), offset(addr), offset(perm)},
                           out.aval.size());
}

// The atomic scatter_add: invocation p is element p of the updates (row-major), added to the
// output (already a copy of the operand) where its window puts it.
std::string AtomicScatterAddSource(const Params& p, const Array& x, const Array& indices,
                                   const Array& updates) {
  const DType dtype = x.aval.dtype;
  const int64_t rank = x.aval.rank();
  const IndexDims& d = p.index;
  std::vector<int64_t> window(rank, 1), out_strides(rank, 1);
  for (int64_t a = rank - 2; a >= 0; --a) out_strides[a] = out_strides[a + 1] * x.aval.shape[a + 1];
  // Per updates axis: its updates stride, its indices stride (a batch axis) and the output
  // stride of the operand axis it is a window of (a window axis).
  const int64_t urank = updates.aval.rank();
  std::vector<std::vector<int64_t>> strides(3, std::vector<int64_t>(urank, 0));
  for (int64_t a = 0, j = 0, batch = 0; a < urank; ++a) {
    strides[0][a] = updates.strides[a];
    if (Contains(d.window_dims, a)) {
      while (Contains(d.collapsed_dims, j)) ++j;
      window[j] = updates.aval.shape[a];
      strides[2][a] = out_strides[j++];
    } else {
      strides[1][a] = indices.strides[batch++];
    }
  }
  const char* type = StorageType(dtype);
  std::string src = "#version 450\n";
  if (IsFloating(dtype)) absl::StrAppend(&src, "#extension GL_EXT_shader_atomic_float : require\n");
  absl::StrAppend(
      &src, "layout(local_size_x_id = 0) in;\n", "layout(std430, binding = 0) buffer Out { ", type,
      " out_data[]; };\n", "layout(std430, binding = 1) readonly buffer Idx { int idx[]; };\n",
      "layout(std430, binding = 2) readonly buffer Upd { ", type, " upd[]; };\n",
      "layout(push_constant) uniform Push { uint out_offset, idx_offset, upd_offset; }"
      " pc;\nvoid main() {\n",
      "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint p = gl_GlobalInvocationID.x; p < ", updates.aval.size(), "u; p += step) {\n",
      "    uint u = pc.upd_offset, at = pc.idx_offset, to = pc.out_offset;\n",
      "    bool ok = true;\n", Decompose("p", updates.aval.shape, strides, {"u", "at", "to"}),
      Starts(p, indices, x.aval.shape, window, "at"));
  for (const int64_t a : d.start_index_map) {
    absl::StrAppend(&src, "    to += uint(s", a, ") * ", out_strides[a], "u;\n");
  }
  absl::StrAppend(&src, "    if (ok) atomicAdd(out_data[to], upd[u]);\n  }\n}\n");
  return src;
}

// Whether scatter_add of dtype runs the atomic kernel on this device.
bool AtomicScatter(const KernelContext& ctx, DType dtype) {
  if (!ctx.atomic_scatter) return false;
  switch (dtype) {
    case DType::kI32:
    case DType::kU32:
      return true;  // atomicAdd on 32-bit integers is core GLSL
    case DType::kF32:
      return ctx.info->float32_atomic_add;
    case DType::kF64:
      return ctx.info->float64_atomic_add && ctx.float64;
    case DType::kBool:
    case DType::kU8:   // no 8-bit atomics
    case DType::kI64:  // 64-bit atomics are an optional feature: the deterministic kernel
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // computed in f32 (core/eval.h RunEquation)
    case DType::kBF16:
      return false;
  }
  return false;
}

absl::Status Launch(KernelContext& ctx, const std::string& source, absl::Span<const Array> in,
                    const Array& out, int64_t invocations) {
  std::vector<BufferUse> uses = {{BufferOf(out), true}};
  std::vector<uint32_t> push = {static_cast<uint32_t>(out.offset)};
  for (const Array& a : in) {
    uses.push_back({BufferOf(a), false});
    push.push_back(static_cast<uint32_t>(a.offset));
  }
  return DispatchGenerated(ctx, source, "indexing", uses, push, invocations);
}

}  // namespace

absl::Status IndexingLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                            const Params& params, const Array& out) {
  if (out.aval.size() == 0) return absl::OkStatus();
  const int64_t n = out.aval.size();
  if (prim == Primitive::kGather) {
    return Launch(ctx, GatherSource(params, in[0], in[1], out), in, out, n);
  }
  const DType dtype = in[0].aval.dtype;
  if (dtype == DType::kBool && prim != Primitive::kScatter) {
    return absl::InternalError(
        absl::StrCat("vulkan: ", PrimitiveName(prim), " has no bool kernel"));
  }
  if (prim != Primitive::kScatterAdd || !AtomicScatter(ctx, dtype)) {
    int64_t window = 1;
    for (const int64_t a : params.index.window_dims) window *= in[2].aval.shape[a];
    const int64_t updates = in[2].aval.size();
    if (SortedPays(n, window == 0 ? 0 : updates / window, updates)) {
      return SortedScatter(ctx, prim, params, in, out);
    }
    return Launch(ctx, ScatterSource(prim, params, in[0], in[1], in[2], out), in, out, n);
  }
  COTANGENT_RETURN_IF_ERROR(CopyView(ctx, in[0], out));
  if (in[2].aval.size() == 0) return absl::OkStatus();
  return Launch(ctx, AtomicScatterAddSource(params, in[0], in[1], in[2]), in.subspan(1), out,
                in[2].aval.size());
}

}  // namespace cotangent::vulkan
