// File: cotangent/linalg.cc
// The jnp.linalg / jax.scipy.linalg functions over the linear algebra primitives: argument
// checks and shapes here, the factorizations and their derivatives in core (lax::cholesky...).

#include "cotangent/linalg.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/control_flow.h"
#include "cotangent/creation.h"
#include "cotangent/custom_derivatives.h"
#include "cotangent/indexing.h"
#include "cotangent/numpy.h"
#include "cotangent/shaping.h"
#include "cotangent/sorting.h"

namespace cotangent::linalg {
namespace {

// Throws unless a is an f32, f64, c64 or c128 stack of matrices (square when `square`).
void CheckMatrix(const char* op, const Tensor& a, bool square) {
  if (!a.defined()) ThrowInvalid(op, ": undefined tensor");
  if (a.dtype() != DType::kF32 && a.dtype() != DType::kF64 && !IsComplex(a.dtype())) {
    ThrowInvalid(op, ": expected f32, f64, c64 or c128 matrices, got ", a.aval().ToString());
  }
  if (a.ndim() < 2) ThrowInvalid(op, ": expected a matrix (rank >= 2), got ", a.aval().ToString());
  if (square && a.shape()[a.ndim() - 1] != a.shape()[a.ndim() - 2]) {
    ThrowInvalid(op, ": expected square matrices, got ", a.aval().ToString());
  }
}

// Each matrix transposed.
Tensor MT(const Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < x.ndim(); ++i) axes.push_back(i);
  std::swap(axes[x.ndim() - 1], axes[x.ndim() - 2]);
  return transpose(x, axes);
}

// Each matrix's conjugate transpose (its transpose when real).
Tensor MH(const Tensor& x) { return IsComplex(x.dtype()) ? conj(MT(x)) : MT(x); }

Tensor Symmetrize(const Tensor& a) { return (a + MH(a)) * 0.5; }

// scipy's trans argument: 0 (a), 1 (a^T) or 2 (a^H) as triangular_solve's options.
LinalgOptions TransOptions(const char* op, int trans) {
  if (trans < 0 || trans > 2) {
    ThrowInvalid(op, ": trans must be 0 (a x = b), 1 (a^T x = b) or 2 (a^H x = b), got ", trans);
  }
  return {.left_side = true, .transpose_a = trans > 0, .conjugate_a = trans == 2};
}

// rows x cols identity matrices broadcast to `like`'s leading axes.
Tensor EyeLike(const Tensor& like, int64_t rows, int64_t cols) {
  Shape shape(like.shape().begin(), like.shape().end() - 2);
  shape.push_back(rows);
  shape.push_back(cols);
  return broadcast_to(eye(rows, cols, like.dtype()), shape);
}

// b as a stack of matrices for a solve with a ([..., n, n]): a vector right-hand side (`vector`)
// gets a column axis; the leading axes of a and b broadcast. Returns (a, b) broadcast.
std::pair<Tensor, Tensor> SolveOperands(const char* op, const Tensor& a, Tensor b, bool vector) {
  if (!b.defined() || b.dtype() != a.dtype()) {
    ThrowInvalid(op, ": b must have a's dtype; a ", a.aval().ToString(), ", b ",
                 b.defined() ? b.aval().ToString() : "undefined");
  }
  if (vector) b = expand_dims(b, -1);
  const int64_t n = a.shape().back();
  if (b.ndim() < 2 || b.shape()[b.ndim() - 2] != n) {
    ThrowInvalid(op, ": b's rows (",
                 b.ndim() < 2 ? "none" : std::to_string(b.shape()[b.ndim() - 2]),
                 ") are not a's order; a ", a.aval().ToString(), ", b ", b.aval().ToString());
  }
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  const Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch);
  Shape as = batch, bs = batch;
  as.insert(as.end(), {n, n});
  bs.insert(bs.end(), {n, b.shape().back()});
  return {broadcast_to(a, as), broadcast_to(b, bs)};
}

