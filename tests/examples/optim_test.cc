// File: tests/examples/optim_test.cc
// Optimizer updates against values computed by hand on tiny inputs, over a std::map and a
// user struct; learning-rate schedules.

#include "examples/support/optim.h"

#include <cmath>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent::optim {
namespace {

using Params = std::map<std::string, Tensor>;
using ::cotangent::testing::AllClose;

Tensor Vec(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return tensor(std::move(v), {n}, f64);
}

TEST(Sgd, PlainStep) {
  const Sgd sgd({.learning_rate = 0.1});
  const Params params = {{"w", Vec({1, 2})}};
  const Params grads = {{"w", Vec({0.5, -1})}};
  auto state = sgd.Init(params);
  EXPECT_FALSE(state.trace.has_value());
  auto [updates, next] = sgd.Update(grads, state);
  EXPECT_TRUE(AllClose(updates.at("w"), Vec({-0.05, 0.1}), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(ApplyUpdates(params, updates).at("w"), Vec({0.95, 2.1}), 1e-12, 1e-12));
  EXPECT_EQ(next.count, 1);
}

TEST(Sgd, MomentumAndNesterov) {
  const Params grads = {{"w", Vec({1, 2})}};
  // trace1 = g = [1, 2]; trace2 = g + 0.9 trace1 = [1.9, 3.8].
  const Sgd heavy_ball({.learning_rate = 0.1, .momentum = 0.9});
  auto state = heavy_ball.Init(grads);
  auto [u1, s1] = heavy_ball.Update(grads, state);
  auto [u2, s2] = heavy_ball.Update(grads, s1);
  EXPECT_TRUE(AllClose(u1.at("w"), Vec({-0.1, -0.2}), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(u2.at("w"), Vec({-0.19, -0.38}), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(s2.trace->at("w"), Vec({1.9, 3.8}), 1e-12, 1e-12));
  // Nesterov: -lr (g + 0.9 trace): step 1 [-0.19, -0.38], step 2 -0.1 (1 + 0.9 * 1.9) = -0.271.
  const Sgd nesterov({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true});
  auto [n1, t1] = nesterov.Update(grads, nesterov.Init(grads));
  auto [n2, t2] = nesterov.Update(grads, t1);
  EXPECT_TRUE(AllClose(n1.at("w"), Vec({-0.19, -0.38}), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(n2.at("w"), Vec({-0.271, -0.542}), 1e-12, 1e-12));
}

struct Linear {
  Tensor w, b;
};
auto tree_fields(Linear& m) { return std::tie(m.w, m.b); }

TEST(Adam, TwoStepsByHand) {
  const Adam adam({.learning_rate = 0.01});
  const Linear params{Vec({1, -1}), Vec({0.5})};
  const Linear g1{Vec({0.2, -3}), Vec({0})};
  auto state = adam.Init(params);
  auto [u1, s1] = adam.Update(g1, state);
  // Step 1: mu_hat = g, nu_hat = g^2, so the update is -lr * g / (|g| + eps).
  EXPECT_TRUE(AllClose(u1.w, Vec({-0.01 * 0.2 / (0.2 + 1e-8), 0.01 * 3 / (3 + 1e-8)}), 1e-12, 0));
  EXPECT_TRUE(AllClose(u1.b, Vec({0}), 0, 0));
  // Step 2 with g2 = [0.4, 1]: mu = 0.09 g1 + 0.1 g2, nu = 0.000999 g1^2 + 0.001 g2^2.
  const Linear g2{Vec({0.4, 1}), Vec({0})};
  auto [u2, s2] = adam.Update(g2, s1);
  const auto expected = [](double a, double b) {
    const double mu = 0.9 * 0.1 * a + 0.1 * b;
    const double nu = 0.999 * 0.001 * a * a + 0.001 * b * b;
    const double mu_hat = mu / (1 - 0.9 * 0.9), nu_hat = nu / (1 - 0.999 * 0.999);
    return -0.01 * mu_hat / (std::sqrt(nu_hat) + 1e-8);
  };
  EXPECT_TRUE(AllClose(u2.w, Vec({expected(0.2, 0.4), expected(-3, 1)}), 1e-12, 1e-15));
  EXPECT_EQ(s2.count, 2);
}

TEST(Schedules, PiecewiseAndCosine) {
  const Schedule steps = PiecewiseConstant(0.1, {{100, 0.1}, {50, 0.5}});
  EXPECT_DOUBLE_EQ(steps(0), 0.1);
  EXPECT_DOUBLE_EQ(steps(50), 0.05);
  EXPECT_DOUBLE_EQ(steps(100), 0.005);
  const Schedule cosine = CosineDecay(1.0, 10, 0.1);
  EXPECT_DOUBLE_EQ(cosine(0), 1.0);
  EXPECT_NEAR(cosine(5), 0.55, 1e-12);
  EXPECT_DOUBLE_EQ(cosine(10), 0.1);
  EXPECT_DOUBLE_EQ(cosine(20), 0.1);
  const Schedule constant = 0.3;
  EXPECT_DOUBLE_EQ(constant(1000), 0.3);
}

TEST(Sgd, ScheduleIsReadAtTheUpdateCount) {
  const Sgd sgd({.learning_rate = Schedule([](int64_t step) { return step == 0 ? 1.0 : 0.5; })});
  const Params g = {{"w", Vec({2})}};
  auto [u1, s1] = sgd.Update(g, sgd.Init(g));
  auto [u2, s2] = sgd.Update(g, s1);
  EXPECT_DOUBLE_EQ(u1.at("w").item<double>(), -2);
  EXPECT_DOUBLE_EQ(u2.at("w").item<double>(), -1);
}

}  // namespace
}  // namespace cotangent::optim
