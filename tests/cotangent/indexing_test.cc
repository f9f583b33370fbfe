// File: tests/cotangent/indexing_test.cc
// gather, scatter_add and cotangent/indexing.h against references computed element by element
// on the host (lax's definitions of the dimension numbers and modes) and the values JAX's
// documentation prints; derivatives against central differences in f64 and the VJP identity;
// vmap against per-example calls (every batching case of both primitives); jit against eager.

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }
Tensor Range(int64_t n, const Shape& shape, DType dtype = f64) {
  return reshape(arange(0.0, static_cast<double>(n), 1.0, dtype), shape);
}
Tensor I(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, i32); }
Tensor I(const std::vector<double>& v) { return I(v, {static_cast<int64_t>(v.size())}); }

TEST(IndexingTest, TakeAsJaxNumpy) {
  const Tensor x = Range(12, {3, 4});
  EXPECT_THAT(V(take(x, I({2, 0, -1}))), ElementsAre(8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11));
  const Tensor cols = take(x, I({3, 1}, {2, 1}), 1);
  EXPECT_EQ(cols.shape(), (Shape{3, 2, 1}));
  EXPECT_THAT(V(cols), ElementsAre(3, 1, 7, 5, 11, 9));
  // jnp.take's default mode "fill": NaN outside [-n, n); "clip" clamps.
  const std::vector<double> filled = V(take(x, I({4, -4, 1}), 1));
  EXPECT_TRUE(std::isnan(filled[0]));
  EXPECT_EQ(filled[1], 0);
  EXPECT_EQ(filled[2], 1);
  EXPECT_THAT(V(take(x, I({7, -9}), 0, IndexMode::kClip)), ElementsAre(8, 9, 10, 11, 0, 1, 2, 3));
  EXPECT_THAT(V(take(Range(3, {3}, i32), I({5}), 0, IndexMode::kFill, -1)), ElementsAre(-1));
  EXPECT_EQ(V(take(Range(3, {3}, i32), I({5})))[0], std::numeric_limits<int32_t>::min());
}

// Indices of any integer dtype, as JAX's. Values past i32 saturate, so they stay out of
// bounds: a conversion that wrapped would read 2^32 + 1 as 1 and 2^32 - 1 as -1 (the last).
TEST(IndexingTest, IndicesOfEveryIntegerDtype) {
  const Tensor x = Range(5, {5});
  for (DType d : {u8, u32, i64}) {
    EXPECT_THAT(V(take(x, tensor({4, 0, 2}, {3}, d))), ElementsAre(4, 0, 2)) << DTypeName(d);
    EXPECT_THAT(V(at(x, tensor({1, 3}, {2}, d)).set(tensor({-1, -1}, {2}, f64))),
                ElementsAre(0, -1, 2, -1, 4))
        << DTypeName(d);
    EXPECT_THAT(V(dynamic_slice(x, {scalar(3, d)}, {2})), ElementsAre(3, 4)) << DTypeName(d);
  }
  const std::vector<int64_t> wide = {(int64_t{1} << 32) + 1, -1, -(int64_t{1} << 40), 2};
  const std::vector<double> took = V(take(x, from_vector(wide, {4})));
  EXPECT_TRUE(std::isnan(took[0]) && std::isnan(took[2])) << took[0] << " " << took[2];
  EXPECT_EQ(took[1], 4);  // -1 counts from the end
  EXPECT_EQ(took[3], 2);
  const std::vector<uint32_t> top = {0xFFFFFFFFu, 1u};
  EXPECT_THAT(V(take(x, from_vector(top, {2}), 0, IndexMode::kClip)), ElementsAre(4, 1));
  EXPECT_TRUE(std::isnan(V(take(x, from_vector(top, {2})))[0]));
  // Gradients flow through integer indices of any width.
  const Tensor g = grad([](const Tensor& v) {
    return sum(take(v, tensor({1, 1, 3}, {3}, u8)));
  })(x);
  EXPECT_THAT(V(g), ElementsAre(0, 2, 0, 1, 0));
  EXPECT_THAT(ErrorOf([&] { take(x, tensor({1}, {1}, f32)); }),
              HasSubstr("take: indices must be integers, got f32[1]"));
  EXPECT_THAT(ErrorOf([&] { take(x, tensor({1}, {1}, bool_)); }),
              HasSubstr("take: indices must be integers, got bool[1]"));
}

