// File: backends/vulkan/elementwise_kernels.cc
// The per-primitive math of the generated elementwise kernels (Expression) and the assembly
// of a complete shader around kernels/elementwise.glsl.

#include "backends/vulkan/elementwise_kernels.h"

#include <algorithm>
#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "kernels/glsl_sources.h"

namespace cotangent::vulkan {
namespace {

// Debian's Abseil has its own string_view, which StrCat takes and std::string_view is not.
absl::string_view Text(std::string_view s) { return {s.data(), s.size()}; }

// The vector of `width` storage elements ("vec4", "u8vec4", "dvec2", ...).
std::string VectorType(DType dtype, int width) {
  switch (dtype) {
    case DType::kBool: return absl::StrCat("u8vec", width);
    case DType::kU8: return absl::StrCat("u8vec", width);
    case DType::kU32: return absl::StrCat("uvec", width);
    case DType::kI32: return absl::StrCat("ivec", width);
    case DType::kI64: return absl::StrCat("i64vec", width);
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:
    case DType::kBF16: return absl::StrCat("u16vec", width);
    case DType::kF32: return absl::StrCat("vec", width);
    case DType::kF64: return absl::StrCat("dvec", width);
  }
  return "";
}

// float -> integer as convert_element_type: truncation toward zero, NaN -> 0, saturation at
// the integer's range (HI: 2^bits of the range's top, exact in every float type).
constexpr const char* kToInteger = R"glsl(
TO ct_to_NAME(FROM x) {
  if (isnan(x)) return TO(0);
  if (x >= FROM(HI)) return MAX;
  if (x <= FROM(LO)) return MIN;
  return TO(x);
}
)glsl";

// f16 and bf16 are stored as their bits (uint16_t) and computed in f32: loads widen exactly,
// stores round to nearest even, in integer operations as core/dtype.cc does (a subnormal f16
// by an explicit shift, not by f32 addition, which a device may flush).
constexpr const char* kHalfFloats = R"glsl(
float ct_widen_f16(uint h) {
  const uint sign = (h & 0x8000u) << 16;
  const uint m = h & 0x7fffu;
  if (m < 0x400u) return uintBitsToFloat(sign | floatBitsToUint(float(m) * 5.9604644775390625e-8));
  return uintBitsToFloat(sign | (m >= 0x7c00u ? 0x7f800000u | (m & 0x3ffu) << 13
                                              : (m + 0x1c000u) << 13));
}
float ct_widen_bf16(uint b) { return uintBitsToFloat(b << 16); }
uint ct_round_f16(float x) {
  uint f = floatBitsToUint(x);
  const uint sign = (f >> 16) & 0x8000u;
  f &= 0x7fffffffu;
  if (f >= 0x47800000u) return sign | (f > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (f < 0x38800000u) {  // an f16 subnormal: the f32 m 2^(e - 150) in units of 2^-24
    const uint e = f >> 23;
    const uint m = (f & 0x7fffffu) | (e != 0u ? 0x800000u : 0u);
    const uint shift = e != 0u ? 126u - e : 125u;
    if (shift > 24u) return sign;
    const uint q = m >> shift, rest = m & ((1u << shift) - 1u), mid = 1u << (shift - 1u);
    return sign | (q + uint(rest > mid || (rest == mid && (q & 1u) != 0u)));
  }
  f += 0xc8000000u + 0xfffu + ((f >> 13) & 1u);  // exponent bias 127 -> 15, round half even
  return sign | (f >> 13);
}
uint ct_round_bf16(float x) {
  const uint f = floatBitsToUint(x);
  if ((f & 0x7fffffffu) > 0x7f800000u) return (f >> 16) | 0x40u;  // a quiet NaN
  return (f + 0x7fffu + ((f >> 16) & 1u)) >> 16;
}
)glsl";

// To convert a wider value to f16 or bf16 with one rounding, it is first rounded to an f32 "to
// odd" (truncated, its last bit set when anything was cut off): rounding that to nearest even
// in a format at least two bits narrower rounds the original value.
constexpr const char* kOddF64 = R"glsl(
float ct_odd_f64(double x) {
  const float t = float(x);
  const uint bits = floatBitsToUint(t);
  if (double(t) == x || (bits & 1u) != 0u) return t;
  return uintBitsToFloat(bits + (abs(x) > abs(double(t)) ? 1u : 0xffffffffu));
}
)glsl";
constexpr const char* kOddU32 = R"glsl(
float ct_odd_u32(uint m) {
  const int msb = findMSB(m);
  if (msb < 24) return float(m);
  const int shift = msb - 23;
  const uint kept = (m >> shift) | uint((m & ((1u << shift) - 1u)) != 0u);
  return ldexp(float(kept), shift);
}
)glsl";
constexpr const char* kOddU64 = R"glsl(
float ct_odd_u64(uint64_t m) {
  const uint high = uint(m >> 32);
  if (high == 0u) return ct_odd_u32(uint(m));
  const int shift = 32 + findMSB(high) - 23;
  const uint kept = uint(m >> shift) | uint((m & ((uint64_t(1) << shift) - 1ul)) != 0ul);
  return ldexp(float(kept), shift);
}
)glsl";

