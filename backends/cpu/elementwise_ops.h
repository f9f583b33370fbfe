// File: backends/cpu/elementwise_ops.h
// Op<prim>: the math of each unary, binary and compare primitive on storage types (XLA/JAX CPU
// semantics, no undefined behaviour), one scalar function per primitive, on the dtypes its row
// of core/primitives.def accepts. It is all a new such row needs on the CPU: the kernels of
// kernels_elementwise.cc are generated from the rows and run it (a row without its Op does not
// compile there), and the SIMD kernels of simd_elementwise.cc are tested against it
// (tests/backends/cpu_simd_test.cc).

#ifndef COTANGENT_BACKENDS_CPU_ELEMENTWISE_OPS_H_
#define COTANGENT_BACKENDS_CPU_ELEMENTWISE_OPS_H_

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/dtype.h"
#include "core/primitive.h"

namespace cotangent::cpu {

// The dtype stored as T (bool is one byte).
template <typename T>
constexpr DType kStorageDType = std::is_same_v<T, uint8_t>  ? DType::kBool
                                : std::is_same_v<T, int32_t> ? DType::kI32
                                : std::is_same_v<T, float>   ? DType::kF32
                                                             : DType::kF64;

// Whether Op<prim> is defined on storage type T: the dtypes column of prim's row (abstract
// evaluation rejected the others, so kernels are only instantiated for these).
template <Primitive prim, typename T>
constexpr bool kAccepts = InClass(kStorageDType<T>, OperandDType(prim, 0));

template <typename T>
constexpr bool kIsI32 = std::is_same_v<T, int32_t>;

// i32 arithmetic wraps modulo 2^32 (as XLA); done in uint32_t, whose overflow is defined.
inline int32_t Wrap(uint32_t x) { return static_cast<int32_t>(x); }

// The math of each elementwise primitive. T is the storage type (uint8_t for bool).
template <Primitive prim>
struct Op;

// --- Unary -----------------------------------------------------------------------------------

template <>
struct Op<Primitive::kNeg> {
  template <typename T>
  T operator()(T x) const {
    if constexpr (kIsI32<T>)
      return Wrap(0u - static_cast<uint32_t>(x));
    else
      return -x;
  }
};
// sign(x) = -1, 0 or 1; floats keep the zero's sign and NaN.
template <>
struct Op<Primitive::kSign> {
  template <typename T>
  T operator()(T x) const {
    return x > 0 ? T{1} : x < 0 ? T{-1} : x;
  }
};
// abs(INT32_MIN) wraps to INT32_MIN.
template <>
struct Op<Primitive::kAbs> {
  template <typename T>
  T operator()(T x) const {
    if constexpr (kIsI32<T>)
      return x < 0 ? Wrap(0u - static_cast<uint32_t>(x)) : x;
    else
      return std::fabs(x);
  }
};

// Floating unary functions of <cmath>, overloaded for float and double.
#define COTANGENT_CMATH_OP(prim, fn)                     \
  template <>                                            \
  struct Op<Primitive::prim> {                           \
    template <typename T>                                \
    T operator()(T x) const {                            \
      return fn(x);                                      \
    }                                                    \
  };
COTANGENT_CMATH_OP(kExp, std::exp)
COTANGENT_CMATH_OP(kLog, std::log)
COTANGENT_CMATH_OP(kLog1p, std::log1p)
COTANGENT_CMATH_OP(kExpm1, std::expm1)
COTANGENT_CMATH_OP(kSin, std::sin)
COTANGENT_CMATH_OP(kCos, std::cos)
COTANGENT_CMATH_OP(kTanh, std::tanh)
COTANGENT_CMATH_OP(kSqrt, std::sqrt)
COTANGENT_CMATH_OP(kFloor, std::floor)
COTANGENT_CMATH_OP(kCeil, std::ceil)
COTANGENT_CMATH_OP(kRound, std::round)  // half-way cases away from zero
COTANGENT_CMATH_OP(kErf, std::erf)
COTANGENT_CMATH_OP(kErfc, std::erfc)
#undef COTANGENT_CMATH_OP

// erf_inv in double (then rounded to T). A first guess, refined by two Halley steps on
// f(x) = erf(x) - |y|, or (1 - |y|) - erfc(x) above |y| = 1/2 (1 - |y| is exact there, and
// erfc keeps its relative accuracy where erf(x) is all but 1). Halley's step for this f is
// x -= r / (1 + x r) with r = f / f', f' = 2/sqrt(pi) exp(-x^2). The guess: Giles's
// single-precision polynomials in w = -log(1 - y^2) (relative error about 4e-7) for w < 16,
// every f32 input; beyond, for f64 inputs within 1e-7 of +-1, the asymptotic expansion
// erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (1 - 1/(2 x^2)) solved for x by two fixed-point steps
// (error about 1e-4, which the Halley steps make about 1e-36).
inline double ErfInvGuess(double ay) {
  double w = -std::log((1.0 - ay) * (1.0 + ay));
  if (w < 5.0) {
    w -= 2.5;
    double p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                     -0.00125372503, -0.00417768164, 0.246640727, 1.50140941}) {
      p = c + p * w;
    }
    return p * ay;
  }
  if (w < 16.0) {
    w = std::sqrt(w) - 3.0;
    double p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                     -0.0076224613, 0.00943887047, 1.00167406, 2.83297682}) {
      p = c + p * w;
    }
    return p * ay;
  }
  const double l = -std::log(1.0 - ay);
  double x = std::sqrt(l);
  for (int i = 0; i < 2; ++i) {
    x = std::sqrt(l - std::log(1.7724538509055159 * x) + std::log1p(-0.5 / (x * x)));
  }
  return x;
}
inline double ErfInv(double y) {
  const double ay = std::abs(y);
  if (!(ay < 1)) return ay == 1 ? y * HUGE_VAL : NAN;
  double x = ErfInvGuess(ay);
  for (int i = 0; i < 2; ++i) {
    const double f = ay <= 0.5 ? std::erf(x) - ay : (1.0 - ay) - std::erfc(x);
    const double r = f / (1.1283791670955126 * std::exp(-x * x));
    x -= r / (1.0 + x * r);
  }
  return std::copysign(x, y);
}
template <>
struct Op<Primitive::kErfInv> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(ErfInv(x));
  }
};

