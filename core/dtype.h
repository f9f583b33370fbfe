// File: core/dtype.h
// The element types of Cotangent arrays and the one type-promotion lattice shared by every op.
// Start with DType and PromoteTypes; docs/errors.md and docs/architecture.md describe the rules.

#ifndef COTANGENT_CORE_DTYPE_H_
#define COTANGENT_CORE_DTYPE_H_

#include <bit>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

namespace cotangent {

// Element type of an array: bool, unsigned and signed integers, floats. Promotion is JAX's
// lattice (PromoteTypes), not this order. f16 (IEEE binary16) and bf16 (bfloat16) are stored in
// 16 bits and computed in f32, as XLA's CPU and GPU compilers do (core/eval.cc RunEquation).
// c64 and c128 (complex64, complex128) are pairs (real, imaginary) of f32 or f64, stored as
// std::complex and computed as pairs of real arrays (core/complex_eval.h), so that no backend
// kernel sees them. float0 is JAX's tangent type of integer and bool values: zero bytes per
// element, no values, operand of no primitive (only made as zeros, core/constants.h Filled,
// and inspected).
enum class DType : uint8_t {
  kBool,
  kU8,
  kU32,
  kI32,
  kI64,
  kF16,
  kBF16,
  kF32,
  kF64,
  kC64,
  kC128,
  kFloat0
};
inline constexpr int kNumDTypes = 12;

inline constexpr DType bool_ = DType::kBool;
inline constexpr DType u8 = DType::kU8;
inline constexpr DType u32 = DType::kU32;
inline constexpr DType i32 = DType::kI32;
inline constexpr DType i64 = DType::kI64;
inline constexpr DType f16 = DType::kF16;
inline constexpr DType bf16 = DType::kBF16;
inline constexpr DType f32 = DType::kF32;
inline constexpr DType f64 = DType::kF64;
inline constexpr DType c64 = DType::kC64;
inline constexpr DType c128 = DType::kC128;
inline constexpr DType float0 = DType::kFloat0;

// The dtype of floating literals and of tensors built from doubles without a dtype, as in JAX.
inline constexpr DType kDefaultFloat = DType::kF32;

// Short name used in messages and printing: "bool", "u8", "u32", "i32", "i64", "f16", "bf16",
// "f32", "f64", "c64", "c128", "float0".
const char* DTypeName(DType dtype);

// Bytes per element (bool is stored as one byte, float0 in none).
int64_t DTypeSize(DType dtype);

// f16 or bf16: a float stored in 16 bits whose arithmetic runs in f32.
constexpr bool IsHalfFloat(DType dtype) { return dtype == DType::kF16 || dtype == DType::kBF16; }
constexpr bool IsFloating(DType dtype) {
  return IsHalfFloat(dtype) || dtype == DType::kF32 || dtype == DType::kF64;
}
constexpr bool IsComplex(DType dtype) { return dtype == DType::kC64 || dtype == DType::kC128; }
// Floating or complex: the dtypes with tangents of their own (JAX's inexact).
constexpr bool IsInexact(DType dtype) { return IsFloating(dtype) || IsComplex(dtype); }
// The dtype of a complex dtype's parts (c64 -> f32, c128 -> f64), and of a real dtype itself.
constexpr DType RealPart(DType dtype) {
  return dtype == DType::kC64 ? DType::kF32 : dtype == DType::kC128 ? DType::kF64 : dtype;
}
// The complex dtype with parts of a floating dtype (f64 -> c128; f16, bf16, f32 -> c64).
constexpr DType ComplexOf(DType dtype) {
  return dtype == DType::kF64 || dtype == DType::kC128 ? DType::kC128 : DType::kC64;
}
constexpr bool IsUnsigned(DType dtype) { return dtype == DType::kU8 || dtype == DType::kU32; }
constexpr bool IsSignedInteger(DType dtype) { return dtype == DType::kI32 || dtype == DType::kI64; }
constexpr bool IsInteger(DType dtype) { return IsUnsigned(dtype) || IsSignedInteger(dtype); }

// jnp.finfo of a floating dtype: eps (the gap from 1 to the next value), the largest finite
// value, the smallest normal one (tiny) and the fraction bits (mantissa, without the implicit
// one). Of a complex dtype, its parts'; of any other dtype, f32's.
struct FloatInfo {
  double eps, max, tiny;
  int fraction_bits;
};
FloatInfo finfo(DType dtype);

// Binary promotion of two tensors: their least upper bound in JAX's lattice (x64 enabled)
// restricted to our dtypes: bool below everything; u8 < u32 and i32 < i64 by width; an unsigned
// with a signed type gives the narrowest signed type holding both (u8, i32 -> i32; u32, i32 ->
// i64); any integer with a float gives the float (i64, f16 -> f16, as JAX and unlike numpy);
// f16 and bf16 are each below f32 and f16, bf16 -> f32; every real dtype is below c64 but f64,
// and f64 with c64 gives c128.
DType PromoteTypes(DType a, DType b);

// The dtype jnp.sum, cumsum and cumprod accumulate in (JAX's promote_integers, with i32 the
// default integer): bool -> i32, u8 -> u32 (narrower integers widen to the default integer's
// width, keeping their signedness); every other dtype is kept.
constexpr DType SumDType(DType dtype) {
  return dtype == DType::kBool ? DType::kI32 : dtype == DType::kU8 ? DType::kU32 : dtype;
}

// One element's value, exact in every real dtype: a double holds every value of bool, u8, u32,
// i32, f16, bf16, f32 and f64, and an integer one is kept as its integer, so an i64 past 2^53
// (which no double holds) stays exact. Literals, fill values and library constants carry it.
// Implicit from a C++ number, as the literal it stands for: Number(2) is the integer 2,
// Number(2.0) the double; Number::In(dtype) gives the one form of a value in a dtype.
class Number {
 public:
  constexpr Number(double value = 0) : float_(value) {}  // NOLINT
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  constexpr Number(I value) {  // NOLINT
    if constexpr (std::is_unsigned_v<I> && sizeof(I) == sizeof(int64_t)) {
      if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        float_ = static_cast<double>(value);  // past every integer dtype: only floats hold it
        return;
      }
    }
    integer_ = static_cast<int64_t>(value);
    is_integer_ = true;
  }
  bool is_integer() const { return is_integer_; }
  int64_t integer() const { return integer_; }  // when is_integer()
  double to_double() const { return is_integer_ ? static_cast<double>(integer_) : float_; }
  // The value as an element of dtype holds it (converted as ConvertValue does): an integer for
  // an integer dtype or bool, a double for the others (0.1 in f32 is 0.100000001490116...,
  // 2.5 in i32 is 2). Values equal in a dtype have one form there.
  Number In(DType dtype) const;
  // Same form, same bits: -0.0 is not 0.0, and a NaN is itself (program literals compare so).
  bool Identical(const Number& o) const {
    return is_integer_ == o.is_integer_ && bits() == o.bits();
  }
  uint64_t bits() const {
    return is_integer_ ? static_cast<uint64_t>(integer_) : std::bit_cast<uint64_t>(float_);
  }
  std::string ToString() const;  // "3", "-9223372036854775808", "0.1" (absl::StrCat's digits)

