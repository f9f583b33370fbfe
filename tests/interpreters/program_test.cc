// File: tests/interpreters/program_test.cc
// Programs as values: round trips (trace -> program -> EvalProgram equals eager, for every
// primitive row), structural equality and hashing, the verifier's errors, eval_shape, and
// closed_call (named_call) under jvp, vjp, vmap and their compositions to second order,
// against eager (the oracle), central differences in f64 and the VJP inner-product identity.

#include "core/program.h"

#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "gmock/gmock.h"
#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;
using testing::AllClose;
using testing::ErrorOf;
using testing::PrimitiveCase;
using testing::Random;

std::vector<Tensor> Inputs(const PrimitiveCase& c, uint32_t seed) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.shapes.size(); ++i) xs.push_back(Random(c.shapes[i], seed + i, c.lo, c.hi));
  return xs;
}

class RoundTripTest : public ::testing::TestWithParam<PrimitiveCase> {};

// trace -> program -> EvalProgram equals eager, and the program verifies.
TEST_P(RoundTripTest, EvalOfTheTracedProgramEqualsEager) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c, 3);
  const auto f = [&](const std::vector<Tensor>& args) { return c.f(args); };
  const ClosedProgram program = make_jaxpr(f)(xs);
  VerifyProgram(*program.program, "test");
  const std::vector<Tensor> out = program(xs);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(AllClose(out[0], c.f(xs), 0, 0)) << program;
}

// A named_call of the case: jvp, vjp and vmap of the call equal those of the plain function.
TEST_P(RoundTripTest, ClosedCallTransformsLikeTheFunction) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c, 5);
  const auto f = [&](const Tensor& x) {
    std::vector<Tensor> args = xs;
    args[0] = x;
    return c.f(args);
  };
  const auto called = named_call(f, "f");
  const Tensor v = Random(xs[0].shape(), 9);
  auto [y, y_dot] = jvp(f, {xs[0]}, {v});
  auto [cy, cy_dot] = jvp(called, {xs[0]}, {v});
  EXPECT_TRUE(AllClose(cy, y, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(cy_dot, y_dot, 1e-12, 1e-12));
  const Tensor w = Random(y.shape(), 7);
  EXPECT_TRUE(AllClose(vjp(called, xs[0]).second(w)[0], vjp(f, xs[0]).second(w)[0], 1e-12, 1e-12));
  if (c.f(xs).ndim() > 0 || xs[0].ndim() > 0) {
    const Tensor batch = Random(internal::JoinShapes({3}, xs[0].shape()), 13, c.lo, c.hi);
    EXPECT_TRUE(AllClose(vmap(called)(batch), vmap(f)(batch), 1e-12, 1e-12));
  }
}

INSTANTIATE_TEST_SUITE_P(Differentiable, RoundTripTest,
                         ::testing::ValuesIn(testing::DifferentiableCases()),
                         [](const auto& info) { return info.param.name; });

TEST(ProgramTest, PrintsInJaxprStyle) {
  // As JAX prints make_jaxpr(lambda x: jnp.sum(jnp.sin(x) * x))(jnp.ones(3)).
  const auto f = [](const Tensor& x) { return sum(sin(x) * x); };
  EXPECT_EQ(make_jaxpr(f)(ones({3})),
            "{ lambda ; a:f32[3]. let\n"
            "    b:f32[3] = sin a\n"
            "    c:f32[3] = mul b a\n"
            "    d:f32[] = reduce_sum[axes=(0,)] c\n"
            "  in (d,) }");
  // A scalar constant is a literal; several outputs print as a tuple.
  const auto g = [](const Tensor& x) {
    Tensor twice = x * 2.0;
    return std::make_pair(twice, exp(x));
  };
  EXPECT_EQ(make_jaxpr(g)(scalar(1.0)),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = mul a 2.0:f32[]\n"
            "    c:f32[] = exp a\n"
            "  in (b, c) }");
}

// The worked example of docs/interpreters.md: the linear program grad transposes.
TEST(ProgramTest, LinearProgramOfGradIsAsDocumented) {
  const FlatFn f = [](const std::vector<Tensor>& x) { return std::vector<Tensor>{sin(x[0]) * x[0]}; };
  const Linearized lin = LinearizeFlat("test", f, {scalar(0.5)}, {true}, /*reverse=*/true);
  EXPECT_EQ(lin.linear,
            "{ lambda a:f32[] b:f32[] c:f32[]; d:f32[]. let\n"
            "    e:f32[] = mul d a\n"
            "    f:f32[] = mul e b\n"
            "    g:f32[] = mul d c\n"
            "    h:f32[] = add f g\n"
            "  in (h,) }");
  EXPECT_NEAR(lin.linear.consts[0].item<float>(), std::cos(0.5f), 1e-7);
  EXPECT_NEAR(lin.Transpose({scalar(1.0)})[0].item<float>(),
              std::cos(0.5f) * 0.5f + std::sin(0.5f), 1e-6);
}

