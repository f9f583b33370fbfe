// File: tests/core/fusion_test.cc
// The fusion pass over programs (core/fusion.h) on traced programs: chains, fan-out inside and
// out of a group, reductions and other non-elementwise primitives between elementwise ones,
// several outputs (of a group, of a program, of a call), merging independent chains, the
// limits (inputs, equations, math library, result size), and on every program, that the plan
// is one: each equation in one group, each group after the groups it reads, its inputs and
// outputs exactly what crosses its boundary. core/fusible.h's predicate is checked against the
// primitive families.

#include "core/fusion.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/fused_kernel.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The primitives of a group's equations, in order.
std::vector<std::string> Prims(const Program& p, const FusionGroup& g) {
  std::vector<std::string> names;
  for (int e : g.eqns) names.push_back(PrimitiveName(p.eqns[e].prim));
  return names;
}

// Checks that `plan` is a plan of `p` (see the file comment).
void ExpectValidPlan(const Program& p, const std::vector<FusionGroup>& plan,
                     const FusionOptions& options) {
  std::vector<int> group_of(p.eqns.size(), -1);
  for (size_t k = 0; k < plan.size(); ++k) {
    ASSERT_FALSE(plan[k].eqns.empty());
    ASSERT_TRUE(std::is_sorted(plan[k].eqns.begin(), plan[k].eqns.end()));
    for (int e : plan[k].eqns) {
      ASSERT_EQ(group_of[e], -1) << "equation " << e << " in two groups";
      group_of[e] = static_cast<int>(k);
    }
    if (!plan[k].elementwise) {
      EXPECT_EQ(plan[k].eqns.size(), 1u);
    }
  }
  ASSERT_EQ(std::count(group_of.begin(), group_of.end(), -1), 0) << "an equation in no group";
  std::vector<int> defined_by(p.avals.size(), -1);  // group index, -1: program input
  for (size_t e = 0; e < p.eqns.size(); ++e) {
    for (int32_t v : p.eqns[e].outputs) defined_by[v] = group_of[e];
  }
  std::set<int32_t> program_outputs;
  for (const Atom& a : p.outvars) {
    if (!a.is_literal()) program_outputs.insert(a.var);
  }
  for (size_t k = 0; k < plan.size(); ++k) {
    const FusionGroup& g = plan[k];
    std::vector<Atom> inputs;
    std::vector<int32_t> outputs;
    for (int e : g.eqns) {
      const Equation& eqn = p.eqns[e];
      if (g.elementwise) {
        EXPECT_TRUE(Fuses(eqn.prim, p.avals[eqn.outputs[0]], options.limits));
        EXPECT_EQ(p.avals[eqn.outputs[0]].shape, g.shape);
      }
      for (const Atom& a : eqn.inputs) {
        if (!a.is_literal() && defined_by[a.var] == static_cast<int>(k)) continue;
        if (!a.is_literal()) {
          EXPECT_LT(defined_by[a.var], static_cast<int>(k)) << "group " << k << " runs too early";
        }
        if (std::find(inputs.begin(), inputs.end(), a) == inputs.end()) inputs.push_back(a);
      }
      for (int32_t v : eqn.outputs) {
        bool outside = program_outputs.count(v) > 0;
        for (size_t f = 0; f < p.eqns.size(); ++f) {
          for (const Atom& a : p.eqns[f].inputs) {
            outside = outside || (a.var == v && group_of[f] != static_cast<int>(k));
          }
        }
        if (outside) outputs.push_back(v);
      }
    }
    EXPECT_EQ(g.inputs, inputs) << "group " << k;
    EXPECT_EQ(g.outputs, outputs) << "group " << k;
    if (g.elementwise && g.eqns.size() > 1) {
      int vars = 0;
      for (const Atom& a : g.inputs) vars += a.is_literal() ? 0 : 1;
      EXPECT_LE(vars, options.limits.max_inputs);
      EXPECT_LE(static_cast<int>(g.eqns.size()), options.limits.max_equations);
    }
  }
}

struct Planned {
  ClosedProgram closed;
  std::vector<FusionGroup> plan;
  const Program& program() const { return *closed.program; }
};

template <typename F, typename... Args>
Planned Plan(F f, const FusionOptions& options, const Args&... args) {
  Planned out{make_jaxpr(f)(args...), {}};
  out.plan = PlanFusion(out.program(), options);
  ExpectValidPlan(out.program(), out.plan, options);
  return out;
}

