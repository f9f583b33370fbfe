// File: tests/cotangent/sorting_test.cc
// argsort and cotangent/sorting.h against a host reference (std::stable_sort under lax.sort's
// total order, written here independently of the kernels), the values JAX's tests and numpy's
// documentation give, derivatives against central differences in f64 and the VJP identity,
// vmap against per-example calls, jit against eager. Runs on every backend (the Vulkan one
// sorts with a bitonic network: the long lines here take many of its stages).

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }
Tensor I(const std::vector<double>& v) { return tensor(v, {static_cast<int64_t>(v.size())}, i32); }

// lax.sort's order: NaN after everything, -0 equal to +0.
bool Before(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

// The stable sorting permutation of every line of `data` (row-major, `shape`) along axis, as
// a row-major array of the same shape.
std::vector<double> ReferenceArgsort(const std::vector<double>& data, const Shape& shape,
                                     int64_t axis, bool descending) {
  const Strides strides = ContiguousStrides(shape);
  const int64_t n = shape[axis];
  std::vector<double> out(data.size());
  for (int64_t start = 0; start < static_cast<int64_t>(data.size()); ++start) {
    if ((start / strides[axis]) % n != 0) continue;  // not the first element of a line
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    const auto at = [&](int64_t i) { return data[start + i * strides[axis]]; };
    std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) {
      return descending ? Before(at(j), at(i)) : Before(at(i), at(j));
    });
    for (int64_t i = 0; i < n; ++i) out[start + i * strides[axis]] = static_cast<double>(order[i]);
  }
  return out;
}

// Values from a small set (many ties), with NaN, infinities and both zeros among them.
std::vector<double> TiedValues(int64_t n, uint32_t seed) {
  const double pool[] = {3, -1, 0.0, -0.0, 2.5, kInf, -kInf, kNan, -kNan, 7, -1, 3};
  std::vector<double> v(n);
  uint32_t s = seed;
  for (double& x : v) {
    s = s * 1664525u + 1013904223u;
    x = pool[(s >> 16) % 12];
  }
  return v;
}

// Equal as sorted values: NaN where NaN is expected, else the same number.
::testing::AssertionResult SameValues(const std::vector<double>& got,
                                      const std::vector<double>& want) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "sizes differ";
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i]) ? !std::isnan(got[i]) : got[i] != want[i]) {
      return ::testing::AssertionFailure()
             << "element " << i << ": " << got[i] << " vs " << want[i];
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(SortingTest, ArgsortIsTheStablePermutationAlongEveryAxis) {
  const Shape shape = {4, 7, 5};
  const std::vector<double> data = TiedValues(NumElements(shape), 1);
  for (const DType dtype : {f64, f32}) {
    const Tensor x = tensor(data, shape, dtype);
    for (int64_t axis = 0; axis < 3; ++axis) {
      for (const bool descending : {false, true}) {
        const std::vector<double> want = ReferenceArgsort(data, shape, axis, descending);
        EXPECT_EQ(V(argsort(x, axis, descending)), want)
            << DTypeName(dtype) << " axis " << axis << " descending " << descending;
        // The sorted values are the elements at the permutation.
        std::vector<double> values(data.size());
        const Strides strides = ContiguousStrides(shape);
        for (size_t p = 0; p < data.size(); ++p) {
          const int64_t i = (p / strides[axis]) % shape[axis];
          values[p] = data[p + (static_cast<int64_t>(want[p]) - i) * strides[axis]];
        }
        EXPECT_TRUE(SameValues(V(sort(x, axis, descending)), values)) << "axis " << axis;
      }
    }
  }
}

TEST(SortingTest, IntegerAndBoolKeysAndStridedViews) {
  const Shape shape = {6, 9};
  std::vector<double> data(54);
  for (int i = 0; i < 54; ++i) data[i] = (i * 37 % 11) - 5;
  const Tensor x = tensor(data, shape, i32);
  EXPECT_EQ(V(argsort(x, 1)), ReferenceArgsort(data, shape, 1, false));
  EXPECT_EQ(V(argsort(x, 0, true)), ReferenceArgsort(data, shape, 0, true));
  // A transposed view sorts as its values, not its memory order.
  std::vector<double> transposed(54);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 9; ++j) transposed[j * 6 + i] = data[i * 9 + j];
  }
  EXPECT_EQ(V(argsort(transpose(x), 1)), ReferenceArgsort(transposed, {9, 6}, 1, false));
  EXPECT_EQ(V(argsort(x, std::nullopt)), ReferenceArgsort(data, {54}, 0, false));
  const Tensor b = tensor({1, 0, 1, 1, 0}, {5}, bool_);
  EXPECT_THAT(V(argsort(b)), ElementsAre(1, 4, 0, 2, 3));
  EXPECT_THAT(V(sort(b, 0, true)), ElementsAre(1, 1, 1, 0, 0));
}

