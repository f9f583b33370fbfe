// File: tests/examples/data_test.cc
// Host-side batching: gathered rows, an epoch's batches covering a permutation, errors.

#include "examples/support/data.h"

#include <algorithm>
#include <numeric>

#include "gtest/gtest.h"

namespace cotangent::data {
namespace {

TEST(TakeRows, GathersExamples) {
  const HostArray<float> x{{3, 2}, {0, 1, 10, 11, 20, 21}};
  const std::vector<int32_t> rows = {2, 0};
  const Tensor t = TakeRows(x, rows);
  EXPECT_EQ(t.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.dtype(), f32);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{20, 21, 0, 1}));
  const HostArray<int32_t> y{{3}, {7, 8, 9}};
  EXPECT_EQ(TakeRows(y, rows).to_vector<int32_t>(), (std::vector<int32_t>{9, 7}));
  EXPECT_EQ(SelectRows(y, rows).values, (std::vector<int32_t>{9, 7}));
  const std::vector<int32_t> bad = {3};
  EXPECT_THROW(TakeRows(x, bad), Error);
}

TEST(ShuffledBatches, CoverAPermutation) {
  const auto batches = ShuffledBatches(random::key(1), 10, 3, /*drop_remainder=*/false);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches.back().size(), 1u);
  std::vector<int32_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  std::vector<int32_t> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int32_t> expected(10);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(sorted, expected);
  EXPECT_NE(all, expected);  // shuffled (for this key)
  EXPECT_EQ(ShuffledBatches(random::key(1), 10, 3, true).size(), 3u);
  EXPECT_EQ(ShuffledBatches(random::key(1), 10, 3, true)[0], batches[0]);  // reproducible
}

TEST(SequentialBatches, InOrder) {
  const auto batches = SequentialBatches(5, 2);
  EXPECT_EQ(batches, (std::vector<std::vector<int32_t>>{{0, 1}, {2, 3}, {4}}));
  EXPECT_THROW(SequentialBatches(5, 0), Error);
}

}  // namespace
}  // namespace cotangent::data