TEST(ProgramTest, ConstantArraysAreHoisted) {
  const Tensor w = tensor({1, 2, 3}, {3});
  const auto f = [&](const Tensor& x) { return x * w; };
  const ClosedProgram p = make_jaxpr(f)(ones({3}));
  EXPECT_EQ(p, "{ lambda a:f32[3]; b:f32[3]. let\n    c:f32[3] = mul b a\n  in (c,) }");
  ASSERT_EQ(p.consts.size(), 1u);
  EXPECT_EQ(p.consts[0].node(), w.node());
}

// Program::Hash of sum(tanh(x) * 3.0) on f32[4]; changes only if the hash function does (it
// hashes primitives by name, so rows added to core/primitives.def do not change it; it did
// when it hashed their enum values).
constexpr uint64_t kSumTanhTimes3Hash = 15528042608207970582ULL;

TEST(ProgramTest, StructuralEqualityAndHash) {
  const auto f = [](const Tensor& x) { return sum(tanh(x) * 3.0); };
  const ClosedProgram a = make_jaxpr(f)(ones({4}));
  const ClosedProgram b = make_jaxpr(f)(ones({4}));
  EXPECT_NE(a.program, b.program);  // traced twice
  EXPECT_EQ(*a.program, *b.program);
  EXPECT_EQ(a.program->Hash(), b.program->Hash());
  const ClosedProgram c = make_jaxpr(f)(ones({5}));
  EXPECT_FALSE(*a.program == *c.program);
  EXPECT_NE(a.program->Hash(), c.program->Hash());
  const ClosedProgram d = make_jaxpr([](const Tensor& x) { return sum(tanh(x) * 4.0); })(ones({4}));
  EXPECT_FALSE(*a.program == *d.program);  // literals are part of the structure
  EXPECT_NE(a.program->Hash(), d.program->Hash());
  // Stable across runs and machines (a key for on-disk caches): a fixed value.
  EXPECT_EQ(a.program->Hash(), kSumTanhTimes3Hash) << a.program->Hash();
}

// A NaN literal equals itself (jit's complex lowering keys a hash map by literals: NaN != NaN
// failed absl's lookup assertion there), and -0 differs from +0, as the stable hash has it; so
// do params' doubles (a NaN padding value).
TEST(ProgramTest, LiteralsCompareByTheirBits) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Atom::Literal(nan, f32), Atom::Literal(nan, f32));
  EXPECT_EQ(absl::HashOf(Atom::Literal(nan, f32)), absl::HashOf(Atom::Literal(nan, f32)));
  EXPECT_FALSE(Atom::Literal(-0.0, f32) == Atom::Literal(0.0, f32));
  const auto times = [](double c) {
    return make_jaxpr([c](const Tensor& x) { return x * c; })(ones({2}));
  };
  EXPECT_EQ(*times(nan).program, *times(nan).program);
  EXPECT_FALSE(*times(-0.0).program == *times(0.0).program);
  EXPECT_NE(times(-0.0).program->Hash(), times(0.0).program->Hash());
  // Params' doubles too: a NaN padding value.
  const auto padded = [&] {
    return make_jaxpr([&](const Tensor& x) { return lax::pad(x, nan, {1}, {1}); })(ones({2}));
  };
  EXPECT_EQ(*padded().program, *padded().program);
}

TEST(ProgramTest, VerifierRejectsIllTypedPrograms) {
  const ClosedProgram p = make_jaxpr([](const Tensor& x) { return sin(x); })(ones({3}));
  Program bad = *p.program;
  bad.avals[bad.eqns[0].outputs[0]] = ShapedArray{{4}, f32};
  EXPECT_THAT(ErrorOf([&] { VerifyProgram(bad, "test"); }),
              HasSubstr("test: ill-typed program: output 0 declared f32[4] but computed f32[3] "
                        "in equation sin"));
  Program unbound = *p.program;
  unbound.eqns[0].inputs[0] = Atom::Var(7);
  EXPECT_THAT(ErrorOf([&] { VerifyProgram(unbound, "test"); }),
              HasSubstr("variable id 7 read before it is defined"));
  Program wrong_op = *p.program;
  wrong_op.eqns[0].prim = Primitive::kNot;
  EXPECT_THAT(ErrorOf([&] { VerifyProgram(wrong_op, "test"); }),
              HasSubstr("not: expected a bool or integer operand, got f32[3]"));
}

