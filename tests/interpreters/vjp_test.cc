// File: tests/interpreters/vjp_test.cc
// Reverse mode for every differentiable primitive by the inner-product identity
// <ct, J t> = <J^T ct, t>, with J t from forward mode and J^T ct from the backward pass, and
// the gradient of a scalar reduction against central differences.

#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

using testing::AllClose;
using testing::CentralDifference;
using testing::Inner;
using testing::PrimitiveCase;
using testing::Random;

class VjpTest : public ::testing::TestWithParam<PrimitiveCase> {};

TEST_P(VjpTest, InnerProductIdentity) {
  const PrimitiveCase& c = GetParam();
  std::vector<Tensor> xs, ts;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    xs.push_back(Random(c.shapes[i], 3 + i, c.lo, c.hi));
    ts.push_back(Random(c.shapes[i], 30 + i));
  }
  const auto flat = [&](const std::vector<Tensor>& args) { return std::vector<Tensor>{c.f(args)}; };
  const Linearized lin = LinearizeFlat("vjp", flat, xs, std::vector<bool>(xs.size(), true), true);
  EXPECT_TRUE(AllClose(lin.primals_out[0], c.f(xs), 0, 0));
  const Tensor ct = Random(lin.primals_out[0].shape(), 77);
  const std::vector<Tensor> ct_x = lin.Transpose({ct});
  const Tensor jt = JvpFlat("jvp", flat, xs, ts).second[0];
  double lhs = Inner(ct, jt), rhs = 0;
  for (size_t i = 0; i < xs.size(); ++i) rhs += Inner(ct_x[i], ts[i]);
  EXPECT_NEAR(lhs, rhs, 1e-12 * (1 + std::fabs(lhs)));
  // The same linear map applied forward (linearize) matches the jvp.
  EXPECT_TRUE(AllClose(lin.Apply(ts)[0], jt, 1e-13, 1e-14));
}

TEST_P(VjpTest, GradientOfAWeightedSumMatchesCentralDifferences) {
  const PrimitiveCase& c = GetParam();
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.shapes.size(); ++i) xs.push_back(Random(c.shapes[i], 8 + i, c.lo, c.hi));
  const Tensor w = Random(c.f(xs).shape(), 123);
  for (size_t i = 0; i < xs.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i));
    const auto loss = [&](const Tensor& xi) {
      std::vector<Tensor> args = xs;
      args[i] = xi;
      return sum(c.f(args) * w);
    };
    const Tensor g = grad(loss)(xs[i]);
    const Tensor v = Random(c.shapes[i], 200 + i);
    EXPECT_NEAR(Inner(g, v), CentralDifference(loss, xs[i], v).item<double>(), 1e-7);
  }
}

INSTANTIATE_TEST_SUITE_P(Primitives, VjpTest, ::testing::ValuesIn(testing::DifferentiableCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace cotangent
