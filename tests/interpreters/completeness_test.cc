// File: tests/interpreters/completeness_test.cc
// Rule completeness, derived from the columns of core/primitives.def: every row with derivative
// kByRule has a jvp rule and no other row has one; the rows linear in some operand are exactly
// those with a transpose rule, and every primitive that forward mode emits on tangents (found
// by linearizing every case) is one of them; every row but custom_lin has a batching rule; and
// every row has an oracle case in tests/testing/primitive_cases.h or is exempt there.

#include <map>
#include <string>

#include "interpreters/rules.h"
#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

std::vector<Primitive> AllPrimitives() {
  std::vector<Primitive> all;
  for (int i = 0; i < kNumPrimitives; ++i) all.push_back(static_cast<Primitive>(i));
  return all;
}

TEST(CompletenessTest, JvpRulesFollowTheDerivativeColumn) {
  for (Primitive prim : AllPrimitives()) {
    const PrimitiveRules& rules = AllRules()[prim];
    const bool has_jvp = rules.jvp != nullptr || rules.tangent != nullptr;
    const Derivative derivative = DerivativeOf(prim);
    EXPECT_EQ(has_jvp, derivative == Derivative::kByRule)
        << PrimitiveName(prim) << (has_jvp ? " has a jvp rule but its row says no derivative rule"
                                           : " has no jvp rule but its row says kByRule");
    EXPECT_EQ(rules.non_differentiable, derivative == Derivative::kZero) << PrimitiveName(prim);
    EXPECT_FALSE(rules.jvp != nullptr && rules.tangent != nullptr)
        << PrimitiveName(prim) << " has both a joint jvp rule and a tangent rule";
  }
}

TEST(CompletenessTest, TransposeRulesFollowTheLinearColumn) {
  for (Primitive prim : AllPrimitives()) {
    const bool has_transpose = AllRules()[prim].transpose != nullptr;
    EXPECT_EQ(has_transpose, IsLinear(prim))
        << PrimitiveName(prim)
        << (has_transpose ? " has a transpose rule but its row is not linear in any operand"
                          : " is linear in some operand by its row but has no transpose rule");
  }
}

TEST(CompletenessTest, WhatJvpRulesEmitOnTangentsIsLinear) {
  for (const testing::PrimitiveCase& c : testing::DifferentiableCases()) {
    std::vector<Tensor> xs;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      xs.push_back(testing::Random(c.shapes[i], 1 + i, c.lo, c.hi));
    }
    const auto flat = [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{c.f(a)}; };
    const Linearized lin = LinearizeFlat("test", flat, xs, std::vector<bool>(xs.size(), true), true);
    for (const Equation& eqn : lin.linear.program->eqns) {
      EXPECT_TRUE(IsLinear(eqn.prim)) << c.name << ": the linear program has "
                                      << PrimitiveName(eqn.prim) << ", whose row is not linear";
    }
  }
}

TEST(CompletenessTest, EveryPrimitiveHasABatchRule) {
  for (Primitive prim : AllPrimitives()) {
    if (DerivativeOf(prim) == Derivative::kNever) continue;  // only in linear programs
    // A collective also needs its rule for the vmap that names its axis.
    if (KindOf(prim) == PrimitiveKind::kCollective) {
      EXPECT_NE(AllRules()[prim].named_batch, nullptr)
          << PrimitiveName(prim) << " has no batching rule for its named axis";
    }
    if (PrimitiveArity(prim) == 0) continue;  // no operand to be batched (axis_index)
    EXPECT_NE(AllRules()[prim].batch, nullptr) << PrimitiveName(prim) << " has no batching rule";
  }
}

TEST(CompletenessTest, EveryPrimitiveHasAnOracleCase) {
  std::map<Primitive, std::string> differentiable, any;
  for (const testing::PrimitiveCase& c : testing::DifferentiableCases()) {
    differentiable[c.prim] = any[c.prim] = c.name;
  }
  for (const testing::PrimitiveCase& c : testing::NonDifferentiableCases()) any[c.prim] = c.name;
  std::map<Primitive, std::string> exempt;
  for (const auto& [prim, why] : testing::ExemptPrimitives()) {
    EXPECT_FALSE(any.contains(prim)) << PrimitiveName(prim) << " is exempt but has a case";
    EXPECT_FALSE(why.empty()) << PrimitiveName(prim) << " is exempt without a reason";
    exempt[prim] = why;
  }
  for (Primitive prim : AllPrimitives()) {
    if (exempt.contains(prim)) continue;
    if (DerivativeOf(prim) == Derivative::kByRule) {
      EXPECT_TRUE(differentiable.contains(prim))
          << PrimitiveName(prim) << " has no case in DifferentiableCases() "
          << "(tests/testing/primitive_cases.h): add a row, so the jvp, vjp, Hessian and "
          << "batching tests run it against their oracles";
    } else {
      EXPECT_TRUE(any.contains(prim))
          << PrimitiveName(prim) << " has no case in tests/testing/primitive_cases.h: add a row "
          << "(NonDifferentiableCases() for a zero derivative), or list it in "
          << "ExemptPrimitives() with the reason";
    }
  }
}

}  // namespace
}  // namespace cotangent
