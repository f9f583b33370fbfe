// File: tests/core/abstract_eval_test.cc
// Abstract evaluation, the one place operands are validated: output shapes and dtypes of every
// primitive family, and the exact messages for bad input.

#include <cstdint>
#include <limits>

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
  EXPECT_EQ(AbstractEval(Primitive::kSin, {A(f64, {2, 3})}, {})[0], A(f64, {2, 3}));
  EXPECT_EQ(AbstractEval(Primitive::kAdd, {A(i32, {4}), A(i32, {4})}, {})[0], A(i32, {4}));
  EXPECT_EQ(AbstractEval(Primitive::kLt, {A(f32, {4}), A(f32, {4})}, {})[0], A(bool_, {4}));
  EXPECT_EQ(AbstractEval(Primitive::kSelect, {A(bool_, {2}), A(f32, {2}), A(f32, {2})}, {})[0],
            A(f32, {2}));
  Params p;
  p.new_dtype = i32;
  EXPECT_EQ(AbstractEval(Primitive::kConvert, {A(f64, {3})}, p)[0], A(i32, {3}));
}

TEST(AbstractEvalTest, ElementwiseErrors) {
  EXPECT_EQ(ErrorOf(Primitive::kAdd, {A(f32, {3}), A(f32, {4})}),
            "add: incompatible shapes f32[3] and f32[4]");
  EXPECT_EQ(ErrorOf(Primitive::kMul, {A(f32, {3}), A(f64, {3})}),
            "mul: mismatched dtypes f32[3] and f64[3]");
  EXPECT_EQ(ErrorOf(Primitive::kExp, {A(i32, {2})}),
            "exp: expected a floating-point or complex operand, got i32[2]");
  EXPECT_EQ(ErrorOf(Primitive::kNeg, {A(bool_, {})}), "neg: expected a numeric operand, got bool[]");
  EXPECT_EQ(ErrorOf(Primitive::kAnd, {A(f32, {1}), A(f32, {1})}),
            "and: expected a bool or integer operand, got f32[1]");
  EXPECT_EQ(ErrorOf(Primitive::kSelect, {A(f32, {2}), A(f32, {2}), A(f32, {2})}),
            "select: expected a bool operand 0, got f32[2]");
}

// The dtypes column is the check: every row rejects, naming itself, each dtype outside the
// class of each operand (with the other operands valid).
TEST(AbstractEvalTest, EveryRowRejectsTheDTypesItsRowExcludes) {
  const DType all[] = {bool_, i32, f32, f64, c64};
  for (int i = 0; i < kNumPrimitives; ++i) {
    const Primitive prim = static_cast<Primitive>(i);
    const int arity = PrimitiveArity(prim) < 0 ? 2 : PrimitiveArity(prim);
    std::vector<ShapedArray> valid;
    for (int k = 0; k < arity; ++k) {
      for (DType d : all) {
        if (InClass(d, OperandDType(prim, k))) {
          valid.push_back(A(d, {2}));
          break;
        }
      }
    }
    for (int k = 0; k < arity; ++k) {
      for (DType d : all) {
        if (InClass(d, OperandDType(prim, k))) continue;
        std::vector<ShapedArray> in = valid;
        in[k] = A(d, {2});
        EXPECT_THAT(ErrorOf(prim, in), HasSubstr(std::string(PrimitiveName(prim)) + ": expected a"))
            << PrimitiveName(prim) << " operand " << k << " " << DTypeName(d);
      }
    }
  }
}

