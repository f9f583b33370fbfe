// File: core/rules.cc
// Builds the rule table from every family's registration function: the one place they are
// called, so no rule depends on a static initializer the linker may drop.

#include "core/rules.h"

#include <cassert>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error.h"
#include "core/shape.h"

namespace cotangent {
namespace {

RuleTable BuildRuleTable() {
  RuleTable table;
  RegisterElementwiseRules(table);
  RegisterReductionRules(table);
  RegisterMovementRules(table);
  RegisterDotGeneralRules(table);
  RegisterConvolutionRules(table);
  RegisterIndexingRules(table);
  RegisterLinalgRules(table);
  RegisterCollectiveRules(table);
  RegisterCallRules(table);
  RegisterControlFlowRules(table);
  for (int i = 0; i < kNumPrimitives; ++i) {
    const Primitive prim = static_cast<Primitive>(i);
    assert(table[prim].abstract_eval != nullptr &&
           "every primitive needs an abstract evaluation rule");
    table[prim].non_differentiable = DerivativeOf(prim) == Derivative::kZero;
  }
  return table;
}

// The class with its article, as the error below reads.
const char* ClassName(DTypeClass c) {
  switch (c) {
    case DTypeClass::kFloat: return "a floating-point";
    case DTypeClass::kInexact: return "a floating-point or complex";
    case DTypeClass::kComplex: return "a complex";
    case DTypeClass::kNumeric: return "a numeric";
    case DTypeClass::kRealNumeric: return "a real (integer or floating-point)";
    case DTypeClass::kOrdered: return "an ordered (not complex)";
    case DTypeClass::kInteger: return "an integer";
    case DTypeClass::kBitwise: return "a bool or integer";
    case DTypeClass::kBool: return "a bool";
    case DTypeClass::kIndex: return "an i32";
    case DTypeClass::kAny: return "any";
  }
  return "";
}

// The dtypes column: "exp: expected a floating-point operand, got i32[2]"; a row with a class
// per operand names the operand ("select: expected a bool operand 0, got f32[2]").
void CheckOperandDTypes(Primitive prim, AvalSpan in) {
  const OperandDTypes& dtypes = InfoOf(prim).dtypes;
  for (size_t i = 0; i < in.size(); ++i) {
    if (InClass(in[i].dtype, dtypes[i])) continue;
    if (in[i].dtype == DType::kFloat0) {
      ThrowInvalid(PrimitiveName(prim), ": operand ", in[i].ToString(),
                   " has no values (float0 is the tangent type of integers and bools)");
    }
    ThrowInvalid(PrimitiveName(prim), ": expected ", ClassName(dtypes[i]), " operand",
                 dtypes.count > 1 ? absl::StrCat(" ", i) : "", ", got ", in[i].ToString());
  }
}

}  // namespace

const RuleTable& Rules() {
  static const RuleTable* const table = new RuleTable(BuildRuleTable());
  return *table;
}

AvalList AbstractEval(Primitive prim, AvalSpan in, const Params& params) {
  CheckOperandDTypes(prim, in);
  AvalList out = Rules()[prim].abstract_eval(in, params);
  // The one check every result passes: no negative dimension, no size past int64.
  for (const ShapedArray& aval : out) CheckShape(PrimitiveName(prim), aval);
  return out;
}

void CheckLinearOperands(Primitive prim, TensorSpan operands, AvalSpan avals) {
  const Linearity linear = LinearityOf(prim);
  int undefined = 0;
  bool ok = true;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (operands[i].defined()) continue;
    ++undefined;
    ok = ok && linear.In(i);
  }
  if (linear.form == Linearity::Form::kEach) ok = ok && undefined <= 1;
  if (!ok) {
    std::vector<std::string> types;
    for (const ShapedArray& aval : avals) types.push_back(aval.ToString());
    ThrowInvalid("transpose: ", PrimitiveName(prim), " of ", absl::StrJoin(types, " and "),
                 " is not linear in its undefined operands");
  }
}

}  // namespace cotangent
