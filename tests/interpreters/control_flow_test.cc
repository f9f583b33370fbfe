// File: tests/interpreters/control_flow_test.cc
// cond, switch, while_loop, fori_loop, scan and map: values against unrolled C++ references
// (a C++ if or for over concrete values, which every transformation handles by tracing
// through), then every transformation of each (jvp, grad, vmap, jit, hessian, and their
// compositions) against the same transformation of the reference, central differences in
// f64 and the VJP inner-product identity. Also the printed programs, the avals' errors, the
// while_loop reverse-mode error, and that a loop is one equation however long.

#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "cotangent/cotangent.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::AllClose;
using testing::CentralDifference;
using testing::ErrorOf;
using testing::Inner;
using testing::Random;

using Fn = std::function<Tensor(const Tensor&)>;

// A function written with control flow, and its unrolled reference at a given input (the
// reference may make its C++ decisions from the concrete input, then trace through).
struct Case {
  std::string name;
  Fn f;
  std::function<Fn(const Tensor& at)> reference;
  Shape shape;
  bool reverse_differentiable = true;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Tensor& W() {
  static const Tensor w = Random({3, 3}, 77, -0.6, 0.6);
  return w;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  // cond on the sign of sum(x), closing over a constant matrix.
  cases.push_back({"cond",
                   [](const Tensor& x) {
                     return cond(
                         sum(x) > 0.0, [](const Tensor& v) { return sin(matmul(W(), v)) * v; },
                         [](const Tensor& v) { return cos(v) * 2.0; }, x);
                   },
                   [](const Tensor& at) -> Fn {
                     if (sum(at).item<double>() > 0) {
                       return [](const Tensor& v) { return sin(matmul(W(), v)) * v; };
                     }
                     return [](const Tensor& v) { return cos(v) * 2.0; };
                   },
                   {3}});
  // switch over three branches by a clamped index computed from x.
  const auto branch = [](int b) -> Fn {
    if (b == 0) return [](const Tensor& v) { return exp(v); };
    if (b == 1) return [](const Tensor& v) { return v * v * v; };
    return [](const Tensor& v) { return tanh(v) + v; };
  };
  cases.push_back({"switch",
                   [branch](const Tensor& x) {
                     const Tensor index = astype(floor(sum(x) * 2.0) + 1.0, i32);
                     return switch_(index, {branch(0), branch(1), branch(2)}, x);
                   },
                   [branch](const Tensor& at) -> Fn {
                     const double s = std::floor(sum(at).item<double>() * 2.0) + 1.0;
                     return branch(static_cast<int>(std::clamp(s, 0.0, 2.0)));
                   },
                   {3}});
  // An RNN step over rows of xs made from x; the carry and the ys both used.
  const auto rnn_step = [](const Tensor& h, const Tensor& xt) {
    const Tensor next = tanh(matmul(W(), h) + xt);
    return std::pair{next, sum(next * xt)};
  };
  const auto rows = [](const Tensor& x) {
    return stack({x, sin(x), x * 0.5, cos(x)}, 0);  // [4, 3]
  };
  cases.push_back({"scan",
                   [=](const Tensor& x) {
                     auto [h, ys] = scan(rnn_step, x * 0.3, rows(x));
                     return h * 2.0 + sum(ys);
                   },
                   [=](const Tensor&) -> Fn {
                     return [=](const Tensor& x) {
                       const Tensor xs = rows(x);
                       Tensor h = x * 0.3, total = scalar(0.0, f64);
                       for (int t = 0; t < 4; ++t) {
                         auto [next, y] = rnn_step(h, xs[t]);
                         h = next;
                         total = total + y;
                       }
                       return h * 2.0 + total;
                     };
                   },
                   {3}});
  cases.push_back({"scan_reverse",
                   [=](const Tensor& x) {
                     auto [h, ys] = scan(rnn_step, x * 0.3, rows(x), {.reverse = true});
                     return h * sum(ys * arange(1.0, 5.0, 1.0, f64));
                   },
                   [=](const Tensor&) -> Fn {
                     return [=](const Tensor& x) {
                       const Tensor xs = rows(x);
                       Tensor h = x * 0.3;
                       std::vector<Tensor> ys(4);
                       for (int t = 3; t >= 0; --t) {
                         auto [next, y] = rnn_step(h, xs[t]);
                         h = next;
                         ys[t] = y;
                       }
                       return h * sum(stack(ys, 0) * arange(1.0, 5.0, 1.0, f64));
                     };
                   },
                   {3}});
  // fori_loop with static bounds (a scan): reads the index.
  cases.push_back({"fori_loop",
                   [](const Tensor& x) {
                     return fori_loop(1, 6, [](const Tensor& i, const Tensor& v) {
                       return v * cos(v) + astype(i, f64) * 0.1;
                     }, x);
                   },
                   [](const Tensor&) -> Fn {
                     return [](const Tensor& x) {
                       Tensor v = x;
                       for (int i = 1; i < 6; ++i) v = v * cos(v) + i * 0.1;
                       return v;
                     };
                   },
                   {3}});
  // while_loop with a trip count that depends on x (forward-differentiable only).
  cases.push_back({"while_loop",
                   [](const Tensor& x) {
                     using State = std::pair<Tensor, Tensor>;
                     const State out = while_loop(
                         [](const State& s) { return max(abs(s.second)) < 4.0; },
                         [](const State& s) { return State{s.first + 1.0, s.second * 1.5 + 0.1}; },
                         State{scalar(0.0, f64), x});
                     return out.second * out.first;
                   },
                   [](const Tensor& at) -> Fn {
                     int n = 0;
                     Tensor v = at;
                     while (max(abs(v)).item<double>() < 4.0) {
                       v = v * 1.5 + 0.1;
                       ++n;
                     }
                     return [n](const Tensor& x) {
                       Tensor v = x;
                       for (int i = 0; i < n; ++i) v = v * 1.5 + 0.1;
                       return v * static_cast<double>(n);
                     };
                   },
                   {3}, /*reverse_differentiable=*/false});
  return cases;
}

class ControlFlowTest : public ::testing::TestWithParam<Case> {
 protected:
  Tensor X(uint32_t seed = 1) const { return Random(GetParam().shape, seed, -0.9, 0.9); }
};

TEST_P(ControlFlowTest, ValueEqualsTheUnrolledReference) {
  const Case& c = GetParam();
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    const Tensor x = X(seed);
    EXPECT_TRUE(AllClose(c.f(x), c.reference(x)(x), 1e-12, 1e-12)) << "seed " << seed;
  }
}

