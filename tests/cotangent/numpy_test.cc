// File: tests/cotangent/numpy_test.cc
// The numpy-style API: the promotion table, broadcasting, composites against formulas computed
// here in double, movement and indexing, and the messages for bad input.

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(PromotionTest, TensorTensorTable) {
  const DType types[] = {bool_, i32, f32, f64};
  // Row = lhs, column = rhs: the larger in bool < i32 < f32 < f64.
  const DType expected[4][4] = {{bool_, i32, f32, f64},
                                {i32, i32, f32, f64},
                                {f32, f32, f32, f64},
                                {f64, f64, f64, f64}};
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(PromoteTypes(types[i], types[j]), expected[i][j]);
      if (types[i] == bool_ || types[j] == bool_) continue;  // no bool arithmetic
      EXPECT_EQ((ones({2}, types[i]) + ones({2}, types[j])).dtype(), expected[i][j]);
    }
  }
}

TEST(PromotionTest, DoublesAreWeaklyTyped) {
  EXPECT_EQ((ones({2}, f64) * 2.0).dtype(), f64);
  EXPECT_EQ((ones({2}, f32) * 2.0).dtype(), f32);
  EXPECT_EQ((ones({2}, i32) * 2.0).dtype(), f32);
  EXPECT_EQ((2.0 - ones({2}, i32)).dtype(), f32);
  EXPECT_EQ((ones({2}, i32) / ones({2}, i32)).dtype(), f32);  // true division
  EXPECT_EQ(sin(arange(3)).dtype(), f32);
  EXPECT_EQ(sum(ones({3}, bool_)).dtype(), i32);
}

TEST(BroadcastTest, NumpyRules) {
  const Tensor a = reshape(arange(3, f64), {3, 1});
  const Tensor b = arange(4, f64);
  const Tensor c = a * 10.0 + b;
  EXPECT_EQ(c.shape(), (Shape{3, 4}));
  EXPECT_THAT(c.to_vector<double>(), ElementsAre(0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23));
  EXPECT_EQ((ones({2, 1, 5}) + ones({4, 1})).shape(), (Shape{2, 4, 5}));
  EXPECT_EQ((scalar(1.0) + ones({0, 3})).shape(), (Shape{0, 3}));
  EXPECT_EQ(ErrorOf([] { ones({3}) + ones({4}); }), "add: incompatible shapes f32[3] and f32[4]");
  EXPECT_EQ(ErrorOf([] { ones({2, 3}) * ones({3, 2}); }),
            "mul: incompatible shapes f32[2,3] and f32[3,2]");
  EXPECT_EQ(broadcast_to(arange(3), {2, 3}).to_vector<int>(), (std::vector<int>{0, 1, 2, 0, 1, 2}));
  EXPECT_THAT(ErrorOf([] { broadcast_to(ones({3}), {4, 2}); }),
              HasSubstr("broadcast_to: cannot broadcast f32[3] to [4,2]"));
}

TEST(ElementwiseTest, CompositesMatchTheirFormulas) {
  const std::vector<double> xs = {-3.5, -1.0, -0.25, 0.0, 0.5, 2.0, 40.0};
  const Tensor x = tensor(xs, {7}, f64);
  std::vector<double> sig, rel, sq;
  for (double v : xs) {
    sig.push_back(1.0 / (1.0 + std::exp(-v)));
    rel.push_back(v > 0 ? v : 0.0);
    sq.push_back(v * v);
  }
  EXPECT_THAT(sigmoid(x).to_vector<double>(), Pointwise(DoubleNear(1e-15), sig));
  EXPECT_THAT(relu(x).to_vector<double>(), ElementsAreArray(rel));
  EXPECT_THAT(square(x).to_vector<double>(), ElementsAreArray(sq));
  EXPECT_THAT(pow(abs(x), 0.5).to_vector<double>(), Pointwise(DoubleNear(1e-15), [&] {
                std::vector<double> r;
                for (double v : xs) r.push_back(std::sqrt(std::fabs(v)));
                return r;
              }()));
  EXPECT_THAT(maximum(x, 0.5).to_vector<double>(), ElementsAre(0.5, 0.5, 0.5, 0.5, 0.5, 2, 40));
  EXPECT_THAT(minimum(1.0, x).to_vector<double>(), ElementsAre(-3.5, -1, -0.25, 0, 0.5, 1, 1));
  EXPECT_THAT(where(x > 0.0, x, -1.0).to_vector<double>(), ElementsAre(-1, -1, -1, -1, 0.5, 2, 40));
}

