// File: tests/interpreters/batching_test.cc
// vmap for every primitive: vmap(f)(X) equals f applied to each slice of X and stacked, for
// random batch axes per input (some inputs unbatched) and random output axes, in f64. Then the
// compositions (vmap of grad, jvp and vjp; grad of vmap; vmap of vmap) against loops, custom
// rules under vmap, and the errors.

#include <random>

#include "gmock/gmock.h"
#include "tests/testing/oracles.h"
#include "tests/testing/primitive_cases.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;
using testing::AllClose;
using testing::ErrorOf;
using testing::PrimitiveCase;
using testing::Random;

constexpr int64_t kBatch = 3;

// x[b] along `axis`.
Tensor Take(const Tensor& x, int64_t axis, int64_t b) {
  std::vector<int64_t> start(x.ndim(), 0), limit = x.shape();
  start[axis] = b;
  limit[axis] = b + 1;
  return squeeze(slice(x, start, limit), axis);
}

class BatchingTest : public ::testing::TestWithParam<PrimitiveCase> {};

TEST_P(BatchingTest, VmapEqualsStackingSlices) {
  const PrimitiveCase& c = GetParam();
  std::mt19937 gen(42);
  for (int trial = 0; trial < 6; ++trial) {
    // A random batch axis per input; some inputs unbatched (not the first, in trial 0).
    std::vector<std::optional<int64_t>> axes;
    std::vector<Tensor> xs;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      const int64_t rank = static_cast<int64_t>(c.shapes[i].size());
      std::optional<int64_t> axis = std::uniform_int_distribution<int64_t>(0, rank)(gen);
      if (i > 0 && std::uniform_int_distribution<int>(0, 2)(gen) == 0) axis.reset();
      Shape shape = c.shapes[i];
      if (axis) shape.insert(shape.begin() + *axis, kBatch);
      axes.push_back(axis && trial % 2 ? std::optional<int64_t>(*axis - rank - 1) : axis);
      xs.push_back(Random(shape, 100 * trial + i, c.lo, c.hi));
    }
    const int64_t out_rank = c.f([&] {
      std::vector<Tensor> slice0;
      for (size_t i = 0; i < xs.size(); ++i) slice0.push_back(axes[i] ? Take(xs[i], (*axes[i] + xs[i].ndim()) % xs[i].ndim(), 0) : xs[i]);
      return slice0;
    }()).ndim();
    const int64_t out_axis = std::uniform_int_distribution<int64_t>(0, out_rank)(gen);
    SCOPED_TRACE("trial " + std::to_string(trial) + ", out axis " + std::to_string(out_axis));

    const FlatFn flat = [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{c.f(a)}; };
    std::vector<std::string> names(xs.size(), "input");
    const Tensor batched = VmapFlat(flat, xs, axes, out_axis, std::nullopt, names)[0];
    std::vector<Tensor> per_example;
    for (int64_t b = 0; b < kBatch; ++b) {
      std::vector<Tensor> slice;
      for (size_t i = 0; i < xs.size(); ++i) {
        slice.push_back(axes[i] ? Take(xs[i], (*axes[i] + xs[i].ndim()) % xs[i].ndim(), b) : xs[i]);
      }
      per_example.push_back(c.f(slice));
    }
    EXPECT_TRUE(AllClose(batched, stack(per_example, out_axis), 1e-15, 1e-15));
  }
}

INSTANTIATE_TEST_SUITE_P(Primitives, BatchingTest, ::testing::ValuesIn(testing::AllCases()),
                         [](const auto& info) { return info.param.name; });

const auto kLoss = [](const Tensor& w, const Tensor& x, const Tensor& y) {
  return sum(square(tanh(matmul(x, w)) - y));
};

TEST(VmapCompositionTest, PerExampleGradientsMatchALoop) {
  const Tensor w = Random({3, 2}, 1), X = Random({5, 4, 3}, 2), Y = Random({5, 4, 2}, 3);
  const Tensor per_example = vmap(grad(kLoss, 0), {std::nullopt, 0, 0})(w, X, Y);
  std::vector<Tensor> loop;
  for (int64_t b = 0; b < 5; ++b) loop.push_back(grad(kLoss, 0)(w, X[b], Y[b]));
  EXPECT_TRUE(AllClose(per_example, stack(loop), 1e-14, 1e-15));
}

TEST(VmapCompositionTest, GradOfVmapAndVmapOfVmap) {
  const Tensor w = Random({3, 2}, 4), X = Random({5, 4, 3}, 5), Y = Random({5, 4, 2}, 6);
  const auto batched_loss = [&](const Tensor& w) {
    return sum(vmap(kLoss, {std::nullopt, 0, 0})(w, X, Y));
  };
  const auto looped_loss = [&](const Tensor& w) {
    Tensor total = scalar(0.0, f64);
    for (int64_t b = 0; b < 5; ++b) total = total + kLoss(w, X[b], Y[b]);
    return total;
  };
  EXPECT_TRUE(AllClose(grad(batched_loss)(w), grad(looped_loss)(w), 1e-13, 1e-14));
  // vmap(vmap(f)) over a [2, 3] grid, the inner over axis 1 of A.
  const Tensor A = Random({2, 4, 3}, 7);
  const auto f = [](const Tensor& v) { return sum(sin(v) * v); };
  const Tensor grid = vmap(vmap(f, {1}))(A);
  EXPECT_EQ(grid.shape(), (Shape{2, 3}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      EXPECT_NEAR(grid[i][j].item<double>(), f(Take(A[i], 1, j)).item<double>(), 1e-15);
    }
  }
  // The forms: map over axis 1, batch on axis 1 of the result.
  const Tensor V = Random({4, 6}, 8);
  const Tensor cols = vmap([](const Tensor& c) { return c * sum(c); }, {1}, 1)(V);
  EXPECT_TRUE(AllClose(cols, V * sum(V, 0, true), 1e-15, 1e-15));
}

