// File: tests/interpreters/custom_pytree_test.cc
// custom_jvp and custom_vjp over pytrees: container arguments, several outputs and container
// residuals, as JAX accepts them (custom_api_test.py's test_pytrees, the custom-derivatives
// notebook's Point/dict cells). Oracles: the notebook's printed values, the function without
// its rule (each rule here is the exact derivative times a marker factor, so a rule that is
// not applied fails), central differences in f64, and eager for jit.

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;
using testing::AllClose;
using testing::ErrorOf;
using Tensors = std::vector<Tensor>;

// The notebook's Point namedtuple and its {'a': ..., 'b': (..., ...)} output.
struct Point {
  Tensor x, y;
};
auto tree_fields(Point& p) { return std::tie(p.x, p.y); }
struct Dict {
  Tensor a;
  std::pair<Tensor, Tensor> b;
};
auto tree_fields(Dict& d) { return std::tie(d.a, d.b); }

Dict F(const Point& pt) { return {square(pt.x), {sin(pt.x), cos(pt.y)}}; }
Tensor Fun(const Dict& d) { return d.a + d.b.first; }

auto NotebookCustomJvp() {
  return custom_jvp(F, [](const auto& primals, const auto& tangents) {
    const auto& [pt] = primals;
    const auto& [pt_dot] = tangents;
    const Dict ans_dot{2. * pt.x * pt_dot.x, {cos(pt.x) * pt_dot.x, -sin(pt.y) * pt_dot.y}};
    return std::make_pair(F(pt), ans_dot);
  });
}

auto NotebookCustomVjp() {
  return custom_vjp(
      F, [](const Point& pt) { return std::make_pair(F(pt), pt); },
      [](const Point& pt, const Dict& g) {
        return std::make_tuple(Point{2. * pt.x * g.a + cos(pt.x) * g.b.first,
                                     -sin(pt.y) * g.b.second});
      });
}

