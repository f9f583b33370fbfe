// File: core/complex_eval.cc
// Complex equations as real ones (core/complex_eval.h). The formulas are the usual stable ones
// (C99 Annex G, Kahan's "Branch cuts for complex elementary functions"): division by Smith's
// scaling, |z| scaled by its larger part, sqrt without cancellation, tanh by Kahan.

#include "core/complex_eval.h"

#include <cmath>
#include <initializer_list>
#include <limits>

#include "absl/container/inlined_vector.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/layout.h"
#include "core/rules.h"
#include "core/shape.h"

namespace cotangent {
namespace {

using P = Primitive;

// A complex value as its two real parts (any strides).
struct Pair {
  Array re, im;
};

// Real primitives on one backend, and complex arithmetic on Pairs written with them.
class Lowering {
 public:
  explicit Lowering(Backend& backend) : backend_(backend) {}

  // prim of real operands: its one result.
  Array Op(Primitive prim, absl::Span<const Array> in, const Params& params = NoParams()) {
    absl::InlinedVector<ShapedArray, 3> avals;
    for (const Array& x : in) avals.push_back(x.aval);
    const AvalList out_avals = AbstractEval(prim, avals, params);
    Array out;
    RunEquation(backend_, prim, in, params, out_avals, absl::MakeSpan(&out, 1));
    return out;
  }
  Array Op(Primitive prim, std::initializer_list<Array> in, const Params& params = NoParams()) {
    return Op(prim, absl::MakeConstSpan(in.begin(), in.size()), params);
  }

  Array Add(const Array& a, const Array& b) { return Op(P::kAdd, {a, b}); }
  Array Sub(const Array& a, const Array& b) { return Op(P::kSub, {a, b}); }
  Array Mul(const Array& a, const Array& b) { return Op(P::kMul, {a, b}); }
  Array Div(const Array& a, const Array& b) { return Op(P::kDiv, {a, b}); }
  Array Select(const Array& p, const Array& a, const Array& b) { return Op(P::kSelect, {p, a, b}); }
  Array Abs(const Array& x) { return Op(P::kAbs, {x}); }
  Array Neg(const Array& x) { return Op(P::kNeg, {x}); }

  // value everywhere on like's shape and dtype: one element, broadcast (stride 0).
  Array Full(double value, const ShapedArray& like) {
    const ShapedArray scalar{{}, like.dtype};
    Array one = DenseArray(ValueOrThrow(backend_.Allocate(scalar.bytes())), scalar);
    ThrowIfError(backend_.Fill(one, value));
    return Array{one.buffer, like, Strides(like.rank(), 0), 0};
  }
  Array Full(double value, const Array& like) { return Full(value, like.aval); }

  // z's parts: its dtype's part type, z's shape and one more axis of size 2 (0 real, 1 imag).
  static Array Parts(const Array& z) { return ComplexPairs(z); }
  // One part of z (k = 0 real, 1 imaginary), a strided view.
  static Array Part(const Array& z, int k) {
    Array r = ComplexPairs(z);
    r.aval.shape.pop_back();
    r.strides.pop_back();
    r.offset += k;
    return r;
  }

  static Pair Views(const Array& z) { return {Part(z, 0), Part(z, 1)}; }

  // z's parts as two dense arrays, for formulas of several real equations: each part copied
  // once, so that the equations after it read dense data (their vector loops) rather than
  // every other element.
  Pair Split(const Array& z) {
    const auto dense = [&](const Array& part) {
      Params copy;
      copy.shape = part.aval.shape;
      return ValueOrThrow(backend_.Execute1(P::kReshape, {part}, copy, part.aval));
    };
    return {dense(Part(z, 0)), dense(Part(z, 1))};
  }

  // The complex array of dtype whose Parts are r (shape [..., 2]), copied to dense if needed.
  Array FromParts(Array r, DType dtype) {
    if (!r.IsContiguous() || r.offset % 2 != 0) {
      Params copy;
      copy.shape = r.aval.shape;
      r = ValueOrThrow(backend_.Execute1(P::kReshape, {r}, copy, r.aval));
    }
    Shape shape(r.aval.shape.begin(), r.aval.shape.end() - 1);
    Array z{r.buffer, {shape, dtype}, ContiguousStrides(shape), r.offset / 2};
    z.committed = r.committed;
    return z;
  }