// The bounds kToInteger saturates at: HI, MAX, LO, MIN as GLSL of the compute type.
std::array<const char*, 4> IntegerBounds(DType to) {
  switch (to) {
    case DType::kU8: return {"256.0", "255u", "0.0", "0u"};
    case DType::kU32: return {"4294967296.0", "0xFFFFFFFFu", "0.0", "0u"};
    case DType::kI32: return {"2147483648.0", "2147483647", "-2147483648.0", "int(0x80000000u)"};
    case DType::kI64:
      return {"9223372036854775808.0", "0x7FFFFFFFFFFFFFFFl", "-9223372036854775808.0",
              "int64_t(0x8000000000000000ul)"};
    default: return {"", "", "", ""};
  }
}

// The unsigned GLSL type of a signed integer's width: its +, -, * wrap (defined overflow).
const char* UnsignedType(DType dtype) { return dtype == DType::kI64 ? "uint64_t" : "uint"; }

// The width of an integer dtype in bits.
int Bits(DType dtype) { return 8 * static_cast<int>(DTypeSize(dtype)); }

struct Expression {
  std::string text;    // GLSL of the result from a (and b, or p, a, b for select)
  bool math = false;   // needs the math library of the dtype
  std::string helper;  // extra GLSL functions
};

absl::Status Rejects(const ElementwiseSpec& spec) {
  return absl::InvalidArgumentError(absl::StrCat("vulkan: ", PrimitiveName(spec.prim),
                                                 " has no kernel for ", DTypeName(spec.in)));
}

// u8 computes in uint: results that can leave [0, 255] keep their low byte, so that a fused
// kernel's next op sees the u8 value (stores would truncate anyway).
std::string Narrow(DType dtype, std::string expr) {
  return dtype == DType::kU8 ? absl::StrCat("((", expr, ") & 0xFFu)") : expr;
}

// The f32 whose rounding to nearest even in f16 or bf16 (the store) rounds `a` of dtype from.
Expression ToHalfFloat(DType from) {
  switch (from) {
    case DType::kBool: return Expression{"a != 0u ? 1.0 : 0.0"};
    case DType::kU8: return Expression{"float(a)"};
    case DType::kU32: return Expression{"ct_odd_u32(a)", false, kOddU32};
    case DType::kI32: return Expression{"(a < 0 ? -1.0 : 1.0) * ct_odd_u32(uint(abs(a)))", false,
                                        kOddU32};
    case DType::kI64:
      return Expression{
          "(a < 0l ? -1.0 : 1.0) * ct_odd_u64(a < 0l ? 0ul - uint64_t(a) : uint64_t(a))", false,
          absl::StrCat(kOddU32, kOddU64)};
    case DType::kF64: return Expression{"ct_odd_f64(a)", false, kOddF64};
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:
    case DType::kBF16:
    case DType::kF32: return Expression{"a"};
  }
  return Expression{"a"};
}

