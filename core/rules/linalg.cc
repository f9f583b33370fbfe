// File: core/rules/linalg.cc
// Rules of the linear algebra rows, one block each, with lax.linalg's derivatives: every
// factorization's jvp solves with the factors it just computed (triangular solves and
// products, so derivatives of any order follow), and reverse mode transposes those. Each works
// on the last two axes; batching moves the batch axis to the front, where the leading axes are
// already batch axes. A factorization that reads one triangle (cholesky, eigh) symmetrizes its
// tangent from that triangle, so its derivative is that of the function of the triangle it
// computes (JAX's wrappers symmetrize the input instead; cotangent/linalg.h does too). Complex
// matrices take the same rules with the conjugate transpose x^H where a real one has x^T, real
// eigen- and singular values, and the two terms JAX adds for the phase freedom of complex
// factors (qr's and svd's imaginary diagonals).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using rules::Def;
using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;
using Bdims = absl::Span<const int64_t>;

// ---- matrices over the last two axes ----

// a @ b, batched over the leading axes (one leading shape).
Tensor Matmul(const Tensor& a, const Tensor& b) {
  const int64_t r = a.ndim();
  DotDims d{.lhs_contracting = {r - 1}, .rhs_contracting = {r - 2}};
  for (int64_t i = 0; i < r - 2; ++i) {
    d.lhs_batch.push_back(i);
    d.rhs_batch.push_back(i);
  }
  return lax::dot_general(a, b, std::move(d));
}

// x^T of each matrix.
Tensor T(const Tensor& x) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < x.ndim(); ++i) perm.push_back(i);
  std::swap(perm[x.ndim() - 2], perm[x.ndim() - 1]);
  return lax::transpose(x, perm);
}

// conj(x) of a complex x, x itself when real; x^H of each matrix.
Tensor Conj(const Tensor& x) { return IsComplex(x.dtype()) ? lax::conj(x) : x; }
Tensor H(const Tensor& x) { return Conj(T(x)); }

// The real part of a complex x, x itself when real; a real x as dtype (complex: + 0i).
Tensor RealOf(const Tensor& x) { return IsComplex(x.dtype()) ? lax::real(x) : x; }
Tensor As(const Tensor& x, DType dtype) {
  return x.dtype() == dtype ? x : lax::convert_element_type(x, dtype);
}

// A constant [rows, cols] matrix of f(i, j) broadcast to `shape` (its last two axes).
Tensor MatrixConst(const Shape& shape, DType dtype, absl::FunctionRef<double(int64_t, int64_t)> f) {
  const int64_t rows = shape[shape.size() - 2], cols = shape.back();
  const Tensor m =
      Generate({rows, cols}, dtype, "linalg", [&](int64_t i) { return f(i / cols, i % cols); });
  const int64_t r = static_cast<int64_t>(shape.size());
  return lax::broadcast_in_dim(m, shape, {r - 2, r - 1});
}

// The elements with lo <= j - i <= hi, zeros elsewhere: tril(x, k) keeps j - i <= k, triu(x, k)
// j - i >= k, Band(x, 0, 0) the diagonal.
Tensor Band(const Tensor& x, int64_t lo, int64_t hi) {
  const Tensor keep = MatrixConst(x.shape(), DType::kBool,
                                  [&](int64_t i, int64_t j) { return lo <= j - i && j - i <= hi; });
  return lax::select(keep, x, ZerosLike(x));
}
constexpr int64_t kAll = std::numeric_limits<int32_t>::max();
Tensor Tril(const Tensor& x, int64_t k = 0) { return Band(x, -kAll, k); }
Tensor Triu(const Tensor& x, int64_t k = 0) { return Band(x, k, kAll); }

// The identity matrices of `shape` (its last two axes square).
Tensor Eye(const Shape& shape, DType dtype) {
  return MatrixConst(shape, dtype, [](int64_t i, int64_t j) { return i == j; });
}

// The diagonal [..., n] of each [..., n, n] matrix.
Tensor Diagonal(const Tensor& x) {
  return lax::reduce_sum(lax::mul(x, Eye(x.shape(), x.dtype())), {x.ndim() - 1});
}

// v [..., k] repeated n times (k when n < 0) along a new axis: as the rows of [..., n, k]
// (at = -2) or the columns of [..., k, n] (at = -1).
Tensor Spread(const Tensor& v, int64_t at, int64_t n = -1) {
  Shape shape = v.shape();
  shape.insert(shape.end() + at + 1, n < 0 ? v.shape().back() : n);
  std::vector<int64_t> dims(v.ndim());
  std::iota(dims.begin(), dims.end(), 0);
  if (at == -2) ++dims.back();
  return lax::broadcast_in_dim(v, shape, dims);
}