// JAX's testSortFloatSpecialValues: NaNs sort last whatever their sign, the sign of zero is
// ignored, so this input is already sorted and its stable argsort is the identity.
TEST(SortingTest, FloatSpecialValuesAsJax) {
  for (const DType dtype : {f32, f64}) {
    const Tensor x = tensor({-kInf, 0.0, -0.0, kInf, kNan, -kNan}, {6}, dtype);
    EXPECT_THAT(V(argsort(x)), ElementsAre(0, 1, 2, 3, 4, 5)) << DTypeName(dtype);
    const auto keyval = [](const Tensor& k) { return sort_key_val(k, arange(6)).second; };
    EXPECT_THAT(V(jit(keyval)(x)), ElementsAre(0, 1, 2, 3, 4, 5));
    // Descending: NaNs first, ties (the NaNs, the zeros) still in index order.
    EXPECT_THAT(V(argsort(x, 0, true)), ElementsAre(4, 5, 3, 1, 2, 0));
  }
}

// Long lines (not a power of two) and many lines: the Vulkan network's every stage.
TEST(SortingTest, LongLinesMatchTheReference) {
  const Tensor x = testing::Random({3, 1000}, 7, -100, 100, f32);
  const std::vector<double> data = V(x);
  EXPECT_EQ(V(argsort(x, 1)), ReferenceArgsort(data, {3, 1000}, 1, false));
  EXPECT_EQ(V(argsort(x, 0, true)), ReferenceArgsort(data, {3, 1000}, 0, true));
  const Tensor y = floor(testing::Random({4097}, 8, -50, 50, f64));  // ties, 2^12 + 1
  EXPECT_EQ(V(argsort(y)), ReferenceArgsort(V(y), {4097}, 0, false));
  EXPECT_EQ(V(argsort(reshape(y, {1, 4097}), 1, true)), ReferenceArgsort(V(y), {4097}, 0, true));
}

// lax.sort: lexicographic by the first num_keys operands; the others follow.
TEST(SortingTest, SeveralOperandsWithNumKeys) {
  const Tensor a = tensor({2, 1, 2, 1, 2}, {5}, i32);
  const Tensor b = tensor({0.5, 0.7, -1, 0.7, 0.5}, {5}, f64);
  const Tensor c = tensor({10, 11, 12, 13, 14}, {5}, f32);
  const std::vector<Tensor> two = sort_operands({a, b, c}, 0, 2);
  EXPECT_THAT(V(two[0]), ElementsAre(1, 1, 2, 2, 2));
  EXPECT_THAT(V(two[1]), ElementsAre(0.7, 0.7, -1, 0.5, 0.5));
  EXPECT_THAT(V(two[2]), ElementsAre(11, 13, 12, 10, 14));
  const std::vector<Tensor> one = sort_operands({a, b, c}, -1, 1);
  EXPECT_THAT(V(one[2]), ElementsAre(11, 13, 10, 12, 14));
  const auto [keys, values] = sort_key_val(b, c);
  EXPECT_THAT(V(keys), ElementsAre(-1, 0.5, 0.5, 0.7, 0.7));
  EXPECT_THAT(V(values), ElementsAre(12, 10, 14, 11, 13));
}

