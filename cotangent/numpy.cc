// File: cotangent/numpy.cc
// numpy semantics over the lax primitives: broadcasting (right-aligned, size-1 axes stretch),
// promotion (bool < i32 < f32 < f64, doubles are weak), and the composites defined once.

#include "cotangent/numpy.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "core/rules/helpers.h"
#include "cotangent/creation.h"

namespace cotangent {
namespace {

using BinaryLax = Tensor (*)(const Tensor&, const Tensor&);

void CheckDefined(const Tensor& x, const char* op) {
  if (!x.defined()) ThrowInvalid(op, ": undefined tensor");
}

// The numpy broadcast of two shapes, or "op: incompatible shapes f32[3] and f32[4]".
Shape BroadcastShapes(const char* op, const ShapedArray& a, const ShapedArray& b) {
  const size_t rank = std::max(a.shape.size(), b.shape.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.shape.size() ? 1 : a.shape[i - (rank - a.shape.size())];
    const int64_t db = i < rank - b.shape.size() ? 1 : b.shape[i - (rank - b.shape.size())];
    if (da != db && da != 1 && db != 1) {
      ThrowInvalid(op, ": incompatible shapes ", a.ToString(), " and ", b.ToString());
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// x stretched to `shape` (right-aligned); the caller has checked compatibility.
Tensor BroadcastTo(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  std::vector<int64_t> dims(x.ndim());
  for (int64_t i = 0; i < x.ndim(); ++i) dims[i] = static_cast<int64_t>(shape.size()) - x.ndim() + i;
  return lax::broadcast_in_dim(x, shape, dims);
}

Tensor Cast(const Tensor& x, DType dtype) {
  return x.dtype() == dtype ? x : lax::convert_element_type(x, dtype);
}

// A weakly typed scalar operand in the dtype PromoteWithScalar gives with `like`. It is a
// library constant (uncommitted: it follows `like` to its device), cached (core/constants.h
// Literal), so `x * 2.0` allocates and fills no scalar after its first use; a complex one
// with an imaginary part joins two such parts.
Tensor WeakScalar(Scalar value, const Tensor& like) {
  const DType dtype = PromoteWithScalar(like.dtype(), value);
  if (value.imag() == 0) return Literal(value.value(), dtype);
  return lax::complex(Literal(value.value(), RealPart(dtype)),
                      Literal(value.imag(), RealPart(dtype)));
}

// Promotes, broadcasts and applies a binary primitive.
Tensor Binary(const char* op, BinaryLax fn, const Tensor& x, const Tensor& y,
              bool true_division = false) {
  CheckDefined(x, op);
  CheckDefined(y, op);
  const Shape shape = BroadcastShapes(op, x.aval(), y.aval());
  DType dtype = PromoteTypes(x.dtype(), y.dtype());
  if (true_division && !IsInexact(dtype)) dtype = kDefaultFloat;
  return fn(BroadcastTo(Cast(x, dtype), shape), BroadcastTo(Cast(y, dtype), shape));
}

Tensor BinaryScalar(const char* op, BinaryLax fn, const Tensor& x, Scalar y, bool reversed,
                    bool true_division = false) {
  CheckDefined(x, op);
  const Tensor s = WeakScalar(y, x);
  return reversed ? Binary(op, fn, s, x, true_division) : Binary(op, fn, x, s, true_division);
}

// jnp's comparisons: complex numbers in lexicographic order, by real part, then imaginary part
// (lax's lt and the others refuse complex operands, as JAX's do).
template <BinaryLax kCompare>
Tensor Ordered(const Tensor& x, const Tensor& y) {
  if (!IsComplex(x.dtype())) return kCompare(x, y);
  const Tensor rx = lax::real(x), ry = lax::real(y);
  return lax::select(lax::eq(rx, ry), kCompare(lax::imag(x), lax::imag(y)), kCompare(rx, ry));
}
constexpr BinaryLax kLess = Ordered<lax::lt>, kLessEqual = Ordered<lax::le>,
                    kGreater = Ordered<lax::gt>, kGreaterEqual = Ordered<lax::ge>;

// Transcendental functions work on floats; integers become the default float first.
Tensor FloatUnary(const char* op, Tensor (*fn)(const Tensor&), const Tensor& x) {
  CheckDefined(x, op);
  return fn(IsInexact(x.dtype()) ? x : Cast(x, kDefaultFloat));
}

// The shape of x with the reduced axes kept as size 1.
Shape KeptShape(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape out = shape;
  for (int64_t a : axes) out[a] = 1;
  return out;
}

Tensor Reduce(const char* op, Tensor (*fn)(const Tensor&, std::vector<int64_t>), const Tensor& x,
              const Axes& axes, bool keepdims) {
  CheckDefined(x, op);
  const std::vector<int64_t> resolved = axes.Resolve(x.ndim(), op);
  Tensor out = fn(x, resolved);
  return keepdims ? lax::reshape(out, KeptShape(x.shape(), resolved)) : out;
}

// (m - m) == 0 exactly when m is finite.
Tensor IsFinite(const Tensor& m) { return lax::eq(lax::sub(m, m), lax::sub(m, m)); }

// max over axes (JAX's jnp.max): a maximum of no elements has no value, so an empty reduced
// axis is an error, where lax::reduce_max would give its identity (-inf, INT32_MIN, false).
Tensor MaxOf(const char* op, const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, op);
  for (int64_t axis : axes.Resolve(x.ndim(), op)) {
    if (x.shape()[axis] == 0) {
      ThrowInvalid(op, ": zero-size array to reduction operation ", op,
                   " which has no identity (axis ", axis, " of ", x.aval().ToString(), ")");
    }
  }
  return Reduce(op, lax::reduce_max, x, axes, keepdims);
}


// The shift that keeps exp(x - shift) from overflowing in logsumexp and softmax: the maximum
// over axes (kept as size 1) without a derivative (the result does not depend on it), 0 where
// that maximum is infinite (inf - inf would be NaN), and 0 when the axes are empty.
Tensor ExpShift(const Tensor& x, const std::vector<int64_t>& axes) {
  const Shape kept = KeptShape(x.shape(), axes);
  for (int64_t axis : axes) {
    if (x.shape()[axis] == 0) return Full(ShapedArray{kept, x.dtype()}, 0.0);
  }
  const Tensor m = lax::reshape(lax::stop_gradient(lax::reduce_max(x, axes)), kept);
  return lax::select(IsFinite(m), m, FullLike(m, 0.0));
}

// x as a floating tensor (integers become the default float), for op.
Tensor AsFloat(const char* op, const Tensor& x) {
  return FloatUnary(op, [](const Tensor& t) { return t; }, x);
}

}  // namespace

std::vector<int64_t> Axes::Resolve(int64_t rank, const char* op) const {
  std::vector<int64_t> out;
  if (!axes_) {
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : *axes_) out.push_back(CanonicalAxis(a, rank, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    ThrowInvalid(op, ": repeated axis in ", ShapeToString(*axes_));
  }
  return out;
}

Tensor operator+(const Tensor& x, const Tensor& y) { return Binary("add", lax::add, x, y); }
Tensor operator-(const Tensor& x, const Tensor& y) { return Binary("sub", lax::sub, x, y); }
Tensor operator*(const Tensor& x, const Tensor& y) { return Binary("mul", lax::mul, x, y); }
Tensor operator/(const Tensor& x, const Tensor& y) { return Binary("div", lax::div, x, y, true); }
Tensor operator-(const Tensor& x) {
  CheckDefined(x, "neg");
  return lax::neg(x);
}
Tensor operator+(const Tensor& x, Scalar y) { return BinaryScalar("add", lax::add, x, y, false); }
Tensor operator-(const Tensor& x, Scalar y) { return BinaryScalar("sub", lax::sub, x, y, false); }
Tensor operator*(const Tensor& x, Scalar y) { return BinaryScalar("mul", lax::mul, x, y, false); }
Tensor operator/(const Tensor& x, Scalar y) {
  return BinaryScalar("div", lax::div, x, y, false, true);
}
Tensor operator+(Scalar x, const Tensor& y) { return BinaryScalar("add", lax::add, y, x, true); }
Tensor operator-(Scalar x, const Tensor& y) { return BinaryScalar("sub", lax::sub, y, x, true); }
Tensor operator*(Scalar x, const Tensor& y) { return BinaryScalar("mul", lax::mul, y, x, true); }
Tensor operator/(Scalar x, const Tensor& y) {
  return BinaryScalar("div", lax::div, y, x, true, true);
}

Tensor operator==(const Tensor& x, const Tensor& y) { return Binary("eq", lax::eq, x, y); }
Tensor operator!=(const Tensor& x, const Tensor& y) { return Binary("ne", lax::ne, x, y); }
Tensor operator<(const Tensor& x, const Tensor& y) { return Binary("lt", kLess, x, y); }
Tensor operator<=(const Tensor& x, const Tensor& y) { return Binary("le", kLessEqual, x, y); }
Tensor operator>(const Tensor& x, const Tensor& y) { return Binary("gt", kGreater, x, y); }
Tensor operator>=(const Tensor& x, const Tensor& y) { return Binary("ge", kGreaterEqual, x, y); }
Tensor operator==(const Tensor& x, Scalar y) { return BinaryScalar("eq", lax::eq, x, y, false); }
Tensor operator!=(const Tensor& x, Scalar y) { return BinaryScalar("ne", lax::ne, x, y, false); }
Tensor operator<(const Tensor& x, Scalar y) { return BinaryScalar("lt", kLess, x, y, false); }
Tensor operator<=(const Tensor& x, Scalar y) { return BinaryScalar("le", kLessEqual, x, y, false); }
Tensor operator>(const Tensor& x, Scalar y) { return BinaryScalar("gt", kGreater, x, y, false); }
Tensor operator>=(const Tensor& x, Scalar y) {
  return BinaryScalar("ge", kGreaterEqual, x, y, false);
}
Tensor operator==(Scalar x, const Tensor& y) { return BinaryScalar("eq", lax::eq, y, x, true); }
Tensor operator!=(Scalar x, const Tensor& y) { return BinaryScalar("ne", lax::ne, y, x, true); }
Tensor operator<(Scalar x, const Tensor& y) { return BinaryScalar("lt", kLess, y, x, true); }
Tensor operator<=(Scalar x, const Tensor& y) { return BinaryScalar("le", kLessEqual, y, x, true); }
Tensor operator>(Scalar x, const Tensor& y) { return BinaryScalar("gt", kGreater, y, x, true); }
Tensor operator>=(Scalar x, const Tensor& y) {
  return BinaryScalar("ge", kGreaterEqual, y, x, true);
}

namespace {

// x as bool: x != 0 (NaN is true), as jnp's logical ops read their operands.
Tensor Truth(const char* op, const Tensor& x) {
  CheckDefined(x, op);
  return x.dtype() == DType::kBool ? x : lax::ne(x, FullLike(x, 0.0));
}

// The promoted dtype of a bitwise op's operands: bool or an integer (shifts: an integer, bool
// becoming i32 as JAX's promote_args_numeric), else an Error naming op and both operands.
DType BitwiseDType(const char* op, const Tensor& x, const Tensor& y, bool shift) {
  CheckDefined(x, op);
  CheckDefined(y, op);
  const DType dtype = PromoteTypes(x.dtype(), y.dtype());
  if (IsInexact(dtype)) {
    ThrowInvalid(op, ": operands must be ", shift ? "integers" : "bool or integers", ", got ",
                 x.aval().ToString(), " and ", y.aval().ToString());
  }
  return shift && dtype == DType::kBool ? DType::kI32 : dtype;
}

// A unary bitwise op's operand: bool or an integer, else an Error naming op.
void CheckBitwiseOperand(const char* op, const Tensor& x) {
  CheckDefined(x, op);
  if (IsInexact(x.dtype())) {
    ThrowInvalid(op, ": operand must be bool or an integer, got ", x.aval().ToString());
  }
}

Tensor Bitwise(const char* op, BinaryLax fn, const Tensor& x, const Tensor& y) {
  BitwiseDType(op, x, y, /*shift=*/false);
  return Binary(op, fn, x, y);
}

Tensor Shift(const char* op, bool left, const Tensor& x, const Tensor& y) {
  const DType dtype = BitwiseDType(op, x, y, /*shift=*/true);
  const BinaryLax fn = left                     ? lax::shift_left
                       : IsSignedInteger(dtype) ? lax::shift_right_arithmetic
                                                : lax::shift_right_logical;
  return Binary(op, fn, Cast(x, dtype), Cast(y, dtype));
}

}  // namespace

Tensor logical_and(const Tensor& x, const Tensor& y) {
  return Binary("logical_and", lax::bitwise_and, Truth("logical_and", x), Truth("logical_and", y));
}
Tensor logical_or(const Tensor& x, const Tensor& y) {
  return Binary("logical_or", lax::bitwise_or, Truth("logical_or", x), Truth("logical_or", y));
}
Tensor logical_xor(const Tensor& x, const Tensor& y) {
  return Binary("logical_xor", lax::bitwise_xor, Truth("logical_xor", x), Truth("logical_xor", y));
}
Tensor logical_not(const Tensor& x) { return lax::bitwise_not(Truth("logical_not", x)); }

Tensor bitwise_and(const Tensor& x, const Tensor& y) {
  return Bitwise("bitwise_and", lax::bitwise_and, x, y);
}
Tensor bitwise_or(const Tensor& x, const Tensor& y) {
  return Bitwise("bitwise_or", lax::bitwise_or, x, y);
}
Tensor bitwise_xor(const Tensor& x, const Tensor& y) {
  return Bitwise("bitwise_xor", lax::bitwise_xor, x, y);
}
Tensor bitwise_not(const Tensor& x) {
  CheckBitwiseOperand("bitwise_not", x);
  return lax::bitwise_not(x);
}
Tensor left_shift(const Tensor& x, const Tensor& y) { return Shift("left_shift", true, x, y); }
Tensor right_shift(const Tensor& x, const Tensor& y) { return Shift("right_shift", false, x, y); }
Tensor bitwise_count(const Tensor& x) {
  CheckBitwiseOperand("bitwise_count", x);
  if (x.dtype() == DType::kBool) return Cast(x, DType::kU8);
  return Cast(lax::population_count(lax::abs(x)), DType::kU8);
}
namespace {

// The bitwise (on bool, logical) reduction of x over `axes` by pairwise halving: the reduced
// axes moved last and flattened, then the upper half combined into the lower, an odd length
// padded with the identity (all ones for and, 0 for or and xor) first: ceil(log2 n) steps.
template <Tensor (*kCombine)(const Tensor&, const Tensor&), bool kAllOnes>
Tensor BitwiseReduce(const Tensor& x, std::vector<int64_t> axes) {
  std::vector<int64_t> order;
  Shape kept;
  for (int64_t a = 0; a < x.ndim(); ++a) {
    if (std::find(axes.begin(), axes.end(), a) != axes.end()) continue;
    order.push_back(a);
    kept.push_back(x.shape()[a]);
  }
  int64_t n = 1;
  for (int64_t a : axes) {
    order.push_back(a);
    n *= x.shape()[a];
  }
  Shape flat = kept;
  flat.push_back(n);
  Tensor y = lax::reshape(lax::transpose(x, order), flat);
  flat.back() = 1;
  const Tensor zero = Full({flat, x.dtype()}, 0.0);
  const Tensor identity = kAllOnes ? bitwise_not(zero) : zero;
  const int64_t last = static_cast<int64_t>(kept.size());
  while (n > 1) {
    if (n % 2 == 1) {
      y = lax::concatenate({y, identity}, last);
      ++n;
    }
    std::vector<int64_t> lo(last + 1, 0), hi(y.shape().begin(), y.shape().end());
    hi[last] = n / 2;
    const Tensor lower = lax::slice(y, lo, hi);
    lo[last] = n / 2;
    hi[last] = n;
    y = kCombine(lower, lax::slice(y, lo, hi));
    n /= 2;
  }
  return lax::reshape(n == 0 ? identity : y, kept);
}

template <Tensor (*kCombine)(const Tensor&, const Tensor&), bool kAllOnes>
Tensor BitwiseReduction(const char* op, const Tensor& x, const Axes& axes, bool keepdims) {
  CheckBitwiseOperand(op, x);
  return Reduce(op, BitwiseReduce<kCombine, kAllOnes>, x, axes, keepdims);
}

}  // namespace

Tensor reduce_and(const Tensor& x, const Axes& axes, bool keepdims) {
  return BitwiseReduction<bitwise_and, true>("reduce_and", x, axes, keepdims);
}
Tensor reduce_or(const Tensor& x, const Axes& axes, bool keepdims) {
  return BitwiseReduction<bitwise_or, false>("reduce_or", x, axes, keepdims);
}
Tensor reduce_xor(const Tensor& x, const Axes& axes, bool keepdims) {
  return BitwiseReduction<bitwise_xor, false>("reduce_xor", x, axes, keepdims);
}

Tensor operator&(const Tensor& x, const Tensor& y) { return bitwise_and(x, y); }
Tensor operator|(const Tensor& x, const Tensor& y) { return bitwise_or(x, y); }
Tensor operator^(const Tensor& x, const Tensor& y) { return bitwise_xor(x, y); }
Tensor operator<<(const Tensor& x, const Tensor& y) { return left_shift(x, y); }
Tensor operator>>(const Tensor& x, const Tensor& y) { return right_shift(x, y); }
Tensor operator&(const Tensor& x, Scalar y) { return bitwise_and(x, WeakScalar(y, x)); }
Tensor operator|(const Tensor& x, Scalar y) { return bitwise_or(x, WeakScalar(y, x)); }
Tensor operator^(const Tensor& x, Scalar y) { return bitwise_xor(x, WeakScalar(y, x)); }
Tensor operator<<(const Tensor& x, Scalar y) { return left_shift(x, WeakScalar(y, x)); }
Tensor operator>>(const Tensor& x, Scalar y) { return right_shift(x, WeakScalar(y, x)); }
Tensor operator&(Scalar x, const Tensor& y) { return bitwise_and(WeakScalar(x, y), y); }
Tensor operator|(Scalar x, const Tensor& y) { return bitwise_or(WeakScalar(x, y), y); }
Tensor operator^(Scalar x, const Tensor& y) { return bitwise_xor(WeakScalar(x, y), y); }
Tensor operator~(const Tensor& x) { return bitwise_not(x); }

Tensor exp(const Tensor& x) { return FloatUnary("exp", lax::exp, x); }
Tensor log(const Tensor& x) { return FloatUnary("log", lax::log, x); }
Tensor log1p(const Tensor& x) { return FloatUnary("log1p", lax::log1p, x); }
Tensor expm1(const Tensor& x) { return FloatUnary("expm1", lax::expm1, x); }
Tensor sin(const Tensor& x) { return FloatUnary("sin", lax::sin, x); }
Tensor cos(const Tensor& x) { return FloatUnary("cos", lax::cos, x); }
Tensor tanh(const Tensor& x) { return FloatUnary("tanh", lax::tanh, x); }
Tensor sqrt(const Tensor& x) { return FloatUnary("sqrt", lax::sqrt, x); }
namespace {
// The roundings leave integers and bools as they are (jnp's: a no-op in their own dtype).
bool IsWhole(const char* op, const Tensor& x) {
  CheckDefined(x, op);
  return x.dtype() == DType::kBool || IsInteger(x.dtype());
}
}  // namespace
Tensor floor(const Tensor& x) { return IsWhole("floor", x) ? x : lax::floor(x); }
Tensor ceil(const Tensor& x) { return IsWhole("ceil", x) ? x : lax::ceil(x); }
Tensor trunc(const Tensor& x) {
  if (IsWhole("trunc", x)) return x;
  const Tensor f = lax::floor(x);
  return where(f < 0.0, ceil(x), f);
}
Tensor round(const Tensor& x, int decimals) {
  if (IsWhole("round", x)) {
    if (decimals < 0) {
      ThrowInvalid("round: decimals < 0 for integers is not supported (as in JAX), got ", decimals,
                   " for ", x.aval().ToString());
    }
    return x;
  }
  if (IsComplex(x.dtype())) {  // each part, as jnp.round and numpy
    return lax::complex(round(lax::real(x), decimals), round(lax::imag(x), decimals));
  }
  // A half float scaled by 10^decimals is computed in f32 and rounded back once (JAX does so
  // for f16: rounding each step to 11 bits would move values across the halves).
  if (decimals != 0 && IsHalfFloat(x.dtype())) {
    return Cast(round(Cast(x, DType::kF32), decimals), x.dtype());
  }
  const double scale = std::pow(10.0, decimals);
  const Tensor v = decimals == 0 ? x : x * scale;
  // lax.round goes away from zero; at an exact half (|v - r| = 1/2, exactly: r and v are within
  // a factor 2, or r is 0) whose result is odd, step back to the even neighbour. |r| with v's
  // sign keeps -0.5 -> -0, as numpy.
  const Tensor r = lax::round(v);
  const Tensor half = abs(v - r) == 0.5;
  const Tensor odd = lax::rem(r, FullLike(r, 2.0)) != 0.0;
  const Tensor even = abs(where(logical_and(half, odd), r - sign(v), r)) * sign(v);
  return decimals == 0 ? even : even / scale;
}
Tensor abs(const Tensor& x) {
  CheckDefined(x, "abs");
  return lax::abs(x);
}

Tensor real(const Tensor& x) {
  CheckDefined(x, "real");
  return IsComplex(x.dtype()) ? lax::real(x) : x;
}
Tensor imag(const Tensor& x) {
  CheckDefined(x, "imag");
  return IsComplex(x.dtype()) ? lax::imag(x) : FullLike(x, 0.0);
}
Tensor conj(const Tensor& x) {
  CheckDefined(x, "conj");
  return IsComplex(x.dtype()) ? lax::conj(x) : x;
}
Tensor angle(const Tensor& x) {
  CheckDefined(x, "angle");
  if (IsComplex(x.dtype())) return lax::atan2(lax::imag(x), lax::real(x));
  const Tensor xf = IsFloating(x.dtype()) ? x : Cast(x, kDefaultFloat);
  return lax::atan2(FullLike(xf, 0.0), xf);
}
Tensor complex(const Tensor& x, const Tensor& y) {
  return Binary("complex", lax::complex, x, y, /*true_division=*/true);
}
Tensor sign(const Tensor& x) {
  CheckDefined(x, "sign");
  return lax::sign(x);
}
Tensor square(const Tensor& x) { return x * x; }
Tensor sigmoid(const Tensor& x) { return 0.5 * tanh(0.5 * x) + 0.5; }
// x <= 0 is false for NaN, so NaN passes through (as JAX's max(x, 0)), and the derivative at
// 0 is that of the constant branch, 0.
Tensor relu(const Tensor& x) { return where(x <= 0.0, 0.0, x); }

Tensor pow(const Tensor& x, const Tensor& y) {
  CheckDefined(x, "pow");
  CheckDefined(y, "pow");
  DType joint = PromoteTypes(x.dtype(), y.dtype());
  if (IsInexact(joint)) return Binary("pow", lax::pow, x, y);
  if (joint == DType::kBool) joint = DType::kI32;  // as JAX's promote_args_numeric
  // JAX's _pow_int_int: acc *= x where bit k of y is set, x squared each step, k < 6.
  const Shape shape = BroadcastShapes("pow", x.aval(), y.aval());
  Tensor base = BroadcastTo(Cast(x, joint), shape), e = BroadcastTo(Cast(y, joint), shape);
  const Tensor zero = FullLike(e, 0.0), one = FullLike(e, 1.0);
  Tensor acc = lax::select(lax::bitwise_and(lax::eq(base, zero), lax::ne(e, zero)), zero, one);
  for (int k = 0; k < 6; ++k) {
    acc = lax::select(lax::ne(lax::bitwise_and(e, one), zero), lax::mul(acc, base), acc);
    base = lax::mul(base, base);
    e = lax::shift_right_logical(e, one);
  }
  return acc;
}
Tensor pow(const Tensor& x, Scalar y) {
  CheckDefined(x, "pow");
  if (y.integral() && std::abs(y.value().to_double()) <= std::numeric_limits<int>::max()) {
    return integer_pow(x.dtype() == DType::kBool ? Cast(x, DType::kI32) : x,
                       static_cast<int>(y.value().integer()));
  }
  return pow(x, WeakScalar(y, x));
}
Tensor pow(Scalar x, const Tensor& y) {
  CheckDefined(y, "pow");
  return pow(WeakScalar(x, y), y);
}
Tensor integer_pow(const Tensor& x, int n) {
  CheckDefined(x, "integer_pow");
  if (n < 0 && !IsInexact(x.dtype())) {
    ThrowInvalid("integer_pow: negative exponent ", n, " of integer ", x.aval().ToString());
  }
  Tensor result, square = x;
  for (unsigned m = n < 0 ? -static_cast<unsigned>(n) : n; m != 0; m >>= 1) {
    if (m & 1u) result = result.defined() ? result * square : square;
    if (m > 1) square = square * square;
  }
  if (!result.defined()) return FullLike(x, 1.0);
  return n < 0 ? 1.0 / result : result;
}
Tensor atan2(const Tensor& y, const Tensor& x) { return Binary("atan2", lax::atan2, y, x, true); }
Tensor fmod(const Tensor& x, const Tensor& y) { return Binary("fmod", lax::rem, x, y); }
Tensor remainder(const Tensor& x, const Tensor& y) {
  const Tensor r = fmod(x, y);
  // A nonzero r of the other sign than y moves by y.
  return where(logical_and(r != 0.0, (r < 0.0) != (y < 0.0)), r + y, r);
}
Tensor nextafter(const Tensor& x, const Tensor& y) {
  return Binary("nextafter", lax::nextafter, x, y, true);
}
Tensor maximum(const Tensor& x, const Tensor& y) { return Binary("maximum", lax::max, x, y); }
Tensor maximum(const Tensor& x, Scalar y) { return BinaryScalar("maximum", lax::max, x, y, false); }
Tensor maximum(Scalar x, const Tensor& y) { return BinaryScalar("maximum", lax::max, y, x, true); }
Tensor minimum(const Tensor& x, const Tensor& y) { return Binary("minimum", lax::min, x, y); }
Tensor minimum(const Tensor& x, Scalar y) { return BinaryScalar("minimum", lax::min, x, y, false); }
Tensor minimum(Scalar x, const Tensor& y) { return BinaryScalar("minimum", lax::min, y, x, true); }

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  CheckDefined(cond, "where");
  CheckDefined(x, "where");
  CheckDefined(y, "where");
  if (cond.dtype() != DType::kBool) {
    ThrowInvalid("where: condition must be bool, got ", cond.aval().ToString());
  }
  Shape shape = BroadcastShapes("where", x.aval(), y.aval());
  shape = BroadcastShapes("where", cond.aval(), ShapedArray{shape, x.dtype()});
  const DType dtype = PromoteTypes(x.dtype(), y.dtype());
  return lax::select(BroadcastTo(cond, shape), BroadcastTo(Cast(x, dtype), shape),
                     BroadcastTo(Cast(y, dtype), shape));
}
Tensor where(const Tensor& cond, const Tensor& x, Scalar y) {
  CheckDefined(x, "where");
  return where(cond, x, WeakScalar(y, x));
}
Tensor where(const Tensor& cond, Scalar x, const Tensor& y) {
  CheckDefined(y, "where");
  return where(cond, WeakScalar(x, y), y);
}

Tensor where(const Tensor& cond, double x, double y) {
  return where(cond, Full(ShapedArray{{}, kDefaultFloat}, x), Full(ShapedArray{{}, kDefaultFloat}, y));
}

Tensor astype(const Tensor& x, DType dtype) {
  CheckDefined(x, "astype");
  return Cast(x, dtype);
}

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, "sum");
  return Reduce("sum", lax::reduce_sum, Cast(x, SumDType(x.dtype())), axes, keepdims);
}

Tensor prod(const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, "prod");
  return Reduce("prod", lax::reduce_prod, Cast(x, SumDType(x.dtype())), axes, keepdims);
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, "mean");
  const std::vector<int64_t> resolved = axes.Resolve(x.ndim(), "mean");
  int64_t count = 1;
  for (int64_t a : resolved) count *= x.shape()[a];
  const Tensor xf = IsInexact(x.dtype()) ? x : Cast(x, kDefaultFloat);
  return sum(xf, resolved, keepdims) / static_cast<double>(count);
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
  return MaxOf("max", x, axes, keepdims);
}