absl::StatusOr<Expression> ConvertExpression(DType from, DType to) {
  if (IsHalfFloat(to)) return ToHalfFloat(from);
  if (IsHalfFloat(from)) from = DType::kF32;  // loaded as the f32 it equals
  const std::string t = ComputeType(to);
  if (from == to) return Expression{"a"};
  if (to == DType::kBool) {
    return Expression{from == DType::kBool ? "uint(a != 0u)"
                                           : absl::StrCat("uint(!(a == ", ComputeType(from), "(0)))")};
  }
  if (from == DType::kBool) return Expression{absl::StrCat("a != 0u ? ", t, "(1) : ", t, "(0)")};
  if (IsInteger(to) && IsFloating(from)) {
    const std::array<const char*, 4> b = IntegerBounds(to);
    return Expression{absl::StrCat("ct_to_", DTypeName(to), "(a)"), false,
                      absl::StrReplaceAll(kToInteger, {{"NAME", DTypeName(to)},
                                                       {"TO", t},
                                                       {"FROM", ComputeType(from)},
                                                       {"HI", b[0]},
                                                       {"MAX", b[1]},
                                                       {"LO", b[2]},
                                                       {"MIN", b[3]}})};
  }
  // Integer to integer keeps the low bits (GLSL's conversions do; u8 masks its byte).
  return Expression{Narrow(to, absl::StrCat(t, "(a)"))};
}

