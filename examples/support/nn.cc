// File: examples/support/nn.cc
// The compositions of nn.h.

#include "examples/support/nn.h"

#include <vector>

namespace cotangent::nn {

Tensor conv2d(const Tensor& x, const Tensor& w, Padding padding) {
  if (x.ndim() != 4 || w.ndim() != 4) {
    ThrowInvalid("conv2d: expected x [N,H,W,C] and w [KH,KW,C,O], got ", x.aval().ToString(),
                 " and ", w.aval().ToString());
  }
  return conv_general_dilated(x, w, {1, 1}, padding,
                              {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}});
}

Tensor max_pool2d(const Tensor& x, int64_t size) {
  if (x.ndim() != 4 || x.shape()[1] % size != 0 || x.shape()[2] % size != 0) {
    ThrowInvalid("max_pool2d: expected [N,H,W,C] with H and W divisible by ", size, ", got ",
                 x.aval().ToString());
  }
  const Shape& s = x.shape();
  return max(reshape(x, {s[0], s[1] / size, size, s[2] / size, size, s[3]}), {2, 4});
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  if (labels.ndim() + 1 != logits.ndim()) {
    ThrowInvalid("cross_entropy: expected logits [...,K] and labels [...], got ",
                 logits.aval().ToString(), " and ", labels.aval().ToString());
  }
  return -mean(take_along_axis(log_softmax(logits, -1), expand_dims(labels, -1), -1));
}

Tensor embedding(const Tensor& table, const Tensor& indices) {
  return take(table, indices, 0);
}

double accuracy(const Tensor& logits, const Tensor& labels) {
  const std::vector<int32_t> predicted = argmax(logits, -1).to_vector<int32_t>();
  const std::vector<int32_t> truth = labels.to_vector<int32_t>();
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return truth.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(truth.size());
}

}  // namespace cotangent::nn