Tensor Unvector(const Tensor& x, bool vector) { return vector ? squeeze(x, -1) : x; }

// Rows of b ([..., n, k]) in the order perm ([..., n]) gives: out[i] = b[perm[i]].
Tensor PermuteRows(const Tensor& b, const Tensor& perm) {
  if (b.shape()[b.ndim() - 2] == 0) return b;
  Shape shape = perm.shape();
  shape.push_back(1);
  Tensor index = reshape(perm, shape);
  Shape full = b.shape();
  return take_along_axis(b, broadcast_to(index, full), -2, IndexMode::kClip);
}

// Solves a x = b (trans 1: a^T x = b, 2: a^H x = b) from a[perm] = l u; b [..., n, k].
Tensor LuSolveMatrices(const Tensor& lu, const Tensor& perm, const Tensor& b, int trans) {
  if (trans == 0) {
    const Tensor y =
        lax::triangular_solve(lu, PermuteRows(b, perm), {.left_side = true, .unit_diagonal = true});
    return lax::triangular_solve(lu, y, {.left_side = true, .lower = false});
  }
  // a^T = u^T l^T P: x = P^T l^-T u^-T b, and (P^T z)[perm[i]] = z[i] (a^H conjugated alike).
  const bool c = trans == 2;
  const Tensor y = lax::triangular_solve(
      lu, b, {.left_side = true, .lower = false, .transpose_a = true, .conjugate_a = c});
  const Tensor z = lax::triangular_solve(
      lu, y, {.left_side = true, .transpose_a = true, .conjugate_a = c, .unit_diagonal = true});
  return PermuteRows(z, argsort(perm, -1));
}

// |x|^2 elementwise: x x, or Re(x conj(x)) for a complex x (as JAX's norm).
Tensor AbsSquared(const Tensor& x) { return IsComplex(x.dtype()) ? real(x * conj(x)) : x * x; }

// The vector norm along one axis.
Tensor VectorNorm(const Tensor& x, std::optional<double> ord, int64_t axis, bool keepdims) {
  if (!ord || *ord == 2) return sqrt(sum(AbsSquared(x), axis, keepdims));
  if (std::isinf(*ord)) return *ord > 0 ? max(abs(x), axis, keepdims) : min(abs(x), axis, keepdims);
  if (*ord == 0) return sum(astype(x != 0.0, x.dtype()), axis, keepdims);
  if (*ord == 1) return sum(abs(x), axis, keepdims);
  return pow(sum(pow(abs(x), *ord), axis, keepdims), 1.0 / *ord);
}

// The resolved axes of a norm: one (vector) or two (matrix).
std::vector<int64_t> NormAxes(const Tensor& x, const Axes& axis, bool ord_given) {
  if (axis.all()) {
    if (ord_given && x.ndim() != 1 && x.ndim() != 2) {
      ThrowInvalid("norm: an ord with no axis needs a vector or a matrix, got ",
                   x.aval().ToString());
    }
    std::vector<int64_t> all;
    for (int64_t i = 0; i < x.ndim(); ++i) all.push_back(i);
    return all;
  }
  std::vector<int64_t> axes = axis.Resolve(x.ndim(), "norm");
  if (axes.size() != 1 && axes.size() != 2) {
    ThrowInvalid("norm: expected one or two axes, got ", axes.size(), " for ", x.aval().ToString());
  }
  return axes;
}

// x with the two axes moved last, for a matrix norm computed from singular values; keepdims
// re-inserts them.
Tensor SingularValueNorm(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims,
                         int kind /* 2: max, -2: min, 0: sum */) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.ndim(); ++i) {
    if (i != axes[0] && i != axes[1]) perm.push_back(i);
  }
  perm.push_back(axes[0]);
  perm.push_back(axes[1]);
  const Tensor s = svdvals(transpose(x, perm));
  Tensor out = kind == 2 ? max(s, -1) : kind == -2 ? min(s, -1) : sum(s, -1);
  if (keepdims) {
    out = expand_dims(expand_dims(out, axes[0]), axes[1]);
  }
  return out;
}

}  // namespace

