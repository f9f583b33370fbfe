// File: core/rules.h
// The rule tables: per primitive, abstract evaluation (the only place operands are validated),
// and the jvp, transpose and batching rules the transformations use. Rules of one family live
// together in core/rules/<family>.cc and are registered explicitly from core/rules.cc.

#ifndef COTANGENT_CORE_RULES_H_
#define COTANGENT_CORE_RULES_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent {

// Computes the output shape and dtype, or throws an Error naming the primitive and the shapes.
using AbstractEvalRule = ShapedArray (*)(absl::Span<const ShapedArray> in, const Params& params);

// Forward mode: the output tangent from the primals, their tangents (undefined = symbolic zero,
// not all undefined) and the primal output. Written with traced ops, so it is differentiable.
using JvpRule = Tensor (*)(absl::Span<const Tensor> primals, absl::Span<const Tensor> tangents,
                           const Tensor& primal_out, const Params& params);

// Linear primitives: the cotangents of the linear operands (undefined in `operands`, their
// avals given) from the output cotangent ct. Entries for non-linear operands stay undefined.
using TransposeRule = std::vector<Tensor> (*)(const Tensor& ct, absl::Span<const Tensor> operands,
                                              absl::Span<const ShapedArray> avals,
                                              const Params& params);

// vmap: the result and its batch axis from operands with batch axes (kNotMapped = unbatched,
// not all unbatched).
inline constexpr int64_t kNotMapped = -1;
struct Batched {
  Tensor value;
  int64_t bdim = kNotMapped;
};
using BatchRule = Batched (*)(absl::Span<const Tensor> args, absl::Span<const int64_t> bdims,
                              const Params& params);

struct PrimitiveRules {
  AbstractEvalRule abstract_eval = nullptr;
  JvpRule jvp = nullptr;
  TransposeRule transpose = nullptr;
  BatchRule batch = nullptr;
  // Declared to have a zero derivative everywhere it is defined (compare, argmax, floor...).
  bool non_differentiable = false;
};

class RuleTable {
 public:
  PrimitiveRules& operator[](Primitive prim) { return rules_[static_cast<int>(prim)]; }
  const PrimitiveRules& operator[](Primitive prim) const { return rules_[static_cast<int>(prim)]; }

 private:
  std::array<PrimitiveRules, kNumPrimitives> rules_;
};

// The table, built once on first use by the Register*Rules functions below.
const RuleTable& Rules();

// Runs the abstract evaluation rule of prim and checks its result with CheckShape.
ShapedArray AbstractEval(Primitive prim, absl::Span<const ShapedArray> in, const Params& params);

void RegisterElementwiseRules(RuleTable& table);
void RegisterReductionRules(RuleTable& table);
void RegisterMovementRules(RuleTable& table);
void RegisterDotGeneralRules(RuleTable& table);

}  // namespace cotangent

#endif  // COTANGENT_CORE_RULES_H_
