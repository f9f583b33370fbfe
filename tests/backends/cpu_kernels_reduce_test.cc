// File: tests/backends/cpu_kernels_reduce_test.cc
// reduce_sum, reduce_max, reduce_prod and argmax over axis sets, layouts and dtypes against loops
// over multi-indices; identities of empty reductions and NaN propagation.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/cpu_test_util.h"

namespace cotangent::cpu_test {
namespace {

Shape Without(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) out.push_back(shape[d]);
  }
  return out;
}

Shape Drop(const Shape& index, const std::vector<int64_t>& axes) { return Without(index, axes); }

// reduce_sum / reduce_prod / reduce_max reference: sums and products in double (i32 wrapped),
// max with NaN winning.
Host RefReduce(Primitive prim, const Host& x, const std::vector<int64_t>& axes, DType dtype) {
  const Shape out_shape = Without(x.shape, axes);
  const double init = prim == Primitive::kReduceSum    ? 0
                      : prim == Primitive::kReduceProd ? 1
                      : dtype == DType::kI32           ? kIntMin
                      : dtype == DType::kBool          ? 0
                                                       : -kInf;
  Host out{out_shape, std::vector<double>(NumElements(out_shape), init)};
  ForEachIndex(x.shape, [&](const Shape& index, int64_t flat) {
    double& acc = out.v[Flat(out_shape, Drop(index, axes))];
    const double v = x.v[flat];
    if (prim == Primitive::kReduceSum) {
      acc = dtype == DType::kI32 ? Wrap(static_cast<int64_t>(acc) + static_cast<int64_t>(v))
                                 : acc + v;
    } else if (prim == Primitive::kReduceProd) {
      acc = dtype == DType::kI32 ? Wrap(static_cast<int64_t>(acc) * static_cast<int64_t>(v))
                                 : acc * v;
    } else if (std::isnan(v) || v > acc) {
      if (!std::isnan(acc)) acc = v;
    }
  });
  return out;
}

TEST(Reduce, SumAndMaxOverAxisSets) {
  const std::vector<std::vector<int64_t>> axis_sets = {{},     {0},    {1},      {2},
                                                       {0, 2}, {1, 2}, {0, 1, 2}};
  for (Primitive prim : {Primitive::kReduceSum, Primitive::kReduceMax}) {
    for (DType dtype : {bool_, i32, f32, f64}) {
      if (prim == Primitive::kReduceSum && dtype == DType::kBool) continue;
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread, Layout::kBroadcast0,
                            Layout::kBroadcastLast}) {
        for (const Shape& shape : {Shape{3, 4, 5}, Shape{2, 0, 3}, Shape{64, 33, 40}}) {
          Host x = Random(shape, dtype, 7, layout);
          if (prim == Primitive::kReduceSum && IsFloating(dtype)) {
            for (double& v : x.v) v = std::isfinite(v) ? v : 1.5;  // NaN/inf sums are trivial
          }
          for (const auto& axes : axis_sets) {
            Params params;
            params.axes = axes;
            const Host expected = RefReduce(prim, x, axes, dtype);
            const Host out = Exec(prim, {Place(x, dtype, layout)}, params, {expected.shape, dtype});
            // f64 sums of thousands of terms in another order round differently, by about
            // 1e-16 times the sum of magnitudes.
            ExpectMatches(
                out, expected, dtype,
                absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype), ShapeToString(shape),
                             " axes ", ShapeToString(axes), " ", LayoutName(layout)),
                dtype == DType::kF64 ? 1e-11 : -1);
          }
        }
      }
    }
  }
}

// Values whose products neither overflow nor vanish: floats near 1 (NaN and infinities kept,
// where every order of multiplication agrees), odd integers (a product of even ones wraps to
// 0 after 32 factors of 2); in dtype's precision, as the kernel reads them (the roundings of
// 2000 f32 factors would otherwise move the reference by about 1e-6).
Host ForProducts(Host x, DType dtype) {
  for (double& v : x.v) {
    if (IsFloating(dtype)) {
      v = Quantize(std::isfinite(v) ? 1 + v / 64 : v, dtype);
    } else {
      v = static_cast<double>(static_cast<int64_t>(v) | 1);
    }
  }
  return x;
}

TEST(Reduce, ProdOverAxisSetsLayoutsAndThreads) {
  const std::vector<std::vector<int64_t>> axis_sets = {{}, {0}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (DType dtype : {i32, f32, f64}) {
    for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kBroadcast0}) {
      for (const Shape& shape : {Shape{3, 4, 5}, Shape{2, 0, 3}, Shape{64, 33, 40}}) {
        const Host x = ForProducts(Random(shape, dtype, 7, layout), dtype);
        for (const auto& axes : axis_sets) {
          Params params;
          params.axes = axes;
          const Host expected = RefReduce(Primitive::kReduceProd, x, axes, dtype);
          const Host out = Exec(Primitive::kReduceProd, {Place(x, dtype, layout)}, params,
                                {expected.shape, dtype});
          // Products of thousands of factors in another order round differently.
          ExpectMatches(out, expected, dtype,
                        absl::StrCat("reduce_prod ", DTypeName(dtype), ShapeToString(shape),
                                     " axes ", ShapeToString(axes), " ", LayoutName(layout)),
                        dtype == DType::kF64 ? 1e-12 : -1);
        }
      }
    }
  }
}