// lax.top_k: largest first, ties in index order, along the last axis.
TEST(SortingTest, TopK) {
  const Tensor x = tensor({3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}, {2, 6}, f32);
  const auto [values, indices] = top_k(x, 3);
  EXPECT_EQ(values.shape(), (Shape{2, 3}));
  EXPECT_THAT(V(values), ElementsAre(9, 5, 4, 8, 6, 5));
  EXPECT_THAT(V(indices), ElementsAre(5, 4, 2, 5, 1, 2));
  EXPECT_EQ(indices.dtype(), i32);
  EXPECT_EQ(top_k(x, 0).first.shape(), (Shape{2, 0}));
  const auto [nan_first, at] = top_k(tensor({1, kNan, 3}, {3}, f64), 2);
  EXPECT_TRUE(std::isnan(V(nan_first)[0]));
  EXPECT_THAT(V(at), ElementsAre(1, 2));
  EXPECT_THAT(ErrorOf([&] { top_k(x, 7); }), HasSubstr("top_k: k = 7 for f32[2,6]"));
}

// argsort's k (top_k's: the CPU selects the first k with nth_element, then sorts only them)
// keeps the head of each line's stable permutation: ties (many, NaN and both zeros among
// them) in index order, along every axis, both directions, k from 0 to n, one key and two
// (the kernel's two paths); under jit and vmap; and top_k of long lines against the reference.
TEST(SortingTest, ArgsortOfKIsTheHeadOfTheStablePermutation) {
  const Shape shape = {4, 37, 5};
  const std::vector<double> data = TiedValues(NumElements(shape), 7);
  const Tensor x = tensor(data, shape, f64);
  const Tensor y = tensor(TiedValues(NumElements(shape), 8), shape, f32);
  for (int64_t axis = 0; axis < 3; ++axis) {
    const int64_t n = shape[axis];
    for (const bool descending : {false, true}) {
      const Tensor want = tensor(ReferenceArgsort(data, shape, axis, descending), shape, i32);
      const Tensor want_two = lax::argsort({x, y}, axis, descending);
      for (const int64_t k : {int64_t{0}, int64_t{1}, int64_t{3}, n - 1, n}) {
        std::vector<int64_t> start(3, 0), limit(shape.begin(), shape.end());
        limit[axis] = k;
        const std::string where = absl::StrCat("axis ", axis, " descending ", descending, " k ", k);
        EXPECT_EQ(V(lax::argsort({x}, axis, descending, k)), V(lax::slice(want, start, limit)))
            << where;
        EXPECT_EQ(V(lax::argsort({x, y}, axis, descending, k)),
                  V(lax::slice(want_two, start, limit)))
            << where;
      }
    }
  }
  const auto head = [](const Tensor& t) { return lax::argsort({t}, 1, true, 4); };
  const Tensor got = jit(head)(x);
  EXPECT_EQ(got.shape(), (Shape{4, 4, 5}));
  EXPECT_EQ(V(got), V(head(x)));
  EXPECT_EQ(V(vmap(head, {2}, 0)(x)), V(transpose(head(x), {2, 0, 1})));
  EXPECT_THAT(make_jaxpr(head)(x).ToString(), HasSubstr("descending=True k=4"));
  // Long lines, where a selection does far less than a sort.
  const std::vector<double> wide = TiedValues(3 * 1000, 9);
  const std::vector<double> order = ReferenceArgsort(wide, {3, 1000}, 1, true);
  const auto [values, indices] = top_k(tensor(wide, {3, 1000}, f32), 10);
  for (int64_t line = 0; line < 3; ++line) {
    for (int64_t i = 0; i < 10; ++i) {
      const int64_t at = static_cast<int64_t>(order[line * 1000 + i]);
      EXPECT_EQ(V(indices)[line * 10 + i], at) << "line " << line << " rank " << i;
      EXPECT_TRUE(SameValues({V(values)[line * 10 + i]}, {wide[line * 1000 + at]}));
    }
  }
}

