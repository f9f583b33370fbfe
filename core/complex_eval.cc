// File: core/complex_eval.cc
// Complex equations as real ones (core/complex_eval.h): eagerly, each equation on its arrays'
// parts; under jit, a program's equations rewritten on parts before fusion. One set of
// formulas serves both (PartsMath), the usual stable ones (C99 Annex G, Kahan's "Branch cuts
// for complex elementary functions"): division by Smith's scaling, |z| scaled by its larger
// part, sqrt without cancellation, tanh by Kahan.

#include "core/complex_eval.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/layout.h"
#include "core/rules.h"
#include "core/shape.h"

namespace cotangent {
namespace {

using P = Primitive;

// A complex value as its two real parts: arrays (eager evaluation, any strides) or atoms of a
// program (jit's lowering).
template <typename V>
struct PairOf {
  V re, im;
};

// Complex arithmetic on the parts, written once over an emitter E of real equations on values
// E::Value: E::Op(prim, operands, params) runs (eager) or records (jit) one, E::Full(value,
// like) is value on like's shape and dtype, E::AvalOf(value) its type.
template <typename E>
class PartsMath {
 public:
  using V = typename E::Value;
  using Pair = PairOf<V>;
  explicit PartsMath(E& emit) : emit_(emit) {}

  V Op(Primitive prim, std::initializer_list<V> in, const Params& params = NoParams()) {
    return emit_.Op(prim, absl::MakeConstSpan(in.begin(), in.size()), params);
  }
  V Full(double value, const V& like) { return emit_.Full(value, like); }
  V Add(const V& a, const V& b) { return Op(P::kAdd, {a, b}); }
  V Sub(const V& a, const V& b) { return Op(P::kSub, {a, b}); }
  V Mul(const V& a, const V& b) { return Op(P::kMul, {a, b}); }
  V Div(const V& a, const V& b) { return Op(P::kDiv, {a, b}); }
  V Select(const V& p, const V& a, const V& b) { return Op(P::kSelect, {p, a, b}); }
  V Abs(const V& x) { return Op(P::kAbs, {x}); }
  V Neg(const V& x) { return Op(P::kNeg, {x}); }
  V IsZero(const V& x) { return Op(P::kEq, {x, Full(0.0, x)}); }
  V And(const V& a, const V& b) { return Op(P::kAnd, {a, b}); }
  V Or(const V& a, const V& b) { return Op(P::kOr, {a, b}); }

  Pair Mul(const Pair& a, const Pair& b) {  // (ac - bd) + (ad + bc) i
    return {Sub(Mul(a.re, b.re), Mul(a.im, b.im)), Add(Mul(a.re, b.im), Mul(a.im, b.re))};
  }

  // Smith's division: with r = d/c where |c| >= |d|, a+bi / c+di = ((a + b r) + (b - a r) i) /
  // (c + d r), and with the roles of c and d swapped otherwise, so that no |c|^2 + |d|^2
  // overflows or underflows.
  Pair Div(const Pair& a, const Pair& b) {
    const V wide = Op(P::kGe, {Abs(b.re), Abs(b.im)});
    const V r1 = Div(b.im, b.re), d1 = Add(b.re, Mul(b.im, r1));
    const V r2 = Div(b.re, b.im), d2 = Add(b.im, Mul(b.re, r2));
    return {Select(wide, Div(Add(a.re, Mul(a.im, r1)), d1), Div(Add(Mul(a.re, r2), a.im), d2)),
            Select(wide, Div(Sub(a.im, Mul(a.re, r1)), d1), Div(Sub(Mul(a.im, r2), a.re), d2))};
  }

  // |x + yi| = m sqrt(1 + (n/m)^2), m and n the larger and smaller of |x|, |y|; m sqrt(2) when
  // they are equal (both zero or both infinite included).
  V Hypot(const V& x, const V& y) {
    const V ax = Abs(x), ay = Abs(y);
    const V m = Op(P::kMax, {ax, ay}), n = Op(P::kMin, {ax, ay});
    const V q = Div(n, m);
    const V scaled = Mul(m, Op(P::kSqrt, {Add(Full(1.0, q), Mul(q, q))}));
    return Select(Op(P::kEq, {m, n}), Mul(m, Full(std::sqrt(2.0), m)), scaled);
  }

  // exp(x + yi) = e^x (cos y + i sin y); the imaginary part stays an exact 0 for y = 0 (where
  // e^x is infinite, inf * 0 would be NaN).
  Pair Exp(const Pair& z) {
    const V e = Op(P::kExp, {z.re});
    const V im = Mul(e, Op(P::kSin, {z.im}));
    return {Mul(e, Op(P::kCos, {z.im})), Select(IsZero(z.im), z.im, im)};
  }