  // The complex array with parts p: one concatenate of the parts along a new last axis.
  Array Join(const Pair& p) {
    const int64_t n = p.re.aval.rank();
    Params axis;
    axis.shape = p.re.aval.shape;
    axis.shape.push_back(1);
    for (int64_t d = 0; d < n; ++d) axis.broadcast_dimensions.push_back(d);
    Params concat;
    concat.dimension = n;
    const Array parts =
        Op(P::kConcatenate,
           {Op(P::kBroadcastInDim, {p.re}, axis), Op(P::kBroadcastInDim, {p.im}, axis)}, concat);
    return FromParts(parts, ComplexOf(p.re.aval.dtype));
  }

  // ---- complex arithmetic on parts ----

  Pair Mul(const Pair& a, const Pair& b) {  // (ac - bd) + (ad + bc) i
    return {Sub(Mul(a.re, b.re), Mul(a.im, b.im)), Add(Mul(a.re, b.im), Mul(a.im, b.re))};
  }

  // Smith's division: with r = d/c where |c| >= |d|, a+bi / c+di = ((a + b r) + (b - a r) i) /
  // (c + d r), and with the roles of c and d swapped otherwise, so that no |c|^2 + |d|^2
  // overflows or underflows.
  Pair Div(const Pair& a, const Pair& b) {
    const Array wide = Op(P::kGe, {Abs(b.re), Abs(b.im)});
    const Array r1 = Div(b.im, b.re), d1 = Add(b.re, Mul(b.im, r1));
    const Array r2 = Div(b.re, b.im), d2 = Add(b.im, Mul(b.re, r2));
    return {Select(wide, Div(Add(a.re, Mul(a.im, r1)), d1), Div(Add(Mul(a.re, r2), a.im), d2)),
            Select(wide, Div(Sub(a.im, Mul(a.re, r1)), d1), Div(Sub(Mul(a.im, r2), a.re), d2))};
  }

  // |x + yi| = m sqrt(1 + (n/m)^2), m and n the larger and smaller of |x|, |y|; m sqrt(2) when
  // they are equal (both zero or both infinite included).
  Array Hypot(const Array& x, const Array& y) {
    const Array ax = Abs(x), ay = Abs(y);
    const Array m = Op(P::kMax, {ax, ay}), n = Op(P::kMin, {ax, ay});
    const Array q = Div(n, m);
    const Array scaled = Mul(m, Op(P::kSqrt, {Add(Full(1.0, q), Mul(q, q))}));
    return Select(Op(P::kEq, {m, n}), Mul(m, Full(std::sqrt(2.0), m)), scaled);
  }

  // exp(x + yi) = e^x (cos y + i sin y); the imaginary part stays an exact 0 for y = 0 (where
  // e^x is infinite, inf * 0 would be NaN).
  Pair Exp(const Pair& z) {
    const Array e = Op(P::kExp, {z.re});
    const Array im = Mul(e, Op(P::kSin, {z.im}));
    return {Mul(e, Op(P::kCos, {z.im})), Select(IsZero(z.im), z.im, im)};
  }

  // log z = log|z| + i atan2(y, x): the principal branch, cut along the negative reals.
  Pair Log(const Pair& z) {
    return {Op(P::kLog, {Hypot(z.re, z.im)}), Op(P::kAtan2, {z.im, z.re})};
  }

  // log(1 + z): for |z| < 1/2, Re = log1p(2x + x^2 + y^2) / 2 without the cancellation of
  // 1 + x; beyond, log|1 + z|.
  Pair Log1p(const Pair& z) {
    const Array x1 = Add(z.re, Full(1.0, z.re));
    const Array near = Op(P::kLt, {Op(P::kMax, {Abs(z.re), Abs(z.im)}), Full(0.5, z.re)});
    const Array s = Add(Mul(z.re, Add(x1, Full(1.0, z.re))), Mul(z.im, z.im));
    const Array small = Mul(Op(P::kLog1p, {s}), Full(0.5, s));
    return {Select(near, small, Op(P::kLog, {Hypot(x1, z.im)})), Op(P::kAtan2, {z.im, x1})};
  }

