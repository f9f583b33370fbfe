// File: tests/interpreters/jit_test.cc
// jit against eager, the oracle: every primitive case forward, under grad of jit and jit of
// grad, vmap of jit and jit of vmap, and Hessians both ways; the signature cache and its
// counters; static and donated arguments; JAX's ConcretizationTypeError and escaped tracers;
// printed programs and plans; fused groups against unfused evaluation on every layout a group
// reads (multi-block, broadcast, transposed, multi-output, every dtype); threads.

#include <functional>
#include <sstream>
#include <thread>
#include <vector>

#include "core/executable.h"
#include "gmock/gmock.h"
#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::AllClose;
using testing::ErrorOf;
using testing::PrimitiveCase;
using testing::Random;

std::vector<Tensor> Inputs(const PrimitiveCase& c) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    xs.push_back(Random(c.shapes[i], 31 + i, c.lo, c.hi));
  }
  return xs;
}

// Fused groups of one element evaluate transcendentals with libm where the eager kernels use
// SIMD polynomials (backends/cpu/simd.h SimdMath: at most a few ulp apart); everything else is
// bit for bit.
constexpr double kUlps = 1e-14;

class JitPrimitiveTest : public ::testing::TestWithParam<PrimitiveCase> {};

TEST_P(JitPrimitiveTest, ForwardMatchesEager) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c);
  const auto jf = jit(c.f);
  EXPECT_TRUE(AllClose(jf(xs), c.f(xs), kUlps, 0));
  EXPECT_EQ(jf.trace_count(), 1);
}

// A scalar function of the first input, the others closed over.
std::function<Tensor(const Tensor&)> ScalarOf(const PrimitiveCase& c,
                                              const std::vector<Tensor>& xs) {
  const Tensor w = Random(c.f(xs).shape(), 5);
  return [c, xs, w](const Tensor& x) {
    std::vector<Tensor> args = xs;
    args[0] = x;
    return sum(c.f(args) * w);
  };
}

TEST_P(JitPrimitiveTest, GradOfJitAndJitOfGradMatchEager) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c);
  const auto g = ScalarOf(c, xs);
  const Tensor expected = grad(g)(xs[0]);
  EXPECT_TRUE(AllClose(jit(grad(g))(xs[0]), expected, kUlps, 1e-15));
  EXPECT_TRUE(AllClose(grad(jit(g))(xs[0]), expected, kUlps, 1e-15));
  const auto [y, y_dot] = jvp(jit(g), {xs[0]}, {Random(xs[0].shape(), 8)});
  const auto [y0, y0_dot] = jvp(g, {xs[0]}, {Random(xs[0].shape(), 8)});
  EXPECT_TRUE(AllClose(y, y0, kUlps, 1e-15));
  EXPECT_TRUE(AllClose(y_dot, y0_dot, kUlps, 1e-15));
}

TEST_P(JitPrimitiveTest, VmapOfJitAndJitOfVmapMatchEager) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c);
  const auto g = ScalarOf(c, xs);
  Shape batched = xs[0].shape();
  batched.insert(batched.begin(), 3);
  const Tensor xb = Random(batched, 9, c.lo, c.hi);
  const Tensor expected = vmap(g)(xb);
  EXPECT_TRUE(AllClose(vmap(jit(g))(xb), expected, kUlps, 1e-15));
  EXPECT_TRUE(AllClose(jit(vmap(g))(xb), expected, kUlps, 1e-15));
}

TEST_P(JitPrimitiveTest, HessiansOfJitAndJitOfHessiansMatchEager) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c);
  const auto g = ScalarOf(c, xs);
  const Tensor expected = jacfwd(jacrev(g))(xs[0]);
  EXPECT_TRUE(AllClose(jit(jacfwd(jacrev(g)))(xs[0]), expected, 1e-13, 1e-14));
  EXPECT_TRUE(AllClose(jit(jacrev(jacrev(g)))(xs[0]), expected, 1e-12, 1e-13));
  EXPECT_TRUE(AllClose(hessian(jit(g))(xs[0]), expected, 1e-13, 1e-14));
  EXPECT_TRUE(AllClose(jit(hessian(jit(g)))(xs[0]), expected, 1e-13, 1e-14));
}