TEST(Reduce, LargeReductionsSplitOverThreads) {
  // [512, 300]: reducing axis 0 splits positions over per-thread accumulators, axis 1 splits
  // rows; f32 accumulates in double, so the sums are exact here.
  const Shape shape = {512, 300};
  Host x{shape, std::vector<double>(NumElements(shape))};
  for (size_t i = 0; i < x.v.size(); ++i) x.v[i] = static_cast<double>(i * 7919 % 997) - 400.25;
  for (DType dtype : {i32, f32}) {
    for (Primitive prim : {Primitive::kReduceSum, Primitive::kReduceMax}) {
      for (const std::vector<int64_t>& axes : {std::vector<int64_t>{0}, {1}, {0, 1}}) {
        Params params;
        params.axes = axes;
        Host q = x;
        for (double& v : q.v) v = Quantize(v, dtype);
        const Host expected = RefReduce(prim, q, axes, dtype);
        ExpectMatches(Exec(prim, {Place(q, dtype)}, params, {expected.shape, dtype}), expected,
                      dtype,
                      absl::StrCat("large ", PrimitiveName(prim), " ", DTypeName(dtype), " axes ",
                                   ShapeToString(axes)));
      }
    }
  }
}

TEST(Reduce, MaxOfNothingIsTheIdentity) {
  Params params;
  params.axes = {1};
  const Host x{{2, 0}, {}};
  EXPECT_THAT(Exec(Primitive::kReduceMax, {Place(x, f32)}, params, {{2}, f32}).v,
              testing::ElementsAre(-kInf, -kInf));
  EXPECT_THAT(Exec(Primitive::kReduceMax, {Place(x, i32)}, params, {{2}, i32}).v,
              testing::ElementsAre(kIntMin, kIntMin));
  EXPECT_THAT(Exec(Primitive::kReduceMax, {Place(x, bool_)}, params, {{2}, bool_}).v,
              testing::ElementsAre(0, 0));
  EXPECT_THAT(Exec(Primitive::kReduceSum, {Place(x, f64)}, params, {{2}, f64}).v,
              testing::ElementsAre(0, 0));
  EXPECT_THAT(Exec(Primitive::kReduceProd, {Place(x, i32)}, params, {{2}, i32}).v,
              testing::ElementsAre(1, 1));
}

TEST(Reduce, MaxPropagatesNaN) {
  Params params;
  params.axes = {0};
  const Host x = Vec({1, kNaN, 3, 2});
  EXPECT_TRUE(std::isnan(Exec(Primitive::kReduceMax, {Place(x, f32)}, params, {{}, f32}).v[0]));
}

// Index of the first maximal element along axis; a NaN is maximal, the first NaN wins.
Host RefArgmax(const Host& x, int64_t axis) {
  const Shape out_shape = Without(x.shape, {axis});
  Host out{out_shape, std::vector<double>(NumElements(out_shape), -1)};
  std::vector<double> best(out.v.size());
  ForEachIndex(x.shape, [&](const Shape& index, int64_t flat) {
    const int64_t o = Flat(out_shape, Drop(index, {axis}));
    const double v = x.v[flat];
    const bool first = out.v[o] < 0;
    if (first || (!std::isnan(best[o]) && (std::isnan(v) || v > best[o]))) {
      best[o] = v;
      out.v[o] = index[axis];
    }
  });
  return out;
}

TEST(Argmax, FirstMaximumWithNaNWinning) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
      for (const Shape& shape : {Shape{5}, Shape{4, 7, 3}, Shape{200, 300}}) {
        Host x = Random(shape, dtype, 11, layout);
        for (double& v : x.v) {  // ties are common: small integers
          if (std::isfinite(v) && dtype != DType::kBool) v = std::round(v);
        }
        for (int64_t axis = 0; axis < static_cast<int64_t>(shape.size()); ++axis) {
          Params params;
          params.dimension = axis;
          const Host expected = RefArgmax(x, axis);
          ExpectMatches(
              Exec(Primitive::kArgmax, {Place(x, dtype, layout)}, params, {expected.shape, i32}),
              expected, i32,
              absl::StrCat("argmax ", DTypeName(dtype), ShapeToString(shape), " axis ", axis, " ",
                           LayoutName(layout)));
        }
      }
    }
  }
  Params params;
  const Host x = Vec({1, kNaN, 5, kNaN});
  EXPECT_THAT(Exec(Primitive::kArgmax, {Place(x, f32)}, params, {{}, i32}).v,
              testing::ElementsAre(1));
}

}  // namespace
}  // namespace cotangent::cpu_test
