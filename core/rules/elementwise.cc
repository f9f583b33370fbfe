// File: core/rules/elementwise.cc
// Rules of the elementwise families: unary, binary, compare, select and convert_element_type.
// Operands of one primitive share a shape and (but for select's predicate) a dtype; numpy-style
// broadcasting and promotion happen above, in cotangent/numpy.cc.

#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using rules::AddTangents;
using rules::Const;
using rules::Instantiate;
using rules::ScaleTangent;

// Which dtypes an elementwise primitive accepts.
enum class Accepts { kFloat, kNumeric, kBool, kAny };

Accepts AcceptedDTypes(Primitive prim) {
  switch (prim) {
    case Primitive::kExp: case Primitive::kLog: case Primitive::kLog1p: case Primitive::kExpm1:
    case Primitive::kSin: case Primitive::kCos: case Primitive::kTanh: case Primitive::kSqrt:
    case Primitive::kFloor: case Primitive::kPow:
      return Accepts::kFloat;
    case Primitive::kNeg: case Primitive::kSign: case Primitive::kAbs: case Primitive::kAdd:
    case Primitive::kSub: case Primitive::kMul: case Primitive::kDiv:
      return Accepts::kNumeric;
    case Primitive::kLogicalNot: case Primitive::kLogicalAnd: case Primitive::kLogicalOr:
      return Accepts::kBool;
    default:
      return Accepts::kAny;
  }
}

void CheckDType(Primitive prim, const ShapedArray& x) {
  switch (AcceptedDTypes(prim)) {
    case Accepts::kFloat:
      if (!IsFloating(x.dtype)) {
        ThrowInvalid(PrimitiveName(prim), ": expected a floating-point operand, got ", x.ToString());
      }
      break;
    case Accepts::kNumeric:
      if (x.dtype == DType::kBool) {
        ThrowInvalid(PrimitiveName(prim), ": expected a numeric operand, got ", x.ToString());
      }
      break;
    case Accepts::kBool:
      if (x.dtype != DType::kBool) {
        ThrowInvalid(PrimitiveName(prim), ": expected a bool operand, got ", x.ToString());
      }
      break;
    case Accepts::kAny:
      break;
  }
}

// Operands of a binary primitive: same shape, same dtype.
void CheckSameAval(Primitive prim, const ShapedArray& x, const ShapedArray& y) {
  if (x.shape != y.shape) {
    ThrowInvalid(PrimitiveName(prim), ": incompatible shapes ", x.ToString(), " and ", y.ToString());
  }
  if (x.dtype != y.dtype) {
    ThrowInvalid(PrimitiveName(prim), ": mismatched dtypes ", x.ToString(), " and ", y.ToString());
  }
}

template <Primitive prim>
ShapedArray UnaryAbstractEval(absl::Span<const ShapedArray> in, const Params&) {
  CheckDType(prim, in[0]);
  return in[0];
}

template <Primitive prim>
ShapedArray BinaryAbstractEval(absl::Span<const ShapedArray> in, const Params&) {
  CheckSameAval(prim, in[0], in[1]);
  CheckDType(prim, in[0]);
  return in[0];
}

template <Primitive prim>
ShapedArray CompareAbstractEval(absl::Span<const ShapedArray> in, const Params&) {
  CheckSameAval(prim, in[0], in[1]);
  return ShapedArray{in[0].shape, DType::kBool};
}

ShapedArray SelectAbstractEval(absl::Span<const ShapedArray> in, const Params&) {
  const ShapedArray& pred = in[0];
  if (pred.dtype != DType::kBool) {
    ThrowInvalid("select: predicate must be bool, got ", pred.ToString());
  }
  CheckSameAval(Primitive::kSelect, in[1], in[2]);
  if (pred.shape != in[1].shape) {
    ThrowInvalid("select: predicate shape ", pred.ToString(), " differs from operand shape ",
                 in[1].ToString());
  }
  return in[1];
}

ShapedArray ConvertAbstractEval(absl::Span<const ShapedArray> in, const Params& params) {
  return ShapedArray{in[0].shape, params.new_dtype};
}


// ---- jvp rules: the tangent of the output, from the primals and (maybe zero) tangents. ----

using Span = absl::Span<const Tensor>;

