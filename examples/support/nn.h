// File: examples/support/nn.h
// Neural-network building blocks composed from the library's primitives (no new primitive):
// conv2d as im2col + one matmul, max pooling as reshape + max, cross-entropy, embedding
// lookup. All are differentiable and vmappable because they are plain compositions.

#ifndef COTANGENT_EXAMPLES_SUPPORT_NN_H_
#define COTANGENT_EXAMPLES_SUPPORT_NN_H_

#include <cstdint>

#include "cotangent/cotangent.h"

namespace cotangent::nn {

// 2-D convolution (cross-correlation, as every deep-learning library), stride 1, NHWC:
// x [N,H,W,C], w [KH,KW,C,O] -> [N,H',W',O]. kSame zero-pads so H' = H, W' = W (odd kernels);
// kValid gives H' = H - KH + 1. Lowered to im2col: the KH*KW shifted windows of the padded
// input are concatenated along channels ([N,H',W',KH*KW*C]) and multiplied by w reshaped to
// [KH*KW*C, O] in one matmul. Padding is the library's (cotangent/windows.h).
Tensor conv2d(const Tensor& x, const Tensor& w, Padding padding = Padding::kSame);

// Max pooling over non-overlapping size x size windows of an NHWC tensor (H and W divisible by
// size): a reshape to [N,H/size,size,W/size,size,C] and a max over the two window axes: one
// reduction, cheaper than the library's max_pool (cotangent/windows.h: a slice per window
// element) where windows do not overlap; ties share the gradient (reduce_max's rule) instead
// of giving it to the first element.
Tensor max_pool2d(const Tensor& x, int64_t size = 2);

// Mean cross-entropy of logits [...,K] against integer labels [...] (i32):
// -mean(log_softmax(logits)[..., labels[...]]), each term gathered (take_along_axis).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels);

// Rows of table [V,D] picked by integer indices (i32, any shape) -> indices.shape + [D]: a
// gather (take along axis 0, as flax's Embed), whose gradient scatter-adds into the rows.
Tensor embedding(const Tensor& table, const Tensor& indices);

// Fraction of rows whose argmax equals the label.
double accuracy(const Tensor& logits, const Tensor& labels);

}  // namespace cotangent::nn

#endif  // COTANGENT_EXAMPLES_SUPPORT_NN_H_
