// File: core/primitive.cc
// Name, arity and kind tables generated from core/primitives.def.

#include "core/primitive.h"

namespace cotangent {
namespace {

struct PrimitiveInfo {
  const char* name;
  int arity;
  PrimitiveKind kind;
};

constexpr PrimitiveInfo kInfo[] = {
#define PRIMITIVE(enum_name, name, arity, kind) {name, arity, PrimitiveKind::kind},
#include "core/primitives.def"
#undef PRIMITIVE
};
static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == kNumPrimitives);

}  // namespace

const char* PrimitiveName(Primitive prim) { return kInfo[static_cast<int>(prim)].name; }
int PrimitiveArity(Primitive prim) { return kInfo[static_cast<int>(prim)].arity; }
PrimitiveKind KindOf(Primitive prim) { return kInfo[static_cast<int>(prim)].kind; }

}  // namespace cotangent