TEST_P(ControlFlowTest, JitEqualsEager) {
  const Case& c = GetParam();
  const auto jf = jit(c.f);
  for (uint32_t seed : {1u, 2u, 3u}) {
    const Tensor x = X(seed);
    EXPECT_TRUE(AllClose(jf(x), c.f(x), 1e-12, 1e-12)) << "seed " << seed;
  }
}

TEST_P(ControlFlowTest, JvpMatchesCentralDifferencesAndTheReference) {
  const Case& c = GetParam();
  const Tensor x = X(5), v = Random(x.shape(), 6);
  auto [y, y_dot] = jvp(c.f, {x}, {v});
  auto [r, r_dot] = jvp(c.reference(x), {x}, {v});
  EXPECT_TRUE(AllClose(y, r, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(y_dot, r_dot, 1e-10, 1e-10));
  EXPECT_TRUE(AllClose(y_dot, CentralDifference(c.f, x, v), 1e-6, 1e-6));
}

TEST_P(ControlFlowTest, JitOfJvpEqualsJvp) {
  const Case& c = GetParam();
  const Tensor x = X(7), v = Random(x.shape(), 8);
  const auto tangent = [&](const Tensor& p, const Tensor& t) { return jvp(c.f, {p}, {t}).second; };
  EXPECT_TRUE(AllClose(jit(tangent)(x, v), tangent(x, v), 1e-12, 1e-12));
}

TEST_P(ControlFlowTest, VmapEqualsALoopOfSingleRuns) {
  const Case& c = GetParam();
  const Tensor xs = Random({5, 3}, 9, -0.9, 0.9);
  const Tensor batched = vmap(c.f)(xs);
  for (int64_t b = 0; b < 5; ++b) {
    EXPECT_TRUE(AllClose(batched[b], c.f(xs[b]), 1e-12, 1e-12)) << "lane " << b;
  }
  EXPECT_TRUE(AllClose(jit(vmap(c.f))(xs), batched, 1e-12, 1e-12));
}

TEST_P(ControlFlowTest, VmapOfJvpEqualsALoop) {
  const Case& c = GetParam();
  const Tensor xs = Random({4, 3}, 10, -0.9, 0.9), vs = Random({4, 3}, 11);
  const auto tangent = [&](const Tensor& p, const Tensor& t) { return jvp(c.f, {p}, {t}).second; };
  const Tensor batched = vmap(tangent)(xs, vs);
  for (int64_t b = 0; b < 4; ++b) {
    EXPECT_TRUE(AllClose(batched[b], tangent(xs[b], vs[b]), 1e-12, 1e-12)) << "lane " << b;
  }
}

Tensor Loss(const Fn& f, const Tensor& x) { return sum(sin(f(x))); }

TEST_P(ControlFlowTest, GradMatchesTheReferenceAndTheVjpIdentity) {
  const Case& c = GetParam();
  if (!c.reverse_differentiable) GTEST_SKIP() << "forward mode only";
  const Tensor x = X(12);
  const Fn ref = c.reference(x);
  const Tensor g = grad([&](const Tensor& v) { return Loss(c.f, v); })(x);
  const Tensor g_ref = grad([&](const Tensor& v) { return Loss(ref, v); })(x);
  EXPECT_TRUE(AllClose(g, g_ref, 1e-10, 1e-10));
  // <u, J v> = <J^T u, v> for the function itself.
  const Tensor v = Random(x.shape(), 13);
  auto [y, f_vjp] = vjp(c.f, x);
  const Tensor u = Random(y.shape(), 14);
  const Tensor jv = jvp(c.f, {x}, {v}).second;
  EXPECT_NEAR(Inner(u, jv), Inner(f_vjp(u)[0], v), 1e-10);
}

TEST_P(ControlFlowTest, JitOfGradAndGradOfJitEqualGrad) {
  const Case& c = GetParam();
  if (!c.reverse_differentiable) GTEST_SKIP() << "forward mode only";
  const Tensor x = X(15);
  const auto loss = [&](const Tensor& v) { return Loss(c.f, v); };
  const Tensor g = grad(loss)(x);
  EXPECT_TRUE(AllClose(jit(grad(loss))(x), g, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(grad(jit(loss))(x), g, 1e-12, 1e-12));
}

TEST_P(ControlFlowTest, VmapOfGradEqualsALoop) {
  const Case& c = GetParam();
  if (!c.reverse_differentiable) GTEST_SKIP() << "forward mode only";
  const Tensor xs = Random({3, 3}, 16, -0.9, 0.9);
  const auto g = grad([&](const Tensor& v) { return Loss(c.f, v); });
  const Tensor batched = vmap(g)(xs);
  for (int64_t b = 0; b < 3; ++b) {
    EXPECT_TRUE(AllClose(batched[b], g(xs[b]), 1e-11, 1e-11)) << "lane " << b;
  }
}

TEST_P(ControlFlowTest, HessianCompositionsAgreeWithTheReference) {
  const Case& c = GetParam();
  const Tensor x = X(17);
  const Fn ref = c.reference(x);
  const auto loss = [&](const Tensor& v) { return Loss(c.f, v); };
  const auto ref_loss = [&](const Tensor& v) { return Loss(ref, v); };
  const Tensor expected = jacfwd(jacfwd(ref_loss))(x);
  EXPECT_TRUE(AllClose(jacfwd(jacfwd(loss))(x), expected, 1e-9, 1e-9));
  if (!c.reverse_differentiable) return;
  EXPECT_TRUE(AllClose(hessian(loss)(x), expected, 1e-9, 1e-9));
  EXPECT_TRUE(AllClose(jacrev(jacrev(loss))(x), expected, 1e-9, 1e-9));
  EXPECT_TRUE(AllClose(jit(hessian(loss))(x), expected, 1e-9, 1e-9));
}

INSTANTIATE_TEST_SUITE_P(Cases, ControlFlowTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// ---- semantics and errors ---------------------------------------------------------------

TEST(ControlFlow, CondPrintsBothBranchesNested) {
  const auto f = [](const Tensor& p, const Tensor& x) {
    return cond(p, [](const Tensor& v) { return sin(v); }, [](const Tensor& v) { return cos(v); }, x);
  };
  const ClosedProgram program = make_jaxpr(f)(scalar(true, bool_), scalar(1.0));
  EXPECT_EQ(program.ToString(),
            "{ lambda ; a:bool[] b:f32[]. let\n"
            "    c:i32[] = convert_element_type[new_dtype=i32] a\n"
            "    d:f32[] = cond[\n"
            "      branches=(\n"
            "        { lambda ; e:f32[]. let\n"
            "            f:f32[] = cos e\n"
            "          in (f,) }\n"
            "        { lambda ; g:f32[]. let\n"
            "            h:f32[] = sin g\n"
            "          in (h,) }\n"
            "      )\n"
            "    ] c b\n"
            "  in (d,) }");
}

TEST(ControlFlow, ScanOfAThousandStepsIsOneEquation) {
  const auto f = [](const Tensor& x) {
    return fori_loop(0, 1000, [](const Tensor&, const Tensor& v) { return sin(v) * 0.9; }, x);
  };
  const ClosedProgram program = make_jaxpr(f)(zeros({3}, f64));
  EXPECT_EQ(program.program->eqns.size(), 1u) << program;
  // Its gradient is a scan and its transpose: a few equations, not thousands.
  const ClosedProgram g = make_jaxpr(grad([&](const Tensor& x) { return sum(f(x)); }))(zeros({3}, f64));
  EXPECT_LT(g.program->eqns.size(), 20u) << g;
}

// unroll changes the compiled loop (several steps per iteration, the rest one by one), never
// the values: every unroll and direction, jitted, equals eager, and so do their gradients.
TEST(ControlFlow, UnrolledScanUnderJitEqualsEager) {
  const Tensor xs = Random({10, 3}, 31), h0 = Random({3}, 32);
  for (bool reverse : {false, true}) {
    for (int64_t unroll : {1, 3, 4, 10, 16}) {
      const auto f = [&](const Tensor& h, const Tensor& x) {
        auto [last, ys] = scan(
            [](const Tensor& c, const Tensor& r) {
              const Tensor next = tanh(matmul(W(), c) + r);
              return std::pair{next, sum(next * r)};
            },
            h, x, {.reverse = reverse, .unroll = unroll});
        return sum(last) + sum(ys * arange(1.0, 11.0, 1.0, f64));
      };
      SCOPED_TRACE(::testing::Message() << "reverse " << reverse << " unroll " << unroll);
      EXPECT_TRUE(AllClose(jit(f)(h0, xs), f(h0, xs), 1e-12, 1e-12));
      EXPECT_TRUE(AllClose(jit(grad(f))(h0, xs), grad(f)(h0, xs), 1e-12, 1e-12));
      EXPECT_TRUE(AllClose(jit(grad(f, 1))(h0, xs), grad(f, 1)(h0, xs), 1e-12, 1e-12));
    }
  }
  const auto g = [](const Tensor& x) {
    return fori_loop(0, 7, [](const Tensor&, const Tensor& v) { return sin(v); }, x, 3);
  };
  EXPECT_THAT(make_jaxpr(g)(h0).ToString(), HasSubstr("unroll=3"));
  EXPECT_TRUE(AllClose(jit(g)(h0), g(h0), 1e-14, 1e-14));
  EXPECT_THAT(ErrorOf([] {
                scan([](const Tensor& c, const Tensor& x) { return std::pair{c + x, x}; },
                     zeros({2}), ones({3, 2}), {.unroll = 0});
              }),
              HasSubstr("scan: unroll must be at least 1, got 0"));
}

TEST(ControlFlow, WhileLoopInReverseModeIsJaxsError) {
  const auto f = [](const Tensor& x) {
    return while_loop([](const Tensor& v) { return sum(v) < 10.0; },
                      [](const Tensor& v) { return v * 2.0; }, x);
  };
  EXPECT_THAT(ErrorOf([&] { grad([&](const Tensor& x) { return sum(f(x)); })(ones({2}, f64)); }),
              HasSubstr("Reverse-mode differentiation does not work for lax.while_loop"));
  // Forward mode works: d/dx of x * 2^n with n fixed near x.
  const Tensor t = jvp(f, {ones({2}, f64)}, {ones({2}, f64)}).second;
  EXPECT_TRUE(AllClose(t, full({2}, 8.0, f64), 0, 0));
}

TEST(ControlFlow, BranchesWithDifferentTypesAreAnErrorNamingBoth) {
  EXPECT_THAT(ErrorOf([] {
                cond(scalar(true, bool_), [](const Tensor& v) { return v; },
                     [](const Tensor& v) { return sum(v); }, ones({3}));
              }),
              HasSubstr("cond: branch 1 output 0 has type f32[3] but branch 0 has type f32[]"));
}

TEST(ControlFlow, ACarryThatChangesTypeIsAnErrorNamingBoth) {
  EXPECT_THAT(ErrorOf([] {
                while_loop([](const Tensor& v) { return sum(v) < 1.0; },
                           [](const Tensor& v) { return astype(v, f64); }, ones({2}));
              }),
              HasSubstr("while: body_fun output 0 has type f64[2] but the carry has type f32[2]"));
  EXPECT_THAT(ErrorOf([] {
                scan([](const Tensor& c, const Tensor& x) { return std::pair{c * x, x}; },
                     ones({2}), ones({4, 3}));
              }),
              HasSubstr("f32[3]"));
}

TEST(ControlFlow, ScanLengthAndPredicateErrorsAreClear) {
  EXPECT_THAT(ErrorOf([] {
                scan([](const Tensor& c, const std::vector<Tensor>& x) {
                  return std::pair{c + x[0], x[1]};
                }, ones({2}), std::vector<Tensor>{ones({4, 2}), ones({5, 2})});
              }),
              HasSubstr("scan: xs 1 has type f32[5,2] but the length is 4"));
  EXPECT_THAT(ErrorOf([] {
                scan([](const Tensor& c, const std::vector<Tensor>&) { return std::pair{c, c}; },
                     ones({2}), std::vector<Tensor>{});
              }),
              HasSubstr("scan: no xs and no length"));
  EXPECT_THAT(ErrorOf([] {
                cond(ones({2}), [](const Tensor& v) { return v; }, [](const Tensor& v) { return v; },
                     ones({2}));
              }),
              HasSubstr("cond: the predicate must be a bool or integer scalar, got f32[2]"));
  EXPECT_THAT(ErrorOf([] {
                while_loop([](const Tensor& v) { return sum(v); },
                           [](const Tensor& v) { return v; }, ones({2}));
              }),
              HasSubstr("while: cond_fun must return a bool scalar, got (f32[])"));
}

TEST(ControlFlow, SwitchClampsTheIndexAsLax) {
  const std::vector<Fn> branches{[](const Tensor& v) { return v; },
                                 [](const Tensor& v) { return v * 2.0; },
                                 [](const Tensor& v) { return v * 3.0; }};
  const Tensor x = ones({2});
  EXPECT_TRUE(AllClose(switch_(scalar(-4, i32), branches, x), x, 0, 0));
  EXPECT_TRUE(AllClose(switch_(scalar(9, i32), branches, x), x * 3.0, 0, 0));
  // Batched indices clamp per lane.
  const Tensor out = vmap([&](const Tensor& i) { return switch_(i, branches, x); })(
      tensor({-1, 1, 7}, {3}, i32));
  EXPECT_TRUE(AllClose(out, tensor({1, 1, 2, 2, 3, 3}, {3, 2}), 0, 0));
}

TEST(ControlFlow, ScanCarriesAndStacksContainers) {
  using Carry = std::map<std::string, Tensor>;
  const Carry init{{"count", scalar(0.0)}, {"total", zeros({2})}};
  const auto [carry, ys] = scan(
      [](const Carry& c, const Tensor& x) {
        Carry next{{"count", c.at("count") + 1.0}, {"total", c.at("total") + x}};
        return std::pair{next, std::tuple{x * 2.0, c.at("count")}};
      },
      init, tensor({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_TRUE(AllClose(carry.at("count"), scalar(3.0), 0, 0));
  EXPECT_TRUE(AllClose(carry.at("total"), tensor({9, 12}, {2}), 0, 0));
  EXPECT_TRUE(AllClose(std::get<0>(ys), tensor({2, 4, 6, 8, 10, 12}, {3, 2}), 0, 0));
  EXPECT_TRUE(AllClose(std::get<1>(ys), tensor({0, 1, 2}, {3}), 0, 0));
  // map: f over rows.
  EXPECT_TRUE(AllClose(map([](const Tensor& r) { return sum(r); }, tensor({1, 2, 3, 4}, {2, 2})),
                       tensor({3, 7}, {2}), 0, 0));
  // A scan of length 0 returns the initial carry and empty ys.
  const auto [c0, y0] = scan([](const Tensor& c, const Tensor& x) { return std::pair{c + x, x}; },
                             zeros({2}), zeros({0, 2}));
  EXPECT_TRUE(AllClose(c0, zeros({2}), 0, 0));
  EXPECT_EQ(y0.aval().ToString(), "f32[0,2]");
}

TEST(ControlFlow, VmapOfWhileLoopRunsEachLaneItsOwnTripCount) {
  // Collatz-like: lanes need 0 to many steps; the batched loop equals single runs.
  const auto steps = [](const Tensor& n) {
    using State = std::pair<Tensor, Tensor>;
    return while_loop([](const State& s) { return s.first > 1.0; },
                      [](const State& s) {
                        const Tensor even = floor(s.first / 2.0) * 2.0 == s.first;
                        return State{where(even, s.first / 2.0, s.first * 3.0 + 1.0),
                                     s.second + 1.0};
                      },
                      State{n, scalar(0.0)})
        .second;
  };
  const Tensor ns = tensor({1, 2, 3, 6, 7, 27}, {6});
  const Tensor batched = vmap(steps)(ns);
  EXPECT_TRUE(AllClose(batched, tensor({0, 1, 7, 8, 16, 111}, {6}), 0, 0));
  EXPECT_TRUE(AllClose(jit(vmap(steps))(ns), batched, 0, 0));
}

TEST(ControlFlow, FoRiLoopWithTracedBoundsIsAWhileLoop) {
  const auto f = [](const Tensor& n, const Tensor& x) {
    return fori_loop(scalar(0, i32), n, [](const Tensor&, const Tensor& v) { return v * 2.0; }, x);
  };
  EXPECT_TRUE(AllClose(jit(f)(scalar(3, i32), ones({2})), full({2}, 8.0), 0, 0));
  const ClosedProgram p = make_jaxpr(f)(scalar(3, i32), ones({2}));
  EXPECT_THAT(p.ToString(), HasSubstr("while["));
}

// Control flow nested in control flow: a scan whose body branches on its carry and runs an
// inner fori_loop. The reference replays the branch decisions a concrete run takes at the
// point (a C++ if on host values), unrolled.
Tensor NestedStep(const Tensor& h, const Tensor& x, std::optional<bool> positive) {
  const auto up = [](const Tensor& v, const Tensor& r) { return sin(v) * r; };
  const auto down = [](const Tensor& v, const Tensor& r) { return cos(v) + r; };
  const Tensor branched =
      positive ? (*positive ? up(h, x) : down(h, x))
               : cond(sum(h) > 0.0, up, down, h, x);
  return fori_loop(0, 3, [](const Tensor&, const Tensor& v) { return tanh(v) * 1.1; }, branched);
}

TEST(ControlFlow, NestedControlFlowMatchesTheReplayedReference) {
  const Tensor xs = Random({6, 3}, 41), h0 = Random({3}, 42);
  const auto f = [&](const Tensor& h) {
    auto [last, ys] = scan(
        [](const Tensor& c, const Tensor& x) {
          const Tensor next = NestedStep(c, x, std::nullopt);
          return std::pair{next, sum(next)};
        },
        h, xs);
    return sum(last) + sum(ys * ys);
  };
  // The decisions of a concrete run at h0, then the same computation unrolled with them.
  std::vector<bool> decisions;
  Tensor c = h0;
  for (int64_t t = 0; t < 6; ++t) {
    decisions.push_back(sum(c).item<double>() > 0);
    c = NestedStep(c, xs[t], decisions.back());
  }
  const auto reference = [&](const Tensor& h) {
    Tensor carry = h, total = scalar(0.0, f64);
    for (int64_t t = 0; t < 6; ++t) {
      carry = NestedStep(carry, xs[t], decisions[t]);
      total = total + sum(carry) * sum(carry);
    }
    return sum(carry) + total;
  };
  EXPECT_TRUE(AllClose(f(h0), reference(h0), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(f)(h0), reference(h0), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(grad(f)(h0), grad(reference)(h0), 1e-11, 1e-11));
  EXPECT_TRUE(AllClose(jit(grad(f))(h0), grad(reference)(h0), 1e-11, 1e-11));
  EXPECT_TRUE(AllClose(hessian(f)(h0), hessian(reference)(h0), 1e-9, 1e-9));
  // Batched: each lane takes its own branches.
  const Tensor hs = Random({4, 3}, 43);
  const Tensor batched = vmap(grad(f))(hs);
  for (int64_t b = 0; b < 4; ++b) {
    EXPECT_TRUE(AllClose(batched[b], grad(f)(hs[b]), 1e-12, 1e-12)) << "lane " << b;
  }
}

// x[:, b] of a rank-3 x.
Tensor take_along_lane(const Tensor& x, int64_t b) {
  return squeeze(slice(x, {0, b, 0}, {x.shape()[0], b + 1, x.shape()[2]}), {1});
}

// JAX's lax_control_flow facts: integer carries, scans over a batch axis that is not the
// leading one, a while whose cond closes over a differentiated value.
TEST(ControlFlow, IntegerCarriesAndAxesAsLax) {
  // fori_loop(0, 10, lambda i, x: x + i, 0) == 45, and while_loop summing 0..9.
  const auto add_i = [](const Tensor& i, const Tensor& x) { return x + i; };
  EXPECT_EQ(fori_loop(0, 10, add_i, scalar(0, i32)).item<int32_t>(), 45);
  EXPECT_EQ(jit([&](const Tensor& x) { return fori_loop(0, 10, add_i, x); })(scalar(0, i32))
                .item<int32_t>(),
            45);
  using State = std::pair<Tensor, Tensor>;
  const State s = while_loop([](const State& st) { return st.first < 10; },
                             [](const State& st) {
                               return State{st.first + scalar(1, i32), st.second + st.first};
                             },
                             State{scalar(0, i32), scalar(0, i32)});
  EXPECT_EQ(s.second.item<int32_t>(), 45);
  // vmap with the batch on axis 1 of xs and of the result: lane b scans column b.
  const Tensor xs = Random({5, 4, 3}, 44);
  const auto total = [](const Tensor& rows) {
    return scan([](const Tensor& c, const Tensor& r) { return std::pair{c + sin(r), c}; },
                zeros({3}, f64), rows)
        .second;
  };
  const Tensor out = vmap(total, {1}, 1)(xs);  // [5, 4, 3]: ys of lane b at [:, b]
  for (int64_t b = 0; b < 4; ++b) {
    EXPECT_TRUE(AllClose(take_along_lane(out, b), total(take_along_lane(xs, b)), 1e-14, 1e-14))
        << "lane " << b;
  }
  // jvp of a while whose cond closes over the differentiated input: the trip count does not
  // depend on it differentiably; d/dc of (2^n x) with n fixed near c.
  const auto g = [](const Tensor& x, const Tensor& c) {
    return while_loop([&](const Tensor& v) { return sum(v) < c; },
                      [](const Tensor& v) { return v * 2.0; }, x);
  };
  auto [y, y_dot] = jvp(g, {ones({2}, f64), scalar(5.0, f64)},
                        {ones({2}, f64), scalar(1.0, f64)});
  EXPECT_TRUE(AllClose(y, full({2}, 4.0, f64), 0, 0));
  EXPECT_TRUE(AllClose(y_dot, full({2}, 4.0, f64), 0, 0));
}

// ---- checkpoint ---------------------------------------------------------------------------

// The values reverse mode keeps from the forward pass for the backward pass: the constants of
// the linear program.
template <typename F>
std::vector<Tensor> Residuals(const F& f, const Tensor& x) {
  const FlatFn flat = [&](const std::vector<Tensor>& xs) { return std::vector<Tensor>{f(xs[0])}; };
  return LinearizeFlat("test", flat, {x}, {true}, /*reverse=*/true).linear.consts;
}

// Ten blocks of four layers on a 2^16-element vector; each block checkpointed or not.
Tensor Blocks(const Tensor& x, bool checkpointed, const CheckpointPolicy& policy) {
  const auto block = [](const Tensor& v) {
    Tensor h = v;
    for (int layer = 0; layer < 4; ++layer) h = sin(h * 1.01) + checkpoint_name(h * 0.5, "half");
    return h;
  };
  Tensor h = x;
  for (int b = 0; b < 10; ++b) h = checkpointed ? checkpoint(block, policy)(h) : block(h);
  return sum(h);
}

// Peak CPU bytes of grad(Blocks) and the gradient.
std::pair<int64_t, Tensor> PeakOfGrad(bool checkpointed, const CheckpointPolicy& policy) {
  const Tensor x = Random({1 << 16}, 21, -1, 1);
  reset_peak_memory("cpu");
  const int64_t before = memory_stats("cpu")->bytes_in_use;
  Tensor g = grad([&](const Tensor& v) { return Blocks(v, checkpointed, policy); })(x);
  return {memory_stats("cpu")->peak_bytes_in_use - before, g};
}

TEST(Checkpoint, SameGradientWithLessMemory) {
  if (default_device() != "cpu") GTEST_SKIP() << "peak bytes are counted on the CPU backend";
  const auto [plain_peak, plain] = PeakOfGrad(false, checkpoint_policies::nothing_saveable);
  const auto [remat_peak, remat] = PeakOfGrad(true, checkpoint_policies::nothing_saveable);
  const auto [all_peak, all] = PeakOfGrad(true, checkpoint_policies::everything_saveable);
  const auto [named_peak, named] =
      PeakOfGrad(true, checkpoint_policies::save_only_these_names({"half"}));
  // Recomputation gives the same values exactly.
  EXPECT_TRUE(AllClose(remat, plain, 0, 0));
  EXPECT_TRUE(AllClose(all, plain, 0, 0));
  EXPECT_TRUE(AllClose(named, plain, 0, 0));
  // Plain reverse mode keeps every layer's residuals until the backward pass (40 layers);
  // nothing_saveable keeps the ten blocks' inputs and recomputes one block at a time.
  EXPECT_LT(remat_peak * 2, plain_peak) << remat_peak << " vs " << plain_peak;
  EXPECT_LT(remat_peak, named_peak);
  EXPECT_LT(named_peak, all_peak + (1 << 19));
  std::printf("peak bytes of grad: plain %lld, nothing_saveable %lld, names(half) %lld, "
              "everything_saveable %lld\n",
              static_cast<long long>(plain_peak), static_cast<long long>(remat_peak),
              static_cast<long long>(named_peak), static_cast<long long>(all_peak));
}

TEST(Checkpoint, ComposesWithJvpVmapJitAndHessians) {
  const Tensor w = Random({3, 3}, 22, -0.5, 0.5);
  const auto block = [&](const Tensor& v) { return tanh(matmul(w, v)) * v; };
  const auto loss = [&](const Tensor& v) { return sum(sin(checkpoint(block)(checkpoint(block)(v)))); };
  const auto plain = [&](const Tensor& v) { return sum(sin(block(block(v)))); };
  const Tensor x = Random({3}, 23);
  EXPECT_TRUE(AllClose(grad(loss)(x), grad(plain)(x), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(jit(grad(loss))(x), grad(plain)(x), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(hessian(loss)(x), hessian(plain)(x), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jacrev(jacrev(loss))(x), hessian(plain)(x), 1e-12, 1e-12));
  const Tensor xs = Random({4, 3}, 24);
  EXPECT_TRUE(AllClose(vmap(grad(loss))(xs), vmap(grad(plain))(xs), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(grad(checkpoint(
                           [&](const Tensor& v) { return loss(v); },
                           checkpoint_policies::dots_saveable))(x),
                       grad(plain)(x), 1e-14, 1e-14));
}

TEST(Checkpoint, TheLinearProgramRecomputesInsteadOfStoring) {
  const auto block = [](const Tensor& v) { return sin(sin(v)); };
  const Tensor x = ones({3}, f64);
  // Reverse mode's linear program: plain, it reads cos(x) and cos(sin(x)) as constants;
  // checkpointed, only x, and recomputes the rest.
  const auto residuals = [&](const auto& f) { return Residuals(f, x).size(); };
  EXPECT_EQ(residuals(block), 2u);
  EXPECT_EQ(residuals(checkpoint(block)), 1u);
  const ClosedProgram p = make_jaxpr(checkpoint(block))(x);
  EXPECT_THAT(p.ToString(), HasSubstr("checkpoint["));
  EXPECT_THAT(p.ToString(), HasSubstr("policy=nothing_saveable"));
}

// JAX's hoisting: a residual of the body's constants alone (cos(w), which the linear program
// multiplies by each step's tangent) is computed once before the loop, not stacked per step.
// The gradient equals the unrolled loop's, and the stored residuals shrink from 100 rows of
// cos(w) to one.
TEST(ControlFlow, ScanHoistsLoopInvariantResiduals) {
  const Tensor w = Random({3, 3}, 26, -1, 1);
  const Tensor xs = Random({100, 3}, 27, -1, 1);
  const auto step = [&](const Tensor& h, const Tensor& x) {
    return std::pair{sin(matmul(cos(w), h) + x), std::tuple<>()};
  };
  const auto looped = [&](const Tensor& h) { return sum(scan(step, h, xs).first); };
  const auto unrolled = [&](const Tensor& h) {
    Tensor c = h;
    for (int64_t t = 0; t < 100; ++t) c = step(c, xs[t]).first;
    return sum(c);
  };
  const Tensor h = Random({3}, 28);
  EXPECT_TRUE(AllClose(grad(looped)(h), grad(unrolled)(h), 1e-13, 1e-13));
  EXPECT_TRUE(AllClose(jit(grad(looped))(h), grad(unrolled)(h), 1e-13, 1e-13));
  std::vector<Shape> shapes;
  for (const Tensor& c : Residuals(looped, h)) shapes.push_back(c.shape());
  EXPECT_THAT(shapes, Contains(Shape{3, 3}));
  EXPECT_THAT(shapes, Not(Contains(Shape{100, 3, 3})));
  // Under vmap of the gradient too (the batched body hoists the same way).
  const Tensor hs = Random({4, 3}, 29);
  const Tensor batched = vmap(grad(looped))(hs);
  for (int64_t b = 0; b < 4; ++b) EXPECT_TRUE(AllClose(batched[b], grad(unrolled)(hs[b]), 1e-13, 1e-13));
}

// A scan whose body is checkpointed: the stored residuals per step are the carry alone.
TEST(Checkpoint, InsideAScanBodyStoresOnlyTheCarryPerStep) {
  const auto step = [](const Tensor& h, const Tensor& x) {
    return std::pair{sin(sin(h) * x), sum(h)};
  };
  const auto f = [&](const Tensor& h, bool remat) {
    const Tensor xs = full({100, 3}, 0.9, f64);
    auto [out, ys] = remat ? scan(checkpoint(step), h, xs) : scan(step, h, xs);
    return sum(out) + sum(ys);
  };
  const Tensor h = Random({3}, 25);
  const auto plain = [&](const Tensor& v) { return f(v, false); };
  const auto remat = [&](const Tensor& v) { return f(v, true); };
  EXPECT_TRUE(AllClose(grad(remat)(h), grad(plain)(h), 1e-14, 1e-14));
  size_t plain_bytes = 0, remat_bytes = 0;
  for (const Tensor& c : Residuals(plain, h)) plain_bytes += c.aval().bytes();
  for (const Tensor& c : Residuals(remat, h)) remat_bytes += c.aval().bytes();
  EXPECT_LT(remat_bytes, plain_bytes) << remat_bytes << " vs " << plain_bytes;
}

}  // namespace
}  // namespace cotangent
