// File: backends/vulkan/ops_sort.cc
// argsort as a bitonic sorting network over each line's indices, in a scratch array of
// lines x P indices (P, the line length rounded up to a power of two; indices >= n are
// padding that sorts last). Indices move, keys stay: a comparison reads both indices' keys,
// mapped to (hi, lo) words whose unsigned order is lax.sort's total order, and ties compare
// the indices, so the order is strict and the network gives the stable permutation, equal to
// the CPU's. Four generated kernels (shapes, strides and dtypes constant): iota into the
// scratch; one compare-exchange stage over global memory, for the stages whose pairs are at
// least a window (512 indices) apart; the stages within windows, in workgroup shared memory,
// several per dispatch; and the copy of the first n indices of each line to out (the first k
// with top_k's k: the whole line is still sorted). Of the log2(P) (log2(P) + 1) / 2 stages,
// a line of P <= 512 takes one dispatch and 2^20 takes 78 (was 210). Keys are read as bits,
// so f64 keys need no shaderFloat64.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/generated_kernels.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"

namespace cotangent::vulkan {
namespace {

// GLSL: the order key of element v of `dtype` (read as BitsType) as (hi, lo): -0 = +0, every
// NaN the positive quiet NaN, then sign-magnitude bits flipped into unsigned order; signed
// integers' sign bit flipped; unsigned ones as they are.
std::string KeyExpression(DType dtype, const std::string& v) {
  switch (dtype) {
    case DType::kBool:
    case DType::kU8:
      return absl::StrCat("uvec2(uint(", v, "), 0u)");
    case DType::kU32:
      return absl::StrCat("uvec2(", v, ", 0u)");
    case DType::kI32:
      return absl::StrCat("uvec2(", v, " ^ 0x80000000u, 0u)");
    case DType::kI64:  // (low word, high word): the high word with its sign bit flipped first
      return absl::StrCat("uvec2((", v, ").y ^ 0x80000000u, (", v, ").x)");
    case DType::kF32:
      return absl::StrCat("f32_key(", v, ")");
    case DType::kF64:
      return absl::StrCat("f64_key(", v, ")");
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // computed in f32 (core/eval.h RunEquation)
    case DType::kBF16:
      break;
  }
  return "";
}

constexpr const char* kKeyFunctions = R"(
uvec2 sign_magnitude(uint hi, uint lo) {
  return (hi & 0x80000000u) != 0u ? uvec2(~hi, ~lo) : uvec2(hi | 0x80000000u, lo);
}
uvec2 f32_key(uint u) {
  const uint mag = u & 0x7fffffffu;
  return sign_magnitude(mag == 0u ? 0u : mag > 0x7f800000u ? 0x7fc00000u : u, 0u);
}
uvec2 f64_key(uvec2 v) {  // v: the low word, then the high word
  const uint mag = v.y & 0x7fffffffu;
  if (mag == 0u && v.x == 0u) return sign_magnitude(0u, 0u);
  if (mag > 0x7ff00000u || (mag == 0x7ff00000u && v.x != 0u)) return sign_magnitude(0x7ff80000u, 0u);
  return sign_magnitude(v.y, v.x);
}
bool key_less(uvec2 a, uvec2 b) { return a.x != b.x ? a.x < b.x : a.y < b.y; }
)";

struct SortShape {
  int64_t n = 0, padded = 0, lines = 0;
  Shape line_shape;  // the other axes, in order
};

// The window of the shared-memory kernel: its workgroup's threads compare-exchange one pair
// each, so every stage whose pairs lie within aligned windows of this many indices runs there.
constexpr int64_t kWindow = 2 * kGeneratedWorkgroup;

// The source that both compare-exchange kernels share: the bindings (perm, then the keys),
// push constants (the offsets, then two stage numbers), less(a, b) (index a's keys before
// index b's; padding after everything), and `exchange`, GLSL statements that set the keys'
// bases of line `line` and compare-exchange the pair held in `a_ref`, `b_ref` at position `pos`
// of its line in `block`'s direction.
struct CompareExchange {
  std::string prelude, exchange;
};

CompareExchange CompareExchangeSource(const Params& p, absl::Span<const Array> keys,
                                      const SortShape& s, const char* stages,
                                      const std::string& a_ref, const std::string& b_ref) {
  std::vector<DType> dtypes;
  for (const Array& k : keys) dtypes.push_back(k.aval.dtype);
  CompareExchange out;
  std::string& src = out.prelude;
  src = Header(dtypes);
  absl::StrAppend(&src, "layout(std430, binding = 0) buffer Perm { int perm[]; };\n");
  std::string push = "uint perm_offset";
  std::vector<std::vector<int64_t>> strides;
  std::vector<std::string> bases;
  for (size_t k = 0; k < keys.size(); ++k) {
    absl::StrAppend(&src, "layout(std430, binding = ", k + 1, ") readonly buffer K", k, " { ",
                    BitsType(keys[k].aval.dtype), " k", k, "[]; };\n");
    absl::StrAppend(&push, ", k", k, "_offset");
    strides.emplace_back();
    for (int64_t d = 0; d < keys[k].aval.rank(); ++d) {
      if (d != p.dimension) strides.back().push_back(keys[k].strides[d]);
    }
    bases.push_back(absl::StrCat("base", k));
  }
  absl::StrAppend(&src, "layout(push_constant) uniform Push { ", push, ", ", stages, "; } pc;\n",
                  kKeyFunctions);
  std::string params, less;
  for (size_t k = 0; k < keys.size(); ++k) {
    const int64_t stride = keys[k].strides[p.dimension];
    absl::StrAppend(&params, ", uint base", k);
    const std::string at = absl::StrCat("k", k, "[base", k, " + uint(a) * ", stride, "u]"),
                      bt = absl::StrCat("k", k, "[base", k, " + uint(b) * ", stride, "u]");
    const char* flip = p.descending ? "~" : "";
    absl::StrAppend(&less, "  { const uvec2 ka = ", flip, KeyExpression(keys[k].aval.dtype, at),
                    ", kb = ", flip, KeyExpression(keys[k].aval.dtype, bt),
                    ";\n    if (ka != kb) return key_less(ka, kb); }\n");
  }
  absl::StrAppend(&src, "bool less(int a, int b", params, ") {\n  if (a >= ", s.n,
                  ") return false;\n  if (b >= ", s.n, ") return true;\n", less,
                  "  return a < b;\n}\n");
  std::string args;
  for (const std::string& b : bases) absl::StrAppend(&args, ", ", b);
  for (size_t k = 0; k < keys.size(); ++k) {
    absl::StrAppend(&out.exchange, "    uint base", k, " = pc.k", k, "_offset;\n");
  }
  absl::StrAppend(
      &out.exchange, "    {\n", Decompose("line", s.line_shape, strides, bases), "    }\n",
      "    const int a = ", a_ref, ", b = ", b_ref, ";\n",
      // Blocks whose bit `block` is clear sort up, the others down: together, bitonic runs.
      "    const bool up = (pos & block) == 0u;\n", "    if (up ? less(b, a", args, ") : less(a, b",
      args, ")) {\n", "      ", a_ref, " = b;\n      ", b_ref, " = a;\n    }\n");
  return out;
}

// One stage (pc.block, pc.distance) over global memory, one invocation per pair: the stages
// whose pairs are further apart than a window.
std::string StageSource(const Params& p, absl::Span<const Array> keys, const SortShape& s) {
  const CompareExchange ce =
      CompareExchangeSource(p, keys, s, "block, distance", "perm[at]", "perm[at + pc.distance]");
  return absl::StrCat(
      ce.prelude, "void main() {\n  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  const uint block = pc.block;\n", "  for (uint q = gl_GlobalInvocationID.x; q < ",
      s.lines * (s.padded / 2), "u; q += step) {\n    const uint line = q / ", s.padded / 2,
      "u, h = q % ", s.padded / 2, "u;\n",
      "    const uint pos = 2u * pc.distance * (h / pc.distance) + h % pc.distance;\n",
      "    const uint at = pc.perm_offset + line * ", s.padded, "u + pos;\n", ce.exchange,
      "  }\n}\n");
}

// Every stage of blocks pc.block_from, 2 pc.block_from, ... pc.block_to whose distance is at
// most kWindow / 2, in workgroup shared memory: each workgroup loads aligned windows of
// kWindow indices of the scratch (lines of P indices end to end; a window's pairs stay in
// one line, as P and the window are powers of two), runs those stages with a barrier
// between them, and stores the window back. One dispatch instead of one per stage.
std::string WindowSource(const Params& p, absl::Span<const Array> keys, const SortShape& s) {
  const CompareExchange ce =
      CompareExchangeSource(p, keys, s, "block_from, block_to", "held[i]", "held[i + d]");
  const int64_t total = s.lines * s.padded;
  return absl::StrCat(
      ce.prelude, "shared int held[", kWindow, "];\nvoid main() {\n",
      "  const uint t = gl_LocalInvocationID.x;\n", "  for (uint start = gl_WorkGroupID.x * ",
      kWindow, "u; start < ", total, "u; start += gl_NumWorkGroups.x * ", kWindow, "u) {\n",
      // The window's length is a multiple of every distance's 2 d (see SortLaunch).
      "    const uint count = min(", kWindow, "u, ", total, "u - start);\n",
      "    for (uint j = t; j < count; j += ", kGeneratedWorkgroup,
      "u) held[j] = perm[pc.perm_offset + start + j];\n",
      "    memoryBarrierShared();\n    barrier();\n",
      // (block == block_to ends the loop: doubling 2^31 would wrap.)
      "    for (uint block = pc.block_from;; block *= 2u) {\n",
      "      for (uint d = min(block / 2u, ", kWindow / 2, "u); d >= 1u; d /= 2u) {\n",
      "        const uint i = 2u * d * (t / d) + t % d;\n", "        if (i < count) {\n",
      "    const uint line = (start + i) / ", s.padded, "u, pos = (start + i) % ", s.padded, "u;\n",
      ce.exchange, "        }\n        memoryBarrierShared();\n        barrier();\n",
      "      }\n      if (block == pc.block_to) break;\n    }\n",
      "    for (uint j = t; j < count; j += ", kGeneratedWorkgroup,
      "u) perm[pc.perm_offset + start + j] = held[j];\n",
      "    memoryBarrierShared();\n    barrier();\n  }\n}\n");
}

std::string IotaSource(const SortShape& s) {
  return absl::StrCat(
      Header({}), "layout(std430, binding = 0) writeonly buffer Perm { int perm[]; };\n",
      "layout(push_constant) uniform Push { uint perm_offset; } pc;\nvoid main() {\n",
      "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint q = gl_GlobalInvocationID.x; q < ", s.lines * s.padded, "u; q += step) {\n",
      "    perm[pc.perm_offset + q] = int(q % ", s.padded, "u);\n  }\n}\n");
}

// out (dense, the keys' shape but for k) at position q: its line's entry at q's index along the
// axis.
std::string CopyOutSource(const Params& p, const Array& out, const SortShape& s) {
  const int64_t rank = out.aval.rank();
  std::vector<std::vector<int64_t>> strides(1, std::vector<int64_t>(rank, 0));
  for (int64_t d = rank - 1, line_stride = s.padded; d >= 0; --d) {
    if (d == p.dimension) {
      strides[0][d] = 1;
    } else {
      strides[0][d] = line_stride;
      line_stride *= out.aval.shape[d];
    }
  }
  return absl::StrCat(
      Header({}), "layout(std430, binding = 0) writeonly buffer Out { int out_data[]; };\n",
      "layout(std430, binding = 1) readonly buffer Perm { int perm[]; };\n",
      "layout(push_constant) uniform Push { uint out_offset, perm_offset; } pc;\nvoid main() {\n",
      "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint q = gl_GlobalInvocationID.x; q < ", out.aval.size(), "u; q += step) {\n",
      "    uint from = pc.perm_offset;\n", Decompose("q", out.aval.shape, strides, {"from"}),
      "    out_data[pc.out_offset + q] = perm[from];\n  }\n}\n");
}

}  // namespace