// The GLSL of each elementwise row, for the dtypes its row accepts (checked by the caller
// against core/primitives.def): no default, so a new row does not compile until it is here.
absl::StatusOr<Expression> MathExpression(const ElementwiseSpec& spec) {
  const DType d = spec.in;
  const bool is_float = IsFloating(d), is_signed = IsSignedInteger(d), is_unsigned = IsUnsigned(d);
  const std::string t = ComputeType(d);
  // Signed integers wrap through the unsigned type u of their width: t(u(a) op u(b)).
  const std::string u = UnsignedType(d);
  const auto as_t = [&](const std::string& expr) { return absl::StrCat(t, "(", expr, ")"); };
  // A shift amount b outside [0, width), read as unsigned.
  const std::string out_of_range =
      IsInteger(d) ? absl::StrCat(u, "(b) >= ", u, "(", Bits(d), ")") : "";
  const std::string neg = is_signed ? as_t(absl::StrCat(u, "(0) - ", u, "(a)")) : Narrow(d, "0u - a");
  // ct_<fn>(a) / ct_<fn>(a, b) from kernels/math_{common,f32,f64}.glsl, in the dtype's precision.
  const auto math = [](std::string fn, int args) {
    return Expression{absl::StrCat("ct_", fn, args == 1 ? "(a)" : "(a, b)"), true};
  };
  // Integer +, -, *, negation wrap modulo 2^bits: signed ones computed on the unsigned type,
  // whose overflow is defined.
  const auto wrapping = [&](const char* op) {
    return Expression{is_signed ? as_t(absl::StrCat(u, "(a) ", op, " ", u, "(b)"))
                                : Narrow(d, absl::StrCat("a ", op, " b"))};
  };
  switch (spec.prim) {
    case Primitive::kNeg: return Expression{is_float ? "-a" : neg};
    // sign keeps a float zero's sign and NaN; unsigned sign is 0 or 1.
    case Primitive::kSign:
      if (is_unsigned) return Expression{"a != 0u ? 1u : 0u"};
      return Expression{absl::StrCat("a > ", t, "(0) ? ", t, "(1) : (a < ", t, "(0) ? ", t,
                                     "(-1) : a)")};
    // abs of the most negative integer wraps to itself; unsigned abs is the identity.
    case Primitive::kAbs:
      return Expression{is_float ? "abs(a)"
                        : is_signed ? absl::StrCat("a < ", t, "(0) ? ", neg, " : a")
                                    : "a"};
    case Primitive::kExp: return math("exp", 1);
    case Primitive::kLog: return math("log", 1);
    case Primitive::kLog1p: return math("log1p", 1);
    case Primitive::kExpm1: return math("expm1", 1);
    case Primitive::kSin: return math("sin", 1);
    case Primitive::kCos: return math("cos", 1);
    case Primitive::kTanh: return math("tanh", 1);
    case Primitive::kSqrt: return math("sqrt", 1);
    case Primitive::kFloor: return Expression{"floor(a)"};
    case Primitive::kCeil: return Expression{"ceil(a)"};
    // Half-way cases away from zero; a - trunc(a) is exact, and trunc keeps the zero's sign.
    case Primitive::kRound:
      return Expression{absl::StrCat("abs(a - trunc(a)) >= ", t, "(0.5) ? trunc(a) + sign(a) : trunc(a)")};
    case Primitive::kErf: return math("erf", 1);
    case Primitive::kErfc: return math("erfc", 1);
    case Primitive::kErfInv: return math("erf_inv", 1);
    case Primitive::kLgamma: return math("lgamma", 1);
    case Primitive::kDigamma: return math("digamma", 1);
    case Primitive::kBesselI0e: return math("bessel_i0e", 1);
    case Primitive::kBesselI1e: return math("bessel_i1e", 1);
    // Bitwise not: logical on bool's 0 and 1, ~a on integers (u8 keeps its byte).
    case Primitive::kNot:
      return Expression{d == DType::kBool ? "a ^ 1u" : Narrow(d, "~a")};
    // bitCount and findMSB are 32-bit functions: an i64 is counted in its two halves.
    case Primitive::kPopulationCount:
      if (d == DType::kI64) {
        return Expression{"int64_t(bitCount(uint(uint64_t(a))) + bitCount(uint(uint64_t(a) >> 32)))"};
      }
      return Expression{as_t("bitCount(a)")};
    // findMSB(x) is the index of the top set bit of an unsigned x (-1 for 0), so the leading
    // zeros of a w-bit value are w - 1 - findMSB.
    case Primitive::kClz:
      if (d == DType::kI64) {
        return Expression{"int64_t(uint(uint64_t(a) >> 32) != 0u ? 31 - findMSB(uint(uint64_t(a) >> 32)) "
                          ": 63 - findMSB(uint(uint64_t(a))))"};
      }
      return Expression{as_t(absl::StrCat(Bits(d) - 1, " - findMSB(uint(a))"))};
    case Primitive::kStopGradient: return Expression{"a"};
    case Primitive::kAdd: return wrapping("+");
    case Primitive::kSub: return wrapping("-");
    case Primitive::kMul: return wrapping("*");
    // Integer division truncates; as XLA, x / 0 has every bit set and INT_MIN / -1 = INT_MIN.
    case Primitive::kDiv:
      if (is_signed) {
        return Expression{absl::StrCat("b == ", t, "(0) ? ", t, "(-1) : (b == ", t, "(-1) ? ",
                                       neg, " : a / b)")};
      }
      return Expression{is_float ? "a / b" : Narrow(d, "b == 0u ? 0xFFFFFFFFu : a / b")};
    case Primitive::kPow: return math("pow", 2);
    case Primitive::kAtan2: return math("atan2", 2);
    case Primitive::kNextafter: return math("nextafter", 2);
    case Primitive::kZeta: return math("zeta", 2);
    case Primitive::kIgamma: return math("igamma", 2);
    case Primitive::kIgammac: return math("igammac", 2);
    case Primitive::kIgammaGradA: return math("igamma_grad_a", 2);
    case Primitive::kRandomGammaGrad: return math("random_gamma_grad", 2);
    // Integers: C's % (OpSDiv truncates), with XLA's x rem 0 = x and INT_MIN rem -1 = 0;
    // floats: the exact fmod of the math library.
    case Primitive::kRem:
      if (is_signed) {
        return Expression{absl::StrCat(
            "b == ", t, "(0) ? a : (b == ", t, "(-1) ? ", t, "(0) : ",
            as_t(absl::StrCat(u, "(a) - ", u, "(a / b) * ", u, "(b)")), ")")};
      }
      return is_unsigned ? Expression{"b == 0u ? a : a % b"} : math("fmod", 2);
    // max/min return NaN when either operand is NaN.
    case Primitive::kMax:
      return Expression{is_float ? "(a > b || isnan(a)) ? a : b" : "a > b ? a : b"};
    case Primitive::kMin:
      return Expression{is_float ? "(a < b || isnan(a)) ? a : b" : "a < b ? a : b"};
    // Bitwise, and so logical on bool's 0 and 1.
    case Primitive::kAnd: return Expression{"a & b"};
    case Primitive::kOr: return Expression{"a | b"};
    case Primitive::kXor: return Expression{"a ^ b"};
    // As XLA: the amount b read as unsigned; at least the width shifts every bit out (GLSL
    // leaves those shifts undefined). Left and logical right shifts move the unsigned bits, the
    // arithmetic right shift the signed ones (u8 and u32 reinterpreted as signed first).
    case Primitive::kShiftLeft:
      return Expression{absl::StrCat(out_of_range, " ? ", t, "(0) : ",
                                     Narrow(d, as_t(absl::StrCat(u, "(a) << ", u, "(b)"))))};
    case Primitive::kShiftRightLogical:
      return Expression{absl::StrCat(out_of_range, " ? ", t, "(0) : ",
                                     as_t(absl::StrCat(u, "(a) >> ", u, "(b)")))};
    case Primitive::kShiftRightArithmetic: {
      // The signed value of a's bits (s, of signed type st): u8's byte sign-extended.
      const std::string st = d == DType::kI64 ? "int64_t" : "int";
      const std::string sa = d == DType::kU8 ? "bitfieldExtract(int(a), 0, 8)" : st + "(a)";
      return Expression{Narrow(d, as_t(absl::StrCat(out_of_range, " ? (", sa, " < ", st, "(0) ? ",
                                                    st, "(-1) : ", st, "(0)) : ", sa, " >> ", u,
                                                    "(b)")))};
    }
    // Compare: NaN compares unequal to everything (ordered comparisons; != is !(==)).
    case Primitive::kEq: return Expression{"uint(a == b)"};
    case Primitive::kNe: return Expression{"uint(!(a == b))"};
    case Primitive::kLt: return Expression{"uint(a < b)"};
    case Primitive::kLe: return Expression{"uint(a <= b)"};
    case Primitive::kGt: return Expression{"uint(a > b)"};
    case Primitive::kGe: return Expression{"uint(a >= b)"};
    case Primitive::kSelect: return Expression{"p != 0u ? a : b"};
    case Primitive::kConvert: return ConvertExpression(spec.in, spec.out);
    // Not elementwise: their own launchers (ops_reduce.cc, ops_movement.cc, ops_dot.cc,
    // ops_indexing.cc).
    case Primitive::kReduceSum:
    case Primitive::kReduceMax:
    case Primitive::kReduceProd:
    case Primitive::kArgmax:
    case Primitive::kReshape:
    case Primitive::kTranspose:
    case Primitive::kBroadcastInDim:
    case Primitive::kSlice:
    case Primitive::kPad:
    case Primitive::kConcatenate:
    case Primitive::kBitcastConvert:
    case Primitive::kDotGeneral:
    case Primitive::kConvGeneralDilated:
    case Primitive::kGather:
    case Primitive::kScatterAdd:
    case Primitive::kScatter:
    case Primitive::kScatterMul:
    case Primitive::kScatterMin:
    case Primitive::kScatterMax:
    case Primitive::kArgsort:
    case Primitive::kCholesky:
    case Primitive::kTriangularSolve:
    case Primitive::kLu:
    case Primitive::kQr:
    case Primitive::kEigh:
    case Primitive::kSvd:
    case Primitive::kPsum:
    case Primitive::kPmax:
    case Primitive::kPmin:
    case Primitive::kAllGather:
    case Primitive::kReduceScatter:
    case Primitive::kAllToAll:
    case Primitive::kPpermute:
    case Primitive::kAxisIndex:
    case Primitive::kShardMapIn:
    case Primitive::kReal:
    case Primitive::kImag:
    case Primitive::kConj:
    case Primitive::kComplex:
    case Primitive::kClosedCall:
    case Primitive::kPjit:
    case Primitive::kCustomJvpCall:
    case Primitive::kCustomVjpCall:
    case Primitive::kCustomLin:
    case Primitive::kCond:
    case Primitive::kWhile:
    case Primitive::kScan:
    case Primitive::kCheckpoint:
    case Primitive::kName:
    case Primitive::kCustomVmapCall:
    case Primitive::kLinearSolve:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("vulkan: ", PrimitiveName(spec.prim), " is not elementwise"));
}