  // exp(z) - 1 = (expm1(x) cos y - 2 sin^2(y/2)) + i e^x sin y: no cancellation near 0.
  Pair Expm1(const Pair& z) {
    const Array half = Op(P::kSin, {Mul(z.im, Full(0.5, z.im))});
    const Array re =
        Sub(Mul(Op(P::kExpm1, {z.re}), Op(P::kCos, {z.im})), Mul(Full(2.0, half), Mul(half, half)));
    const Array im = Mul(Op(P::kExp, {z.re}), Op(P::kSin, {z.im}));
    return {re, Select(IsZero(z.im), z.im, im)};
  }

  // cosh y and sinh y, the latter as (expm1(y) - expm1(-y)) / 2: exact near 0.
  std::pair<Array, Array> CoshSinh(const Array& y) {
    const Array half = Full(0.5, y);
    const Array cosh = Mul(half, Add(Op(P::kExp, {y}), Op(P::kExp, {Neg(y)})));
    return {cosh, Mul(half, Sub(Op(P::kExpm1, {y}), Op(P::kExpm1, {Neg(y)})))};
  }

  // sin(x + yi) = sin x cosh y + i cos x sinh y; cos(x + yi) = cos x cosh y - i sin x sinh y.
  Pair Sin(const Pair& z, bool cosine) {
    const auto [cosh, sinh] = CoshSinh(z.im);
    const Array s = Op(P::kSin, {z.re}), c = Op(P::kCos, {z.re});
    if (cosine) return {Mul(c, cosh), Neg(Mul(s, sinh))};
    return {Mul(s, cosh), Mul(c, sinh)};
  }

  // Kahan's tanh: with t = tan y, b = 1 + t^2, s = sinh x, r = sqrt(1 + s^2),
  // tanh(x + yi) = (b r s + i t) / (1 + b s^2); past |x| = 20 tanh is sign(x) to within both
  // precisions (and the formula would divide infinities).
  Pair Tanh(const Pair& z) {
    const Array t = Div(Op(P::kSin, {z.im}), Op(P::kCos, {z.im}));
    const Array b = Add(Full(1.0, t), Mul(t, t));
    const Array s = CoshSinh(z.re).second;
    const Array s2 = Mul(s, s);
    const Array r = Op(P::kSqrt, {Add(Full(1.0, s2), s2)});
    const Array d = Add(Full(1.0, s2), Mul(b, s2));
    const Array far = Op(P::kGt, {Abs(z.re), Full(20.0, z.re)});
    return {Select(far, Op(P::kSign, {z.re}), Div(Mul(Mul(b, r), s), d)),
            Select(far, Full(0.0, t), Div(t, d))};
  }

  // The principal square root: t = sqrt((|x| + |z|) / 2), then (t, y / 2t) for x >= 0 and
  // (|y| / 2t, +-t with y's sign) for x < 0; 0 at 0.
  Pair Sqrt(const Pair& z) {
    const Array t = Op(P::kSqrt, {Mul(Add(Abs(z.re), Hypot(z.re, z.im)), Full(0.5, z.re))});
    const Array u = Div(z.im, Add(t, t));
    const Array right = Op(P::kGe, {z.re, Full(0.0, z.re)});
    const Array zero = IsZero(t);
    const Array signed_t = Select(Op(P::kLt, {z.im, Full(0.0, z.im)}), Neg(t), t);
    return {Select(zero, t, Select(right, t, Abs(u))),
            Select(zero, z.im, Select(right, u, signed_t))};
  }