TEST(ReductionTest, AxesAndKeepdims) {
  const Tensor x = reshape(arange(24, f64), {2, 3, 4});
  EXPECT_EQ(sum(x).item<double>(), 276);
  EXPECT_EQ(sum(x, {0, 2}).shape(), (Shape{3}));
  EXPECT_THAT(sum(x, {0, 2}).to_vector<double>(), ElementsAre(60, 92, 124));
  EXPECT_EQ(sum(x, -1, true).shape(), (Shape{2, 3, 1}));
  EXPECT_THAT(mean(x, 1).to_vector<double>(), ElementsAre(4, 5, 6, 7, 16, 17, 18, 19));
  EXPECT_THAT(max(x, {0, 1}).to_vector<double>(), ElementsAre(20, 21, 22, 23));
  EXPECT_THAT(min(x, 2).to_vector<double>(), ElementsAre(0, 4, 8, 12, 16, 20));
  EXPECT_THAT(argmax(tensor({1, 5, 5, 2}, {2, 2}), 1).to_vector<int>(), ElementsAre(1, 0));
  EXPECT_EQ(ErrorOf([&] { sum(x, 3); }), "sum: axis 3 out of range for rank 3");
  EXPECT_EQ(ErrorOf([&] { sum(x, {1, -2}); }), "sum: repeated axis in [1,-2]");
}

