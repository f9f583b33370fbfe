// File: core/rules/elementwise.cc
// Rules of the elementwise families: unary, binary, compare, select, convert_element_type and
// the complex parts, one block per primitive in the order of core/primitives.def, each ending
// with its kDef.
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
using rules::Def;
using rules::Instantiate;
using rules::ScaleTangent;
using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;
using Bdims = absl::Span<const int64_t>;

// ---- The family's rules, for what a block leaves out ----

// Operands of a binary primitive: same shape, same dtype.
void CheckSameAval(Primitive prim, const ShapedArray& x, const ShapedArray& y) {
  if (x.shape != y.shape) {
    ThrowInvalid(PrimitiveName(prim), ": incompatible shapes ", x.ToString(), " and ", y.ToString());
  }
  if (x.dtype != y.dtype) {
    ThrowInvalid(PrimitiveName(prim), ": mismatched dtypes ", x.ToString(), " and ", y.ToString());
  }
}

ShapedArray UnaryAbstractEval(Avals in, const Params&) { return in[0]; }

template <Primitive prim>
ShapedArray BinaryAbstractEval(Avals in, const Params&) {
  CheckSameAval(prim, in[0], in[1]);
  return in[0];
}

template <Primitive prim>
ShapedArray CompareAbstractEval(Avals in, const Params&) {
  CheckSameAval(prim, in[0], in[1]);
  return ShapedArray{in[0].shape, DType::kBool};
}

// Operate on the batched operands as they are, with every batch axis at the first batched
// operand's position and unbatched operands broadcast along it (a view).
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

// Each row's block, below. Rows with none have only the family's rules: sign, floor, ceil,
// round, not, stop_gradient, nextafter, and, or and the comparisons (derivative kZero, not
// linear).
template <Primitive prim>
constexpr Def kDef = {};

// ---- Unary ----

// neg: d(-x) = -dx; ct_x = -ct
Tensor NegJvp(Span, Span t, const Tensor&, const Params&) { return lax::neg(t[0]); }
std::vector<Tensor> NegTranspose(const Tensor& ct, Span, Avals, const Params&) {
  return {lax::neg(ct)};
}
template <> constexpr Def kDef<Primitive::kNeg> = {.tangent = NegJvp, .transpose = NegTranspose};

// The result type of abs, real and imag: x's shape, and the real dtype of a complex x's parts.
ShapedArray RealPartAbstractEval(Avals in, const Params&) {
  return ShapedArray{in[0].shape, RealPart(in[0].dtype)};
}

// abs: d|x| = sign(x) dx; of a complex z = x + iy (a real result), d|z| = Re(conj(z) dz) / |z|,
// and 0 at z = 0 (JAX's).
Tensor AbsJvp(Span x, Span t, const Tensor& out, const Params&) {
  if (!IsComplex(x[0].dtype())) return lax::mul(t[0], lax::sign(x[0]));
  const Tensor safe = lax::select(lax::eq(out, Const(out, 0.0)), Const(out, 1.0), out);
  const Tensor unit = lax::div(lax::conj(x[0]), lax::convert_element_type(safe, x[0].dtype()));
  return lax::real(lax::mul(t[0], unit));
}
template <>
constexpr Def kDef<Primitive::kAbs> = {.abstract_eval = RealPartAbstractEval, .tangent = AbsJvp};

// exp: d exp(x) = exp(x) dx
Tensor ExpJvp(Span, Span t, const Tensor& out, const Params&) { return lax::mul(t[0], out); }
template <> constexpr Def kDef<Primitive::kExp> = {.tangent = ExpJvp};

// log: d log(x) = dx / x
Tensor LogJvp(Span x, Span t, const Tensor&, const Params&) { return lax::div(t[0], x[0]); }
template <> constexpr Def kDef<Primitive::kLog> = {.tangent = LogJvp};

