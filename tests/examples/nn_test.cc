// File: tests/examples/nn_test.cc
// The nn compositions against direct loops (conv2d, max pooling), their gradients against
// central differences in f64, and cross-entropy and embedding against their definitions.

#include "examples/support/nn.h"

#include <cmath>

#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent::nn {
namespace {

using ::cotangent::testing::AllClose;
using ::cotangent::testing::CentralDifference;
using ::cotangent::testing::Inner;
using ::cotangent::testing::Random;

// conv2d by its definition: out[n,i,j,o] = sum x[n,i+a-p,j+b-p,c] w[a,b,c,o], zero outside;
// SAME pads k - 1 in all, the odd one at the end (p = (k - 1) / 2 before), as lax.
Tensor ConvLoops(const Tensor& x, const Tensor& w, Padding padding) {
  const Shape xs = x.shape(), ws = w.shape();
  const bool same = padding == Padding::kSame;
  const int64_t ph = same ? (ws[0] - 1) / 2 : 0, pw = same ? (ws[1] - 1) / 2 : 0;
  const int64_t ho = same ? xs[1] : xs[1] - ws[0] + 1, wo = same ? xs[2] : xs[2] - ws[1] + 1;
  const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
  std::vector<double> out(xs[0] * ho * wo * ws[3], 0.0);
  for (int64_t n = 0; n < xs[0]; ++n)
    for (int64_t i = 0; i < ho; ++i)
      for (int64_t j = 0; j < wo; ++j)
        for (int64_t o = 0; o < ws[3]; ++o) {
          double s = 0;
          for (int64_t a = 0; a < ws[0]; ++a)
            for (int64_t b = 0; b < ws[1]; ++b)
              for (int64_t c = 0; c < ws[2]; ++c) {
                const int64_t r = i + a - ph, q = j + b - pw;
                if (r < 0 || q < 0 || r >= xs[1] || q >= xs[2]) continue;
                s += xv[((n * xs[1] + r) * xs[2] + q) * xs[3] + c] *
                     wv[((a * ws[1] + b) * ws[2] + c) * ws[3] + o];
              }
          out[((n * ho + i) * wo + j) * ws[3] + o] = s;
        }
  return tensor(out, {xs[0], ho, wo, ws[3]}, f64);
}

TEST(Conv2d, MatchesLoops) {
  const Tensor x = Random({2, 5, 6, 3}, 1), w = Random({3, 3, 3, 4}, 2);
  EXPECT_TRUE(
      AllClose(conv2d(x, w, Padding::kSame), ConvLoops(x, w, Padding::kSame), 1e-12, 1e-12));
  EXPECT_TRUE(
      AllClose(conv2d(x, w, Padding::kValid), ConvLoops(x, w, Padding::kValid), 1e-12, 1e-12));
  const Tensor w5 = Random({5, 1, 3, 2}, 3);
  EXPECT_TRUE(
      AllClose(conv2d(x, w5, Padding::kSame), ConvLoops(x, w5, Padding::kSame), 1e-12, 1e-12));
  const Tensor w2 = Random({2, 4, 3, 2}, 4);  // even kernels: the extra padding at the end
  EXPECT_TRUE(
      AllClose(conv2d(x, w2, Padding::kSame), ConvLoops(x, w2, Padding::kSame), 1e-12, 1e-12));
}

TEST(Conv2d, GradientsMatchCentralDifferences) {
  const Tensor x = Random({2, 4, 4, 2}, 4), w = Random({3, 3, 2, 3}, 5);
  const Tensor r = Random({2, 4, 4, 3}, 6);
  const auto loss = [&](const Tensor& x, const Tensor& w) { return sum(tanh(conv2d(x, w)) * r); };
  const std::vector<Tensor> g = grad(loss, {0, 1})(x, w);
  const Tensor vx = Random(x.shape(), 7), vw = Random(w.shape(), 8);
  const double dx =
      CentralDifference([&](const Tensor& t) { return loss(t, w); }, x, vx).item<double>();
  const double dw =
      CentralDifference([&](const Tensor& t) { return loss(x, t); }, w, vw).item<double>();
  EXPECT_NEAR(Inner(g[0], vx), dx, 1e-6 * (1 + std::abs(dx)));
  EXPECT_NEAR(Inner(g[1], vw), dw, 1e-6 * (1 + std::abs(dw)));
}

TEST(Conv2d, Errors) {
  EXPECT_THROW(conv2d(zeros({1, 4, 4, 2}), zeros({3, 3, 3, 1})), Error);
  EXPECT_THROW(conv2d(zeros({4, 4, 2}), zeros({3, 3, 2, 1})), Error);
  // A kernel larger than the input: no output positions, as lax (not an error).
  EXPECT_EQ(conv2d(zeros({1, 2, 2, 1}), zeros({3, 3, 1, 1}), Padding::kValid).shape(),
            (Shape{1, 0, 0, 1}));
}

TEST(MaxPool2d, ValuesAndGradient) {
  const Tensor x = Random({2, 4, 6, 3}, 9);
  const std::vector<double> xv = x.to_vector<double>();
  std::vector<double> expected;
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int c = 0; c < 3; ++c) {
          double m = -INFINITY;
          for (int a = 0; a < 2; ++a)
            for (int b = 0; b < 2; ++b)
              m = std::max(m, xv[((n * 4 + 2 * i + a) * 6 + 2 * j + b) * 3 + c]);
          expected.push_back(m);
        }
  EXPECT_TRUE(AllClose(max_pool2d(x), tensor(expected, {2, 2, 3, 3}, f64), 0, 0));
  // Random inputs have no ties, so the gradient is 1 at each window's maximum.
  const Tensor g = grad([](const Tensor& t) { return sum(max_pool2d(t)); })(x);
  EXPECT_DOUBLE_EQ(sum(g).item<double>(), 2 * 2 * 3 * 3);
  const Tensor v = Random(x.shape(), 10);
  const double fd =
      CentralDifference([](const Tensor& t) { return sum(square(max_pool2d(t))); }, x, v)
          .item<double>();
  const Tensor g2 = grad([](const Tensor& t) { return sum(square(max_pool2d(t))); })(x);
  EXPECT_NEAR(Inner(g2, v), fd, 1e-6);
  EXPECT_THROW(max_pool2d(zeros({1, 3, 4, 1})), Error);
}

