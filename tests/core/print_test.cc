// File: tests/core/print_test.cc
// operator<< against the strings numpy prints for the same arrays (str(np.array(...))).

#include <sstream>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

std::string Str(const Tensor& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

TEST(PrintTest, FloatsUseShortestRoundTripDigits) {
  EXPECT_EQ(Str(tensor({0.9653214, 0.31468165, 0.63302994}, {3})),
            "[0.9653214  0.31468165 0.63302994]");
  EXPECT_EQ(Str(tensor({1, 2, 3}, {3})), "[1. 2. 3.]");
  EXPECT_EQ(Str(tensor({-1, 2.5}, {2})), "[-1.   2.5]");
  EXPECT_EQ(Str(tensor({0.1}, {1}, f64)), "[0.1]");
  EXPECT_EQ(Str(scalar(1.5)), "1.5");
}

// str(np.float32(x)): JAX's print of a scalar result, e.g. grad(jnp.tanh)(2.0).
TEST(PrintTest, ScalarsPrintAsNumpyScalars) {
  EXPECT_EQ(Str(scalar(0.070650935)), "0.070650935");
  EXPECT_EQ(Str(scalar(1.0)), "1.0");
  EXPECT_EQ(Str(scalar(-0.0)), "-0.0");
  EXPECT_EQ(Str(scalar(3375.0)), "3375.0");
  EXPECT_EQ(Str(scalar(1e-5)), "1e-05");
  EXPECT_EQ(Str(scalar(1.5e20)), "1.5e+20");
  EXPECT_EQ(Str(scalar(NAN)), "nan");
  EXPECT_EQ(Str(scalar(0.1, f64)), "0.1");
  EXPECT_EQ(Str(scalar(1.0 / 3.0, f64)), "0.3333333333333333");
}

TEST(PrintTest, RoundingAtTheDigitCapDropsTrailingZeros) {
  // numpy: str(np.array([-2.0000000000000004, 6.0, 10.0])) == "[-2.  6. 10.]"
  EXPECT_EQ(Str(tensor({-2.0000000000000004, 6.0, 10.0}, {3}, f64)), "[-2.  6. 10.]");
  EXPECT_EQ(Str(tensor({0.1 + 0.2, 1.0}, {2}, f64)), "[0.3 1. ]");
}

TEST(PrintTest, ScientificWhenMagnitudesSpreadOut) {
  EXPECT_EQ(Str(tensor({1e-5, 1.5}, {2})), "[1.0e-05 1.5e+00]");
}

TEST(PrintTest, IntegersAndBoolsAlignRight) {
  EXPECT_EQ(Str(tensor({1, -20}, {2}, i32)), "[  1 -20]");
  EXPECT_EQ(Str(tensor({1, 0}, {2}, bool_)), "[ True False]");
}

TEST(PrintTest, NestedBracketsPerAxis) {
  EXPECT_EQ(Str(tensor({1, 2, 3, 4}, {2, 2})), "[[1. 2.]\n [3. 4.]]");
  EXPECT_EQ(Str(reshape(arange(8), {2, 2, 2})), "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]");
}

TEST(PrintTest, LongRowsWrapAt75Columns) {
  EXPECT_EQ(Str(arange(30, f32)),
            "[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n"
            " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]");
}

TEST(PrintTest, LargeArraysAreSummarized) {
  EXPECT_EQ(Str(arange(2000)), "[   0    1    2 ... 1997 1998 1999]");
}

// str(np.arange(2000).reshape(2, 1000)): the edges of every axis.
TEST(PrintTest, SummariesShowTheEdgesOfEveryAxis) {
  EXPECT_EQ(Str(reshape(arange(2000), {2, 1000})),
            "[[   0    1    2 ...  997  998  999]\n [1000 1001 1002 ... 1997 1998 1999]]");
}

// str(np.arange(8000).reshape(20, 20, 20)): every axis elided, blank lines between blocks.
TEST(PrintTest, SummariesOfThreeAxes) {
  EXPECT_EQ(Str(reshape(arange(8000), {20, 20, 20})),
            "[[[   0    1    2 ...   17   18   19]\n"
            "  [  20   21   22 ...   37   38   39]\n"
            "  [  40   41   42 ...   57   58   59]\n"
            "  ...\n"
            "  [ 340  341  342 ...  357  358  359]\n"
            "  [ 360  361  362 ...  377  378  379]\n"
            "  [ 380  381  382 ...  397  398  399]]\n"
            "\n"
            " [[ 400  401  402 ...  417  418  419]\n"
            "  [ 420  421  422 ...  437  438  439]\n"
            "  [ 440  441  442 ...  457  458  459]\n"
            "  ...\n"
            "  [ 740  741  742 ...  757  758  759]\n"
            "  [ 760  761  762 ...  777  778  779]\n"
            "  [ 780  781  782 ...  797  798  799]]\n"
            "\n"
            " [[ 800  801  802 ...  817  818  819]\n"
            "  [ 820  821  822 ...  837  838  839]\n"
            "  [ 840  841  842 ...  857  858  859]\n"
            "  ...\n"
            "  [1140 1141 1142 ... 1157 1158 1159]\n"
            "  [1160 1161 1162 ... 1177 1178 1179]\n"
            "  [1180 1181 1182 ... 1197 1198 1199]]\n"
            "\n"
            " ...\n"
            "\n"
            " [[6800 6801 6802 ... 6817 6818 6819]\n"
            "  [6820 6821 6822 ... 6837 6838 6839]\n"
            "  [6840 6841 6842 ... 6857 6858 6859]\n"
            "  ...\n"
            "  [7140 7141 7142 ... 7157 7158 7159]\n"
            "  [7160 7161 7162 ... 7177 7178 7179]\n"
            "  [7180 7181 7182 ... 7197 7198 7199]]\n"
            "\n"
            " [[7200 7201 7202 ... 7217 7218 7219]\n"
            "  [7220 7221 7222 ... 7237 7238 7239]\n"
            "  [7240 7241 7242 ... 7257 7258 7259]\n"
            "  ...\n"
            "  [7540 7541 7542 ... 7557 7558 7559]\n"
            "  [7560 7561 7562 ... 7577 7578 7579]\n"
            "  [7580 7581 7582 ... 7597 7598 7599]]\n"
            "\n"
            " [[7600 7601 7602 ... 7617 7618 7619]\n"
            "  [7620 7621 7622 ... 7637 7638 7639]\n"
            "  [7640 7641 7642 ... 7657 7658 7659]\n"
            "  ...\n"
            "  [7940 7941 7942 ... 7957 7958 7959]\n"
            "  [7960 7961 7962 ... 7977 7978 7979]\n"
            "  [7980 7981 7982 ... 7997 7998 7999]]]");
}

// Only the shown elements are read back: a view of 3 * 2^40 elements prints at once.
TEST(PrintTest, SummariesReadOnlyTheShownElements) {
  EXPECT_EQ(Str(broadcast_to(arange(3), {int64_t{1} << 40, 3})),
            "[[0 1 2]\n [0 1 2]\n [0 1 2]\n ...\n [0 1 2]\n [0 1 2]\n [0 1 2]]");
}

// str(np.zeros((2, 0))) is "[]"; printing it once read a cell of the empty array and crashed.
TEST(PrintTest, EmptyArraysPrintAsEmptyBrackets) {
  EXPECT_EQ(Str(zeros({2, 0})), "[]");
  EXPECT_EQ(Str(zeros({0})), "[]");
  EXPECT_EQ(Str(zeros({0, 3}, i32)), "[]");
  EXPECT_EQ(Str(zeros({2, 0, 3}, bool_)), "[]");
}

TEST(PrintTest, NonFiniteValues) {
  EXPECT_EQ(Str(tensor({1.0, -INFINITY, NAN}, {3})), "[  1. -inf  nan]");
}

// Regression: a fraction wider than "nan" made the width of the integer part negative (as a
// size_t: a huge string, std::length_error out of operator<<).
TEST(PrintTest, NanBesideLongFractions) {
  EXPECT_EQ(Str(tensor({0.1234567, NAN}, {2}, f64)), "[0.1234567       nan]");
  EXPECT_EQ(Str(tensor({1.5, -INFINITY, 0.25}, {3}, f64)), "[1.5  -inf 0.25]");
}

}  // namespace
}  // namespace cotangent