  // log z = log|z| + i atan2(y, x): the principal branch, cut along the negative reals.
  Pair Log(const Pair& z) {
    return {Op(P::kLog, {Hypot(z.re, z.im)}), Op(P::kAtan2, {z.im, z.re})};
  }

  // log(1 + z): for |z| < 1/2, Re = log1p(2x + x^2 + y^2) / 2 without the cancellation of
  // 1 + x; beyond, log|1 + z|.
  Pair Log1p(const Pair& z) {
    const V x1 = Add(z.re, Full(1.0, z.re));
    const V near = Op(P::kLt, {Op(P::kMax, {Abs(z.re), Abs(z.im)}), Full(0.5, z.re)});
    const V s = Add(Mul(z.re, Add(x1, Full(1.0, z.re))), Mul(z.im, z.im));
    const V small = Mul(Op(P::kLog1p, {s}), Full(0.5, s));
    return {Select(near, small, Op(P::kLog, {Hypot(x1, z.im)})), Op(P::kAtan2, {z.im, x1})};
  }

  // exp(z) - 1 = (expm1(x) cos y - 2 sin^2(y/2)) + i e^x sin y: no cancellation near 0.
  Pair Expm1(const Pair& z) {
    const V half = Op(P::kSin, {Mul(z.im, Full(0.5, z.im))});
    const V re =
        Sub(Mul(Op(P::kExpm1, {z.re}), Op(P::kCos, {z.im})), Mul(Full(2.0, half), Mul(half, half)));
    const V im = Mul(Op(P::kExp, {z.re}), Op(P::kSin, {z.im}));
    return {re, Select(IsZero(z.im), z.im, im)};
  }

  // cosh y and sinh y, the latter as (expm1(y) - expm1(-y)) / 2: exact near 0.
  std::pair<V, V> CoshSinh(const V& y) {
    const V half = Full(0.5, y);
    const V cosh = Mul(half, Add(Op(P::kExp, {y}), Op(P::kExp, {Neg(y)})));
    return {cosh, Mul(half, Sub(Op(P::kExpm1, {y}), Op(P::kExpm1, {Neg(y)})))};
  }

  // sin(x + yi) = sin x cosh y + i cos x sinh y; cos(x + yi) = cos x cosh y - i sin x sinh y.
  Pair Sin(const Pair& z, bool cosine) {
    const auto [cosh, sinh] = CoshSinh(z.im);
    const V s = Op(P::kSin, {z.re}), c = Op(P::kCos, {z.re});
    if (cosine) return {Mul(c, cosh), Neg(Mul(s, sinh))};
    return {Mul(s, cosh), Mul(c, sinh)};
  }

  // Kahan's tanh: with t = tan y, b = 1 + t^2, s = sinh x, r = sqrt(1 + s^2),
  // tanh(x + yi) = (b r s + i t) / (1 + b s^2); past |x| = 20 tanh is sign(x) to within both
  // precisions (and the formula would divide infinities).
  Pair Tanh(const Pair& z) {
    const V t = Div(Op(P::kSin, {z.im}), Op(P::kCos, {z.im}));
    const V b = Add(Full(1.0, t), Mul(t, t));
    const V s = CoshSinh(z.re).second;
    const V s2 = Mul(s, s);
    const V r = Op(P::kSqrt, {Add(Full(1.0, s2), s2)});
    const V d = Add(Full(1.0, s2), Mul(b, s2));
    const V far = Op(P::kGt, {Abs(z.re), Full(20.0, z.re)});
    return {Select(far, Op(P::kSign, {z.re}), Div(Mul(Mul(b, r), s), d)),
            Select(far, Full(0.0, t), Div(t, d))};
  }

  // The principal square root: t = sqrt((|x| + |z|) / 2), then (t, y / 2t) for x >= 0 and
  // (|y| / 2t, +-t with y's sign) for x < 0; 0 at 0.
  Pair Sqrt(const Pair& z) {
    const V t = Op(P::kSqrt, {Mul(Add(Abs(z.re), Hypot(z.re, z.im)), Full(0.5, z.re))});
    const V u = Div(z.im, Add(t, t));
    const V right = Op(P::kGe, {z.re, Full(0.0, z.re)});
    const V zero = IsZero(t);
    const V signed_t = Select(Op(P::kLt, {z.im, Full(0.0, z.im)}), Neg(t), t);
    return {Select(zero, t, Select(right, t, Abs(u))),
            Select(zero, z.im, Select(right, u, signed_t))};
  }

