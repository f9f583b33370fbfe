// File: core/fused_kernel.cc
// FusedCode's value types and its printed form.

#include "core/fused_kernel.h"

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
        absl::StrAppend(&out, " ", l.value, ":", DTypeName(l.dtype));
      } else {
        absl::StrAppend(&out, " v", a);
      }
    }
    absl::StrAppend(&out, " : ", DTypeName(ops[k].dtype), "\n");
  }
  return out;
}

}  // namespace cotangent