template <>
struct Op<Primitive::kLogicalNot> {
  uint8_t operator()(uint8_t x) const { return x == 0; }
};
// The identity: eval returns the operand; a kernel runs only where a dense copy is wanted.
template <>
struct Op<Primitive::kStopGradient> {
  template <typename T>
  T operator()(T x) const {
    return x;
  }
};

// --- Binary ----------------------------------------------------------------------------------

template <>
struct Op<Primitive::kAdd> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>)
      return Wrap(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
    else
      return x + y;
  }
};
template <>
struct Op<Primitive::kSub> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>)
      return Wrap(static_cast<uint32_t>(x) - static_cast<uint32_t>(y));
    else
      return x - y;
  }
};
template <>
struct Op<Primitive::kMul> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>)
      return Wrap(static_cast<uint32_t>(x) * static_cast<uint32_t>(y));
    else
      return x * y;
  }
};
// Integer division truncates toward zero; as XLA defines, x / 0 = -1 and INT32_MIN / -1 =
// INT32_MIN (the two cases C++ leaves undefined).
template <>
struct Op<Primitive::kDiv> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>) {
      if (y == 0) return -1;
      if (y == -1) return Wrap(0u - static_cast<uint32_t>(x));
      return x / y;
    } else {
      return x / y;
    }
  }
};
template <>
struct Op<Primitive::kPow> {
  template <typename T>
  T operator()(T x, T y) const {
    return std::pow(x, y);
  }
};
template <>
struct Op<Primitive::kAtan2> {
  template <typename T>
  T operator()(T x, T y) const {
    return std::atan2(x, y);
  }
};
// fmod for floats (exact); i32 as C's %, with XLA's x rem 0 = x and INT32_MIN rem -1 = 0 (the
// cases C++ leaves undefined).
template <>
struct Op<Primitive::kRem> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>) {
      if (y == 0) return x;
      if (y == -1) return 0;
      return x % y;
    } else {
      return std::fmod(x, y);
    }
  }
};
template <>
struct Op<Primitive::kNextafter> {
  template <typename T>
  T operator()(T x, T y) const {
    return std::nextafter(x, y);
  }
};
// max/min return NaN when either operand is NaN (x != x only for NaN).
template <>
struct Op<Primitive::kMax> {
  template <typename T>
  T operator()(T x, T y) const {
    return (x > y || x != x) ? x : y;
  }
};
template <>
struct Op<Primitive::kMin> {
  template <typename T>
  T operator()(T x, T y) const {
    return (x < y || x != x) ? x : y;
  }
};
template <>
struct Op<Primitive::kLogicalAnd> {
  uint8_t operator()(uint8_t x, uint8_t y) const { return (x != 0) & (y != 0); }
};
template <>
struct Op<Primitive::kLogicalOr> {
  uint8_t operator()(uint8_t x, uint8_t y) const { return (x != 0) | (y != 0); }
};

// --- Compare: any dtype, bool result (NaN compares unequal to everything) ---------------------

#define COTANGENT_COMPARE_OP(prim, op)                 \
  template <>                                          \
  struct Op<Primitive::prim> {                         \
    template <typename T>                              \
    uint8_t operator()(T x, T y) const {               \
      return x op y;                                   \
    }                                                  \
  };
COTANGENT_COMPARE_OP(kEq, ==)
COTANGENT_COMPARE_OP(kNe, !=)
COTANGENT_COMPARE_OP(kLt, <)
COTANGENT_COMPARE_OP(kLe, <=)
COTANGENT_COMPARE_OP(kGt, >)
COTANGENT_COMPARE_OP(kGe, >=)
#undef COTANGENT_COMPARE_OP

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_ELEMENTWISE_OPS_H_
