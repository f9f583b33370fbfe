// File: core/tensor.cc
// Tensor accessors that reach the data: reading a concrete array back to the host.

#include "core/tensor.h"

#include <cstring>

#include "core/backend.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/interpreter.h"
#include "core/lax.h"

namespace cotangent {

Tensor::Tensor(Array array) : node_(std::make_shared<ArrayNode>(std::move(array))) {}

Tensor AbstractValue(ShapedArray aval) {
  return Tensor(std::make_shared<const Node>(std::move(aval), kAbstractLevel));
}

const Array& Tensor::array() const {
  if (!defined()) ThrowInvalid("array: undefined tensor");
  if (level() == kAbstractLevel) {
    ThrowInvalid("cannot read the value of ", aval().ToString(), ": it is an abstract value (a "
                 "shape and dtype from eval_shape), which has none");
  }
  if (!is_concrete()) ThrowTraced("array");
  const auto& node = static_cast<const ArrayNode&>(*node_);
  if (node.deleted()) {
    ThrowInvalid("cannot read the value of ", aval().ToString(), ": it was donated to a jit "
                 "call (donate_argnums) and deleted; use the call's result instead");
  }
  return node.array();
}

void DeleteDonated(const Tensor& x) {
  if (x.defined() && x.is_concrete()) static_cast<const ArrayNode&>(*x.node()).Delete();
}

std::vector<char> Tensor::HostBytes(const char* op) const {
  if (!defined()) ThrowInvalid(op, ": undefined tensor");
  if (level() == kAbstractLevel) {
    ThrowInvalid(op, ": ", aval().ToString(), " is an abstract value (a shape and dtype from "
                 "eval_shape) and has no elements");
  }
  if (!is_concrete()) ThrowTraced(op);
  if (dtype() == DType::kFloat0) {
    ThrowInvalid(op, ": ", aval().ToString(),
                 " has no values (float0 is the tangent type of integers and bools)");
  }
  const Array& a = array();
  std::vector<char> raw = ValueOrThrow(HostVector<char>(op, a.aval.bytes()));
  ThrowIfError(a.backend().Download(a, raw.data()));
  return raw;
}

const Tensor& Tensor::block_until_ready() const {
  ThrowIfError(array().backend().Synchronize());
  return *this;
}

Tensor Tensor::operator[](int64_t i) const {
  if (!defined()) ThrowInvalid("index: undefined tensor");
  if (ndim() == 0) ThrowInvalid("index: cannot index a scalar ", aval().ToString());
  const int64_t n = shape()[0];
  if (i < -n || i >= n) {
    ThrowInvalid("index: index ", i, " out of range for axis 0 of ", aval().ToString());
  }
  if (i < 0) i += n;
  std::vector<int64_t> start(ndim(), 0), limit = shape();
  start[0] = i;
  limit[0] = i + 1;
  return lax::reshape(lax::slice(*this, start, limit), Shape(shape().begin() + 1, shape().end()));
}

void Tensor::ThrowTraced(const char* op) const {
  const char* transform = TransformationOf(*this);
  if (transform == nullptr) {
    ThrowInvalid(op, ": cannot read the value of ", aval().ToString(), ": it is a tracer that "
                 "escaped the transformation that made it (a leaked tracer)");
  }
  if (std::string_view(transform) == "jit") {
    // JAX's ConcretizationTypeError.
    ThrowInvalid(op, ": cannot read the value of ", aval().ToString(), " traced by jit: inside "
                 "jit values are abstract (a shape and dtype) until the compiled function runs, "
                 "so C++ control flow and reads cannot depend on them; mark the argument static "
                 "(static_argnums), compute the value outside jit, or use lax-style selection "
                 "(select, where)");
  }
  ThrowInvalid(op, ": cannot read the value of ", aval().ToString(), " traced by ", transform,
               ": inside a transformation only concrete tensors have values");
}

void Tensor::ThrowUndefined(const char* accessor) {
  ThrowInvalid(accessor, ": undefined tensor (a default-constructed Tensor holds no value)");
}

void ThrowItemSize(const ShapedArray& aval) {
  ThrowInvalid("item: expected a tensor with one element, got ", aval.ToString());
}

void ThrowComplexAsReal(const char* op, const ShapedArray& aval) {
  ThrowInvalid(op, ": ", aval.ToString(),
               " has complex elements: read them as std::complex (or take real or imag first)");
}

}  // namespace cotangent