 private:
  double float_ = 0;
  int64_t integer_ = 0;
  bool is_integer_ = false;
};

// A C++ number as an operand of tensor arithmetic (x + 1, 2.0 * x, x < 3, z * 1i), weakly typed
// as JAX's Python scalars: an integral value (1, 2u, int64_t{3}) is a weak int, a floating one
// (1.0, 0.5f) a weak float, a std::complex (1i with std::complex_literals, std::polar(1.0, t))
// a weak complex. Its real part is a Number (an integer stays exact); the imaginary part of a
// complex one a double.
class Scalar {
 public:
  Scalar(double value) : value_(value) {}  // NOLINT: implicit, as the literal it stands for
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Scalar(I value) : value_(value), integral_(true) {}  // NOLINT
  template <typename F>
    requires std::is_floating_point_v<F>
  Scalar(std::complex<F> value)  // NOLINT
      : value_(static_cast<double>(value.real())),
        imag_(static_cast<double>(value.imag())),
        complex_(true) {}
  Number value() const { return value_; }  // the real part of a complex one
  double imag() const { return imag_; }
  bool integral() const { return integral_; }
  bool is_complex() const { return complex_; }

 private:
  Number value_;
  double imag_ = 0;
  bool integral_ = false;
  bool complex_ = false;
};