// The elementwise groups of a plan with more than one equation, as primitive names.
std::vector<std::vector<std::string>> Fused(const Planned& p) {
  std::vector<std::vector<std::string>> fused;
  for (const FusionGroup& g : p.plan) {
    if (g.elementwise && g.eqns.size() > 1) fused.push_back(Prims(p.program(), g));
  }
  return fused;
}

TEST(FusibleTest, ElementwiseFamiliesFuseAndNothingElse) {
  for (int k = 0; k < kNumPrimitives; ++k) {
    const Primitive prim = static_cast<Primitive>(k);
    const PrimitiveKind kind = KindOf(prim);
    const bool elementwise = kind == PrimitiveKind::kUnary || kind == PrimitiveKind::kBinary ||
                             kind == PrimitiveKind::kCompare || kind == PrimitiveKind::kSelect ||
                             kind == PrimitiveKind::kConvert;
    EXPECT_EQ(IsFusible(prim), elementwise && prim != Primitive::kStopGradient)
        << PrimitiveName(prim);
  }
  const ShapedArray big{{1 << 14}, f32}, small{{100}, f32}, empty{{0}, f32};
  const FusionLimits limits{1 << 14};
  EXPECT_TRUE(Fuses(Primitive::kExp, big, limits));
  EXPECT_FALSE(Fuses(Primitive::kExp, small, limits));
  EXPECT_FALSE(Fuses(Primitive::kExp, empty, FusionLimits{}));
  EXPECT_FALSE(Fuses(Primitive::kExp, big, FusionLimits{-1}));
  EXPECT_FALSE(Fuses(Primitive::kReduceSum, big, FusionLimits{}));
  // f16 and bf16 fuse: a group computes them in f32 (ComputeHalvesInF32, below).
  EXPECT_TRUE(Fuses(Primitive::kExp, ShapedArray{big.shape, DType::kF16}, limits));
  // One math library per kernel; limits count inputs and equations.
  EXPECT_FALSE(Combine({1, 1, f32}, {1, 1, f64}).has_value());
  const std::optional<FusedSize> both = Combine({2, 3, std::nullopt}, {1, 1, f64});
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->inputs, 3);
  EXPECT_EQ(both->equations, 4);
  EXPECT_EQ(both->math, f64);
  EXPECT_TRUE(WithinLimits(*both, {0, 3, 4}));
  EXPECT_FALSE(WithinLimits(*both, {0, 2, 4}));
  EXPECT_FALSE(WithinLimits(*both, {0, 3, 3}));
}

TEST(FusionTest, AChainIsOneGroup) {
  const auto f = [](const Tensor& x) { return exp(sin(x) * x) - x; };
  const Planned p = Plan(f, {}, ones({8}));
  ASSERT_EQ(p.plan.size(), 1u);
  const FusionGroup& g = p.plan[0];
  EXPECT_TRUE(g.elementwise);
  EXPECT_THAT(Prims(p.program(), g), ElementsAre("sin", "mul", "exp", "sub"));
  EXPECT_THAT(g.inputs, ElementsAre(Atom::Var(p.program().invars[0])));
  EXPECT_THAT(g.outputs, ElementsAre(p.program().outvars[0].var));
  EXPECT_EQ(g.shape, Shape{8});
}

TEST(FusionTest, FanOutInsideAGroupStaysInside) {
  // t feeds three equations of the group: computed once per element, never written.
  const auto f = [](const Tensor& x) {
    const Tensor t = tanh(x);
    return exp(t * t) - t;
  };
  const Planned p = Plan(f, {}, ones({8}));
  ASSERT_EQ(p.plan.size(), 1u);
  EXPECT_THAT(Prims(p.program(), p.plan[0]), ElementsAre("tanh", "mul", "exp", "sub"));
  EXPECT_EQ(p.plan[0].outputs.size(), 1u);
}

TEST(FusionTest, AValueReadOutsideIsAnOutput) {
  // t is read by the reduction as well: the group writes it.
  const auto f = [](const Tensor& x) {
    const Tensor t = tanh(x);
    return std::make_pair(sum(t), t * t);
  };
  const Planned p = Plan(f, {}, ones({8}));
  ASSERT_THAT(Fused(p), ElementsAre(ElementsAre("tanh", "mul")));
  const FusionGroup& g = p.plan[0];
  const int32_t t = p.program().eqns[g.eqns[0]].outputs[0];
  EXPECT_THAT(g.outputs, ElementsAre(t, p.program().eqns[g.eqns[1]].outputs[0]));
}

