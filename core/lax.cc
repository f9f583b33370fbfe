// File: core/lax.cc
// The primitive wrappers: each builds its Params and binds. Those of the elementwise rows are
// defined from core/primitives.def.

#include "core/lax.h"

#include <algorithm>

#include "core/error.h"
#include "core/interpreter.h"

namespace cotangent::lax {

#define UNARY(enum_name, lax_name, ...) \
  Tensor lax_name(const Tensor& x) { return Bind1(Primitive::enum_name, {x}); }
#define BINARY(enum_name, lax_name, ...) \
  Tensor lax_name(const Tensor& x, const Tensor& y) { return Bind1(Primitive::enum_name, {x, y}); }
#define COMPARE BINARY
#define PRIMITIVE(...)
#include "core/primitives.def"
#undef PRIMITIVE

Tensor select(const Tensor& pred, const Tensor& on_true, const Tensor& on_false) {
  // A scalar predicate picks a whole operand, as in JAX's lax.select: broadcast it (the
  // primitive's operands have one shape).
  if (pred.defined() && on_true.defined() && pred.ndim() == 0 && on_true.ndim() > 0) {
    return Bind1(Primitive::kSelect,
                 {broadcast_in_dim(pred, on_true.shape(), {}), on_true, on_false});
  }
  return Bind1(Primitive::kSelect, {pred, on_true, on_false});
}

Tensor convert_element_type(const Tensor& x, DType new_dtype) {
  Params p;
  p.new_dtype = new_dtype;
  return Bind1(Primitive::kConvert, {x}, p);
}

Tensor bitcast_convert_type(const Tensor& x, DType new_dtype) {
  Params p;
  p.new_dtype = new_dtype;
  return Bind1(Primitive::kBitcastConvert, {x}, p);
}

Tensor real(const Tensor& z) { return Bind1(Primitive::kReal, {z}); }
Tensor imag(const Tensor& z) { return Bind1(Primitive::kImag, {z}); }
Tensor conj(const Tensor& z) { return Bind1(Primitive::kConj, {z}); }
Tensor complex(const Tensor& x, const Tensor& y) { return Bind1(Primitive::kComplex, {x, y}); }

namespace {
Tensor Reduction(Primitive prim, const Tensor& x, std::vector<int64_t> axes) {
  Params p;
  std::sort(axes.begin(), axes.end());
  p.axes = std::move(axes);
  return Bind1(prim, {x}, p);
}
}  // namespace

Tensor reduce_sum(const Tensor& x, std::vector<int64_t> axes) {
  return Reduction(Primitive::kReduceSum, x, std::move(axes));
}
Tensor reduce_max(const Tensor& x, std::vector<int64_t> axes) {
  return Reduction(Primitive::kReduceMax, x, std::move(axes));
}
Tensor reduce_prod(const Tensor& x, std::vector<int64_t> axes) {
  return Reduction(Primitive::kReduceProd, x, std::move(axes));
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

Tensor pad(const Tensor& x, Number padding_value, std::vector<int64_t> low,
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

namespace {

// x converted to `preferred` when it is set, after JAX's checks of the pair (lax.h).
Tensor Preferred(const char* op, const Tensor& x, std::optional<DType> preferred) {
  if (!preferred || !x.defined() || x.dtype() == *preferred) return x;
  const DType from = x.dtype(), to = *preferred;
  const auto fail = [&](const char* why) {
    ThrowInvalid(op, ": preferred_element_type ", DTypeName(to), " for an operand of type ",
                 x.aval().ToString(), ": ", why);
  };
  const bool compatible = IsInteger(from)    ? IsInteger(to) || IsFloating(to)
                          : IsFloating(from) ? IsFloating(to)
                                             : IsComplex(from) && IsComplex(to);
  if (!compatible) {
    fail(
        "the compatible pairs are (integer, integer), (integer, float), (float, float) and "
        "(complex, complex)");
  }
  if (IsSignedInteger(from) && IsUnsigned(to)) fail("an unsigned type for a signed one");
  if (DTypeSize(to) < DTypeSize(from)) fail("narrower than the operand");
  return convert_element_type(x, to);
}

}  // namespace

Tensor dot_general(const Tensor& lhs, const Tensor& rhs, DotDims dims,
                   std::optional<DType> preferred_element_type) {
  Params p;
  p.dot = std::move(dims);
  return Bind1(Primitive::kDotGeneral,
               {Preferred("dot_general", lhs, preferred_element_type),
                Preferred("dot_general", rhs, preferred_element_type)},
               p);
}

Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs, ConvDims dims,
                            std::optional<DType> preferred_element_type) {
  Params p;
  p.conv = std::move(dims);
  return Bind1(Primitive::kConvGeneralDilated,
               {Preferred("conv_general_dilated", lhs, preferred_element_type),
                Preferred("conv_general_dilated", rhs, preferred_element_type)},
               p);
}

Tensor gather(const Tensor& operand, const Tensor& indices, IndexDims dims,
              std::vector<int64_t> slice_sizes, IndexMode mode, Number fill_value) {
  Params p;
  p.index = std::move(dims);
  p.slice_sizes = std::move(slice_sizes);
  p.mode = mode;
  p.fill_value = fill_value;
  return Bind1(Primitive::kGather, {operand, indices}, p);
}

namespace {
Tensor BindScatter(Primitive prim, const Tensor& operand, const Tensor& indices,
                   const Tensor& updates, IndexDims dims, IndexMode mode) {
  Params p;
  p.index = std::move(dims);
  p.mode = mode;
  return Bind1(prim, {operand, indices, updates}, p);
}
}  // namespace

Tensor scatter_add(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode) {
  return BindScatter(Primitive::kScatterAdd, operand, indices, updates, std::move(dims), mode);
}
Tensor scatter(const Tensor& operand, const Tensor& indices, const Tensor& updates, IndexDims dims,
               IndexMode mode) {
  return BindScatter(Primitive::kScatter, operand, indices, updates, std::move(dims), mode);
}
Tensor scatter_mul(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode) {
  return BindScatter(Primitive::kScatterMul, operand, indices, updates, std::move(dims), mode);
}
Tensor scatter_min(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode) {
  return BindScatter(Primitive::kScatterMin, operand, indices, updates, std::move(dims), mode);
}
Tensor scatter_max(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode) {
  return BindScatter(Primitive::kScatterMax, operand, indices, updates, std::move(dims), mode);
}

Tensor argsort(absl::Span<const Tensor> keys, int64_t dimension, bool descending, int64_t k) {
  Params p;
  p.dimension = dimension;
  p.descending = descending;
  p.k = k;
  return Bind1(Primitive::kArgsort, keys, p);
}

Tensor cholesky(const Tensor& a) { return Bind1(Primitive::kCholesky, {a}); }

Tensor triangular_solve(const Tensor& a, const Tensor& b, LinalgOptions options) {
  Params p;
  p.linalg = options;
  p.linalg.full_matrices = false;
  return Bind1(Primitive::kTriangularSolve, {a, b}, p);
}

LuResult lu(const Tensor& a) {
  TensorList out = Bind(Primitive::kLu, {a}, NoParams());
  return {out[0], out[1], out[2]};
}

QrResult qr(const Tensor& a, bool full_matrices) {
  Params p;
  p.linalg.full_matrices = full_matrices;
  TensorList out = Bind(Primitive::kQr, {a}, p);
  return {out[0], out[1]};
}

EighResult eigh(const Tensor& a, bool lower) {
  Params p;
  p.linalg.lower = lower;
  TensorList out = Bind(Primitive::kEigh, {a}, p);
  return {out[0], out[1]};
}

SvdResult svd(const Tensor& a, bool full_matrices) {
  Params p;
  p.linalg.full_matrices = full_matrices;
  TensorList out = Bind(Primitive::kSvd, {a}, p);
  return {out[0], out[1], out[2]};
}

}  // namespace cotangent::lax