TEST(ProgramTest, EvalRejectsArgumentsOfTheWrongType) {
  const ClosedProgram p = make_jaxpr([](const Tensor& x) { return sin(x); })(ones({3}));
  EXPECT_EQ(ErrorOf([&] { p({ones({4})}); }),
            "closed program: argument 0 has type f32[4] but the program takes f32[3]");
}

TEST(ProgramTest, ClosedCallChecksItsOperandsAgainstTheProgram) {
  const ClosedProgram p = make_jaxpr([](const Tensor& x) { return sin(x); })(ones({3}));
  EXPECT_EQ(ErrorOf([&] { CallProgram(p, {ones({2})}); }),
            "closed_call: operand 0 has type f32[2] but the program takes f32[3]");
}

TEST(EvalShapeTest, TypesWithoutComputing) {
  // 2^20 x 2^20 f32 would be 4 TiB: only its type is computed, from an abstract argument (no
  // buffer either).
  const auto f = [](const Tensor& x) { return matmul(x, transpose(x)); };
  const Tensor big = AbstractValue({{1 << 20, 1 << 20}, f32});
  const Tensor out = eval_shape(f)(big);
  EXPECT_EQ(out.aval().ToString(), "f32[1048576,1048576]");
  // An error f raises is raised the same.
  EXPECT_EQ(ErrorOf([&] { eval_shape([](const Tensor& x) { return x + ones({4}); })(ones({3})); }),
            ErrorOf([&] { ones({3}) + ones({4}); }));
}

// Struct of outputs for the pytree test.
struct Stats {
  Tensor mean;
  std::vector<Tensor> moments;
};
auto tree_fields(Stats& s) { return std::tie(s.mean, s.moments); }

TEST(EvalShapeTest, KeepsTheOutputStructure) {
  // As jax.eval_shape: the result has f's output structure with shape-and-dtype leaves.
  const auto f = [](const std::pair<Tensor, Tensor>& xy) {
    const auto& [x, y] = xy;
    return std::map<std::string, Stats>{
        {"a", Stats{mean(x), {x * 2.0, sum(y, {0})}}},
        {"b", Stats{astype(x, i32), {}}}};
  };
  const auto out = eval_shape(f)(std::pair{ones({3, 2}, f64), AbstractValue({{4, 5}, f32})});
  static_assert(std::is_same_v<decltype(out), const std::map<std::string, Stats>>);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.at("a").mean.aval().ToString(), "f64[]");
  ASSERT_EQ(out.at("a").moments.size(), 2u);
  EXPECT_EQ(out.at("a").moments[0].aval().ToString(), "f64[3,2]");
  EXPECT_EQ(out.at("a").moments[1].aval().ToString(), "f32[5]");
  EXPECT_EQ(out.at("b").mean.aval().ToString(), "i32[3,2]");
  EXPECT_TRUE(out.at("b").moments.empty());
}

TEST(EvalShapeTest, AbstractValuesHaveNoValue) {
  const Tensor a = eval_shape([](const Tensor& x) { return sin(x); })(ones({2}));
  EXPECT_EQ(a.shape(), (Shape{2}));
  EXPECT_EQ(a.dtype(), f32);
  std::ostringstream printed;
  printed << a;
  EXPECT_EQ(printed.str(), "Abstract<f32[2]>");
  EXPECT_EQ(ErrorOf([&] { a.item<float>(); }),
            "item: f32[2] is an abstract value (a shape and dtype from eval_shape) and has no "
            "elements");
  EXPECT_EQ(ErrorOf([&] { a.array(); }),
            "cannot read the value of f32[2]: it is an abstract value (a shape and dtype from "
            "eval_shape), which has none");
  EXPECT_EQ(ErrorOf([&] { sin(a); }),
            "sin: operand f32[2] is an abstract value (a shape and dtype from eval_shape), not "
            "an array");
  // Under a transformation too: it is an operand of no interpreter.
  EXPECT_EQ(ErrorOf([&] { grad([&](const Tensor& x) { return sum(x * a); })(ones({2})); }),
            "mul: operand f32[2] is an abstract value (a shape and dtype from eval_shape), not "
            "an array");
  // make_jaxpr needs only the types of its arguments as well.
  EXPECT_EQ(make_jaxpr([](const Tensor& x) { return sin(x); })(a).ToString(),
            "{ lambda ; a:f32[2]. let\n    b:f32[2] = sin a\n  in (b,) }");
}

