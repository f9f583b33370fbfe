// File: tests/cotangent/einsum_test.cc
// einsum against the compositions it stands for (matmul, batched matmul, trace, diagonal,
// transpose, outer, broadcasting ellipses), numpy's implicit-output rule, the greedy
// contraction order (seen in the traced program), derivatives against central differences,
// and the errors.

#include <string>
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
using testing::Random;

TEST(EinsumTest, MatchesTheCompositionsItNames) {
  const Tensor a = Random({3, 4}, 1), b = Random({4, 5}, 2), m = Random({4, 4}, 3);
  const Tensor x = Random({2, 3, 4}, 4), y = Random({2, 4, 5}, 5);
  EXPECT_TRUE(AllClose(einsum("ij,jk->ik", {a, b}), matmul(a, b), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("ij,jk", {a, b}), matmul(a, b), 1e-14, 1e-14));  // implicit
  EXPECT_TRUE(AllClose(einsum("bij,bjk->bik", {x, y}), matmul(x, y), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("ii", {m}), trace(m), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("ii->i", {m}), diagonal(m), 0, 0));
  EXPECT_TRUE(AllClose(einsum("ij->ji", {a}), transpose(a), 0, 0));
  EXPECT_TRUE(AllClose(einsum("ba", {a}), transpose(a), 0, 0));  // implicit: alphabetical
  EXPECT_TRUE(AllClose(einsum("ij->", {a}), sum(a), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("ij->j", {a}), sum(a, 0), 1e-14, 1e-14));
  const Tensor u = Random({3}, 6), v = Random({3}, 7);
  EXPECT_TRUE(AllClose(einsum("i,i->", {u, v}), sum(u * v), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("i,j->ij", {u, v}), outer(u, v), 0, 0));
  EXPECT_TRUE(AllClose(einsum("i,i,i->i", {u, v, u}), u * v * u, 1e-14, 1e-14));
  // "..." broadcasts: a batch of 1 against a batch of 2.
  const Tensor p = Random({1, 3, 4}, 8), q = Random({2, 4, 5}, 9);
  EXPECT_TRUE(AllClose(einsum("...ij,...jk->...ik", {p, q}), matmul(p, q), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("...ij,...jk", {p, q}), matmul(p, q), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(einsum("i...->...", {x}), sum(x, 0), 1e-14, 1e-14));
  EXPECT_EQ(einsum("ij,jk->ik", {reshape(arange(6), {2, 3}), ones({3, 2}, i32)}).dtype(), i32);
}

TEST(EinsumTest, ContractsTheCheapPairFirst) {
  // (a b) c costs 1*50*50 + 1*50*50 multiply-adds; a (b c) 50*50*50 + 1*50*50.
  const auto f = [](const Tensor& a, const Tensor& b, const Tensor& c) {
    return einsum("ij,jk,kl->il", {a, b, c});
  };
  const Tensor a = Random({1, 50}, 1), b = Random({50, 50}, 2), c = Random({50, 50}, 3);
  const std::string program = make_jaxpr(f)(a, b, c).ToString();
  const std::string matmul_dims = "dot_general[dimension_numbers=(((1,), (0,)), ((), ()))]";
  EXPECT_THAT(program, HasSubstr("f64[1,50] = " + matmul_dims + " a b")) << program;
  EXPECT_TRUE(AllClose(f(a, b, c), matmul(matmul(a, b), c), 1e-12, 1e-12));
  // The order follows the shapes, not the written order.
  const Tensor a2 = Random({50, 50}, 4), c2 = Random({50, 1}, 5);
  EXPECT_THAT(make_jaxpr(f)(a2, b, c2).ToString(),
              HasSubstr("f64[50,1] = " + matmul_dims + " b c"));
}

TEST(EinsumTest, GradientsMatchCentralDifferences) {
  const Tensor b = Random({4, 4}, 2), c = Random({4, 3}, 3);
  const auto f = [&](const Tensor& a) {
    return sum(square(einsum("ij,jk,kl,jj->il", {a, b, c, b})));
  };
  const Tensor a = Random({2, 4}, 1), dir = Random({2, 4}, 9);
  const double fd = testing::CentralDifference(f, a, dir).item<double>();
  EXPECT_NEAR(testing::Inner(grad(f)(a), dir), fd, 1e-7 * (1 + std::abs(fd)));
}

TEST(EinsumTest, ErrorsNameTheSubscripts) {
  const Tensor a = ones({2, 3}), b = ones({4, 5});
  EXPECT_THAT(ErrorOf([&] { einsum("ij,jk->ik", {a, b}); }),
              HasSubstr("einsum 'ij,jk->ik': index 'j' of sizes 3 and 4"));
  EXPECT_THAT(ErrorOf([&] { einsum("ij,jk", {a}); }), HasSubstr("names 2 operands, got 1"));
  EXPECT_THAT(ErrorOf([&] { einsum("ijk", {a}); }),
              HasSubstr("operand 0 is f32[2,3] but 'ijk' labels 3 axes"));
  EXPECT_THAT(ErrorOf([&] { einsum("ij->iz", {a}); }),
              HasSubstr("output index 'z' is in no operand"));
  EXPECT_THAT(ErrorOf([&] { einsum("i1", {a}); }), HasSubstr("is not letters"));
}

}  // namespace
}  // namespace cotangent
