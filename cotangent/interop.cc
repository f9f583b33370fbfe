// File: cotangent/interop.cc
// host_span, borrow and contiguous (cotangent/interop.h) over the CPU backend's buffers, which
// backends/registry.h exposes as addresses and borrowed arrays.

#include "cotangent/interop.h"

#include <vector>

#include "backends/registry.h"
#include "core/array.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/host_memory.h"

namespace cotangent {
namespace internal {

HostView HostStrided(const Tensor& x, DType dtype, const char* op) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
  const Array& a = x.array();  // throws for a traced or abstract tensor
  if (&a.backend() != &GetBackend("cpu")) {
    ThrowInvalid(op, ": ", a.aval.ToString(), " is on ", device_of(x), ", not the host; ",
                 "device_get(x) or device_put(x, \"cpu\") it first");
  }
  if (a.aval.dtype != dtype) {
    ThrowInvalid(op, ": the tensor is ", a.aval.ToString(), ", not ", DTypeName(dtype));
  }
  x.block_until_ready();
  return {CpuElementAddress(a), a.aval.shape, a.strides};
}

const void* HostDense(const Tensor& x, DType dtype, const char* op) {
  const HostView view = HostStrided(x, dtype, op);
  if (!x.array().IsContiguous()) {
    ThrowInvalid(op, ": ", x.aval().ToString(), " is a strided view (a transpose, slice or ",
                 "broadcast); contiguous(x) makes a dense copy");
  }
  return view.data;
}

Tensor Borrow(const void* data, int64_t count, const Shape& shape, DType dtype,
              std::function<void()> release) {
  const ShapedArray aval{shape, dtype};
  CheckShape("borrow", aval);
  if (count != aval.size()) {
    ThrowInvalid("borrow: got ", count, " elements for shape ", ShapeToString(shape));
  }
  return Tensor(BorrowCpuMemory(data, aval, std::move(release)));
}

}  // namespace internal

Tensor contiguous(const Tensor& x) {
  if (!x.defined()) ThrowInvalid("contiguous: undefined tensor");
  const Array& a = x.array();
  if (a.IsContiguous()) return x;
  // Download writes the elements densely, row-major: the copy is their upload.
  std::vector<char> raw = ValueOrThrow(HostVector<char>("contiguous", a.aval.bytes()));
  ThrowIfError(a.backend().Download(a, raw.data()));
  DeviceScope scope(device_of(x));
  return FromHost(raw.data(), a.aval.size(), a.aval.shape, a.aval.dtype, "contiguous");
}

}  // namespace cotangent