TEST(SortingTest, SearchsortedMatchesBinarySearch) {
  std::vector<double> a = V(floor(testing::Random({40}, 3, -10, 10)));
  std::sort(a.begin(), a.end());
  const Tensor sorted = tensor(a, {40}, f64);
  std::vector<double> queries;  // members of a, values between them, values outside
  for (int i = 0; i < 21; ++i)
    queries.push_back(i % 3 == 0 ? a[i] : std::floor(-12 + i * 1.1) + 0.5);
  const Tensor v = tensor(queries, {3, 7}, f64);
  std::vector<double> left, right;
  for (double q : V(v)) {
    left.push_back(std::lower_bound(a.begin(), a.end(), q) - a.begin());
    right.push_back(std::upper_bound(a.begin(), a.end(), q) - a.begin());
  }
  EXPECT_EQ(V(searchsorted(sorted, v)), left);
  EXPECT_EQ(V(searchsorted(sorted, v, Side::kRight)), right);
  EXPECT_EQ(searchsorted(sorted, v).shape(), (Shape{3, 7}));
  // NaN sorts last: it goes after every number, before or after the NaNs already there.
  const Tensor with_nan = tensor({1, 2, kNan, kNan}, {4}, f64);
  EXPECT_THAT(V(searchsorted(with_nan, tensor({kNan, 2, 3}, {3}, f64))), ElementsAre(2, 1, 2));
  EXPECT_THAT(V(searchsorted(with_nan, tensor({kNan, 2, 3}, {3}, f64), Side::kRight)),
              ElementsAre(4, 2, 2));
  EXPECT_THAT(V(searchsorted(tensor({}, {0}, i32), I({4}))), ElementsAre(0));
  EXPECT_THAT(V(searchsorted(I({1, 3, 3, 5}), I({0, 3, 6}), Side::kRight)), ElementsAre(0, 3, 4));
  EXPECT_THAT(ErrorOf([&] {
                searchsorted(reshape(sorted, {4, 10}), v);
              }),
              HasSubstr("searchsorted: a must be 1-D, got f64[4,10]"));
}