  // a^b = exp(b log a); 0^b is 1 for b = 0 and 0 for Re b > 0 (log 0 = -inf would give NaN).
  Pair Pow(const Pair& a, const Pair& b) {
    const Pair p = Exp(Mul(b, Log(a)));
    const V base0 = And(IsZero(a.re), IsZero(a.im));
    const V b0 = And(IsZero(b.re), IsZero(b.im));
    const V positive = Op(P::kGt, {b.re, Full(0.0, b.re)});
    const V zero = Full(0.0, p.re);
    const V re = Select(b0, Full(1.0, zero), Select(positive, zero, p.re));
    const V im = Select(Op(P::kOr, {b0, positive}), zero, p.im);
    return {Select(base0, re, p.re), Select(base0, im, p.im)};
  }

  // z / |z|, and 0 at 0.
  Pair Sign(const Pair& z) {
    const V a = Hypot(z.re, z.im);
    const V zero = IsZero(a);
    const V one = Select(zero, Full(1.0, a), a);
    return {Select(zero, z.re, Div(z.re, one)), Select(zero, z.im, Div(z.im, one))};
  }

  // The product over p.axes, as reduce_prod's rule multiplies (core/rules/reduction.cc): the
  // reduced axes moved to the front and flattened to n rows, multiplied in pairs until one row
  // is left, an odd last row paired with 1; the product of nothing is 1.
  Pair ReduceProd(const Pair& z, const Params& p) {
    const Shape shape = emit_.AvalOf(z.re).shape;
    Params order, rows, out;
    order.permutation = p.axes;
    rows.shape = {1};
    for (int64_t axis : p.axes) rows.shape[0] *= shape[axis];
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
      if (std::find(p.axes.begin(), p.axes.end(), d) != p.axes.end()) continue;
      order.permutation.push_back(d);
      rows.shape.push_back(shape[d]);
      out.shape.push_back(shape[d]);
    }
    if (rows.shape[0] == 0) {
      const V like = Op(P::kReduceSum, {z.re}, p);
      return {Full(1.0, like), Full(0.0, like)};
    }
    const auto as_rows = [&](const V& a) {
      return Op(P::kReshape, {Op(P::kTranspose, {a}, order)}, rows);
    };
    Pair prod{as_rows(z.re), as_rows(z.im)};
    // Rows [from, to), padded with `fill` to `count` rows.
    const auto take = [&](const V& a, int64_t from, int64_t to, int64_t count, double fill) {
      Params slice, pad;
      slice.start.assign(rows.shape.size(), 0);
      slice.stride.assign(rows.shape.size(), 1);
      slice.limit = emit_.AvalOf(a).shape;
      slice.start[0] = from;
      slice.limit[0] = to;
      const V part = Op(P::kSlice, {a}, slice);
      if (to - from == count) return part;
      pad.low.assign(rows.shape.size(), 0);
      pad.high = pad.interior = pad.low;
      pad.high[0] = count - (to - from);
      pad.padding_value = fill;
      return Op(P::kPad, {part}, pad);
    };
    for (int64_t n = rows.shape[0]; n > 1; n = (n + 1) / 2) {
      const int64_t half = (n + 1) / 2;
      prod = Mul(Pair{take(prod.re, 0, half, half, 1), take(prod.im, 0, half, half, 0)},
                 Pair{take(prod.re, half, n, half, 1), take(prod.im, half, n, half, 0)});
    }
    return {Op(P::kReshape, {prod.re}, out), Op(P::kReshape, {prod.im}, out)};
  }

  // ---- Order: complex numbers compare lexicographically, by real part, then imaginary part
  // (numpy's order, lax.sort's and jnp's comparisons'). A real max propagates NaN; so do these,
  // a NaN in either part counting as NaN.

  V IsNan(const Pair& z) { return Or(Op(P::kNe, {z.re, z.re}), Op(P::kNe, {z.im, z.im})); }

  // max (wins = kGt) or min (kLt) of a and b: a where it wins or is NaN, b otherwise.
  Pair Choose(Primitive wins, const Pair& a, const Pair& b) {
    const V lex = Select(Op(P::kEq, {a.re, b.re}), Op(wins, {a.im, b.im}), Op(wins, {a.re, b.re}));
    const V pick_a = Or(IsNan(a), And(Op(P::kNot, {IsNan(b)}), lex));
    return {Select(pick_a, a.re, b.re), Select(pick_a, a.im, b.im)};
  }