TEST(CrossEntropy, DefinitionAndGradient) {
  const Tensor logits = tensor({1, 2, 3, 0, 0, 0}, {2, 3}, f64);
  const Tensor labels = tensor({2, 0}, {2}, i32);
  const double lse = std::log(std::exp(1) + std::exp(2) + std::exp(3));
  const double expected = ((lse - 3) + std::log(3.0)) / 2;
  EXPECT_NEAR(cross_entropy(logits, labels).item<double>(), expected, 1e-12);
  // d/dlogits = (softmax - one_hot) / batch.
  const Tensor g = grad([&](const Tensor& z) { return cross_entropy(z, labels); })(logits);
  const Tensor want = (softmax(logits) - one_hot(labels, 3, f64)) / 2.0;
  EXPECT_TRUE(AllClose(g, want, 1e-12, 1e-12));
}

TEST(Embedding, PicksRows) {
  const Tensor table = tensor({0, 1, 10, 11, 20, 21}, {3, 2});
  const Tensor rows = embedding(table, tensor({2, 0, 2, 1}, {2, 2}, i32));
  EXPECT_EQ(rows.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(rows.to_vector<float>(), (std::vector<float>{20, 21, 0, 1, 20, 21, 10, 11}));
}

TEST(Accuracy, FractionOfArgmaxHits) {
  const Tensor logits = tensor({0, 1, 5, 0, 2, 3}, {3, 2});
  EXPECT_DOUBLE_EQ(accuracy(logits, tensor({1, 0, 0}, {3}, i32)), 2.0 / 3.0);
}

}  // namespace
}  // namespace cotangent::nn
