// File: examples/support/data.cc
// Host-side gathering and batching of data.h.

#include "examples/support/data.h"

#include <algorithm>

namespace cotangent::data {
namespace {

template <typename T>
void CheckIndex(const HostArray<T>& array, int32_t index, const char* op) {
  if (index < 0 || index >= array.rows()) {
    ThrowInvalid(op, ": row ", index, " out of range for ", array.rows(), " rows");
  }
}

template <typename T>
std::vector<T> Gather(const HostArray<T>& array, std::span<const int32_t> indices, const char* op) {
  const int64_t row = array.row_size();
  std::vector<T> out(indices.size() * row);
  for (size_t i = 0; i < indices.size(); ++i) {
    CheckIndex(array, indices[i], op);
    std::copy_n(array.values.begin() + indices[i] * row, row, out.begin() + i * row);
  }
  return out;
}

template <typename T>
Shape RowsShape(const HostArray<T>& array, size_t n) {
  Shape shape = array.shape;
  shape[0] = static_cast<int64_t>(n);
  return shape;
}

}  // namespace

template <typename T>
Tensor TakeRows(const HostArray<T>& array, std::span<const int32_t> indices) {
  if (array.shape.empty()) ThrowInvalid("take_rows: the array has no rows (it is a scalar)");
  return from_vector(Gather(array, indices, "take_rows"), RowsShape(array, indices.size()));
}

template <typename T>
HostArray<T> SelectRows(const HostArray<T>& array, std::span<const int32_t> indices) {
  if (array.shape.empty()) ThrowInvalid("select_rows: the array has no rows (it is a scalar)");
  return {RowsShape(array, indices.size()), Gather(array, indices, "select_rows")};
}

template Tensor TakeRows(const HostArray<float>&, std::span<const int32_t>);
template Tensor TakeRows(const HostArray<int32_t>&, std::span<const int32_t>);
template HostArray<float> SelectRows(const HostArray<float>&, std::span<const int32_t>);
template HostArray<int32_t> SelectRows(const HostArray<int32_t>&, std::span<const int32_t>);

std::vector<std::vector<int32_t>> ShuffledBatches(const random::Key& key, int64_t n,
                                                  int64_t batch_size, bool drop_remainder) {
  if (batch_size < 1)
    ThrowInvalid("shuffled_batches: batch_size must be positive, got ", batch_size);
  const std::vector<int32_t> order = random::permutation(key, n).to_vector<int32_t>();
  std::vector<std::vector<int32_t>> batches;
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    if (end - start < batch_size && drop_remainder) break;
    batches.emplace_back(order.begin() + start, order.begin() + end);
  }
  return batches;
}

BatchStream::BatchStream(const random::Key& key, int64_t n, int64_t batch_size, int64_t first)
    : key_(key), n_(n), batch_size_(batch_size), step_(first) {
  const int64_t per_pass = batch_size < 1 ? 1 : n / batch_size;
  if (per_pass < 1) {
    ThrowInvalid("batch_stream: ", n, " rows make no batch of ", batch_size);
  }
  const int64_t into = first % per_pass;  // steps already taken from the current pass
  if (into != 0) {
    pass_ = ShuffledBatches(random::fold_in(key_, static_cast<uint32_t>(first - into)), n_,
                            batch_size_, /*drop_remainder=*/true);
    std::reverse(pass_.begin(), pass_.end());
    pass_.resize(pass_.size() - static_cast<size_t>(into));
  }
}

std::vector<int32_t> BatchStream::Next() {
  if (pass_.empty()) {
    pass_ = ShuffledBatches(random::fold_in(key_, static_cast<uint32_t>(step_)), n_, batch_size_,
                            /*drop_remainder=*/true);
    std::reverse(pass_.begin(), pass_.end());
  }
  std::vector<int32_t> rows = std::move(pass_.back());
  pass_.pop_back();
  ++step_;
  return rows;
}

std::vector<std::vector<int32_t>> SequentialBatches(int64_t n, int64_t batch_size) {
  if (batch_size < 1)
    ThrowInvalid("sequential_batches: batch_size must be positive, got ", batch_size);
  std::vector<std::vector<int32_t>> batches;
  for (int64_t start = 0; start < n; start += batch_size) {
    std::vector<int32_t>& batch = batches.emplace_back();
    for (int64_t i = start; i < std::min(n, start + batch_size); ++i) {
      batch.push_back(static_cast<int32_t>(i));
    }
  }
  return batches;
}

}  // namespace cotangent::data