  // r, reduced over axes, broadcast back to like's shape.
  V Unreduce(const V& r, const V& like, const std::vector<int64_t>& axes) {
    Params back;
    back.shape = emit_.AvalOf(like).shape;
    back.broadcast_dimensions = KeptDims(static_cast<int64_t>(back.shape.size()), axes);
    return Op(P::kBroadcastInDim, {r}, back);
  }

  // The largest element over p.axes: the largest real part, and the largest imaginary part of
  // the elements that have it; NaN + NaN i where an element has a NaN part.
  Pair ReduceMax(const Pair& z, const Params& p) {
    const V re = Op(P::kReduceMax, {z.re}, p);
    const V top = Op(P::kEq, {z.re, Unreduce(re, z.re, p.axes)});
    const V im = Op(P::kReduceMax,
                    {Select(top, z.im, Full(-std::numeric_limits<double>::infinity(), z.im))}, p);
    const V nan = Op(P::kReduceMax, {IsNan(z)}, p);
    const V q = Full(std::numeric_limits<double>::quiet_NaN(), re);
    return {Select(nan, q, re), Select(nan, q, im)};
  }

  // The index of the first largest element along p.dimension, or of the first with a NaN part
  // (numpy's argmax): the first true of "is that element" (argmax of bool).
  V Argmax(const Pair& z, const Params& p) {
    Params over;
    over.axes = {p.dimension};
    const Pair m = ReduceMax(z, over);
    const V at = And(Op(P::kEq, {z.re, Unreduce(m.re, z.re, over.axes)}),
                     Op(P::kEq, {z.im, Unreduce(m.im, z.im, over.axes)}));
    return Op(P::kArgmax, {Or(IsNan(z), at)}, p);
  }

  // ---- scatter_max, scatter_min, scatter_mul (operand z, i32 indices, updates u) ----

  // An operand-shaped value v read back at each update's window (the windows gather sees as
  // the transpose of scatter_add's; a dropped window reads 0 and is dropped again after).
  V AtUpdates(const V& v, const V& indices, const V& like_updates, const Params& p) {
    Params g;
    g.index = p.index;
    g.slice_sizes = ScatterWindow(static_cast<int64_t>(emit_.AvalOf(v).shape.size()),
                                  emit_.AvalOf(like_updates).shape, p.index);
    g.mode = p.mode;
    return Op(P::kGather, {v, indices}, g);
  }

  // max in the order of max: the largest real part there (a real scatter_max), then the
  // largest imaginary part of the operand and updates that have it; NaN + NaN i where any of
  // them has a NaN part (as ReduceMax; applying max in index order gives the same).
  Pair ScatterMax(const Pair& z, const V& indices, const Pair& u, const Params& p) {
    const V re = Op(P::kScatterMax, {z.re, indices, u.re}, p);
    const V lowest = Full(-std::numeric_limits<double>::infinity(), z.im);
    const V z_top = Op(P::kEq, {z.re, re});
    const V u_top = Op(P::kEq, {u.re, AtUpdates(re, indices, u.re, p)});
    const V im = Op(P::kScatterMax,
                    {Select(z_top, z.im, lowest), indices,
                     Select(u_top, u.im, Full(-std::numeric_limits<double>::infinity(), u.im))},
                    p);
    const auto flag = [&](const V& nan, const V& like) {
      return Select(nan, Full(1.0, like), Full(0.0, like));
    };
    const V nan =
        Op(P::kGt, {Op(P::kScatterMax, {flag(IsNan(z), z.re), indices, flag(IsNan(u), u.re)}, p),
                    Full(0.0, re)});
    const V q = Full(std::numeric_limits<double>::quiet_NaN(), re);
    return {Select(nan, q, re), Select(nan, q, im)};
  }
  // min(z) = -max(-z): negation reverses the lexicographic order exactly.
  Pair ScatterMin(const Pair& z, const V& indices, const Pair& u, const Params& p) {
    const Pair m = ScatterMax({Neg(z.re), Neg(z.im)}, indices, {Neg(u.re), Neg(u.im)}, p);
    return {Neg(m.re), Neg(m.im)};
  }

