// File: tests/interpreters/composition_test.cc
// The public contract of the transformations: the calls of the autodiff issue as written,
// nesting to third order, perturbation confusion, containers, argnums, has_aux, linearize,
// stop_gradient, custom rules, make_jaxpr, and the errors for bad input. References are
// closed forms computed here in double.

#include <cmath>
#include <map>
#include <tuple>

#include "gmock/gmock.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

namespace ct = ::cotangent;
using ::testing::HasSubstr;
using testing::AllClose;
using testing::ErrorOf;
using testing::Random;

// f(x) = sum(sin(x) x^2): gradient sin(x) x^2 -> cos(x) x^2 + 2 x sin(x), Hessian diagonal.
double F1(double x) { return std::cos(x) * x * x + 2 * x * std::sin(x); }
double F2(double x) { return -std::sin(x) * x * x + 4 * x * std::cos(x) + 2 * std::sin(x); }

TEST(ContractTest, TheIssueExampleCompilesAndIsCorrect) {
  ct::Tensor x = ct::tensor({0.3, -1.2, 0.8}, {3}, ct::f64);
  const ct::Tensor v = ct::tensor({1.0, 0.5, -2.0}, {3}, ct::f64);
  auto f = [](ct::Tensor x) { return ct::sum(ct::sin(x) * x * x); };
  const std::vector<double> xs = {0.3, -1.2, 0.8}, vs = {1.0, 0.5, -2.0};

  ct::Tensor g = ct::grad(f)(x);
  ct::Tensor H = ct::hessian(f)(x);
  ct::Tensor H2 = ct::jacrev(ct::jacrev(f))(x);
  ct::Tensor d3 = ct::grad(ct::grad(ct::grad([](ct::Tensor s) { return ct::tanh(s); })))(
      ct::scalar(2.0, ct::f64));
  auto [y, y_dot] = ct::jvp(f, {x}, {v});
  ct::Tensor hvp = ct::jvp(ct::grad(f), {x}, {v}).second;

  std::vector<double> g_ref, h_ref(9, 0.0), hvp_ref;
  double y_ref = 0, y_dot_ref = 0;
  for (int i = 0; i < 3; ++i) {
    g_ref.push_back(F1(xs[i]));
    h_ref[4 * i] = F2(xs[i]);
    hvp_ref.push_back(F2(xs[i]) * vs[i]);
    y_ref += std::sin(xs[i]) * xs[i] * xs[i];
    y_dot_ref += F1(xs[i]) * vs[i];
  }
  EXPECT_TRUE(AllClose(g, ct::tensor(g_ref, {3}, f64), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(H, ct::tensor(h_ref, {3, 3}, f64), 1e-13, 1e-14));
  EXPECT_TRUE(AllClose(H2, H, 1e-13, 1e-14));
  EXPECT_NEAR(y.item<double>(), y_ref, 1e-15);
  EXPECT_NEAR(y_dot.item<double>(), y_dot_ref, 1e-14);
  EXPECT_TRUE(AllClose(hvp, ct::tensor(hvp_ref, {3}, f64), 1e-13, 1e-14));
  // With t = tanh and s2 = 1 - t^2: tanh' = s2, tanh'' = -2 t s2, tanh''' = -2 s2 (s2 - 2 t^2).
  const double t = std::tanh(2.0), s2 = 1 - t * t;
  EXPECT_NEAR(d3.item<double>(), -2 * s2 * (s2 - 2 * t * t), 1e-14);
}

TEST(ContractTest, VjpArgnumsAndValueAndGrad) {
  const ct::Tensor A = Random({2, 3}, 1), B = Random({3, 4}, 2);
  auto g2 = [](ct::Tensor A, ct::Tensor B) { return ct::tanh(ct::matmul(A, B)); };
  auto [out, pullback] = ct::vjp(g2, A, B);
  const ct::Tensor ct_out = Random({2, 4}, 3);
  std::vector<ct::Tensor> cts = pullback(ct_out);
  ASSERT_EQ(cts.size(), 2u);
  // d tanh(AB) = (1 - tanh^2) * (dA B + A dB): the transpose in closed form.
  const ct::Tensor inner = ct_out * (1.0 - out * out);
  EXPECT_TRUE(AllClose(cts[0], ct::matmul(inner, ct::transpose(B)), 1e-14, 1e-15));
  EXPECT_TRUE(AllClose(cts[1], ct::matmul(ct::transpose(A), inner), 1e-14, 1e-15));

  const ct::Tensor W = Random({3, 2}, 4), b = Random({2}, 5), X = Random({5, 3}, 6);
  auto loss = [&](ct::Tensor W, ct::Tensor b) { return ct::sum(ct::square(ct::matmul(X, W) + b)); };
  const ct::Tensor r = ct::matmul(X, W) + b;  // dL/db = 2 sum_rows(r), dL/dW = 2 X^T r
  ct::Tensor dW = ct::grad(loss, 0)(W, b);
  ct::Tensor db = ct::grad(loss, 1)(W, b);
  std::vector<ct::Tensor> both = ct::grad(loss, std::vector<int>{0, 1})(W, b);
  auto [value, dW2] = ct::value_and_grad(loss, 0)(W, b);
  EXPECT_TRUE(AllClose(dW, 2.0 * ct::matmul(ct::transpose(X), r), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(db, 2.0 * ct::sum(r, 0), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(both[0], dW, 0, 0));
  EXPECT_TRUE(AllClose(both[1], db, 0, 0));
  EXPECT_TRUE(AllClose(value, loss(W, b), 0, 0));
  EXPECT_TRUE(AllClose(dW2, dW, 0, 0));
}

TEST(ContractTest, JacobiansHaveOutputThenInputShape) {
  const ct::Tensor x = Random({3}, 7);
  auto g4 = [](ct::Tensor x) { return ct::reshape(ct::stack({ct::sin(x), x * x}), {2, 3}); };
  ct::Tensor J = ct::jacfwd(g4)(x);
  EXPECT_EQ(J.shape(), (Shape{2, 3, 3}));
  EXPECT_TRUE(AllClose(ct::jacrev(g4)(x), J, 1e-15, 1e-15));
  std::vector<double> ref(18, 0.0);
  const std::vector<double> xv = x.to_vector<double>();
  for (int i = 0; i < 3; ++i) {
    ref[i * 3 + i] = std::cos(xv[i]);
    ref[9 + i * 3 + i] = 2 * xv[i];
  }
  EXPECT_TRUE(AllClose(J, ct::tensor(ref, {2, 3, 3}, f64), 1e-15, 1e-15));
  // With an argnum: d/dy of x * y.
  auto prod = [](ct::Tensor x, ct::Tensor y) { return x * y; };
  EXPECT_TRUE(AllClose(ct::jacrev(prod, 1)(x, x), ct::jacfwd(prod, 1)(x, x), 0, 0));
  EXPECT_TRUE(AllClose(ct::hessian([](ct::Tensor a, ct::Tensor b) { return ct::sum(a * b * b); }, 1)(x, x),
                       2.0 * ct::astype(ct::eye(3), f64) * x, 1e-15, 1e-15));
}

TEST(CompositionTest, MixedOrdersAgree) {
  const ct::Tensor x = Random({4}, 8);
  const auto f = [](const ct::Tensor& x) { return ct::sum(ct::exp(ct::sin(x)) * x); };
  const ct::Tensor v = Random({4}, 9);
  // grad(jvp f): d/dx <grad f(x), v> = H v.
  const auto directional = [&](const ct::Tensor& x) { return ct::jvp(f, {x}, {v}).second; };
  const ct::Tensor hv1 = ct::grad(directional)(x);
  const ct::Tensor hv2 = ct::jvp(ct::grad(f), {x}, {v}).second;
  EXPECT_TRUE(AllClose(hv1, hv2, 1e-13, 1e-14));
  // Third order, every mix: the derivative of the HVP along v.
  const auto third_fwd = ct::jacfwd(ct::jacfwd(ct::jacfwd(f)))(x);
  const auto third_rev = ct::jacrev(ct::jacrev(ct::grad(f)))(x);
  EXPECT_TRUE(AllClose(third_fwd, third_rev, 1e-12, 1e-13));
}

TEST(CompositionTest, NoPerturbationConfusion) {
  const ct::Tensor x = ct::scalar(3.0, f64);
  // d/dx [x * d/dy (x + y)] = 1
  const auto f = [](const ct::Tensor& x) {
    return x * ct::grad([&](const ct::Tensor& y) { return x + y; })(ct::scalar(1.0, f64));
  };
  EXPECT_EQ(ct::grad(f)(x).item<double>(), 1.0);
  // d/dx [x * d/dy (x * y)] = 2x
  const auto g = [](const ct::Tensor& x) {
    return x * ct::grad([&](const ct::Tensor& y) { return x * y; })(ct::scalar(1.0, f64));
  };
  EXPECT_EQ(ct::grad(g)(x).item<double>(), 6.0);
  // The same through forward mode inside reverse mode.
  const auto h = [](const ct::Tensor& x) {
    const ct::Tensor one = ct::scalar(1.0, f64);
    return x * ct::jvp([&](const ct::Tensor& y) { return x * y; }, {one}, {one}).second;
  };
  EXPECT_EQ(ct::grad(h)(x).item<double>(), 6.0);
  EXPECT_EQ(ct::jvp(h, {x}, {ct::scalar(1.0, f64)}).second.item<double>(), 6.0);
}

struct Mlp {
  ct::Tensor w, b;
};
auto tree_fields(Mlp& m) { return std::tie(m.w, m.b); }

TEST(ContainerTest, GradientsKeepTheStructure) {
  const ct::Tensor x = Random({4, 3}, 10);
  std::map<std::string, ct::Tensor> params = {{"W", Random({3, 2}, 11)}, {"b", Random({2}, 12)}};
  const auto loss = [&](const std::map<std::string, ct::Tensor>& p) {
    return ct::sum(ct::tanh(ct::matmul(x, p.at("W")) + p.at("b")));
  };
  const auto g = ct::grad(loss)(params);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g.at("W").shape(), (Shape{3, 2}));
  const auto by_w = [&](const ct::Tensor& W) { return loss({{"W", W}, {"b", params.at("b")}}); };
  EXPECT_TRUE(AllClose(g.at("W"), ct::grad(by_w)(params.at("W")), 0, 0));

  // A user struct, a tuple and a vector, nested.
  const Mlp m{Random({3, 2}, 13), Random({2}, 14)};
  using Tree = std::tuple<Mlp, std::vector<ct::Tensor>>;
  const Tree tree{m, {Random({2}, 15)}};
  const auto loss2 = [&](const Tree& t) {
    const Mlp& p = std::get<0>(t);
    return ct::sum(ct::matmul(x, p.w) + p.b) * ct::sum(std::get<1>(t)[0]);
  };
  const Tree gt = ct::grad(loss2)(tree);
  const double s = ct::sum(std::get<1>(tree)[0]).item<double>();
  EXPECT_TRUE(AllClose(std::get<0>(gt).b, ct::full_like(m.b, 4.0 * s), 1e-14, 1e-14));
  EXPECT_EQ(std::get<1>(gt)[0].shape(), (Shape{2}));

  // value_and_grad with a container, and jvp with container arguments.
  auto [value, g3] = ct::value_and_grad(loss)(params);
  EXPECT_TRUE(AllClose(value, loss(params), 0, 0));
  const auto tangent = ct::TreeMap([](const ct::Tensor& t) { return ct::ones_like(t); }, params);
  const auto [y, y_dot] = ct::jvp(loss, std::make_tuple(params), std::make_tuple(tangent));
  EXPECT_NEAR(y_dot.item<double>(),
              ct::sum(g3.at("W")).item<double>() + ct::sum(g3.at("b")).item<double>(), 1e-13);
}

TEST(AuxTest, HasAuxReturnsTheAuxiliaryValue) {
  const ct::Tensor x = Random({3}, 16);
  const auto f = [](const ct::Tensor& x) {
    const ct::Tensor y = ct::sin(x);
    return std::make_pair(ct::sum(y), y);
  };
  auto [g, aux] = ct::grad(f, ct::has_aux)(x);
  EXPECT_TRUE(AllClose(g, ct::cos(x), 1e-15, 0));
  EXPECT_TRUE(AllClose(aux, ct::sin(x), 0, 0));
  auto [value_aux, g2] = ct::value_and_grad(f, 0, ct::has_aux)(x);
  EXPECT_TRUE(AllClose(value_aux.first, ct::sum(ct::sin(x)), 0, 0));
  EXPECT_TRUE(AllClose(g2, g, 0, 0));
}

TEST(LinearizeTest, OneForwardPassManyJvps) {
  const ct::Tensor x = Random({5}, 17);
  const auto f = [](const ct::Tensor& x) { return ct::exp(x) * ct::sin(x); };
  auto [y, f_jvp] = ct::linearize(f, x);
  EXPECT_TRUE(AllClose(y, f(x), 0, 0));
  for (uint32_t seed = 0; seed < 3; ++seed) {
    const ct::Tensor v = Random({5}, 100 + seed);
    EXPECT_TRUE(AllClose(f_jvp(v), ct::jvp(f, {x}, {v}).second, 1e-15, 1e-15));
  }
}

TEST(StopGradientTest, BlocksDerivatives) {
  const ct::Tensor x = ct::scalar(2.0, f64);
  const auto f = [](const ct::Tensor& x) { return x * ct::stop_gradient(x * x); };
  EXPECT_EQ(ct::grad(f)(x).item<double>(), 4.0);
  EXPECT_EQ(ct::jvp(f, {x}, {ct::scalar(1.0, f64)}).second.item<double>(), 4.0);
}

TEST(CustomRuleTest, CustomJvpLog1pexpIsStable) {
  // log(1 + exp(x)) with the derivative 1 - 1 / (1 + exp(x)), stable at large x.
  auto log1pexp = ct::custom_jvp(
      [](const ct::Tensor& x) { return ct::log1p(ct::exp(x)); },
      [](const std::vector<ct::Tensor>& p, const std::vector<ct::Tensor>& t) {
        const ct::Tensor x = p[0];
        const ct::Tensor y = ct::log1p(ct::exp(x));
        return std::make_pair(y, (1.0 - 1.0 / (1.0 + ct::exp(x))) * t[0]);
      },
      "log1pexp");
  const auto naive = [](const ct::Tensor& x) { return ct::log1p(ct::exp(x)); };
  EXPECT_TRUE(std::isnan(ct::grad(naive)(ct::scalar(100.0)).item<float>()));
  EXPECT_EQ(ct::grad(log1pexp)(ct::scalar(100.0)).item<float>(), 1.0f);
  EXPECT_EQ(ct::jvp(log1pexp, {ct::scalar(100.0)}, {ct::scalar(1.0)}).second.item<float>(), 1.0f);
  EXPECT_NEAR(ct::grad(log1pexp)(ct::scalar(0.5, f64)).item<double>(),
              1 - 1 / (1 + std::exp(0.5)), 1e-15);
  // Second order differentiates the rule's tangent expression.
  const double s = 1 / (1 + std::exp(-0.5));
  EXPECT_NEAR(ct::grad(ct::grad(log1pexp))(ct::scalar(0.5, f64)).item<double>(), s * (1 - s),
              1e-15);
}

TEST(CustomRuleTest, CustomVjpAndItsForwardModeError) {
  auto clip_gradient = ct::custom_vjp(
      [](const ct::Tensor& x) { return x; },
      [](const ct::Tensor& x) { return std::make_pair(x, std::vector<ct::Tensor>{}); },
      [](const std::vector<ct::Tensor>&, const ct::Tensor& g) {
        return std::vector<ct::Tensor>{ct::maximum(ct::minimum(g, 1.0), -1.0)};
      },
      "clip_gradient");
  const auto f = [&](const ct::Tensor& x) { return ct::sum(clip_gradient(x) * 3.0); };
  EXPECT_TRUE(AllClose(ct::grad(f)(Random({3}, 18)), ct::full({3}, 1.0, f64), 0, 0));
  EXPECT_THAT(ErrorOf([&] { ct::jvp(f, {ct::scalar(1.0)}, {ct::scalar(1.0)}); }),
              HasSubstr("jvp: cannot differentiate custom_vjp function clip_gradient in forward mode"));
  // A custom_vjp log1pexp: gradient 1 at 100, and differentiable again through its bwd.
  auto log1pexp = ct::custom_vjp(
      [](const ct::Tensor& x) { return ct::log1p(ct::exp(x)); },
      [](const ct::Tensor& x) { return std::make_pair(ct::log1p(ct::exp(x)), std::vector<ct::Tensor>{x}); },
      [](const std::vector<ct::Tensor>& res, const ct::Tensor& g) {
        return std::vector<ct::Tensor>{g * ct::sigmoid(res[0])};
      });
  EXPECT_EQ(ct::grad(log1pexp)(ct::scalar(100.0)).item<float>(), 1.0f);
  const double s = 1 / (1 + std::exp(-0.5));
  EXPECT_NEAR(ct::grad(ct::grad(log1pexp))(ct::scalar(0.5, f64)).item<double>(), s * (1 - s), 1e-15);
}

TEST(MakeJaxprTest, PrintsThePrimitiveProgram) {
  const auto f = [](const ct::Tensor& x) { return ct::sum(ct::sin(x) * x); };
  EXPECT_EQ(ct::make_jaxpr(f)(ct::ones({3})),
            "{ lambda ; a:f32[3]. let\n"
            "    b:f32[3] = sin a\n"
            "    c:f32[3] = mul b a\n"
            "    d:f32[] = reduce_sum[axes=(0,)] c\n"
            "  in (d,) }");
}

// The program of a transformed function: the inner grad's (or linearize's) program reads
// values of the outer make_jaxpr program, which are constants to it, not linear inputs. JAX
// prints the same equations plus the unused primal output `_:f32[] = log c`, which our
// programs drop (dead-code elimination when a trace is finished).
TEST(MakeJaxprTest, PrintsTheProgramOfAGradient) {
  const auto log1pexp = [](const ct::Tensor& x) { return ct::log(1.0 + ct::exp(x)); };
  EXPECT_EQ(ct::make_jaxpr(ct::grad(log1pexp))(ct::scalar(100.0)),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = exp a\n"
            "    c:f32[] = add 1.0:f32[] b\n"
            "    d:f32[] = div 1.0:f32[] c\n"
            "    e:f32[] = mul d b\n"
            "  in (e,) }");
  const auto jvp_of_sin = [](const ct::Tensor& x) {
    auto [y, f_jvp] = ct::linearize([](const ct::Tensor& x) { return ct::sin(x); }, x);
    return f_jvp(x);
  };
  EXPECT_EQ(ct::make_jaxpr(jvp_of_sin)(ct::scalar(1.0)),
            "{ lambda ; a:f32[]. let\n"
            "    b:f32[] = cos a\n"
            "    c:f32[] = mul a b\n"
            "  in (c,) }");
}

TEST(ErrorTest, BadInputNamesTheTransformationAndShapes) {
  const ct::Tensor x = ct::ones({2, 3});
  EXPECT_EQ(ErrorOf([&] { ct::grad([](ct::Tensor x) { return x * 2.0; })(x); }),
            "grad: function output must be a floating-point scalar, got f32[2,3]");
  EXPECT_EQ(ErrorOf([&] { ct::grad([](ct::Tensor x) { return ct::sum(x); })(ct::arange(3)); }),
            "grad: cannot differentiate with respect to input 0 of type i32[3]: only floating "
            "and complex inputs (f16, bf16, f32, f64, c64, c128) have tangents; pass allow_int "
            "for a float0 zero gradient, or use vjp");
  EXPECT_EQ(ErrorOf([&] { ct::grad([](ct::Tensor a, ct::Tensor) { return ct::sum(a); }, 2)(x, x); }),
            "grad: argnum 2 out of range for a function of 2 arguments");
  EXPECT_EQ(ErrorOf([&] { ct::jvp([](ct::Tensor x) { return x; }, {x}, {ct::ones({3})}); }),
            "jvp: tangent f32[3] does not match primal f32[2,3] (input 0)");
  EXPECT_EQ(ErrorOf([&] { ct::jvp([](ct::Tensor x) { return x; }, {x}, {ct::ones({2, 3}, f64)}); }),
            "jvp: tangent f64[2,3] does not match primal f32[2,3] (input 0)");
  EXPECT_EQ(ErrorOf([&] { ct::jvp([](ct::Tensor x) { return x; }, {x, x}, {x, x}); }),
            "jvp: the function takes 1 arguments, got 2");
}

}  // namespace
}  // namespace cotangent
