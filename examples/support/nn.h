// File: examples/support/nn.h
// Neural-network building blocks over the library's operations: conv2d in NHWC (one
// conv_general_dilated), max pooling as reshape + max, cross-entropy, embedding lookup. All are
// differentiable and vmappable.

#ifndef COTANGENT_EXAMPLES_SUPPORT_NN_H_
#define COTANGENT_EXAMPLES_SUPPORT_NN_H_

#include <cstdint>

#include "cotangent/cotangent.h"

namespace cotangent::nn {

// 2-D convolution (cross-correlation, as every deep-learning library), stride 1, NHWC:
// x [N,H,W,C], w [KH,KW,C,O] -> [N,H',W',O], lax.conv_general_dilated with dimension numbers
// ("NHWC", "HWIO", "NHWC"). kSame zero-pads so H' = H, W' = W (the odd extra row or column at
// the end, as lax's SAME); kValid gives H' = H - KH + 1.
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