// d(-x) = -dx
Tensor NegJvp(Span, Span t, const Tensor&, const Params&) { return lax::neg(t[0]); }
// d|x| = sign(x) dx
Tensor AbsJvp(Span x, Span t, const Tensor&, const Params&) { return lax::mul(t[0], lax::sign(x[0])); }
// d exp(x) = exp(x) dx
Tensor ExpJvp(Span, Span t, const Tensor& out, const Params&) { return lax::mul(t[0], out); }
// d log(x) = dx / x
Tensor LogJvp(Span x, Span t, const Tensor&, const Params&) { return lax::div(t[0], x[0]); }
// d log1p(x) = dx / (1 + x)
Tensor Log1pJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::div(t[0], lax::add(x[0], Const(x[0], 1.0)));
}
// d expm1(x) = (expm1(x) + 1) dx
Tensor Expm1Jvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::mul(t[0], lax::add(out, Const(out, 1.0)));
}
// d sin(x) = cos(x) dx
Tensor SinJvp(Span x, Span t, const Tensor&, const Params&) { return lax::mul(t[0], lax::cos(x[0])); }
// d cos(x) = -sin(x) dx
Tensor CosJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::neg(lax::mul(t[0], lax::sin(x[0])));
}
// d tanh(x) = (1 - tanh(x)^2) dx
Tensor TanhJvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::mul(t[0], lax::sub(Const(out, 1.0), lax::mul(out, out)));
}
// d sqrt(x) = dx / (2 sqrt(x))
Tensor SqrtJvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::div(t[0], lax::mul(out, Const(out, 2.0)));
}

// d(x + y) = dx + dy
Tensor AddJvp(Span, Span t, const Tensor&, const Params&) { return AddTangents(t[0], t[1]); }
// d(x - y) = dx - dy
Tensor SubJvp(Span, Span t, const Tensor&, const Params&) {
  if (t[0].defined() && t[1].defined()) return lax::sub(t[0], t[1]);
  return t[0].defined() ? t[0] : lax::neg(t[1]);
}
// d(x y) = dx y + x dy; for x * x that is dx (2 x), one product with the tangent, not three
// operations on it (tangents are the large operands under jacfwd / vmap).
Tensor MulJvp(Span x, Span t, const Tensor&, const Params&) {
  if (x[0].node() == x[1].node() && t[0].defined() && t[0].node() == t[1].node()) {
    return lax::mul(t[0], lax::mul(x[0], Const(x[0], 2.0)));
  }
  // Sequenced: the order of the recorded equations must not depend on the compiler's order of
  // evaluating arguments.
  const Tensor dx_y = ScaleTangent(t[0], x[1]);
  return AddTangents(dx_y, ScaleTangent(t[1], x[0]));
}
// d(x / y) = (dx - (x / y) dy) / y
Tensor DivJvp(Span x, Span t, const Tensor& out, const Params&) {
  const Tensor num = AddTangents(t[0], t[1].defined() ? lax::neg(lax::mul(t[1], out)) : Tensor());
  return lax::div(num, x[1]);
}
// d(x^y) = y x^(y-1) dx + log(x) x^y dy, JAX's lax.pow rules for floating y (pow is floating
// only here): the first term has no special case (so d/dy of it at y = 0 is 1/x, and x = y = 0
// gives 0 * inf = NaN, as in JAX); in the second, log(0) is read as log(1) = 0, so x = 0 gives
// a zero derivative in y.
Tensor PowJvp(Span x, Span t, const Tensor& out, const Params&) {
  Tensor dx, dy;
  if (t[0].defined()) {
    const Tensor& y = x[1];
    dx = lax::mul(t[0], lax::mul(y, lax::pow(x[0], lax::sub(y, Const(y, 1.0)))));
  }
  if (t[1].defined()) {
    const Tensor safe_x = lax::select(lax::eq(x[0], Const(x[0], 0.0)), Const(x[0], 1.0), x[0]);
    dy = lax::mul(t[1], lax::mul(lax::log(safe_x), out));
  }
  return AddTangents(dx, dy);
}
// d max(x, y) = m dx + (1 - m) dy with m = 1 where x > y, 1/2 at ties, 0 elsewhere.
// MinJvp is the same with x < y.
template <Primitive kWins>
Tensor ChooserJvp(Span x, Span t, const Tensor&, const Params&) {
  const DType dtype = x[0].dtype();
  const Tensor wins = lax::convert_element_type(Bind1(kWins, {x[0], x[1]}), dtype);
  const Tensor ties = lax::convert_element_type(lax::eq(x[0], x[1]), dtype);
  const Tensor m = lax::add(wins, lax::mul(ties, Const(x[0], 0.5)));
  return AddTangents(ScaleTangent(t[0], m), ScaleTangent(t[1], lax::sub(Const(m, 1.0), m)));
}
// d select(p, a, b) = select(p, da, db)
Tensor SelectJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::select(x[0], Instantiate(t[1], x[1].aval()), Instantiate(t[2], x[2].aval()));
}
// Converting between float types converts the tangent; integers have none.
Tensor ConvertJvp(Span x, Span t, const Tensor&, const Params& p) {
  if (!IsFloating(x[0].dtype()) || !IsFloating(p.new_dtype)) return Tensor();
  return lax::convert_element_type(t[0], p.new_dtype);
}