INSTANTIATE_TEST_SUITE_P(Differentiable, JitPrimitiveTest,
                         ::testing::ValuesIn(testing::DifferentiableCases()),
                         [](const auto& info) { return info.param.name; });

class JitNonDifferentiableTest : public ::testing::TestWithParam<PrimitiveCase> {};

TEST_P(JitNonDifferentiableTest, ForwardAndVmapMatchEager) {
  const PrimitiveCase& c = GetParam();
  const std::vector<Tensor> xs = Inputs(c);
  EXPECT_TRUE(AllClose(jit(c.f)(xs), c.f(xs), 0, 0));
  const auto first = [&](const Tensor& x) {
    std::vector<Tensor> args = xs;
    args[0] = x;
    return c.f(args);
  };
  const Tensor xb = stack({xs[0], xs[0] * 0.5, -xs[0]});
  EXPECT_TRUE(AllClose(jit(vmap(first))(xb), vmap(first)(xb), 0, 0));
}

INSTANTIATE_TEST_SUITE_P(NonDifferentiable, JitNonDifferentiableTest,
                         ::testing::ValuesIn(testing::NonDifferentiableCases()),
                         [](const auto& info) { return info.param.name; });

// ---- The cache ----

TEST(JitTest, TracesOncePerSignatureAndAgainForANewOne) {
  const auto f = [](const Tensor& x) { return sin(x) * 2.0; };
  const auto jf = jit(f);
  const Tensor a = Random({3}, 1), b = Random({3}, 2);
  jf(a);
  jf(b);
  jf(a);
  EXPECT_EQ(jf.trace_count(), 1);
  EXPECT_EQ(jf.compile_count(), 1);
  jf(Random({4}, 3));  // new shape
  EXPECT_EQ(jf.trace_count(), 2);
  jf(astype(a, f32));  // new dtype
  EXPECT_EQ(jf.trace_count(), 3);
  jf(b);
  EXPECT_EQ(jf.trace_count(), 3);
  EXPECT_EQ(jf.cache_size(), 3);
  const auto copy = jf;  // copies share the cache
  copy(a);
  EXPECT_EQ(copy.trace_count(), 3);
}

TEST(JitTest, TransformationsOfJitTraceAndCompileTheirProgramsOnce) {
  // grad, vmap and jvp of a jitted function derive programs from its program (JAX caches
  // them per jaxpr); later calls with the same signature trace and compile nothing.
  const auto f = [](const Tensor& x, const Tensor& y) { return sum(tanh(x) * y); };
  const auto jf = jit(f);
  const auto g = grad(jf);
  const auto v = vmap(jf);
  const Tensor x = Random({5}, 1), y = Random({5}, 2), xb = Random({3, 5}, 3);
  const auto run = [&](const Tensor& a) {
    EXPECT_TRUE(AllClose(g(a, y), grad(f)(a, y), 1e-15, 1e-15));
    EXPECT_TRUE(AllClose(v(xb, stack({y, y, a})), vmap(f)(xb, stack({y, y, a})), 1e-15, 1e-15));
    const auto [out, tangent] = jvp([&](const Tensor& a) { return jf(a, y); }, {a}, {y});
    EXPECT_TRUE(AllClose(tangent, sum((1.0 - tanh(a) * tanh(a)) * y * y), 1e-14, 1e-14));
  };
  run(x);
  const JitCounters& counters = GlobalJitCounters();
  const int64_t traces = counters.traces, compiles = counters.compiles;
  const int64_t derivations = counters.derivations;
  EXPECT_GE(derivations, 4);  // jvp, partial evaluation, transpose, vmap at least
  run(x);
  run(Random({5}, 4));
  EXPECT_EQ(counters.traces, traces);
  EXPECT_EQ(counters.compiles, compiles);
  EXPECT_EQ(counters.derivations, derivations);
  EXPECT_EQ(jf.trace_count(), 1);
}

