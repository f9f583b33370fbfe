// File: core/primitive.h
// The closed set of primitives, generated from core/primitives.def: the enum and, per row, the
// name, arity, outputs, kind (family), accepted operand dtypes, linearity and derivative, all
// constexpr, so that rules, kernels and tests derive their lists from them at compile time.

#ifndef COTANGENT_CORE_PRIMITIVE_H_
#define COTANGENT_CORE_PRIMITIVE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/dtype.h"

namespace cotangent {

// Families of primitives; rules of one family live together in core/rules/<family>.cc.
enum class PrimitiveKind : uint8_t {
  kUnary,
  kBinary,
  kCompare,
  kSelect,
  kConvert,
  kReduce,
  kMovement,
  kContraction,
  kIndexing,      // gather, the scatters, argsort: elements placed by index values
  kLinalg,        // factorizations and solves over the last two axes (LAPACK's)
  kCollective,    // psum, all_gather...: over named axes, run by the interpreter binding them
  kComplexParts,  // real, imag, conj, complex: run as real arrays (core/complex_eval.h)
  kCall,          // higher-order: carries a program in its params
};

enum class Primitive : uint8_t {
#define PRIMITIVE(enum_name, ...) enum_name,
#include "core/primitives.def"
#undef PRIMITIVE
};

inline constexpr int kNumPrimitives = 0
#define PRIMITIVE(...) +1
#include "core/primitives.def"
#undef PRIMITIVE
    ;

// The dtypes an operand accepts.
enum class DTypeClass : uint8_t {
  kFloat,        // f16, bf16, f32, f64
  kInexact,      // the floats and c64, c128
  kComplex,      // c64, c128
  kNumeric,      // all but bool (and float0)
  kRealNumeric,  // the integers and floats: numbers with an order
  kOrdered,      // bool, the integers and floats: all but complex (JAX's _ordered)
  kInteger,      // u8, u32, i32, i64
  kBitwise,      // bool and the integers: the bitwise ops' operands
  kBool,
  kIndex,  // i32: index values
  kAny,    // all but float0, which no primitive takes
};

constexpr bool InClass(DType dtype, DTypeClass c) {
  switch (c) {
    case DTypeClass::kFloat: return IsFloating(dtype);
    case DTypeClass::kInexact: return IsInexact(dtype);
    case DTypeClass::kComplex: return IsComplex(dtype);
    case DTypeClass::kNumeric: return dtype != DType::kBool && dtype != DType::kFloat0;
    case DTypeClass::kRealNumeric: return IsInteger(dtype) || IsFloating(dtype);
    case DTypeClass::kOrdered: return dtype != DType::kFloat0 && !IsComplex(dtype);
    case DTypeClass::kInteger: return IsInteger(dtype);
    case DTypeClass::kBitwise: return dtype == DType::kBool || IsInteger(dtype);
    case DTypeClass::kBool: return dtype == DType::kBool;
    case DTypeClass::kIndex: return dtype == DType::kI32;
    case DTypeClass::kAny: return dtype != DType::kFloat0;
  }
  return false;
}

// A row's dtypes column: the class of each operand, the last one repeating for the rest.
struct OperandDTypes {
  constexpr OperandDTypes(DTypeClass all) : classes{all}, count(1) {}  // NOLINT: the column
  constexpr DTypeClass operator[](size_t operand) const {
    return classes[operand < count ? operand : count - 1];
  }
  std::array<DTypeClass, 3> classes;
  uint8_t count;
};

// Operands(kBool, kAny): operand 0 bool, the others any dtype.
template <typename... C>
constexpr OperandDTypes Operands(DTypeClass first, C... rest) {
  OperandDTypes d(first);
  ((d.classes[d.count++] = rest), ...);
  return d;
}

// A row's linear column: the operands reverse mode may transpose it in.
struct Linearity {
  enum class Form : uint8_t {
    kNone,      // not linear
    kJointly,   // in the operands of `operands` together (the others constant)
    kEach,      // in each operand with the others constant: bilinear, as mul and dot_general
    kByParams,  // in the operands the params say (a call's program, custom_lin's tangents)
  };
  Form form = Form::kNone;
  uint32_t operands = 0;  // bit i: operand i (kJointly, kEach)

