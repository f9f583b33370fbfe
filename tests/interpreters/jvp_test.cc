// File: tests/interpreters/jvp_test.cc
// Forward mode for every differentiable primitive against central finite differences in f64,
// along random directions, with respect to each input in turn.

#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

using testing::AllClose;
using testing::CentralDifference;
using testing::PrimitiveCase;
using testing::Random;

class JvpTest : public ::testing::TestWithParam<PrimitiveCase> {};

TEST_P(JvpTest, MatchesCentralDifferences) {
  const PrimitiveCase& c = GetParam();
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.shapes.size(); ++i) xs.push_back(Random(c.shapes[i], 17 + i, c.lo, c.hi));
  for (size_t i = 0; i < xs.size(); ++i) {
    SCOPED_TRACE("input " + std::to_string(i));
    const Tensor v = Random(c.shapes[i], 99 + i);
    const auto along_i = [&](const Tensor& xi) {
      std::vector<Tensor> args = xs;
      args[i] = xi;
      return c.f(args);
    };
    const auto [y, y_dot] = jvp([&](const Tensor& xi) { return along_i(xi); }, {xs[i]}, {v});
    EXPECT_TRUE(AllClose(y, c.f(xs), 0, 0));
    EXPECT_TRUE(AllClose(y_dot, CentralDifference(along_i, xs[i], v), 1e-7, 1e-8));
  }
}

TEST_P(JvpTest, AllTangentsAtOnceIsTheSumOfEach) {
  const PrimitiveCase& c = GetParam();
  std::vector<Tensor> xs, vs;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    xs.push_back(Random(c.shapes[i], 5 + i, c.lo, c.hi));
    vs.push_back(Random(c.shapes[i], 50 + i));
  }
  const auto f = [&](const std::vector<Tensor>& args) { return c.f(args); };
  const auto flat = [&](const std::vector<Tensor>& args) { return std::vector<Tensor>{f(args)}; };
  const Tensor all = JvpFlat("jvp", flat, xs, vs).second[0];
  Tensor sum_of_each = zeros_like(all);
  for (size_t i = 0; i < xs.size(); ++i) {
    std::vector<Tensor> one(xs.size());
    one[i] = vs[i];
    sum_of_each = sum_of_each + JvpFlat("jvp", flat, xs, one).second[0];
  }
  EXPECT_TRUE(AllClose(all, sum_of_each, 1e-12, 1e-14));
}

INSTANTIATE_TEST_SUITE_P(Primitives, JvpTest, ::testing::ValuesIn(testing::DifferentiableCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace cotangent
