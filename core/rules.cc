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
  RegisterCallRules(table);
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

AvalList AbstractEval(Primitive prim, AvalSpan in, const Params& params) {
  AvalList out = Rules()[prim].abstract_eval(in, params);
  // The one check every result passes: no negative dimension, no size past int64.
  for (const ShapedArray& aval : out) CheckShape(PrimitiveName(prim), aval);
  return out;
}

}  // namespace cotangent