Tensor cholesky(const Tensor& a, bool upper, bool symmetrize_input) {
  CheckMatrix("cholesky", a, /*square=*/true);
  const Tensor l = lax::cholesky(symmetrize_input ? Symmetrize(a) : a);
  return upper ? MH(l) : l;
}

Tensor solve_triangular(const Tensor& a, const Tensor& b, int trans, bool lower,
                        bool unit_diagonal) {
  CheckMatrix("solve_triangular", a, /*square=*/true);
  LinalgOptions options = TransOptions("solve_triangular", trans);
  options.lower = lower;
  options.unit_diagonal = unit_diagonal;
  const bool vector = b.defined() && b.ndim() == a.ndim() - 1;
  auto [aa, bb] = SolveOperands("solve_triangular", a, b, vector);
  return Unvector(lax::triangular_solve(aa, bb, options), vector);
}

PLU lu(const Tensor& a) {
  CheckMatrix("lu", a, /*square=*/false);
  const lax::LuResult f = lax::lu(a);
  const int64_t m = a.shape()[a.ndim() - 2], n = a.shape().back(), k = std::min(m, n);
  const int64_t r = a.ndim();
  std::vector<int64_t> start(r, 0), lim = a.shape();
  lim[r - 1] = k;
  const Tensor l = tril(slice(f.lu, start, lim), -1) + EyeLike(a, m, k);
  lim = a.shape();
  lim[r - 2] = k;
  const Tensor u = triu(slice(f.lu, start, lim));
  // a[perm] = l u, so a = p l u with p[i, j] = (perm[j] == i).
  const Tensor rows = reshape(arange(m), {m, 1});
  Shape shape = f.permutation.shape();
  shape.insert(shape.end() - 1, 1);
  const Tensor p = astype(reshape(f.permutation, shape) == rows, a.dtype());
  return {p, l, u};
}

LuFactor lu_factor(const Tensor& a) {
  CheckMatrix("lu_factor", a, /*square=*/false);
  const lax::LuResult f = lax::lu(a);
  return {f.lu, f.pivots, f.permutation};
}

Tensor lu_solve(const LuFactor& factor, const Tensor& b, int trans) {
  CheckMatrix("lu_solve", factor.lu, /*square=*/true);
  TransOptions("lu_solve", trans);
  const bool vector = b.defined() && b.ndim() == factor.lu.ndim() - 1;
  auto [lu, bb] = SolveOperands("lu_solve", factor.lu, b, vector);
  Shape pshape(bb.shape().begin(), bb.shape().end() - 1);
  return Unvector(LuSolveMatrices(lu, broadcast_to(factor.perm, pshape), bb, trans), vector);
}

Tensor cho_solve(const Tensor& factor, const Tensor& b, bool lower) {
  CheckMatrix("cho_solve", factor, /*square=*/true);
  const bool vector = b.defined() && b.ndim() == factor.ndim() - 1;
  auto [c, bb] = SolveOperands("cho_solve", factor, b, vector);
  // a = l l^H (lower) or u^H u: two triangular solves.
  const Tensor y = lax::triangular_solve(
      c, bb, {.left_side = true, .lower = lower, .transpose_a = !lower, .conjugate_a = !lower});
  return Unvector(
      lax::triangular_solve(
          c, y, {.left_side = true, .lower = lower, .transpose_a = lower, .conjugate_a = lower}),
      vector);
}

QR qr(const Tensor& a, bool complete) {
  CheckMatrix("qr", a, /*square=*/false);
  const lax::QrResult f = lax::qr(a, complete);
  return {f.q, f.r};
}

