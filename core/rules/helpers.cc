// File: core/rules/helpers.cc
// Batch-axis movement shared by the batching rules.

#include "core/rules/helpers.h"

namespace cotangent::rules {

Tensor MoveBatchAxis(const Tensor& x, int64_t from, int64_t to) {
  if (from == to) return x;
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.ndim(); ++i) {
    if (i != from) perm.push_back(i);
  }
  perm.insert(perm.begin() + to, from);
  return lax::transpose(x, perm);
}

Tensor FoldAxis(const Tensor& x, int64_t axis) {
  Shape shape = x.shape();
  shape[axis] *= shape[axis + 1];
  shape.erase(shape.begin() + axis + 1);
  return lax::reshape(x, std::move(shape));
}

Tensor SplitAxis(const Tensor& x, int64_t axis, int64_t n) {
  Shape shape = x.shape();
  const int64_t m = shape[axis] / n;
  shape[axis] = n;
  shape.insert(shape.begin() + axis + 1, m);
  return lax::reshape(x, std::move(shape));
}

Tensor MaterializeBatch(const Tensor& x, int64_t bdim, int64_t size, int64_t to) {
  Shape shape = x.shape();
  if (x.dtype() == DType::kFloat0) {  // no values to move or broadcast: zeros of the shape
    if (bdim != kNotMapped) shape.erase(shape.begin() + bdim);
    shape.insert(shape.begin() + to, size);
    return Filled({shape, DType::kFloat0}, 0.0, "vmap");
  }
  if (bdim != kNotMapped) return MoveBatchAxis(x, bdim, to);
  shape.insert(shape.begin() + to, size);
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < x.ndim(); ++i) dims.push_back(AxisWithBatch(i, to));
  return lax::broadcast_in_dim(x, shape, dims);
}

int64_t BatchSize(absl::Span<const Tensor> args, absl::Span<const int64_t> bdims) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (bdims[i] != kNotMapped) return args[i].shape()[bdims[i]];
  }
  return 0;
}

}  // namespace cotangent::rules
