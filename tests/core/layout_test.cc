// File: tests/core/layout_test.cc
// The layout math of core/layout.h against index arithmetic written out here, on operands in
// several layouts (dense, transposed, sliced with an offset): a view must put every output
// index at the position of the input element it stands for, pad and concatenate must move
// each input element to the position its index says, and coalescing must keep every
// position's offsets. Arrays here have no buffer: the math never touches data.

#include "core/layout.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/pad_cases.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;

enum class Order { kDense, kReversed, kSpread };

std::string OrderName(Order order) {
  return order == Order::kDense ? "dense" : order == Order::kReversed ? "reversed" : "spread";
}

// A view of `shape` (no buffer): row-major; axes stored in reverse order (a transposed view);
// or every other element of a larger array from a nonzero offset (a slice).
Array Strided(const Shape& shape, Order order, DType dtype = DType::kF32) {
  Array x{nullptr, {shape, dtype}, ContiguousStrides(shape), 0};
  const int64_t rank = x.aval.rank();
  if (order == Order::kReversed) {
    int64_t s = 1;
    for (int64_t d = 0; d < rank; ++d) {
      x.strides[d] = s;
      s *= shape[d];
    }
  } else if (order == Order::kSpread) {
    Shape physical(rank);
    for (int64_t d = 0; d < rank; ++d) physical[d] = 2 * shape[d] + 1;
    const Strides dense = ContiguousStrides(physical);
    for (int64_t d = 0; d < rank; ++d) {
      x.strides[d] = 2 * dense[d];
      x.offset += dense[d];
    }
  }
  return x;
}