// The bits of 2/pi, 32 per word, most significant first, after two zero words (computed to
// 1280 bits with Python's decimal module; the first words are fdlibm's).
constexpr uint32_t kTwoOverPiWords[42] = {
    0u,          0u,          0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u, 0xF534DDC0u, 0xDB629599u,
    0x3C439041u, 0xFE5163ABu, 0xDEBBC561u, 0xB7246E3Au, 0x424DD2E0u, 0x06492EEAu, 0x09D1921Cu,
    0xFE1DEB1Cu, 0xB129A73Eu, 0xE88235F5u, 0x2EBB4484u, 0xE99C7026u, 0xB45F7E41u, 0x3991D639u,
    0x835339F4u, 0x9C845F8Bu, 0xBDF9283Bu, 0x1FF897FFu, 0xDE05980Fu, 0xEF2F118Bu, 0x5A0A6D1Fu,
    0x6D367ECFu, 0x27CB09B7u, 0x4F463F66u, 0x9E5FEA2Du, 0x7527BAC7u, 0xEBE5F17Bu, 0x3D0739F7u,
    0x8A5292EAu, 0x6BFB5FB1u, 0x1F8D5D08u, 0x56033046u, 0xFC7B6BABu, 0xF0CFBC20u, 0x9AF4361Du};

}  // namespace