  // A complex number as r i^k e^(i phi): r = |x|, k quarter turns (0 to 3, a real of x's
  // part type) and phi in [-pi/4, pi/4], the angle of x turned back by k quarters (exact: a
  // swap and negations of the parts). Along the axes phi is exactly 0.
  struct Polar {
    V r, k, phi;
  };
  Polar ToPolar(const Pair& x) {
    const V wide = Op(P::kGe, {Abs(x.re), Abs(x.im)});
    const V ahead = Op(P::kGe, {x.re, Full(0.0, x.re)}), up = Op(P::kGt, {x.im, Full(0.0, x.im)});
    // x turned by -k quarters: k = 0 (x.re, x.im), 1 (x.im, -x.re), 2 (-x.re, -x.im),
    // 3 (-x.im, x.re).
    const V k = Select(wide, Select(ahead, Full(0.0, x.re), Full(2.0, x.re)),
                       Select(up, Full(1.0, x.re), Full(3.0, x.re)));
    const V c = Select(wide, Select(ahead, x.re, Neg(x.re)), Select(up, x.im, Neg(x.im)));
    const V s = Select(wide, Select(ahead, x.im, Neg(x.im)), Select(up, Neg(x.re), x.re));
    return {Hypot(x.re, x.im), k, Op(P::kAtan2, {s, c})};
  }

  // The product of the operand and the updates landing on each element. Where one update
  // lands (unique indices) it is z * u exactly as mul computes it, stored by a scatter. Where
  // several do, in polar form: the magnitudes multiplied (a real scatter_mul), the quarter
  // turns counted and the residual angles summed (scatter_adds), then r (cos phi + i sin phi)
  // turned by k mod 4 quarters: exact along the axes (real or imaginary factors), otherwise
  // within a few ulps per factor of the product taken in index order (the angles' rounding
  // adds up), not bit-equal to it. Elements no update reaches keep the operand.
  Pair ScatterMul(const Pair& z, const V& indices, const Pair& u, const Params& p) {
    const Polar a = ToPolar(z), b = ToPolar(u);
    const V r = Op(P::kScatterMul, {a.r, indices, b.r}, p);
    const V k = Op(P::kRem, {Op(P::kScatterAdd, {a.k, indices, b.k}, p), Full(4.0, a.k)});
    const V phi = Op(P::kScatterAdd, {a.phi, indices, b.phi}, p);
    const V c = Mul(r, Op(P::kCos, {phi})), s = Mul(r, Op(P::kSin, {phi}));
    const auto is = [&](double turns) { return Op(P::kEq, {k, Full(turns, k)}); };
    const V re = Select(is(0), c, Select(is(1), Neg(s), Select(is(2), Neg(c), s)));
    const V im = Select(is(0), s, Select(is(1), c, Select(is(2), Neg(s), Neg(c))));
    const Pair one = Mul({AtUpdates(z.re, indices, u.re, p), AtUpdates(z.im, indices, u.im, p)}, u);
    const Pair single = {Op(P::kScatter, {z.re, indices, one.re}, p),
                         Op(P::kScatter, {z.im, indices, one.im}, p)};
    const V count = Op(P::kScatterAdd, {Full(0.0, z.re), indices, Full(1.0, u.re)}, p);
    const V several = Op(P::kGt, {count, Full(1.0, count)});
    return {Select(several, re, single.re), Select(several, im, single.im)};
  }

