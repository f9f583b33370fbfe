// File: core/fused_kernel.cc
// FusedCode's value types and its printed form.

#include "core/fused_kernel.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cotangent {

DType FusedCode::DTypeOf(int32_t value) const {
  const int32_t n_in = static_cast<int32_t>(inputs.size());
  const int32_t n_lit = static_cast<int32_t>(literals.size());
  if (value < n_in) return inputs[value];
  if (value < n_in + n_lit) return literals[value - n_in].dtype;
  return ops[value - n_in - n_lit].dtype;
}

std::string FusedCode::ToString() const {
  const int32_t first_op = static_cast<int32_t>(inputs.size() + literals.size());
  std::string out;
  for (size_t k = 0; k < ops.size(); ++k) {
    absl::StrAppend(&out, "v", first_op + k, " = ", PrimitiveName(ops[k].prim));
    for (int32_t a : ops[k].args) {
      if (a >= static_cast<int32_t>(inputs.size()) && a < first_op) {
        const Literal& l = literals[a - inputs.size()];
        absl::StrAppend(&out, " ", l.value.ToString(), ":", DTypeName(l.dtype));
      } else {
        absl::StrAppend(&out, " v", a);
      }
    }
    absl::StrAppend(&out, " : ", DTypeName(ops[k].dtype), "\n");
  }
  return out;
}

FusedCode ComputeHalvesInF32(const FusedCode& code) {
  const int32_t n_in = static_cast<int32_t>(code.inputs.size());
  const int32_t first_op = n_in + static_cast<int32_t>(code.literals.size());
  FusedCode out;
  out.shape = code.shape;
  out.inputs = code.inputs;
  for (const FusedCode::Literal& l : code.literals) {
    out.literals.push_back(
        IsHalfFloat(l.dtype) ? FusedCode::Literal{l.value.In(l.dtype), DType::kF32} : l);
  }
  // value[v]: v's number in `out` (inputs and literals keep theirs).
  std::vector<int32_t> value(code.num_values());
  for (int32_t v = 0; v < first_op; ++v) value[v] = v;
  absl::flat_hash_map<int32_t, int32_t> widened;  // a half value of out -> its f32 in out
  const auto emit = [&](Primitive prim, DType dtype, std::vector<int32_t> args) {
    out.ops.push_back(FusedCode::Op{prim, dtype, std::move(args)});
    return out.num_values() - 1;
  };
  const auto in_f32 = [&](int32_t v) {
    if (!IsHalfFloat(out.DTypeOf(v))) return v;
    auto [it, inserted] = widened.try_emplace(v, -1);
    if (inserted) it->second = emit(Primitive::kConvert, DType::kF32, {v});
    return it->second;
  };
  for (size_t k = 0; k < code.ops.size(); ++k) {
    const FusedCode::Op& op = code.ops[k];
    std::vector<int32_t> args;
    for (int32_t a : op.args) args.push_back(value[a]);
    const bool halves = IsHalfFloat(op.dtype) ||
                        std::any_of(args.begin(), args.end(),
                                    [&](int32_t a) { return IsHalfFloat(out.DTypeOf(a)); });
    int32_t v;
    if (op.prim == Primitive::kConvert || !halves) {
      v = emit(op.prim, op.dtype, std::move(args));
    } else {
      for (int32_t& a : args) a = in_f32(a);
      v = emit(op.prim, IsHalfFloat(op.dtype) ? DType::kF32 : op.dtype, std::move(args));
      if (IsHalfFloat(op.dtype)) {
        v = emit(Primitive::kConvert, op.dtype, {v});  // rounded: read again widened
      }
    }
    value[first_op + static_cast<int32_t>(k)] = v;
  }
  for (int32_t v : code.outputs) out.outputs.push_back(value[v]);
  return out;
}

absl::Status CheckHalvesOnlyConverted(const FusedCode& code) {
  for (const FusedCode::Op& op : code.ops) {
    if (op.prim == Primitive::kConvert) continue;
    bool halves = IsHalfFloat(op.dtype);
    for (int32_t a : op.args) halves = halves || IsHalfFloat(code.DTypeOf(a));
    if (halves) {
      return absl::InternalError(absl::StrCat("fused kernel: ", PrimitiveName(op.prim),
                                              " on f16 or bf16 (not computed in f32 first)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace cotangent