// The dtype of `tensor op scalar` (JAX's weak types): a weak float keeps a floating or complex
// dtype and makes an integer or bool tensor the default float; a weak complex keeps a complex
// dtype, makes f64 c128 and every other dtype c64; a weak int keeps every dtype but bool, which
// becomes i32 (the default integer). A value the result dtype cannot hold (u8 + 300,
// u32 - (-1)) is an Error, as JAX's OverflowError.
DType PromoteWithScalar(DType tensor_dtype, Scalar scalar = 1.0);

// The storage types of f16 and bf16: a value's 16 bits. Converting a number to them rounds to
// nearest, ties to even, directly from a double (no double rounding through f32; an i64
// beyond 2^53 is first a double); NaN stays NaN (quiet) with its sign, and a value past the
// largest finite one becomes an infinity. Converting them to a number is exact (every f16 and
// bf16 is an f32). They have no arithmetic of their own.
uint16_t RoundToF16Bits(double x);
uint16_t RoundToBF16Bits(double x);
uint16_t RoundFloatToF16Bits(float x);  // the same for an f32, in integer operations
uint16_t RoundFloatToBF16Bits(float x);
float F16BitsToFloat(uint16_t bits);
float BF16BitsToFloat(uint16_t bits);

template <uint16_t (*kRound)(double), uint16_t (*kRoundFloat)(float), float (*kWiden)(uint16_t)>
class HalfStorage {
 public:
  HalfStorage() = default;
  template <typename T>
    requires std::is_arithmetic_v<T>
  explicit HalfStorage(T x) {
    if constexpr (std::is_same_v<T, float>) {
      bits_ = kRoundFloat(x);
    } else {
      bits_ = kRound(static_cast<double>(x));
    }
  }
  template <typename T>
    requires std::is_arithmetic_v<T>
  explicit operator T() const {
    return static_cast<T>(kWiden(bits_));
  }
  static HalfStorage FromBits(uint16_t bits) {
    HalfStorage h;
    h.bits_ = bits;
    return h;
  }
  uint16_t bits() const { return bits_; }

 private:
  uint16_t bits_ = 0;
};
using float16 = HalfStorage<RoundToF16Bits, RoundFloatToF16Bits, F16BitsToFloat>;
using bfloat16 = HalfStorage<RoundToBF16Bits, RoundFloatToBF16Bits, BF16BitsToFloat>;

template <typename T>
inline constexpr bool kIsHalfStorage = std::is_same_v<T, float16> || std::is_same_v<T, bfloat16>;

// A C++ type that maps to a dtype, for to_vector<T>, item<T> and typed creation.
template <typename T>
struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kU8; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kU32; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kI32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kI64; };
template <> struct DTypeOf<float16> { static constexpr DType value = DType::kF16; };
template <> struct DTypeOf<bfloat16> { static constexpr DType value = DType::kBF16; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::kF32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kF64; };
template <>
struct DTypeOf<std::complex<float>> {
  static constexpr DType value = DType::kC64;
};
template <>
struct DTypeOf<std::complex<double>> {
  static constexpr DType value = DType::kC128;
};

template <typename T>
inline constexpr bool kIsComplexStorage =
    std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>;

// A type tag, so that generic lambdas can receive a type: [](auto tag) { using T = ...::type; }.
// `dtype` tells bool from u8, which share uint8_t storage.
template <typename T, DType d>
struct TypeTag {
  using type = T;
  static constexpr DType dtype = d;
};

// Calls f(TypeTag<storage type, dtype>{}) and returns its result. The storage type is what an
// element is in memory on every backend: uint8_t for bool (0 or 1; never C++ bool, so that no
// byte value is undefined behaviour) and u8, then uint32_t, int32_t, int64_t, float16,
// bfloat16, float, double, std::complex<float>, std::complex<double>. Kernels that compute on
// elements see no f16 or bf16 (RunEquation computes them in f32) nor complex (computed as real
// pairs) and use VisitComputeDType. float0,
// which has no elements to read, is visited as bool (never reached: no primitive takes it).
template <typename F>
decltype(auto) VisitDType(DType dtype, F&& f) {
  switch (dtype) {
    case DType::kBool: return f(TypeTag<uint8_t, DType::kBool>{});
    case DType::kU8: return f(TypeTag<uint8_t, DType::kU8>{});
    case DType::kU32: return f(TypeTag<uint32_t, DType::kU32>{});
    case DType::kI32: return f(TypeTag<int32_t, DType::kI32>{});
    case DType::kI64: return f(TypeTag<int64_t, DType::kI64>{});
    case DType::kF16: return f(TypeTag<float16, DType::kF16>{});
    case DType::kBF16: return f(TypeTag<bfloat16, DType::kBF16>{});
    case DType::kF32: return f(TypeTag<float, DType::kF32>{});
    case DType::kF64: return f(TypeTag<double, DType::kF64>{});
    case DType::kC64: return f(TypeTag<std::complex<float>, DType::kC64>{});
    case DType::kC128: return f(TypeTag<std::complex<double>, DType::kC128>{});
    case DType::kFloat0: break;  // no storage: no kernel, conversion or copy reads one
  }
  return f(TypeTag<uint8_t, DType::kBool>{});  // float0 (never reached, as above)
}