// Regression: a traced function returning a default-constructed Tensor read past the end of a
// list of types (an assertion in debug builds, garbage otherwise); it is an Error now.
TEST(JitTest, UndefinedOutputIsAnError) {
  const auto f = [](const Tensor& x) { return std::pair<Tensor, Tensor>(x, Tensor()); };
  EXPECT_THAT(ErrorOf([&] { jit(f)(Random({2}, 1)); }),
              HasSubstr("jit: output 1 of the traced function is an undefined Tensor"));
  EXPECT_THAT(ErrorOf([&] { make_jaxpr(f)(Random({2}, 1)); }),
              HasSubstr("output 1 of the traced function is an undefined Tensor"));
}

TEST(JitTest, PytreeStructureIsPartOfTheKey) {
  const auto f = [](const std::vector<Tensor>& xs) {
    Tensor s = zeros({}, f64);
    for (const Tensor& x : xs) s = s + sum(x);
    return s;
  };
  const auto jf = jit(f);
  const Tensor a = Random({2}, 1);
  EXPECT_TRUE(AllClose(jf(std::vector<Tensor>{a}), f({a}), 0, 0));
  EXPECT_TRUE(AllClose(jf(std::vector<Tensor>{a, a}), f({a, a}), 0, 0));
  EXPECT_EQ(jf.trace_count(), 2);
}

TEST(JitTest, PytreeArgumentsAndResults) {
  const auto f = [](const std::map<std::string, Tensor>& p, const std::pair<Tensor, Tensor>& xy) {
    return std::make_pair(p.at("w") * xy.first, std::vector<Tensor>{p.at("b") + xy.second});
  };
  const std::map<std::string, Tensor> p{{"w", Random({3}, 1)}, {"b", Random({3}, 2)}};
  const std::pair<Tensor, Tensor> xy{Random({3}, 3), Random({3}, 4)};
  const auto [a, bs] = jit(f)(p, xy);
  const auto [ea, ebs] = f(p, xy);
  EXPECT_TRUE(AllClose(a, ea, 0, 0));
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_TRUE(AllClose(bs[0], ebs[0], 0, 0));
}

TEST(JitTest, StaticArgumentsAreValuesAndPartOfTheKey) {
  const auto f = [](const Tensor& x, int n) {
    Tensor y = x;
    for (int i = 0; i < n; ++i) y = sin(y);  // C++ control flow on a static value
    return y;
  };
  const auto jf = jit(f, static_argnums({1}));
  const Tensor x = Random({4}, 1);
  EXPECT_TRUE(AllClose(jf(x, 3), f(x, 3), kUlps, 0));
  EXPECT_TRUE(AllClose(jf(x, 5), f(x, 5), kUlps, 0));
  jf(x, 3);
  EXPECT_EQ(jf.trace_count(), 2);
  EXPECT_THAT(make_jaxpr([&](const Tensor& y) { return jf(y, 2); })(x).ToString(),
              HasSubstr("sin"));
}

TEST(JitTest, NonTensorArgumentMustBeStatic) {
  const auto jf = jit([](const Tensor& x, int n) { return x * static_cast<double>(n); });
  EXPECT_THAT(ErrorOf([&] { jf(Random({2}, 1), 3); }),
              HasSubstr("argument 1 is not a container of tensors; list it in static_argnums"));
  EXPECT_THAT(ErrorOf([&] { jit([](const Tensor& x) { return x; }, static_argnums({3}))(
                                Random({2}, 1)); }),
              HasSubstr("static_argnums 3 out of range"));
}

// ---- Abstract values inside jit (JAX's ConcretizationTypeError) ----

