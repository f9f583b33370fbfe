// File: tests/backends/vulkan_movement_test.cc
// Movement primitives on the Vulkan backend (strided copies, fill) against the CPU backend:
// every dtype, strided inputs, dense copies of transposed, sliced and broadcast views (what
// eval sends for them: a reshape of the view), pad's negative edges and interior padding,
// concatenate's windows, and ranks beyond what the copy kernel's push constants hold (split
// dispatches).

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/layout.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"
#include "tests/testing/pad_cases.h"

namespace cotangent::vulkan_test {
namespace {

using cpu_test::LayoutName;
using cpu_test::Place;
using cpu_test::Random;

const DType kAll[] = {bool_, i32, f32, f64};
const Layout kLayouts[] = {Layout::kDense, Layout::kReversed, Layout::kSpread,
                           Layout::kBroadcast0};

TEST(VulkanMovement, ReshapeAndStopGradientOfStridedInputs) {
  for (DType dtype : kAll) {
    for (Layout layout : kLayouts) {
      const Array x = Place(Random({3, 4, 5}, dtype, 13, layout), dtype, layout);
      Params params;
      params.shape = {5, 12};
      const std::string what = absl::StrCat(DTypeName(dtype), " ", LayoutName(layout));
      ExpectMatchesCpu(Primitive::kReshape, {x}, params, {{5, 12}, dtype}, "reshape " + what, 0);
      ExpectMatchesCpu(Primitive::kStopGradient, {x}, {}, {{3, 4, 5}, dtype},
                       "stop_gradient " + what, 0);
    }
  }
}

// Transposed, sliced and broadcast views (core/layout.h ViewOf, as eval makes them) copied
// densely by reshape; and the same primitives called directly, which copy their view.
TEST(VulkanMovement, CopiesOfTransposedSlicedAndBroadcastViews) {
  const Shape shape = {2, 3, 4, 5};
  for (DType dtype : kAll) {
    for (Layout layout : kLayouts) {
      const Array x = Place(Random(shape, dtype, 17, layout), dtype, layout);
      const std::string what = absl::StrCat(DTypeName(dtype), " ", LayoutName(layout));
      std::vector<std::pair<Primitive, Params>> views;
      for (const std::vector<int64_t>& perm :
           {std::vector<int64_t>{3, 1, 0, 2}, {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}}) {
        Params params;
        params.permutation = perm;
        for (int64_t p : perm) params.shape.push_back(shape[p]);
        views.push_back({Primitive::kTranspose, params});
      }
      Params slice;
      slice.start = {1, 0, 1, 2};
      slice.limit = {2, 3, 4, 5};
      slice.stride = {1, 2, 2, 1};
      slice.shape = {1, 2, 2, 3};
      views.push_back({Primitive::kSlice, slice});
      Params broadcast;
      broadcast.shape = {3, 2, 3, 4, 5};
      broadcast.broadcast_dimensions = {1, 2, 3, 4};
      views.push_back({Primitive::kBroadcastInDim, broadcast});
      for (const auto& [prim, params] : views) {
        const ShapedArray out_aval{params.shape, dtype};
        const Array view = *ViewOf(prim, x, params, out_aval);
        const std::string name = absl::StrCat(PrimitiveName(prim), " ", what);
        ExpectMatchesCpu(Primitive::kReshape, {view}, params, out_aval, "reshape of " + name, 0);
        ExpectMatchesCpu(prim, {x}, params, out_aval, name, 0);
      }
    }
  }
}

TEST(VulkanMovement, PadWithNegativeEdgesAndInterior) {
  for (DType dtype : kAll) {
    for (const testing::PadCase& c : testing::kPadCases) {
      const Params params = c.params(dtype == DType::kBool ? 1 : -7.5);
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
        const Array x = Place(Random(testing::kPadShape, dtype, 29), dtype, layout);
        ExpectMatchesCpu(Primitive::kPad, {x}, params, {c.OutShape(testing::kPadShape), dtype},
                         absl::StrCat("pad ", c.ToString(), " ", DTypeName(dtype), " ",
                                      LayoutName(layout)),
                         0);
      }
    }
  }
}

TEST(VulkanMovement, ConcatenateStridedOperands) {
  for (DType dtype : kAll) {
    for (int64_t axis : {0, 1}) {
      const Array a = Place(Random({3, 4}, dtype, 31), dtype, Layout::kReversed);
      const Array b = Place(Random({3, 4}, dtype, 32), dtype, Layout::kSpread);
      const Array c = Place(Random({3, 4}, dtype, 33, Layout::kBroadcast0), dtype,
                            Layout::kBroadcast0);
      Params params;
      params.dimension = axis;
      ExpectMatchesCpu(Primitive::kConcatenate, {a, b, c}, params,
                       {axis == 0 ? Shape{9, 4} : Shape{3, 12}, dtype},
                       absl::StrCat("concatenate axis ", axis, " ", DTypeName(dtype)), 0);
    }
  }
}

TEST(VulkanMovement, HighRanksSplitIntoSeveralDispatches) {
  // Rank 10 with every axis reversed: nothing coalesces, so the copy and elementwise kernels
  // (8 and 6 dimensions of push constants) run over the outer dimensions from the host.
  const Shape shape = {2, 3, 2, 2, 3, 2, 2, 3, 2, 2};
  for (DType dtype : {bool_, f32, f64}) {
    const Array x = Place(Random(shape, dtype, 41), dtype, Layout::kReversed);
    Params params;
    params.shape = {static_cast<int64_t>(x.aval.size())};
    ExpectMatchesCpu(Primitive::kReshape, {x}, params, {params.shape, dtype},
                     std::string("reshape rank 10 ") + DTypeName(dtype), 0);
    const Array y = Place(Random(shape, dtype, 42), dtype, Layout::kDense);
    ExpectMatchesCpu(Primitive::kMax, {x, y}, {}, {shape, dtype},
                     std::string("max rank 10 ") + DTypeName(dtype), 0);
  }
}

}  // namespace
}  // namespace cotangent::vulkan_test
