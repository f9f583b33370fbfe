// File: tests/interpreters/custom_vmap_test.cc
// custom_vmap against JAX's CustomVmapTest (tests/custom_api_test.py), fact for fact: the rule
// sees the axis size and which arguments are batched, its outputs replace the vmapped
// function's; closures, several outputs and arguments, mixed batching; the rule's mistakes
// are errors naming it; jvp and jacfwd go through the rule's jvp (extra-batched primals and
// tangents included); jit composes; reverse mode is an error unless custom_vjp wraps it.

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "cotangent/cotangent.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::AllClose;
using testing::ErrorOf;

// sin, whose vmap rule computes cos instead (so that the rule's use is visible), recording
// what the rule saw.
struct Seen {
  int64_t axis_size = -1;
  std::vector<bool> in_batched;
  int calls = 0;
};

auto SinWithCosRule(Seen* seen) {
  return custom_vmap([](const Tensor& x) { return sin(x); }, "f")
      .def_vmap([seen](int64_t axis_size, const std::vector<bool>& in_batched, const Tensor& xs) {
        seen->axis_size = axis_size;
        seen->in_batched = in_batched;
        ++seen->calls;
        return std::pair{cos(xs), in_batched[0]};
      });
}

TEST(CustomVmap, Basic) {
  Seen seen;
  const auto f = SinWithCosRule(&seen);
  const Tensor x = scalar(1.0), xs = arange(0.0, 3.0, 1.0);
  EXPECT_TRUE(AllClose(f(x), sin(x), 0, 0));
  EXPECT_EQ(seen.calls, 0);
  EXPECT_TRUE(AllClose(vmap(f)(xs), cos(xs), 0, 0));
  EXPECT_EQ(seen.axis_size, 3);
  EXPECT_THAT(seen.in_batched, ElementsAre(true));
}

TEST(CustomVmap, Closure) {
  const Tensor z = tensor({2, 1, 3}, {3});
  const auto f = custom_vmap([&](const Tensor& x) { return z + sin(x); })
                     .def_vmap([&](int64_t axis_size, const std::vector<bool>& in_batched,
                                   const Tensor& xs) {
                       EXPECT_EQ(in_batched.size(), 1u);
                       EXPECT_EQ(axis_size, xs.shape()[0]);
                       return std::pair{z + cos(reshape(xs, {3, 1})), in_batched[0]};
                     });
  const Tensor x = scalar(1.0), xs = arange(0.0, 3.0, 1.0);
  EXPECT_TRUE(AllClose(f(x), z + sin(x), 0, 0));
  EXPECT_TRUE(AllClose(vmap(f)(xs), z + cos(reshape(xs, {3, 1})), 0, 0));
}

TEST(CustomVmap, RuleWithSeveralOutputs) {
  const auto f = custom_vmap([](const Tensor& x) { return std::tuple{sin(x), cos(x)}; })
                     .def_vmap([](int64_t, const std::vector<bool>& in_batched, const Tensor& xs) {
                       return std::pair{std::tuple{cos(xs), sin(xs)},
                                        std::vector<bool>{in_batched[0], in_batched[0]}};
                     });
  const Tensor x = scalar(1.0), xs = arange(0.0, 3.0, 1.0);
  const auto [y1, y2] = f(x);
  EXPECT_TRUE(AllClose(y1, sin(x), 0, 0));
  EXPECT_TRUE(AllClose(y2, cos(x), 0, 0));
  const auto [ys1, ys2] = vmap(f)(xs);
  EXPECT_TRUE(AllClose(ys1, cos(xs), 0, 0));
  EXPECT_TRUE(AllClose(ys2, sin(xs), 0, 0));
}

TEST(CustomVmap, MixedBatchingOfSeveralArguments) {
  std::vector<std::vector<bool>> log;
  const auto dot = custom_vmap([](const Tensor& u, const Tensor& v) { return sum(u * v); })
                       .def_vmap([&](int64_t axis_size, const std::vector<bool>& in_batched,
                                     const Tensor& u, const Tensor& v) {
                         log.push_back(in_batched);
                         EXPECT_EQ(axis_size, 4);
                         EXPECT_EQ(u.ndim(), in_batched[0] ? 2 : 1);
                         EXPECT_EQ(v.ndim(), in_batched[1] ? 2 : 1);
                         const Tensor out = in_batched[0] && in_batched[1] ? sum(u * v, {1})
                                            : in_batched[0]                 ? matmul(u, v)
                                                                            : matmul(v, u);
                         return std::pair{out, in_batched[0] || in_batched[1]};
                       });
  const Tensor a = ones({4, 3}), b = ones({3}), c = ones({3, 4});
  EXPECT_TRUE(AllClose(vmap(dot, {0, std::nullopt})(a, b), full({4}, 3.0), 0, 0));
  EXPECT_TRUE(AllClose(vmap(dot, {1, std::nullopt})(c, b), full({4}, 3.0), 0, 0));
  EXPECT_TRUE(AllClose(vmap(dot, {std::nullopt, 0})(b, a), full({4}, 3.0), 0, 0));
  EXPECT_TRUE(AllClose(vmap(dot, {0, 0})(a, a), full({4}, 3.0), 0, 0));
  ASSERT_EQ(log.size(), 4u);
  EXPECT_THAT(log[0], ElementsAre(true, false));
  EXPECT_THAT(log[1], ElementsAre(true, false));
  EXPECT_THAT(log[2], ElementsAre(false, true));
  EXPECT_THAT(log[3], ElementsAre(true, true));
}