Tensor min(const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, "min");
  return rules::OrderReversed(MaxOf("min", rules::OrderReversed(x), axes, keepdims));
}

Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdims) {
  const Tensor xf = AsFloat("logsumexp", x);
  const std::vector<int64_t> resolved = axes.Resolve(xf.ndim(), "logsumexp");
  const Tensor m = ExpShift(xf, resolved);
  const Tensor out = lax::add(log(sum(exp(xf - m), resolved, /*keepdims=*/true)), m);
  return keepdims ? out : squeeze(out, resolved);
}

Tensor softmax(const Tensor& x, int64_t axis) {
  const Tensor xf = AsFloat("softmax", x);
  const Tensor e = exp(xf - ExpShift(xf, {CanonicalAxis(axis, xf.ndim(), "softmax")}));
  return e / sum(e, axis, /*keepdims=*/true);
}

// (x - m) - log(sum(exp(x - m))): subtracting logsumexp(x) = m + log(...) from x instead
// rounds m + log(...) first, which for x = [1e7, 1e7] in f32 loses the log(2) entirely.
Tensor log_softmax(const Tensor& x, int64_t axis) {
  const Tensor xf = AsFloat("log_softmax", x);
  const Tensor shifted = xf - ExpShift(xf, {CanonicalAxis(axis, xf.ndim(), "log_softmax")});
  return shifted - log(sum(exp(shifted), axis, /*keepdims=*/true));
}