// The Hermitian (symmetric) matrix whose lower (upper) triangle is t's, the imaginary parts of
// its diagonal dropped (LAPACK reads none): what a function of that triangle sees of a tangent t.
Tensor SymmetrizeFrom(const Tensor& t, bool lower) {
  const Tensor strict = lower ? Tril(t, -1) : Triu(t, 1);
  return lax::add(lax::add(strict, H(strict)), As(RealOf(Band(t, 0, 0)), t.dtype()));
}

// Shape checks shared by the blocks: a stack of matrices, square when `square`.
void CheckMatrices(const char* op, const ShapedArray& a, bool square) {
  if (a.rank() < 2) ThrowInvalid(op, ": expected a matrix (rank >= 2), got ", a.ToString());
  if (square && a.shape[a.rank() - 1] != a.shape[a.rank() - 2]) {
    ThrowInvalid(op, ": expected square matrices, got ", a.ToString());
  }
}

ShapedArray WithMatrix(const ShapedArray& a, int64_t rows, int64_t cols, DType dtype) {
  Shape shape(a.shape.begin(), a.shape.end() - 2);
  if (rows >= 0) shape.push_back(rows);
  shape.push_back(cols);
  return ShapedArray{shape, dtype};
}

// Every linear algebra row batches alike: the batch axis first (broadcast where unbatched),
// where it is one more leading axis.
template <Primitive prim>
BatchedList LinalgBatch(Span x, Bdims bdims, const Params& p) {
  const int64_t n = rules::BatchSize(x, bdims);
  std::vector<Tensor> args;
  for (size_t i = 0; i < x.size(); ++i) {
    args.push_back(rules::MaterializeBatch(x[i], bdims[i], n, 0));
  }
  BatchedList out{Bind(prim, args, p), {}};
  out.bdims.assign(out.values.size(), 0);
  return out;
}
template <Primitive prim>
Batched LinalgBatch1(Span x, Bdims bdims, const Params& p) {
  return {LinalgBatch<prim>(x, bdims, p).values[0], 0};
}

template <Primitive prim>
constexpr Def kDef = {};

// ---- cholesky(a) ----

ShapedArray CholeskyAbstractEval(Avals in, const Params&) {
  CheckMatrices("cholesky", in[0], /*square=*/true);
  return in[0];
}
// L' = L phi(L^-1 a' L^-H), phi taking the lower triangle with half the diagonal (Murray,
// "Differentiation of the Cholesky decomposition", 2016).
Tensor CholeskyJvp(Span x, Span t, const Tensor& l, const Params&) {
  const Tensor sigma = SymmetrizeFrom(t[0], /*lower=*/true);
  const Tensor right =  // a' L^-H
      lax::triangular_solve(l, sigma, {.transpose_a = true, .conjugate_a = true});
  const Tensor inner = lax::triangular_solve(l, right, {.left_side = true});    // L^-1 a' L^-T
  const Tensor halves =
      lax::add(Eye(x[0].shape(), x[0].dtype()), OnesLike(x[0]));  // 2 on the diagonal
  return Matmul(l, lax::div(Tril(inner), halves));
}
template <>
constexpr Def kDef<Primitive::kCholesky> = {.abstract_eval = CholeskyAbstractEval,
                                            .tangent = CholeskyJvp,
                                            .batch = LinalgBatch1<Primitive::kCholesky>};

// ---- triangular_solve(a, b; left_side, lower, transpose_a, unit_diagonal) ----