TEST(ReductionTest, ProdValuesDTypesAndEmptyAxes) {
  const Tensor x = reshape(arange(1, 25, 1, f64), {2, 3, 4});
  EXPECT_THAT(prod(x, {0, 2}).to_vector<double>(),
              ElementsAre(1.0 * 2 * 3 * 4 * 13 * 14 * 15 * 16, 5.0 * 6 * 7 * 8 * 17 * 18 * 19 * 20,
                          9.0 * 10 * 11 * 12 * 21 * 22 * 23 * 24));
  EXPECT_EQ(prod(x, -1, true).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(prod(x, {}).item<double>(), std::tgamma(25.0));  // 24!, exact in f64
  // JAX's promote_integers: bool and u8 multiply in i32 and u32; integer products wrap.
  EXPECT_EQ(prod(tensor({1, 0, 1}, {3}, bool_)).dtype(), i32);
  EXPECT_EQ(prod(tensor({200, 2}, {2}, u8)).item<uint32_t>(), 400u);
  EXPECT_EQ(prod(tensor({65536, 65536, 3}, {3}, i32)).item<int32_t>(), 0);
  EXPECT_EQ(prod(tensor({46341, 46341}, {2}, i32)).item<int32_t>(), -2147479015);
  // The product of nothing is 1, in every dtype.
  EXPECT_THAT(prod(zeros({2, 0}, f32), 1).to_vector<float>(), ElementsAre(1.0f, 1.0f));
  EXPECT_EQ(prod(zeros({0}, i64)).item<int64_t>(), 1);
  EXPECT_EQ(prod(zeros({0}, f16)).item<float>(), 1.0f);
  EXPECT_EQ(ErrorOf([&] { prod(x, 3); }), "prod: axis 3 out of range for rank 3");
}

// The gradient and Hessian of prod where factors are zero, against the products of the other
// factors computed here: d prod / dx_i = prod_{k != i} x_k and d2 prod / dx_i dx_j =
// prod_{k != i, j} x_k (0 on the diagonal). Zeros first, last, in the middle, two, and all
// (TensorFlow's reduction_ops_test cases); the tree pads the odd row counts (5 and 7).
TEST(ReductionTest, ProdDerivativesAreExactAtZeroFactors) {
  for (const int64_t n : {5, 7, 8}) {
    const std::vector<std::vector<int64_t>> zero_sets = {{}, {0}, {n - 1}, {2}, {1, 3}};
    for (std::vector<int64_t> zeros_at : zero_sets) {
      std::vector<double> v(n);
      for (int64_t i = 0; i < n; ++i) v[i] = 0.5 + 0.25 * static_cast<double>(i);
      for (int64_t i : zeros_at) v[i] = 0;
      const auto others = [&](int64_t i, int64_t j) {
        double p = 1;
        for (int64_t k = 0; k < n; ++k) p *= (k == i || k == j) ? 1.0 : v[k];
        return p;
      };
      const Tensor x = from_vector(v, {n});
      const auto f = [](const Tensor& u) { return prod(u); };
      const std::vector<double> g = grad(f)(x).to_vector<double>();
      const std::vector<double> h = hessian(f)(x).to_vector<double>();
      const std::vector<double> h_rev = jacrev(grad(f))(x).to_vector<double>();
      for (int64_t i = 0; i < n; ++i) {
        EXPECT_DOUBLE_EQ(g[i], others(i, -1)) << "n " << n << " i " << i;
        for (int64_t j = 0; j < n; ++j) {
          EXPECT_DOUBLE_EQ(h[i * n + j], i == j ? 0.0 : others(i, j)) << n << " " << i << " " << j;
          EXPECT_EQ(h_rev[i * n + j], h[i * n + j]) << n << " " << i << " " << j;
        }
      }
    }
  }
  // All zeros: every first derivative is 0 (and so are the second ones, with n > 2).
  const Tensor all_zero = zeros({2, 4}, f64);
  EXPECT_THAT(grad([](const Tensor& u) { return sum(prod(u, 1)); })(all_zero).to_vector<double>(),
              testing::Each(0.0));
}

TEST(ReductionTest, LogsumexpAndSoftmaxAreStable) {
  const Tensor z = tensor({1000, 1001, -5, 0}, {2, 2}, f64);
  const double l0 = 1001 + std::log(1 + std::exp(-1.0));
  const double l1 = std::log(std::exp(-5.0) + 1.0);
  EXPECT_THAT(logsumexp(z, {1}, true).to_vector<double>(),
              Pointwise(DoubleNear(1e-12), std::vector<double>{l0, l1}));
  EXPECT_EQ(logsumexp(z, {1}, true).shape(), (Shape{2, 1}));
  EXPECT_NEAR(logsumexp(z).item<double>(), std::log(std::exp(-1.0) + 1) + 1001, 1e-12);
  EXPECT_THAT(softmax(z).to_vector<double>(),
              Pointwise(DoubleNear(1e-15),
                        std::vector<double>{1 / (1 + std::exp(1.0)), 1 / (1 + std::exp(-1.0)),
                                            1 / (1 + std::exp(5.0)), 1 / (1 + std::exp(-5.0))}));
  EXPECT_THAT(log_softmax(z, 0).to_vector<double>(),
              Pointwise(DoubleNear(1e-12), std::vector<double>{0, 0, -1005, -1001}));
  EXPECT_EQ(logsumexp(tensor({-INFINITY, -INFINITY}, {2})).item<float>(), -INFINITY);
}

TEST(ContractionTest, MatmulAndDot) {
  const Tensor a = reshape(arange(6, f64), {2, 3});
  const Tensor b = reshape(arange(12, f64), {3, 4});
  EXPECT_THAT(matmul(a, b).to_vector<double>(),
              ElementsAre(20, 23, 26, 29, 56, 68, 80, 92));
  EXPECT_THAT(matmul(arange(3, f64), b).to_vector<double>(), ElementsAre(20, 23, 26, 29));
  EXPECT_THAT(matmul(a, arange(3, f64)).to_vector<double>(), ElementsAre(5, 14));
  EXPECT_EQ(matmul(ones({5, 1, 2, 3}), ones({4, 3, 7})).shape(), (Shape{5, 4, 2, 7}));
  EXPECT_EQ(dot(arange(3, f64), arange(3, f64)).item<double>(), 5);
  EXPECT_EQ(dot(ones({2, 3, 4}), ones({5, 4, 6})).shape(), (Shape{2, 3, 5, 6}));
  EXPECT_EQ(ErrorOf([] { matmul(ones({2, 3}), ones({4, 5})); }),
            "matmul: incompatible shapes f32[2,3] and f32[4,5]");
  EXPECT_EQ(ErrorOf([] { dot(ones({2, 3}), ones({4})); }),
            "dot: incompatible shapes f32[2,3] and f32[4]");
}

TEST(MovementTest, ShapesAndValues) {
  const Tensor x = reshape(arange(6), {2, 3});
  EXPECT_EQ(reshape(x, {3, -1}).shape(), (Shape{3, 2}));
  EXPECT_THAT(transpose(x).to_vector<int>(), ElementsAre(0, 3, 1, 4, 2, 5));
  EXPECT_EQ(transpose(ones({2, 3, 4}), {2, 0, -2}).shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(squeeze(ones({1, 3, 1})).shape(), (Shape{3}));
  EXPECT_EQ(squeeze(ones({1, 3, 1}), 0).shape(), (Shape{3, 1}));
  EXPECT_EQ(expand_dims(ones({3}), -1).shape(), (Shape{3, 1}));
  EXPECT_THAT(stack({arange(2), arange(2)}, 1).to_vector<int>(), ElementsAre(0, 0, 1, 1));
  EXPECT_THAT(concatenate({arange(2), arange(3)}).to_vector<int>(), ElementsAre(0, 1, 0, 1, 2));
  EXPECT_THAT(slice(x, {0, 1}, {2, 3}).to_vector<int>(), ElementsAre(1, 2, 4, 5));
  EXPECT_THAT(x[1].to_vector<int>(), ElementsAre(3, 4, 5));
  EXPECT_EQ(x[-1][0].item<int>(), 3);
  EXPECT_EQ(ErrorOf([&] { x[2]; }), "index: index 2 out of range for axis 0 of i32[2,3]");
  EXPECT_EQ(ErrorOf([&] { reshape(x, {4, -1}); }), "reshape: cannot reshape i32[2,3] to [4,-1]");
  EXPECT_EQ(ErrorOf([&] { squeeze(x, 1); }), "squeeze: axis 1 of i32[2,3] has size 3, not 1");
  EXPECT_EQ(ErrorOf([&] { stack({arange(2), arange(3)}); }), "stack: shapes differ: i32[2] and i32[3]");
}

TEST(OneHotTest, Classes) {
  EXPECT_THAT(one_hot(tensor({2, 0}, {2}, i32), 3).to_vector<float>(),
              ElementsAre(0, 0, 1, 1, 0, 0));
  EXPECT_EQ(ErrorOf([] { one_hot(ones({2}), 3); }),
            "one_hot: labels must be integers, got f32[2]");
  // Labels of any integer dtype (Fashion-MNIST's are u8); one past the classes is a zero row.
  EXPECT_THAT(one_hot(tensor({2, 0, 3}, {3}, u8), 3).to_vector<float>(),
              ElementsAre(0, 0, 1, 1, 0, 0, 0, 0, 0));
  EXPECT_THAT(one_hot(tensor({4294967295.0, 1}, {2}, u32), 2).to_vector<float>(),
              ElementsAre(0, 0, 0, 1));
}

TEST(CreationTest, ValuesAndErrors) {
  EXPECT_THAT(linspace(0, 1, 5).to_vector<double>(), ElementsAre(0, 0.25, 0.5, 0.75, 1));
  EXPECT_THAT(arange(1.0, 2.0, 0.25, f64).to_vector<double>(), ElementsAre(1, 1.25, 1.5, 1.75));
  EXPECT_THAT(eye(2, 3, i32).to_vector<int>(), ElementsAre(1, 0, 0, 0, 1, 0));
  EXPECT_THAT(full({2}, 7, f64).to_vector<double>(), ElementsAre(7, 7));
  EXPECT_EQ(scalar(3).shape(), Shape{});
  EXPECT_EQ(ErrorOf([] { tensor({1, 2, 3}, {2, 2}); }),
            "tensor: got 3 values for shape [2,2] (4 elements)");
  EXPECT_EQ(ErrorOf([] { zeros({-1}); }), "zeros: negative dimension in shape [-1]");
  EXPECT_EQ(ErrorOf([] { tensor({1.5}, {1}, i32); }), "tensor: value 1.5 is not representable as i32");
  EXPECT_EQ(ErrorOf([] { ones({2}).item<float>(); }),
            "item: expected a tensor with one element, got f32[2]");
}

// The code an Error carries, or OK when f returned.
absl::StatusCode CodeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return absl::StatusCode::kOk;
}

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t k2to40 = int64_t{1} << 40;

// Each of these was accepted with a wrapped element count (zeros gave size() 0, eye wrote out
// of bounds, printing the zeros grew memory without bound).
TEST(ShapeLimitsTest, ElementCountsPastInt64AreInvalid) {
  const std::string too_large = "f32[1099511627776,1099511627776] is too large: its size in bytes "
                                "overflows int64";
  EXPECT_EQ(ErrorOf([] { zeros({k2to40, k2to40}); }), "zeros: " + too_large);
  EXPECT_EQ(ErrorOf([] { full({k2to40, k2to40}, 2.0); }), "full: " + too_large);
  EXPECT_EQ(ErrorOf([] { eye(int64_t{1} << 32); }),
            "eye: f32[4294967296,4294967296] is too large: its size in bytes overflows int64");
  EXPECT_EQ(ErrorOf([] { broadcast_to(ones({1}), {int64_t{1} << 32, int64_t{1} << 32}); }),
            "broadcast_to: f32[4294967296,4294967296] is too large: its size in bytes overflows "
            "int64");
  EXPECT_EQ(ErrorOf([] { reshape(zeros({0}), {-1, k2to40, k2to40}); }),
            "reshape: cannot reshape f32[0] to [-1,1099511627776,1099511627776]");
  EXPECT_EQ(ErrorOf([] { arange(0.0, 1e300, 1.0); }),
            "arange: start=0 stop=1e+300 step=1 gives 1e+300 elements, more than int64 counts");
  EXPECT_EQ(CodeOf([] { concatenate({broadcast_to(ones({1}, bool_), {kMax}), ones({1}, bool_)}); }),
            absl::StatusCode::kInvalidArgument);
}

// A valid size the machine cannot hold is ResourceExhausted naming the function and the bytes
// (it was std::length_error or std::bad_alloc from a host vector of doubles).
TEST(ShapeLimitsTest, SizesPastMemoryAreResourceExhausted) {
  EXPECT_EQ(CodeOf([] { zeros({k2to40}); }), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(ErrorOf([] { zeros({k2to40}); }),
              HasSubstr("zeros: cannot allocate f32[1099511627776] (4398046511104 bytes): "));
  EXPECT_THAT(ErrorOf([] { ones({k2to40}, f64); }),
              HasSubstr("ones: cannot allocate f64[1099511627776] (8796093022208 bytes): "));
  EXPECT_THAT(ErrorOf([] { eye(int64_t{1} << 21); }),
              HasSubstr("eye: cannot allocate f32[2097152,2097152] (17592186044416 bytes): "));
  EXPECT_THAT(ErrorOf([] { linspace(0, 1, k2to40); }),
              HasSubstr("linspace: cannot allocate f32[1099511627776] (4398046511104 bytes): "));
  EXPECT_THAT(ErrorOf([] { arange(0.0, 1e15, 1.0, f64); }),
              HasSubstr("arange: cannot allocate f64[1000000000000000] (8000000000000000 bytes)"));
  // A view of 2^40 elements costs nothing; computing from it needs its memory.
  const Tensor big = broadcast_to(scalar(1.0), {k2to40});
  EXPECT_EQ(big.size(), k2to40);
  EXPECT_THAT(ErrorOf([&] { big + 1.0; }),
              HasSubstr("add: cannot allocate f32[1099511627776] (4398046511104 bytes): "));
  EXPECT_EQ(CodeOf([&] { big.to_vector<float>(); }), absl::StatusCode::kResourceExhausted);
  // i32 ranges past 2^31 fail on their values before any memory is taken.
  EXPECT_EQ(ErrorOf([] { arange(k2to40); }),
            "arange: value 1.09951e+12 is not representable as i32");
}

TEST(ShapeLimitsTest, NegativeDimensionsAreInvalid) {
  EXPECT_EQ(ErrorOf([] { ones({2, -3}); }), "ones: negative dimension in shape [2,-3]");
  EXPECT_EQ(ErrorOf([] { full({-1}, 1.0); }), "full: negative dimension in shape [-1]");
  EXPECT_EQ(ErrorOf([] { tensor({}, {-1, 0}); }), "tensor: negative dimension in shape [-1,0]");
  EXPECT_EQ(ErrorOf([] { broadcast_to(ones({1}), {-4}); }),
            "broadcast_to: negative dimension in shape [-4]");
  EXPECT_EQ(ErrorOf([] { eye(-1); }), "eye: negative size -1x-1");
}

// Strides near INT64_MAX once overflowed the size computation: f32[0] and f32[-1].
TEST(ShapeLimitsTest, SliceWithHugeStridesTakesTheFirstElement) {
  const Tensor x = arange(4, f32);
  EXPECT_THAT(slice(x, {0}, {4}, {kMax}).to_vector<float>(), ElementsAre(0));
  EXPECT_THAT(slice(x, {1}, {4}, {kMax - 1}).to_vector<float>(), ElementsAre(1));
  EXPECT_THAT(slice(x, {0}, {4}, {3}).to_vector<float>(), ElementsAre(0, 3));
}

// The pad kernels formed ceil divisions as (a + step - 1) / step, which overflowed for an
// interior padding near INT64_MAX (harmless to the size when there is one element).
TEST(ShapeLimitsTest, PadWithHugeInteriorPadding) {
  EXPECT_THAT(lax::pad(arange(1, f32), 7.0, {-1}, {2}, {kMax - 1}).to_vector<float>(),
              ElementsAre(7, 7));
  EXPECT_THAT(lax::pad(arange(1, f32), 7.0, {0}, {1}, {kMax - 1}).to_vector<float>(),
              ElementsAre(0, 7));
}

// Creation fills on the device: every dtype, including values that round in it.
TEST(CreationTest, FilledValuesInEveryDType) {
  EXPECT_THAT(zeros({3}, bool_).to_vector<bool>(), ElementsAre(false, false, false));
  EXPECT_THAT(ones({2}, bool_).to_vector<bool>(), ElementsAre(true, true));
  EXPECT_THAT(full({2}, -7, i32).to_vector<int>(), ElementsAre(-7, -7));
  EXPECT_THAT(full({2, 2}, 0.1, f32).to_vector<float>(), ElementsAre(0.1f, 0.1f, 0.1f, 0.1f));
  EXPECT_THAT(full({2}, 0.1, f64).to_vector<double>(), ElementsAre(0.1, 0.1));
  EXPECT_EQ(zeros({0, 5}).size(), 0);
  EXPECT_EQ(ErrorOf([] { full({2}, 2.5, i32); }), "full: value 2.5 is not representable as i32");
  EXPECT_THAT(eye(3, 2, f64).to_vector<double>(), ElementsAre(1, 0, 0, 1, 0, 0));
  EXPECT_THAT(linspace(-1e308, 1e308, 3, f64).to_vector<double>(), ElementsAre(-1e308, 0, 1e308));
}

// min was -max(-x): -INT32_MIN wraps to itself, so min([INT32_MIN, 0, 5]) was 0.
TEST(ReductionTest, MinOfI32IncludesInt32Min) {
  const Tensor x = tensor({-2147483648.0, 0, 5, 2147483647.0}, {4}, i32);
  EXPECT_EQ(min(x).item<int>(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(max(x).item<int>(), std::numeric_limits<int32_t>::max());
  EXPECT_THAT(min(reshape(x, {2, 2}), 1).to_vector<int>(),
              ElementsAre(std::numeric_limits<int32_t>::min(), 5));
  EXPECT_EQ(min(tensor({1, 0}, {2}, bool_)).item<bool>(), false);
  EXPECT_TRUE(std::isnan(min(tensor({1, NAN}, {2})).item<float>()));
}

// As jnp.max: -inf (the identity of lax.reduce_max) is no maximum of nothing.
TEST(ReductionTest, MaxAndMinOfAnEmptyAxisAreErrors) {
  EXPECT_EQ(ErrorOf([] { max(zeros({0})); }),
            "max: zero-size array to reduction operation max which has no identity (axis 0 of "
            "f32[0])");
  EXPECT_EQ(ErrorOf([] { min(zeros({2, 0}, i32), 1); }),
            "min: zero-size array to reduction operation min which has no identity (axis 1 of "
            "i32[2,0])");
  EXPECT_EQ(max(zeros({0, 3}), 1).shape(), (Shape{0}));  // empty result, non-empty axis
  // Reductions with an identity keep working on empty axes.
  EXPECT_EQ(sum(zeros({0})).item<float>(), 0);
  EXPECT_EQ(logsumexp(zeros({0})).item<float>(), -INFINITY);
  EXPECT_EQ(softmax(zeros({2, 0})).shape(), (Shape{2, 0}));
}

// log_softmax was x - logsumexp(x); logsumexp([1e7, 1e7]) = 1e7 + log 2 rounds to 1e7 + 1 in
// f32, which gave [-1, -1].
TEST(ReductionTest, LogSoftmaxOfLargeEqualValues) {
  EXPECT_THAT(log_softmax(tensor({1e7, 1e7}, {2})).to_vector<float>(),
              Pointwise(::testing::FloatNear(1e-6), std::vector<float>{-0.6931472f, -0.6931472f}));
  EXPECT_THAT(log_softmax(tensor({1e7, 1e7 + 1}, {2}, f64)).to_vector<double>(),
              Pointwise(DoubleNear(1e-12), std::vector<double>{-1.3132616875182228,
                                                               -0.31326168751822286}));
}

// concatenate of one tensor returned it for any axis at all (found by fuzz_test).
TEST(MovementTest, ConcatenateOfOneTensorChecksTheAxis) {
  EXPECT_EQ(ErrorOf([] { concatenate({arange(3)}, 1); }),
            "concatenate: axis 1 out of range for rank 1");
  EXPECT_THAT(concatenate({arange(3)}, -1).to_vector<int>(), ElementsAre(0, 1, 2));
}

// relu was where(x > 0, x, 0), which turned NaN into 0; JAX's max(x, 0) propagates it.
TEST(ElementwiseTest, ReluPropagatesNaN) {
  const std::vector<float> r = relu(tensor({NAN, -1, 0, 2}, {4})).to_vector<float>();
  EXPECT_TRUE(std::isnan(r[0]));
  EXPECT_THAT(std::vector<float>(r.begin() + 1, r.end()), ElementsAre(0, 0, 2));
}

}  // namespace
}  // namespace cotangent
