// File: backends/cpu/elementwise_ops.h
// Op<prim>: the math of each unary, binary and compare primitive on storage types (XLA/JAX CPU
// semantics, no undefined behaviour), one scalar function per primitive, on the dtypes its row
// of core/primitives.def accepts. It is all a new such row needs on the CPU: the kernels of
// kernels_elementwise.cc are generated from the rows and run it (a row without its Op does not
// compile there), and the SIMD kernels of simd_elementwise.cc are tested against it
// (tests/backends/cpu_simd_test.cc).

#ifndef COTANGENT_BACKENDS_CPU_ELEMENTWISE_OPS_H_
#define COTANGENT_BACKENDS_CPU_ELEMENTWISE_OPS_H_

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "backends/cpu/special_math.h"
#include "core/dtype.h"
#include "core/primitive.h"

namespace cotangent::cpu {

// The dtype stored as T. uint8_t stores both bool (0 or 1) and u8; kernels treat the two alike
// (a bool never holds more than 0 or 1, and abstract evaluation keeps arithmetic off bool),
// except conversion to bool, which the convert kernels take from the result dtype.
template <typename T>
constexpr DType kStorageDType = std::is_same_v<T, uint8_t>    ? DType::kU8
                                : std::is_same_v<T, uint32_t> ? DType::kU32
                                : std::is_same_v<T, int32_t>  ? DType::kI32
                                : std::is_same_v<T, int64_t>  ? DType::kI64
                                : std::is_same_v<T, float>    ? DType::kF32
                                                              : DType::kF64;

// Whether Op<prim> is defined on storage type T: the dtypes column of prim's row (abstract
// evaluation rejected the others, so kernels are only instantiated for these), never f16 or
// bf16 (computed in f32: core/eval.h RunEquation).
template <Primitive prim, typename T>
constexpr bool kAccepts =
    !kIsHalfStorage<T> && !kIsComplexStorage<T> &&
    (InClass(kStorageDType<T>, OperandDType(prim, 0)) ||
     (std::is_same_v<T, uint8_t> && InClass(DType::kBool, OperandDType(prim, 0))));

// Integer storage types (not bool's uint8_t on its own: u8 is integer too, and bool never
// reaches the arithmetic below).
template <typename T>
constexpr bool kIsInt = std::is_integral_v<T>;

// Integer arithmetic wraps modulo 2^bits (as XLA); done in the unsigned type of the same width,
// whose overflow is defined (u8 operands promote to int, which cannot overflow for +, -, *).
template <typename T, typename F>
T Wrapped(T x, T y, F f) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(f(static_cast<U>(x), static_cast<U>(y))));
}
template <typename T>
T WrappedNeg(T x) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(U{0} - static_cast<U>(x)));
}

// The math of each elementwise primitive. T is the storage type (uint8_t for bool).
template <Primitive prim>
struct Op;

// --- Unary -----------------------------------------------------------------------------------

template <>
struct Op<Primitive::kNeg> {
  template <typename T>
  T operator()(T x) const {
    if constexpr (kIsInt<T>)
      return WrappedNeg(x);
    else
      return -x;
  }
};
// sign(x) = -1, 0 or 1 (0 or 1 unsigned); floats keep the zero's sign and NaN.
template <>
struct Op<Primitive::kSign> {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x != 0 ? T{1} : T{0};
    else
      return x > 0 ? T{1} : x < 0 ? T{-1} : x;
  }
};
// abs of the most negative integer wraps to itself; unsigned abs is the identity.
template <>
struct Op<Primitive::kAbs> {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else if constexpr (kIsInt<T>)
      return x < 0 ? WrappedNeg(x) : x;
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

template <>
struct Op<Primitive::kErfInv> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(ErfInv(x));
  }
};
// lgamma_r: std::lgamma writes the global signgam, a data race between kernel threads.
template <>
struct Op<Primitive::kLgamma> {
  template <typename T>
  T operator()(T x) const {
    int sign;
    if constexpr (std::is_same_v<T, float>) {
      return ::lgammaf_r(x, &sign);
    } else {
      return ::lgamma_r(x, &sign);
    }
  }
};
template <>
struct Op<Primitive::kBesselI0e> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(BesselI0e(x));
  }
};
template <>
struct Op<Primitive::kBesselI1e> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(BesselI1e(x));
  }
};
template <>
struct Op<Primitive::kDigamma> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(Digamma(x));
  }
};