Tensor argmax(const Tensor& x, int64_t axis) {
  CheckDefined(x, "argmax");
  return lax::argmax(x, CanonicalAxis(axis, x.ndim(), "argmax"));
}

Tensor argmin(const Tensor& x, int64_t axis) {
  CheckDefined(x, "argmin");
  return lax::argmax(rules::OrderReversed(x), CanonicalAxis(axis, x.ndim(), "argmin"));
}

Tensor var(const Tensor& x, const Axes& axes, int64_t ddof, bool keepdims) {
  const Tensor xf = AsFloat("var", x);
  const std::vector<int64_t> resolved = axes.Resolve(xf.ndim(), "var");
  int64_t count = 1;
  for (int64_t a : resolved) count *= xf.shape()[a];
  const Tensor centered = xf - mean(xf, resolved, /*keepdims=*/true);
  // |x - mean|^2: real for a complex x, as numpy's.
  const Tensor squared = IsComplex(xf.dtype()) ? real(centered * conj(centered)) : square(centered);
  return sum(squared, resolved, keepdims) / static_cast<double>(count - ddof);
}

Tensor std(const Tensor& x, const Axes& axes, int64_t ddof, bool keepdims) {
  return sqrt(var(x, axes, ddof, keepdims));
}

// Counting the elements that fail (all) or pass (any) the test keeps an empty axis right:
// all of nothing is true, any of nothing false.
Tensor all(const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, "all");
  return sum(Cast(x == 0.0, DType::kI32), axes, keepdims) == 0.0;
}

