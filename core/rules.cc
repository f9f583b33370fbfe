// File: core/rules.cc
// Builds the rule table from every family's registration function: the one place they are
// called, so no rule depends on a static initializer the linker may drop.

#include "core/rules.h"

#include <cassert>

#include "core/shape.h"

namespace cotangent {
namespace {

RuleTable BuildRuleTable() {
  RuleTable table;
  RegisterElementwiseRules(table);
  RegisterReductionRules(table);
  RegisterMovementRules(table);
  RegisterDotGeneralRules(table);
  for (int i = 0; i < kNumPrimitives; ++i) {
    assert(table[static_cast<Primitive>(i)].abstract_eval != nullptr &&
           "every primitive needs an abstract evaluation rule");
  }
  return table;
}

}  // namespace

const RuleTable& Rules() {
  static const RuleTable* const table = new RuleTable(BuildRuleTable());
  return *table;
}

ShapedArray AbstractEval(Primitive prim, absl::Span<const ShapedArray> in, const Params& params) {
  ShapedArray out = Rules()[prim].abstract_eval(in, params);
  // The one check every result passes: no negative dimension, no size past int64.
  CheckShape(PrimitiveName(prim), out);
  return out;
}

}  // namespace cotangent