ShapedArray TriangularSolveAbstractEval(Avals in, const Params& p) {
  const ShapedArray &a = in[0], &b = in[1];
  const auto fail = [&](const char* why) {
    ThrowInvalid("triangular_solve: a ", a.ToString(), ", b ", b.ToString(),
                 p.linalg.left_side ? " (left side)" : " (right side)", ": ", why);
  };
  CheckMatrices("triangular_solve", a, /*square=*/true);
  if (b.rank() != a.rank()) fail("a and b differ in rank");
  if (a.dtype != b.dtype) fail("a and b differ in dtype");
  if (!std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin())) {
    fail("a and b differ in their leading (batch) axes");
  }
  const int64_t k = a.shape.back();
  if (b.shape[b.rank() - (p.linalg.left_side ? 2 : 1)] != k) {
    fail(p.linalg.left_side ? "b's rows are not a's order" : "b's columns are not a's order");
  }
  return b;
}
// In b: the same solve of b'. In a: x' = -op(a)^-1 op(a') x (left) or -x op(a') op(a)^-1
// (right), a' restricted to the triangle read; the solve goes where it is cheaper (JAX's).
Tensor TriangularSolveJvp(Span x, Span t, const Tensor& out, const Params& p) {
  const LinalgOptions& o = p.linalg;
  Tensor dx;
  if (t[1].defined()) dx = lax::triangular_solve(x[0], t[1], o);
  if (!t[0].defined()) return dx;
  const int64_t k = o.unit_diagonal ? 1 : 0;
  Tensor ga = lax::neg(o.lower ? Tril(t[0], -k) : Triu(t[0], k));
  if (o.transpose_a) ga = T(ga);
  if (o.conjugate_a) ga = Conj(ga);
  const int64_t m = out.shape()[out.ndim() - 2], n = out.shape().back();
  Tensor da;
  if (o.left_side) {
    da = m > n ? lax::triangular_solve(x[0], Matmul(ga, out), o)
               : Matmul(lax::triangular_solve(x[0], ga, o), out);
  } else {
    da = m < n ? lax::triangular_solve(x[0], Matmul(out, ga), o)
               : Matmul(out, lax::triangular_solve(x[0], ga, o));
  }
  return rules::AddTangents(dx, da);
}
// Linear in b: its transpose solves with op(a)^T (conjugated as op(a) is: the pairing of
// cotangents with values conjugates nothing).
std::vector<Tensor> TriangularSolveTranspose(const Tensor& ct, Span operands, Avals,
                                             const Params& p) {
  LinalgOptions o = p.linalg;
  o.transpose_a = !o.transpose_a;
  return {Tensor(), lax::triangular_solve(operands[0], ct, o)};
}
template <>
constexpr Def kDef<Primitive::kTriangularSolve> = {
    .abstract_eval = TriangularSolveAbstractEval,
    .tangent = TriangularSolveJvp,
    .transpose = TriangularSolveTranspose,
    .batch = LinalgBatch1<Primitive::kTriangularSolve>};

// ---- lu(a) -> (lu, pivots, permutation) ----

AvalList LuAbstractEval(Avals in, const Params&) {
  CheckMatrices("lu", in[0], /*square=*/false);
  const int64_t m = in[0].shape[in[0].rank() - 2], n = in[0].shape.back();
  if (m > std::numeric_limits<int32_t>::max()) {
    ThrowInvalid("lu: ", in[0].ToString(), " has more rows than an i32 pivot holds");
  }
  return {in[0], WithMatrix(in[0], -1, std::min(m, n), DType::kI32),
          WithMatrix(in[0], -1, m, DType::kI32)};
}
// With P a = L U: L^-1 P a' U^-1 = L^-1 L' + U' U^-1, strictly lower plus upper, so L' = L
// tril(that, -1) and U' = triu(that) U (de Hoog, Anderssen and Lukas). A rectangular a pads
// L to m x m and U to n x n with identity blocks (JAX's).
std::pair<TensorList, TensorList> LuJvp(Span x, Span t, const Params& p) {
  TensorList out = Bind(Primitive::kLu, x, p);
  const Tensor &a = x[0], &lu = out[0], &perm = out[2];
  const int64_t r = a.ndim(), m = a.shape()[r - 2], n = a.shape()[r - 1], k = std::min(m, n);
  // P a': row i is row perm[i] of a', as the product with P[i, j] = (perm[i] == j).
  Shape pshape = perm.shape();
  pshape.push_back(m);
  std::vector<int64_t> dims(perm.ndim());
  for (int64_t i = 0; i < perm.ndim(); ++i) dims[i] = i;
  const Tensor iota = Generate({m}, DType::kI32, "lu", [](int64_t j) { return double(j); });
  const Tensor pmat =
      lax::convert_element_type(lax::eq(lax::broadcast_in_dim(perm, pshape, dims),
                                        lax::broadcast_in_dim(iota, pshape, {r - 1})),
                                a.dtype());
  const Tensor pa = Matmul(pmat, t[0]);
  std::vector<int64_t> zero(r, 0), lhigh(r, 0), uhigh(r, 0), start(r, 0), limit = a.shape();
  lhigh[r - 1] = m - k;
  uhigh[r - 2] = n - k;
  limit[r - 1] = k;
  Tensor l = lax::pad(Tril(lax::slice(lu, start, limit), -1), 0.0, zero, lhigh);
  Shape lshape = a.shape();
  lshape[r - 1] = m;
  l = lax::add(l, Eye(lshape, a.dtype()));
  limit = a.shape();
  limit[r - 2] = k;
  Tensor u = lax::pad(Triu(lax::slice(lu, start, limit)), 0.0, zero, uhigh);
  if (n > k) {  // ones on the diagonal of the padded block
    Shape ushape = a.shape();
    ushape[r - 2] = n;
    u = lax::add(u, MatrixConst(ushape, a.dtype(),
                                [&](int64_t i, int64_t j) { return i == j && i >= k; }));
  }
  const Tensor la = lax::triangular_solve(l, pa, {.left_side = true, .unit_diagonal = true});
  const Tensor lau = lax::triangular_solve(u, la, {.lower = false});
  const Tensor dlu = lax::add(Matmul(l, Tril(lau, -1)), Matmul(Triu(lau), u));
  return {std::move(out), {dlu, Tensor(), Tensor()}};
}

