// File: cotangent/device.cc
// device_put, device_of and DeviceScope over the backend registry and core's TransferArray.

#include "cotangent/device.h"

#include "backends/registry.h"
#include "core/error.h"

namespace cotangent {
namespace {

const Array& ConcreteArray(const Tensor& x, const char* op) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
  if (!x.is_concrete()) {
    ThrowInvalid(op, ": cannot move or locate the traced tensor ", x.aval().ToString(),
                 " inside a transformation; call ", op, " on concrete tensors, outside it");
  }
  return x.array();
}

}  // namespace

Tensor device_put(const Tensor& x, std::string_view backend) {
  const Array& array = ConcreteArray(x, "device_put");
  Backend& dst = GetBackend(backend);
  if (&array.backend() == &dst) {
    if (array.committed) return x;
    Array committed = array;  // the same buffer, now committed to its device
    committed.committed = true;
    return Tensor(std::move(committed));
  }
  Array moved = ValueOrThrow(TransferArray(array, dst));
  moved.committed = true;
  return Tensor(std::move(moved));
}

std::string device_of(const Tensor& x) { return ConcreteArray(x, "device_of").backend().name(); }

DeviceScope::DeviceScope(std::string_view backend)
    : previous_(SetThreadDefaultBackend(&GetBackend(backend))) {}

DeviceScope::~DeviceScope() { SetThreadDefaultBackend(previous_); }

}  // namespace cotangent