TEST(CustomVmap, TheRulesMistakesAreErrorsNamingIt) {
  const auto two_outputs =
      custom_vmap([](const Tensor& x) { return sin(x); }, "test_rule_abc")
          .def_vmap([](int64_t, const std::vector<bool>& in_batched, const Tensor& xs) {
            return std::pair{std::vector<Tensor>{sin(xs), cos(xs)}, in_batched};
          });
  // The function returns a Tensor and the rule a vector: a type error at compile time in
  // C++; a rule returning the wrong flags or shapes is checked at run time.
  const auto wrong_flags =
      custom_vmap([](const Tensor& x) { return sin(x); }, "test_rule_abc2")
          .def_vmap([](int64_t, const std::vector<bool>&, const Tensor& xs) {
            return std::pair{sin(xs), std::vector<bool>{true, true}};
          });
  const auto unbatched_claim =
      custom_vmap([](const Tensor& x) { return sin(x); }, "test_rule_abc3")
          .def_vmap([](int64_t, const std::vector<bool>&, const Tensor& xs) {
            return std::pair{sin(xs), false};
          });
  const Tensor xs = arange(0.0, 3.0, 1.0);
  EXPECT_THAT(ErrorOf([&] { vmap(wrong_flags)(xs); }),
              HasSubstr("custom_vmap: the rule of test_rule_abc2 returns 1 outputs but 2 "
                        "batching flags"));
  EXPECT_THAT(ErrorOf([&] { vmap(unbatched_claim)(xs); }),
              HasSubstr("custom_vmap: output 0 of the rule of test_rule_abc3 has type f32[3] "
                        "but f32[] was expected (not batched)"));
  (void)two_outputs;
}

TEST(CustomVmap, WithoutARuleItIsAnError) {
  const auto f = custom_vmap([](const Tensor& x) { return sin(x); }, "f");
  EXPECT_THAT(ErrorOf([&] { f(scalar(0.5)); }),
              HasSubstr("no batching rule defined for custom_vmap function f"));
}

TEST(CustomVmap, JvpGoesThroughTheRulesJvp) {
  Seen seen;
  const auto f = SinWithCosRule(&seen);
  const auto f_jvp = [&](const Tensor& x, const Tensor& t) {
    auto [y, y_dot] = jvp(f, {x}, {t});
    return std::pair{y, y_dot};
  };
  const Tensor x = scalar(1.0), t = scalar(2.0);
  auto [y, ty] = f_jvp(x, t);
  EXPECT_TRUE(AllClose(y, sin(x), 1e-7, 0));
  EXPECT_TRUE(AllClose(ty, cos(x) * t, 1e-7, 0));
  const Tensor xs = arange(0.0, 3.0, 1.0), ts = arange(2.0, 5.0, 1.0);
  auto [ys, tys] = vmap(f_jvp)(xs, ts);
  EXPECT_TRUE(AllClose(ys, cos(xs), 1e-7, 0));
  EXPECT_TRUE(AllClose(tys, -sin(xs) * ts, 1e-7, 1e-7));
  EXPECT_THAT(seen.in_batched, ElementsAre(true));
  auto [ys2, tys2] = jvp(vmap(f), {xs}, {ts});
  EXPECT_TRUE(AllClose(ys2, cos(xs), 1e-7, 0));
  EXPECT_TRUE(AllClose(tys2, -sin(xs) * ts, 1e-7, 1e-7));
}

TEST(CustomVmap, JvpOfSeveralArguments) {
  const auto f = custom_vmap([](const Tensor& x, const Tensor& y) { return sin(x) + y; })
                     .def_vmap([](int64_t, const std::vector<bool>& in_batched, const Tensor& xs,
                                  const Tensor& ys) {
                       EXPECT_THAT(in_batched, ElementsAre(true, true));
                       return std::pair{cos(xs) + ys, true};
                     });
  const auto f_jvp = [&](const Tensor& x, const Tensor& y, const Tensor& tx, const Tensor& ty) {
    return jvp(f, {x, y}, {tx, ty});
  };
  const Tensor xs = arange(0.0, 3.0, 1.0), ys = arange(3.0, 6.0, 1.0);
  const Tensor txs = arange(6.0, 9.0, 1.0), tys = arange(9.0, 12.0, 1.0);
  auto [zs, tzs] = vmap(f_jvp)(xs, ys, txs, tys);
  EXPECT_TRUE(AllClose(zs, cos(xs) + ys, 1e-7, 0));
  EXPECT_TRUE(AllClose(tzs, -sin(xs) * txs + tys, 1e-6, 1e-6));
}