// ---- qr(a; full_matrices) -> (q, r) ----

AvalList QrAbstractEval(Avals in, const Params& p) {
  CheckMatrices("qr", in[0], /*square=*/false);
  const int64_t m = in[0].shape[in[0].rank() - 2], n = in[0].shape.back();
  const int64_t k = p.linalg.full_matrices ? m : std::min(m, n);
  return {WithMatrix(in[0], m, k, in[0].dtype), WithMatrix(in[0], k, n, in[0].dtype)};
}
// With C = q^H a' r^-1 and O = tril(C, -1) - tril(C, -1)^H (q^H q' is skew-Hermitian; for a
// complex a, O's diagonal is C's imaginary one, r's diagonal staying real): q' = q (O - C) +
// a' r^-1, r' = (C - O) r (Townsend, "Differentiating the QR decomposition", 2018). Defined
// for m >= n with the reduced q (or square a), as JAX's.
std::pair<TensorList, TensorList> QrJvp(Span x, Span t, const Params& p) {
  TensorList out = Bind(Primitive::kQr, x, p);
  const int64_t r = x[0].ndim(), m = x[0].shape()[r - 2], n = x[0].shape()[r - 1];
  if (m < n || (p.linalg.full_matrices && m != n)) {
    ThrowInvalid(
        "qr: the derivative is defined for a with at least as many rows as columns and "
        "the reduced q (full_matrices=false, or a square), got ",
        x[0].aval().ToString(), p.linalg.full_matrices ? " with full_matrices" : "");
  }
  const Tensor &q = out[0], &rr = out[1];
  const Tensor dx_rinv = lax::triangular_solve(rr, t[0], {.lower = false});
  const Tensor c = Matmul(H(q), dx_rinv);
  const Tensor low = Tril(c, -1);
  Tensor o = lax::sub(low, H(low));
  if (IsComplex(c.dtype())) {
    o = lax::add(o, Band(lax::sub(c, As(lax::real(c), c.dtype())), 0, 0));
  }
  const Tensor dq = lax::add(Matmul(q, lax::sub(o, c)), dx_rinv);
  const Tensor dr = Matmul(lax::sub(c, o), rr);
  return {std::move(out), {dq, dr}};
}

// ---- eigh(a; lower) -> (v, w) ----

AvalList EighAbstractEval(Avals in, const Params&) {
  CheckMatrices("eigh", in[0], /*square=*/true);
  return {in[0], WithMatrix(in[0], -1, in[0].shape.back(), RealPart(in[0].dtype))};
}
// With S = v^H a' v: w' = Re diag(S), v' = v (F * S), F[i, j] = 1 / (w_j - w_i) off the
// diagonal and 0 on it (infinite for repeated eigenvalues, where eigenvectors are not
// differentiable).
std::pair<TensorList, TensorList> EighJvp(Span x, Span t, const Params& p) {
  TensorList out = Bind(Primitive::kEigh, x, p);
  const Tensor &v = out[0], &w = out[1];
  const Tensor s = Matmul(Matmul(H(v), SymmetrizeFrom(t[0], p.linalg.lower)), v);
  const Tensor eye = Eye(x[0].shape(), w.dtype());
  const Tensor gaps = lax::add(eye, lax::sub(Spread(w, -2), Spread(w, -1)));
  const Tensor f = As(lax::sub(lax::div(OnesLike(gaps), gaps), eye), v.dtype());
  return {std::move(out), {Matmul(v, lax::mul(f, s)), RealOf(Diagonal(s))}};
}

// ---- svd(a; full_matrices) -> (s, u, vt) ----