Eigh eigh(const Tensor& a, bool lower, bool symmetrize_input) {
  CheckMatrix("eigh", a, /*square=*/true);
  const lax::EighResult f = lax::eigh(symmetrize_input ? Symmetrize(a) : a, lower);
  return {f.w, f.v};
}

Tensor eigvalsh(const Tensor& a, bool lower) { return eigh(a, lower).eigenvalues; }

SVD svd(const Tensor& a, bool full_matrices) {
  CheckMatrix("svd", a, /*square=*/false);
  const lax::SvdResult f = lax::svd(a, full_matrices);
  return {f.u, f.s, f.vt};
}

Tensor svdvals(const Tensor& a) {
  CheckMatrix("svdvals", a, /*square=*/false);
  return lax::svd(a, /*full_matrices=*/false).s;
}

Tensor solve(const Tensor& a, const Tensor& b) {
  CheckMatrix("solve", a, /*square=*/true);
  // NumPy 2's rule, as jnp.linalg.solve: only a 1-D b is one right-hand side.
  const bool vector = b.defined() && b.ndim() == 1;
  auto [aa, bb] = SolveOperands("solve", a, b, vector);
  // As jnp.linalg.solve: one LU, not differentiated; the derivatives are the system's (x' solves
  // a x' = b' - a' x with the same factors, and b's cotangent a^T y = ct), custom_linear_solve's.
  const lax::LuResult f = lax::lu(stop_gradient(aa));
  const auto with_lu = [&](int trans) {
    return [&, trans](const auto&, const Tensor& r) {
      return LuSolveMatrices(f.lu, f.permutation, r, trans);
    };
  };
  return Unvector(custom_linear_solve([&](const Tensor& x) { return matmul(aa, x); }, bb,
                                      with_lu(0), with_lu(1)),
                  vector);
}

Tensor inv(const Tensor& a) {
  CheckMatrix("inv", a, /*square=*/true);
  return solve(a, EyeLike(a, a.shape().back(), a.shape().back()));
}

namespace {

// (sign, log|det a|) from a's LU factors.
std::pair<Tensor, Tensor> SlogdetOfLu(const Tensor& a, const lax::LuResult& f) {
  const Tensor d = diagonal(f.lu, 0, -2, -1);
  // The sign: (-1)^(row swaps + negative pivots of u), 0 when a pivot is 0; for a complex a,
  // (-1)^(row swaps) times the pivots' phases, exp(i sum(angle(pivot))).
  const int64_t n = a.shape().back();
  const bool complex = IsComplex(a.dtype());
  Tensor odd = sum(astype(f.pivots != arange(n), DType::kI32), -1);
  if (!complex) odd = odd + sum(astype(d < 0.0, DType::kI32), -1);
  odd = astype(remainder(odd, full({}, 2, DType::kI32)), RealPart(a.dtype()));
  Tensor sign = 1.0 - odd * 2.0;
  if (complex) {
    const Tensor phase = sum(angle(d), -1);
    sign = sign * cotangent::complex(cos(phase), sin(phase));
  }
  return {where(any(d == 0.0, -1), 0.0, sign), sum(log(abs(d)), -1)};
}

}  // namespace

SlogDet slogdet(const Tensor& a) {
  CheckMatrix("slogdet", a, /*square=*/true);
  // JAX's rule: d log|det a| = Re tr(a^-1 a'), the solve reusing its own LU (solve above), not
  // LU's jvp; a complex sign turns by i Im tr(a^-1 a'), a real one is constant. The primal is
  // this function again, so that a derivative of the rule (a Hessian) uses the rule too.
  static const auto f =
      custom_jvp([](const Tensor& m) { return SlogdetOfLu(m, lax::lu(m)); },
                 [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
                   const SlogDet out = slogdet(p[0]);
                   const Tensor tangent = t[0].defined() ? t[0] : zeros_like(p[0]);
                   const Tensor tr = trace(solve(p[0], tangent), 0, -2, -1);
                   const bool complex = IsComplex(p[0].dtype());
                   const Tensor logabsdet_dot = complex ? real(tr) : tr;
                   const Tensor sign_dot = complex ? (tr - astype(real(tr), tr.dtype())) * out.sign
                                                   : zeros_like(out.sign);
                   return std::make_pair(std::make_pair(out.sign, out.logabsdet),
                                         std::make_pair(sign_dot, logabsdet_dot));
                 },
                 "slogdet");
  const auto [sign, logabsdet] = f(a);
  return {sign, logabsdet};
}

