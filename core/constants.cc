// File: core/constants.cc
// Host data and fill values to device arrays: validating the shape, allocating (with the
// operation named in an out-of-memory error), encoding doubles as each dtype, uploading or
// filling on the device.

#include "core/constants.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "core/backend.h"
#include "core/complex_eval.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/lax.h"

namespace cotangent {
namespace {

template <typename T>
void Store(char* bytes, int64_t i, T value) {
  std::memcpy(bytes + i * static_cast<int64_t>(sizeof(T)), &value, sizeof(T));
}

// A dense array of aval on the default backend; the shape is checked first, so the byte count
// is exact. Uncommitted, as JAX's arrays made without a device: tensor(), zeros(), arange()
// and the library's own index arrays follow committed operands (device_put commits).
Array NewArray(const ShapedArray& aval, const char* op) {
  CheckShape(op, aval);
  absl::StatusOr<std::shared_ptr<Buffer>> buffer = DefaultBackend().Allocate(aval.bytes());
  if (!buffer.ok()) ThrowAllocationFailure(op, aval, buffer.status());
  Array array = DenseArray(*std::move(buffer), aval);
  array.committed = false;
  return array;
}

// The aval of `count` values laid out as shape: checked, and their number must match.
ShapedArray CountedAval(const Shape& shape, DType dtype, int64_t count, const char* op) {
  ShapedArray aval{shape, dtype};
  CheckShape(op, aval);
  if (count != aval.size()) {
    ThrowInvalid(op, ": got ", count, " values for shape ", ShapeToString(shape), " (",
                 aval.size(), " elements)");
  }
  return aval;
}

Tensor Upload(Array array, const void* data) {
  if (array.aval.bytes() > 0) {
    ThrowIfError(array.backend().Upload(data, array.aval.bytes(), *array.buffer));
  }
  return Tensor(std::move(array));
}

}  // namespace

void CheckRepresentable(Number value, DType dtype, const char* op) {
  if (dtype == DType::kFloat0 && value.to_double() != 0) {
    ThrowInvalid(op,
                 ": float0 has no values but its zeros (it is the tangent type of integers "
                 "and bools), got ",
                 value.ToString());
  }
  if (!IsInteger(dtype)) return;
  VisitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      using L = std::numeric_limits<T>;
      bool fits;
      if (value.is_integer()) {
        fits = value.integer() >= static_cast<int64_t>(L::min()) &&
               (value.integer() < 0 ||
                static_cast<uint64_t>(value.integer()) <= static_cast<uint64_t>(L::max()));
      } else {
        // [min, max + 1): both bounds are exact doubles (max itself is not, for i64).
        const double v = value.to_double(), lo = static_cast<double>(L::min()),
                     hi = 2.0 * static_cast<double>(L::max() / 2 + 1);
        fits = v >= lo && v < hi && v == std::trunc(v);
      }
      if (!fits) {
        ThrowInvalid(op, ": value ", value.ToString(), " is not representable as ",
                     DTypeName(dtype));
      }
    }
  });
}

Tensor FromHost(const void* data, int64_t count, const Shape& shape, DType dtype, const char* op) {
  return Upload(NewArray(CountedAval(shape, dtype, count, op), op), data);
}

Tensor FromDoubles(const std::vector<double>& values, const Shape& shape, DType dtype,
                   const char* op) {
  CountedAval(shape, dtype, static_cast<int64_t>(values.size()), op);
  return Generate(shape, dtype, op, [&](int64_t i) { return values[i]; });
}

Tensor Generate(const Shape& shape, DType dtype, const char* op,
                absl::FunctionRef<double(int64_t)> value) {
  Array array = NewArray(ShapedArray{shape, dtype}, op);
  const int64_t n = array.aval.size();
  if (dtype == DType::kFloat0) {  // no bytes to write
    for (int64_t i = 0; i < n; ++i) CheckRepresentable(value(i), dtype, op);
    return Tensor(std::move(array));
  }
  std::vector<char> bytes = ValueOrThrow(HostVector<char>(op, array.aval.bytes()));
  for (int64_t i = 0; i < n; ++i) {
    const double v = value(i);
    CheckRepresentable(v, dtype, op);
    VisitDType(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      Store(bytes.data(), i, decltype(tag)::dtype == DType::kBool ? T(v != 0) : static_cast<T>(v));
    });
  }
  return Upload(std::move(array), bytes.data());
}

Tensor Filled(const ShapedArray& aval, Number value, const char* op) {
  CheckRepresentable(value, aval.dtype, op);
  if (IsComplex(aval.dtype)) {  // value + 0i from its parts: backends fill no complex element
    const ShapedArray part{aval.shape, RealPart(aval.dtype)};
    Array z = ComplexFromParts(Filled(part, value, op).array(), Filled(part, 0, op).array());
    z.committed = false;
    return Tensor(std::move(z));
  }
  Array array = NewArray(aval, op);
  if (array.aval.bytes() > 0) ThrowIfError(array.backend().Fill(array, value));
  return Tensor(std::move(array));
}

Tensor Full(const ShapedArray& aval, Number value) {
  Array scalar = Filled(ShapedArray{{}, aval.dtype}, value, "full").array();
  scalar.constant = value.In(aval.dtype);
  const Tensor s(std::move(scalar));
  return aval.shape.empty() ? s : lax::broadcast_in_dim(s, aval.shape, {});
}

Tensor Literal(Number value, DType dtype) {
  struct Entry {
    const Backend* backend;
    DType dtype;
    Number value;
    Tensor tensor;
  };
  thread_local std::vector<Entry> cache;
  const Backend* backend = &DefaultBackend();
  for (const Entry& e : cache) {
    // Compared bitwise: -0.0 and 0.0 are different literals.
    if (e.backend == backend && e.dtype == dtype && e.value.Identical(value)) {
      return e.tensor;
    }
  }
  if (cache.size() >= 64) cache.clear();  // literals of one program are few
  Tensor t = Full(ShapedArray{{}, dtype}, value);
  cache.push_back({backend, dtype, value, t});
  return t;
}

}  // namespace cotangent
