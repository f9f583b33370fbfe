// File: tests/backends/cpu_kernels_movement_test.cc
// reshape, transpose, broadcast_in_dim, slice, pad and concatenate as copies of strided
// inputs, against index arithmetic written out here.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "tests/backends/cpu_test_util.h"

namespace cotangent::cpu_test {
namespace {

TEST(Movement, ReshapeOfNonContiguousInputCopiesInRowMajorOrder) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random({3, 4, 5}, dtype, 13);
    Params params;
    params.shape = {5, 12};
    for (Layout layout : {Layout::kReversed, Layout::kSpread, Layout::kDense}) {
      const Host out =
          Exec(Primitive::kReshape, {Place(x, dtype, layout)}, params, {{5, 12}, dtype});
      ExpectMatches(out, Host{{5, 12}, x.v}, dtype, "reshape " + LayoutName(layout));
    }
  }
}

TEST(Movement, Transpose) {
  const Shape shape = {2, 3, 4, 5};
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random(shape, dtype, 17);
    for (const std::vector<int64_t>& perm :
         {std::vector<int64_t>{3, 1, 0, 2}, {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}}) {
      Shape out_shape;
      for (int64_t p : perm) out_shape.push_back(shape[p]);
      Host expected{out_shape, std::vector<double>(x.v.size())};
      ForEachIndex(out_shape, [&](const Shape& index, int64_t flat) {
        Shape in_index(4);
        for (int k = 0; k < 4; ++k) in_index[perm[k]] = index[k];
        expected.v[flat] = x.v[Flat(shape, in_index)];
      });
      Params params;
      params.permutation = perm;
      for (Layout layout : {Layout::kDense, Layout::kSpread}) {
        ExpectMatches(
            Exec(Primitive::kTranspose, {Place(x, dtype, layout)}, params, {out_shape, dtype}),
            expected, dtype, "transpose " + ShapeToString(perm));
      }
    }
  }
}

void LargeTransposesMatchReference() {
  const Shape shape = {3, 70, 45};
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random(shape, dtype, 37);
    for (const std::vector<int64_t>& perm :
         {std::vector<int64_t>{0, 2, 1}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}}) {
      Shape out_shape;
      for (int64_t p : perm) out_shape.push_back(shape[p]);
      Host expected{out_shape, std::vector<double>(x.v.size())};
      ForEachIndex(out_shape, [&](const Shape& index, int64_t flat) {
        Shape in_index(3);
        for (int k = 0; k < 3; ++k) in_index[perm[k]] = index[k];
        expected.v[flat] = x.v[Flat(shape, in_index)];
      });
      Params params;
      params.permutation = perm;
      for (Layout layout : {Layout::kDense, Layout::kSpread, Layout::kReversed}) {
        ExpectMatches(
            Exec(Primitive::kTranspose, {Place(x, dtype, layout)}, params, {out_shape, dtype}),
            expected, dtype,
            absl::StrCat("transpose ", ShapeToString(perm), " ", LayoutName(layout)));
      }
    }
  }
}

// Transposes of the two innermost axes of large arrays take the tiled path (partial tiles
// here: 70 and 45 are not multiples of 32, nor of the SIMD blocks 4 and 2), at every SIMD
// target this machine supports (simd_movement.cc) and for 1-, 4- and 8-byte elements.
TEST(Movement, LargeTransposes) {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    LargeTransposesMatchReference();
  }
  hwy::SetSupportedTargetsForTest(0);
}

TEST(Movement, BroadcastInDim) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random({3, 1}, dtype, 19);
    Params params;
    params.shape = {2, 3, 4};
    params.broadcast_dimensions = {1, 2};
    Host expected{params.shape, {}};
    ForEachIndex(params.shape,
                 [&](const Shape& index, int64_t) { expected.v.push_back(x.v[index[1]]); });
    ExpectMatches(Exec(Primitive::kBroadcastInDim, {Place(x, dtype, Layout::kSpread)}, params,
                       {params.shape, dtype}),
                  expected, dtype, "broadcast_in_dim");
  }
}

