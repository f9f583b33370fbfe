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

#include <algorithm>
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
  // scatter moves bits (bool and f64 without float64 support included); the others compute,
  // in the compute type (bool and u8: uint).
  const bool bits = prim == Primitive::kScatter;
  const bool bytes = DTypeSize(dtype) == 1;
  const char* type = bits ? BitsType(dtype) : StorageType(dtype);
  const std::string acc_type = bytes ? "uint" : bits ? type : ComputeType(dtype);
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
    return Launch(ctx, ScatterSource(prim, params, in[0], in[1], in[2], out), in, out, n);
  }
  COTANGENT_RETURN_IF_ERROR(CopyView(ctx, in[0], out));
  if (in[2].aval.size() == 0) return absl::OkStatus();
  return Launch(ctx, AtomicScatterAddSource(params, in[0], in[1], in[2]), in.subspan(1), out,
                in[2].aval.size());
}

}  // namespace cotangent::vulkan
