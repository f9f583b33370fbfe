// File: cotangent/convolution.h
// N-d convolution as lax.conv_general_dilated (one primitive, core/rules/convolution.cc, with
// its jvp, both transposes and vmap; CPU as implicit GEMM on OpenBLAS, Vulkan as a generated
// direct kernel) and lax.conv, its NCHW / OIHW shorthand. As in JAX (and XLA), the kernel is
// not flipped: this is the cross-correlation deep learning calls convolution.
//
// Dimension numbers name each operand's axes with letters, as JAX's strings: the lhs has N
// (batch) and C (features), the rhs O (output features) and I (input features), the output N
// and C, and all three the same spatial letters (any others, e.g. "HW"), paired by letter;
// {"NHWC", "HWIO", "NHWC"} is TensorFlow's layout. Empty strings: the canonical layout, N C
// spatial... for the lhs and the output and O I spatial... for the rhs.

#ifndef COTANGENT_COTANGENT_CONVOLUTION_H_
#define COTANGENT_COTANGENT_CONVOLUTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "cotangent/windows.h"

namespace cotangent {

struct ConvDimensionNumbers {
  std::string lhs, rhs, out;
};

struct ConvOptions {
  // One factor per spatial axis, default ones: lhs_dilation puts factor - 1 zeros between input
  // elements (a transposed convolution), rhs_dilation between kernel elements (atrous).
  std::vector<int64_t> lhs_dilation, rhs_dilation;
  ConvDimensionNumbers dimension_numbers;
  // Groups as lax: feature_group_count splits the lhs features and the output features into
  // groups convolved separately (depthwise convolution when it equals the features);
  // batch_group_count splits the batch, each part with its group of output features.
  int64_t feature_group_count = 1;
  int64_t batch_group_count = 1;
  // lax's preferred_element_type: the dtype of the products, their sums and the result, the
  // operands converted to it first (lax::conv_general_dilated's checks, core/lax.h).
  std::optional<DType> preferred_element_type;
};

// lhs convolved with the kernel rhs: window_strides one per spatial axis (>= 1), padding one
// (low, high) pair per spatial axis applied after lhs dilation (negative crops). Throws an
// Error naming the shapes and the configuration when they do not fit (JAX's checks).
Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs,
                            const std::vector<int64_t>& window_strides,
                            const std::vector<std::pair<int64_t, int64_t>>& padding,
                            const ConvOptions& options = {});
// With VALID or SAME padding (lax.padtype_to_pads over the input and the dilated kernel).
Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs,
                            const std::vector<int64_t>& window_strides, Padding padding,
                            const ConvOptions& options = {});

// lax.conv: lhs [N, C, spatial...], rhs [O, I, spatial...].
Tensor conv(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& window_strides,
            Padding padding, std::optional<DType> preferred_element_type = std::nullopt);

// lax.conv_transpose: the convolution that upsamples by `strides` (they become lhs dilation,
// the window stride is 1), as Keras's Conv2DTranspose. Padding VALID or SAME is the forward
// convolution's, turned into the transposed one's as lax's _conv_transpose_padding (SAME
// gives n * stride outputs, VALID n * stride + max(k - stride, 0) with k the dilated
// kernel); explicit pairs are used as they are. Dimension numbers default to TensorFlow's
// (NC/IO/NC, NHC/HIO/NHC, NHWC/HWIO/NHWC, NHWDC/HWDIO/NHWDC for 1-3 spatial axes).
// transpose_kernel flips the kernel's spatial axes and exchanges its I and O axes: the result
// is then the gradient of conv_general_dilated with respect to its input.
struct ConvTransposeOptions {
  std::vector<int64_t> rhs_dilation;
  ConvDimensionNumbers dimension_numbers;
  bool transpose_kernel = false;
  std::optional<DType> preferred_element_type;  // as ConvOptions'
};
Tensor conv_transpose(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& strides,
                      Padding padding, const ConvTransposeOptions& options = {});
Tensor conv_transpose(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& strides,
                      const std::vector<std::pair<int64_t, int64_t>>& padding,
                      const ConvTransposeOptions& options = {});

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CONVOLUTION_H_
