// File: core/dtype.cc
// Names, sizes and the promotion lattice of DType.

#include "core/dtype.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace cotangent {

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kBool: return "bool";
    case DType::kU8: return "u8";
    case DType::kU32: return "u32";
    case DType::kI32: return "i32";
    case DType::kI64: return "i64";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kF32: return "f32";
    case DType::kF64: return "f64";
    case DType::kC64: return "c64";
    case DType::kC128: return "c128";
    case DType::kFloat0: return "float0";
  }
  return "?";
}

int64_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kBool: return 1;
    case DType::kU8: return 1;
    case DType::kU32: return 4;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
    case DType::kF16: return 2;
    case DType::kBF16: return 2;
    case DType::kF32: return 4;
    case DType::kF64: return 8;
    case DType::kC64: return 8;
    case DType::kC128: return 16;
    case DType::kFloat0: return 0;
  }
  return 0;
}

namespace {

// x rounded to nearest, ties to even, in a 16-bit binary float with `fraction` fraction bits
// and `exponent` exponent bits (f16: 10 and 5; bf16: 7 and 8), as its bits. |x| = m 2^q with q
// the exponent of the result's last place: scaling by 2^-q is exact in a double, and
// nearbyint rounds the integer m to even (the default rounding mode). m below 2^fraction is a
// subnormal whose bits are m; from there, exponent field and fraction follow from q.
uint16_t RoundToHalfBits(double x, int fraction, int exponent) {
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const int bias = (1 << (exponent - 1)) - 1;
  const uint16_t infinity = static_cast<uint16_t>(((1 << exponent) - 1) << fraction);
  if (std::isnan(x)) return sign | infinity | static_cast<uint16_t>(1 << (fraction - 1));
  const double a = std::fabs(x);
  if (a == 0) return sign;
  if (std::isinf(a)) return sign | infinity;
  int e;
  std::frexp(a, &e);  // a in [2^(e-1), 2^e)
  const int q = std::max(e - 1, 1 - bias) - fraction;
  double m = std::nearbyint(std::ldexp(a, -q));
  const double one = std::ldexp(1.0, fraction);
  if (m < one) return sign | static_cast<uint16_t>(m);
  int field = q + fraction + bias;
  if (m == 2 * one) m = one, ++field;  // rounded up to the next binade
  if (field >= (1 << exponent) - 1) return sign | infinity;
  return sign | static_cast<uint16_t>(field << fraction) | static_cast<uint16_t>(m - one);
}

// Bits of an integer dtype's magnitude range, for the join of an unsigned and a signed type.
int IntegerBits(DType d) { return static_cast<int>(DTypeSize(d)) * 8; }

}  // namespace

uint16_t RoundToF16Bits(double x) { return RoundToHalfBits(x, 10, 5); }
uint16_t RoundToBF16Bits(double x) { return RoundToHalfBits(x, 7, 8); }

// The exponent is rebiased (15 -> 127) and the fraction shifted into place; a subnormal
// (fraction f, exponent field 0) is f 2^-24, exact in an f32; NaN keeps its payload.
float F16BitsToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t magnitude = h & 0x7fff;
  if (magnitude < 0x400) {
    const float f = static_cast<float>(magnitude) * 0x1p-24f;
    return sign != 0 ? -f : f;
  }
  const uint32_t bits = magnitude >= 0x7c00 ? 0x7f800000 | (magnitude & 0x3ff) << 13
                                            : (magnitude + ((127 - 15) << 10)) << 13;
  return std::bit_cast<float>(sign | bits);
}

