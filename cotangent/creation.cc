// File: cotangent/creation.cc
// Concrete tensors from host data, uploaded to the default backend.

#include "cotangent/creation.h"

#include <algorithm>
#include <cmath>

#include "core/constants.h"
#include "core/error.h"

namespace cotangent {
namespace {

// A dense (not broadcast) array, so that every element has its own storage.
Tensor Filled(const Shape& shape, double value, DType dtype, const char* op) {
  CheckShape(op, ShapedArray{shape, dtype});  // before counting its elements
  return FromDoubles(std::vector<double>(NumElements(shape), value), shape, dtype, op);
}

}  // namespace

Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype) {
  return FromDoubles(values, shape, dtype, "tensor");
}

Tensor scalar(double value, DType dtype) { return FromDoubles({value}, {}, dtype, "scalar"); }

Tensor full(const Shape& shape, double value, DType dtype) {
  return Filled(shape, value, dtype, "full");
}
Tensor zeros(const Shape& shape, DType dtype) { return Filled(shape, 0.0, dtype, "zeros"); }
Tensor ones(const Shape& shape, DType dtype) { return Filled(shape, 1.0, dtype, "ones"); }
Tensor zeros_like(const Tensor& x) { return zeros(x.shape(), x.dtype()); }
Tensor ones_like(const Tensor& x) { return ones(x.shape(), x.dtype()); }
Tensor full_like(const Tensor& x, double value) { return full(x.shape(), value, x.dtype()); }

Tensor arange(int64_t n, DType dtype) {
  if (n < 0) ThrowInvalid("arange: negative length ", n);
  return arange(0.0, static_cast<double>(n), 1.0, dtype);
}

Tensor arange(double start, double stop, double step, DType dtype) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
    ThrowInvalid("arange: need finite start, stop and a nonzero step, got start=", start,
                 " stop=", stop, " step=", step);
  }
  // ceil((stop - start) / step) elements; the quotient may be huge or, when stop - start
  // overflows, infinite, and converting such a double to int64 is undefined.
  const double count = std::ceil((stop - start) / step);
  if (count >= 0x1p63) {
    ThrowInvalid("arange: start=", start, " stop=", stop, " step=", step, " gives ", count,
                 " elements, more than int64 counts");
  }
  const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = start + static_cast<double>(i) * step;
  return FromDoubles(values, {n}, dtype, "arange");
}

Tensor linspace(double start, double stop, int64_t num, DType dtype) {
  if (num < 0) ThrowInvalid("linspace: negative number of samples ", num);
  std::vector<double> values(num);
  const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  for (int64_t i = 0; i < num; ++i) values[i] = start + static_cast<double>(i) * step;
  if (num > 1) values[num - 1] = stop;
  return FromDoubles(values, {num}, dtype, "linspace");
}

Tensor eye(int64_t n, DType dtype) { return eye(n, n, dtype); }

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0 || m < 0) ThrowInvalid("eye: negative size ", n, "x", m);
  CheckShape("eye", ShapedArray{{n, m}, dtype});  // n * m must not overflow
  std::vector<double> values(n * m, 0.0);
  for (int64_t i = 0; i < std::min(n, m); ++i) values[i * m + i] = 1.0;
  return FromDoubles(values, {n, m}, dtype, "eye");
}

}  // namespace cotangent