Tensor any(const Tensor& x, const Axes& axes, bool keepdims) {
  CheckDefined(x, "any");
  return sum(Cast(x != 0.0, DType::kI32), axes, keepdims) > 0.0;
}

Tensor isnan(const Tensor& x) {
  CheckDefined(x, "isnan");
  return IsInexact(x.dtype()) ? lax::ne(x, x) : Full({x.shape(), DType::kBool}, 0.0);
}

Tensor isinf(const Tensor& x) {
  CheckDefined(x, "isinf");
  if (!IsInexact(x.dtype())) return Full({x.shape(), DType::kBool}, 0.0);
  return abs(x) == std::numeric_limits<double>::infinity();
}

Tensor isfinite(const Tensor& x) {
  CheckDefined(x, "isfinite");
  if (!IsInexact(x.dtype())) return Full({x.shape(), DType::kBool}, 1.0);
  return abs(x) < std::numeric_limits<double>::infinity();  // false for nan too
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  CheckDefined(a, "isclose");
  CheckDefined(b, "isclose");
  DType dtype = PromoteTypes(a.dtype(), b.dtype());
  if (!IsInexact(dtype)) dtype = kDefaultFloat;
  const Tensor x = Cast(a, dtype), y = Cast(b, dtype);
  // numpy: the tolerance for finite pairs; infinities only close to themselves.
  const Tensor within = abs(x - y) <= atol + rtol * abs(y);
  Tensor out = where(logical_and(isfinite(x), isfinite(y)), within, x == y);
  if (equal_nan) out = logical_or(out, logical_and(isnan(x), isnan(y)));
  return out;
}

