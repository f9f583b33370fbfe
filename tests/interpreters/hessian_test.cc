// File: tests/interpreters/hessian_test.cc
// Second order for every differentiable primitive: the four Hessian compositions
// (jacfwd/jacrev over jacfwd/jacrev) agree, and match central differences of the gradient.

#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

using testing::AllClose;
using testing::PrimitiveCase;
using testing::Random;

class HessianTest : public ::testing::TestWithParam<PrimitiveCase> {};

TEST_P(HessianTest, FourCompositionsAgree) {
  const PrimitiveCase& c = GetParam();
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.shapes.size(); ++i) xs.push_back(Random(c.shapes[i], 11 + i, c.lo, c.hi));
  const Tensor w = Random(c.f(xs).shape(), 5);
  const Tensor x0 = xs[0];
  // A scalar function of the first input; the others are closed over.
  const auto g = [&](const Tensor& x) {
    std::vector<Tensor> args = xs;
    args[0] = x;
    return sum(c.f(args) * w);
  };
  const Tensor h_fr = jacfwd(jacrev(g))(x0);
  const Tensor h_rr = jacrev(jacrev(g))(x0);
  const Tensor h_rf = jacrev(jacfwd(g))(x0);
  const Tensor h_ff = jacfwd(jacfwd(g))(x0);
  Shape hs = x0.shape();
  hs.insert(hs.end(), x0.shape().begin(), x0.shape().end());
  EXPECT_EQ(h_fr.shape(), hs);
  EXPECT_TRUE(AllClose(h_rr, h_fr, 1e-10, 1e-12));
  EXPECT_TRUE(AllClose(h_rf, h_fr, 1e-10, 1e-12));
  EXPECT_TRUE(AllClose(h_ff, h_fr, 1e-10, 1e-12));
  EXPECT_TRUE(AllClose(hessian(g)(x0), h_fr, 0, 0));
  // Hessian-vector product against central differences of the gradient.
  const Tensor v = Random(x0.shape(), 6);
  const double eps = 1e-5;
  const Tensor fd = (grad(g)(x0 + eps * v) - grad(g)(x0 - eps * v)) / (2 * eps);
  const Tensor hv = reshape(matmul(reshape(h_fr, {x0.size(), x0.size()}), reshape(v, {-1})),
                            x0.shape());
  EXPECT_TRUE(AllClose(hv, fd, 1e-6, 1e-7));
}

INSTANTIATE_TEST_SUITE_P(Primitives, HessianTest,
                         ::testing::ValuesIn(testing::DifferentiableCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace cotangent
