// File: tests/interpreters/completeness_test.cc
// Rule completeness: every primitive has a jvp rule unless declared non-differentiable, and
// every primitive that forward mode emits on tangents (found by linearizing every case) has a
// transpose rule, as do the primitives known to be linear.

#include <set>

#include "interpreters/rules.h"
#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

// custom_lin lives only in linear programs, which are transposed, never differentiated or
// batched (as JAX's custom_lin): it has a transpose rule alone.
bool OnlyTransposed(Primitive prim) { return prim == Primitive::kCustomLin; }

TEST(CompletenessTest, EveryDifferentiablePrimitiveHasAJvpRule) {
  for (int i = 0; i < kNumPrimitives; ++i) {
    const Primitive prim = static_cast<Primitive>(i);
    if (OnlyTransposed(prim)) continue;
    const PrimitiveRules& rules = AllRules()[prim];
    const bool has_jvp = rules.jvp != nullptr || rules.tangent != nullptr;
    EXPECT_TRUE(rules.non_differentiable || has_jvp)
        << PrimitiveName(prim) << " has no jvp rule and is not declared non-differentiable";
    EXPECT_FALSE(rules.non_differentiable && has_jvp)
        << PrimitiveName(prim) << " is declared non-differentiable but has a jvp rule";
    EXPECT_FALSE(rules.jvp != nullptr && rules.tangent != nullptr)
        << PrimitiveName(prim) << " has both a joint jvp rule and a tangent rule";
  }
}

TEST(CompletenessTest, EveryLinearPrimitiveHasATransposeRule) {
  std::set<Primitive> linear = {
      Primitive::kNeg,     Primitive::kAdd,       Primitive::kSub,       Primitive::kMul,
      Primitive::kDiv,     Primitive::kSelect,    Primitive::kConvert,   Primitive::kReduceSum,
      Primitive::kReshape, Primitive::kTranspose, Primitive::kBroadcastInDim,
      Primitive::kSlice,   Primitive::kPad,       Primitive::kConcatenate, Primitive::kDotGeneral};
  // Whatever the jvp rules emit on tangents must be transposable too.
  for (const testing::PrimitiveCase& c : testing::DifferentiableCases()) {
    std::vector<Tensor> xs;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      xs.push_back(testing::Random(c.shapes[i], 1 + i, c.lo, c.hi));
    }
    const auto flat = [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{c.f(a)}; };
    const Linearized lin = LinearizeFlat("test", flat, xs, std::vector<bool>(xs.size(), true), true);
    for (const Equation& eqn : lin.linear.program->eqns) linear.insert(eqn.prim);
  }
  for (Primitive prim : linear) {
    EXPECT_NE(AllRules()[prim].transpose, nullptr) << PrimitiveName(prim) << " has no transpose rule";
  }
}

TEST(CompletenessTest, EveryPrimitiveHasABatchRule) {
  for (int i = 0; i < kNumPrimitives; ++i) {
    const Primitive prim = static_cast<Primitive>(i);
    if (OnlyTransposed(prim)) continue;
    EXPECT_NE(AllRules()[prim].batch, nullptr) << PrimitiveName(prim) << " has no batching rule";
  }
}

}  // namespace
}  // namespace cotangent