absl::Status SortLaunch(KernelContext& ctx, Primitive prim, absl::Span<const Array> in,
                        const Params& params, const Array& out) {
  (void)prim;
  SortShape s;
  s.n = in[0].aval.shape[params.dimension];  // out keeps each line's first params.k if k >= 0
  if (out.aval.size() == 0) return absl::OkStatus();
  if (in.size() + 1 > static_cast<size_t>(kMaxBindings)) {
    return absl::InvalidArgumentError(absl::StrCat("vulkan: argsort of ", in.size(),
                                                   " keys; its kernel binds at most ",
                                                   kMaxBindings - 1, " (use the cpu backend)"));
  }
  s.padded = static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(s.n)));
  s.lines = in[0].aval.size() / s.n;
  for (int64_t d = 0; d < out.aval.rank(); ++d) {
    if (d != params.dimension) s.line_shape.push_back(out.aval.shape[d]);
  }
  if (s.lines * s.padded > (int64_t{1} << 31)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "vulkan: argsort of ", out.aval.ToString(), " along axis ", params.dimension, " needs ",
        s.lines, " x ", s.padded, " scratch indices, more than its kernels index (2^31)"));
  }
  COTANGENT_ASSIGN_OR_RETURN(const Array perm, ctx.new_array({{s.lines * s.padded}, DType::kI32}));
  const uint32_t perm_offset = static_cast<uint32_t>(perm.offset);
  COTANGENT_RETURN_IF_ERROR(DispatchGenerated(
      ctx, IotaSource(s), "argsort", {{BufferOf(perm), true}}, {perm_offset}, s.lines * s.padded));
  std::vector<BufferUse> uses = {{BufferOf(perm), true}};
  std::vector<uint32_t> push = {perm_offset};
  for (const Array& k : in) {
    uses.push_back({BufferOf(k), false});
    push.push_back(static_cast<uint32_t>(k.offset));
  }
  push.resize(push.size() + 2);
  // Bitonic blocks 2, 4, ... P: the stages of distance >= kWindow one dispatch each, the rest
  // of each block's stages in one window dispatch; the blocks up to kWindow are all window
  // stages, so they share one. (The scratch's length is lines x P and each window starts at a
  // multiple of kWindow, so a window's length is a multiple of 2 d for every d < P.)
  const std::string stage = StageSource(params, in, s);
  const std::string window = WindowSource(params, in, s);
  const int64_t windows = (s.lines * s.padded + kWindow - 1) / kWindow;
  const auto run_window = [&](int64_t from, int64_t to) {
    push[push.size() - 2] = static_cast<uint32_t>(from);
    push[push.size() - 1] = static_cast<uint32_t>(to);
    return DispatchGenerated(ctx, window, "argsort", uses, push, windows * kGeneratedWorkgroup);
  };
  if (s.padded >= 2) {
    COTANGENT_RETURN_IF_ERROR(run_window(2, std::min(s.padded, kWindow)));
  }
  for (int64_t block = 2 * kWindow; block <= s.padded; block *= 2) {
    for (int64_t distance = block / 2; distance >= kWindow; distance /= 2) {
      push[push.size() - 2] = static_cast<uint32_t>(block);
      push[push.size() - 1] = static_cast<uint32_t>(distance);
      COTANGENT_RETURN_IF_ERROR(
          DispatchGenerated(ctx, stage, "argsort", uses, push, s.lines * (s.padded / 2)));
    }
    COTANGENT_RETURN_IF_ERROR(run_window(block, block));
  }
  return DispatchGenerated(ctx, CopyOutSource(params, out, s), "argsort",
                           {{BufferOf(out), true}, {BufferOf(perm), false}},
                           {static_cast<uint32_t>(out.offset), perm_offset}, out.aval.size());
}

}  // namespace cotangent::vulkan
