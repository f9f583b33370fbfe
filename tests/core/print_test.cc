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

}  // namespace
}  // namespace cotangent
