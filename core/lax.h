// File: core/lax.h
// One function per primitive, as jax.lax: exact shapes and dtypes, no broadcasting or
// promotion. Rules are written with these, so every derivative is itself traceable; the
// numpy-style public API (cotangent/numpy.h) is built on them.

#ifndef COTANGENT_CORE_LAX_H_
#define COTANGENT_CORE_LAX_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "core/params.h"
#include "core/tensor.h"

namespace cotangent::lax {

// One function per row of the elementwise kinds of core/primitives.def, declared from the row
// (its lax column): lax::exp(x) for a UNARY row, lax::add(x, y) for a BINARY one, lax::lt(x, y)
// for a COMPARE one (a bool result). lax::stop_gradient(x) is x with a zero derivative.
#define UNARY(enum_name, lax_name, ...) Tensor lax_name(const Tensor& x);
#define BINARY(enum_name, lax_name, ...) Tensor lax_name(const Tensor& x, const Tensor& y);
#define COMPARE BINARY
#define PRIMITIVE(...)
#include "core/primitives.def"
#undef PRIMITIVE

// pred ? on_true : on_false elementwise; a scalar pred picks a whole operand (as JAX).
Tensor select(const Tensor& pred, const Tensor& on_true, const Tensor& on_false);
Tensor convert_element_type(const Tensor& x, DType new_dtype);
// x's bits read as new_dtype (lax.bitcast_convert_type): the same shape for an equal width; a
// narrower dtype adds a last axis of the ratio (f32[3] to u8: u8[3, 4], the bytes of each
// element little-endian first); a wider one takes a last axis of the ratio (u8[3, 4] to f32:
// f32[3]). bool only to bool. No derivative (zero), as JAX's. A view where x is dense.
Tensor bitcast_convert_type(const Tensor& x, DType new_dtype);

// The parts of complex numbers (c64 parts are f32, c128 parts f64): real(z), imag(z), conj(z)
// of a complex z, and complex(x, y) = x + iy of f32 or f64 parts of one shape.
Tensor real(const Tensor& z);
Tensor imag(const Tensor& z);
Tensor conj(const Tensor& z);
Tensor complex(const Tensor& x, const Tensor& y);

// Sum / max / product over `axes` (any order; duplicates rejected); the axes are removed.
Tensor reduce_sum(const Tensor& x, std::vector<int64_t> axes);
Tensor reduce_max(const Tensor& x, std::vector<int64_t> axes);
Tensor reduce_prod(const Tensor& x, std::vector<int64_t> axes);
// Index (i32) of the first maximal element along `axis`, which is removed.
Tensor argmax(const Tensor& x, int64_t axis);

Tensor reshape(const Tensor& x, Shape new_shape);
// Output axis i is input axis permutation[i].
Tensor transpose(const Tensor& x, std::vector<int64_t> permutation);
// Input axis i becomes output axis broadcast_dimensions[i]; the other output axes are new.
Tensor broadcast_in_dim(const Tensor& x, Shape shape, std::vector<int64_t> broadcast_dimensions);
// Elements start <= i < limit with the given stride (all ones when empty), per axis.
Tensor slice(const Tensor& x, std::vector<int64_t> start, std::vector<int64_t> limit,
             std::vector<int64_t> stride = {});
// Edge padding low/high (negative crops) and interior padding between elements.
Tensor pad(const Tensor& x, Number padding_value, std::vector<int64_t> low,
           std::vector<int64_t> high, std::vector<int64_t> interior = {});
Tensor concatenate(absl::Span<const Tensor> xs, int64_t dimension);

// dot_general and conv_general_dilated take lax's preferred_element_type: the dtype of the
// result, and of the products and their sums. Both operands are converted to it first (as
// XLA's CPU compiler widens a bf16 product to f32), so the result is the operation on the
// upcast operands, its derivatives those of the conversions and the operation (JAX's
// transposes, which convert the cotangent back to each operand's dtype). As JAX's
// _validate_preferred_element_type: an integer operand may become a float or an integer of
// its signedness (unsigned ones any integer), a float a float, a complex a complex, never a
// narrower type (an Error naming the operation and both types otherwise; JAX's dot_general
// alone also narrows floats).
Tensor dot_general(const Tensor& lhs, const Tensor& rhs, DotDims dims,
                   std::optional<DType> preferred_element_type = std::nullopt);
// Every field of dims set (the public conv_general_dilated fills defaults, cotangent/conv.h).
Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs, ConvDims dims,
                            std::optional<DType> preferred_element_type = std::nullopt);
// Windows of slice_sizes of operand at the starts in indices (i32, index vector last), as
// lax.gather with dims.window_dims = offset_dims; fill_value is read with IndexMode::kFill.
Tensor gather(const Tensor& operand, const Tensor& indices, IndexDims dims,
              std::vector<int64_t> slice_sizes, IndexMode mode, Number fill_value = 0);
// operand with the windows of updates added at the starts in indices, as lax.scatter_add.
Tensor scatter_add(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode);
// The same windows stored (the last in index order wins), multiplied in, or combined by min
// or max with what is there: lax.scatter, scatter_mul, scatter_min, scatter_max.
Tensor scatter(const Tensor& operand, const Tensor& indices, const Tensor& updates, IndexDims dims,
               IndexMode mode);
Tensor scatter_mul(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode);
Tensor scatter_min(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode);
Tensor scatter_max(const Tensor& operand, const Tensor& indices, const Tensor& updates,
                   IndexDims dims, IndexMode mode);
// The permutation (i32, the keys' shape) sorting each line along dimension by the keys,
// lexicographically, stably, in lax.sort's total order (core/primitives.def, argsort); with
// k >= 0, only each line's first k indices (top_k: a selection, not a sort, on the CPU).
Tensor argsort(absl::Span<const Tensor> keys, int64_t dimension, bool descending = false,
               int64_t k = -1);

// Linear algebra over the last two axes (core/primitives.def, the kLinalg rows), as lax.linalg.
Tensor cholesky(const Tensor& a);
// Solves op(a) x = b (left_side) or x op(a) = b; options.left_side, lower, transpose_a,
// conjugate_a and unit_diagonal are read.
Tensor triangular_solve(const Tensor& a, const Tensor& b, LinalgOptions options);
struct LuResult {
  Tensor lu, pivots, permutation;
};
LuResult lu(const Tensor& a);
struct QrResult {
  Tensor q, r;
};
QrResult qr(const Tensor& a, bool full_matrices);
struct EighResult {
  Tensor v, w;  // eigenvectors (columns), eigenvalues ascending
};
EighResult eigh(const Tensor& a, bool lower = true);
struct SvdResult {
  Tensor s, u, vt;
};
SvdResult svd(const Tensor& a, bool full_matrices);

}  // namespace cotangent::lax

#endif  // COTANGENT_CORE_LAX_H_