  // a^b = exp(b log a); 0^b is 1 for b = 0 and 0 for Re b > 0 (log 0 = -inf would give NaN).
  Pair Pow(const Pair& a, const Pair& b) {
    const Pair p = Exp(Mul(b, Log(a)));
    const Array base0 = And(IsZero(a.re), IsZero(a.im));
    const Array b0 = And(IsZero(b.re), IsZero(b.im));
    const Array positive = Op(P::kGt, {b.re, Full(0.0, b.re)});
    const Array zero = Full(0.0, p.re);
    const Array re = Select(b0, Full(1.0, zero), Select(positive, zero, p.re));
    const Array im = Select(Op(P::kOr, {b0, positive}), zero, p.im);
    return {Select(base0, re, p.re), Select(base0, im, p.im)};
  }

  // z / |z|, and 0 at 0.
  Pair Sign(const Pair& z) {
    const Array a = Hypot(z.re, z.im);
    const Array zero = IsZero(a);
    const Array one = Select(zero, Full(1.0, a), a);
    return {Select(zero, z.re, Div(z.re, one)), Select(zero, z.im, Div(z.im, one))};
  }

  Array IsZero(const Array& x) { return Op(P::kEq, {x, Full(0.0, x)}); }
  Array And(const Array& a, const Array& b) { return Op(P::kAnd, {a, b}); }

  // ---- the equation ----

  Array Run(Primitive prim, absl::Span<const Array> in, const Params& p, const ShapedArray& out);

 private:
  // prim of the complex operands' Parts (shape [..., 2]) with its params extended by the parts'
  // axis (kept last and whole), as a complex result.
  Array OnParts(Primitive prim, absl::Span<const Array> in, const Params& p, DType dtype);

