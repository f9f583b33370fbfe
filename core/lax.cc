// File: core/lax.cc
// The primitive wrappers: each builds its Params and binds.

#include "core/lax.h"

#include <algorithm>

#include "core/interpreter.h"

namespace cotangent::lax {
namespace {

Tensor Unary(Primitive prim, const Tensor& x) { return Bind1(prim, {x}); }
Tensor Binary(Primitive prim, const Tensor& x, const Tensor& y) { return Bind1(prim, {x, y}); }

}  // namespace

Tensor neg(const Tensor& x) { return Unary(Primitive::kNeg, x); }
Tensor sign(const Tensor& x) { return Unary(Primitive::kSign, x); }
Tensor abs(const Tensor& x) { return Unary(Primitive::kAbs, x); }
Tensor exp(const Tensor& x) { return Unary(Primitive::kExp, x); }
Tensor log(const Tensor& x) { return Unary(Primitive::kLog, x); }
Tensor log1p(const Tensor& x) { return Unary(Primitive::kLog1p, x); }
Tensor expm1(const Tensor& x) { return Unary(Primitive::kExpm1, x); }
Tensor sin(const Tensor& x) { return Unary(Primitive::kSin, x); }
Tensor cos(const Tensor& x) { return Unary(Primitive::kCos, x); }
Tensor tanh(const Tensor& x) { return Unary(Primitive::kTanh, x); }
Tensor sqrt(const Tensor& x) { return Unary(Primitive::kSqrt, x); }
Tensor floor(const Tensor& x) { return Unary(Primitive::kFloor, x); }
Tensor logical_not(const Tensor& x) { return Unary(Primitive::kLogicalNot, x); }
Tensor stop_gradient(const Tensor& x) { return Unary(Primitive::kStopGradient, x); }

Tensor add(const Tensor& x, const Tensor& y) { return Binary(Primitive::kAdd, x, y); }
Tensor sub(const Tensor& x, const Tensor& y) { return Binary(Primitive::kSub, x, y); }
Tensor mul(const Tensor& x, const Tensor& y) { return Binary(Primitive::kMul, x, y); }
Tensor div(const Tensor& x, const Tensor& y) { return Binary(Primitive::kDiv, x, y); }
Tensor pow(const Tensor& x, const Tensor& y) { return Binary(Primitive::kPow, x, y); }
Tensor max(const Tensor& x, const Tensor& y) { return Binary(Primitive::kMax, x, y); }
Tensor min(const Tensor& x, const Tensor& y) { return Binary(Primitive::kMin, x, y); }
Tensor logical_and(const Tensor& x, const Tensor& y) { return Binary(Primitive::kLogicalAnd, x, y); }
Tensor logical_or(const Tensor& x, const Tensor& y) { return Binary(Primitive::kLogicalOr, x, y); }

Tensor eq(const Tensor& x, const Tensor& y) { return Binary(Primitive::kEq, x, y); }
Tensor ne(const Tensor& x, const Tensor& y) { return Binary(Primitive::kNe, x, y); }
Tensor lt(const Tensor& x, const Tensor& y) { return Binary(Primitive::kLt, x, y); }
Tensor le(const Tensor& x, const Tensor& y) { return Binary(Primitive::kLe, x, y); }
Tensor gt(const Tensor& x, const Tensor& y) { return Binary(Primitive::kGt, x, y); }
Tensor ge(const Tensor& x, const Tensor& y) { return Binary(Primitive::kGe, x, y); }

Tensor select(const Tensor& pred, const Tensor& on_true, const Tensor& on_false) {
  // A scalar predicate picks a whole operand, as in JAX's lax.select: broadcast it (the
  // primitive's operands have one shape).
  if (pred.defined() && on_true.defined() && pred.ndim() == 0 && on_true.ndim() > 0) {
    return Bind1(Primitive::kSelect, {broadcast_in_dim(pred, on_true.shape(), {}), on_true, on_false});
  }
  return Bind1(Primitive::kSelect, {pred, on_true, on_false});
}

Tensor convert_element_type(const Tensor& x, DType new_dtype) {
  Params p;
  p.new_dtype = new_dtype;
  return Bind1(Primitive::kConvert, {x}, p);
}

Tensor reduce_sum(const Tensor& x, std::vector<int64_t> axes) {
  Params p;
  std::sort(axes.begin(), axes.end());
  p.axes = std::move(axes);
  return Bind1(Primitive::kReduceSum, {x}, p);
}

Tensor reduce_max(const Tensor& x, std::vector<int64_t> axes) {
  Params p;
  std::sort(axes.begin(), axes.end());
  p.axes = std::move(axes);
  return Bind1(Primitive::kReduceMax, {x}, p);
}

Tensor argmax(const Tensor& x, int64_t axis) {
  Params p;
  p.dimension = axis;
  return Bind1(Primitive::kArgmax, {x}, p);
}

Tensor reshape(const Tensor& x, Shape new_shape) {
  if (x.defined() && x.shape() == new_shape) return x;
  Params p;
  p.shape = std::move(new_shape);
  return Bind1(Primitive::kReshape, {x}, p);
}

Tensor transpose(const Tensor& x, std::vector<int64_t> permutation) {
  Params p;
  p.permutation = std::move(permutation);
  return Bind1(Primitive::kTranspose, {x}, p);
}

Tensor broadcast_in_dim(const Tensor& x, Shape shape, std::vector<int64_t> broadcast_dimensions) {
  Params p;
  p.shape = std::move(shape);
  p.broadcast_dimensions = std::move(broadcast_dimensions);
  return Bind1(Primitive::kBroadcastInDim, {x}, p);
}

Tensor slice(const Tensor& x, std::vector<int64_t> start, std::vector<int64_t> limit,
             std::vector<int64_t> stride) {
  Params p;
  if (stride.empty()) stride.assign(start.size(), 1);
  p.start = std::move(start);
  p.limit = std::move(limit);
  p.stride = std::move(stride);
  return Bind1(Primitive::kSlice, {x}, p);
}

Tensor pad(const Tensor& x, double padding_value, std::vector<int64_t> low,
           std::vector<int64_t> high, std::vector<int64_t> interior) {
  Params p;
  if (interior.empty()) interior.assign(low.size(), 0);
  p.low = std::move(low);
  p.high = std::move(high);
  p.interior = std::move(interior);
  p.padding_value = padding_value;
  return Bind1(Primitive::kPad, {x}, p);
}

Tensor concatenate(absl::Span<const Tensor> xs, int64_t dimension) {
  Params p;
  p.dimension = dimension;
  return Bind1(Primitive::kConcatenate, xs, p);
}

Tensor dot_general(const Tensor& lhs, const Tensor& rhs, DotDims dims) {
  Params p;
  p.dot = std::move(dims);
  return Bind1(Primitive::kDotGeneral, {lhs, rhs}, p);
}

}  // namespace cotangent::lax