TEST(FusionTest, AReductionBetweenElementwiseEquationsBreaksTheGroup) {
  // y = exp(x) / sum(exp(x)): the division reads the sum, computed from the group's exp, so
  // it cannot join exp's group (that group would read its own result).
  const auto f = [](const Tensor& x) {
    const Tensor e = exp(x);
    return e / sum(e);
  };
  const Planned p = Plan(f, {}, ones({8}));
  std::vector<std::string> order;
  for (const FusionGroup& g : p.plan) {
    for (const std::string& name : Prims(p.program(), g)) order.push_back(name);
  }
  EXPECT_THAT(order, ElementsAre("exp", "reduce_sum", "broadcast_in_dim", "div"));
  EXPECT_EQ(p.plan.size(), 4u);
  EXPECT_TRUE(p.plan[3].elementwise);
  EXPECT_THAT(Fused(p), IsEmpty());
}

TEST(FusionTest, GroupsThatDependOnEachOtherThroughAReductionNeverMerge) {
  // d = e + sin(sum(e)) with e = exp(x) (sin over [8]): the add reads exp's group directly
  // and through the reduction, so it joins sin's group, not exp's, and the two never merge.
  const auto f = [](const Tensor& x) {
    const Tensor e = exp(x);
    return e + sin(broadcast_to(sum(e), {8}));
  };
  const Planned p = Plan(f, {}, ones({8}));
  EXPECT_THAT(Fused(p), ElementsAre(ElementsAre("sin", "add")));
  EXPECT_THAT(Prims(p.program(), p.plan.front()), ElementsAre("exp"));
}

// a = exp(x) is read by a transpose t; then e = a * transpose(s) with s = sin(y) grows a's
// group, which so comes to depend on s's group. t * s may then not join s's group: it reads t,
// which needs a's group, which needs s's (a cycle through two outside equations; the planner
// once missed it, as the deps t's group copied from a's were stale, and the jitted gradient of
// scatter_min crashed on the unordered plan).
TEST(FusionTest, AGroupGrownAfterItWasReadNeverFormsACycle) {
  const auto f = [](const Tensor& x, const Tensor& y) {
    const Tensor a = exp(x);
    const Tensor t = transpose(a);
    const Tensor s = sin(y);
    const Tensor e = a * transpose(s);
    return concatenate({e, t * s}, 0);
  };
  const Planned p = Plan(f, {}, ones({3, 3}), ones({3, 3}));
  EXPECT_THAT(Fused(p), ElementsAre(ElementsAre("exp", "mul")));
  const Tensor x = reshape(arange(0.0, 9.0, 1.0, f32), {3, 3}) * 0.1;
  EXPECT_TRUE(allclose(jit(f)(x, x + 1.0), f(x, x + 1.0)).item<bool>());
}

TEST(FusionTest, ElementwiseWorkOnBothSidesOfAReductionFusesSeparately) {
  const auto f = [](const Tensor& x) {
    const Tensor s = sum(sin(x) * x, {1});  // [4, 8] -> [4]
    return exp(s) + s * s;
  };
  const Planned p = Plan(f, {}, ones({4, 8}));
  EXPECT_THAT(Fused(p), ElementsAre(ElementsAre("sin", "mul"), ElementsAre("mul", "exp", "add")));
}

TEST(FusionTest, NonElementwisePrimitivesAreGroupsOfTheirOwn) {
  const auto f = [](const Tensor& a, const Tensor& b) {
    const Tensor h = tanh(matmul(a, b) + 1.0);
    return transpose(concatenate({h, -h}, 0)) * 2.0;
  };
  const Planned p = Plan(f, {}, ones({3, 4}), ones({4, 5}));
  for (const FusionGroup& g : p.plan) {
    if (!g.elementwise) {
      EXPECT_EQ(g.eqns.size(), 1u);
      EXPECT_FALSE(IsFusible(p.program().eqns[g.eqns[0]].prim));
    }
  }
  // add and tanh fuse after the matmul; neg reads tanh's result only (the concatenate reads
  // both); the final mul is after the transpose.
  EXPECT_THAT(Fused(p), ElementsAre(ElementsAre("add", "tanh", "neg")));
}

TEST(FusionTest, IndependentChainsMeetingInOneEquationMerge) {
  const auto f = [](const Tensor& x, const Tensor& y) { return sin(x) * 2.0 + cos(y); };
  const Planned p = Plan(f, {}, ones({8}), ones({8}));
  ASSERT_THAT(Fused(p), ElementsAre(ElementsAre("cos", "sin", "mul", "add")));
  for (const FusionGroup& g : p.plan) {
    if (g.elementwise) {
      EXPECT_EQ(g.inputs.size(), 3u);  // x, y and the broadcast 2.0
    }
  }
}

