// File: interpreters/rules.h
// The rule table the transformations consult: core's (core/rules.h) plus the rules that
// transform sub-programs with the interpreters themselves (closed_call's jvp, transpose, batch
// and partial evaluation: interpreters/call.cc; the custom calls': interpreters/custom_call.cc). Core binds with core's table; every
// interpreter looks rules up here.

#ifndef COTANGENT_INTERPRETERS_RULES_H_
#define COTANGENT_INTERPRETERS_RULES_H_

#include "core/rules.h"

namespace cotangent {

// Built once, on first use, by explicit registration.
const RuleTable& AllRules();

// closed_call's transformation rules (interpreters/call.cc).
void RegisterCallTransformRules(RuleTable& table);
// custom_jvp_call's and custom_vjp_call's (interpreters/custom_call.cc).
void RegisterCustomCallRules(RuleTable& table);
// cond's (interpreters/control_flow.cc, which registers the loops' too), scan's
// (interpreters/scan.cc) and while's (interpreters/while_loop.cc).
void RegisterControlFlowTransformRules(RuleTable& table);
void RegisterScanRules(RuleTable& table);
void RegisterWhileRules(RuleTable& table);
// custom_linear_solve's (interpreters/linear_solve.cc).
void RegisterLinearSolveRules(RuleTable& table);
// checkpoint's partial evaluation and name's rules (interpreters/checkpoint.cc), after the call
// rules it shares.
void RegisterCheckpointRules(RuleTable& table);
// custom_vmap_call's (interpreters/custom_vmap.cc).
void RegisterCustomVmapRules(RuleTable& table);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_RULES_H_
