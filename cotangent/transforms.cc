// File: cotangent/transforms.cc
// The non-template helpers of the Jacobian transformations: basis tensors and stacking.

#include "cotangent/transforms.h"

#include "core/constants.h"
#include "cotangent/numpy.h"

namespace cotangent::internal {

std::vector<Tensor> Basis(const ShapedArray& aval) {
  const int64_t n = aval.size();
  std::vector<Tensor> basis;
  basis.reserve(n);
  std::vector<double> values(n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    values[i] = 1.0;
    basis.push_back(FromDoubles(values, aval.shape, aval.dtype, "basis"));
    values[i] = 0.0;
  }
  return basis;
}

namespace {

Shape Concat(const Shape& a, const Shape& b) {
  Shape out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

Tensor StackColumns(const std::vector<Tensor>& columns, const Shape& out_shape,
                    const Shape& in_shape) {
  if (columns.empty()) return Full(ShapedArray{Concat(out_shape, in_shape), f32}, 0.0);
  return reshape(stack(columns, -1), Concat(out_shape, in_shape));
}

Tensor StackRows(const std::vector<Tensor>& rows, const Shape& out_shape, const Shape& in_shape) {
  if (rows.empty()) return Full(ShapedArray{Concat(out_shape, in_shape), f32}, 0.0);
  return reshape(stack(rows, 0), Concat(out_shape, in_shape));
}

}  // namespace cotangent::internal
