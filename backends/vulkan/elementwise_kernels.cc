// File: backends/vulkan/elementwise_kernels.cc
// The per-primitive math of the generated elementwise kernels (Expression) and the assembly
// of a complete shader around kernels/elementwise.glsl.

#include "backends/vulkan/elementwise_kernels.h"

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
    case DType::kI32: return absl::StrCat("ivec", width);
    case DType::kF32: return absl::StrCat("vec", width);
    case DType::kF64: return absl::StrCat("dvec", width);
  }
  return "";
}

bool IsFloat(DType dtype) { return dtype == DType::kF32 || dtype == DType::kF64; }

// float -> i32 as convert_element_type: truncation toward zero, NaN -> 0, saturation.
constexpr const char* kToI32 = R"glsl(
int ct_to_i32(FROM x) {
  if (isnan(x)) return 0;
  if (x >= FROM(2147483648.0)) return 2147483647;
  if (x <= FROM(-2147483648.0)) return int(0x80000000u);
  return int(x);
}
)glsl";

struct Expression {
  std::string text;    // GLSL of the result from a (and b, or p, a, b for select)
  bool math = false;   // needs the math library of the dtype
  std::string helper;  // extra GLSL functions
};

absl::Status Rejects(const ElementwiseSpec& spec) {
  return absl::InvalidArgumentError(absl::StrCat("vulkan: ", PrimitiveName(spec.prim),
                                                 " has no kernel for ", DTypeName(spec.in)));
}

absl::StatusOr<Expression> ConvertExpression(DType from, DType to) {
  const std::string t = ComputeType(to);
  if (from == to) return Expression{"a"};
  if (to == DType::kBool) {
    return Expression{from == DType::kBool ? "uint(a != 0u)"
                                           : absl::StrCat("uint(!(a == ", ComputeType(from), "(0)))")};
  }
  if (from == DType::kBool) return Expression{absl::StrCat("a != 0u ? ", t, "(1) : ", t, "(0)")};
  if (to == DType::kI32) {
    return Expression{"ct_to_i32(a)", false,
                      absl::StrReplaceAll(kToI32, {{"FROM", ComputeType(from)}})};
  }
  return Expression{absl::StrCat(t, "(a)")};
}

// The GLSL of each elementwise row, for the dtypes its row accepts (checked by the caller
// against core/primitives.def): no default, so a new row does not compile until it is here.
absl::StatusOr<Expression> MathExpression(const ElementwiseSpec& spec) {
  const DType d = spec.in;
  const bool is_int = d == DType::kI32, is_float = IsFloat(d);
  const std::string t = ComputeType(d);
  // ct_<fn>(a) / ct_<fn>(a, b) from kernels/math_{common,f32,f64}.glsl, in the dtype's precision.
  const auto math = [](std::string fn, int args) {
    return Expression{absl::StrCat("ct_", fn, args == 1 ? "(a)" : "(a, b)"), true};
  };
  // i32 +, -, *, negation wrap modulo 2^32: computed on uint, whose overflow is defined.
  const auto wrapping = [&](const char* op) {
    return Expression{is_int ? absl::StrCat("int(uint(a) ", op, " uint(b))")
                             : absl::StrCat("a ", op, " b")};
  };
  switch (spec.prim) {
    case Primitive::kNeg: return Expression{is_int ? "int(0u - uint(a))" : "-a"};
    // sign keeps a float zero's sign and NaN.
    case Primitive::kSign:
      return Expression{absl::StrCat("a > ", t, "(0) ? ", t, "(1) : (a < ", t, "(0) ? ", t,
                                     "(-1) : a)")};
    // abs(INT32_MIN) wraps to INT32_MIN.
    case Primitive::kAbs: return Expression{is_int ? "a < 0 ? int(0u - uint(a)) : a" : "abs(a)"};
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
    case Primitive::kLogicalNot: return Expression{"uint(a == 0u)"};
    case Primitive::kStopGradient: return Expression{"a"};
    case Primitive::kAdd: return wrapping("+");
    case Primitive::kSub: return wrapping("-");
    case Primitive::kMul: return wrapping("*");
    // Integer division truncates; as XLA, x / 0 = -1 and INT32_MIN / -1 = INT32_MIN.
    case Primitive::kDiv:
      return Expression{is_int ? "b == 0 ? -1 : (b == -1 ? int(0u - uint(a)) : a / b)" : "a / b"};
    case Primitive::kPow: return math("pow", 2);
    case Primitive::kAtan2: return math("atan2", 2);
    case Primitive::kNextafter: return math("nextafter", 2);
    case Primitive::kZeta: return math("zeta", 2);
    // i32: C's % (OpSDiv truncates), with XLA's x rem 0 = x and INT32_MIN rem -1 = 0; floats:
    // the exact fmod of the math library.
    case Primitive::kRem:
      return is_int ? Expression{"b == 0 ? a : (b == -1 ? 0 : int(uint(a) - uint(a / b) * uint(b)))"}
                    : math("fmod", 2);
    // max/min return NaN when either operand is NaN.
    case Primitive::kMax:
      return Expression{is_float ? "(a > b || isnan(a)) ? a : b" : "a > b ? a : b"};
    case Primitive::kMin:
      return Expression{is_float ? "(a < b || isnan(a)) ? a : b" : "a < b ? a : b"};
    case Primitive::kLogicalAnd: return Expression{"uint(a != 0u && b != 0u)"};
    case Primitive::kLogicalOr: return Expression{"uint(a != 0u || b != 0u)"};
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
    case Primitive::kArgmax:
    case Primitive::kReshape:
    case Primitive::kTranspose:
    case Primitive::kBroadcastInDim:
    case Primitive::kSlice:
    case Primitive::kPad:
    case Primitive::kConcatenate:
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
    case DType::kI32: return "int";
    case DType::kF32: return "float";
    case DType::kF64: return "double";
  }
  return "";
}