// log1p: d log1p(x) = dx / (1 + x)
Tensor Log1pJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::div(t[0], lax::add(x[0], Const(x[0], 1.0)));
}
template <> constexpr Def kDef<Primitive::kLog1p> = {.tangent = Log1pJvp};

// expm1: d expm1(x) = (expm1(x) + 1) dx
Tensor Expm1Jvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::mul(t[0], lax::add(out, Const(out, 1.0)));
}
template <> constexpr Def kDef<Primitive::kExpm1> = {.tangent = Expm1Jvp};

// sin: d sin(x) = cos(x) dx
Tensor SinJvp(Span x, Span t, const Tensor&, const Params&) { return lax::mul(t[0], lax::cos(x[0])); }
template <> constexpr Def kDef<Primitive::kSin> = {.tangent = SinJvp};

// cos: d cos(x) = -sin(x) dx
Tensor CosJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::neg(lax::mul(t[0], lax::sin(x[0])));
}
template <> constexpr Def kDef<Primitive::kCos> = {.tangent = CosJvp};

// tanh: d tanh(x) = (1 - tanh(x)^2) dx
Tensor TanhJvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::mul(t[0], lax::sub(Const(out, 1.0), lax::mul(out, out)));
}
template <> constexpr Def kDef<Primitive::kTanh> = {.tangent = TanhJvp};

// sqrt: d sqrt(x) = dx / (2 sqrt(x))
Tensor SqrtJvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::div(t[0], lax::mul(out, Const(out, 2.0)));
}
template <> constexpr Def kDef<Primitive::kSqrt> = {.tangent = SqrtJvp};

// erf: d erf(x) = 2/sqrt(pi) exp(-x^2) dx; erfc the negative
constexpr double kTwoOverSqrtPi = 1.1283791670955126;
Tensor ErfDerivative(const Tensor& x, double scale) {
  return lax::mul(Const(x, scale), lax::exp(lax::neg(lax::mul(x, x))));
}
Tensor ErfJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::mul(t[0], ErfDerivative(x[0], kTwoOverSqrtPi));
}
template <> constexpr Def kDef<Primitive::kErf> = {.tangent = ErfJvp};
Tensor ErfcJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::mul(t[0], ErfDerivative(x[0], -kTwoOverSqrtPi));
}
template <> constexpr Def kDef<Primitive::kErfc> = {.tangent = ErfcJvp};

// erf_inv: d erf_inv(x) = sqrt(pi)/2 exp(erf_inv(x)^2) dx
Tensor ErfInvJvp(Span, Span t, const Tensor& out, const Params&) {
  return lax::mul(t[0], lax::mul(Const(out, 1 / kTwoOverSqrtPi), lax::exp(lax::mul(out, out))));
}
template <> constexpr Def kDef<Primitive::kErfInv> = {.tangent = ErfInvJvp};

// lgamma: d lgamma(x) = digamma(x) dx; digamma: d digamma(x) = polygamma(1, x) dx = zeta(2, x) dx
Tensor LgammaJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::mul(t[0], lax::digamma(x[0]));
}
template <> constexpr Def kDef<Primitive::kLgamma> = {.tangent = LgammaJvp};
Tensor DigammaJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::mul(t[0], lax::zeta(Const(x[0], 2.0), x[0]));
}
template <> constexpr Def kDef<Primitive::kDigamma> = {.tangent = DigammaJvp};