TEST(IndexingTest, TakeAlongAxisAsJaxNumpy) {
  // np.take_along_axis(a, np.argsort(a, 1), 1) sorts each row.
  const Tensor a = tensor({10, 30, 20, 60, 40, 50}, {2, 3}, f64);
  const Tensor order = I({0, 2, 1, 1, 2, 0}, {2, 3});
  EXPECT_THAT(V(take_along_axis(a, order, 1)), ElementsAre(10, 20, 30, 40, 50, 60));
  // Broadcast along the other axis: one index per column, every row.
  EXPECT_THAT(V(take_along_axis(a, I({1, 0, 1}, {1, 3}), 0)), ElementsAre(60, 30, 50));
  EXPECT_THAT(ErrorOf([&] {
                take_along_axis(a, I({0, 1}), 1);
              }),
              HasSubstr("take_along_axis: indices i32[2] need the rank of x f64[2,3]"));
}

TEST(IndexingTest, AtGetSetAddAsJax) {
  const Tensor x = Range(12, {3, 4});
  // x[[0, 2], [1, -1]] and a broadcast pair x[[[0], [2]], [1, 3]].
  EXPECT_THAT(V(at(x, {I({0, 2}), I({1, -1})}).get()), ElementsAre(1, 11));
  const Tensor grid = at(x, {I({0, 2}, {2, 1}), I({1, 3})}).get();
  EXPECT_EQ(grid.shape(), (Shape{2, 2}));
  EXPECT_THAT(V(grid), ElementsAre(1, 3, 9, 11));
  EXPECT_THAT(V(at(x, I({1})).get()), ElementsAre(4, 5, 6, 7));
  // jnp.zeros(5).at[[0, 1, 1, 4, 7]].add(1): repeated indices all add, index 7 is dropped.
  const Tensor counts = at(zeros({5}, f64), I({0, 1, 1, 4, 7})).add(1.0);
  EXPECT_THAT(V(counts), ElementsAre(1, 2, 0, 0, 1));
  EXPECT_THAT(V(at(zeros({5}, f64), I({7})).add(1.0, IndexMode::kClip)),
              ElementsAre(0, 0, 0, 0, 1));
  EXPECT_THAT(V(at(Range(5, {5}), I({1, 3})).set(tensor({10, 20}, {2}, f64))),
              ElementsAre(0, 10, 2, 20, 4));
  EXPECT_THAT(V(at(Range(5, {5}), I({2, 2})).set(7.0)), ElementsAre(0, 1, 7, 3, 4));
  // Rows: x.at[1].add(v) adds v to row 1; integer and bool arrays too.
  EXPECT_THAT(V(at(Range(4, {2, 2}, i32), I({1})).add(tensor({5, 6}, {2}, i32))),
              ElementsAre(0, 1, 7, 9));
  EXPECT_THAT(V(at(zeros({3}, bool_), I({1})).set(1.0)), ElementsAre(0, 1, 0));
}