  Backend& backend_;
};

Array Lowering::OnParts(Primitive prim, absl::Span<const Array> in, const Params& p, DType dtype) {
  absl::InlinedVector<Array, 2> parts;
  for (const Array& x : in) parts.push_back(Parts(x));
  const int64_t n = in[0].aval.rank();
  Params q = p;
  switch (prim) {
    case P::kReshape: q.shape.push_back(2); break;
    case P::kTranspose: q.permutation.push_back(n); break;
    case P::kBroadcastInDim:
      q.broadcast_dimensions.push_back(static_cast<int64_t>(q.shape.size()));
      q.shape.push_back(2);
      break;
    case P::kSlice:
      q.start.push_back(0);
      q.limit.push_back(2);
      if (!q.stride.empty()) q.stride.push_back(1);
      break;
    default: break;  // elementwise, reductions over the leading axes, collectives, concatenate
  }
  return FromParts(Op(prim, parts, q), dtype);
}

Array Lowering::Run(Primitive prim, absl::Span<const Array> in, const Params& p,
                    const ShapedArray& out) {
  switch (prim) {
    case P::kStopGradient: return in[0];
    case P::kNeg:
    case P::kAdd:
    case P::kSub:
    case P::kReshape:
    case P::kTranspose:
    case P::kBroadcastInDim:
    case P::kSlice:
    case P::kConcatenate:
    case P::kPsum:
    case P::kAllGather:
    case P::kReduceScatter:
    case P::kAllToAll:
    case P::kPpermute: return OnParts(prim, in, p, out.dtype);
    case P::kSelect: {
      Params wide;
      wide.shape = in[1].aval.shape;
      wide.shape.push_back(2);
      for (int64_t d = 0; d < in[0].aval.rank(); ++d) wide.broadcast_dimensions.push_back(d);
      const Array pred = Op(P::kBroadcastInDim, {in[0]}, wide);
      return FromParts(Op(P::kSelect, {pred, Parts(in[1]), Parts(in[2])}), out.dtype);
    }
    case P::kPad:
    case P::kGather: {  // the parts separately: the padding or fill value is real
      Params im = p;
      im.padding_value = 0;
      im.fill_value = 0;
      absl::InlinedVector<Array, 2> re_in(in.begin(), in.end()), im_in(in.begin(), in.end());
      re_in[0] = Part(in[0], 0);
      im_in[0] = Part(in[0], 1);
      return Join({Op(prim, re_in, p), Op(prim, im_in, im)});
    }
    case P::kScatter:
    case P::kScatterAdd: {
      const Array re = Op(prim, {Part(in[0], 0), in[1], Part(in[2], 0)}, p);
      return Join({re, Op(prim, {Part(in[0], 1), in[1], Part(in[2], 1)}, p)});
    }
    case P::kConvert: {
      const DType from = in[0].aval.dtype, to = p.new_dtype;
      Params part;
      part.new_dtype = RealPart(to);
      if (IsComplex(from) && IsComplex(to)) return FromParts(Op(prim, {Parts(in[0])}, part), to);
      if (IsComplex(to)) {
        const Array re = Op(prim, {in[0]}, part);
        return Join({re, Full(0.0, re)});
      }
      if (to == DType::kBool) {  // z != 0: one pass over each part, no dense copy
        const Pair z = Views(in[0]);
        return Op(P::kOr,
                  {Op(P::kNe, {z.re, Full(0.0, z.re)}), Op(P::kNe, {z.im, Full(0.0, z.im)})});
      }
      return Op(prim, {Part(in[0], 0)}, p);  // the real part, as JAX
    }
    case P::kEq:
    case P::kNe: {
      const Pair a = Views(in[0]), b = Views(in[1]);  // one pass each: no dense copy
      const Array re = Op(prim, {a.re, b.re}), im = Op(prim, {a.im, b.im});
      return Op(prim == P::kEq ? P::kAnd : P::kOr, {re, im});
    }
    case P::kDotGeneral: {
      const Pair a = Split(in[0]), b = Split(in[1]);
      const auto dot = [&](const Array& x, const Array& y) { return Op(prim, {x, y}, p); };
      return Join({Sub(dot(a.re, b.re), dot(a.im, b.im)), Add(dot(a.re, b.im), dot(a.im, b.re))});
    }
    case P::kReduceSum: {
      // Each part densely: reducing the leading axes of the [..., 2] view would step through
      // every other element.
      const Pair z = Split(in[0]);
      return Join({Op(prim, {z.re}, p), Op(prim, {z.im}, p)});
    }
    case P::kMul: return Join(Mul(Split(in[0]), Split(in[1])));
    case P::kDiv: return Join(Div(Split(in[0]), Split(in[1])));
    case P::kPow: return Join(Pow(Split(in[0]), Split(in[1])));
    case P::kExp: return Join(Exp(Split(in[0])));
    case P::kLog: return Join(Log(Split(in[0])));
    case P::kLog1p: return Join(Log1p(Split(in[0])));
    case P::kExpm1: return Join(Expm1(Split(in[0])));
    case P::kSin: return Join(Sin(Split(in[0]), false));
    case P::kCos: return Join(Sin(Split(in[0]), true));
    case P::kTanh: return Join(Tanh(Split(in[0])));
    case P::kSqrt: return Join(Sqrt(Split(in[0])));
    case P::kSign: return Join(Sign(Split(in[0])));
    case P::kAbs: return Hypot(Part(in[0], 0), Part(in[0], 1));
    case P::kReal: return Part(in[0], 0);
    case P::kImag: return Part(in[0], 1);
    case P::kConj: return Join({Part(in[0], 0), Neg(Part(in[0], 1))});
    case P::kComplex: return Join({in[0], in[1]});
    default: break;
  }
  ThrowInvalid(PrimitiveName(prim), ": no complex form (the dtype check admitted ",
               in[0].aval.ToString(), ")");
}

}  // namespace

bool InvolvesComplex(absl::Span<const Array> arrays, absl::Span<const ShapedArray> out_avals) {
  for (const Array& x : arrays) {
    if (IsComplex(x.aval.dtype)) return true;
  }
  for (const ShapedArray& aval : out_avals) {
    if (IsComplex(aval.dtype)) return true;
  }
  return false;
}

void RunComplex(Backend& backend, Primitive prim, absl::Span<const Array> arrays,
                const Params& params, absl::Span<const ShapedArray> out_avals,
                absl::Span<Array> outs) {
  Lowering lowering(backend);
  outs[0] = lowering.Run(prim, arrays, params, out_avals[0]);
}

Array ComplexFromParts(const Array& re, const Array& im) {
  return Lowering(re.backend()).Join({re, im});
}

}  // namespace cotangent