TEST(FusionTest, SeveralProgramOutputsOfOneGroup) {
  const auto f = [](const Tensor& x) {
    const Tensor s = sin(x);
    return std::make_tuple(s, s * cos(x), exp(x));
  };
  const Planned p = Plan(f, {}, ones({8}));
  ASSERT_EQ(p.plan.size(), 2u);  // exp(x) shares no value with the others
  EXPECT_THAT(Prims(p.program(), p.plan[0]), ElementsAre("sin", "cos", "mul"));
  EXPECT_EQ(p.plan[0].outputs.size(), 2u);
  EXPECT_THAT(Prims(p.program(), p.plan[1]), ElementsAre("exp"));
}

TEST(FusionTest, AMultiOutputCallIsOneGroupAndItsConsumersFuse) {
  const auto inner =
      named_call([](const Tensor& x) { return std::make_pair(sin(x), cos(x)); }, "pair");
  const auto f = [&](const Tensor& x) {
    auto [s, c] = inner(x);
    return s * c + s;
  };
  const Planned p = Plan(f, {}, ones({8}));
  ASSERT_EQ(p.plan.size(), 2u);
  EXPECT_FALSE(p.plan[0].elementwise);
  EXPECT_THAT(Prims(p.program(), p.plan[0]), ElementsAre("closed_call"));
  EXPECT_EQ(p.plan[0].outputs.size(), 2u);
  EXPECT_THAT(Prims(p.program(), p.plan[1]), ElementsAre("mul", "add"));
  EXPECT_EQ(p.plan[1].inputs.size(), 2u);
}

TEST(FusionTest, ScalarProgramsReadLiteralsWithoutCountingThem) {
  // grad of log(1 + exp(x)): add 1.0 b, div 1.0 c, mul d b: literals are inputs of the group,
  // not counted against max_inputs (a renderer writes them into the kernel).
  const auto log1pexp = [](const Tensor& x) { return log(1.0 + exp(x)); };
  FusionOptions options;
  options.limits.max_inputs = 1;
  const Planned p = Plan(grad(log1pexp), options, scalar(0.5));
  ASSERT_THAT(Fused(p), ElementsAre(ElementsAre("exp", "add", "div", "mul")));
  EXPECT_THAT(p.plan[0].inputs,
              ElementsAre(Atom::Var(p.program().invars[0]), Atom::Literal(1.0, f32)));
}

TEST(FusionTest, TheLimitsCutGroups) {
  const auto chain = [](const Tensor& x) { return exp(sin(cos(tanh(x)))); };
  FusionOptions options;
  options.limits.max_equations = 3;
  EXPECT_THAT(Fused(Plan(chain, options, ones({8}))),
              ElementsAre(ElementsAre("tanh", "cos", "sin")));
  options = {};
  options.limits.min_elements = 9;
  Planned p = Plan(chain, options, ones({8}));
  EXPECT_EQ(p.plan.size(), 4u);
  for (const FusionGroup& g : p.plan) {
    EXPECT_FALSE(g.elementwise);
  }
  EXPECT_THAT(Fused(Plan(chain, options, ones({9}))),
              ElementsAre(ElementsAre("tanh", "cos", "sin", "exp")));
  // Three inputs where two fit: the third operand's equation starts a new group.
  const auto three = [](const Tensor& x, const Tensor& y, const Tensor& z) { return (x * y) + z; };
  options = {};
  options.limits.max_inputs = 2;
  p = Plan(three, options, ones({8}), ones({8}), ones({8}));
  EXPECT_THAT(Fused(p), IsEmpty());
  EXPECT_EQ(p.plan.size(), 2u);
}

TEST(FusionTest, OneMathLibraryPerGroup) {
  // A backend whose f64 transcendental functions come from another library than its f32 ones
  // (the Vulkan backend's GLSL): exp in f32 and sin in f64 never share a kernel, while the
  // conversions and arithmetic between them join either.
  FusionOptions options;
  options.math = [](Primitive prim, DType in) -> std::optional<DType> {
    if (prim == Primitive::kExp || prim == Primitive::kSin) return in;
    return std::nullopt;
  };
  const auto f = [](const Tensor& x) { return sin(astype(exp(x) * 2.0, f64)); };
  const Planned p = Plan(f, options, ones({8}));
  EXPECT_THAT(Fused(p), ElementsAre(ElementsAre("exp", "mul", "convert_element_type")));
  EXPECT_THAT(Fused(Plan(f, {}, ones({8}))),
              ElementsAre(ElementsAre("exp", "mul", "convert_element_type", "sin")));
}