// f(x) = sum(sin(x) * x^2) with the inner part a named call.
Tensor CalledLoss(const Tensor& x) {
  const auto inner = named_call([](const Tensor& x) { return sin(x) * x * x; }, "inner");
  return sum(inner(x));
}
Tensor PlainLoss(const Tensor& x) { return sum(sin(x) * x * x); }

TEST(ClosedCallTest, GradientsToSecondOrderAgainstOracles) {
  const Tensor x = Random({5}, 1);
  const Tensor v = Random({5}, 2);
  // First order: equal to the plain function and to central differences.
  const Tensor g = grad(CalledLoss)(x);
  EXPECT_TRUE(AllClose(g, grad(PlainLoss)(x), 1e-13, 1e-13));
  const Tensor fd = testing::CentralDifference([](const Tensor& x) { return CalledLoss(x); }, x, v);
  EXPECT_NEAR(testing::Inner(g, v), fd.item<double>(), 1e-8);
  // Second order, all four Hessian compositions and hvp by forward-over-reverse.
  const Tensor h = hessian(PlainLoss)(x);
  EXPECT_TRUE(AllClose(jacfwd(jacrev(CalledLoss))(x), h, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jacrev(jacrev(CalledLoss))(x), h, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jacfwd(jacfwd(CalledLoss))(x), h, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jacrev(jacfwd(CalledLoss))(x), h, 1e-12, 1e-12));
  const Tensor hv = jvp(grad(CalledLoss), {x}, {v}).second;
  const Tensor hv_fd = testing::CentralDifference(grad(PlainLoss), x, v);
  EXPECT_TRUE(AllClose(hv, hv_fd, 1e-6, 1e-7));
}

TEST(ClosedCallTest, VjpInnerProductIdentity) {
  // <J v, w> = <v, J^T w> for a call with two inputs and two outputs.
  const auto f = named_call(
      [](const Tensor& a, const Tensor& b) {
        return std::make_tuple(matmul(a, b), tanh(a) * 2.0);
      },
      "two_by_two");
  const Tensor a = Random({3, 4}, 1), b = Random({4, 2}, 2);
  const Tensor va = Random({3, 4}, 3), vb = Random({4, 2}, 4);
  const auto [y, y_dot] = jvp(f, std::make_tuple(a, b), std::make_tuple(va, vb));
  const Tensor w0 = Random({3, 2}, 5), w1 = Random({3, 4}, 6);
  const auto [out, pullback] = vjp(f, a, b);
  const std::vector<Tensor> cts = pullback(std::make_tuple(w0, w1));
  const double lhs = testing::Inner(std::get<0>(y_dot), w0) + testing::Inner(std::get<1>(y_dot), w1);
  const double rhs = testing::Inner(va, cts[0]) + testing::Inner(vb, cts[1]);
  EXPECT_NEAR(lhs, rhs, 1e-12 * std::max(1.0, std::fabs(lhs)));
}

