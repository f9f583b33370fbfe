// File: cotangent/numpy.h
// The numpy-style math API: broadcasting, type promotion (core/dtype.h) and the composite
// functions (sigmoid, softmax, logsumexp, matmul, ...), each defined once on top of the
// primitives of core/lax.h. Errors name the function and the shapes.

#ifndef COTANGENT_COTANGENT_NUMPY_H_
#define COTANGENT_COTANGENT_NUMPY_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace cotangent {

// The axes a reduction works on: all of them by default, or a list ({0, 2}) or one (1).
// Negative axes count from the end.
class Axes {
 public:
  Axes() = default;
  Axes(int64_t axis) : axes_(std::vector<int64_t>{axis}) {}  // NOLINT: implicit by design
  Axes(std::initializer_list<int64_t> axes) : axes_(std::vector<int64_t>(axes)) {}
  Axes(std::vector<int64_t> axes) : axes_(std::move(axes)) {}  // NOLINT

  // The sorted, non-negative, unique axes for a tensor of this rank; throws naming op.
  std::vector<int64_t> Resolve(int64_t rank, const char* op) const;
  // True when no axes were given (meaning all of them).
  bool all() const { return !axes_.has_value(); }

 private:
  std::optional<std::vector<int64_t>> axes_;  // nullopt: all axes
};

// Arithmetic with numpy broadcasting and promotion; a C++ number is a weakly typed Scalar
// (core/dtype.h): x + 1 keeps an integer x's dtype, x + 1.0 makes it the default float, and
// either keeps a float x's dtype.
Tensor operator+(const Tensor& x, const Tensor& y);
Tensor operator-(const Tensor& x, const Tensor& y);
Tensor operator*(const Tensor& x, const Tensor& y);
// True division: integer operands are promoted to the default float first.
Tensor operator/(const Tensor& x, const Tensor& y);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& x, Scalar y);
Tensor operator-(const Tensor& x, Scalar y);
Tensor operator*(const Tensor& x, Scalar y);
Tensor operator/(const Tensor& x, Scalar y);
Tensor operator+(Scalar x, const Tensor& y);
Tensor operator-(Scalar x, const Tensor& y);
Tensor operator*(Scalar x, const Tensor& y);
Tensor operator/(Scalar x, const Tensor& y);

// Elementwise comparisons, giving bool tensors. Complex numbers compare lexicographically, by
// real part, then imaginary part (jnp's and numpy's order; lax::lt and the others refuse them).
Tensor operator==(const Tensor& x, const Tensor& y);
Tensor operator!=(const Tensor& x, const Tensor& y);
Tensor operator<(const Tensor& x, const Tensor& y);
Tensor operator<=(const Tensor& x, const Tensor& y);
Tensor operator>(const Tensor& x, const Tensor& y);
Tensor operator>=(const Tensor& x, const Tensor& y);
Tensor operator==(const Tensor& x, Scalar y);
Tensor operator!=(const Tensor& x, Scalar y);
Tensor operator<(const Tensor& x, Scalar y);
Tensor operator<=(const Tensor& x, Scalar y);
Tensor operator>(const Tensor& x, Scalar y);
Tensor operator>=(const Tensor& x, Scalar y);
Tensor operator==(Scalar x, const Tensor& y);
Tensor operator!=(Scalar x, const Tensor& y);
Tensor operator<(Scalar x, const Tensor& y);
Tensor operator<=(Scalar x, const Tensor& y);
Tensor operator>(Scalar x, const Tensor& y);
Tensor operator>=(Scalar x, const Tensor& y);

// Logical operations (jnp.logical_*): operands of any dtype read as bool (nonzero is true),
// broadcast; the result is bool.
Tensor logical_and(const Tensor& x, const Tensor& y);
Tensor logical_or(const Tensor& x, const Tensor& y);
Tensor logical_xor(const Tensor& x, const Tensor& y);
Tensor logical_not(const Tensor& x);