// ---- transpose rules: cotangents of the linear operands (undefined in x). ----

using Avals = absl::Span<const ShapedArray>;

// neg: ct_x = -ct
std::vector<Tensor> NegTranspose(const Tensor& ct, Span, Avals, const Params&) {
  return {lax::neg(ct)};
}
// add: ct_x = ct_y = ct
std::vector<Tensor> AddTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  return {x[0].defined() ? Tensor() : ct, x[1].defined() ? Tensor() : ct};
}
// sub: ct_x = ct, ct_y = -ct
std::vector<Tensor> SubTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  return {x[0].defined() ? Tensor() : ct, x[1].defined() ? Tensor() : lax::neg(ct)};
}
[[noreturn]] void ThrowNonlinear(Primitive prim, Avals avals) {
  ThrowInvalid("transpose: ", PrimitiveName(prim), " of ", avals[0].ToString(), " and ",
               avals[1].ToString(), " is not linear in its undefined operands");
}
// mul with one constant operand c: ct_x = ct c
std::vector<Tensor> MulTranspose(const Tensor& ct, Span x, Avals avals, const Params&) {
  if (!x[0].defined() && !x[1].defined()) ThrowNonlinear(Primitive::kMul, avals);
  if (!x[0].defined()) return {lax::mul(ct, x[1]), Tensor()};
  return {Tensor(), lax::mul(x[0], ct)};
}
// div with a constant denominator y: ct_x = ct / y
std::vector<Tensor> DivTranspose(const Tensor& ct, Span x, Avals avals, const Params&) {
  if (!x[1].defined()) ThrowNonlinear(Primitive::kDiv, avals);
  return {lax::div(ct, x[1]), Tensor()};
}
// select with a constant predicate: ct_a = select(p, ct, 0), ct_b = select(p, 0, ct)
std::vector<Tensor> SelectTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  const Tensor zero = Const(ct, 0.0);
  return {Tensor(), x[1].defined() ? Tensor() : lax::select(x[0], ct, zero),
          x[2].defined() ? Tensor() : lax::select(x[0], zero, ct)};
}
// convert: ct_x = convert(ct, dtype of x)
std::vector<Tensor> ConvertTranspose(const Tensor& ct, Span, Avals avals, const Params&) {
  return {lax::convert_element_type(ct, avals[0].dtype)};
}


// ---- batch rules ----

using Bdims = absl::Span<const int64_t>;

// Elementwise: operate on the batched operands as they are, with every batch axis at the first
// batched operand's position and unbatched operands broadcast along it (a view).
template <Primitive prim>
Batched ElementwiseBatch(Span x, Bdims bdims, const Params& p) {
  int64_t bdim = kNotMapped;
  for (int64_t b : bdims) {
    if (bdim == kNotMapped) bdim = b;
  }
  if (x.size() == 1) return {Bind1(prim, {x[0]}, p), bdim};
  const int64_t size = rules::BatchSize(x, bdims);
  std::vector<Tensor> operands;
  for (size_t i = 0; i < x.size(); ++i) {
    operands.push_back(rules::MaterializeBatch(x[i], bdims[i], size, bdim));
  }
  return {Bind1(prim, operands, p), bdim};
}

}  // namespace

