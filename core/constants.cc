// File: core/constants.cc
// Host data to device arrays: encoding doubles as each dtype, checking counts, uploading.

#include "core/constants.h"

#include <cmath>
#include <cstring>

#include "core/backend.h"
#include "core/error.h"
#include "core/lax.h"

namespace cotangent {
namespace {

template <typename T>
void Store(std::vector<char>& bytes, size_t i, T value) {
  std::memcpy(&bytes[i * sizeof(T)], &value, sizeof(T));
}

std::vector<char> EncodeAs(const std::vector<double>& values, DType dtype) {
  std::vector<char> bytes(values.size() * DTypeSize(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    switch (dtype) {
      case DType::kBool: bytes[i] = values[i] != 0; break;
      case DType::kI32: Store(bytes, i, static_cast<int32_t>(values[i])); break;
      case DType::kF32: Store(bytes, i, static_cast<float>(values[i])); break;
      case DType::kF64: Store(bytes, i, values[i]); break;
    }
  }
  return bytes;
}

}  // namespace

Tensor FromHost(const void* data, int64_t count, const Shape& shape, DType dtype, const char* op) {
  CheckShape(op, ShapedArray{shape, dtype});
  if (count != NumElements(shape)) {
    ThrowInvalid(op, ": got ", count, " values for shape ", ShapeToString(shape), " (",
                 NumElements(shape), " elements)");
  }
  Backend& backend = DefaultBackend();
  const int64_t bytes = count * DTypeSize(dtype);
  std::shared_ptr<Buffer> buffer = ValueOrThrow(backend.Allocate(bytes));
  if (bytes > 0) ThrowIfError(backend.Upload(data, bytes, *buffer));
  return Tensor(DenseArray(std::move(buffer), ShapedArray{shape, dtype}));
}

Tensor FromDoubles(const std::vector<double>& values, const Shape& shape, DType dtype,
                   const char* op) {
  if (dtype == DType::kI32) {
    for (double v : values) {
      if (!(v >= -2147483648.0 && v <= 2147483647.0) || v != std::trunc(v)) {
        ThrowInvalid(op, ": value ", v, " is not representable as i32");
      }
    }
  }
  const std::vector<char> bytes = EncodeAs(values, dtype);
  return FromHost(bytes.data(), static_cast<int64_t>(values.size()), shape, dtype, op);
}

Tensor Full(const ShapedArray& aval, double value) {
  Array scalar = FromDoubles({value}, {}, aval.dtype, "full").array();
  scalar.committed = false;  // a library constant: may move to its operands' backend
  const Tensor s(std::move(scalar));
  return aval.shape.empty() ? s : lax::broadcast_in_dim(s, aval.shape, {});
}

}  // namespace cotangent