// numpy.quantile's documented example and the methods at a fractional position.
TEST(SortingTest, QuantileAsNumpy) {
  const Tensor a = tensor({10, 7, 4, 3, 2, 1}, {2, 3}, f64);
  EXPECT_THAT(V(quantile(a, 0.5)), ElementsAre(3.5));
  EXPECT_THAT(V(quantile(a, 0.5, 0)), ElementsAre(6.5, 4.5, 2.5));
  EXPECT_THAT(V(quantile(a, 0.5, 1)), ElementsAre(7, 2));
  EXPECT_EQ(quantile(a, 0.5, 1, QuantileMethod::kLinear, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(quantile(a, 0.5, std::nullopt, QuantileMethod::kLinear, true).shape(), (Shape{1, 1}));
  EXPECT_THAT(V(median(a, 0)), ElementsAre(6.5, 4.5, 2.5));
  const Tensor x = tensor({4, 1, 3, 2}, {4}, f64);  // q = 0.4: position 1.2 between 2 and 3
  EXPECT_THAT(V(quantile(x, 0.4)), ElementsAre(::testing::DoubleNear(2.2, 1e-15)));
  EXPECT_THAT(V(quantile(x, 0.4, 0, QuantileMethod::kLower)), ElementsAre(2));
  EXPECT_THAT(V(quantile(x, 0.4, 0, QuantileMethod::kHigher)), ElementsAre(3));
  EXPECT_THAT(V(quantile(x, 0.4, 0, QuantileMethod::kMidpoint)), ElementsAre(2.5));
  EXPECT_THAT(V(quantile(x, 0.4, 0, QuantileMethod::kNearest)), ElementsAre(2));
  // JAX's nearest takes the lower value at exactly one half (numpy rounds half to even).
  EXPECT_THAT(V(quantile(x, 0.5, 0, QuantileMethod::kNearest)), ElementsAre(2));
  // q as a 1-D tensor: its axis first.
  const Tensor qs = tensor({0, 0.25, 1}, {3}, f64);
  const Tensor by_q = quantile(a, qs, 1);
  EXPECT_EQ(by_q.shape(), (Shape{3, 2}));
  EXPECT_THAT(V(by_q), ElementsAre(4, 1, 5.5, 1.5, 10, 3));
  EXPECT_THAT(V(percentile(I({1, 2, 3, 4, 5}), 25)), ElementsAre(2));
  EXPECT_EQ(percentile(I({1, 2, 3, 4, 5}), 25).dtype(), f32);
  const std::vector<double> with_nan = V(median(tensor({1, kNan, 3, 4, 5, 6}, {2, 3}, f64), 1));
  EXPECT_TRUE(std::isnan(with_nan[0]));
  EXPECT_EQ(with_nan[1], 5);
  EXPECT_THAT(ErrorOf([&] {
                quantile(a, reshape(qs, {3, 1}));
              }),
              HasSubstr("quantile: q must be a scalar or 1-D, got f64[3,1]"));
}

// numpy's nanmedian / nanpercentile: the quantiles of the numbers, NaN for a line of NaNs.
TEST(SortingTest, NanQuantileIgnoresNans) {
  const Tensor a = tensor({10, kNan, 4, 3, 2, 1}, {2, 3}, f64);
  EXPECT_THAT(V(nanmedian(a)), ElementsAre(3));
  EXPECT_THAT(V(nanmedian(a, 0)), ElementsAre(6.5, 2, 2.5));
  EXPECT_THAT(V(nanmedian(a, 1)), ElementsAre(7, 2));
  EXPECT_EQ(nanmedian(a, 1, true).shape(), (Shape{2, 1}));
  EXPECT_THAT(V(nanpercentile(tensor({1, kNan, 3}, {3}, f64), 50)), ElementsAre(2));
  const std::vector<double> empty_line = V(nanmedian(tensor({kNan, kNan, 1, 2}, {2, 2}, f64), 1));
  EXPECT_TRUE(std::isnan(empty_line[0]));
  EXPECT_EQ(empty_line[1], 1.5);
  // Without NaNs it is quantile, q by q.
  const Tensor x = testing::Random({4, 7}, 31, -1, 1, f64);
  const Tensor qs = tensor({0.1, 0.5, 0.93}, {3}, f64);
  EXPECT_TRUE(AllClose(nanquantile(x, qs, 1), quantile(x, qs, 1), 1e-15, 1e-15));
  // The gradient flows to the order statistics the quantile reads.
  const auto f = [](const Tensor& t) {
    return nanmedian(where(t > 0.9, std::numeric_limits<double>::quiet_NaN(), t));
  };
  const Tensor g = grad(f)(tensor({0.3, 0.95, 0.1, 0.5}, {4}, f64));  // median of 0.1, 0.3, 0.5
  EXPECT_THAT(V(g), ElementsAre(1, 0, 0, 0));
}

// d sort(x) = the tangent at the permutation (JAX's sort jvp): against central differences,
// the VJP identity, jit, and forward-over-reverse = reverse-over-reverse Hessians.
TEST(SortingTest, DerivativesAgainstOracles) {
  const Tensor x = testing::Random({3, 8}, 11, -2, 2, f64);
  const Tensor w = testing::Random({3, 8}, 12, -1, 1, f64);
  const auto f = [&](const Tensor& t) {
    const Tensor s = sort(t * t * t, 1, true);
    return sum(s * w) + sum(top_k(t, 3).first) + sum(quantile(t, 0.3, 1) * 2.0);
  };
  const Tensor g = grad(f)(x);
  for (uint32_t seed = 20; seed < 23; ++seed) {
    const Tensor v = testing::Random({3, 8}, seed, -1, 1, f64);
    const double fd = V(testing::CentralDifference(f, x, v))[0];
    EXPECT_NEAR(testing::Inner(g, v), fd, 1e-7 * (1 + std::fabs(fd)));
    EXPECT_NEAR(V(jvp(f, {x}, {v}).second)[0], fd, 1e-7 * (1 + std::fabs(fd)));
  }
  const auto sorted = [](const Tensor& t) { return sort(t, 0); };
  const Tensor ct = testing::Random({3, 8}, 13, -1, 1, f64);
  auto [y, pullback] = vjp(sorted, x);
  const Tensor v = testing::Random({3, 8}, 14, -1, 1, f64);
  EXPECT_NEAR(testing::Inner(ct, jvp(sorted, {x}, {v}).second), testing::Inner(pullback(ct)[0], v),
              1e-12);
  EXPECT_TRUE(AllClose(jit(grad(f))(x), g, 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jacfwd(grad(f))(x), jacrev(grad(f))(x), 1e-10, 1e-10));
  // The gradient with respect to q: (high - low) (n - 1) between the two order statistics.
  const Tensor data = tensor({4, 1, 3, 2}, {4}, f64);
  const auto of_q = [&](const Tensor& q) { return quantile(data, q); };
  EXPECT_THAT(V(grad(of_q)(scalar(0.4, f64))), ElementsAre(::testing::DoubleNear(3, 1e-12)));
}

// vmap of argsort and sort with the batch on different axes and a batched with an unbatched
// key, against per-example calls.
TEST(SortingTest, VmapMatchesPerExampleCalls) {
  const Tensor xs = floor(testing::Random({4, 6, 5}, 15, -3, 3, f64));
  const Tensor second = testing::Random({6, 5}, 16, -1, 1, f64);
  const auto f = [&](const Tensor& x) {
    return astype(argsort(x, 0, true), f64) + sort_operands({x, second}, 1, 1)[1];
  };
  const auto pair = [](const Tensor& x, const Tensor& y) { return sort_operands({x, y}, 0, 2)[1]; };
  std::vector<Tensor> want, want_pair;
  for (int64_t b = 0; b < 4; ++b) {
    want.push_back(f(xs[b]));
    want_pair.push_back(pair(xs[b], second));
  }
  EXPECT_TRUE(AllClose(vmap(f)(xs), stack(want), 0, 0));
  EXPECT_TRUE(AllClose(vmap(f, {1}, 0)(transpose(xs, {1, 0, 2})), stack(want), 0, 0));
  EXPECT_TRUE(AllClose(vmap(pair, {0, std::nullopt})(xs, second), stack(want_pair), 0, 0));
  EXPECT_TRUE(AllClose(jit(vmap(f))(xs), stack(want), 0, 0));
}

TEST(SortingTest, ErrorsNameTheOperation) {
  EXPECT_THAT(ErrorOf([] { argsort(scalar(1.0)); }),
              HasSubstr("argsort: x must have an axis, got f32[]"));
  EXPECT_THAT(ErrorOf([] {
                lax::argsort({zeros({3}), zeros({4})}, 0);
              }),
              HasSubstr("argsort: keys (f32[3], f32[4]), dimension 0: the keys differ in shape"));
  EXPECT_THAT(ErrorOf([] { lax::argsort({zeros({3})}, 1); }),
              HasSubstr("argsort: keys (f32[3]), dimension 1: no such axis"));
  EXPECT_THAT(
      ErrorOf([] {
        lax::argsort({zeros({2, 3})}, 1, false, 4);
      }),
      HasSubstr("argsort: keys (f32[2,3]), dimension 1: k = 4 of 3 elements along the axis"));
  EXPECT_THAT(ErrorOf([] { sort_operands({zeros({3})}, 0, 2); }),
              HasSubstr("sort_operands: num_keys 2 of 1 operands (need 1 to 1)"));
  EXPECT_THAT(ErrorOf([] {
                sort_operands({zeros({3}), zeros({2})}, 0, 1);
              }),
              HasSubstr("sort_operands: operands f32[3] and f32[2] differ in shape"));
}

}  // namespace
}  // namespace cotangent