Tensor allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all(isclose(a, b, rtol, atol, equal_nan));
}

Tensor nan_to_num(const Tensor& x, double nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  CheckDefined(x, "nan_to_num");
  if (IsComplex(x.dtype())) {  // each part, as numpy
    return lax::complex(nan_to_num(lax::real(x), nan, posinf, neginf),
                        nan_to_num(lax::imag(x), nan, posinf, neginf));
  }
  if (!IsFloating(x.dtype())) return x;
  const double largest = finfo(x.dtype()).max;
  const double inf = std::numeric_limits<double>::infinity();
  Tensor out = where(isnan(x), nan, x);
  out = where(x == inf, posinf.value_or(largest), out);
  return where(x == -inf, neginf.value_or(-largest), out);
}

Tensor clamp(const Tensor& lo, const Tensor& x, const Tensor& hi) {
  CheckDefined(lo, "clamp");
  CheckDefined(x, "clamp");
  CheckDefined(hi, "clamp");
  const Tensor value = lax::stop_gradient(minimum(maximum(x, lo), hi));
  const Tensor inside = logical_and(x > lo, x < hi);
  const Tensor lo_wins = logical_and(lo > x, lo < hi), hi_wins = hi < x;
  return where(inside, x, where(lo_wins, lo, where(hi_wins, hi, value)));
}