TEST(Movement, SliceWithStartsAndStrides) {
  const Shape shape = {7, 9};
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random(shape, dtype, 23);
    Params params;
    params.start = {1, 2};
    params.limit = {7, 9};
    params.stride = {2, 3};
    const Shape out_shape = {3, 3};
    Host expected{out_shape, {}};
    ForEachIndex(out_shape, [&](const Shape& i, int64_t) {
      expected.v.push_back(x.v[Flat(shape, {1 + 2 * i[0], 2 + 3 * i[1]})]);
    });
    for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
      ExpectMatches(Exec(Primitive::kSlice, {Place(x, dtype, layout)}, params, {out_shape, dtype}),
                    expected, dtype, "slice " + LayoutName(layout));
    }
  }
}

// Pad reference: every output position is padding unless some input element lands there.
Host RefPad(const Host& x, const Params& p, const Shape& out_shape) {
  Host out{out_shape, std::vector<double>(NumElements(out_shape), p.padding_value)};
  ForEachIndex(x.shape, [&](const Shape& index, int64_t flat) {
    Shape at(index.size());
    for (size_t d = 0; d < index.size(); ++d) {
      at[d] = p.low[d] + index[d] * (p.interior[d] + 1);
      if (at[d] < 0 || at[d] >= out_shape[d]) return;
    }
    out.v[Flat(out_shape, at)] = x.v[flat];
  });
  return out;
}

TEST(Movement, PadWithNegativeEdgesAndInterior) {
  struct Case {
    std::vector<int64_t> low, high, interior;
  };
  const std::vector<Case> cases = {{{1, 2}, {0, 3}, {0, 0}},   {{-1, 0}, {-2, 1}, {0, 0}},
                                   {{0, 1}, {0, 1}, {2, 1}},   {{-2, -3}, {-1, 2}, {1, 2}},
                                   {{-2, 0}, {-2, 0}, {0, 0}}, {{-9, 0}, {3, 0}, {1, 0}}};
  const Shape shape = {4, 5};
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random(shape, dtype, 29);
    for (const Case& c : cases) {
      Params params;
      params.low = c.low;
      params.high = c.high;
      params.interior = c.interior;
      params.padding_value = dtype == DType::kBool ? 1 : -7.5;
      Shape out_shape(2);
      for (int d = 0; d < 2; ++d) {
        out_shape[d] = c.low[d] + c.high[d] + shape[d] + (shape[d] - 1) * c.interior[d];
      }
      Host expected = RefPad(x, params, out_shape);
      for (double& v : expected.v) v = v == -7.5 && dtype == DType::kI32 ? -7 : v;
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
        ExpectMatches(
            Exec(Primitive::kPad, {Place(x, dtype, layout)}, params, {out_shape, dtype}), expected,
            dtype,
            absl::StrCat("pad low ", ShapeToString(c.low), " high ", ShapeToString(c.high),
                         " interior ", ShapeToString(c.interior), " ", DTypeName(dtype)));
      }
    }
  }
}

TEST(Movement, ConcatenateThreeStridedOperands) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (int64_t axis : {0, 1}) {
      std::vector<Host> parts;
      std::vector<Array> arrays;
      const Layout layouts[] = {Layout::kReversed, Layout::kBroadcast0, Layout::kSpread};
      for (int k = 0; k < 3; ++k) {
        Shape shape = {3, 4};
        shape[axis] = k + 1;
        parts.push_back(Random(shape, dtype, 31 + k, layouts[k]));
        arrays.push_back(Place(parts.back(), dtype, layouts[k]));
      }
      Shape out_shape = {3, 4};
      out_shape[axis] = 6;
      Host expected{out_shape, std::vector<double>(NumElements(out_shape))};
      int64_t begin = 0;
      for (const Host& part : parts) {
        ForEachIndex(part.shape, [&](const Shape& index, int64_t flat) {
          Shape at = index;
          at[axis] += begin;
          expected.v[Flat(out_shape, at)] = part.v[flat];
        });
        begin += part.shape[axis];
      }
      Params params;
      params.dimension = axis;
      ExpectMatches(Exec(Primitive::kConcatenate, arrays, params, {out_shape, dtype}), expected,
                    dtype, absl::StrCat("concatenate axis ", axis));
    }
  }
}

}  // namespace
}  // namespace cotangent::cpu_test
