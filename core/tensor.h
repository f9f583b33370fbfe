// File: core/tensor.h
// cotangent::Tensor, a cheap-to-copy handle to an immutable n-d value: either a concrete Array
// on some backend (level 0) or a Tracer of the interpreter at some level of the stack
// (core/interpreter.h). Math on tensors lives in cotangent/ and core/lax.h.

#ifndef COTANGENT_CORE_TENSOR_H_
#define COTANGENT_CORE_TENSOR_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <memory>
#include <type_traits>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "core/array.h"
#include "core/dtype.h"
#include "core/shape.h"

namespace cotangent {

// What a Tensor points to. Level 0 is a concrete array; level L > 0 a tracer of the
// interpreter at level L of this thread's stack; kAbstractLevel an abstract value (a shape and
// dtype only, as eval_shape returns: JAX's ShapeDtypeStruct).
inline constexpr int kAbstractLevel = 1 << 30;

class Node {
 public:
  Node(ShapedArray aval, int level) : aval_(std::move(aval)), level_(level) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const ShapedArray& aval() const { return aval_; }
  int level() const { return level_; }

 private:
  ShapedArray aval_;
  int level_;
};

// A concrete value.
class ArrayNode final : public Node {
 public:
  explicit ArrayNode(Array array) : Node(array.aval, 0), array_(std::move(array)) {}
  const Array& array() const { return array_; }

  // Donation (jit's donate_argnums): the value is deleted, its buffer released to the call
  // that took it; reading it afterwards is an Error (as a deleted jax.Array). Not synchronized
  // with readers of the same tensor on other threads: donating a value in use is a user error.
  void Delete() const {
    deleted_.store(true, std::memory_order_relaxed);
    array_.buffer.reset();
  }
  bool deleted() const { return deleted_.load(std::memory_order_relaxed); }

 private:
  mutable Array array_;
  mutable std::atomic<bool> deleted_{false};
};

class Tensor {
 public:
  // An undefined tensor: holds no value. Internally it stands for a symbolic zero.
  Tensor() = default;
  explicit Tensor(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  explicit Tensor(Array array);

  bool defined() const { return node_ != nullptr; }
  // The accessors below throw "<accessor>: undefined tensor ..." on an undefined tensor.
  const ShapedArray& aval() const { return Defined("aval").aval(); }
  const Shape& shape() const { return Defined("shape").aval().shape; }
  DType dtype() const { return Defined("dtype").aval().dtype; }
  int64_t ndim() const { return static_cast<int64_t>(Defined("ndim").aval().shape.size()); }
  int64_t size() const { return Defined("size").aval().size(); }

  // 0 for a concrete value, the interpreter's level for a tracer (kAbstractLevel for an
  // abstract value).
  int level() const { return Defined("level").level(); }
  bool is_concrete() const { return level() == 0; }
  const Node* node() const { return node_.get(); }
  const std::shared_ptr<const Node>& node_ptr() const { return node_; }

  // The concrete array; throws if this is a tracer (a value only known inside a transformation).
  const Array& array() const;

  // The elements in row-major order, converted to T (any C++ number type or bool) as
  // static_cast converts: exact where T holds the values (int64_t for i64, ...).
  // Throws for a traced tensor.
  template <typename T>
  std::vector<T> to_vector() const;

  // The single element of a size-1 tensor, converted to T.
  template <typename T>
  T item() const;

  // Waits until the value is computed on its device (backends may run asynchronously) and
  // returns it; throws for a traced tensor. As JAX's block_until_ready.
  const Tensor& block_until_ready() const;

  // x[i]: the slice at index i of axis 0 (negative i counts from the end), as numpy.
  Tensor operator[](int64_t i) const;

 private:
  // The node, or Error(kInvalidArgument) naming `accessor` when there is none.
  const Node& Defined(const char* accessor) const {
    if (node_ == nullptr) ThrowUndefined(accessor);
    return *node_;
  }
  [[noreturn]] static void ThrowUndefined(const char* accessor);
  // "<op>: cannot read the value of ... traced by <transformation>" (jit's says how to fix it).
  [[noreturn]] void ThrowTraced(const char* op) const;

  // Dense host copy of the elements' bytes, in storage type (core/dtype.h VisitDType).
  std::vector<char> HostBytes(const char* op) const;
  // The elements converted to T exactly as static_cast does (bool storage reads as 0 or 1).
  template <typename T>
  std::vector<T> HostElements(const char* op) const;

  std::shared_ptr<const Node> node_;
};

// A tensor with a shape and dtype and no value (what eval_shape returns). Its accessors of the
// type work; reading its value or using it as an operand is an Error saying so.
Tensor AbstractValue(ShapedArray aval);

// Deletes x's value if it is a concrete array (ArrayNode::Delete): jit's donated arguments.
void DeleteDonated(const Tensor& x);

// The outputs of a primitive application, the operands of a rule: most lists hold one tensor.
using TensorList = absl::InlinedVector<Tensor, 1>;

// Throws "item: expected a tensor with one element, got f32[3]".
[[noreturn]] void ThrowItemSize(const ShapedArray& aval);
// Throws "to_vector: c64[2] has complex elements: read them as std::complex".
[[noreturn]] void ThrowComplexAsReal(const char* op, const ShapedArray& aval);

// Prints like numpy: "[[1. 2.]\n [3. 4.]]", "[]" for any empty array; tracers print as
// "Traced<f32[2,2]>" and an undefined tensor as "Tensor(undefined)" (printing never throws for
// want of a value).
std::ostream& operator<<(std::ostream& os, const Tensor& x);

template <typename T>
std::vector<T> Tensor::HostElements(const char* op) const {
  static_assert(std::is_arithmetic_v<T> || kIsHalfStorage<T> || kIsComplexStorage<T>,
                "to_vector<T>, item<T>: T must be a number, bool, float16, bfloat16 or "
                "std::complex");
  const std::vector<char> raw = HostBytes(op);
  if (IsComplex(dtype()) && !kIsComplexStorage<T>) ThrowComplexAsReal(op, aval());
  std::vector<T> out(raw.size() / DTypeSize(dtype()));
  VisitDType(dtype(), [&](auto tag) {
    using S = typename decltype(tag)::type;
    for (size_t i = 0; i < out.size(); ++i) {
      S v;
      std::memcpy(&v, raw.data() + i * sizeof(S), sizeof(S));
      if constexpr (kIsHalfStorage<S> && kIsHalfStorage<T> && !std::is_same_v<S, T>) {
        out[i] = static_cast<T>(static_cast<float>(v));  // f16 <-> bf16 through the f32
      } else if constexpr (kIsComplexStorage<S> && kIsComplexStorage<T>) {
        out[i] = T(v);
      } else if constexpr (kIsComplexStorage<S>) {
        out[i] = T();  // refused above: a complex element read as a real number
      } else if constexpr (kIsComplexStorage<T>) {
        out[i] = T(static_cast<typename T::value_type>(v), 0);
      } else {
        out[i] = static_cast<T>(v);
      }
    }
  });
  return out;
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  return HostElements<T>("to_vector");
}

template <typename T>
T Tensor::item() const {
  const std::vector<T> values = HostElements<T>("item");
  if (values.size() != 1) ThrowItemSize(aval());
  return values[0];
}

}  // namespace cotangent

#endif  // COTANGENT_CORE_TENSOR_H_