TEST(IndexingTest, DynamicSliceClampsAsLax) {
  const Tensor x = Range(10, {10});
  // lax.dynamic_slice(jnp.arange(10), [8], [3]) clamps the start to 7.
  EXPECT_THAT(V(dynamic_slice(x, {scalar(8, i32)}, {3})), ElementsAre(7, 8, 9));
  const Tensor m = Range(12, {3, 4});
  EXPECT_THAT(V(dynamic_slice(m, {scalar(1, i32), scalar(-3, i32)}, {2, 2})),
              ElementsAre(4, 5, 8, 9));
  // lax.dynamic_update_slice(jnp.zeros(6), jnp.ones(2), [5]) writes at 4.
  EXPECT_THAT(V(dynamic_update_slice(zeros({6}, f64), ones({2}, f64), {scalar(5, i32)})),
              ElementsAre(0, 0, 0, 0, 1, 1));
  EXPECT_THAT(
      V(dynamic_update_slice(m, tensor({-1, -2}, {1, 2}, f64), {scalar(2, i32), scalar(1, i32)})),
      ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -2, 11));
  EXPECT_THAT(ErrorOf([&] {
                dynamic_slice(m, {scalar(0, i32)}, {1, 1});
              }),
              HasSubstr("dynamic_slice: f64[3,4] needs one start and one size per axis"));
}

TEST(IndexingTest, RevAndFlip) {
  const Tensor m = Range(6, {2, 3});
  EXPECT_THAT(V(rev(m, {1})), ElementsAre(2, 1, 0, 5, 4, 3));
  EXPECT_THAT(V(rev(m, {0, 1})), ElementsAre(5, 4, 3, 2, 1, 0));
  EXPECT_THAT(V(flip(m)), ElementsAre(5, 4, 3, 2, 1, 0));
  EXPECT_THAT(V(flip(m, 0)), ElementsAre(3, 4, 5, 0, 1, 2));
  EXPECT_THAT(ErrorOf([&] { rev(m, {1, -1}); }), HasSubstr("rev: axis 1 repeated"));
}

// lax.gather with general dimension numbers against its definition, element by element:
// out[b..., w...] = operand[start(b) + w] with the window axes interleaved at offset_dims.
TEST(IndexingTest, GatherGeneralDimensionNumbersMatchTheDefinition) {
  const Tensor x = Range(60, {3, 4, 5});
  const Tensor idx = I({2, 1, 0, 3, 1, 9}, {3, 2});  // starts along axes 2 and 0
  IndexDims d;
  d.window_dims = {1, 2};      // the kept axes 1 and 2 of the operand
  d.collapsed_dims = {0};      // axis 0: one element
  d.start_index_map = {2, 0};  // component 0 starts axis 2, component 1 axis 0
  for (IndexMode mode : {IndexMode::kClip, IndexMode::kFill}) {
    const Tensor out = lax::gather(x, idx, d, {1, 4, 2}, mode, -5);
    ASSERT_EQ(out.shape(), (Shape{3, 4, 2}));
    const std::vector<double> got = V(out);
    for (int b = 0; b < 3; ++b) {
      int s2 = std::vector<int>{2, 0, 1}[b], s0 = std::vector<int>{1, 3, 9}[b];
      const bool inside = s2 >= 0 && s2 <= 3 && s0 >= 0 && s0 <= 2;
      s2 = std::clamp(s2, 0, 3);
      s0 = std::clamp(s0, 0, 2);
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 2; ++j) {
          const double want = mode == IndexMode::kFill && !inside ? -5 : s0 * 20 + i * 5 + s2 + j;
          EXPECT_EQ(got[(b * 4 + i) * 2 + j], want) << b << " " << i << " " << j;
        }
      }
    }
  }
  // scatter_add with the same numbers sums the windows back (the transpose's pattern).
  const Tensor ones_out = ones({3, 4, 2}, f64);
  const Tensor back = lax::scatter_add(zeros({3, 4, 5}, f64), idx, ones_out, d, IndexMode::kFill);
  EXPECT_EQ(V(sum(back))[0], 8);  // only the first window fits; the others are dropped
  const Tensor clipped =
      lax::scatter_add(zeros({3, 4, 5}, f64), idx, ones_out, d, IndexMode::kClip);
  EXPECT_EQ(V(sum(clipped))[0], 24);
  EXPECT_EQ(V(clipped)[2 * 20 + 0 * 5 + 1], 2);  // both clamped windows (starts 2,0 and 2,1)
}

