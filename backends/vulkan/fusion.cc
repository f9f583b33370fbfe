// File: backends/vulkan/fusion.cc
// The kernel of a FusedExpr: one GLSL function per node (the same math as the single-op
// kernels, elementwise_kernels.cc), called in order on each element, with every leaf read
// from its own binding (contiguous, or one element repeated: a push-constant bit).

#include "backends/vulkan/fusion.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/grid.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "core/layout.h"
#include "kernels/glsl_sources.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kWorkgroup = 256;

absl::string_view Text(std::string_view s) { return {s.data(), s.size()}; }

ElementwiseSpec SpecOf(const FusedExpr::Node& node) { return {node.prim, node.in, node.out}; }

// The GLSL name of a node's argument.
std::string ArgName(int arg) {
  return arg >= 0 ? absl::StrCat("v", arg) : absl::StrCat("l", -1 - arg);
}

DType LeafDType(const FusedExpr& expr, int k) { return expr.leaves[k].view.aval.dtype; }

bool UsesTable(const FusedExpr& expr) {
  return std::any_of(expr.nodes.begin(), expr.nodes.end(),
                     [](const FusedExpr::Node& n) { return UsesTwoOverPi(n.prim); });
}

bool SameLeaf(const FusedExpr::Leaf& a, const FusedExpr::Leaf& b) {
  return a.view.buffer == b.view.buffer && a.view.offset == b.view.offset &&
         a.broadcast == b.broadcast && a.view.aval.dtype == b.view.aval.dtype;
}

}  // namespace

std::optional<FusedExpr::Leaf> AsLeaf(const Array& view) {
  const std::optional<FlatRead> read = FlatReadOf(view);
  if (!read) return std::nullopt;
  return FusedExpr::Leaf{view, *read == FlatRead::kRepeated};
}

std::optional<DType> MathOf(Primitive prim, DType in) {
  const absl::StatusOr<ElementwiseFunction> f = ElementwiseFunctionSource({prim, in, in}, "f");
  if (f.ok() && f->math) return in;
  return std::nullopt;
}

FusionLimits FusedKernelLimits(int64_t min_elements) {
  return {min_elements, kMaxFusedLeaves, kMaxFusedNodes};
}

FusedSize SizeOf(const FusedExpr& expr) {
  return {static_cast<int>(expr.leaves.size()), static_cast<int>(expr.nodes.size()), expr.math};
}

int AddLeaf(FusedExpr& expr, const FusedExpr::Leaf& leaf) {
  for (size_t k = 0; k < expr.leaves.size(); ++k) {
    if (SameLeaf(expr.leaves[k], leaf)) return -1 - static_cast<int>(k);
  }
  expr.leaves.push_back(leaf);
  return -static_cast<int>(expr.leaves.size());
}

int Splice(FusedExpr& expr, const FusedExpr& other) {
  std::vector<int> leaf_args;
  for (const FusedExpr::Leaf& leaf : other.leaves) leaf_args.push_back(AddLeaf(expr, leaf));
  const int base = static_cast<int>(expr.nodes.size());
  for (FusedExpr::Node node : other.nodes) {
    for (int& arg : node.args) arg = arg >= 0 ? arg + base : leaf_args[-1 - arg];
    expr.nodes.push_back(node);
  }
  if (other.math) expr.math = other.math;
  return static_cast<int>(expr.nodes.size()) - 1;
}

std::string FusedKernelKey(const FusedExpr& expr) {
  std::string key = "fused(";
  for (size_t k = 0; k < expr.leaves.size(); ++k) {
    absl::StrAppend(&key, k > 0 ? "," : "", DTypeName(LeafDType(expr, k)));
  }
  absl::StrAppend(&key, ")");
  for (const FusedExpr::Node& node : expr.nodes) {
    absl::StrAppend(&key, " ", PrimitiveName(node.prim), ".", DTypeName(node.in), ".",
                    DTypeName(node.out), "(");
    for (int k = 0; k < NumInputs(node.prim); ++k) {
      absl::StrAppend(&key, k > 0 ? "," : "", ArgName(node.args[k]));
    }
    absl::StrAppend(&key, ")");
  }
  return key;
}

