// File: tests/backends/cpu_kernels_movement_test.cc
// The movement primitives eval sends to a backend (reshape of non-contiguous data, pad,
// concatenate) as copies of strided inputs, against index arithmetic written out here. The
// views (transpose, broadcast_in_dim, slice) never reach a backend from eval: their math is
// tested in tests/core/layout_test.cc, and here only that a direct call copies the view.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/layout.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hwy/targets.h"
#include "tests/backends/cpu_test_util.h"
#include "tests/testing/pad_cases.h"

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
      params.shape = out_shape;
      for (Layout layout : {Layout::kDense, Layout::kSpread, Layout::kReversed}) {
        const Array transposed =
            *ViewOf(Primitive::kTranspose, Place(x, dtype, layout), params, {out_shape, dtype});
        ExpectMatches(Exec(Primitive::kReshape, {transposed}, params, {out_shape, dtype}),
                      expected, dtype,
                      absl::StrCat("transpose ", ShapeToString(perm), " ", LayoutName(layout)));
      }
    }
  }
}

// Dense copies of transposed views (reshape of a transpose, as eval sends it): those of the two
// innermost axes of large arrays take the tiled path (partial tiles
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

// transpose, broadcast_in_dim and slice called directly (eval makes them views) copy the view
// core/layout.h gives densely: the same elements as a reshape of that view.
TEST(Movement, ViewsCalledDirectlyCopyTheirView) {
  for (DType dtype : {bool_, f32, f64}) {
    const Host x = Random({3, 4}, dtype, 19);
    const Array placed = Place(x, dtype, Layout::kSpread);
    Params transpose, broadcast, slice;
    transpose.permutation = {1, 0};
    broadcast.shape = {2, 3, 4};
    broadcast.broadcast_dimensions = {1, 2};
    slice.start = {1, 0};
    slice.limit = {3, 4};
    slice.stride = {1, 3};
    const struct {
      Primitive prim;
      const Params& params;
      Shape shape;
    } cases[] = {{Primitive::kTranspose, transpose, {4, 3}},
                 {Primitive::kBroadcastInDim, broadcast, {2, 3, 4}},
                 {Primitive::kSlice, slice, {2, 2}}};
    for (const auto& c : cases) {
      const Array view = *ViewOf(c.prim, placed, c.params, {c.shape, dtype});
      Params reshape;
      reshape.shape = c.shape;
      ExpectMatches(Exec(c.prim, {placed}, c.params, {c.shape, dtype}),
                    Exec(Primitive::kReshape, {view}, reshape, {c.shape, dtype}), dtype,
                    PrimitiveName(c.prim));
    }
  }
}

// Pad reference: every output position is padding unless some input element lands there.
Host RefPad(const Host& x, const Params& p, const Shape& out_shape) {
  Host out{out_shape, std::vector<double>(NumElements(out_shape), p.padding_value.to_double())};
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
  for (DType dtype : {bool_, i32, f32, f64}) {
    const Host x = Random(testing::kPadShape, dtype, 29);
    for (const testing::PadCase& c : testing::kPadCases) {
      const Params params = c.params(dtype == DType::kBool ? 1 : -7.5);
      const Shape out_shape = c.OutShape(testing::kPadShape);
      Host expected = RefPad(x, params, out_shape);
      for (double& v : expected.v) v = v == -7.5 && dtype == DType::kI32 ? -7 : v;
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
        ExpectMatches(
            Exec(Primitive::kPad, {Place(x, dtype, layout)}, params, {out_shape, dtype}), expected,
            dtype, absl::StrCat("pad ", c.ToString(), " ", DTypeName(dtype)));
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