// bessel_i0e: d = (i1e(x) - sign(x) i0e(x)) dx; bessel_i1e: d = (i0e(x) - i1e(x) (sign(x) +
// 1/x)) dx, 1/2 where |x| <= eps (JAX's rules)
Tensor BesselI0eJvp(Span x, Span t, const Tensor& out, const Params&) {
  return lax::mul(t[0], lax::sub(lax::bessel_i1e(x[0]), lax::mul(lax::sign(x[0]), out)));
}
template <> constexpr Def kDef<Primitive::kBesselI0e> = {.tangent = BesselI0eJvp};
Tensor BesselI1eJvp(Span x, Span t, const Tensor& out, const Params&) {
  const double eps = finfo(x[0].dtype()).eps;
  const Tensor big = lax::gt(lax::abs(x[0]), Const(x[0], eps));
  const Tensor safe = lax::select(big, x[0], Const(x[0], eps));
  const Tensor d = lax::sub(lax::bessel_i0e(safe), lax::mul(out, lax::add(lax::sign(safe),
                                                                           lax::div(Const(safe, 1.0), safe))));
  return lax::mul(t[0], lax::select(big, d, Const(x[0], 0.5)));
}
template <> constexpr Def kDef<Primitive::kBesselI1e> = {.tangent = BesselI1eJvp};

// ---- Binary ----

// add: d(x + y) = dx + dy; ct_x = ct_y = ct
Tensor AddJvp(Span, Span t, const Tensor&, const Params&) { return AddTangents(t[0], t[1]); }
std::vector<Tensor> AddTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  return {x[0].defined() ? Tensor() : ct, x[1].defined() ? Tensor() : ct};
}
template <> constexpr Def kDef<Primitive::kAdd> = {.tangent = AddJvp, .transpose = AddTranspose};

// sub: d(x - y) = dx - dy; ct_x = ct, ct_y = -ct
Tensor SubJvp(Span, Span t, const Tensor&, const Params&) {
  if (t[0].defined() && t[1].defined()) return lax::sub(t[0], t[1]);
  return t[0].defined() ? t[0] : lax::neg(t[1]);
}
std::vector<Tensor> SubTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  return {x[0].defined() ? Tensor() : ct, x[1].defined() ? Tensor() : lax::neg(ct)};
}
template <> constexpr Def kDef<Primitive::kSub> = {.tangent = SubJvp, .transpose = SubTranspose};

// mul: d(x y) = dx y + x dy; with a constant operand c, ct_x = ct c. For x * x the tangent is
// dx (2 x), one product with the tangent, not three operations on it (tangents are the large
// operands under jacfwd / vmap).
Tensor MulJvp(Span x, Span t, const Tensor&, const Params&) {
  if (x[0].node() == x[1].node() && t[0].defined() && t[0].node() == t[1].node()) {
    return lax::mul(t[0], lax::mul(x[0], Const(x[0], 2.0)));
  }
  // Sequenced: the order of the recorded equations must not depend on the compiler's order of
  // evaluating arguments.
  const Tensor dx_y = ScaleTangent(t[0], x[1]);
  return AddTangents(dx_y, ScaleTangent(t[1], x[0]));
}
std::vector<Tensor> MulTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  if (!x[0].defined()) return {lax::mul(ct, x[1]), Tensor()};
  return {Tensor(), lax::mul(x[0], ct)};
}
template <> constexpr Def kDef<Primitive::kMul> = {.tangent = MulJvp, .transpose = MulTranspose};

// div: d(x / y) = (dx - (x / y) dy) / y; with a constant denominator, ct_x = ct / y
Tensor DivJvp(Span x, Span t, const Tensor& out, const Params&) {
  const Tensor num = AddTangents(t[0], t[1].defined() ? lax::neg(lax::mul(t[1], out)) : Tensor());
  return lax::div(num, x[1]);
}
std::vector<Tensor> DivTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  return {lax::div(ct, x[1]), Tensor()};
}
template <> constexpr Def kDef<Primitive::kDiv> = {.tangent = DivJvp, .transpose = DivTranspose};

// pow: d(x^y) = y x^(y-1) dx + log(x) x^y dy, JAX's lax.pow rules for floating y (pow is
// floating only here): the first term has no special case (so d/dy of it at y = 0 is 1/x, and
// x = y = 0 gives 0 * inf = NaN, as in JAX); in the second, log(0) is read as log(1) = 0, so
// x = 0 gives a zero derivative in y.
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
template <> constexpr Def kDef<Primitive::kPow> = {.tangent = PowJvp};