// Bitwise operations on bool and integer tensors, promoted and broadcast as arithmetic is
// (jnp.bitwise_*; logical on bool). A floating operand is an Error naming the op.
Tensor bitwise_and(const Tensor& x, const Tensor& y);
Tensor bitwise_or(const Tensor& x, const Tensor& y);
Tensor bitwise_xor(const Tensor& x, const Tensor& y);
Tensor bitwise_not(const Tensor& x);
// x shifted by y bits (integers; bool operands become i32, as JAX's). A y that is negative or
// at least the width shifts every bit out: 0, or -1 for right_shift of a negative x.
// right_shift is arithmetic on signed integers and logical on unsigned ones (jnp.right_shift).
Tensor left_shift(const Tensor& x, const Tensor& y);
Tensor right_shift(const Tensor& x, const Tensor& y);
// The number of set bits of |x|, as u8 (jnp.bitwise_count); integers and bool.
Tensor bitwise_count(const Tensor& x);
// lax.reduce_and, reduce_or, reduce_xor (numpy's bitwise_and.reduce ...): the bitwise (on
// bool, logical) reduction of a bool or integer x over `axes` (all by default), in x's dtype;
// an empty reduction is the identity (all bits set for and, 0 for or and xor).
Tensor reduce_and(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor reduce_or(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor reduce_xor(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// The operators & | ^ ~ << >> are the bitwise functions above (a number is a weak scalar).
Tensor operator&(const Tensor& x, const Tensor& y);
Tensor operator|(const Tensor& x, const Tensor& y);
Tensor operator^(const Tensor& x, const Tensor& y);
Tensor operator<<(const Tensor& x, const Tensor& y);
Tensor operator>>(const Tensor& x, const Tensor& y);
Tensor operator&(const Tensor& x, Scalar y);
Tensor operator|(const Tensor& x, Scalar y);
Tensor operator^(const Tensor& x, Scalar y);
Tensor operator<<(const Tensor& x, Scalar y);
Tensor operator>>(const Tensor& x, Scalar y);
Tensor operator&(Scalar x, const Tensor& y);
Tensor operator|(Scalar x, const Tensor& y);
Tensor operator^(Scalar x, const Tensor& y);
Tensor operator~(const Tensor& x);

// Elementwise functions. Integer inputs of the transcendental ones become the default float.
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sqrt(const Tensor& x);
// The roundings of floats; an integer or bool x is returned as it is (jnp's no-op), a complex
// one is an Error but for round, which rounds each part.
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
// Toward zero (jnp.trunc).
Tensor trunc(const Tensor& x);
// To `decimals` places, half-way cases to even (jnp.round, numpy's round): round(2.5) = 2.
// decimals < 0 for an integer x is an Error, as in JAX.
Tensor round(const Tensor& x, int decimals = 0);
// |x|; of a complex x its modulus, real (f32 for c64, f64 for c128).
Tensor abs(const Tensor& x);
// x / |x| (0 at 0) for a complex x, -1, 0 or 1 otherwise.
Tensor sign(const Tensor& x);
Tensor square(const Tensor& x);
// The parts of complex numbers, as numpy: real(x) and conj(x) of a real x are x, imag(x) its
// zeros; angle(x) = atan2(imag(x), real(x)) (in the default float for integers). complex(x, y)
// = x + iy of real x, y (promoted, integers to f32; f64 parts give c128), broadcast.
Tensor real(const Tensor& x);
Tensor imag(const Tensor& x);
Tensor conj(const Tensor& x);
Tensor angle(const Tensor& x);
Tensor complex(const Tensor& x, const Tensor& y);
// 1 / (1 + exp(-x)), computed as 0.5 * tanh(x / 2) + 0.5 so it never overflows.
Tensor sigmoid(const Tensor& x);
// max(x, 0), NaN propagating; its derivative at 0 is 0, as JAX's.
Tensor relu(const Tensor& x);
// x^y as jnp.power: bool and integers raised to integers stay integers (binary exponentiation
// over the exponent's low 6 bits, as JAX's: larger powers wrap anyway; 0^y = 0 for y != 0);
// every other pair is promoted to a floating dtype (at least f32). A C++ integer exponent is
// integer_pow (as JAX's for a concrete Python int), a double one the float pow.
Tensor pow(const Tensor& x, const Tensor& y);
Tensor pow(const Tensor& x, Scalar y);
Tensor pow(Scalar x, const Tensor& y);
// x^n for an integer n by repeated squaring (lax.integer_pow): the dtype is kept (i32 wraps),
// x^0 = 1, and a negative n is 1 / x^-n (floats only). Exact derivatives: n x^(n-1) through mul.
Tensor integer_pow(const Tensor& x, int n);
// The angle of the point (x, y) in [-pi, pi] (jnp.arctan2's argument order: y first).
Tensor atan2(const Tensor& y, const Tensor& x);
// x - trunc(x / y) y, the sign of x (C's fmod, lax.rem; exact); remainder: the sign of y
// (numpy's mod, Python's %).
Tensor fmod(const Tensor& x, const Tensor& y);
Tensor remainder(const Tensor& x, const Tensor& y);
// The representable value next to x in the direction of y.
Tensor nextafter(const Tensor& x, const Tensor& y);
// Elementwise max and min: NaN if either is NaN; complex numbers in the comparisons' order, NaN
// where either part is.
Tensor maximum(const Tensor& x, const Tensor& y);
Tensor maximum(const Tensor& x, Scalar y);
Tensor maximum(Scalar x, const Tensor& y);
Tensor minimum(const Tensor& x, const Tensor& y);
Tensor minimum(const Tensor& x, Scalar y);
Tensor minimum(Scalar x, const Tensor& y);
// cond ? x : y elementwise, broadcasting all three; cond must be bool.
Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y);
Tensor where(const Tensor& cond, const Tensor& x, Scalar y);
Tensor where(const Tensor& cond, Scalar x, const Tensor& y);
// Both branches literals: the default float, shaped like cond.
Tensor where(const Tensor& cond, double x, double y);
// The same values in another dtype.
Tensor astype(const Tensor& x, DType dtype);

// Reductions over `axes` (all by default); keepdims keeps them with size 1. max and min of
// an empty axis throw (a maximum of nothing has no value), as jnp.max. sum counts bool in i32
// and u8 in u32 (core/dtype.h SumDType: JAX's promote_integers), as does prod; integer sums
// and products wrap. The product of nothing is 1, and its gradient is exact where elements are
// zero (JAX's rule: no division by the product). max and min order complex numbers as the
// comparisons do; one with a NaN part makes the result NaN + NaN i.
Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor prod(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// log(sum(exp(x))) computed stably (shifted by the maximum).
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// exp(x) / sum(exp(x)) along axis, computed stably.
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
// Index of the first maximum (minimum) along axis (i32), or of the first NaN (complex: the
// first with a NaN part), as numpy.
Tensor argmax(const Tensor& x, int64_t axis);
Tensor argmin(const Tensor& x, int64_t axis);
// Variance and standard deviation: sum((x - mean)^2) / (N - ddof), as numpy (ddof = 1 for the
// unbiased estimate); N - ddof <= 0 gives inf or nan, as numpy.
Tensor var(const Tensor& x, const Axes& axes = {}, int64_t ddof = 0, bool keepdims = false);
Tensor std(const Tensor& x, const Axes& axes = {}, int64_t ddof = 0, bool keepdims = false);
// Whether every (any) element along axes is nonzero; bool.
Tensor all(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor any(const Tensor& x, const Axes& axes = {}, bool keepdims = false);

// Floating-point classification (bool; integers are finite, never nan or inf).
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);
// |a - b| <= atol + rtol * |b| elementwise, equal infinities close, nan close to nan only with
// equal_nan (numpy.isclose); allclose is all of it, a bool scalar tensor (jnp.allclose).
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8,
               bool equal_nan = false);
Tensor allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8,
                bool equal_nan = false);
// nan, +inf and -inf replaced by the given values (default: 0 and the dtype's largest and
// lowest finite values).
Tensor nan_to_num(const Tensor& x, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
// lax.clamp(lo, x, hi) with tensors (a scalar lo or hi broadcasts): min(max(x, lo), hi). Its
// derivative, as JAX's: x's where lo < x < hi, lo's where x < lo < hi, hi's where hi < x, and
// none at the ties.
Tensor clamp(const Tensor& lo, const Tensor& x, const Tensor& hi);
// x limited to [lo, hi] (either bound optional), as jnp.clip: maximum(x, lo), then minimum with
// hi, so the bounds are weakly typed (an integer bound keeps an integer x integer, a float one
// makes it f32); gradients pass where x is inside.
Tensor clip(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi);

// numpy matmul: matrix product of the last two axes, batch axes broadcast; 1-D operands are
// treated as a row (left) or column (right) vector and that axis is dropped. As jnp.matmul,
// the operands are promoted to one dtype, and preferred_element_type, when set, is the dtype
// of the products and the result (lax::dot_general's, core/lax.h).
Tensor matmul(const Tensor& x, const Tensor& y,
              std::optional<DType> preferred_element_type = std::nullopt);
// numpy dot: contracts the last axis of x with the second-to-last of y (the only axis of a
// 1-D y); no batching. preferred_element_type as matmul's.
Tensor dot(const Tensor& x, const Tensor& y,
           std::optional<DType> preferred_element_type = std::nullopt);

// Movement. reshape accepts one -1 dimension, inferred.
Tensor reshape(const Tensor& x, const Shape& shape);
// Reverses the axes (a matrix transpose for rank 2).
Tensor transpose(const Tensor& x);
// Output axis i is input axis axes[i] (negative allowed).
Tensor transpose(const Tensor& x, const std::vector<int64_t>& axes);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// numpy.broadcast_shapes of two shapes (throws naming both when they do not broadcast).
Shape broadcast_shapes(const Shape& a, const Shape& b);
// Removes size-1 axes (all of them by default).
Tensor squeeze(const Tensor& x, const Axes& axes = {});
// Inserts a size-1 axis at `axis` (negative counts from the end of the result).
Tensor expand_dims(const Tensor& x, int64_t axis);
// Joins tensors of one shape along a new axis.
Tensor stack(const std::vector<Tensor>& xs, int64_t axis = 0);
// Joins tensors along an existing axis.
Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis = 0);
// lax-style slice: start <= i < limit (with stride) per axis.
Tensor slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& limit,
             const std::vector<int64_t>& strides = {});
// x[i] on axis 0, negative i counting from the end (the member operator[] calls this).
Tensor index(const Tensor& x, int64_t i);
// labels (any integer dtype and shape) to one-hot vectors of num_classes along a new last
// axis; a label outside [0, num_classes) gives a row of zeros.
Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype = f32);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_NUMPY_H_