TEST(AbstractEvalTest, Reductions) {
  Params p;
  p.axes = {0, 2};
  EXPECT_EQ(AbstractEval(Primitive::kReduceSum, {A(f32, {2, 3, 4})}, p)[0], A(f32, {3}));
  EXPECT_EQ(AbstractEval(Primitive::kReduceMax, {A(i32, {2, 3, 4})}, p)[0], A(i32, {3}));
  EXPECT_EQ(AbstractEval(Primitive::kReduceProd, {A(c64, {2, 3, 4})}, p)[0], A(c64, {3}));
  EXPECT_THAT(ErrorOf(Primitive::kReduceProd, {A(bool_, {2, 3, 4})}, p),
              HasSubstr("reduce_prod: expected a"));
  p.axes = {3};
  EXPECT_EQ(ErrorOf(Primitive::kReduceSum, {A(f32, {2, 3})}, p),
            "reduce_sum: axis 3 out of range for f32[2,3]");
  p.axes = {1, 1};
  EXPECT_EQ(ErrorOf(Primitive::kReduceMax, {A(f32, {2, 3})}, p),
            "reduce_max: repeated axis 1 for f32[2,3]");
  Params q;
  q.dimension = 1;
  EXPECT_EQ(AbstractEval(Primitive::kArgmax, {A(f64, {2, 5})}, q)[0], A(i32, {2}));
  EXPECT_EQ(ErrorOf(Primitive::kArgmax, {A(f64, {2, 0})}, q), "argmax: axis 1 of f64[2,0] is empty");
}

TEST(AbstractEvalTest, Movement) {
  Params p;
  p.shape = {6};
  EXPECT_EQ(AbstractEval(Primitive::kReshape, {A(f32, {2, 3})}, p)[0], A(f32, {6}));
  p.shape = {4, 2};
  EXPECT_EQ(ErrorOf(Primitive::kReshape, {A(f32, {2, 3})}, p),
            "reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)");

  Params t;
  t.permutation = {1, 0, 2};
  EXPECT_EQ(AbstractEval(Primitive::kTranspose, {A(f32, {2, 3, 4})}, t)[0], A(f32, {3, 2, 4}));
  t.permutation = {0, 0, 1};
  EXPECT_THAT(ErrorOf(Primitive::kTranspose, {A(f32, {2, 3, 4})}, t),
              HasSubstr("transpose: [0,0,1] is not a permutation of the axes of f32[2,3,4]"));

  Params b;
  b.shape = {5, 3};
  b.broadcast_dimensions = {1};
  EXPECT_EQ(AbstractEval(Primitive::kBroadcastInDim, {A(f32, {3})}, b)[0], A(f32, {5, 3}));
  b.broadcast_dimensions = {0};
  EXPECT_THAT(ErrorOf(Primitive::kBroadcastInDim, {A(f32, {3})}, b),
              HasSubstr("broadcast_in_dim: cannot broadcast f32[3] to [5,3]"));

  Params s;
  s.start = {1, 0};
  s.limit = {4, 5};
  s.stride = {2, 2};
  EXPECT_EQ(AbstractEval(Primitive::kSlice, {A(f32, {4, 5})}, s)[0], A(f32, {2, 3}));
  s.limit = {5, 5};
  EXPECT_THAT(ErrorOf(Primitive::kSlice, {A(f32, {4, 5})}, s),
              HasSubstr("indices must satisfy 0 <= start <= limit <= size"));

  Params pad;
  pad.low = {1, -1};
  pad.high = {0, 2};
  pad.interior = {1, 0};
  EXPECT_EQ(AbstractEval(Primitive::kPad, {A(f32, {3, 4})}, pad)[0], A(f32, {6, 5}));

  Params c;
  c.dimension = 1;
  EXPECT_EQ(AbstractEval(Primitive::kConcatenate, {A(f32, {2, 3}), A(f32, {2, 1})}, c)[0],
            A(f32, {2, 4}));
  EXPECT_EQ(ErrorOf(Primitive::kConcatenate, {A(f32, {2, 3}), A(f32, {3, 1})}, c),
            "concatenate: operands f32[2,3] and f32[3,1] differ outside axis 1");
}

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Every result passes CheckShape: a size past int64 is an error naming the primitive.
TEST(AbstractEvalTest, ResultsTooLargeForInt64AreErrors) {
  Params b;
  b.shape = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_EQ(ErrorOf(Primitive::kBroadcastInDim, {A(f32, {})}, b),
            "broadcast_in_dim: f32[4294967296,4294967296] is too large: its size in bytes "
            "overflows int64");
  // 2^62 * 4 wraps to 0 = the size of f32[0]: the product must be checked before comparing.
  Params r;
  r.shape = {int64_t{1} << 62, 4, 0};
  EXPECT_THAT(ErrorOf(Primitive::kReshape, {A(f32, {0})}, r),
              HasSubstr("reshape: f32[4611686018427387904,4,0] is too large"));
  Params d;
  d.dot.lhs_contracting = {1};
  d.dot.rhs_contracting = {0};
  EXPECT_THAT(ErrorOf(Primitive::kDotGeneral,
                      {A(f32, {int64_t{1} << 40, 1}), A(f32, {1, int64_t{1} << 40})}, d),
              HasSubstr("dot_general: f32[1099511627776,1099511627776] is too large"));
  Params c;
  c.dimension = 0;
  EXPECT_EQ(ErrorOf(Primitive::kConcatenate, {A(bool_, {kMax}), A(bool_, {1})}, c),
            "concatenate: the sizes along axis 0 add up past int64 (bool[9223372036854775807], "
            "...)");
  Params pad;
  pad.low = {kMax};
  pad.high = {1};
  pad.interior = {0};
  EXPECT_EQ(ErrorOf(Primitive::kPad, {A(f32, {2})}, pad),
            "pad: cannot pad f32[2] with low [9223372036854775807] high [1] interior [0]: the "
            "padded size overflows int64");
  pad.low = {0};
  pad.high = {0};
  pad.interior = {kMax};  // (2 - 1) * interior + 2 overflows
  EXPECT_THAT(ErrorOf(Primitive::kPad, {A(f32, {2})}, pad), HasSubstr("overflows int64"));
}