TEST(JitTest, ReadingATracedValueNamesJit) {
  const auto f = [](const Tensor& x) {
    if (x.item<double>() > 0) return x;  // C++ control flow on a traced value
    return -x;
  };
  const std::string e = ErrorOf([&] { jit(f)(scalar(1.0, f64)); });
  EXPECT_THAT(e, HasSubstr("item: cannot read the value of f64[] traced by jit"));
  EXPECT_THAT(e, HasSubstr("static_argnums"));
  EXPECT_THAT(ErrorOf([&] { jit([](const Tensor& x) { x.to_vector<float>(); return x; })(
                                Random({2}, 1)); }),
              HasSubstr("to_vector: cannot read the value of f64[2] traced by jit"));
}

TEST(JitTest, TracersPrintWithTheirTransformation) {
  std::string printed;
  jit([&](const Tensor& x) {
    std::ostringstream os;
    os << x;
    printed = os.str();
    return x;
  })(Random({3}, 1));
  EXPECT_EQ(printed, "Traced<f64[3]>with<jit>");
}

TEST(JitTest, EscapedTracerIsDetectedWhenUsed) {
  Tensor leaked;
  jit([&](const Tensor& x) {
    leaked = x * 2.0;
    return x;
  })(Random({3}, 1));
  EXPECT_THAT(ErrorOf([&] { sin(leaked); }), HasSubstr("escaped"));
  EXPECT_THAT(ErrorOf([&] { leaked.item<double>(); }), HasSubstr("escaped"));
}

// ---- Programs and plans ----

TEST(JitTest, MakeJaxprShowsAPjitEquation) {
  const auto jf = jit([](const Tensor& x, const Tensor& y) { return sum(tanh(x) * y); },
                      jit_name("f"));
  const Tensor x = Random({3}, 1), y = Random({3}, 2);
  EXPECT_EQ(make_jaxpr(jf)(x, y).ToString(),
            "{ lambda ; a:f64[3] b:f64[3]. let\n"
            "    c:f64[] = pjit[\n"
            "      name=f\n"
            "      jaxpr={ lambda ; d:f64[3] e:f64[3]. let\n"
            "          f:f64[3] = tanh d\n"
            "          g:f64[3] = mul f e\n"
            "          h:f64[] = reduce_sum[axes=(0,)] g\n"
            "        in (h,) }\n"
            "    ] a b\n"
            "  in (c,) }");
}

TEST(JitTest, JitOfJitIsInlinedInThePlan) {
  const auto inner = jit([](const Tensor& x) { return sin(x) + 1.0; });
  const auto outer = jit([&](const Tensor& x) { return inner(x) * inner(x * 2.0); });
  const Tensor x = Random({5}, 1);
  EXPECT_TRUE(AllClose(outer(x), (sin(x) + 1.0) * (sin(x * 2.0) + 1.0), kUlps, 0));
  const Lowered lowered = outer.lower(x);
  EXPECT_THAT(lowered.program.ToString(), HasSubstr("pjit"));
  EXPECT_EQ(PrintProgram(lowered.compiled->program()).find("pjit"), std::string::npos);
}

TEST(JitTest, LowerPrintsTheProgramAndThePlan) {
  const auto jf = jit([](const Tensor& x) { return sum(exp(x) * 2.0 + x); });
  const Lowered lowered = jf.lower(Random({100}, 1));
  const std::string text = lowered.ToString();
  EXPECT_THAT(text, HasSubstr("reduce_sum"));
  EXPECT_THAT(text, HasSubstr("peak bytes"));
  EXPECT_THAT(text, HasSubstr("fused[3 ops, [100]]"));
  EXPECT_THAT(text, HasSubstr("constants folded: 1"));  // 2.0 broadcast to [100]
  EXPECT_EQ(lowered.compiled->num_fused_groups(), 1);
  EXPECT_EQ(lowered.compiled->num_kernels(), 2);
  // The fused group's output (800 bytes) and the sum (8) live at once at most, beside the
  // folded constant (a view of one 8-byte element).
  EXPECT_EQ(lowered.compiled->peak_bytes(), 808 + 8);
}