const char* StorageType(DType dtype) {
  switch (dtype) {
    case DType::kBool: return "uint8_t";
    case DType::kU8: return "uint8_t";
    case DType::kU32: return "uint";
    case DType::kI32: return "int";
    case DType::kI64: return "int64_t";
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:                  // no values: no primitive takes it
    case DType::kF16: return "uint16_t";  // the bits: converted by kHalfFloats' functions
    case DType::kBF16: return "uint16_t";
    case DType::kF32: return "float";
    case DType::kF64: return "double";
  }
  return "";
}

const char* ComputeType(DType dtype) {
  switch (dtype) {
    case DType::kBool: return "uint";
    case DType::kU8: return "uint";
    case DType::kU32: return "uint";
    case DType::kI32: return "int";
    case DType::kI64: return "int64_t";
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16: return "float";
    case DType::kBF16: return "float";
    case DType::kF32: return "float";
    case DType::kF64: return "double";
  }
  return "";
}

std::string TypeExtensions(absl::Span<const DType> dtypes) {
  bool bytes = false, halves = false, int64 = false;
  for (DType d : dtypes) {
    bytes = bytes || DTypeSize(d) == 1;
    halves = halves || IsHalfFloat(d);
    int64 = int64 || d == DType::kI64;
  }
  return absl::StrCat(bytes ? "#extension GL_EXT_shader_8bit_storage : require\n" : "",
                      halves ? "#extension GL_EXT_shader_16bit_storage : require\n" : "",
                      int64 ? "#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require\n"
                            : "");
}

std::string LoadElement(DType dtype, std::string_view ref) {
  switch (dtype) {
    case DType::kF16: return absl::StrCat("ct_widen_f16(uint(", Text(ref), "))");
    case DType::kBF16: return absl::StrCat("ct_widen_bf16(uint(", Text(ref), "))");
    default: return absl::StrCat(DTypeSize(dtype) == 1 ? "uint" : "", "(", Text(ref), ")");
  }
}

std::string StoreElement(DType dtype, std::string_view v) {
  switch (dtype) {
    case DType::kF16: return absl::StrCat("uint16_t(ct_round_f16(", Text(v), "))");
    case DType::kBF16: return absl::StrCat("uint16_t(ct_round_bf16(", Text(v), "))");
    default: return absl::StrCat(DTypeSize(dtype) == 1 ? "uint8_t" : "", "(", Text(v), ")");
  }
}

std::string RoundedHalf(DType dtype, std::string_view v) {
  const char* name = dtype == DType::kF16 ? "f16" : "bf16";
  return absl::StrCat("ct_widen_", name, "(ct_round_", name, "(", Text(v), "))");
}

std::string MathLibrary(DType compute) {
  const bool f64 = compute == DType::kF64;
  return absl::StrCat(Text(kernels::kMathCommonGlsl),
                      Text(f64 ? kernels::kMathF64Glsl : kernels::kMathF32Glsl),
                      Text(f64 ? kernels::kSpecialF64Glsl : kernels::kSpecialF32Glsl));
}

std::string HelperFunctions(absl::Span<const DType> dtypes) {
  return std::any_of(dtypes.begin(), dtypes.end(), IsHalfFloat) ? kHalfFloats : "";
}

int NumInputs(Primitive prim) { return PrimitiveArity(prim); }

DType InputDType(const ElementwiseSpec& spec, int k) {
  return spec.prim == Primitive::kSelect && k == 0 ? DType::kBool : spec.in;
}