TEST(AbstractEvalTest, NegativeDimensionsNeverExist) {
  Params r;
  r.shape = {-2, -3};  // 6 elements, as f32[6] has
  EXPECT_EQ(ErrorOf(Primitive::kReshape, {A(f32, {6})}, r),
            "reshape: negative dimension in shape [-2,-3]");
  Params b;
  b.shape = {-4, 2};
  b.broadcast_dimensions = {1};
  EXPECT_EQ(ErrorOf(Primitive::kBroadcastInDim, {A(f32, {2})}, b),
            "broadcast_in_dim: negative dimension in shape [-4,2]");
}

// (limit - start + stride - 1) / stride once overflowed: stride INT64_MAX gave f32[0] and
// INT64_MAX - 1 gave f32[-1] for 4 elements.
TEST(AbstractEvalTest, SliceSizeWithHugeStrides) {
  Params s;
  s.start = {0};
  s.limit = {4};
  for (int64_t stride : {kMax, kMax - 1, int64_t{4}}) {
    s.stride = {stride};
    EXPECT_EQ(AbstractEval(Primitive::kSlice, {A(f32, {4})}, s)[0], A(f32, {1})) << stride;
  }
  s.stride = {3};
  EXPECT_EQ(AbstractEval(Primitive::kSlice, {A(f32, {4})}, s)[0], A(f32, {2}));
  s.start = {4};
  EXPECT_EQ(AbstractEval(Primitive::kSlice, {A(f32, {4})}, s)[0], A(f32, {0}));
}

TEST(AbstractEvalTest, DotGeneral) {
  Params p;
  p.dot.lhs_contracting = {2};
  p.dot.rhs_contracting = {0};
  p.dot.lhs_batch = {0};
  p.dot.rhs_batch = {1};
  EXPECT_EQ(AbstractEval(Primitive::kDotGeneral, {A(f32, {2, 3, 4}), A(f32, {4, 2, 5})}, p)[0],
            A(f32, {2, 3, 5}));
  EXPECT_THAT(ErrorOf(Primitive::kDotGeneral, {A(f32, {2, 3, 4}), A(f32, {3, 2, 5})}, p),
              HasSubstr("contracting sizes differ"));
}

}  // namespace
}  // namespace cotangent