  constexpr bool linear() const { return form != Form::kNone; }
  constexpr bool In(size_t operand) const {
    return form == Form::kByParams || (operand < 32 && ((operands >> operand) & 1u) != 0);
  }
};
inline constexpr Linearity kNotLinear{};
inline constexpr Linearity kLinear{Linearity::Form::kJointly, ~0u};
inline constexpr Linearity kBilinear{Linearity::Form::kEach, ~0u};
inline constexpr Linearity kByParams{Linearity::Form::kByParams, 0};
// Linear in these operands together, the others held constant (div: LinearIn(0)).
template <typename... I>
constexpr Linearity LinearIn(I... operands) {
  return {Linearity::Form::kJointly, ((1u << operands) | ...)};
}

// A row's derivative column.
enum class Derivative : uint8_t {
  kByRule,  // a jvp rule
  kZero,    // zero wherever defined: the tangent is a symbolic zero (the rules' non_differentiable)
  kNever,   // never differentiated or batched: lives only in linear programs (custom_lin)
};

// One row of core/primitives.def.
struct PrimitiveInfo {
  const char* name;  // "add", "dot_general", ... as in error messages and printed programs
  int arity;         // operands, or -1 for variadic primitives
  int outputs;       // or -1 when the params say (a call has its program's)
  PrimitiveKind kind;
  OperandDTypes dtypes;
  Linearity linear;
  Derivative derivative;
};

namespace primitive_table {
// The column values unqualified, as the rows spell them.
using enum DTypeClass;
using enum Derivative;

inline constexpr PrimitiveInfo kRows[] = {
#define PRIMITIVE(enum_name, name, arity, outputs, kind, dtypes, linear, derivative) \
  {name, arity, outputs, PrimitiveKind::kind, dtypes, linear, derivative},
#include "core/primitives.def"
#undef PRIMITIVE
};
static_assert(std::size(kRows) == kNumPrimitives);
}  // namespace primitive_table

constexpr const PrimitiveInfo& InfoOf(Primitive prim) {
  return primitive_table::kRows[static_cast<int>(prim)];
}
constexpr const char* PrimitiveName(Primitive prim) { return InfoOf(prim).name; }
constexpr int PrimitiveArity(Primitive prim) { return InfoOf(prim).arity; }
constexpr int PrimitiveOutputs(Primitive prim) { return InfoOf(prim).outputs; }
constexpr PrimitiveKind KindOf(Primitive prim) { return InfoOf(prim).kind; }
constexpr DTypeClass OperandDType(Primitive prim, size_t operand) {
  return InfoOf(prim).dtypes[operand];
}
constexpr Linearity LinearityOf(Primitive prim) { return InfoOf(prim).linear; }
constexpr bool IsLinear(Primitive prim) { return InfoOf(prim).linear.linear(); }
constexpr Derivative DerivativeOf(Primitive prim) { return InfoOf(prim).derivative; }

// Unary, binary and compare rows: one function of each element (pair of elements) of operands
// of one dtype. Backends derive their kernels for these rows from the row and one expression.
constexpr bool IsElementwiseMap(Primitive prim) {
  const PrimitiveKind k = KindOf(prim);
  return k == PrimitiveKind::kUnary || k == PrimitiveKind::kBinary ||
         k == PrimitiveKind::kCompare;
}

// f.template operator()<prim>() for every row in order: compile-time iteration over the table.
template <typename F>
constexpr void ForEachPrimitive(F&& f) {
  [&]<size_t... i>(std::index_sequence<i...>) {
    (f.template operator()<static_cast<Primitive>(i)>(), ...);
  }(std::make_index_sequence<kNumPrimitives>());
}

// Every row's value of F<prim>(), indexed by the enum (kernel tables of the backends).
template <typename T, typename F>
constexpr std::array<T, kNumPrimitives> TableOf(F&& f) {
  return [&]<size_t... i>(std::index_sequence<i...>) {
    return std::array<T, kNumPrimitives>{f.template operator()<static_cast<Primitive>(i)>()...};
  }(std::make_index_sequence<kNumPrimitives>());
}

}  // namespace cotangent

#endif  // COTANGENT_CORE_PRIMITIVE_H_