// ~x on integers; bool's logical not is OpOn<kNot, kBool> below (one storage type with u8).
template <>
struct Op<Primitive::kNot> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(~x);
  }
};
template <>
struct Op<Primitive::kPopulationCount> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(std::popcount(static_cast<std::make_unsigned_t<T>>(x)));
  }
};
template <>
struct Op<Primitive::kClz> {
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(std::countl_zero(static_cast<std::make_unsigned_t<T>>(x)));
  }
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
    if constexpr (kIsInt<T>)
      return Wrapped(x, y, [](auto a, auto b) { return a + b; });
    else
      return x + y;
  }
};
template <>
struct Op<Primitive::kSub> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsInt<T>)
      return Wrapped(x, y, [](auto a, auto b) { return a - b; });
    else
      return x - y;
  }
};
template <>
struct Op<Primitive::kMul> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsInt<T>)
      return Wrapped(x, y, [](auto a, auto b) { return a * b; });
    else
      return x * y;
  }
};
// Integer division truncates toward zero; as XLA defines, x / 0 has every bit set (-1, or the
// unsigned maximum) and INT_MIN / -1 = INT_MIN (the two cases C++ leaves undefined).
template <>
struct Op<Primitive::kDiv> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsInt<T>) {
      if (y == 0) return static_cast<T>(~std::make_unsigned_t<T>{0});
      if constexpr (std::is_signed_v<T>) {
        if (y == -1) return WrappedNeg(x);
      }
      return static_cast<T>(x / y);
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
// fmod for floats (exact); integers as C's %, with XLA's x rem 0 = x and INT_MIN rem -1 = 0
// (the cases C++ leaves undefined).
template <>
struct Op<Primitive::kRem> {
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsInt<T>) {
      if (y == 0) return x;
      if constexpr (std::is_signed_v<T>) {
        if (y == -1) return 0;
      }
      return static_cast<T>(x % y);
    } else {
      return std::fmod(x, y);
    }
  }
};
template <>
struct Op<Primitive::kZeta> {
  template <typename T>
  T operator()(T s, T q) const {
    return static_cast<T>(Zeta(s, q));
  }
};
template <>
struct Op<Primitive::kIgamma> {
  template <typename T>
  T operator()(T a, T x) const {
    return static_cast<T>(Igamma(a, x));
  }
};
template <>
struct Op<Primitive::kIgammac> {
  template <typename T>
  T operator()(T a, T x) const {
    return static_cast<T>(Igammac(a, x));
  }
};
template <>
struct Op<Primitive::kIgammaGradA> {
  template <typename T>
  T operator()(T a, T x) const {
    return static_cast<T>(IgammaGradA(a, x));
  }
};
template <>
struct Op<Primitive::kRandomGammaGrad> {
  template <typename T>
  T operator()(T a, T x) const {
    return static_cast<T>(RandomGammaGrad(a, x));
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
// Bitwise on integers, and so logical on bool's 0 and 1.
template <>
struct Op<Primitive::kAnd> {
  template <typename T>
  T operator()(T x, T y) const {
    return static_cast<T>(x & y);
  }
};
template <>
struct Op<Primitive::kOr> {
  template <typename T>
  T operator()(T x, T y) const {
    return static_cast<T>(x | y);
  }
};
template <>
struct Op<Primitive::kXor> {
  template <typename T>
  T operator()(T x, T y) const {
    return static_cast<T>(x ^ y);
  }
};

// Shifts as XLA's: the amount y read as unsigned, so a negative one or one of at least the
// width shifts every bit out (C++ leaves those undefined). Left and logical right shifts move
// the unsigned bits; the arithmetic right shift moves the signed ones (an unsigned x too: its
// top bit is the sign here, as XLA's).
template <typename T>
bool ShiftsOut(T y) {
  return static_cast<std::make_unsigned_t<T>>(y) >= 8 * sizeof(T);
}
template <>
struct Op<Primitive::kShiftLeft> {
  template <typename T>
  T operator()(T x, T y) const {
    using U = std::make_unsigned_t<T>;
    return ShiftsOut(y) ? T{0} : static_cast<T>(static_cast<U>(static_cast<U>(x) << y));
  }
};
template <>
struct Op<Primitive::kShiftRightLogical> {
  template <typename T>
  T operator()(T x, T y) const {
    using U = std::make_unsigned_t<T>;
    return ShiftsOut(y) ? T{0} : static_cast<T>(static_cast<U>(x) >> y);
  }
};
template <>
struct Op<Primitive::kShiftRightArithmetic> {
  template <typename T>
  T operator()(T x, T y) const {
    using S = std::make_signed_t<T>;
    const S s = static_cast<S>(x);
    return static_cast<T>(ShiftsOut(y) ? (s < 0 ? S{-1} : S{0}) : static_cast<S>(s >> y));
  }
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

// --- Per dtype --------------------------------------------------------------------------------

// The math of prim on dtype: Op<prim>, except where bool and u8, which share the storage type
// uint8_t, differ: bitwise not is x ^ 1 on bool's 0 and 1. Kernels call this one.
template <Primitive prim, DType dtype>
struct OpOn : Op<prim> {};
template <>
struct OpOn<Primitive::kNot, DType::kBool> {
  uint8_t operator()(uint8_t x) const { return x ^ 1u; }
};

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_ELEMENTWISE_OPS_H_
