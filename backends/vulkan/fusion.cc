// File: backends/vulkan/fusion.cc
// The kernel of a FusedCode: one GLSL function per operation (the same math as the single-op
// kernels, elementwise_kernels.cc), called in order on each element, with every input read
// from its own binding (contiguous, or one element repeated: a push-constant bit), literals
// written into the source bit for bit, and every output written to its own binding.

#include "backends/vulkan/fusion.h"

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/glsl_compiler.h"
#include "backends/vulkan/grid.h"
#include "backends/vulkan/ops.h"
#include "backends/vulkan/status.h"
#include "core/layout.h"

namespace cotangent::vulkan {
namespace {

constexpr uint32_t kWorkgroup = 256;

// The spec of an op's function: its operands' dtype (select's: of on_true, after the bool
// predicate) and its result's.
ElementwiseSpec SpecOf(const FusedCode& code, const FusedCode::Op& op) {
  return {op.prim, code.DTypeOf(op.args[op.prim == Primitive::kSelect ? 1 : 0]), op.dtype};
}

bool UsesTable(const FusedCode& code) {
  return std::any_of(code.ops.begin(), code.ops.end(),
                     [](const FusedCode::Op& op) { return UsesTwoOverPi(op.prim); });
}

bool SameLeaf(const FusedExpr::Leaf& a, const FusedExpr::Leaf& b) {
  return a.view.buffer == b.view.buffer && a.view.offset == b.view.offset &&
         a.broadcast == b.broadcast && a.view.aval.dtype == b.view.aval.dtype;
}

// A literal as a GLSL constant expression of its compute type, exact to the bit. Its value
// is in its one form in the dtype (Number::In): an integer for integer dtypes and bool.
std::string LiteralSource(const FusedCode::Literal& l) {
  switch (l.dtype) {
    case DType::kF32: {
      const float f = static_cast<float>(l.value.to_double());
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      return absl::StrCat("uintBitsToFloat(", bits, "u)");
    }
    case DType::kF64: {
      const uint64_t bits = l.value.bits();
      return absl::StrCat("packDouble2x32(uvec2(", static_cast<uint32_t>(bits), "u, ",
                          static_cast<uint32_t>(bits >> 32), "u))");
    }
    case DType::kU8:
    case DType::kU32: return absl::StrCat(static_cast<uint32_t>(l.value.integer()), "u");
    case DType::kI32: return absl::StrCat("int(", static_cast<int32_t>(l.value.integer()), ")");
    case DType::kI64:  // the most negative value has no positive literal: write its bits
      return absl::StrCat("int64_t(", l.value.bits(), "ul)");
    case DType::kBool: return l.value.integer() != 0 ? "1u" : "0u";
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // never a literal: computed in f32 (core/fused_kernel.h)
    case DType::kBF16:
      break;
  }
  return "0";
}

// The math library the ops call (one per kernel: the planner keeps them apart).
absl::StatusOr<std::optional<DType>> MathLibraryOf(const FusedCode& code) {
  std::optional<DType> math;
  for (const FusedCode::Op& op : code.ops) {
    const std::optional<DType> m = MathOf(op.prim, SpecOf(code, op).in);
    if (m && math && *m != *math) {
      return absl::InvalidArgumentError("vulkan: a fused kernel calls the f32 and f64 math");
    }
    if (m) math = m;
  }
  return math;
}

// The part of `code` that computes `outputs` (indices into code.outputs), reading only the
// inputs it needs; `inputs` gets their indices in code.inputs.
FusedCode Restrict(const FusedCode& code, absl::Span<const int> outputs, std::vector<int>& inputs) {
  const int32_t n_in = static_cast<int32_t>(code.inputs.size());
  const int32_t first_op = n_in + static_cast<int32_t>(code.literals.size());
  std::vector<bool> needed(code.num_values(), false);
  for (int o : outputs) needed[code.outputs[o]] = true;
  for (int32_t v = code.num_values(); v-- > first_op;) {
    if (!needed[v]) continue;
    for (int32_t a : code.ops[v - first_op].args) needed[a] = true;
  }
  FusedCode part;
  part.shape = code.shape;
  std::vector<int32_t> renumber(code.num_values(), -1);
  for (int32_t v = 0; v < n_in; ++v) {
    if (!needed[v]) continue;
    renumber[v] = static_cast<int32_t>(part.inputs.size());
    part.inputs.push_back(code.inputs[v]);
    inputs.push_back(v);
  }
  for (int32_t v = n_in; v < first_op; ++v) {  // literals follow every input kept
    if (!needed[v]) continue;
    renumber[v] = static_cast<int32_t>(part.inputs.size() + part.literals.size());
    part.literals.push_back(code.literals[v - n_in]);
  }
  for (int32_t v = first_op; v < code.num_values(); ++v) {
    if (!needed[v]) continue;
    FusedCode::Op op = code.ops[v - first_op];
    for (int32_t& a : op.args) a = renumber[a];
    renumber[v] = part.num_values();
    part.ops.push_back(std::move(op));
  }
  for (int o : outputs) part.outputs.push_back(renumber[code.outputs[o]]);
  return part;
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
  return {min_elements, kMaxFusedInputs, kMaxFusedNodes};
}

FusionOptions JitFusionOptions() {
  return {{1, kMaxFusedInputs, kMaxFusedNodes},
          [](Primitive prim, DType in) { return MathOf(prim, in); }};
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

FusedCode CodeOf(const FusedExpr& expr) {
  FusedCode code;
  code.shape = expr.aval.shape;
  const int32_t leaves = static_cast<int32_t>(expr.leaves.size());
  for (const FusedExpr::Leaf& leaf : expr.leaves) code.inputs.push_back(leaf.view.aval.dtype);
  for (const FusedExpr::Node& node : expr.nodes) {
    FusedCode::Op op{node.prim, node.out, {}};
    for (int k = 0; k < NumInputs(node.prim); ++k) {
      const int arg = node.args[k];
      op.args.push_back(arg >= 0 ? leaves + arg : -1 - arg);
    }
    code.ops.push_back(std::move(op));
  }
  code.outputs.push_back(code.num_values() - 1);
  return code;
}

std::string FusedKernelKey(const FusedCode& code) {
  std::string key = absl::StrCat("fused", code.outputs.size(), "(");
  for (size_t k = 0; k < code.inputs.size(); ++k) {
    absl::StrAppend(&key, k > 0 ? "," : "", DTypeName(code.inputs[k]));
  }
  absl::StrAppend(&key, ")");
  for (const FusedCode::Literal& l : code.literals) absl::StrAppend(&key, " ", LiteralSource(l));
  for (const FusedCode::Op& op : code.ops) {
    absl::StrAppend(&key, " ", PrimitiveName(op.prim), ".", DTypeName(op.dtype), "(");
    for (size_t k = 0; k < op.args.size(); ++k) absl::StrAppend(&key, k > 0 ? "," : "", op.args[k]);
    absl::StrAppend(&key, ")");
  }
  absl::StrAppend(&key, " ->");
  for (int32_t v : code.outputs) absl::StrAppend(&key, " ", v);
  return key;
}

absl::StatusOr<std::string> FusedSource(const FusedCode& code) {
  const int n_in = static_cast<int>(code.inputs.size());
  const int n_out = static_cast<int>(code.outputs.size());
  const int first_op = n_in + static_cast<int>(code.literals.size());
  COTANGENT_ASSIGN_OR_RETURN(const std::optional<DType> math, MathLibraryOf(code));
  std::vector<DType> dtypes = code.inputs;
  for (const FusedCode::Literal& l : code.literals) dtypes.push_back(l.dtype);
  for (const FusedCode::Op& op : code.ops) dtypes.push_back(op.dtype);
  std::string src = absl::StrCat("#version 450\n", TypeExtensions(dtypes),
                                 "layout(local_size_x_id = 0) in;\n");
  for (int k = 0; k < n_out; ++k) {
    absl::StrAppend(&src, "layout(std430, binding = ", k, ") writeonly buffer Out", k, " { ",
                    StorageType(code.DTypeOf(code.outputs[k])), " out", k, "[]; };\n");
  }
  for (int k = 0; k < n_in; ++k) {
    absl::StrAppend(&src, "layout(std430, binding = ", n_out + k, ") readonly buffer In", k,
                    " { ", StorageType(code.inputs[k]), " in", k, "[]; };\n");
  }
  // offset[b]: the first element of binding b's array.
  absl::StrAppend(&src, "layout(push_constant) uniform Push {\n  uint count;\n  uint broadcast;\n",
                  "  uint offset[", kMaxBindings, "];\n} pc;\n");
  if (math) {
    if (UsesTable(code)) absl::StrAppend(&src, "#define CT_TABLE_BINDING ", n_out + n_in, "\n");
    absl::StrAppend(&src, MathLibrary(*math));
  }
  absl::StrAppend(&src, HelperFunctions(dtypes));
  // One function per op; helpers (shared by ops of one conversion) once each.
  absl::flat_hash_set<std::string> helpers;
  std::string functions, body;
  for (size_t k = 0; k < code.literals.size(); ++k) {
    const FusedCode::Literal& l = code.literals[k];
    absl::StrAppend(&body, "    const ", ComputeType(l.dtype), " v", n_in + k, " = ",
                    LiteralSource(l), ";\n");
  }
  for (size_t i = 0; i < code.ops.size(); ++i) {
    const FusedCode::Op& op = code.ops[i];
    const int v = first_op + static_cast<int>(i);
    COTANGENT_ASSIGN_OR_RETURN(ElementwiseFunction f,
                               ElementwiseFunctionSource(SpecOf(code, op), absl::StrCat("f", v)));
    if (!f.helper.empty() && helpers.insert(f.helper).second) absl::StrAppend(&src, f.helper);
    absl::StrAppend(&functions, f.code);
    std::string call = absl::StrCat("f", v, "(");
    for (size_t k = 0; k < op.args.size(); ++k) {
      absl::StrAppend(&call, k > 0 ? ", " : "", "v", op.args[k]);
    }
    absl::StrAppend(&call, ")");
    // An f16 or bf16 value is held as the f32 it equals: a conversion to one rounds there.
    if (IsHalfFloat(op.dtype)) call = RoundedHalf(op.dtype, call);
    absl::StrAppend(&body, "    const ", ComputeType(op.dtype), " v", v, " = ", call, ";\n");
  }
  absl::StrAppend(&src, functions,
                  "void main() {\n"
                  "  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n"
                  "  for (uint p = gl_GlobalInvocationID.x; p < pc.count; p += step) {\n");
  for (int k = 0; k < n_in; ++k) {
    const int b = n_out + k;
    absl::StrAppend(&src, "    const ", ComputeType(code.inputs[k]), " v", k, " = ",
                    LoadElement(code.inputs[k], absl::StrCat("in", k, "[(pc.broadcast & ", 1u << b,
                                                             "u) != 0u ? pc.offset[", b,
                                                             "] : pc.offset[", b, "] + p]")),
                    ";\n");
  }
  absl::StrAppend(&src, body);
  for (int k = 0; k < n_out; ++k) {
    absl::StrAppend(&src, "    out", k, "[pc.offset[", k, "] + p] = ",
                    StoreElement(code.DTypeOf(code.outputs[k]), absl::StrCat("v", code.outputs[k])),
                    ";\n");
  }
  absl::StrAppend(&src, "  }\n}\n");
  return src;
}

absl::StatusOr<FusedKernels> CompileFusedCode(KernelContext& ctx, const FusedCode& code) {
  COTANGENT_RETURN_IF_ERROR(CheckHalvesOnlyConverted(code));
  // Parts: outputs taken in order while the part's bindings (its outputs, the inputs they
  // need, the table) fit. One output needs at most kMaxFusedInputs + 2 bindings.
  std::vector<std::vector<int>> groups;
  for (int o = 0; o < static_cast<int>(code.outputs.size()); ++o) {
    if (!groups.empty()) {
      std::vector<int> trial = groups.back();
      trial.push_back(o);
      std::vector<int> inputs;
      const FusedCode part = Restrict(code, trial, inputs);
      const bool part_table = UsesTable(part);
      if (trial.size() + inputs.size() + (part_table ? 1 : 0) <= kMaxBindings) {
        groups.back() = std::move(trial);
        continue;
      }
    }
    groups.push_back({o});
  }
  FusedKernels kernels;
  for (const std::vector<int>& outputs : groups) {
    FusedKernels::Part part;
    part.outputs = outputs;
    const FusedCode restricted = Restrict(code, outputs, part.inputs);
    part.table = UsesTable(restricted);
    const uint32_t bindings = static_cast<uint32_t>(outputs.size() + part.inputs.size()) +
                              (part.table ? 1 : 0);
    if (bindings > kMaxBindings) {
      return absl::InvalidArgumentError(absl::StrCat(
          "vulkan: a fused kernel of ", restricted.inputs.size(), " inputs binds ", bindings,
          " buffers, more than ", kMaxBindings));
    }
    const std::string key = FusedKernelKey(restricted);
    const uint32_t spec_constants[] = {kWorkgroup};
    COTANGENT_ASSIGN_OR_RETURN(
        part.pipeline,
        ctx.kernels->Get(key, bindings, spec_constants,
                         [&]() -> absl::StatusOr<std::vector<uint32_t>> {
                           COTANGENT_ASSIGN_OR_RETURN(const std::string source,
                                                      FusedSource(restricted));
                           return ctx.glsl->Compile(source, key);
                         }));
    kernels.parts.push_back(std::move(part));
  }
  return kernels;
}

absl::Status FusedLaunch(KernelContext& ctx, const FusedCode& code, const FusedKernels& kernels,
                         absl::Span<const FusedExpr::Leaf> inputs,
                         absl::Span<const Array> outputs) {
  const int64_t count = NumElements(code.shape);
  if (count == 0) return absl::OkStatus();
  for (const FusedKernels::Part& part : kernels.parts) {
    std::vector<BufferUse> uses;
    uint32_t push[2 + kMaxBindings] = {};
    push[0] = static_cast<uint32_t>(count);
    for (int o : part.outputs) {
      push[2 + uses.size()] = static_cast<uint32_t>(outputs[o].offset);
      uses.push_back({BufferOf(outputs[o]), true});
    }
    for (int k : part.inputs) {
      const FusedExpr::Leaf& leaf = inputs[k];
      if (leaf.broadcast) push[1] |= 1u << uses.size();
      push[2 + uses.size()] = static_cast<uint32_t>(leaf.view.offset);
      uses.push_back({BufferOf(leaf.view), false});
    }
    if (part.table) uses.push_back({ctx.two_over_pi, false});
    COTANGENT_RETURN_IF_ERROR(ctx.stream->Dispatch(
        *part.pipeline, uses, push, {GridGroups(count, kWorkgroup, ctx.max_groups), 1, 1}));
  }
  return absl::OkStatus();
}

absl::Status FusedLaunch(KernelContext& ctx, const FusedExpr& expr, const Array& out) {
  if (expr.nodes.size() == 1) {
    const FusedExpr::Node& node = expr.nodes[0];
    std::vector<Array> in;
    for (int k = 0; k < NumInputs(node.prim); ++k) in.push_back(expr.leaves[-1 - node.args[k]].view);
    return ElementwiseLaunch(ctx, node.prim, in, {}, out);
  }
  const FusedCode code = CodeOf(expr);
  COTANGENT_ASSIGN_OR_RETURN(const FusedKernels kernels, CompileFusedCode(ctx, code));
  return FusedLaunch(ctx, code, kernels, expr.leaves, absl::MakeConstSpan(&out, 1));
}

}  // namespace cotangent::vulkan
