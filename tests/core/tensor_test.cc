// File: tests/core/tensor_test.cc
// Tensor's accessors: an undefined tensor is an Error, never a null dereference.

#include <sstream>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
    return e.what();
  }
  return "no error";
}

// Each of these once dereferenced a null node.
TEST(TensorTest, AccessorsOfAnUndefinedTensorThrow) {
  const Tensor x;
  EXPECT_FALSE(x.defined());
  const std::string why = ": undefined tensor (a default-constructed Tensor holds no value)";
  EXPECT_EQ(ErrorOf([&] { x.shape(); }), "shape" + why);
  EXPECT_EQ(ErrorOf([&] { x.dtype(); }), "dtype" + why);
  EXPECT_EQ(ErrorOf([&] { x.aval(); }), "aval" + why);
  EXPECT_EQ(ErrorOf([&] { x.ndim(); }), "ndim" + why);
  EXPECT_EQ(ErrorOf([&] { x.size(); }), "size" + why);
  EXPECT_EQ(ErrorOf([&] { x.level(); }), "level" + why);
  EXPECT_EQ(ErrorOf([&] { x.is_concrete(); }), "level" + why);
  EXPECT_EQ(ErrorOf([&] { x.to_vector<float>(); }), "to_vector: undefined tensor");
  EXPECT_EQ(ErrorOf([&] { x[0]; }), "index: undefined tensor");
  EXPECT_EQ(ErrorOf([&] { sum(x); }), "sum: undefined tensor");
}

// Printing never throws for want of a value: it says what there is.
TEST(TensorTest, AnUndefinedTensorPrintsAsSuch) {
  std::ostringstream os;
  os << Tensor();
  EXPECT_EQ(os.str(), "Tensor(undefined)");
}

}  // namespace
}  // namespace cotangent