TEST(FusionTest, HalfFloatChainsFuseAndCallTheF32Math) {
  // f16 and bf16 compute in f32: the backend is asked for f32's math library, so an f16 exp
  // joins an f32 sin and a bf16 tanh, and an f64 sin does not.
  FusionOptions options;
  options.math = [](Primitive prim, DType in) -> std::optional<DType> {
    EXPECT_FALSE(IsHalfFloat(in)) << PrimitiveName(prim);
    if (prim == Primitive::kExp || prim == Primitive::kSin || prim == Primitive::kTanh) return in;
    return std::nullopt;
  };
  const auto f = [](const Tensor& x) {
    const Tensor a = sin(astype(exp(x), f32));
    const Tensor b = tanh(astype(x, bf16));
    return sin(astype(a + b, f64));
  };
  EXPECT_THAT(
      Fused(Plan(f, options, ones({8}, DType::kF16))),
      ElementsAre(ElementsAre("exp", "convert_element_type", "sin", "convert_element_type", "tanh",
                              "convert_element_type", "add", "convert_element_type")));
}

TEST(FusedCodeTest, HalvesComputeInF32RoundedOncePerOp) {
  // exp(x * 0.1) + z and (x < z) for f16 x, z: each op reads f32 (one conversion per f16
  // value) and rounds an f16 result back; the literal becomes the f32 that 0.1 is in f16.
  FusedCode code;
  code.shape = {4};
  code.inputs = {DType::kF16, DType::kF16};
  code.literals = {{0.1, DType::kF16}};
  code.ops = {{Primitive::kMul, DType::kF16, {0, 2}},
              {Primitive::kExp, DType::kF16, {3}},
              {Primitive::kAdd, DType::kF16, {4, 1}},
              {Primitive::kLt, DType::kBool, {0, 1}}};
  code.outputs = {5, 6};
  const FusedCode lowered = ComputeHalvesInF32(code);
  EXPECT_EQ(lowered.literals[0].dtype, DType::kF32);
  EXPECT_EQ(lowered.literals[0].value.to_double(), 0.0999755859375);  // 0x2e66
  EXPECT_EQ(lowered.ToString(),
            "v3 = convert_element_type v0 : f32\n"
            "v4 = mul v3 0.0999756:f32 : f32\n"
            "v5 = convert_element_type v4 : f16\n"
            "v6 = convert_element_type v5 : f32\n"
            "v7 = exp v6 : f32\n"
            "v8 = convert_element_type v7 : f16\n"
            "v9 = convert_element_type v8 : f32\n"
            "v10 = convert_element_type v1 : f32\n"
            "v11 = add v9 v10 : f32\n"
            "v12 = convert_element_type v11 : f16\n"
            "v13 = lt v3 v10 : bool\n");
  EXPECT_THAT(lowered.outputs, ElementsAre(12, 13));
  EXPECT_THAT(lowered.inputs, ElementsAre(DType::kF16, DType::kF16));
  EXPECT_TRUE(CheckHalvesOnlyConverted(lowered).ok());
  EXPECT_EQ(CheckHalvesOnlyConverted(code).code(), absl::StatusCode::kInternal);
  // Code without halves is unchanged; conversions to and from halves stay as they are.
  FusedCode plain = code;
  plain.inputs = {DType::kF32, DType::kF32};
  plain.literals[0].dtype = DType::kF32;
  for (FusedCode::Op& op : plain.ops) op.dtype = op.dtype == DType::kF16 ? DType::kF32 : op.dtype;
  plain.ops.push_back({Primitive::kConvert, DType::kBF16, {5}});
  EXPECT_EQ(ComputeHalvesInF32(plain).ToString(), plain.ToString());
}

TEST(FusionTest, PlansOfDerivativePrograms) {
  // Larger programs from the interpreters: every plan is one (ExpectValidPlan), and the
  // elementwise work of a two-layer network's gradient fuses into a few groups.
  const auto loss = [](const Tensor& w1, const Tensor& w2, const Tensor& x) {
    const Tensor h = tanh(matmul(x, w1));
    return sum(exp(-matmul(h, w2)) * 0.5);
  };
  FusionOptions options;
  options.limits.max_equations = 4;
  options.limits.max_inputs = 3;
  for (const FusionOptions& o : {FusionOptions{}, options}) {
    const Planned p = Plan(grad(loss, {0, 1}), o, ones({4, 6}), ones({6, 3}), ones({5, 4}));
    EXPECT_FALSE(Fused(p).empty());
    EXPECT_LT(p.plan.size(), p.program().eqns.size());
  }
  Plan(jacfwd(jacrev([](const Tensor& x) { return sum(sin(x) * x * x); })), {}, ones({3}));
}

}  // namespace
}  // namespace cotangent
