// File: cotangent/interop.h
// Tensors and memory other code owns, without copies: host_span reads a CPU tensor's elements
// in place, borrow makes a CPU tensor that reads memory you lend, contiguous makes a dense copy
// of a strided view, and device_get brings a container's tensors to the host (JAX's
// jax.device_get). cotangent/eigen.h builds Eigen::Map views on these.
//
// Lifetimes:
// - host_span(x) is valid while x, a copy of x or a view of it (x[0], a reshape, a transpose)
//   lives: they share one buffer. Tensors are immutable, so the span is read-only.
// - borrow(data, shape, release) reads data in place: data must stay valid and unchanged until
//   release runs, which happens when the last tensor or view sharing the memory dies (results
//   of operations are new memory and do not hold it). release must not throw; leave it empty
//   when data outlives every such tensor. If borrow throws, release is not called: the memory
//   is still yours. Borrowed memory is never written: jit's donation passes it over.

#ifndef COTANGENT_COTANGENT_INTEROP_H_
#define COTANGENT_COTANGENT_INTEROP_H_

#include <cstdint>
#include <functional>
#include <span>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "cotangent/device.h"
#include "cotangent/tree.h"

namespace cotangent {

namespace internal {
// Where a concrete CPU tensor's elements are, with its shape and strides (in elements), after
// waiting for it; an Error naming op for a traced tensor, another device or a dtype other than
// `dtype`.
struct HostView {
  const void* data;
  Shape shape;
  Strides strides;
};
HostView HostStrided(const Tensor& x, DType dtype, const char* op);
// The checks of host_span on top (dense row-major only).
const void* HostDense(const Tensor& x, DType dtype, const char* op);
Tensor Borrow(const void* data, int64_t count, const Shape& shape, DType dtype,
              std::function<void()> release);
}  // namespace internal

// The elements of a dense row-major CPU tensor of dtype T (bool, int32_t, float, double), in
// place. Throws for a traced tensor, one on another device (device_get it first), another
// dtype, or a strided view (a transpose, slice or broadcast: use contiguous(x)).
template <typename T>
std::span<const T> host_span(const Tensor& x) {
  return {static_cast<const T*>(internal::HostDense(x, DTypeOf<T>::value, "host_span")),
          static_cast<size_t>(x.size())};
}

// A CPU tensor of shape whose row-major elements are data, read in place (see the lifetimes
// above). Throws when data.size() differs from the shape's element count.
template <typename T>
Tensor borrow(std::span<const T> data, const Shape& shape, std::function<void()> release = {}) {
  return internal::Borrow(data.data(), static_cast<int64_t>(data.size()), shape,
                          DTypeOf<T>::value, std::move(release));
}

// x itself when it is dense and row-major, else a dense copy on x's device (numpy's
// ascontiguousarray). Throws for a traced tensor.
Tensor contiguous(const Tensor& x);

// The container with every tensor on the CPU (a copy where it was elsewhere), computed.
template <typename T>
T device_get(const T& tree) {
  return TreeMap([](const Tensor& x) { return device_put(x, "cpu").block_until_ready(); }, tree);
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_INTEROP_H_