TEST(JitTest, ConstantSubexpressionsAreFoldedOnceAtCompileTime) {
  // jacfwd's basis (an identity built by pad) depends on no argument: the plan computes it
  // when compiled and runs only what depends on x.
  const auto f = [](const Tensor& x) { return sum(square(tanh(x))); };
  const auto h = jit(jacfwd(grad(f)));
  const Tensor x = Random({6}, 1);
  const Lowered lowered = h.lower(x);
  EXPECT_THAT(PrintProgram(lowered.compiled->program()), Not(HasSubstr("pad")));
  EXPECT_THAT(lowered.compiled->ToString(), Not(HasSubstr("constants folded: 0")));
  EXPECT_TRUE(AllClose(h(x), jacfwd(grad(f))(x), 1e-15, 1e-15));
  EXPECT_TRUE(AllClose(h(x * 2.0), jacfwd(grad(f))(x * 2.0), 1e-15, 1e-15));
  // A function of no argument at all is one folded constant.
  const auto c = jit([] { return exp(ones({3})) * 2.0; });
  EXPECT_TRUE(AllClose(c(), exp(ones({3})) * 2.0, 0, 0));
}

// ---- Fused groups against unfused evaluation ----

TEST(JitTest, FusedGroupsMatchEagerOnEveryLayout) {
  // 37 x 1000 elements: many blocks, split over threads; operands dense, a broadcast row, a
  // broadcast scalar, a transposed matrix (gathered per block) and literals; a multi-output
  // group (a and b are both read outside it); comparisons, select, converts and i32 math.
  const auto f = [](const Tensor& x, const Tensor& row, const Tensor& s, const Tensor& t) {
    const Tensor a = x * 3.0 + broadcast_to(row, x.shape()) - broadcast_to(s, x.shape());
    const Tensor b = where(a > 0.5, a * a, transpose(t) - 1.0);
    const Tensor k = astype(astype(b * 7.0, i32) * 3 + 1, f64);
    return std::make_tuple(sum(a, {1}), b, k, maximum(b, k) / (abs(a) + 1.0));
  };
  // Long rows (1000) are read in place, row by row; short ones (5) are gathered per block.
  for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{37, 1000}, {3000, 5}}) {
    const Tensor x = Random({rows, cols}, 1), row = Random({cols}, 2), s = Random({}, 3);
    const Tensor t = Random({cols, rows}, 4);
    const auto [a1, b1, k1, m1] = jit(f)(x, row, s, t);
    const auto [a0, b0, k0, m0] = f(x, row, s, t);
    EXPECT_TRUE(AllClose(a1, a0, 0, 0)) << cols;
    EXPECT_TRUE(AllClose(b1, b0, 0, 0)) << cols;
    EXPECT_TRUE(AllClose(k1, k0, 0, 0)) << cols;
    EXPECT_TRUE(AllClose(m1, m0, 0, 0)) << cols;
  }
}

TEST(JitTest, BroadcastSubexpressionsOfAFusedGroupMatchEager) {
  // Ops whose operands are all broadcast scalars (stride 0) compute one element per block on
  // the CPU; one such value is also an output, which must still be written in full.
  const auto f = [](const Tensor& x, const Tensor& s) {
    const Tensor c = broadcast_to(s, x.shape());
    const Tensor k = exp(c * 2.0) + 1.0;
    const Tensor u = astype(astype(c, f16), f32);
    return std::make_tuple(k, x * k - u, tanh(k) * x);
  };
  for (const Shape& shape : {Shape{}, Shape{7}, Shape{3, 700}}) {
    const Tensor x = Random(shape, 1), s = Random({}, 2);
    const auto [k1, y1, z1] = jit(f)(x, s);
    const auto [k0, y0, z0] = f(x, s);
    EXPECT_TRUE(AllClose(k1, k0, 0, 0)) << ShapeToString(shape);
    EXPECT_TRUE(AllClose(y1, y0, 0, 0)) << ShapeToString(shape);
    EXPECT_TRUE(AllClose(z1, z0, 0, 0)) << ShapeToString(shape);
  }
}