// The notebook prints {'a': 1.0, 'b': (0.841471, -0.4161468)} and
// Point(x=2.5403023, y=0.) for both the custom_jvp and the custom_vjp version.
TEST(CustomPytreeTest, NotebookPointExampleCustomJvpAndCustomVjp) {
  const Point pt{scalar(1.f), scalar(2.f)};
  const auto check = [&](const auto& f) {
    const Dict out = f(pt);
    EXPECT_FLOAT_EQ(out.a.item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(out.b.first.item<float>(), 0.841471f);
    EXPECT_FLOAT_EQ(out.b.second.item<float>(), -0.4161468f);
    const Point g = grad([&](const Point& p) { return Fun(f(p)); })(pt);
    EXPECT_FLOAT_EQ(g.x.item<float>(), 2.5403023f);
    EXPECT_EQ(g.y.item<float>(), 0.0f);
  };
  check(NotebookCustomJvp());
  check(NotebookCustomVjp());
}

// custom_api_test.py test_pytrees: f({'a': x}) = {'b': sin(x)} with the jvp rule
// {'b': 2 cos(x) g}: jvp((x,), (x,)) is (sin 3, 2 cos(3) 3).
TEST(CustomPytreeTest, JaxTestPytreesDictArgumentAndOutput) {
  using D = std::map<std::string, Tensor>;
  auto f = custom_jvp([](const D& x) { return D{{"b", sin(x.at("a"))}}; },
                      [](const auto& primals, const auto& tangents) {
                        const auto& [x] = primals;
                        const auto& [g] = tangents;
                        return std::make_pair(D{{"b", sin(x.at("a"))}},
                                              D{{"b", 2. * cos(x.at("a")) * g.at("a")}});
                      });
  const D x{{"a", scalar(3.0, f64)}};
  EXPECT_DOUBLE_EQ(f(x).at("b").item<double>(), std::sin(3.0));
  const auto [y, y_dot] = jvp(f, std::make_tuple(x), std::make_tuple(x));
  EXPECT_DOUBLE_EQ(y.at("b").item<double>(), std::sin(3.0));
  EXPECT_DOUBLE_EQ(y_dot.at("b").item<double>(), 2 * std::cos(3.0) * 3.0);
}

// (sin(x) * y, x * y) with a rule giving twice the exact tangents.
std::pair<Tensor, Tensor> Two(const Tensor& x, const Tensor& y) { return {sin(x) * y, x * y}; }

auto TwoWithDoubledJvp() {
  return custom_jvp(Two, [](const Tensors& p, const Tensors& t) {
    const Tensor &x = p[0], &y = p[1], &dx = t[0], &dy = t[1];
    return std::make_pair(Two(x, y), std::make_pair(2. * (cos(x) * dx * y + sin(x) * dy),
                                                    2. * (dx * y + x * dy)));
  });
}

// A scalar of both outputs, so that grad and hessian apply.
template <typename G>
auto Scalarized(G g) {
  return [g](const Tensor& v) {
    const auto [a, b] = g(v, 1.5 * v);
    return sum(a * b + a);
  };
}

TEST(CustomPytreeTest, SeveralOutputsUnderJvpGradVmapJitAndEveryHessian) {
  const auto f = TwoWithDoubledJvp();
  const Tensor x = testing::Random({3}, 1), y = testing::Random({3}, 2);
  const Tensor dx = testing::Random({3}, 3), dy = testing::Random({3}, 4);
  // Forward: each output's tangent is twice the plain function's.
  const auto [out, tangent] = jvp(f, {x, y}, {dx, dy});
  const auto [plain_out, plain_tangent] = jvp(Two, {x, y}, {dx, dy});
  EXPECT_TRUE(AllClose(out.first, plain_out.first, 0, 0));
  EXPECT_TRUE(AllClose(tangent.first, 2. * plain_tangent.first, 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(tangent.second, 2. * plain_tangent.second, 1e-14, 1e-14));
  // Reverse through the linearized rule, batched, compiled.
  const auto loss = [&](const auto& g) {
    return [g](const Tensor& a, const Tensor& b) {
      const auto [u, v] = g(a, b);
      return sum(u * v);
    };
  };
  const Tensors grads = grad(loss(f), {0, 1})(x, y);
  const Tensors plain = grad(loss(Two), {0, 1})(x, y);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(AllClose(grads[i], 2. * plain[i], 1e-13, 1e-13));
  const Tensor xs = testing::Random({4, 3}, 5);
  const Tensor batched = vmap(grad(loss(f)))(xs, xs);
  const Tensor batched_plain = vmap(grad(loss(Two)))(xs, xs);
  EXPECT_TRUE(AllClose(batched, 2. * batched_plain, 1e-13, 1e-13));
  EXPECT_TRUE(AllClose(jit(grad(loss(f)))(x, y), grads[0], 1e-14, 1e-14));
  // Second order: the rule is applied once, then differentiated as plain code.
  const Tensor h_plain = hessian(Scalarized(Two))(x);
  for (const Tensor& h : {jacfwd(jacrev(Scalarized(f)))(x), jacrev(jacfwd(Scalarized(f)))(x),
                          jacrev(jacrev(Scalarized(f)))(x)}) {
    EXPECT_TRUE(AllClose(h, 2. * h_plain, 1e-12, 1e-12));
  }
}

// g({a, b}) = (a * b, sin(a)) with tuple residuals and a bwd giving three times the exact
// cotangents, as a tuple holding the list.
auto ListToPairWithTripledVjp() {
  const auto g = [](const Tensors& v) { return std::make_pair(v[0] * v[1], sin(v[0])); };
  return custom_vjp(
      g, [g](const Tensors& v) { return std::make_pair(g(v), std::make_tuple(v[0], v[1])); },
      [](const std::tuple<Tensor, Tensor>& res, const std::pair<Tensor, Tensor>& ct) {
        const auto& [a, b] = res;
        return std::make_tuple(
            Tensors{3. * (ct.first * b + ct.second * cos(a)), 3. * ct.first * a});
      });
}

TEST(CustomPytreeTest, ContainerResidualsAndZeroOutputCotangents) {
  const auto f = ListToPairWithTripledVjp();
  const Tensors v{testing::Random({2, 3}, 6), testing::Random({2, 3}, 7)};
  // Only the first output is used: the second output's cotangent reaches bwd as zeros.
  const Tensors g = grad([&](const Tensors& w) { return sum(f(w).first); })(v);
  EXPECT_TRUE(AllClose(g[0], 3. * v[1], 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(g[1], 3. * v[0], 1e-14, 1e-14));
  // Both outputs, against central differences of the plain function (times 3), in f64.
  const auto total = [&](const Tensors& w) { return sum(w[0] * w[1] + sin(w[0])); };
  const Tensors both = grad([&](const Tensors& w) {
    const auto [p, s] = f(w);
    return sum(p + s);
  })(v);
  const Tensor direction = testing::Random({2, 3}, 8);
  const Tensor fd = testing::CentralDifference(
      [&](const Tensor& a) { return total({a, v[1]}); }, v[0], direction);
  EXPECT_NEAR(testing::Inner(both[0], direction), 3. * fd.item<double>(), 1e-7);
  // Under vmap (bwd vmapped afresh) and jit.
  const auto per_row = [&](const Tensor& a, const Tensor& b) {
    return grad([&](const Tensors& w) { return sum(f(w).first); })(Tensors{a, b})[0];
  };
  EXPECT_TRUE(AllClose(vmap(per_row)(v[0], v[1]), 3. * v[1], 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(jit(per_row)(v[0], v[1]), g[0], 1e-14, 1e-14));
}

TEST(CustomPytreeTest, StructureMismatchesAreClearErrors) {
  // bwd returns one cotangent for a list of two arguments.
  auto short_bwd = custom_vjp(
      [](const Tensors& v) { return v[0] * v[1]; },
      [](const Tensors& v) { return std::make_pair(v[0] * v[1], v); },
      [](const Tensors& res, const Tensor& ct) { return std::make_tuple(Tensors{ct * res[1]}); },
      "short_bwd");
  const Tensors v{ones({2}, f64), ones({2}, f64)};
  EXPECT_THAT(ErrorOf([&] { grad([&](const Tensors& w) { return sum(short_bwd(w)); })(v); }),
              HasSubstr("short_bwd: 1 bwd cotangents for 2 arguments"));
  // A jvp rule whose tangent output has another length than the primal output.
  auto short_rule = custom_jvp([](const Tensor& x) { return Tensors{x, 2. * x}; },
                               [](const Tensors& p, const Tensors& t) {
                                 return std::make_pair(Tensors{p[0], 2. * p[0]}, Tensors{t[0]});
                               },
                               "short_rule");
  EXPECT_THAT(ErrorOf([&] { jvp(short_rule, {ones({2}, f64)}, {ones({2}, f64)}); }),
              HasSubstr("short_rule: 1 custom_jvp rule tangent outputs for 2 primal outputs"));
  // A tangent of another type than its output.
  auto wrong_type = custom_jvp([](const Tensor& x) { return std::make_pair(x, sum(x)); },
                               [](const Tensors& p, const Tensors& t) {
                                 return std::make_pair(std::make_pair(p[0], sum(p[0])),
                                                       std::make_pair(t[0], t[0]));
                               },
                               "wrong_type");
  EXPECT_THAT(ErrorOf([&] { jvp(wrong_type, {ones({2}, f64)}, {ones({2}, f64)}); }),
              HasSubstr("wrong_type: custom_jvp rule tangent output 1 is f64[2] for primal "
                        "output of type f64[]"));
}

}  // namespace
}  // namespace cotangent
