// File: tests/backends/vulkan_movement_test.cc
// Movement primitives on the Vulkan backend (strided copies, fill) against the CPU backend:
// every dtype, strided inputs, pad's negative edges and interior padding, concatenate's
// windows, and ranks beyond what the copy kernel's push constants hold (split dispatches).

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

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

TEST(VulkanMovement, TransposeBroadcastSlice) {
  const Shape shape = {2, 3, 4, 5};
  for (DType dtype : kAll) {
    for (Layout layout : kLayouts) {
      const Array x = Place(Random(shape, dtype, 17, layout), dtype, layout);
      const std::string what = absl::StrCat(DTypeName(dtype), " ", LayoutName(layout));
      for (const std::vector<int64_t>& perm :
           {std::vector<int64_t>{3, 1, 0, 2}, {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}}) {
        Shape out_shape;
        for (int64_t p : perm) out_shape.push_back(shape[p]);
        Params params;
        params.permutation = perm;
        ExpectMatchesCpu(Primitive::kTranspose, {x}, params, {out_shape, dtype},
                         "transpose " + ShapeToString(perm) + " " + what, 0);
      }
      Params slice;
      slice.start = {1, 0, 1, 2};
      slice.limit = {2, 3, 4, 5};
      slice.stride = {1, 2, 2, 1};
      ExpectMatchesCpu(Primitive::kSlice, {x}, slice, {{1, 2, 2, 3}, dtype}, "slice " + what, 0);
      Params broadcast;
      broadcast.shape = {3, 2, 3, 4, 5};
      broadcast.broadcast_dimensions = {1, 2, 3, 4};
      ExpectMatchesCpu(Primitive::kBroadcastInDim, {x}, broadcast, {broadcast.shape, dtype},
                       "broadcast_in_dim " + what, 0);
    }
  }
}

TEST(VulkanMovement, PadWithNegativeEdgesAndInterior) {
  struct Case {
    std::vector<int64_t> low, high, interior;
  };
  const std::vector<Case> cases = {{{1, 2}, {0, 3}, {0, 0}},   {{-1, 0}, {-2, 1}, {0, 0}},
                                   {{0, 1}, {0, 1}, {2, 1}},   {{-2, -3}, {-1, 2}, {1, 2}},
                                   {{-2, 0}, {-2, 0}, {0, 0}}, {{-9, 0}, {3, 0}, {1, 0}}};
  const Shape shape = {4, 5};
  for (DType dtype : kAll) {
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
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
        const Array x = Place(Random(shape, dtype, 29), dtype, layout);
        ExpectMatchesCpu(Primitive::kPad, {x}, params, {out_shape, dtype},
                         absl::StrCat("pad low ", ShapeToString(c.low), " high ",
                                      ShapeToString(c.high), " interior ",
                                      ShapeToString(c.interior), " ", DTypeName(dtype), " ",
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
