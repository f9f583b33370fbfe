// File: core/primitive.h
// The closed set of primitives, generated from core/primitives.def: the enum, the name, the
// arity, the number of outputs and the kind (family) of each.

#ifndef COTANGENT_CORE_PRIMITIVE_H_
#define COTANGENT_CORE_PRIMITIVE_H_

#include <cstdint>
#include <string_view>

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
  kCall,  // higher-order: carries a program in its params
};

enum class Primitive : uint8_t {
#define PRIMITIVE(enum_name, name, arity, outputs, kind) enum_name,
#include "core/primitives.def"
#undef PRIMITIVE
};

inline constexpr int kNumPrimitives = 0
#define PRIMITIVE(enum_name, name, arity, outputs, kind) +1
#include "core/primitives.def"
#undef PRIMITIVE
    ;

// "add", "dot_general", ... as in error messages and printed programs.
const char* PrimitiveName(Primitive prim);

// Number of operands, or -1 for variadic primitives.
int PrimitiveArity(Primitive prim);

// Number of outputs, or -1 when the params say (a call has its program's).
int PrimitiveOutputs(Primitive prim);

PrimitiveKind KindOf(Primitive prim);

}  // namespace cotangent

#endif  // COTANGENT_CORE_PRIMITIVE_H_