  // The real form of a complex equation, one for both evaluations: prim[p] with its operands
  // (of dtypes) as parts (z(i, dense): complex operand i; dense asks for dense parts, which
  // formulas of several passes read faster than strided ones) or values (x(i): real operand i).
  // A complex result as parts, a real one as a value; nullopt when prim has no form here.
  struct Result {
    std::optional<Pair> pair;
    std::optional<V> real;
  };
  template <typename Z, typename X>
  std::optional<Result> Equation(Primitive prim, const Params& p, absl::Span<const DType> dtypes,
                                 Z z, X x) {
    const DType from = dtypes[0];
    Result r;
    const auto each = [&](const Pair& a) { return Pair{Op(prim, {a.re}, p), Op(prim, {a.im}, p)}; };
    switch (prim) {
      case P::kAdd:
      case P::kSub:
      case P::kEq:
      case P::kNe: {
        const Pair a = z(0, false), b = z(1, false);
        const V re = Op(prim, {a.re, b.re}), im = Op(prim, {a.im, b.im});
        if (prim == P::kEq || prim == P::kNe) {
          r.real = prim == P::kEq ? And(re, im) : Or(re, im);
        } else {
          r.pair = Pair{re, im};
        }
        break;
      }
      case P::kNeg:
      case P::kReshape:
      case P::kTranspose:
      case P::kBroadcastInDim:
      case P::kSlice: r.pair = each(z(0, false)); break;
      // Each part densely: reducing the leading axes of a strided part steps through every
      // other element.
      case P::kReduceSum: r.pair = each(z(0, true)); break;
      case P::kReduceProd: r.pair = ReduceProd(z(0, true), p); break;
      case P::kStopGradient: r.pair = z(0, false); break;
      case P::kConcatenate: {
        std::vector<V> re, im;
        for (size_t i = 0; i < dtypes.size(); ++i) {
          const Pair a = z(i, false);
          re.push_back(a.re);
          im.push_back(a.im);
        }
        r.pair = Pair{emit_.Op(prim, re, p), emit_.Op(prim, im, p)};
        break;
      }
      case P::kSelect: {
        const Pair a = z(1, false), b = z(2, false);
        r.pair = Pair{Select(x(0), a.re, b.re), Select(x(0), a.im, b.im)};
        break;
      }
      case P::kConvert: {
        Params part;
        part.new_dtype = RealPart(p.new_dtype);
        if (IsComplex(from) && IsComplex(p.new_dtype)) {
          const Pair a = z(0, false);
          r.pair = Pair{Op(prim, {a.re}, part), Op(prim, {a.im}, part)};
        } else if (IsComplex(p.new_dtype)) {
          const V re = Op(prim, {x(0)}, part);
          r.pair = Pair{re, Full(0.0, re)};
        } else if (p.new_dtype == DType::kBool) {  // z != 0
          const Pair a = z(0, false);
          r.real = Or(Op(P::kNe, {a.re, Full(0.0, a.re)}), Op(P::kNe, {a.im, Full(0.0, a.im)}));
        } else {
          r.real = Op(prim, {z(0, false).re}, p);  // the real part, as JAX
        }
        break;
      }
      case P::kDotGeneral:
      case P::kConvGeneralDilated: {  // bilinear: (a + bi)(c + di) with the real operation
        const Pair a = z(0, true), b = z(1, true);
        const auto dot = [&](const V& u, const V& v) { return Op(prim, {u, v}, p); };
        r.pair = Pair{Sub(dot(a.re, b.re), dot(a.im, b.im)), Add(dot(a.re, b.im), dot(a.im, b.re))};
        break;
      }
      case P::kAbs: r.real = Hypot(z(0, false).re, z(0, false).im); break;
      case P::kReal: r.real = z(0, false).re; break;
      case P::kImag: r.real = z(0, false).im; break;
      case P::kConj: r.pair = Pair{z(0, false).re, Neg(z(0, false).im)}; break;
      case P::kComplex: r.pair = Pair{x(0), x(1)}; break;
      case P::kMul: r.pair = Mul(z(0, true), z(1, true)); break;
      case P::kDiv: r.pair = Div(z(0, true), z(1, true)); break;
      case P::kPow: r.pair = Pow(z(0, true), z(1, true)); break;
      case P::kExp: r.pair = Exp(z(0, true)); break;
      case P::kLog: r.pair = Log(z(0, true)); break;
      case P::kLog1p: r.pair = Log1p(z(0, true)); break;
      case P::kExpm1: r.pair = Expm1(z(0, true)); break;
      case P::kSin: r.pair = Sin(z(0, true), false); break;
      case P::kCos: r.pair = Sin(z(0, true), true); break;
      case P::kTanh: r.pair = Tanh(z(0, true)); break;
      case P::kSqrt: r.pair = Sqrt(z(0, true)); break;
      case P::kSign: r.pair = Sign(z(0, true)); break;
      case P::kMax: r.pair = Choose(P::kGt, z(0, true), z(1, true)); break;
      case P::kMin: r.pair = Choose(P::kLt, z(0, true), z(1, true)); break;
      case P::kReduceMax: r.pair = ReduceMax(z(0, true), p); break;
      case P::kArgmax: r.real = Argmax(z(0, true), p); break;
      case P::kGather:
      case P::kPad: {  // each part; the fill or padding value is real (the imaginary part's 0)
        const Pair a = z(0, false);
        Params im = p;
        im.padding_value = 0;
        im.fill_value = 0;
        const auto part = [&](const V& v, const Params& q) {
          return prim == P::kPad ? Op(prim, {v}, q) : Op(prim, {v, x(1)}, q);
        };
        r.pair = Pair{part(a.re, p), part(a.im, im)};
        break;
      }
      case P::kScatter:
      case P::kScatterAdd: {  // each part, the same windows (the same one wins a scatter)
        const Pair a = z(0, false), u = z(2, false);
        r.pair = Pair{Op(prim, {a.re, x(1), u.re}, p), Op(prim, {a.im, x(1), u.im}, p)};
        break;
      }
      case P::kScatterMax: r.pair = ScatterMax(z(0, true), x(1), z(2, true), p); break;
      case P::kScatterMin: r.pair = ScatterMin(z(0, true), x(1), z(2, true), p); break;
      case P::kScatterMul: r.pair = ScatterMul(z(0, true), x(1), z(2, true), p); break;
      case P::kArgsort: {  // a complex key as two, its parts (lax.sort's)
        std::vector<V> keys;
        for (size_t i = 0; i < dtypes.size(); ++i) {
          if (!IsComplex(dtypes[i])) {
            keys.push_back(x(i));
            continue;
          }
          const Pair k = z(i, true);
          keys.insert(keys.end(), {k.re, k.im});
        }
        r.real = emit_.Op(prim, keys, p);
        break;
      }
      default: return std::nullopt;
    }
    return r;
  }