TEST(ClosedCallTest, VmapOfGradOfACall) {
  const Tensor xs = Random({4, 5}, 3);
  const Tensor expected = vmap(grad(PlainLoss))(xs);
  EXPECT_TRUE(AllClose(vmap(grad(CalledLoss))(xs), expected, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(grad([](const Tensor& xs) { return sum(vmap(CalledLoss)(xs)); })(xs),
                       expected, 1e-12, 1e-12));
}

TEST(ClosedCallTest, PrintsNested) {
  const auto f = named_call([](const Tensor& x) { return sin(x); }, "f");
  EXPECT_EQ(make_jaxpr(f)(scalar(1.0)),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = closed_call[\n"
            "      name=f\n"
            "      call_jaxpr={ lambda ; c:f32[]. let\n"
            "          d:f32[] = sin c\n"
            "        in (d,) }\n"
            "    ] a\n"
            "  in (b,) }");
  // grad of a call: the forward part and the transposed linear part are calls too.
  const std::string g = make_jaxpr(grad([&](const Tensor& x) { return f(x); }))(scalar(1.0)).ToString();
  EXPECT_THAT(g, HasSubstr("name=jvp(f)"));
  EXPECT_THAT(g, HasSubstr("name=transpose(jvp(f))"));
  EXPECT_THAT(g, HasSubstr("cos"));
  // vmap of a call: the batched program.
  const std::string b = make_jaxpr(vmap(f))(ones({3})).ToString();
  EXPECT_THAT(b, HasSubstr("name=vmap(f)"));
  EXPECT_THAT(b, HasSubstr("d:f32[3] = sin c"));
}

// log(1 + exp(x)) with a stable derivative rule, as in JAX's custom_jvp documentation.
auto Log1pexp() {
  return custom_jvp(
      [](const Tensor& x) { return log1p(exp(x)); },
      [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
        return std::make_pair(log1p(exp(p[0])), t[0] * (1.0 - 1.0 / (1.0 + exp(p[0]))));
      },
      "log1pexp");
}

TEST(CustomCallTest, StagedCustomJvpPrintsItsProgramAndRule) {
  EXPECT_EQ(make_jaxpr(Log1pexp())(scalar(3.0)),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = custom_jvp_call[\n"
            "      name=log1pexp\n"
            "      call_jaxpr={ lambda ; c:f32[]. let\n"
            "          d:f32[] = exp c\n"
            "          e:f32[] = log1p d\n"
            "        in (e,) }\n"
            "      jvp=log1pexp.jvp\n"
            "      num_consts=0\n"
            "    ] a\n"
            "  in (b,) }");
}

// A staged program keeps the custom rule: grad through it at 100 is 1, where differentiating
// log1p(exp(x)) itself gives inf / inf = nan in f32.
TEST(CustomCallTest, TransformationsOfAStagedProgramUseTheCustomRule) {
  const ClosedProgram p = make_jaxpr(Log1pexp())(scalar(3.0));
  const auto staged = [&](const Tensor& x) { return p({x})[0]; };
  EXPECT_EQ(grad(staged)(scalar(100.0)).item<float>(), 1.0f);
  EXPECT_TRUE(std::isnan(grad([](const Tensor& x) { return log1p(exp(x)); })(scalar(100.0)).item<float>()));
  const Tensor xs = tensor({-2, 0, 3, 100}, {4});
  const ClosedProgram pv = make_jaxpr(Log1pexp())(xs);
  const auto staged_v = [&](const Tensor& x) { return pv({x})[0]; };
  EXPECT_TRUE(AllClose(jacfwd(staged_v)(xs), jacfwd(Log1pexp())(xs), 1e-6, 1e-7));
  EXPECT_TRUE(AllClose(vmap(grad(staged))(xs), vmap(grad(Log1pexp()))(xs), 1e-6, 1e-7));
  EXPECT_EQ(vmap(grad(staged))(xs).to_vector<float>()[3], 1.0f);
}

TEST(CustomCallTest, StagedCustomVjpUsesBwdAndRejectsForwardMode) {
  // Gradient clipping: the identity whose cotangent is clipped to [-1, 1].
  const auto clip = custom_vjp(
      [](const Tensor& x) { return x; },
      [](const Tensor& x) { return std::make_pair(x, std::vector<Tensor>{}); },
      [](const std::vector<Tensor>&, const Tensor& ct) {
        return std::vector<Tensor>{minimum(maximum(ct, -1.0), 1.0)};
      },
      "clip_gradient");
  const ClosedProgram p = make_jaxpr([&](const Tensor& x) { return clip(x) * 3.0; })(scalar(1.0));
  EXPECT_THAT(p.ToString(), HasSubstr("custom_vjp_call[\n      name=clip_gradient"));
  EXPECT_THAT(p.ToString(), HasSubstr("fwd=clip_gradient.fwd bwd=clip_gradient.bwd"));
  const auto staged = [&](const Tensor& x) { return p({x})[0]; };
  EXPECT_EQ(grad(staged)(scalar(2.0)).item<float>(), 1.0f);  // 3 clipped to 1
  EXPECT_EQ(vmap(grad(staged))(tensor({1, 2}, {2})).to_vector<float>(),
            (std::vector<float>{1.0f, 1.0f}));
  EXPECT_THAT(ErrorOf([&] { jvp(staged, {scalar(2.0)}, {scalar(1.0)}); }),
              HasSubstr("cannot differentiate custom_vjp function clip_gradient in forward mode"));
}

// A custom function that closes over a value the trace stages cannot keep its rule (the rule
// could not see that value): it is traced through, as before.
TEST(CustomCallTest, ClosingOverAStagedValueTracesThrough) {
  const auto f = [](const Tensor& x) {
    const auto scaled = custom_jvp(
        [x](const Tensor& y) { return y * x; },
        [x](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
          return std::make_pair(p[0] * x, t[0] * x);
        });
    return scaled(sin(x));
  };
  EXPECT_EQ(make_jaxpr(f)(scalar(1.0)),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = sin a\n"
            "    c:f32[] = mul b a\n"
            "  in (c,) }");
}

}  // namespace
}  // namespace cotangent