// atan2(x, y): d = (y dx - x dy) / (x^2 + y^2)
Tensor Atan2Jvp(Span x, Span t, const Tensor&, const Params&) {
  const Tensor dx = ScaleTangent(t[0], x[1]);
  const Tensor num = AddTangents(dx, t[1].defined() ? lax::neg(lax::mul(t[1], x[0])) : Tensor());
  return lax::div(num, lax::add(lax::mul(x[0], x[0]), lax::mul(x[1], x[1])));
}
template <> constexpr Def kDef<Primitive::kAtan2> = {.tangent = Atan2Jvp};

// rem(x, y) = x - trunc(x / y) y: d = dx - trunc(x / y) dy (JAX's rule, trunc written as
// sign(q) floor(|q|))
Tensor RemJvp(Span x, Span t, const Tensor&, const Params&) {
  if (!t[1].defined()) return t[0];
  const Tensor q = lax::div(x[0], x[1]);
  const Tensor trunc = lax::mul(lax::sign(q), lax::floor(lax::abs(q)));
  return AddTangents(t[0], lax::neg(lax::mul(t[1], trunc)));
}
template <> constexpr Def kDef<Primitive::kRem> = {.tangent = RemJvp};

// zeta(s, q): d/dq = -s zeta(s + 1, q); none in s (as JAX's zeta)
Tensor ZetaJvp(Span x, Span t, const Tensor&, const Params&) {
  if (t[0].defined()) ThrowInvalid("zeta: not differentiable in s (its first operand), as in JAX");
  return lax::mul(t[1], lax::neg(lax::mul(x[0], lax::zeta(lax::add(x[0], Const(x[0], 1.0)), x[1]))));
}
template <> constexpr Def kDef<Primitive::kZeta> = {.tangent = ZetaJvp};

// igamma(a, x): dP = igamma_grad_a(a, x) da + p(a, x) dx, p = x^(a-1) e^-x / Gamma(a) the
// Gamma(a) density (JAX's rules; x^0 = 1 at x = 0); igammac: -dP. igamma_grad_a: d/dx = p
// (log x - digamma(a)). random_gamma_grad S = -(dP/da) / p: dS/dx = digamma(a) - log x -
// S ((a - 1)/x - 1). Neither of the last two has a derivative in a (no closed form).
Tensor GammaDensity(const Tensor& a, const Tensor& x) {
  const Tensor am1 = lax::sub(a, Const(a, 1.0));
  const Tensor power = lax::select(lax::eq(am1, Const(a, 0.0)), am1, lax::mul(am1, lax::log(x)));
  return lax::exp(lax::sub(power, lax::add(x, lax::lgamma(a))));
}
template <bool kComplement>
Tensor IgammaJvp(Span x, Span t, const Tensor&, const Params&) {
  const Tensor d = AddTangents(ScaleTangent(t[0], lax::igamma_grad_a(x[0], x[1])),
                               ScaleTangent(t[1], GammaDensity(x[0], x[1])));
  return kComplement ? lax::neg(d) : d;
}
template <>
constexpr Def kDef<Primitive::kIgamma> = {.tangent = IgammaJvp<false>};
template <>
constexpr Def kDef<Primitive::kIgammac> = {.tangent = IgammaJvp<true>};
void NoDerivativeInA(const char* op, Span t) {
  if (t[0].defined()) ThrowInvalid(op, ": not differentiable in a (its first operand)");
}
Tensor IgammaGradAJvp(Span x, Span t, const Tensor&, const Params&) {
  NoDerivativeInA("igamma_grad_a", t);
  return lax::mul(t[1],
                  lax::mul(GammaDensity(x[0], x[1]), lax::sub(lax::log(x[1]), lax::digamma(x[0]))));
}
template <>
constexpr Def kDef<Primitive::kIgammaGradA> = {.tangent = IgammaGradAJvp};
Tensor RandomGammaGradJvp(Span x, Span t, const Tensor& out, const Params&) {
  NoDerivativeInA("random_gamma_grad", t);
  const Tensor& a = x[0];
  const Tensor slope = lax::sub(lax::div(lax::sub(a, Const(a, 1.0)), x[1]), Const(a, 1.0));
  return lax::mul(t[1], lax::sub(lax::sub(lax::digamma(a), lax::log(x[1])), lax::mul(out, slope)));
}
template <>
constexpr Def kDef<Primitive::kRandomGammaGrad> = {.tangent = RandomGammaGradJvp};