TEST(JitTest, TranscendentalChainsMatchEager) {
  const auto f = [](const Tensor& x) { return tanh(exp(sin(x) * 0.5) - log1p(x * x)); };
  for (const Shape& shape : {Shape{}, Shape{7}, Shape{3, 700}}) {
    const Tensor x = Random(shape, 5);
    EXPECT_TRUE(AllClose(jit(f)(x), f(x), kUlps, 1e-300)) << ShapeToString(shape);
    const Tensor x32 = astype(x, f32);
    EXPECT_TRUE(AllClose(jit(f)(x32), f(x32), 1e-6, 1e-30)) << ShapeToString(shape);
  }
}

TEST(JitTest, OutputsMayBeInputsLiteralsAndEmptyArrays) {
  const auto f = [](const Tensor& x, const Tensor& e) {
    return std::make_tuple(x, full({}, 2.0, f64), e * 2.0, sum(e));
  };
  const Tensor x = Random({2}, 1), e = zeros({0, 3}, f64);
  const auto [a, two, e2, s] = jit(f)(x, e);
  EXPECT_TRUE(AllClose(a, x, 0, 0));
  EXPECT_EQ(two.item<double>(), 2.0);
  EXPECT_EQ(e2.shape(), (Shape{0, 3}));
  EXPECT_EQ(s.item<double>(), 0.0);
}

TEST(JitTest, ShapeErrorsInsideJitNameTheOperation) {
  const auto f = [](const Tensor& x, const Tensor& y) { return x + y; };
  EXPECT_THAT(ErrorOf([&] { jit(f)(Random({2}, 1), Random({3}, 2)); }), HasSubstr("add"));
}

// ---- Donation ----

TEST(JitTest, DonatedArgumentIsDeletedAndItsBufferReused) {
  const auto update = [](const Tensor& p, const Tensor& g) { return p - 0.1 * g; };
  const auto step = jit(update, donate_argnums({0}));
  const Tensor g = Random({1000}, 2);
  Tensor p = Random({1000}, 1);
  const Tensor expected = update(update(p, g), g);
  // Computed now: a pending result of Vulkan's eager fusion would hold p's buffer.
  expected.block_until_ready();
  p = step(p, g);  // the old p is deleted; nobody else holds its buffer
  Tensor kept = p;
  const Tensor q = step(kept, g);
  EXPECT_TRUE(AllClose(q, expected, 0, 0));
  EXPECT_THAT(ErrorOf([&] { kept.to_vector<double>(); }),
              HasSubstr("donated to a jit call (donate_argnums) and deleted"));
  EXPECT_THAT(ErrorOf([&] { sin(p); }), HasSubstr("donated"));
  // Also on Vulkan, where the first call's work may still hold p's buffer (the device orders
  // the rewrite after it).
  EXPECT_EQ(step.lower(q, g).compiled->donations_reused(), 2);
  std::ostringstream os;
  os << p;
  EXPECT_EQ(os.str(), "Deleted<f64[1000]>");
}

TEST(JitTest, DonatedBufferSharedByAViewIsNotReused) {
  const auto step = jit([](const Tensor& p) { return p * 2.0 + 1.0; }, donate_argnums({0}));
  const Tensor p = Random({6}, 1);
  const Tensor view = reshape(p, {2, 3});  // shares p's buffer
  const Tensor expected = p * 2.0 + 1.0;
  const Tensor out = step(p);
  EXPECT_TRUE(AllClose(out, expected, 0, 0));
  EXPECT_TRUE(AllClose(reshape(view, {6}), (expected - 1.0) / 2.0, 1e-15, 0));
  EXPECT_THAT(make_jaxpr(step)(Random({6}, 2)).ToString(),
              HasSubstr("donated_invars=(True)"));
}