TEST(IndexingTest, BadDimensionNumbersAreClearErrors) {
  const Tensor x = Range(12, {3, 4});
  IndexDims d;
  d.window_dims = {1};
  d.collapsed_dims = {0};
  d.start_index_map = {0};
  EXPECT_THAT(ErrorOf([&] {
                lax::gather(x, I({1}, {1, 1}), d, {1, 5}, IndexMode::kClip);
              }),
              HasSubstr("gather: operand f64[3,4], indices i32[1,1], offset_dims [1], "
                        "collapsed_slice_dims [0], start_index_map [0], slice_sizes [1,5]: "
                        "slice size 5 along axis 1 of size 4"));
  EXPECT_THAT(ErrorOf([&] {
                lax::gather(x, I({1, 2}, {1, 2}), d, {1, 4}, IndexMode::kClip);
              }),
              HasSubstr("the index vector has a different length than start_index_map"));
  EXPECT_THAT(ErrorOf([&] {
                lax::gather(x, tensor({1}, {1, 1}, f32), d, {1, 4}, IndexMode::kClip);
              }),
              HasSubstr("gather: expected an i32 operand 1, got f32[1,1]"));
  EXPECT_THAT(ErrorOf([&] {
                lax::scatter_add(x, I({1}, {1, 1}), ones({1, 4}, f32), d, IndexMode::kClip);
              }),
              HasSubstr("scatter_add: operand f64[3,4], indices i32[1,1], updates f32[1,4]"));
  EXPECT_THAT(ErrorOf([&] {
                lax::scatter_add(x, I({1}, {1, 1}), ones({2, 4}, f64), d, IndexMode::kClip);
              }),
              HasSubstr("the updates' scatter axes differ from the indices' batch axes"));
}

// f(x) of every indexing function, for derivative and transformation checks: repeated and
// out-of-bounds indices, both modes.
Tensor Mixed(const Tensor& x) {
  const Tensor rows = take(x, I({2, 0, 2, -1}));                     // gather, fill
  const Tensor cells = at(x, {I({0, 1, 2}), I({3, 3, 0})}).get();    // gather, clip
  const Tensor bumped = at(x * x, I({1, 1, 5})).add(rows[0] * 2.0);  // scatter_add, drop
  const Tensor put = at(x, I({0})).set(sin(x[2]));                   // set
  const Tensor block = dynamic_slice(bumped, {scalar(1, i32), scalar(2, i32)}, {2, 2});
  const Tensor updated = dynamic_update_slice(put, block * 3.0, {scalar(1, i32), scalar(3, i32)});
  return sum(rows * rows) + sum(exp(cells)) + sum(updated * bumped) + sum(flip(x) * x);
}

TEST(IndexingTest, GradientsMatchCentralDifferences) {
  const Tensor x = testing::Random({3, 4}, 7, -1, 1, f64);
  const Tensor g = grad(Mixed)(x);
  for (uint32_t seed : {11u, 12u}) {
    const Tensor v = testing::Random({3, 4}, seed, -1, 1, f64);
    const double fd = V(testing::CentralDifference(Mixed, x, v))[0];
    EXPECT_NEAR(testing::Inner(g, v), fd, 1e-7 * (1 + std::fabs(fd)));
    const auto [y, y_dot] = jvp(Mixed, {x}, {v});
    const double jv = V(y_dot)[0];
    EXPECT_NEAR(jv, fd, 1e-7 * (1 + std::fabs(fd)));
  }
  EXPECT_TRUE(AllClose(jit(Mixed)(x), Mixed(x), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(grad(Mixed))(x), g, 1e-12, 1e-12));
  // Second order: forward-over-reverse and reverse-over-reverse Hessians agree.
  EXPECT_TRUE(AllClose(jacfwd(grad(Mixed))(x), jacrev(grad(Mixed))(x), 1e-10, 1e-10));
}

