// File: examples/support/nn.cc
// The compositions of nn.h. conv2d's derivative comes from the rules of pad, slice,
// concatenate and dot_general: the backward pass is a matmul per operand plus the transposes
// of the window slices (pads), summed.

#include "examples/support/nn.h"

#include <vector>

namespace cotangent::nn {

Tensor conv2d(const Tensor& x, const Tensor& w, Padding padding) {
  if (x.ndim() != 4 || w.ndim() != 4 || x.shape()[3] != w.shape()[2]) {
    ThrowInvalid("conv2d: expected x [N,H,W,C] and w [KH,KW,C,O], got ", x.aval().ToString(),
                 " and ", w.aval().ToString());
  }
  const int64_t n = x.shape()[0], c = x.shape()[3];
  const int64_t kh = w.shape()[0], kw = w.shape()[1], o = w.shape()[3];
  Tensor xp = x;
  if (padding == Padding::kSame) {
    if (kh % 2 == 0 || kw % 2 == 0) {
      ThrowInvalid("conv2d: 'same' padding needs an odd kernel, got ", w.aval().ToString());
    }
    const int64_t ph = kh / 2, pw = kw / 2;
    xp = lax::pad(x, 0.0, {0, ph, pw, 0}, {0, ph, pw, 0});
  }
  const int64_t ho = xp.shape()[1] - kh + 1, wo = xp.shape()[2] - kw + 1;
  if (ho <= 0 || wo <= 0) {
    ThrowInvalid("conv2d: kernel ", w.aval().ToString(), " larger than input ",
                 x.aval().ToString());
  }
  std::vector<Tensor> windows;
  windows.reserve(kh * kw);
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      windows.push_back(lax::slice(xp, {0, i, j, 0}, {n, i + ho, j + wo, c}));
    }
  }
  const Tensor patches = windows.size() == 1 ? windows[0] : concatenate(windows, 3);
  const Tensor cols = reshape(patches, {n * ho * wo, kh * kw * c});
  return reshape(matmul(cols, reshape(w, {kh * kw * c, o})), {n, ho, wo, o});
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
