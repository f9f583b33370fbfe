// File: tests/cotangent/interop_test.cc
// cotangent/interop.h and cotangent/eigen.h: zero copies checked by addresses (a span, a
// borrowed tensor and an Eigen map all point at the memory they claim to), the lifetime rules
// (release runs exactly when the last view of borrowed memory dies; results of operations do
// not hold it), borrowed memory never written by jit's donation nor counted as the backend's,
// strided views through Eigen::Map strides, and the errors for traced, Vulkan, mistyped and
// strided tensors.

#include <Eigen/Core>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "cotangent/eigen.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ErrorOf;

TEST(InteropTest, HostSpanReadsInPlace) {
  const Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  const std::span<const float> all = host_span<float>(x);
  EXPECT_THAT(std::vector<float>(all.begin(), all.end()), ElementsAre(1, 2, 3, 4, 5, 6));
  // A row is a view of the same buffer: its span starts three elements in.
  EXPECT_EQ(host_span<float>(x[1]).data(), all.data() + 3);
  EXPECT_EQ(host_span<float>(reshape(x, {6})).data(), all.data());
}

TEST(InteropTest, HostSpanErrorsNameTheProblem) {
  const Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_THAT(ErrorOf([&] { host_span<float>(transpose(x)); }),
              HasSubstr("host_span: f32[3,2] is a strided view"));
  EXPECT_THAT(ErrorOf([&] { host_span<double>(x); }),
              HasSubstr("host_span: the tensor is f32[2,3], not f64"));
  EXPECT_THAT(ErrorOf([&] { host_span<float>(device_put(x, "vulkan")); }),
              HasSubstr("f32[2,3] is on vulkan, not the host"));
  EXPECT_NE(ErrorOf([&] {
              grad([](const Tensor& t) { return host_span<float>(t)[0] * t; })(scalar(1));
            }),
            "no error");
}

TEST(InteropTest, ContiguousCopiesOnlyStridedViews) {
  const Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(host_span<float>(contiguous(x)).data(), host_span<float>(x).data());
  const Tensor t = contiguous(transpose(x));
  EXPECT_THAT(host_span<float>(t).size(), 6u);
  EXPECT_THAT(t.to_vector<float>(), ElementsAre(1, 4, 2, 5, 3, 6));
  EXPECT_EQ(device_of(contiguous(transpose(device_put(x, "vulkan")))), "vulkan");
}

TEST(InteropTest, BorrowReadsInPlaceAndReleasesWithTheLastView) {
  std::vector<double> data = {1, 2, 3, 4};
  int released = 0;
  Tensor y;
  {
    Tensor x = borrow(std::span<const double>(data), {2, 2}, [&] { ++released; });
    EXPECT_EQ(host_span<double>(x).data(), data.data());
    Tensor row = x[1];
    y = (x * 2.0).block_until_ready();  // new memory: does not hold data
    x = Tensor();
    EXPECT_EQ(released, 0);  // the row view still reads data
    EXPECT_THAT(row.to_vector<double>(), ElementsAre(3, 4));
  }
  EXPECT_EQ(released, 1);
  EXPECT_THAT(y.to_vector<double>(), ElementsAre(2, 4, 6, 8));
  EXPECT_THAT(ErrorOf([&] { borrow(std::span<const double>(data), {3}); }),
              HasSubstr("borrow: got 4 elements for shape [3]"));
}

TEST(InteropTest, BorrowedMemoryIsNeverDonatedNorCounted) {
  std::vector<float> data(1 << 16, 1.0f);
  const int64_t before = memory_stats("cpu")->bytes_in_use;
  Tensor x = borrow(std::span<const float>(data), {1 << 16});
  EXPECT_EQ(memory_stats("cpu")->bytes_in_use, before);
  auto step = jit([](const Tensor& p) { return p * 3.0f + 1.0f; }, donate_argnums({0}));
  const Tensor out = step(x);
  x = Tensor();
  EXPECT_EQ(out.to_vector<float>()[5], 4.0f);
  EXPECT_EQ(data[5], 1.0f);  // the donated argument's memory was not reused for the output
}

TEST(InteropTest, DeviceGetBringsAContainerToTheHost) {
  std::map<std::string, Tensor> tree = {{"a", device_put(ones({2}), "vulkan")},
                                        {"b", zeros({1})}};
  const auto host = device_get(tree);
  EXPECT_EQ(device_of(host.at("a")), "cpu");
  EXPECT_EQ(device_of(host.at("b")), "cpu");
  EXPECT_THAT(host_span<float>(host.at("a")).size(), 2u);
}

TEST(InteropTest, EigenMapReadsViewsWithTheirStrides) {
  const Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, f64);
  const auto m = eigen::map<double>(x);
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m(1, 2), 6.0);
  EXPECT_EQ(m.data(), host_span<double>(x).data());
  const auto t = eigen::map<double>(transpose(x));  // a strided view, mapped in place
  EXPECT_EQ(t.rows(), 3);
  EXPECT_EQ(t(2, 1), 6.0);
  EXPECT_EQ(t(0, 1), 4.0);
  EXPECT_EQ(t.data(), m.data());
  Eigen::MatrixXd product = m * t;  // [[14, 32], [32, 77]]
  EXPECT_EQ(product(0, 1), 32.0);
  const auto column = eigen::map<double>(x[1]);
  EXPECT_EQ(column.cols(), 1);
  EXPECT_EQ(column(2, 0), 6.0);
  // The map is valid while a tensor sharing the buffer lives: keep the broadcast view alive.
  const Tensor rows = broadcast_to(tensor({7, 8}, {2}, f64), {3, 2});
  const auto broadcast = eigen::map<double>(rows);
  EXPECT_EQ(broadcast(2, 1), 8.0);
  EXPECT_THAT(ErrorOf([&] { eigen::map<double>(zeros({1, 1, 1}, f64)); }),
              HasSubstr("eigen::map: f64[1,1,1] has rank > 2"));
}

TEST(InteropTest, EigenViewAndCopyMakeTensors) {
  Eigen::MatrixXd column_major(2, 3);
  column_major << 1, 2, 3, 4, 5, 6;
  const Tensor a = eigen::view(column_major);
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_THAT(a.to_vector<double>(), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(eigen::map<double>(a).data(), column_major.data());  // no copy
  eigen::RowMajorMatrix<float> row_major(2, 2);
  row_major << 1, 2, 3, 4;
  EXPECT_EQ(host_span<float>(eigen::view(row_major)).data(), row_major.data());
  const Eigen::VectorXf v = Eigen::VectorXf::LinSpaced(3, 0, 2);
  EXPECT_EQ(eigen::view(v).shape(), (Shape{3}));
  const Tensor c = eigen::copy(column_major.transpose() * 2.0);
  EXPECT_EQ(c.shape(), (Shape{3, 2}));
  EXPECT_THAT(c.to_vector<double>(), ElementsAre(2, 8, 4, 10, 6, 12));
  // Differentiating through a viewed matrix: d/dm sum(sin(m)) = cos(m).
  const Tensor g = grad([](const Tensor& m) { return sum(sin(m)); })(a);
  EXPECT_NEAR(g.to_vector<double>()[4], std::cos(5.0), 1e-15);
}

}  // namespace
}  // namespace cotangent