// max and min: d max(x, y) = m(x, y) dx + m(y, x) dy where m(a, b) is 1 where a is the result
// and b is not, 1/2 where both are (ties share) and 0 elsewhere (JAX's _balanced_eq). It only
// compares operands with the result, so it holds for every order: complex max and min
// (lexicographic) included.
Tensor ChooserJvp(Span x, Span t, const Tensor& out, const Params&) {
  const auto share = [&](const Tensor& a, const Tensor& b) {
    return lax::select(lax::eq(a, out), lax::select(lax::eq(b, out), Const(a, 0.5), Const(a, 1.0)),
                       Const(a, 0.0));
  };
  return AddTangents(ScaleTangent(t[0], share(x[0], x[1])), ScaleTangent(t[1], share(x[1], x[0])));
}
template <> constexpr Def kDef<Primitive::kMax> = {.tangent = ChooserJvp};
template <> constexpr Def kDef<Primitive::kMin> = {.tangent = ChooserJvp};

// ---- Select and convert ----

// select: d select(p, a, b) = select(p, da, db); ct_a = select(p, ct, 0), ct_b = select(p, 0, ct)
ShapedArray SelectAbstractEval(Avals in, const Params&) {
  CheckSameAval(Primitive::kSelect, in[1], in[2]);
  if (in[0].shape != in[1].shape) {
    ThrowInvalid("select: predicate shape ", in[0].ToString(), " differs from operand shape ",
                 in[1].ToString());
  }
  return in[1];
}
Tensor SelectJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::select(x[0], Instantiate(t[1], x[1].aval()), Instantiate(t[2], x[2].aval()));
}
std::vector<Tensor> SelectTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  const Tensor zero = Const(ct, 0.0);
  return {Tensor(), x[1].defined() ? Tensor() : lax::select(x[0], ct, zero),
          x[2].defined() ? Tensor() : lax::select(x[0], zero, ct)};
}
template <> constexpr Def kDef<Primitive::kSelect> = {
    .abstract_eval = SelectAbstractEval, .tangent = SelectJvp, .transpose = SelectTranspose};

// convert: between float types the tangent converts too (integers have none); ct_x = convert(ct)
ShapedArray ConvertAbstractEval(Avals in, const Params& params) {
  return ShapedArray{in[0].shape, params.new_dtype};
}
Tensor ConvertJvp(Span x, Span t, const Tensor&, const Params& p) {
  if (!IsInexact(x[0].dtype()) || !IsInexact(p.new_dtype)) return Tensor();
  return lax::convert_element_type(t[0], p.new_dtype);
}
std::vector<Tensor> ConvertTranspose(const Tensor& ct, Span, Avals avals, const Params&) {
  return {lax::convert_element_type(ct, avals[0].dtype)};
}
template <> constexpr Def kDef<Primitive::kConvert> = {
    .abstract_eval = ConvertAbstractEval, .tangent = ConvertJvp, .transpose = ConvertTranspose};

// ---- Complex parts ----
// Linear over the reals. Their transposes are JAX's: with the pairing <a, b> = Re(sum a b) of
// complex cotangents and values (no conjugate, as every bilinear transpose here), ct_z of
// real is ct + 0i, of imag -i ct, of conj conj(ct), and (ct_x, ct_y) of complex are
// (Re ct, -Im ct).