 private:
  E& emit_;
};

// ---- eager evaluation: the arrays of one backend ----

// A complex equation of arrays run as real equations on backend, the parts read as strided
// views of the complex arrays (no copy) or, for formulas of several equations, as dense copies.
class Lowering {
 public:
  using Value = Array;
  using Pair = PairOf<Array>;
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

  // value everywhere on like's shape and dtype: one element, broadcast (stride 0).
  Array Full(double value, const Array& like) {
    const ShapedArray scalar{{}, like.aval.dtype};
    Array one = DenseArray(ValueOrThrow(backend_.Allocate(scalar.bytes())), scalar);
    ThrowIfError(backend_.Fill(one, value));
    return Array{one.buffer, like.aval, Strides(like.aval.rank(), 0), 0};
  }

  static const ShapedArray& AvalOf(const Array& a) { return a.aval; }

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

  Array Run(Primitive prim, absl::Span<const Array> in, const Params& p, const ShapedArray& out);

 private:
  // prim of the complex operands' Parts (shape [..., 2]) with its params extended by the parts'
  // axis (kept last and whole), as a complex result.
  Array OnParts(Primitive prim, absl::Span<const Array> in, const Params& p, DType dtype);

  Backend& backend_;
  PartsMath<Lowering> math_{*this};
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
    case P::kStopGradient:
    case P::kShardMapIn: return in[0];
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
    case P::kConvert:
      if (!IsComplex(in[0].aval.dtype) || !IsComplex(p.new_dtype)) break;
      return FromParts(Op(prim, {Parts(in[0])}, Params{.new_dtype = RealPart(p.new_dtype)}),
                       p.new_dtype);
    default: break;
  }
  const auto z = [&](size_t i, bool dense) { return dense ? Split(in[i]) : Views(in[i]); };
  const auto x = [&](size_t i) { return in[i]; };
  absl::InlinedVector<DType, 3> dtypes;
  for (const Array& a : in) dtypes.push_back(a.aval.dtype);
  if (const auto r = math_.Equation(prim, p, dtypes, z, x)) {
    return r->pair ? Join(*r->pair) : *r->real;
  }
  ThrowInvalid(PrimitiveName(prim), ": no complex form (the dtype check admitted ",
               in[0].aval.ToString(), ")");
}

// ---- jit's lowering: a program's equations ----

// LowerComplex's rewrite. A complex variable computed by a lowered equation exists as its parts
// (`parts_`); one that is a program input or the result of an equation left complex exists
// whole. A lowered equation reading a whole variable splits it (`real`, `imag`: views when
// run), an equation left complex (or the program's output) reading a variable that exists as
// parts joins them (`complex`, under the variable's own id), each at most once per variable.
class ProgramLowering {
 public:
  using Value = Atom;
  using Pair = PairOf<Atom>;

  explicit ProgramLowering(const Program& in)
      : in_(in),
        out_{in.avals, in.constvars, in.invars, {}, in.outvars},  // the equations rewritten
        parts_(in.avals.size()),
        alias_(in.avals.size()),
        whole_(in.avals.size()) {
    for (int32_t v : in.invars) whole_[v] = true;
    for (int32_t v : in.constvars) whole_[v] = true;
  }

  // One real equation appended to the program, or the one already there that computes the
  // same (the formulas share subexpressions: |x| and |y| in both hypot and Smith's division).
  Atom Op(Primitive prim, absl::Span<const Atom> in, const Params& params = NoParams()) {
    std::vector<Atom> inputs(in.begin(), in.end());
    auto [it, added] = made_.try_emplace({prim, inputs, params.StableHash()}, out_.eqns.size());
    if (!added && *out_.eqns[it->second].params == params) {
      return Atom::Var(out_.eqns[it->second].outputs[0]);
    }
    absl::InlinedVector<ShapedArray, 3> avals;
    for (const Atom& a : in) avals.push_back(out_.AvalOf(a));
    const int32_t v = out_.NewVar(AbstractEval(prim, avals, params)[0]);
    it->second = out_.eqns.size();
    out_.eqns.push_back({prim, SharedParams(params), std::move(inputs), {v}});
    return Atom::Var(v);
  }