// VisitDType for kernels that compute on elements. They never see f16 or bf16 (core/eval.h
// RunEquation computes those in f32, and the backends reject such an operand of any primitive
// but convert_element_type) nor c64 and c128 (core/complex_eval.h), so f is not instantiated
// for their storage types: it receives f32's tag there, which that contract makes unreachable.
template <typename F>
decltype(auto) VisitComputeDType(DType dtype, F&& f) {
  if (IsHalfFloat(dtype) || IsComplex(dtype)) return f(TypeTag<float, DType::kF32>{});
  return VisitDType(dtype, [&](auto tag) -> decltype(auto) {
    using T = typename decltype(tag)::type;
    if constexpr (kIsHalfStorage<T> || kIsComplexStorage<T>) {
      return f(TypeTag<float, DType::kF32>{});
    } else {
      return f(tag);
    }
  });
}

// x converted to dtype `to` (storage type To) as convert_element_type does (XLA/JAX CPU): to
// bool is x != 0 (true for NaN); from bool is 0/1; float to an integer truncates toward zero,
// saturates out-of-range values and maps NaN to 0 (no undefined behaviour); integer to integer
// keeps the low bits (two's complement); f16 and bf16 read as the f32 they equal and round to
// nearest even; a complex number converts its real part to a real dtype (JAX drops the
// imaginary part, with a warning numpy also gives), and a real number becomes (x, 0);
// everything else is a C++ conversion. `to` is explicit because bool and u8 share uint8_t
// storage.
template <typename To, DType to, typename From>
To ConvertValue(From x) {
  if constexpr (std::is_same_v<From, Number>) {
    return x.is_integer() ? ConvertValue<To, to>(x.integer()) : ConvertValue<To, to>(x.to_double());
  } else if constexpr (kIsComplexStorage<From> && kIsComplexStorage<To>) {
    return To(static_cast<typename To::value_type>(x.real()),
              static_cast<typename To::value_type>(x.imag()));
  } else if constexpr (kIsComplexStorage<From>) {
    return ConvertValue<To, to>(x.real());
  } else if constexpr (kIsComplexStorage<To>) {
    return To(ConvertValue<typename To::value_type, RealPart(to)>(x), 0);
  } else if constexpr (kIsHalfStorage<From>) {
    return ConvertValue<To, to>(static_cast<float>(x));
  } else if constexpr (kIsHalfStorage<To>) {
    return To(x);
  } else if constexpr (to == DType::kBool) {
    return x != 0;
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    using L = std::numeric_limits<To>;
    if (x != x) return 0;
    // L::max() + 1 (a power of two) is exact in every float type; L::max() may not be.
    if (x >= From(2) * From(L::max() / 2 + 1)) return L::max();
    if (x <= From(L::min())) return L::min();
    return static_cast<To>(x);
  } else if constexpr (std::is_integral_v<To> && std::is_integral_v<From>) {
    return static_cast<To>(static_cast<std::make_unsigned_t<To>>(x));
  } else {
    return static_cast<To>(x);
  }
}

// `value` as an element of dtype holds it, as a double: Number(value).In(dtype) for arithmetic
// on floats (an i64 past 2^53 is rounded; Number::In keeps it).
inline double ValueIn(DType dtype, double value) { return Number(value).In(dtype).to_double(); }

// The bits of `value` converted to dtype as ConvertValue does, in the low DTypeSize(dtype)
// bytes: fill values and literals written into kernels. Of c128, whose elements take 16
// bytes, the real part's (the imaginary part's bits are zero).
uint64_t ElementBits(Number value, DType dtype);

}  // namespace cotangent

#endif  // COTANGENT_CORE_DTYPE_H_