// ---- Composition with custom rules, closures and threads ----

TEST(JitTest, CustomRulesSurviveJit) {
  auto clip_gradient = custom_vjp(
      [](const Tensor& x) { return x; },
      [](const Tensor& x) { return std::make_pair(x, std::vector<Tensor>{}); },
      [](const std::vector<Tensor>&, const Tensor& g) {
        return std::vector<Tensor>{maximum(minimum(g, 1.0), -1.0)};
      });
  auto f = custom_jvp([](const Tensor& x) { return sin(x); },
                      [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
                        return std::make_pair(sin(p[0]), t[0] * 10.0);  // a deliberate rule
                      });
  const Tensor x = Random({3}, 1);
  const auto loss = [&](const Tensor& y) { return sum(clip_gradient(y) * 3.0); };
  EXPECT_TRUE(AllClose(jit(grad(loss))(x), full({3}, 1.0, f64), 0, 0));
  EXPECT_TRUE(AllClose(grad(jit(loss))(x), full({3}, 1.0, f64), 0, 0));
  const auto g = [&](const Tensor& y) { return sum(f(y)); };
  EXPECT_TRUE(AllClose(jit(grad(g))(x), full({3}, 10.0, f64), 0, 0));
  EXPECT_TRUE(AllClose(grad(jit(g))(x), full({3}, 10.0, f64), 0, 0));
  EXPECT_TRUE(AllClose(jit(g)(x), g(x), kUlps, 0));
}

TEST(JitTest, JitClosingOverAnOuterTracerIsNotCached) {
  const Tensor x = scalar(0.7, f64);
  int traces = 0;
  const auto outer = [&](const Tensor& a) {
    const auto inner = jit([a](const Tensor& y) { return sin(a * y); });
    const Tensor r = inner(scalar(2.0, f64));
    traces += inner.trace_count();
    EXPECT_EQ(inner.cache_size(), 0);
    return r;
  };
  EXPECT_NEAR(grad(outer)(x).item<double>(), 2.0 * std::cos(1.4), 1e-14);
  EXPECT_EQ(traces, 1);
}

// Calls `wrong` `calls` times on each of 4 threads at once; the count of true results.
int WrongOnFourThreads(int calls, const std::function<bool()>& wrong) {
  std::vector<std::thread> threads;
  std::vector<int> counts(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < calls; ++i) counts[t] += wrong();
    });
  }
  for (std::thread& t : threads) t.join();
  return counts[0] + counts[1] + counts[2] + counts[3];
}

TEST(JitTest, CalledFromFourThreadsCompilesOncePerSignature) {
  const auto jf = jit([](const Tensor& x) { return sum(tanh(x) * x); });
  const Tensor x = Random({64}, 1);
  const double expected = sum(tanh(x) * x).item<double>();
  EXPECT_EQ(WrongOnFourThreads(25, [&] { return jf(x).item<double>() != expected; }), 0);
  EXPECT_EQ(jf.compile_count(), 1);
  EXPECT_EQ(jf.cache_size(), 1);
}

TEST(JitTest, GradOfJitFromFourThreadsDerivesOncePerKey) {
  // The derived programs of grad(jit(f)) are made by whichever thread misses first; the
  // others use them (or, racing, their own copy once), and every result is right.
  const auto f = [](const Tensor& x) { return sum(sin(x) * x); };
  const auto g = grad(jit(f));
  const Tensor x = Random({32}, 2);
  const std::vector<double> expected = grad(f)(x).to_vector<double>();
  EXPECT_EQ(WrongOnFourThreads(10, [&] { return g(x).to_vector<double>() != expected; }), 0);
  const int64_t derivations = GlobalJitCounters().derivations;
  g(x);
  EXPECT_EQ(GlobalJitCounters().derivations, derivations);
}

}  // namespace
}  // namespace cotangent
