// File: core/primitive.cc
// Name, arity, outputs and kind tables generated from core/primitives.def.

#include "core/primitive.h"

namespace cotangent {
namespace {

struct PrimitiveInfo {
  const char* name;
  int arity;
  int outputs;
  PrimitiveKind kind;
};

constexpr PrimitiveInfo kInfo[] = {
#define PRIMITIVE(enum_name, name, arity, outputs, kind) {name, arity, outputs, PrimitiveKind::kind},
#include "core/primitives.def"
#undef PRIMITIVE
};
static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == kNumPrimitives);

}  // namespace

const char* PrimitiveName(Primitive prim) { return kInfo[static_cast<int>(prim)].name; }
int PrimitiveArity(Primitive prim) { return kInfo[static_cast<int>(prim)].arity; }
int PrimitiveOutputs(Primitive prim) { return kInfo[static_cast<int>(prim)].outputs; }
PrimitiveKind KindOf(Primitive prim) { return kInfo[static_cast<int>(prim)].kind; }

}  // namespace cotangent