  // value on like's shape: a literal, broadcast as tracing records a constant (each once: Op
  // finds the broadcast made before).
  Atom Full(double value, const Atom& like) {
    const ShapedArray aval = out_.AvalOf(like);
    const Atom literal = Atom::Literal(value, aval.dtype);
    if (aval.shape.empty()) return literal;
    Params p;
    p.shape = aval.shape;
    return math_.Op(P::kBroadcastInDim, {literal}, p);
  }

  ShapedArray AvalOf(const Atom& a) const { return out_.AvalOf(a); }

  Program Run() {
    for (const Equation& eqn : in_.eqns) {
      if (Lower(eqn)) continue;
      Equation kept = eqn;
      for (Atom& a : kept.inputs) a = Read(a);
      out_.eqns.push_back(std::move(kept));
      for (int32_t v : eqn.outputs) whole_[v] = true;
    }
    for (Atom& a : out_.outvars) a = Read(a);
    return std::move(out_);
  }

 private:
  // An operand of an equation left as it is: real ones as lowering replaced them, complex ones
  // whole.
  Atom Read(const Atom& a) {
    if (a.is_literal()) return a;
    if (alias_[a.var]) return *alias_[a.var];
    if (!IsComplex(in_.avals[a.var].dtype) || whole_[a.var]) return a;
    const Pair& p = *parts_[a.var];
    out_.eqns.push_back({P::kComplex, SharedParams(NoParams()), {p.re, p.im}, {a.var}});
    whole_[a.var] = true;
    return a;
  }

  // A complex operand of a lowered equation as its parts.
  Pair Parts(const Atom& z) {
    if (z.is_literal()) {
      const DType part = RealPart(z.dtype);
      return {Atom::Literal(z.value, part), Atom::Literal(0, part)};
    }
    if (!parts_[z.var]) parts_[z.var] = Pair{math_.Op(P::kReal, {z}), math_.Op(P::kImag, {z})};
    return *parts_[z.var];
  }

  // Rewrites eqn on parts when it involves a complex value and has a real form here; false
  // leaves it to run as it is (core/complex_eval.h RunComplex).
  bool Lower(const Equation& eqn);

  const Program& in_;
  Program out_;
  std::vector<std::optional<Pair>> parts_;  // by variable of in_
  std::vector<std::optional<Atom>> alias_;  // a real result of a lowered equation
  std::vector<bool> whole_;                 // a complex variable defined in out_
  // The equations Op appended, by primitive, operands and params' hash.
  absl::flat_hash_map<std::tuple<Primitive, std::vector<Atom>, uint64_t>, size_t> made_;
  PartsMath<ProgramLowering> math_{*this};
};

bool ProgramLowering::Lower(const Equation& eqn) {
  bool complex = false;
  for (const Atom& a : eqn.inputs) complex = complex || IsComplex(in_.AvalOf(a).dtype);
  for (int32_t v : eqn.outputs) complex = complex || IsComplex(in_.avals[v].dtype);
  if (!complex || eqn.inputs.empty() || eqn.outputs.size() != 1) return false;
  // Movement follows its operands: on parts when they exist as parts, else whole (a view of
  // the complex array, where splitting and joining would copy it).
  if (KindOf(eqn.prim) == PrimitiveKind::kMovement) {
    for (const Atom& a : eqn.inputs) {
      if (a.is_literal() || !parts_[a.var]) return false;
    }
  }
  const auto z = [&](size_t i, bool) { return Parts(eqn.inputs[i]); };
  const auto x = [&](size_t i) { return Read(eqn.inputs[i]); };
  absl::InlinedVector<DType, 3> dtypes;
  for (const Atom& a : eqn.inputs) dtypes.push_back(in_.AvalOf(a).dtype);
  const auto r = math_.Equation(eqn.prim, *eqn.params, dtypes, z, x);
  if (!r) return false;
  if (r->pair) parts_[eqn.outputs[0]] = *r->pair;
  if (r->real) alias_[eqn.outputs[0]] = *r->real;
  return true;
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

Program LowerComplex(Program program) {
  const auto complex = [](const ShapedArray& a) { return IsComplex(a.dtype); };
  if (std::none_of(program.avals.begin(), program.avals.end(), complex)) return program;
  return ProgramLowering(program).Run();
}

}  // namespace cotangent