// bfloat16 is the upper half of an f32's bits.
float BF16BitsToFloat(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// Round to nearest even on the bits: add half an f16 last place less one, plus the kept last
// bit, and shift. A carry out of the fraction raises the exponent (at the top: infinity).
// Below 2^-14 the result is subnormal: adding 2^-1 (as an f32 whose last place is 2^-24, the
// f16 subnormals' spacing) rounds to nearest even in the f32 addition itself, leaving the
// subnormal's bits at the bottom.
uint16_t RoundFloatToF16Bits(float x) {
  uint32_t f = std::bit_cast<uint32_t>(x);
  const uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000);
  f &= 0x7fffffff;
  if (f >= 0x47800000) return sign | (f > 0x7f800000 ? 0x7e00 : 0x7c00);  // >= 2^16, inf, NaN
  if (f < 0x38800000) {
    const float sum = std::bit_cast<float>(f) + 0.5f;
    return sign | static_cast<uint16_t>(std::bit_cast<uint32_t>(sum) - 0x3f000000);
  }
  const uint32_t odd = (f >> 13) & 1;
  f += (static_cast<uint32_t>(15 - 127) << 23) + 0xfff + odd;
  return sign | static_cast<uint16_t>(f >> 13);
}

uint16_t RoundFloatToBF16Bits(float x) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  if ((f & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((f >> 16) | 0x40);  // quiet NaN
  return static_cast<uint16_t>((f + 0x7fff + ((f >> 16) & 1)) >> 16);
}

FloatInfo finfo(DType dtype) {
  switch (RealPart(dtype)) {
    case DType::kF16: return {0x1p-10, 65504.0, 0x1p-14, 10};
    case DType::kBF16: return {0x1p-7, 0x1.fep127, 0x1p-126, 7};
    case DType::kF64:
      return {std::numeric_limits<double>::epsilon(), std::numeric_limits<double>::max(),
              std::numeric_limits<double>::min(), 52};
    default:
      return {std::numeric_limits<float>::epsilon(), std::numeric_limits<float>::max(),
              std::numeric_limits<float>::min(), 23};
  }
}

DType PromoteTypes(DType a, DType b) {
  if (a == b || b == DType::kBool) return a;
  if (a == DType::kBool) return b;
  if (IsComplex(a) || IsComplex(b)) {  // the complex type whose parts hold both real parts
    return ComplexOf(PromoteTypes(RealPart(a), RealPart(b)));
  }
  if (IsFloating(a) || IsFloating(b)) {
    if (IsHalfFloat(a) && IsHalfFloat(b)) return DType::kF32;  // f16, bf16: neither holds both
    if (IsFloating(a) && IsFloating(b)) return std::max(a, b);
    return IsFloating(a) ? a : b;
  }
  if (IsUnsigned(a) == IsUnsigned(b)) return DTypeSize(a) >= DTypeSize(b) ? a : b;
  // One unsigned u, one signed s: s if it holds every u, else the next wider signed type.
  const DType u = IsUnsigned(a) ? a : b;
  const DType s = IsUnsigned(a) ? b : a;
  return IntegerBits(s) > IntegerBits(u) ? s : DType::kI64;
}

Number Number::In(DType dtype) const {
  return VisitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = ConvertValue<T, decltype(tag)::dtype>(*this);
    if constexpr (std::is_integral_v<T>) {
      return Number(static_cast<int64_t>(v));
    } else {
      return Number(ConvertValue<double, DType::kF64>(v));
    }
  });
}

std::string Number::ToString() const {
  return is_integer_ ? absl::StrCat(integer_) : absl::StrCat(float_);
}

uint64_t ElementBits(Number value, DType dtype) {
  uint64_t bits = 0;
  VisitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = ConvertValue<T, decltype(tag)::dtype>(value);
    std::memcpy(&bits, &v, std::min(sizeof(T), sizeof(bits)));
  });
  return bits;
}

DType PromoteWithScalar(DType tensor_dtype, Scalar scalar) {
  if (scalar.integral()) return tensor_dtype == DType::kBool ? DType::kI32 : tensor_dtype;
  if (scalar.is_complex()) {
    if (IsComplex(tensor_dtype)) return tensor_dtype;
    return tensor_dtype == DType::kF64 ? DType::kC128 : DType::kC64;
  }
  return IsInexact(tensor_dtype) ? tensor_dtype : kDefaultFloat;
}

}  // namespace cotangent
