// File: cotangent/creation.cc
// Concrete tensors from host data or a fill value, made on the default backend through
// core/constants.h (which validates shapes and names the function in every error).

#include "cotangent/creation.h"

#include <algorithm>
#include <cmath>

#include "absl/functional/function_ref.h"
#include "core/constants.h"
#include "core/error.h"

namespace cotangent {
namespace {

// n values value(0), value(1), ... of a monotonic sequence with a constant step (arange,
// linspace). Its first, second and last values are checked before the array is allocated: an
// i32 range past 2^31 or with a fractional step fails at once, not after gigabytes of work.
Tensor Sequence(int64_t n, DType dtype, const char* op, absl::FunctionRef<double(int64_t)> value) {
  if (n > 0) {
    for (int64_t i : {int64_t{0}, std::min<int64_t>(1, n - 1), n - 1}) {
      CheckRepresentable(value(i), dtype, op);
    }
  }
  return Generate({n}, dtype, op, value);
}

// [start, start + step, ...] with n elements.
Tensor Arange(int64_t n, double start, double step, DType dtype) {
  return Sequence(n, dtype, "arange",
                  [&](int64_t i) { return start + static_cast<double>(i) * step; });
}

}  // namespace

Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype) {
  return FromDoubles(values, shape, dtype, "tensor");
}

Tensor scalar(Number value, DType dtype) { return Filled(ShapedArray{{}, dtype}, value, "scalar"); }

// Dense arrays (not a broadcast view), so that every element has its own storage.
Tensor full(const Shape& shape, Number value, DType dtype) {
  return Filled(ShapedArray{shape, dtype}, value, "full");
}
Tensor zeros(const Shape& shape, DType dtype) {
  return Filled(ShapedArray{shape, dtype}, 0.0, "zeros");
}
Tensor ones(const Shape& shape, DType dtype) {
  return Filled(ShapedArray{shape, dtype}, 1.0, "ones");
}
Tensor zeros_like(const Tensor& x) { return zeros(x.shape(), x.dtype()); }
Tensor ones_like(const Tensor& x) { return ones(x.shape(), x.dtype()); }
Tensor full_like(const Tensor& x, Number value) { return full(x.shape(), value, x.dtype()); }

Tensor arange(int64_t n, DType dtype) {
  if (n < 0) ThrowInvalid("arange: negative length ", n);
  return Arange(n, 0.0, 1.0, dtype);
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
  return Arange(count > 0 ? static_cast<int64_t>(count) : 0, start, step, dtype);
}

Tensor linspace(double start, double stop, int64_t num, DType dtype) {
  if (num < 0) ThrowInvalid("linspace: negative number of samples ", num);
  const double intervals = static_cast<double>(std::max<int64_t>(num - 1, 1));
  double step = (stop - start) / intervals;
  // stop - start overflows for far-apart finite ends (-1e308, 1e308); each scaled first does not.
  if (std::isinf(step) && std::isfinite(start) && std::isfinite(stop)) {
    step = stop / intervals - start / intervals;
  }
  return Sequence(num, dtype, "linspace", [&](int64_t i) {
    return i == num - 1 && num > 1 ? stop : start + static_cast<double>(i) * step;
  });
}

Tensor eye(int64_t n, DType dtype) { return eye(n, n, dtype); }

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (n < 0 || m < 0) ThrowInvalid("eye: negative size ", n, "x", m);
  // Element i sits at row i / m, column i % m (Generate checks [n, m] before any i exists).
  return Generate({n, m}, dtype, "eye", [&](int64_t i) { return i / m == i % m ? 1.0 : 0.0; });
}

}  // namespace cotangent
