// File: backends/vulkan/elementwise_kernels.cc
// The per-primitive math of the generated elementwise kernels (Expression) and the assembly
// of a complete shader around kernels/elementwise.glsl.

#include "backends/vulkan/elementwise_kernels.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "kernels/glsl_sources.h"

namespace cotangent::vulkan {
namespace {

// Storage type of a dtype in buffers (bool is one byte) and the type kernels compute in.
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

// Debian's Abseil has its own string_view, which StrCat takes and std::string_view is not.
absl::string_view Text(std::string_view s) { return {s.data(), s.size()}; }

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

absl::StatusOr<Expression> MathExpression(const ElementwiseSpec& spec) {
  const DType d = spec.in;
  const bool is_int = d == DType::kI32, is_bool = d == DType::kBool, is_float = IsFloat(d);
  const std::string t = ComputeType(d);
  const auto numeric = [&](std::string text) -> absl::StatusOr<Expression> {
    if (is_bool) return Rejects(spec);
    return Expression{std::move(text)};
  };
  const auto floating = [&](std::string fn, int args) -> absl::StatusOr<Expression> {
    if (!is_float) return Rejects(spec);
    return Expression{absl::StrCat("ct_", fn, args == 1 ? "(a)" : "(a, b)"), true};
  };
  const auto boolean = [&](std::string text) -> absl::StatusOr<Expression> {
    if (!is_bool) return Rejects(spec);
    return Expression{std::move(text)};
  };
  // i32 +, -, *, negation wrap modulo 2^32: computed on uint, whose overflow is defined.
  const auto wrapping = [&](const char* op) {
    return is_int ? absl::StrCat("int(uint(a) ", op, " uint(b))") : absl::StrCat("a ", op, " b");
  };
  switch (spec.prim) {
    case Primitive::kNeg: return numeric(is_int ? "int(0u - uint(a))" : "-a");
    // sign keeps a float zero's sign and NaN.
    case Primitive::kSign:
      return numeric(absl::StrCat("a > ", t, "(0) ? ", t, "(1) : (a < ", t, "(0) ? ", t,
                                  "(-1) : a)"));
    // abs(INT32_MIN) wraps to INT32_MIN.
    case Primitive::kAbs: return numeric(is_int ? "a < 0 ? int(0u - uint(a)) : a" : "abs(a)");
    case Primitive::kExp: return floating("exp", 1);
    case Primitive::kLog: return floating("log", 1);
    case Primitive::kLog1p: return floating("log1p", 1);
    case Primitive::kExpm1: return floating("expm1", 1);
    case Primitive::kSin: return floating("sin", 1);
    case Primitive::kCos: return floating("cos", 1);
    case Primitive::kTanh: return floating("tanh", 1);
    case Primitive::kSqrt: return floating("sqrt", 1);
    case Primitive::kFloor:
      if (!is_float) return Rejects(spec);
      return Expression{"floor(a)"};
    case Primitive::kLogicalNot: return boolean("uint(a == 0u)");
    case Primitive::kAdd: return numeric(wrapping("+"));
    case Primitive::kSub: return numeric(wrapping("-"));
    case Primitive::kMul: return numeric(wrapping("*"));
    // Integer division truncates; as XLA, x / 0 = -1 and INT32_MIN / -1 = INT32_MIN.
    case Primitive::kDiv:
      return numeric(is_int ? "b == 0 ? -1 : (b == -1 ? int(0u - uint(a)) : a / b)" : "a / b");
    case Primitive::kPow: return floating("pow", 2);
    // max/min return NaN when either operand is NaN.
    case Primitive::kMax:
      return Expression{is_float ? "(a > b || isnan(a)) ? a : b" : "a > b ? a : b"};
    case Primitive::kMin:
      return Expression{is_float ? "(a < b || isnan(a)) ? a : b" : "a < b ? a : b"};
    case Primitive::kLogicalAnd: return boolean("uint(a != 0u && b != 0u)");
    case Primitive::kLogicalOr: return boolean("uint(a != 0u || b != 0u)");
    // Compare: NaN compares unequal to everything (ordered comparisons; != is !(==)).
    case Primitive::kEq: return Expression{"uint(a == b)"};
    case Primitive::kNe: return Expression{"uint(!(a == b))"};
    case Primitive::kLt: return Expression{"uint(a < b)"};
    case Primitive::kLe: return Expression{"uint(a <= b)"};
    case Primitive::kGt: return Expression{"uint(a > b)"};
    case Primitive::kGe: return Expression{"uint(a >= b)"};
    case Primitive::kSelect: return Expression{"p != 0u ? a : b"};
    case Primitive::kConvert: return ConvertExpression(spec.in, spec.out);
    default:
      return absl::InvalidArgumentError(absl::StrCat("vulkan: ", PrimitiveName(spec.prim),
                                                     " is not elementwise"));
  }
}

int NumInputs(Primitive prim) {
  if (prim == Primitive::kSelect) return 3;
  return KindOf(prim) == PrimitiveKind::kBinary || KindOf(prim) == PrimitiveKind::kCompare ? 2
                                                                                            : 1;
}

}  // namespace

std::string ElementwiseKernelName(const ElementwiseSpec& spec) {
  return absl::StrCat("elementwise.", PrimitiveName(spec.prim), ".", DTypeName(spec.in), ".",
                      DTypeName(spec.out), spec.flat ? ".flat" : ".strided");
}

absl::StatusOr<std::string> ElementwiseSource(const ElementwiseSpec& spec) {
  absl::StatusOr<Expression> expression = MathExpression(spec);
  if (!expression.ok()) return expression.status();
  const int inputs = NumInputs(spec.prim);
  // Input k's dtype: select's predicate is bool, every other operand has dtype `in`.
  const auto input = [&](int k) {
    return spec.prim == Primitive::kSelect && k == 0 ? DType::kBool : spec.in;
  };
  bool bytes = spec.out == DType::kBool;
  for (int k = 0; k < inputs; ++k) bytes = bytes || input(k) == DType::kBool;
  std::string src = "#version 450\n";
  if (bytes) absl::StrAppend(&src, "#extension GL_EXT_shader_8bit_storage : require\n");
  absl::StrAppend(&src, "#define NUM_INPUTS ", inputs, "\n#define FLAT ", spec.flat ? 1 : 0,
                  "\n#define OUT_T ", StorageType(spec.out), "\n#define OUT_STORE(v) ",
                  spec.out == DType::kBool ? "uint8_t(v)" : "(v)", "\n");
  std::string params;
  for (int k = 0; k < inputs; ++k) {
    const DType d = input(k);
    absl::StrAppend(&src, "#define IN", k, "_T ", StorageType(d), "\n#define IN", k, "_LOAD(v) ",
                    d == DType::kBool ? "uint(v)" : "(v)", "\n");
    const char* name = spec.prim == Primitive::kSelect ? (k == 0 ? "p" : k == 1 ? "a" : "b")
                                                       : (k == 0 ? "a" : "b");
    absl::StrAppend(&params, k > 0 ? ", " : "", ComputeType(d), " ", name);
  }
  if (expression->math) {
    absl::StrAppend(&src, Text(kernels::kMathCommonGlsl),
                    Text(spec.in == DType::kF64 ? kernels::kMathF64Glsl : kernels::kMathF32Glsl));
  }
  absl::StrAppend(&src, expression->helper, ComputeType(spec.out), " apply(", params,
                  ") { return ", expression->text, "; }\n", Text(kernels::kElementwiseGlsl));
  return src;
}

}  // namespace cotangent::vulkan
