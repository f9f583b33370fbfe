// File: interpreters/rules.cc
// The full rule table: core's families, then the higher-order rules of the interpreters.

#include "interpreters/rules.h"

namespace cotangent {

const RuleTable& AllRules() {
  static const RuleTable* const table = [] {
    auto* t = new RuleTable(Rules());
    RegisterCallTransformRules(*t);
    RegisterCustomCallRules(*t);
    RegisterControlFlowTransformRules(*t);
    RegisterCheckpointRules(*t);
    RegisterCustomVmapRules(*t);
    return t;
  }();
  return *table;
}

}  // namespace cotangent