// Tangents batched, primals not: the rule sees nothing batched; an inner vmap maps the
// tangents (test_jvp_extra_batched_tangents, test_jacfwd).
TEST(CustomVmap, ExtraBatchedTangentsAndJacfwd) {
  Seen seen;
  const auto f = SinWithCosRule(&seen);
  const Tensor x = scalar(1.0), txs = arange(2.0, 5.0, 1.0);
  auto [y, tys] = vmap([&](const Tensor& t) { return jvp(f, {x}, {t}); }, {0})(txs);
  EXPECT_TRUE(AllClose(y, full({3}, std::cos(1.0)), 1e-7, 0));
  EXPECT_TRUE(AllClose(tys, -sin(x) * txs, 1e-6, 1e-6));
  EXPECT_THAT(seen.in_batched, ElementsAre(false));
  EXPECT_EQ(seen.axis_size, 3);
  const Tensor v = arange(0.0, 3.0, 1.0) + 0.72;
  EXPECT_TRUE(AllClose(jacfwd(f)(v), -eye(3) * sin(v), 1e-6, 1e-6));  // -diag(sin(v))
}

// Primals batched, tangent not (test_jvp_extra_batched_primals).
TEST(CustomVmap, ExtraBatchedPrimals) {
  Seen seen;
  const auto f = SinWithCosRule(&seen);
  const Tensor xs = arange(0.0, 3.0, 1.0), t = scalar(4.0);
  auto [ys, tys] = vmap([&](const Tensor& x) { return jvp(f, {x}, {t}); })(xs);
  EXPECT_TRUE(AllClose(ys, cos(xs), 1e-7, 0));
  EXPECT_TRUE(AllClose(tys, -sin(xs) * t, 1e-6, 1e-6));
  EXPECT_THAT(seen.in_batched, ElementsAre(false));
}

TEST(CustomVmap, ContainersAndJit) {
  using Pair = std::pair<Tensor, Tensor>;
  const auto f = custom_vmap([](const Pair& p) { return Pair{sin(p.first), sin(p.second)}; })
                     .def_vmap([](int64_t, const std::vector<bool>& in_batched, const Pair& p) {
                       return std::pair{Pair{cos(p.first), cos(p.second)}, in_batched};
                     });
  const Pair xs{arange(0.0, 3.0, 1.0), arange(3.0, 6.0, 1.0)};
  const Pair ys = vmap(f)(xs);
  EXPECT_TRUE(AllClose(ys.first, cos(xs.first), 0, 0));
  EXPECT_TRUE(AllClose(ys.second, cos(xs.second), 0, 0));
  const auto g = custom_vmap([](const Tensor& x) { return sin(x); })
                     .def_vmap([](int64_t, const std::vector<bool>& b, const Tensor& x) {
                       return std::pair{cos(x), b[0]};
                     });
  const Tensor x = arange(0.0, 3.0, 1.0);
  EXPECT_TRUE(AllClose(jit(g)(scalar(1.0)), g(scalar(1.0)), 0, 0));
  EXPECT_TRUE(AllClose(jit(vmap(g))(x), vmap(g)(x), 0, 0));
  EXPECT_TRUE(AllClose(vmap(jit(g))(x), vmap(g)(x), 0, 0));
}

TEST(CustomVmap, ReverseModeIsAnErrorUnlessCustomVjpWrapsIt) {
  Seen seen;
  const auto f = SinWithCosRule(&seen);
  EXPECT_THAT(ErrorOf([&] { grad(f)(scalar(0.5)); }),
              HasSubstr("custom_vmap: f cannot be differentiated in reverse mode"));
  const auto g = custom_vjp(
      [&](const Tensor& x) { return f(x); },
      [&](const Tensor& x) { return std::make_pair(f(x), std::vector<Tensor>{cos(x)}); },
      [](const std::vector<Tensor>& res, const Tensor& ct) {
        return std::vector<Tensor>{res[0] * ct};
      });
  EXPECT_TRUE(AllClose(grad(g)(scalar(0.5)), scalar(std::cos(0.5)), 1e-7, 0));
  EXPECT_TRUE(AllClose(vmap(g)(arange(0.0, 3.0, 1.0)), cos(arange(0.0, 3.0, 1.0)), 0, 0));
}

TEST(CustomVmap, ABatchedClosedOverValueIsAnError) {
  const Tensor zs = arange(0.0, 3.0, 1.0);
  EXPECT_THAT(ErrorOf([&] {
                vmap([&](const Tensor& z) {
                  const auto f = custom_vmap([&](const Tensor& x) { return x + z; }, "h")
                                     .def_vmap([](int64_t, const std::vector<bool>& b,
                                                  const Tensor& x) { return std::pair{x, b[0]}; });
                  return f(scalar(1.0));
                })(zs);
              }),
              HasSubstr("custom_vmap: h closes over a batched value of type f32[3]"));
}

}  // namespace
}  // namespace cotangent