Tensor clip(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  CheckDefined(x, "clip");
  Tensor out = x;
  if (lo) out = maximum(out, *lo);
  if (hi) out = minimum(out, *hi);
  return out;
}

Tensor matmul(const Tensor& x, const Tensor& y, std::optional<DType> preferred_element_type) {
  CheckDefined(x, "matmul");
  CheckDefined(y, "matmul");
  const auto fail = [&] {
    ThrowInvalid("matmul: incompatible shapes ", x.aval().ToString(), " and ", y.aval().ToString());
  };
  if (x.ndim() == 0 || y.ndim() == 0) {
    ThrowInvalid("matmul: operands must have at least one axis, got ", x.aval().ToString(), " and ",
                 y.aval().ToString());
  }
  const DType dtype = PromoteTypes(x.dtype(), y.dtype());
  // Vectors become matrices [1,K] and [K,1]; the added axis is dropped at the end.
  Tensor a = x.ndim() == 1 ? lax::reshape(x, {1, x.shape()[0]}) : x;
  Tensor b = y.ndim() == 1 ? lax::reshape(y, {y.shape()[0], 1}) : y;
  const int64_t k = a.shape().back();
  if (b.shape()[b.ndim() - 2] != k) fail();
  // Broadcast the batch axes.
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  const Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch;
  try {
    batch = BroadcastShapes("matmul", ShapedArray{a_batch, dtype}, ShapedArray{b_batch, dtype});
  } catch (const Error&) {
    fail();
  }
  const auto with_batch = [&](const Tensor& t) {
    Shape s = batch;
    s.push_back(t.shape()[t.ndim() - 2]);
    s.push_back(t.shape()[t.ndim() - 1]);
    return BroadcastTo(Cast(t, dtype), s);
  };
  a = with_batch(a);
  b = with_batch(b);
  const int64_t nb = static_cast<int64_t>(batch.size());
  DotDims dims;
  for (int64_t i = 0; i < nb; ++i) {
    dims.lhs_batch.push_back(i);
    dims.rhs_batch.push_back(i);
  }
  dims.lhs_contracting = {nb + 1};
  dims.rhs_contracting = {nb};
  Tensor out = lax::dot_general(a, b, dims, preferred_element_type);  // batch..., M, N
  Shape shape = batch;
  if (x.ndim() > 1) shape.push_back(x.shape()[x.ndim() - 2]);
  if (y.ndim() > 1) shape.push_back(y.shape().back());
  return lax::reshape(out, shape);
}