// <ct, J v> = <J^T ct, v> for gather and scatter_add in every operand they are linear in.
TEST(IndexingTest, VjpInnerProductIdentity) {
  const Tensor idx = I({1, 0, 1, 3, 2, 2}, {3, 2});
  IndexDims d;
  d.window_dims = {1};
  d.collapsed_dims = {0};
  d.start_index_map = {0, 1};
  const auto gather = [&](const Tensor& x) {
    return lax::gather(x, idx, d, {1, 2}, IndexMode::kFill, 0);
  };
  const Tensor x = testing::Random({3, 4}, 3, -1, 1, f64);
  const Tensor ct = testing::Random({3, 2}, 4, -1, 1, f64);
  auto [y, pullback] = vjp(gather, x);
  EXPECT_NEAR(testing::Inner(ct, gather(x)), testing::Inner(pullback(ct)[0], x), 1e-12);
  const auto scatter = [&](const Tensor& u) {
    return lax::scatter_add(x, idx, u, d, IndexMode::kFill);
  };
  const Tensor u = testing::Random({3, 2}, 5, -1, 1, f64);
  const Tensor ct2 = testing::Random({3, 4}, 6, -1, 1, f64);
  auto [z, pullback2] = vjp(scatter, u);
  EXPECT_NEAR(testing::Inner(ct2, scatter(u) - x), testing::Inner(pullback2(ct2)[0], u), 1e-12);
}

// vmap of gather and scatter_add with the operand, the indices, or both batched, against a
// loop over the examples.
TEST(IndexingTest, VmapMatchesPerExampleCalls) {
  const Tensor xs = testing::Random({4, 3, 5}, 8, -1, 1, f64);
  const Tensor is = I({0, 2, 1, 1, 2, -1, 0, 0, 9, 2, 1, 0}, {4, 3});
  const Tensor us = testing::Random({4, 3, 5}, 9, -1, 1, f64);
  const auto get = [](const Tensor& x, const Tensor& i) {
    return take(x, i, 0, IndexMode::kFill, -7.0);  // index 9 is out of bounds
  };
  const auto add = [](const Tensor& x, const Tensor& i, const Tensor& u) {
    return at(x, i).add(u);
  };
  for (int mask = 1; mask < 4; ++mask) {  // bit 0: x batched, bit 1: indices batched
    const auto x_of = [&](int64_t b) { return mask & 1 ? xs[b] : xs[0]; };
    const auto i_of = [&](int64_t b) { return mask & 2 ? is[b] : is[0]; };
    std::vector<Tensor> want_get, want_add;
    for (int64_t b = 0; b < 4; ++b) {
      want_get.push_back(get(x_of(b), i_of(b)));
      want_add.push_back(add(x_of(b), i_of(b), us[b]));
    }
    const Tensor x_arg = mask & 1 ? xs : xs[0], i_arg = mask & 2 ? is : is[0];
    const std::optional<int> x_axis = mask & 1 ? std::optional<int>(0) : std::nullopt;
    const std::optional<int> i_axis = mask & 2 ? std::optional<int>(0) : std::nullopt;
    const Tensor got_get = vmap(get, {x_axis, i_axis})(x_arg, i_arg);
    EXPECT_TRUE(AllClose(got_get, stack(want_get), 0, 0)) << "mask " << mask;
    const Tensor got_add = vmap(add, {x_axis, i_axis, 0})(x_arg, i_arg, us);
    EXPECT_TRUE(AllClose(got_add, stack(want_add), 1e-15, 1e-15)) << "mask " << mask;
  }
}

// An embedding lookup (makemore's) is a gather whose gradient is a scatter_add of the rows.
TEST(IndexingTest, EmbeddingGradientSumsRepeatedRows) {
  const Tensor table = Range(8, {4, 2});
  const Tensor tokens = I({3, 1, 3, 3}, {2, 2});
  const auto loss = [&](const Tensor& t) { return sum(take(t, tokens)); };
  EXPECT_THAT(V(grad(loss)(table)), ElementsAre(0, 0, 1, 1, 0, 0, 3, 3));
}

}  // namespace
}  // namespace cotangent