ShapedArray ComplexAbstractEval(Avals in, const Params&) {
  CheckSameAval(Primitive::kComplex, in[0], in[1]);
  if (in[0].dtype != DType::kF32 && in[0].dtype != DType::kF64) {
    ThrowInvalid("complex: expected f32 or f64 parts, got ", in[0].ToString());
  }
  return ShapedArray{in[0].shape, ComplexOf(in[0].dtype)};
}
template <Primitive prim>
Tensor LinearJvp(Span, Span t, const Tensor&, const Params& p) {
  return Bind1(prim, {t[0]}, p);
}
Tensor ComplexJvp(Span x, Span t, const Tensor&, const Params&) {
  return lax::complex(Instantiate(t[0], x[0].aval()), Instantiate(t[1], x[1].aval()));
}
std::vector<Tensor> RealTranspose(const Tensor& ct, Span, Avals, const Params&) {
  return {lax::complex(ct, Const(ct, 0.0))};
}
std::vector<Tensor> ImagTranspose(const Tensor& ct, Span, Avals, const Params&) {
  return {lax::complex(Const(ct, 0.0), lax::neg(ct))};
}
std::vector<Tensor> ConjTranspose(const Tensor& ct, Span, Avals, const Params&) {
  return {lax::conj(ct)};
}
std::vector<Tensor> ComplexTranspose(const Tensor& ct, Span x, Avals, const Params&) {
  return {x[0].defined() ? Tensor() : lax::real(ct),
          x[1].defined() ? Tensor() : lax::neg(lax::imag(ct))};
}
template <>
constexpr Def kDef<Primitive::kReal> = {.abstract_eval = RealPartAbstractEval,
                                        .tangent = LinearJvp<Primitive::kReal>,
                                        .transpose = RealTranspose};
template <>
constexpr Def kDef<Primitive::kImag> = {.abstract_eval = RealPartAbstractEval,
                                        .tangent = LinearJvp<Primitive::kImag>,
                                        .transpose = ImagTranspose};
template <>
constexpr Def kDef<Primitive::kConj> = {.abstract_eval = UnaryAbstractEval,
                                        .tangent = LinearJvp<Primitive::kConj>,
                                        .transpose = ConjTranspose};
template <>
constexpr Def kDef<Primitive::kComplex> = {
    .abstract_eval = ComplexAbstractEval, .tangent = ComplexJvp, .transpose = ComplexTranspose};

// A row's block completed with the family's rules.
template <Primitive prim>
constexpr Def WithFamily() {
  Def def = kDef<prim>;
  if (def.abstract_eval == nullptr) {
    if constexpr (KindOf(prim) == PrimitiveKind::kUnary) def.abstract_eval = UnaryAbstractEval;
    if constexpr (KindOf(prim) == PrimitiveKind::kBinary) {
      def.abstract_eval = BinaryAbstractEval<prim>;
    }
    if constexpr (KindOf(prim) == PrimitiveKind::kCompare) {
      def.abstract_eval = CompareAbstractEval<prim>;
    }
  }
  if (def.batch == nullptr) def.batch = ElementwiseBatch<prim>;
  return def;
}
template <Primitive prim>
constexpr Def kFamilyDef = WithFamily<prim>();

}  // namespace

void RegisterElementwiseRules(RuleTable& table) {
  ForEachPrimitive([&]<Primitive prim>() {
    if constexpr (IsElementwiseMap(prim) || KindOf(prim) == PrimitiveKind::kSelect ||
                  KindOf(prim) == PrimitiveKind::kConvert ||
                  KindOf(prim) == PrimitiveKind::kComplexParts) {
      rules::Define<prim, kFamilyDef<prim>>(table);
    }
  });
}

}  // namespace cotangent
