// File: cotangent/transforms.cc
// The non-template helpers of the Jacobian transformations.

#include "cotangent/transforms.h"

#include "core/constants.h"

namespace cotangent::internal {

Tensor BasisStack(const ShapedArray& aval) {
  const int64_t n = aval.size();
  std::vector<double> values(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) values[i * n + i] = 1.0;
  return FromDoubles(values, JoinShapes({n}, aval.shape), aval.dtype, "basis");
}

Shape JoinShapes(const Shape& a, const Shape& b) {
  Shape out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace cotangent::internal