absl::StatusOr<ElementwiseFunction> ElementwiseFunctionSource(const ElementwiseSpec& spec,
                                                              std::string_view name) {
  for (int k = 0; k < NumInputs(spec.prim); ++k) {
    if (!InClass(InputDType(spec, k), OperandDType(spec.prim, k))) return Rejects(spec);
  }
  absl::StatusOr<Expression> expression = MathExpression(spec);
  if (!expression.ok()) return expression.status();
  std::string params;
  for (int k = 0; k < NumInputs(spec.prim); ++k) {
    const char* arg = spec.prim == Primitive::kSelect ? (k == 0 ? "p" : k == 1 ? "a" : "b")
                                                      : (k == 0 ? "a" : "b");
    absl::StrAppend(&params, k > 0 ? ", " : "", ComputeType(InputDType(spec, k)), " ", arg);
  }
  // `precise`: the driver may not simplify across what it sees (x - x to 0, which a fused
  // kernel that feeds one value to both operands would expose; -inf - -inf is NaN).
  return ElementwiseFunction{
      absl::StrCat(ComputeType(spec.out), " ", Text(name), "(", params, ") { precise ",
                   ComputeType(spec.out), " r = ", expression->text, "; return r; }\n"),
      std::move(expression->helper), expression->math};
}

bool UsesTwoOverPi(Primitive prim) { return prim == Primitive::kSin || prim == Primitive::kCos; }

absl::Span<const uint32_t> TwoOverPiWords() { return kTwoOverPiWords; }

std::string ElementwiseKernelName(const ElementwiseSpec& spec) {
  return absl::StrCat("elementwise.", PrimitiveName(spec.prim), ".", DTypeName(spec.in), ".",
                      DTypeName(spec.out), spec.width > 1 ? absl::StrCat(".v", spec.width) : "");
}

absl::StatusOr<std::string> ElementwiseSource(const ElementwiseSpec& spec) {
  absl::StatusOr<ElementwiseFunction> apply = ElementwiseFunctionSource(spec, "apply");
  if (!apply.ok()) return apply.status();
  const int inputs = NumInputs(spec.prim);
  const auto input = [&](int k) { return InputDType(spec, k); };
  std::vector<DType> dtypes = {spec.out};
  for (int k = 0; k < inputs; ++k) dtypes.push_back(input(k));
  std::string src = absl::StrCat("#version 450\n", TypeExtensions(dtypes));
  const bool byte_out = DTypeSize(spec.out) == 1;
  const bool vec = spec.width > 1;  // never with f16 or bf16 (ops_elementwise.cc VectorWidth)
  const std::string store = StoreElement(spec.out, "v");
  absl::StrAppend(&src, "#define NUM_INPUTS ", inputs, "\n#define WIDTH ", spec.width, "\n#define OUT_T ", StorageType(spec.out),
                  "\n#define OUT_BUF_T ",
                  vec ? VectorType(spec.out, spec.width) : StorageType(spec.out),
                  "\n#define OUT_VEC_T ",
                  byte_out ? absl::StrCat("uvec", spec.width) : VectorType(spec.out, spec.width),
                  "\n#define OUT_STORE(v) ", store, "\n");
  for (int k = 0; k < inputs; ++k) {
    const DType d = input(k);
    // Element i (scalar kernels: a buffer index; vector kernels: component c of vector i, or
    // the one element of a broadcast operand). 8-bit vectors are widened before indexing.
    const auto component = [&](const std::string& vector, const std::string& c) {
      return DTypeSize(d) == 1 ? absl::StrCat("uvec", spec.width, "(", vector, ")[", c, "]")
                                : absl::StrCat(vector, "[", c, "]");
    };
    const std::string offset = absl::StrCat("pc.offset[", k, "]");
    const std::string element =
        !vec ? LoadElement(d, absl::StrCat("in", k, "[i]"))
             : absl::StrCat("((pc.broadcast & ", 1u << k, "u) != 0u ? ",
                            component(absl::StrCat("in", k, "[", offset, " / WIDTH]"),
                                      absl::StrCat(offset, " % WIDTH")),
                            " : ",
                            component(absl::StrCat("in", k, "[", offset, " / WIDTH + (i)]"), "c"),
                            ")");
    absl::StrAppend(&src, "#define IN", k, "_T ", StorageType(d), "\n#define IN", k, "_BUF_T ",
                    vec ? VectorType(d, spec.width) : StorageType(d), "\n#define IN", k,
                    "_AT(i, c) ", element, "\n");
  }
  if (apply->math) {
    if (UsesTwoOverPi(spec.prim)) absl::StrAppend(&src, "#define CT_TABLE_BINDING ", inputs + 1, "\n");
    absl::StrAppend(&src, MathLibrary(spec.in));
  }
  absl::StrAppend(&src, HelperFunctions(dtypes), apply->helper, apply->code,
                  Text(kernels::kElementwiseGlsl));
  return src;
}

}  // namespace cotangent::vulkan
