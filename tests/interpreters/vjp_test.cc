// File: tests/interpreters/vjp_test.cc
// Reverse mode for every differentiable primitive by the inner-product identity
// <ct, J t> = <J^T ct, t>, with J t from forward mode and J^T ct from the backward pass, and
// the gradient of a scalar reduction against central differences.

#include <complex>

#include "gmock/gmock.h"
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

// ---- linear_transpose (JAX's api_test.py test_linear_transpose_*) ----

TEST(LinearTransposeTest, AbstractPrimalsAndTheDocExample) {
  const Tensor y = arange(3, f32);
  const auto t =
      linear_transpose([](const Tensor& x) { return 2.0f * x; }, AbstractValue({{3}, DType::kF32}));
  EXPECT_TRUE(AllClose(t(y)[0], 2.0f * y, 0, 0));
  const Tensor s = AbstractValue({{}, DType::kF32});
  const auto ft =
      linear_transpose([](const Tensor& x, const Tensor& y) { return 0.5f * x - 0.5f * y; }, s, s);
  const std::vector<Tensor> cts = ft(scalar(1.0f));
  EXPECT_EQ(cts[0].item<float>(), 0.5f);
  EXPECT_EQ(cts[1].item<float>(), -0.5f);
}

TEST(LinearTransposeTest, AgreesWithVjpOnALinearMap) {
  const Tensor a = Random({3, 4}, 1), x = Random({4}, 2), ct = Random({3}, 3);
  const auto f = [&](const Tensor& x) { return matmul(a, x) + 2.0 * x[0]; };
  EXPECT_TRUE(AllClose(linear_transpose(f, x)(ct)[0], vjp(f, x).second(ct)[0], 1e-14, 1e-14));
  // Under jit: the transposed function is an ordinary function of tensors.
  EXPECT_TRUE(AllClose(jit(linear_transpose(f, x))(ct)[0], vjp(f, x).second(ct)[0], 1e-14, 1e-14));
}

TEST(LinearTransposeTest, IntegerAndComplexFunctions) {
  EXPECT_EQ(
      linear_transpose([](const Tensor& x) { return 2 * x; }, scalar(1, i32))(scalar(3, i32))[0]
          .item<int32_t>(),
      6);
  // The transpose of a complex scale is the same scale, not its conjugate.
  using C = std::complex<double>;
  const auto z = [](double re, double im) { return from_vector<C>({C(re, im)}, {}); };
  const Tensor c = z(1, 2);
  const Tensor r = linear_transpose([&](const Tensor& x) { return c * x; }, z(0, 1))(z(3, 4))[0];
  EXPECT_EQ(r.item<C>(), C(-5.0, 10.0));
}

TEST(LinearTransposeTest, ContainersAndZerosWhereUnused) {
  using Pair = std::pair<Tensor, Tensor>;
  const auto first =
      linear_transpose([](const Pair& p) { return p.first; }, Pair{scalar(1.0), scalar(2.0)});
  const auto [a, b] = std::get<0>(first(scalar(3.0f)));
  EXPECT_EQ(a.item<float>(), 3.0f);
  EXPECT_EQ(b.item<float>(), 0.0f);
  // A jitted function with an unused non-linear output (JAX's issue 15660).
  const auto f = jit([](const Tensor& x) { return std::pair{2.0f * x, x > 0.0f}; });
  EXPECT_EQ(
      linear_transpose([&](const Tensor& x) { return f(x).first; }, scalar(1.0f))(scalar(1.0f))[0]
          .item<float>(),
      2.0f);
}

TEST(LinearTransposeTest, Errors) {
  EXPECT_THAT(testing::ErrorOf([] {
                linear_transpose([](const Tensor& x) { return 2.0f * x; }, scalar(1, i32));
              }),
              ::testing::HasSubstr("linear_transpose: only floating or complex -> floating or "
                                   "complex, and integer -> integer functions"));
  const auto stacked = linear_transpose(
      [](const Tensor& x) {
        return stack({x, x});
      },
      scalar(1.0f));
  EXPECT_THAT(testing::ErrorOf([&] { stacked(scalar(1.0f)); }),
              ::testing::HasSubstr("linear_transpose: cotangent 0 has type f32[] but the "
                                   "function's output has type f32[2]"));
  const auto listed = linear_transpose(
      [](const Tensor& x) {
        return std::vector<Tensor>{x, x};
      },
      scalar(1.0f));
  EXPECT_THAT(testing::ErrorOf([&] { listed({scalar(1.0f)}); }),
              ::testing::HasSubstr("linear_transpose: the cotangent's structure"));
  const auto sine = linear_transpose([](const Tensor& x) { return sin(x); }, scalar(1.0f));
  EXPECT_THAT(testing::ErrorOf([&] { sine(scalar(1.0f)); }),
              ::testing::HasSubstr("sin has no transpose rule"));
}

}  // namespace
}  // namespace cotangent
