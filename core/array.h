// File: core/array.h
// Concrete data: a Buffer owned by a backend, and an Array, a strided view (shape, dtype,
// element strides, offset) into one. Views share buffers, so transpose, broadcast and slice
// cost no copy; data is immutable once written.

#ifndef COTANGENT_CORE_ARRAY_H_
#define COTANGENT_CORE_ARRAY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/shape.h"

namespace cotangent {

class Backend;

// Device memory. Backends subclass it; the destructor returns the memory to its backend.
class Buffer {
 public:
  Buffer(Backend& backend, int64_t bytes) : backend_(&backend), bytes_(bytes) {}
  virtual ~Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  Backend& backend() const { return *backend_; }
  int64_t bytes() const { return bytes_; }

  // References to this buffer the backend itself holds (a Vulkan command batch keeps the
  // buffers it uses alive until the device is done): the buffer belongs to one owner when its
  // use_count is one more. jit's donation reuses only such buffers (core/executable.cc); the
  // device orders the rewrite after earlier work that used it.
  int64_t backend_references() const { return backend_references_.load(); }
  void AddBackendReference() { backend_references_.fetch_add(1); }
  void DropBackendReference() { backend_references_.fetch_sub(1); }

  // Memory the user lent (cotangent/interop.h borrow): read in place, never written, so never
  // the storage of a donated output.
  virtual bool borrowed() const { return false; }

 private:
  Backend* backend_;
  int64_t bytes_;
  std::atomic<int64_t> backend_references_{0};
};

// A strided view of a buffer: element (i0, i1, ...) lives at offset + sum_k ik * strides[k],
// counted in elements of aval.dtype.
struct Array {
  std::shared_ptr<Buffer> buffer;
  ShapedArray aval;
  Strides strides;
  int64_t offset = 0;
  // JAX's committed/uncommitted arrays. Arrays made without naming a device (core/constants.h:
  // tensor(), zeros(), arange(), the zeros of a rule, the 2.0 of x * 2.0) are uncommitted: an
  // operation mixing them with arrays of another backend moves them there (core/eval.cc)
  // instead of failing. device_put commits, and any result with a committed operand is
  // committed to its backend.
  bool committed = true;
  // Set by core/constants.h Full (and kept by views): every element equals this value, which
  // a traced program may then hold as a literal instead of a constant array.
  std::optional<Number> constant;

  Backend& backend() const { return buffer->backend(); }
  // True when the view is the dense row-major layout of its shape starting at offset.
  bool IsContiguous() const;
};

// A dense array over a whole buffer.
Array DenseArray(std::shared_ptr<Buffer> buffer, ShapedArray aval);

}  // namespace cotangent

#endif  // COTANGENT_CORE_ARRAY_H_