absl::StatusOr<std::string> FusedSource(const FusedExpr& expr) {
  const int leaves = static_cast<int>(expr.leaves.size());
  const DType out = expr.nodes.back().out;
  bool bytes = out == DType::kBool;
  for (int k = 0; k < leaves; ++k) bytes = bytes || LeafDType(expr, k) == DType::kBool;
  std::string src = "#version 450\n";
  if (bytes) absl::StrAppend(&src, "#extension GL_EXT_shader_8bit_storage : require\n");
  absl::StrAppend(&src, "layout(local_size_x_id = 0) in;\n",
                  "layout(std430, binding = 0) writeonly buffer Out { ", StorageType(out),
                  " out_data[]; };\n");
  for (int k = 0; k < leaves; ++k) {
    absl::StrAppend(&src, "layout(std430, binding = ", k + 1, ") readonly buffer In", k, " { ",
                    StorageType(LeafDType(expr, k)), " in", k, "[]; };\n");
  }
  absl::StrAppend(&src, "layout(push_constant) uniform Push {\n  uint count;\n  uint out_offset;\n",
                  "  uint offset[", kMaxFusedLeaves, "];\n  uint broadcast;\n} pc;\n");
  if (expr.math) {
    if (UsesTable(expr)) absl::StrAppend(&src, "#define CT_TABLE_BINDING ", leaves + 1, "\n");
    absl::StrAppend(&src, Text(kernels::kMathCommonGlsl),
                    Text(*expr.math == DType::kF64 ? kernels::kMathF64Glsl
                                                   : kernels::kMathF32Glsl));
  }
  // One function per node; helpers (shared by nodes of one conversion) once each.
  absl::flat_hash_set<std::string> helpers;
  std::string functions, body;
  for (size_t i = 0; i < expr.nodes.size(); ++i) {
    const FusedExpr::Node& node = expr.nodes[i];
    COTANGENT_ASSIGN_OR_RETURN(ElementwiseFunction f,
                               ElementwiseFunctionSource(SpecOf(node), absl::StrCat("f", i)));
    if (!f.helper.empty() && helpers.insert(f.helper).second) absl::StrAppend(&src, f.helper);
    absl::StrAppend(&functions, f.code);
    absl::StrAppend(&body, "    const ", ComputeType(node.out), " v", i, " = f", i, "(");
    for (int k = 0; k < NumInputs(node.prim); ++k) {
      absl::StrAppend(&body, k > 0 ? ", " : "", ArgName(node.args[k]));
    }
    absl::StrAppend(&body, ");\n");
  }
  absl::StrAppend(&src, functions,
                  "void main() {\n"
                  "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n"
                  "  for (uint p = gl_GlobalInvocationID.x; p < pc.count; p += step) {\n");
  for (int k = 0; k < leaves; ++k) {
    absl::StrAppend(&src, "    const ", ComputeType(LeafDType(expr, k)), " l", k, " = ",
                    ComputeType(LeafDType(expr, k)), "(in", k, "[(pc.broadcast & ", 1u << k,
                    "u) != 0u ? pc.offset[", k, "] : pc.offset[", k, "] + p]);\n");
  }
  absl::StrAppend(&src, body, "    out_data[pc.out_offset + p] = ",
                  out == DType::kBool ? "uint8_t" : "", "(v", expr.nodes.size() - 1,
                  ");\n  }\n}\n");
  return src;
}

absl::Status FusedLaunch(KernelContext& ctx, const FusedExpr& expr, const Array& out) {
  if (expr.nodes.size() == 1) {
    const FusedExpr::Node& node = expr.nodes[0];
    std::vector<Array> in;
    for (int k = 0; k < NumInputs(node.prim); ++k) in.push_back(expr.leaves[-1 - node.args[k]].view);
    return ElementwiseLaunch(ctx, node.prim, in, {}, out);
  }
  const std::string key = FusedKernelKey(expr);
  const bool table = UsesTable(expr);
  const uint32_t bindings = 1 + static_cast<uint32_t>(expr.leaves.size()) + (table ? 1 : 0);
  const uint32_t spec_constants[] = {kWorkgroup};
  COTANGENT_ASSIGN_OR_RETURN(
      const Pipeline* pipeline,
      ctx.kernels->Get(key, bindings, spec_constants,
                       [&]() -> absl::StatusOr<std::vector<uint32_t>> {
                         COTANGENT_ASSIGN_OR_RETURN(const std::string source, FusedSource(expr));
                         return ctx.glsl->Compile(source, key);
                       }));
  std::vector<BufferUse> uses = {{BufferOf(out), true}};
  uint32_t push[3 + kMaxFusedLeaves] = {};
  push[0] = static_cast<uint32_t>(expr.aval.size());
  push[1] = static_cast<uint32_t>(out.offset);
  for (size_t k = 0; k < expr.leaves.size(); ++k) {
    const FusedExpr::Leaf& leaf = expr.leaves[k];
    uses.push_back({BufferOf(leaf.view), false});
    push[2 + k] = static_cast<uint32_t>(leaf.view.offset);
    if (leaf.broadcast) push[2 + kMaxFusedLeaves] |= 1u << k;
  }
  if (table) uses.push_back({ctx.two_over_pi, false});
  return ctx.stream->Dispatch(*pipeline, uses, push,
                              {GridGroups(expr.aval.size(), kWorkgroup, ctx.max_groups), 1, 1});
}

}  // namespace cotangent::vulkan
