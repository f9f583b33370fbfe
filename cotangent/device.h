// File: cotangent/device.h
// Where tensors live: device_put moves a tensor to a backend ("cpu", "vulkan"), device_of says
// which one holds it, and DeviceScope makes new tensors of this thread go to a backend. An
// operation on tensors of two devices is an error, except that library-made constants (the
// 2.0 of x * 2.0, the zeros and ones of derivative rules) follow their operands (JAX's
// uncommitted arrays). docs/vulkan.md shows the use.

#ifndef COTANGENT_COTANGENT_DEVICE_H_
#define COTANGENT_COTANGENT_DEVICE_H_

#include <string>
#include <string_view>

#include "core/backend.h"
#include "core/tensor.h"

namespace cotangent {

// x on `backend` ("cpu" or "vulkan"), committed there: x itself (no copy) when it is already
// there, else a copy. Throws for a traced tensor, an unknown backend, or a Vulkan backend that
// cannot start (the error says what to install).
Tensor device_put(const Tensor& x, std::string_view backend);

// "cpu" or "vulkan": the backend holding a concrete tensor. Throws for a traced tensor.
std::string device_of(const Tensor& x);

// While alive, tensors made on this thread (tensor, zeros, arange, random, constants of the
// transformations...) go to `backend`:
//   { cotangent::DeviceScope scope("vulkan"); auto y = f(cotangent::tensor({1, 2}, {2})); }
// Scopes nest; each restores the previous default when it ends.
class DeviceScope {
 public:
  explicit DeviceScope(std::string_view backend);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  Backend* previous_;
};

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_DEVICE_H_
