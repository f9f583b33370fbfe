// File: examples/support/data.h
// Training data on the host: a HostArray holds a dataset with examples along axis 0;
// ShuffledBatches draws an epoch's minibatches (random::permutation, so runs are
// reproducible) and TakeRows gathers a batch into a tensor. The dataset stays in host memory
// and only each batch becomes a tensor (take() of a tensor of the whole set would first put
// all of it on the device).

#ifndef COTANGENT_EXAMPLES_SUPPORT_DATA_H_
#define COTANGENT_EXAMPLES_SUPPORT_DATA_H_

#include <cstdint>
#include <span>
#include <vector>

#include "cotangent/cotangent.h"

namespace cotangent::data {

// Row-major values of a host array; axis 0 indexes examples.
template <typename T>
struct HostArray {
  Shape shape;
  std::vector<T> values;

  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  // Elements per example (the product of shape[1:]).
  int64_t row_size() const {
    int64_t n = 1;
    for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
    return n;
  }
};

// The examples at `indices` as a tensor of shape [indices.size()] + shape[1:], dtype of T
// (float or int32_t). Throws naming the index when one is out of range.
template <typename T>
Tensor TakeRows(const HostArray<T>& array, std::span<const int32_t> indices);

// The same rows as a new HostArray (for splitting a dataset).
template <typename T>
HostArray<T> SelectRows(const HostArray<T>& array, std::span<const int32_t> indices);

// One epoch's minibatches: a random permutation of [0, n) drawn from key, cut into batches of
// batch_size; a smaller last batch is dropped when drop_remainder, else kept.
std::vector<std::vector<int32_t>> ShuffledBatches(const random::Key& key, int64_t n,
                                                  int64_t batch_size, bool drop_remainder);

// The minibatches of a run that takes batch_size rows of n per step and reshuffles at each
// pass over the data: the pass that starts at step k is ShuffledBatches(fold_in(key, k)),
// remainder dropped. Starting at step `first` gives the batches a run from step 0 would have
// had from there on, so a training run resumed from a checkpoint sees the same data.
class BatchStream {
 public:
  BatchStream(const random::Key& key, int64_t n, int64_t batch_size, int64_t first = 0);
  // The rows of the next step.
  std::vector<int32_t> Next();

 private:
  random::Key key_;
  int64_t n_, batch_size_, step_;
  std::vector<std::vector<int32_t>> pass_;  // this pass's batches, consumed from the back
};

// [0, n) in order, cut into batches of at most batch_size (for evaluation).
std::vector<std::vector<int32_t>> SequentialBatches(int64_t n, int64_t batch_size);

}  // namespace cotangent::data

#endif  // COTANGENT_EXAMPLES_SUPPORT_DATA_H_