void RegisterElementwiseRules(RuleTable& table) {
#define PRIMITIVE(enum_name, name, arity, outputs, kind)                                      \
  if constexpr (PrimitiveKind::kind == PrimitiveKind::kUnary) {                      \
    table[Primitive::enum_name].abstract_eval = rules::AbstractEval1<UnaryAbstractEval<Primitive::enum_name>>;   \
  } else if constexpr (PrimitiveKind::kind == PrimitiveKind::kBinary) {              \
    table[Primitive::enum_name].abstract_eval = rules::AbstractEval1<BinaryAbstractEval<Primitive::enum_name>>;  \
  } else if constexpr (PrimitiveKind::kind == PrimitiveKind::kCompare) {             \
    table[Primitive::enum_name].abstract_eval = rules::AbstractEval1<CompareAbstractEval<Primitive::enum_name>>; \
    table[Primitive::enum_name].non_differentiable = true;                           \
  }
#include "core/primitives.def"
#undef PRIMITIVE
  table[Primitive::kSelect].abstract_eval = rules::AbstractEval1<SelectAbstractEval>;
  table[Primitive::kConvert].abstract_eval = rules::AbstractEval1<ConvertAbstractEval>;
  for (Primitive prim : {Primitive::kSign, Primitive::kFloor, Primitive::kLogicalNot,
                         Primitive::kStopGradient,
                         Primitive::kLogicalAnd, Primitive::kLogicalOr}) {
    table[prim].non_differentiable = true;
  }
  table[Primitive::kNeg].tangent = NegJvp;
  table[Primitive::kAbs].tangent = AbsJvp;
  table[Primitive::kExp].tangent = ExpJvp;
  table[Primitive::kLog].tangent = LogJvp;
  table[Primitive::kLog1p].tangent = Log1pJvp;
  table[Primitive::kExpm1].tangent = Expm1Jvp;
  table[Primitive::kSin].tangent = SinJvp;
  table[Primitive::kCos].tangent = CosJvp;
  table[Primitive::kTanh].tangent = TanhJvp;
  table[Primitive::kSqrt].tangent = SqrtJvp;
  table[Primitive::kAdd].tangent = AddJvp;
  table[Primitive::kSub].tangent = SubJvp;
  table[Primitive::kMul].tangent = MulJvp;
  table[Primitive::kDiv].tangent = DivJvp;
  table[Primitive::kPow].tangent = PowJvp;
  table[Primitive::kMax].tangent = ChooserJvp<Primitive::kGt>;
  table[Primitive::kMin].tangent = ChooserJvp<Primitive::kLt>;
  table[Primitive::kSelect].tangent = SelectJvp;
  table[Primitive::kConvert].tangent = ConvertJvp;

  table[Primitive::kNeg].transpose = rules::Transpose1<NegTranspose>;
  table[Primitive::kAdd].transpose = rules::Transpose1<AddTranspose>;
  table[Primitive::kSub].transpose = rules::Transpose1<SubTranspose>;
  table[Primitive::kMul].transpose = rules::Transpose1<MulTranspose>;
  table[Primitive::kDiv].transpose = rules::Transpose1<DivTranspose>;
  table[Primitive::kSelect].transpose = rules::Transpose1<SelectTranspose>;
  table[Primitive::kConvert].transpose = rules::Transpose1<ConvertTranspose>;

#define PRIMITIVE(enum_name, name, arity, outputs, kind)                                        \
  if constexpr (PrimitiveKind::kind == PrimitiveKind::kUnary ||                        \
                PrimitiveKind::kind == PrimitiveKind::kBinary ||                       \
                PrimitiveKind::kind == PrimitiveKind::kCompare ||                      \
                PrimitiveKind::kind == PrimitiveKind::kSelect ||                       \
                PrimitiveKind::kind == PrimitiveKind::kConvert) {                      \
    table[Primitive::enum_name].batch = rules::Batch1<ElementwiseBatch<Primitive::enum_name>>;        \
  }
#include "core/primitives.def"
#undef PRIMITIVE
}

}  // namespace cotangent