AvalList SvdAbstractEval(Avals in, const Params& p) {
  CheckMatrices("svd", in[0], /*square=*/false);
  const int64_t m = in[0].shape[in[0].rank() - 2], n = in[0].shape.back(), k = std::min(m, n);
  const bool full = p.linalg.full_matrices;
  return {WithMatrix(in[0], -1, k, RealPart(in[0].dtype)),
          WithMatrix(in[0], m, full ? m : k, in[0].dtype),
          WithMatrix(in[0], full ? n : k, n, in[0].dtype)};
}
// With dS = u^H a' v: s' = Re diag(dS); u' and v' from F[i, j] = 1 / (s_j^2 - s_i^2) (0 on the
// diagonal), plus the parts outside the span of u (m > n) or v (n > m), plus for a complex a
// the skew-Hermitian part of dS over s in u' (the phase that keeps u s v^H = a) (JAX's rule).
// Defined for the reduced u and vt (or a square a), as JAX's.
std::pair<TensorList, TensorList> SvdJvp(Span x, Span t, const Params& p) {
  TensorList out = Bind(Primitive::kSvd, x, p);
  const int64_t r = x[0].ndim(), m = x[0].shape()[r - 2], n = x[0].shape()[r - 1];
  if (p.linalg.full_matrices && m != n) {
    ThrowInvalid(
        "svd: the derivative is defined for the reduced u and vt (full_matrices=false, "
        "or a square a), got ",
        x[0].aval().ToString(), " with full_matrices");
  }
  const Tensor &s = out[0], &u = out[1], &vt = out[2], &da = t[0];
  const DType dtype = u.dtype();
  const Tensor v = H(vt);
  const Tensor ds_mat = Matmul(Matmul(H(u), da), v);
  const Tensor row = Spread(s, -2), col = Spread(s, -1);  // s_j, s_i
  const Tensor eye = Eye(row.shape(), s.dtype());
  const Tensor diffs = lax::mul(lax::add(row, col), lax::sub(row, col));
  const Tensor f = As(lax::sub(lax::div(OnesLike(diffs), lax::add(diffs, eye)), eye), dtype);
  const Tensor dss = lax::mul(As(row, dtype), ds_mat), sds = lax::mul(As(col, dtype), ds_mat);
  Tensor du = Matmul(u, lax::mul(f, lax::add(dss, H(dss))));
  Tensor dv = Matmul(v, lax::mul(f, lax::add(sds, H(sds))));
  if (IsComplex(dtype)) {  // + u (dS - dS^H) / 2 diag(1 / s), 1 / 0 taken as 0
    const Tensor zero = lax::convert_element_type(lax::eq(s, ZerosLike(s)), s.dtype());
    const Tensor inv = lax::sub(lax::div(OnesLike(s), lax::add(s, zero)), zero);
    const Tensor skew = lax::sub(ds_mat, H(ds_mat));
    const Tensor half_inv = lax::mul(Spread(inv, -2), lax::mul(eye, FullLike(eye, 0.5)));
    du = lax::add(du, Matmul(u, lax::mul(skew, As(half_inv, dtype))));
  }
  const auto over_s = [&](const Tensor& y) {
    return lax::div(y, As(Spread(s, -2, y.shape()[y.ndim() - 2]), dtype));
  };
  if (m > n) {
    const Tensor dav = Matmul(da, v);
    du = lax::add(du, over_s(lax::sub(dav, Matmul(u, Matmul(H(u), dav)))));
  }
  if (n > m) {
    const Tensor dau = Matmul(H(da), u);
    dv = lax::add(dv, over_s(lax::sub(dau, Matmul(v, Matmul(vt, dau)))));
  }
  return {std::move(out), {RealOf(Diagonal(ds_mat)), du, H(dv)}};
}

// The rules of a multi-output row, set in the table directly (Def is for one output).
template <Primitive prim>
void DefineMulti(RuleTable& table, AbstractEvalRule abstract_eval, JvpRule jvp) {
  PrimitiveRules& rules = table[prim];
  rules.abstract_eval = abstract_eval;
  rules.jvp = jvp;
  rules.batch = LinalgBatch<prim>;
}

}  // namespace

void RegisterLinalgRules(RuleTable& table) {
  rules::Define<Primitive::kCholesky, kDef<Primitive::kCholesky>>(table);
  rules::Define<Primitive::kTriangularSolve, kDef<Primitive::kTriangularSolve>>(table);
  DefineMulti<Primitive::kLu>(table, LuAbstractEval, LuJvp);
  DefineMulti<Primitive::kQr>(table, QrAbstractEval, QrJvp);
  DefineMulti<Primitive::kEigh>(table, EighAbstractEval, EighJvp);
  DefineMulti<Primitive::kSvd>(table, SvdAbstractEval, SvdJvp);
}

}  // namespace cotangent