Tensor dot(const Tensor& x, const Tensor& y, std::optional<DType> preferred_element_type) {
  CheckDefined(x, "dot");
  CheckDefined(y, "dot");
  if (x.ndim() == 0 || y.ndim() == 0) {
    return preferred_element_type
               ? astype(x, *preferred_element_type) * astype(y, *preferred_element_type)
               : x * y;
  }
  const int64_t y_axis = y.ndim() == 1 ? 0 : y.ndim() - 2;
  if (x.shape().back() != y.shape()[y_axis]) {
    ThrowInvalid("dot: incompatible shapes ", x.aval().ToString(), " and ", y.aval().ToString());
  }
  const DType dtype = PromoteTypes(x.dtype(), y.dtype());
  DotDims dims;
  dims.lhs_contracting = {x.ndim() - 1};
  dims.rhs_contracting = {y_axis};
  return lax::dot_general(Cast(x, dtype), Cast(y, dtype), dims, preferred_element_type);
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  CheckDefined(x, "reshape");
  Shape out = shape;
  int64_t inferred = -1;
  std::optional<int64_t> known = 1;  // nullopt once the product passes int64: no x has that
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1 && inferred < 0) {
      inferred = static_cast<int64_t>(i);
    } else if (out[i] < 0) {
      ThrowInvalid("reshape: invalid new shape ", ShapeToString(shape), " for ",
                   x.aval().ToString());
    } else if (known) {
      known = CheckedMul(*known, out[i]);
    }
  }
  if (inferred >= 0) {
    if (!known || *known == 0 || x.size() % *known != 0) {
      ThrowInvalid("reshape: cannot reshape ", x.aval().ToString(), " to ", ShapeToString(shape));
    }
    out[inferred] = x.size() / *known;
  }
  return lax::reshape(x, out);
}

