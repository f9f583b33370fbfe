// File: tests/core/abstract_eval_test.cc
// Abstract evaluation, the one place operands are validated: output shapes and dtypes of every
// primitive family, and the exact messages for bad input.

#include "core/error.h"
#include "core/rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::HasSubstr;

ShapedArray A(DType dtype, Shape shape) { return ShapedArray{std::move(shape), dtype}; }

std::string ErrorOf(Primitive prim, std::vector<ShapedArray> in, const Params& params = {}) {
  try {
    AbstractEval(prim, in, params);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
    return e.what();
  }
  return "no error";
}

TEST(AbstractEvalTest, EveryPrimitiveHasARule) {
  for (int i = 0; i < kNumPrimitives; ++i) {
    EXPECT_NE(Rules()[static_cast<Primitive>(i)].abstract_eval, nullptr)
        << PrimitiveName(static_cast<Primitive>(i));
  }
}

TEST(AbstractEvalTest, Elementwise) {
  EXPECT_EQ(AbstractEval(Primitive::kSin, {A(f64, {2, 3})}, {}), A(f64, {2, 3}));
  EXPECT_EQ(AbstractEval(Primitive::kAdd, {A(i32, {4}), A(i32, {4})}, {}), A(i32, {4}));
  EXPECT_EQ(AbstractEval(Primitive::kLt, {A(f32, {4}), A(f32, {4})}, {}), A(bool_, {4}));
  EXPECT_EQ(AbstractEval(Primitive::kSelect, {A(bool_, {2}), A(f32, {2}), A(f32, {2})}, {}),
            A(f32, {2}));
  Params p;
  p.new_dtype = i32;
  EXPECT_EQ(AbstractEval(Primitive::kConvert, {A(f64, {3})}, p), A(i32, {3}));
}

TEST(AbstractEvalTest, ElementwiseErrors) {
  EXPECT_EQ(ErrorOf(Primitive::kAdd, {A(f32, {3}), A(f32, {4})}),
            "add: incompatible shapes f32[3] and f32[4]");
  EXPECT_EQ(ErrorOf(Primitive::kMul, {A(f32, {3}), A(f64, {3})}),
            "mul: mismatched dtypes f32[3] and f64[3]");
  EXPECT_EQ(ErrorOf(Primitive::kExp, {A(i32, {2})}),
            "exp: expected a floating-point operand, got i32[2]");
  EXPECT_EQ(ErrorOf(Primitive::kNeg, {A(bool_, {})}), "neg: expected a numeric operand, got bool[]");
  EXPECT_EQ(ErrorOf(Primitive::kLogicalAnd, {A(f32, {1}), A(f32, {1})}),
            "and: expected a bool operand, got f32[1]");
  EXPECT_EQ(ErrorOf(Primitive::kSelect, {A(f32, {2}), A(f32, {2}), A(f32, {2})}),
            "select: predicate must be bool, got f32[2]");
}

TEST(AbstractEvalTest, Reductions) {
  Params p;
  p.axes = {0, 2};
  EXPECT_EQ(AbstractEval(Primitive::kReduceSum, {A(f32, {2, 3, 4})}, p), A(f32, {3}));
  EXPECT_EQ(AbstractEval(Primitive::kReduceMax, {A(i32, {2, 3, 4})}, p), A(i32, {3}));
  p.axes = {3};
  EXPECT_EQ(ErrorOf(Primitive::kReduceSum, {A(f32, {2, 3})}, p),
            "reduce_sum: axis 3 out of range for f32[2,3]");
  p.axes = {1, 1};
  EXPECT_EQ(ErrorOf(Primitive::kReduceMax, {A(f32, {2, 3})}, p),
            "reduce_max: repeated axis 1 for f32[2,3]");
  Params q;
  q.dimension = 1;
  EXPECT_EQ(AbstractEval(Primitive::kArgmax, {A(f64, {2, 5})}, q), A(i32, {2}));
  EXPECT_EQ(ErrorOf(Primitive::kArgmax, {A(f64, {2, 0})}, q), "argmax: axis 1 of f64[2,0] is empty");
}

TEST(AbstractEvalTest, Movement) {
  Params p;
  p.shape = {6};
  EXPECT_EQ(AbstractEval(Primitive::kReshape, {A(f32, {2, 3})}, p), A(f32, {6}));
  p.shape = {4, 2};
  EXPECT_EQ(ErrorOf(Primitive::kReshape, {A(f32, {2, 3})}, p),
            "reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)");

  Params t;
  t.permutation = {1, 0, 2};
  EXPECT_EQ(AbstractEval(Primitive::kTranspose, {A(f32, {2, 3, 4})}, t), A(f32, {3, 2, 4}));
  t.permutation = {0, 0, 1};
  EXPECT_THAT(ErrorOf(Primitive::kTranspose, {A(f32, {2, 3, 4})}, t),
              HasSubstr("transpose: [0,0,1] is not a permutation of the axes of f32[2,3,4]"));

  Params b;
  b.shape = {5, 3};
  b.broadcast_dimensions = {1};
  EXPECT_EQ(AbstractEval(Primitive::kBroadcastInDim, {A(f32, {3})}, b), A(f32, {5, 3}));
  b.broadcast_dimensions = {0};
  EXPECT_THAT(ErrorOf(Primitive::kBroadcastInDim, {A(f32, {3})}, b),
              HasSubstr("broadcast_in_dim: cannot broadcast f32[3] to [5,3]"));

  Params s;
  s.start = {1, 0};
  s.limit = {4, 5};
  s.stride = {2, 2};
  EXPECT_EQ(AbstractEval(Primitive::kSlice, {A(f32, {4, 5})}, s), A(f32, {2, 3}));
  s.limit = {5, 5};
  EXPECT_THAT(ErrorOf(Primitive::kSlice, {A(f32, {4, 5})}, s),
              HasSubstr("indices must satisfy 0 <= start <= limit <= size"));

  Params pad;
  pad.low = {1, -1};
  pad.high = {0, 2};
  pad.interior = {1, 0};
  EXPECT_EQ(AbstractEval(Primitive::kPad, {A(f32, {3, 4})}, pad), A(f32, {6, 5}));

  Params c;
  c.dimension = 1;
  EXPECT_EQ(AbstractEval(Primitive::kConcatenate, {A(f32, {2, 3}), A(f32, {2, 1})}, c),
            A(f32, {2, 4}));
  EXPECT_EQ(ErrorOf(Primitive::kConcatenate, {A(f32, {2, 3}), A(f32, {3, 1})}, c),
            "concatenate: operands f32[2,3] and f32[3,1] differ outside axis 1");
}

TEST(AbstractEvalTest, DotGeneral) {
  Params p;
  p.dot.lhs_contracting = {2};
  p.dot.rhs_contracting = {0};
  p.dot.lhs_batch = {0};
  p.dot.rhs_batch = {1};
  EXPECT_EQ(AbstractEval(Primitive::kDotGeneral, {A(f32, {2, 3, 4}), A(f32, {4, 2, 5})}, p),
            A(f32, {2, 3, 5}));
  EXPECT_THAT(ErrorOf(Primitive::kDotGeneral, {A(f32, {2, 3, 4}), A(f32, {3, 2, 5})}, p),
              HasSubstr("contracting sizes differ"));
}

}  // namespace
}  // namespace cotangent