// Calls fn(index) for every multi-index of shape in row-major order.
void ForEachIndex(const Shape& shape, const std::function<void(const Shape&)>& fn) {
  if (NumElements(shape) == 0) return;
  Shape index(shape.size(), 0);
  while (true) {
    fn(index);
    int64_t d = static_cast<int64_t>(shape.size()) - 1;
    for (; d >= 0; --d) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

// Element position of index i in x.
int64_t Pos(const Array& x, const Shape& i) {
  int64_t p = x.offset;
  for (size_t d = 0; d < i.size(); ++d) p += i[d] * x.strides[d];
  return p;
}

const Order kOrders[] = {Order::kDense, Order::kReversed, Order::kSpread};

TEST(LayoutTest, TransposeViewReadsThePermutedIndex) {
  const Shape shape = {2, 3, 4, 5};
  for (Order order : kOrders) {
    const Array x = Strided(shape, order);
    for (const std::vector<int64_t>& perm :
         {std::vector<int64_t>{3, 1, 0, 2}, {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}}) {
      Params p;
      p.permutation = perm;
      Shape out_shape;
      for (int64_t axis : perm) out_shape.push_back(shape[axis]);
      const std::optional<Array> view = ViewOf(Primitive::kTranspose, x, p, {out_shape, f32});
      ASSERT_TRUE(view.has_value());
      EXPECT_EQ(view->aval.shape, out_shape);
      ForEachIndex(out_shape, [&](const Shape& i) {
        Shape j(4);
        for (int k = 0; k < 4; ++k) j[perm[k]] = i[k];  // output axis k is input axis perm[k]
        ASSERT_EQ(Pos(*view, i), Pos(x, j)) << OrderName(order) << " " << ShapeToString(perm);
      });
    }
  }
}

TEST(LayoutTest, BroadcastViewRepeatsAlongNewAndUnitAxes) {
  for (Order order : kOrders) {
    const Array x = Strided({3, 1}, order);
    Params p;
    p.shape = {2, 3, 4};
    p.broadcast_dimensions = {1, 2};
    const std::optional<Array> view = ViewOf(Primitive::kBroadcastInDim, x, p, {p.shape, f32});
    ASSERT_TRUE(view.has_value());
    EXPECT_THAT(view->strides, ElementsAre(0, x.strides[0], 0));
    ForEachIndex(p.shape, [&](const Shape& i) {
      ASSERT_EQ(Pos(*view, i), Pos(x, {i[1], 0})) << OrderName(order);
    });
  }
}

TEST(LayoutTest, SliceViewStartsAndSteps) {
  const Shape shape = {7, 9};
  for (Order order : kOrders) {
    const Array x = Strided(shape, order);
    Params p;
    p.start = {1, 2};
    p.limit = {7, 9};
    p.stride = {2, 3};
    const Shape out_shape = {3, 3};
    const std::optional<Array> view = ViewOf(Primitive::kSlice, x, p, {out_shape, f32});
    ASSERT_TRUE(view.has_value());
    ForEachIndex(out_shape, [&](const Shape& i) {
      ASSERT_EQ(Pos(*view, i), Pos(x, {1 + 2 * i[0], 2 + 3 * i[1]})) << OrderName(order);
    });
  }
}

TEST(LayoutTest, SliceOfOneElementNeverMultipliesItsStride) {
  // A stride near INT64_MAX on an axis that keeps one element: the view's stride is 0, not an
  // overflowing product.
  const Array x = Strided({4, 5}, Order::kDense);
  Params p;
  p.start = {2, 0};
  p.limit = {3, 5};
  p.stride = {INT64_MAX, 1};
  const std::optional<Array> view = ViewOf(Primitive::kSlice, x, p, {{1, 5}, f32});
  ASSERT_TRUE(view.has_value());
  EXPECT_THAT(view->strides, ElementsAre(0, 1));
  EXPECT_EQ(view->offset, 10);
}

TEST(LayoutTest, ReshapeIsAViewOfContiguousDataOnly) {
  Params p;
  p.shape = {5, 12};
  const std::optional<Array> dense =
      ViewOf(Primitive::kReshape, Strided({3, 4, 5}, Order::kDense), p, {{5, 12}, f32});
  ASSERT_TRUE(dense.has_value());
  EXPECT_THAT(dense->strides, ElementsAre(12, 1));
  EXPECT_FALSE(ViewOf(Primitive::kReshape, Strided({3, 4, 5}, Order::kReversed), p, {{5, 12}, f32})
                   .has_value());
  // A slice that is still contiguous (one row, from an offset) keeps its offset.
  Array row = Strided({1, 6}, Order::kDense);
  row.offset = 12;
  p.shape = {2, 3};
  const std::optional<Array> reshaped = ViewOf(Primitive::kReshape, row, p, {{2, 3}, f32});
  ASSERT_TRUE(reshaped.has_value());
  EXPECT_EQ(reshaped->offset, 12);
}

TEST(LayoutTest, IdentitiesAreTheOperandItselfAndOtherPrimitivesNoView) {
  const Array x = Strided({3, 4}, Order::kSpread, DType::kF64);
  Params p;
  p.new_dtype = DType::kF64;
  const std::optional<Array> same = ViewOf(Primitive::kConvert, x, p, x.aval);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->strides, x.strides);
  EXPECT_EQ(same->offset, x.offset);
  EXPECT_TRUE(ViewOf(Primitive::kStopGradient, x, {}, x.aval).has_value());
  p.new_dtype = DType::kF32;
  EXPECT_FALSE(ViewOf(Primitive::kConvert, x, p, {x.aval.shape, f32}).has_value());
  EXPECT_FALSE(ViewOf(Primitive::kExp, x, {}, x.aval).has_value());
  EXPECT_FALSE(ViewOf(Primitive::kPad, x, {}, x.aval).has_value());
}

// Where each element of the copies' sources lands: source position -> destination position.
std::map<int64_t, int64_t> Moves(absl::Span<const StridedCopy> copies) {
  std::map<int64_t, int64_t> moves;
  for (const StridedCopy& c : copies) {
    EXPECT_EQ(c.src.aval, c.dst.aval);
    ForEachIndex(c.src.aval.shape, [&](const Shape& i) {
      EXPECT_TRUE(moves.emplace(Pos(c.src, i), Pos(c.dst, i)).second) << "read twice";
    });
  }
  return moves;
}

TEST(LayoutTest, PadPlacesEveryKeptElementAndCropsTheRest) {
  const Shape& shape = testing::kPadShape;
  for (const testing::PadCase& c : testing::kPadCases) {
    for (Order order : kOrders) {
      const std::string what = c.ToString() + " " + OrderName(order);
      const Params p = c.params(-7.5);
      const Shape out_shape = c.OutShape(shape);
      const Array x = Strided(shape, order);
      const Array out = Strided(out_shape, Order::kDense);
      // Input element j lands at low + j * (interior + 1), if that is inside the output.
      std::map<int64_t, int64_t> want;
      ForEachIndex(shape, [&](const Shape& j) {
        Shape at(2);
        for (int d = 0; d < 2; ++d) {
          at[d] = c.low[d] + j[d] * (c.interior[d] + 1);
          if (at[d] < 0 || at[d] >= out_shape[d]) return;
        }
        want[Pos(x, j)] = Pos(out, at);
      });
      const std::optional<StridedCopy> copy = PadPlacement(x, p, out);
      EXPECT_EQ(copy.has_value(), !want.empty()) << what;
      const std::map<int64_t, int64_t> none;
      EXPECT_EQ(copy ? Moves({*copy}) : none, want) << what;
      const std::optional<MovementPlan> plan = PlanMovement(Primitive::kPad, {x}, p, out);
      ASSERT_TRUE(plan.has_value());
      ASSERT_TRUE(plan->fill.has_value());
      EXPECT_EQ(plan->fill->to_double(), -7.5);
      EXPECT_EQ(plan->copies.size(), want.empty() ? 0u : 1u) << what;
    }
  }
}

TEST(LayoutTest, ConcatenateFillsOneWindowPerOperand) {
  for (int64_t axis : {0, 1}) {
    std::vector<Array> in;
    int64_t total = 0;
    for (int k = 0; k < 3; ++k) {
      Shape shape = {3, 4};
      shape[axis] = k + 1;
      in.push_back(Strided(shape, kOrders[k]));
      in.back().offset += 1000 * k;  // distinct positions per operand (as distinct buffers)
      total += k + 1;
    }
    Shape out_shape = {3, 4};
    out_shape[axis] = total;
    const Array out = Strided(out_shape, Order::kDense);
    std::map<int64_t, int64_t> want;
    int64_t begin = 0;
    for (const Array& x : in) {
      ForEachIndex(x.aval.shape, [&](const Shape& j) {
        Shape at = j;
        at[axis] += begin;
        want[Pos(x, j)] = Pos(out, at);
      });
      begin += x.aval.shape[axis];
    }
    Params p;
    p.dimension = axis;
    EXPECT_EQ(Moves(ConcatenateWindows(in, p, out)), want) << "axis " << axis;
    const std::optional<MovementPlan> plan = PlanMovement(Primitive::kConcatenate, in, p, out);
    ASSERT_TRUE(plan.has_value());
    EXPECT_FALSE(plan->fill.has_value());
    EXPECT_EQ(plan->copies.size(), 3u);
  }
}

TEST(LayoutTest, EveryMovementPrimitiveHasAPlan) {
  const Array x = Strided({3, 4}, Order::kReversed);
  const Array out = Strided({4, 3}, Order::kDense);
  Params p;
  p.shape = {4, 3};
  p.permutation = {1, 0};
  // Reshape: x in its own shape, densely, into out (row-major order is all it keeps).
  std::optional<MovementPlan> plan = PlanMovement(Primitive::kReshape, {x}, p, out);
  ASSERT_TRUE(plan.has_value());
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_EQ(plan->copies[0].dst.aval.shape, x.aval.shape);
  EXPECT_THAT(plan->copies[0].dst.strides, ElementsAre(4, 1));
  // A view: one copy of the view into out.
  plan = PlanMovement(Primitive::kTranspose, {x}, p, out);
  ASSERT_TRUE(plan.has_value());
  ASSERT_EQ(plan->copies.size(), 1u);
  EXPECT_THAT(plan->copies[0].src.strides, ElementsAre(3, 1));
  EXPECT_FALSE(PlanMovement(Primitive::kAdd, {x, x}, p, out).has_value());
}

TEST(LayoutTest, FlatReads) {
  EXPECT_EQ(FlatReadOf(Strided({3, 4}, Order::kDense)), FlatRead::kDense);
  Array row = Strided({1, 6}, Order::kDense);
  row.offset = 7;
  EXPECT_EQ(FlatReadOf(row), FlatRead::kDense);
  EXPECT_EQ(FlatReadOf(Strided({1, 1}, Order::kSpread)), FlatRead::kRepeated);
  EXPECT_EQ(FlatReadOf(Array{nullptr, {{5, 2}, f32}, {0, 0}, 3}), FlatRead::kRepeated);
  EXPECT_EQ(FlatReadOf(Strided({3, 4}, Order::kReversed)), std::nullopt);
  EXPECT_EQ(FlatReadOf(Strided({3, 4}, Order::kSpread)), std::nullopt);
  EXPECT_EQ(FlatReadOf(Array{nullptr, {{5, 2}, f32}, {1, 0}, 0}), std::nullopt);
}

TEST(LayoutTest, CoalesceMergesWhatEveryOperandStepsOverAsOne) {
  // Dense and broadcast operands: one dimension.
  StridedSpace s = Coalesce({3, 4, 5}, {Dims{20, 5, 1}, Dims{0, 0, 0}});
  EXPECT_THAT(s.shape, ElementsAre(60));
  EXPECT_THAT(s.strides[0], ElementsAre(1));
  EXPECT_THAT(s.strides[1], ElementsAre(0));
  // A transposed operand keeps the pair it swaps; size-1 axes are dropped.
  s = Coalesce({3, 1, 4}, {Dims{4, 99, 1}, Dims{1, 99, 3}}, {5, 6});
  EXPECT_THAT(s.shape, ElementsAre(3, 4));
  EXPECT_THAT(s.strides[1], ElementsAre(1, 3));
  EXPECT_THAT(s.offsets, ElementsAre(5, 6));
  // A row broadcast against a dense operand: the inner pair merges, the outer does not.
  s = Coalesce({2, 3, 4}, {Dims{12, 4, 1}, Dims{0, 4, 1}});
  EXPECT_THAT(s.shape, ElementsAre(2, 12));
  // Scalars and all-ones shapes are one dimension of one element; empty ones stay empty.
  s = Coalesce({}, {Dims{}, Dims{}});
  EXPECT_THAT(s.shape, ElementsAre(1));
  EXPECT_THAT(s.strides[1], ElementsAre(0));
  s = Coalesce({2, 0, 3}, {Dims{0, 3, 1}});
  EXPECT_THAT(s.shape, ElementsAre(2, 0, 3));
  EXPECT_EQ(s.size(), 0);
}

TEST(LayoutTest, CoalesceKeepsEveryPositionsOffsets) {
  const Shape shape = {2, 1, 3, 4, 2};
  for (Order a : kOrders) {
    for (Order b : kOrders) {
      const Array x = Strided(shape, a), y = Strided(shape, b);
      const StridedSpace s = Coalesce(shape, {x.strides, y.strides}, {x.offset, y.offset});
      ASSERT_EQ(s.size(), NumElements(shape));
      // Position p of the row-major order, decomposed over the coalesced shape.
      int64_t p = 0;
      ForEachIndex(shape, [&](const Shape& i) {
        int64_t rest = p++, at[2] = {s.offsets[0], s.offsets[1]};
        for (int64_t d = s.rank() - 1; d >= 0; --d) {
          for (int k = 0; k < 2; ++k) at[k] += rest % s.shape[d] * s.strides[k][d];
          rest /= s.shape[d];
        }
        ASSERT_EQ(at[0], Pos(x, i)) << OrderName(a) << " " << OrderName(b);
        ASSERT_EQ(at[1], Pos(y, i)) << OrderName(a) << " " << OrderName(b);
      });
    }
  }
}

}  // namespace
}  // namespace cotangent