TEST(VmapCompositionTest, JacobianMatrixProductsMatchLoops) {
  const Tensor x = Random({4}, 9);
  const auto g = [](const Tensor& x) { return stack({sum(exp(x)), sum(x * x * x)}); };
  const Tensor tangents = Random({7, 4}, 10);
  const Tensor jmp = vmap([&](const Tensor& t) { return jvp(g, {x}, {t}).second; })(tangents);
  const Tensor cotangents = Random({7, 2}, 11);
  auto [y, pullback] = vjp(g, x);
  const Tensor mjp = vmap([&](const Tensor& ct) { return pullback(ct)[0]; })(cotangents);
  const Tensor J = jacrev(g)(x);
  EXPECT_TRUE(AllClose(jmp, matmul(tangents, transpose(J)), 1e-14, 1e-15));
  EXPECT_TRUE(AllClose(mjp, matmul(cotangents, J), 1e-14, 1e-15));
  for (int64_t b = 0; b < 7; ++b) {
    EXPECT_TRUE(AllClose(jmp[b], jvp(g, {x}, {tangents[b]}).second, 1e-15, 1e-15));
  }
}

TEST(VmapCompositionTest, ContainersAndAxisSize) {
  std::map<std::string, Tensor> batch = {{"a", Random({3, 2}, 12)}, {"b", Random({2, 3}, 13)}};
  const auto f = [](const std::map<std::string, Tensor>& m) {
    return std::make_pair(m.at("a") * 2.0, sum(m.at("b")));
  };
  const auto [twice, sums] = vmap(f, {0})(std::map<std::string, Tensor>{
      {"a", batch.at("a")}, {"b", transpose(batch.at("b"))}});
  EXPECT_TRUE(AllClose(twice, batch.at("a") * 2.0, 0, 0));
  EXPECT_TRUE(AllClose(sums, sum(batch.at("b"), 0), 1e-15, 1e-15));
  const Tensor made = vmap([](const Tensor& x) { return x + 1.0; }, {std::nullopt}, 0, 4)(ones({2}));
  EXPECT_EQ(made.shape(), (Shape{4, 2}));
}

TEST(VmapCompositionTest, CustomRulesSurviveVmap) {
  auto log1pexp = custom_jvp(
      [](const Tensor& x) { return log1p(exp(x)); },
      [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
        return std::make_pair(log1p(exp(p[0])), (1.0 - 1.0 / (1.0 + exp(p[0]))) * t[0]);
      });
  const Tensor xs = tensor({100, 0, -3}, {3});
  const Tensor g = vmap(grad(log1pexp))(xs);
  EXPECT_EQ(g.to_vector<float>()[0], 1.0f);
  EXPECT_NEAR(g.to_vector<float>()[1], 0.5f, 1e-7);
  auto clip = custom_vjp(
      [](const Tensor& x) { return x; },
      [](const Tensor& x) { return std::make_pair(x, std::vector<Tensor>{}); },
      [](const std::vector<Tensor>&, const Tensor& ct) {
        return std::vector<Tensor>{maximum(minimum(ct, 1.0), -1.0)};
      });
  const Tensor scales = tensor({0.5, 3, -7}, {3}, f64);
  const Tensor gs = vmap([&](const Tensor& s) {
    return grad([&](const Tensor& x) { return clip(x) * s; })(scalar(1.0, f64));
  })(scales);
  EXPECT_THAT(gs.to_vector<double>(), ::testing::ElementsAre(0.5, 1, -1));
}

TEST(VmapErrorTest, BadAxesNameVmapTheArgumentAndShapes) {
  const auto f = [](const Tensor& a, const Tensor& b) { return a + b; };
  EXPECT_EQ(ErrorOf([&] { vmap(f)(ones({3, 2}), ones({4, 2})); }),
            "vmap: mapped inputs have different sizes along their mapped axes: argument 0 has 3 "
            "but argument 1 (f32[4,2], axis 0) has 4");
  EXPECT_EQ(ErrorOf([&] { vmap(f, {2, 0})(ones({3, 2}), ones({3, 2})); }),
            "vmap: in_axes 2 out of range for argument 0 of type f32[3,2]");
  EXPECT_EQ(ErrorOf([&] { vmap(f, {0})(ones({3}), ones({3})); }),
            "vmap: in_axes has 1 entries for a function of 2 arguments");
  EXPECT_EQ(ErrorOf([&] { vmap(f, {0, 0}, 2)(ones({3}), ones({3})); }),
            "vmap: out_axes 2 out of range for output 0 of type f32[] with a batch axis");
  EXPECT_EQ(ErrorOf([&] { vmap(f, {0, 0}, std::nullopt)(ones({3}), ones({3})); }),
            "vmap: out_axes is not mapped but output 0 (f32[]) depends on the mapped inputs");
  EXPECT_EQ(ErrorOf([&] { vmap(f, {std::nullopt, std::nullopt})(ones({3}), ones({3})); }),
            "vmap: no input is mapped; pass axis_size to say how many to make");
}

// Once gave f32[-4,2]: nothing checked axis_size when no input is mapped.
TEST(VmapErrorTest, NegativeAxisSizeIsAnError) {
  EXPECT_EQ(ErrorOf([] { vmap([] { return ones({2}); }, {}, 0, -4)(); }),
            "vmap: negative axis_size -4");
  EXPECT_EQ(vmap([] { return ones({2}); }, {}, 0, 0)().shape(), (Shape{0, 2}));
}

}  // namespace
}  // namespace cotangent