Tensor transpose(const Tensor& x) {
  CheckDefined(x, "transpose");
  std::vector<int64_t> perm(x.ndim());
  for (int64_t i = 0; i < x.ndim(); ++i) perm[i] = x.ndim() - 1 - i;
  return lax::transpose(x, perm);
}

Tensor transpose(const Tensor& x, const std::vector<int64_t>& axes) {
  CheckDefined(x, "transpose");
  if (static_cast<int64_t>(axes.size()) != x.ndim()) {
    ThrowInvalid("transpose: ", ShapeToString(axes), " is not a permutation of the axes of ",
                 x.aval().ToString());
  }
  std::vector<int64_t> perm;
  for (int64_t a : axes) perm.push_back(CanonicalAxis(a, x.ndim(), "transpose"));
  return lax::transpose(x, perm);
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  return BroadcastShapes("broadcast_shapes", ShapedArray{a, DType::kF32}, ShapedArray{b, DType::kF32});
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  CheckDefined(x, "broadcast_to");
  CheckShape("broadcast_to", ShapedArray{shape, x.dtype()});
  // Right-aligned, each axis of x must be 1 or equal to the target's.
  const int64_t lead = static_cast<int64_t>(shape.size()) - x.ndim();
  bool ok = lead >= 0;
  for (int64_t i = 0; ok && i < x.ndim(); ++i) {
    ok = x.shape()[i] == 1 || x.shape()[i] == shape[lead + i];
  }
  if (!ok) {
    ThrowInvalid("broadcast_to: cannot broadcast ", x.aval().ToString(), " to ",
                 ShapeToString(shape));
  }
  return BroadcastTo(x, shape);
}

Tensor squeeze(const Tensor& x, const Axes& axes) {
  CheckDefined(x, "squeeze");
  const std::vector<int64_t> listed = axes.Resolve(x.ndim(), "squeeze");
  Shape out;
  for (int64_t i = 0; i < x.ndim(); ++i) {
    const int64_t d = x.shape()[i];
    if (!std::binary_search(listed.begin(), listed.end(), i) || (axes.all() && d != 1)) {
      out.push_back(d);
    } else if (d != 1) {
      ThrowInvalid("squeeze: axis ", i, " of ", x.aval().ToString(), " has size ", d, ", not 1");
    }
  }
  return lax::reshape(x, out);
}

Tensor expand_dims(const Tensor& x, int64_t axis) {
  CheckDefined(x, "expand_dims");
  const int64_t a = CanonicalAxis(axis, x.ndim() + 1, "expand_dims");
  Shape out = x.shape();
  out.insert(out.begin() + a, 1);
  return lax::reshape(x, out);
}

Tensor stack(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) ThrowInvalid("stack: need at least one tensor");
  for (const Tensor& x : xs) {
    CheckDefined(x, "stack");
    if (x.shape() != xs[0].shape()) {
      ThrowInvalid("stack: shapes differ: ", xs[0].aval().ToString(), " and ",
                   x.aval().ToString());
    }
  }
  const int64_t a = CanonicalAxis(axis, xs[0].ndim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (const Tensor& x : xs) expanded.push_back(expand_dims(x, a));
  return concatenate(expanded, a);
}

Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis) {
  if (xs.empty()) ThrowInvalid("concatenate: need at least one tensor");
  DType dtype = xs[0].dtype();
  for (const Tensor& x : xs) {
    CheckDefined(x, "concatenate");
    if (x.ndim() == 0) ThrowInvalid("concatenate: cannot concatenate scalars; use stack");
    dtype = PromoteTypes(dtype, x.dtype());
  }
  // Checked before the one-operand shortcut, which once returned x for any axis at all.
  const int64_t a = CanonicalAxis(axis, xs[0].ndim(), "concatenate");
  std::vector<Tensor> cast;
  for (const Tensor& x : xs) cast.push_back(Cast(x, dtype));
  if (cast.size() == 1) return cast[0];
  return lax::concatenate(cast, a);
}

Tensor slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& limit,
             const std::vector<int64_t>& strides) {
  CheckDefined(x, "slice");
  return lax::slice(x, start, limit, strides);
}

Tensor index(const Tensor& x, int64_t i) { return x[i]; }

Tensor one_hot(const Tensor& labels, int64_t num_classes, DType dtype) {
  CheckDefined(labels, "one_hot");
  if (!IsInteger(labels.dtype())) {
    ThrowInvalid("one_hot: labels must be integers, got ", labels.aval().ToString());
  }
  if (num_classes < 0) ThrowInvalid("one_hot: negative num_classes ", num_classes);
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  std::vector<int64_t> label_dims(labels.ndim());
  for (int64_t i = 0; i < labels.ndim(); ++i) label_dims[i] = i;
  const Tensor classes =
      lax::broadcast_in_dim(arange(num_classes), shape, {static_cast<int64_t>(shape.size()) - 1});
  const DType common = PromoteTypes(labels.dtype(), DType::kI32);  // u8 and u32 labels too
  return Cast(lax::eq(Cast(lax::broadcast_in_dim(labels, shape, label_dims), common),
                      Cast(classes, common)),
              dtype);
}

}  // namespace cotangent