const char* ComputeType(DType dtype) {
  switch (dtype) {
    case DType::kBool: return "uint";
    case DType::kI32: return "int";
    case DType::kF32: return "float";
    case DType::kF64: return "double";
  }
  return "";
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
  bool bytes = spec.out == DType::kBool;
  for (int k = 0; k < inputs; ++k) bytes = bytes || input(k) == DType::kBool;
  std::string src = "#version 450\n";
  if (bytes) absl::StrAppend(&src, "#extension GL_EXT_shader_8bit_storage : require\n");
  const bool vec = spec.width > 1;
  absl::StrAppend(&src, "#define NUM_INPUTS ", inputs, "\n#define WIDTH ", spec.width, "\n#define OUT_T ", StorageType(spec.out),
                  "\n#define OUT_BUF_T ",
                  vec ? VectorType(spec.out, spec.width) : StorageType(spec.out),
                  "\n#define OUT_VEC_T ",
                  spec.out == DType::kBool ? absl::StrCat("uvec", spec.width)
                                           : VectorType(spec.out, spec.width),
                  "\n#define OUT_STORE(v) ", spec.out == DType::kBool ? "uint8_t(v)" : "(v)",
                  "\n");
  for (int k = 0; k < inputs; ++k) {
    const DType d = input(k);
    // Element i (scalar kernels: a buffer index; vector kernels: component c of vector i, or
    // the one element of a broadcast operand). 8-bit vectors are widened before indexing.
    const auto component = [&](const std::string& vector, const std::string& c) {
      return d == DType::kBool ? absl::StrCat("uvec", spec.width, "(", vector, ")[", c, "]")
                               : absl::StrCat(vector, "[", c, "]");
    };
    const std::string offset = absl::StrCat("pc.offset[", k, "]");
    const std::string element =
        !vec ? absl::StrCat(d == DType::kBool ? "uint" : "", "(in", k, "[i])")
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
    absl::StrAppend(&src, Text(kernels::kMathCommonGlsl),
                    Text(spec.in == DType::kF64 ? kernels::kMathF64Glsl : kernels::kMathF32Glsl));
  }
  absl::StrAppend(&src, apply->helper, apply->code, Text(kernels::kElementwiseGlsl));
  return src;
}

}  // namespace cotangent::vulkan