Tensor det(const Tensor& a) {
  CheckMatrix("det", a, /*square=*/true);
  const SlogDet s = slogdet(a);
  return s.sign * exp(s.logabsdet);
}

Tensor matrix_power(const Tensor& a, int64_t n) {
  CheckMatrix("matrix_power", a, /*square=*/true);
  if (n == std::numeric_limits<int64_t>::min()) ThrowInvalid("matrix_power: n out of range");
  const int64_t order = a.shape().back();
  if (n == 0) return EyeLike(a, order, order);
  Tensor base = n < 0 ? inv(a) : a;
  Tensor result;
  for (uint64_t k = static_cast<uint64_t>(n < 0 ? -n : n); k > 0; k >>= 1) {
    if (k & 1) result = result.defined() ? matmul(result, base) : base;
    if (k > 1) base = matmul(base, base);
  }
  return result;
}

Tensor norm(const Tensor& x, std::optional<double> ord, const Axes& axis, bool keepdims) {
  if (!x.defined()) ThrowInvalid("norm: undefined tensor");
  const std::vector<int64_t> axes = NormAxes(x, axis, ord.has_value());
  if (!ord) {  // the 2-norm of the flattened axes (Frobenius for a matrix)
    return sqrt(sum(AbsSquared(x), std::vector<int64_t>(axes), keepdims));
  }
  if (axes.size() == 1) return VectorNorm(x, ord, axes[0], keepdims);
  const double o = *ord;
  const int64_t rows = axes[0], cols = axes[1];
  if (o == 1 || o == -1) {  // column sums: over the rows
    const Tensor sums = sum(abs(x), rows, /*keepdims=*/true);
    const Tensor out = o > 0 ? max(sums, cols, true) : min(sums, cols, true);
    return keepdims ? out : squeeze(out, std::vector<int64_t>{rows, cols});
  }
  if (std::isinf(o)) {
    const Tensor sums = sum(abs(x), cols, /*keepdims=*/true);
    const Tensor out = o > 0 ? max(sums, rows, true) : min(sums, rows, true);
    return keepdims ? out : squeeze(out, std::vector<int64_t>{rows, cols});
  }
  if (o == 2 || o == -2) return SingularValueNorm(x, axes, keepdims, o > 0 ? 2 : -2);
  ThrowInvalid("norm: matrix norm ord ", o,
               " is not one of 1, -1, 2, -2, inf, -inf "
               "(or MatrixNorm::kFro, kNuc)");
}

Tensor norm(const Tensor& x, MatrixNorm ord, const Axes& axis, bool keepdims) {
  if (!x.defined()) ThrowInvalid("norm: undefined tensor");
  const char* name = ord == MatrixNorm::kFro ? "fro" : "nuc";
  const std::vector<int64_t> axes = NormAxes(x, axis, /*ord_given=*/true);
  if (axes.size() != 2) {
    ThrowInvalid("norm: \"", name, "\" is a matrix norm; it needs two axes, got ",
                 x.aval().ToString(), " with ", axes.size());
  }
  if (ord == MatrixNorm::kFro) {
    return sqrt(sum(AbsSquared(x), std::vector<int64_t>(axes), keepdims));
  }
  return SingularValueNorm(x, axes, keepdims, 0);
}

}  // namespace cotangent::linalg
