// File: core/rules/linalg.cc
// Rules of the linear algebra rows, one block each, with lax.linalg's derivatives: every
// factorization's jvp solves with the factors it just computed (triangular solves and
// products, so derivatives of any order follow), and reverse mode transposes those. Each works
// on the last two axes; batching moves the batch axis to the front, where the leading axes are
// already batch axes. A factorization that reads one triangle (cholesky, eigh) symmetrizes its
// tangent from that triangle, so its derivative is that of the function of the triangle it
// computes (JAX's wrappers symmetrize the input instead; cotangent/linalg.h does too).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

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

// A constant [rows, cols] matrix of f(i, j) broadcast to `shape` (its last two axes).
Tensor MatrixConst(const Shape& shape, DType dtype, double (*f)(int64_t, int64_t, int64_t),
                   int64_t k) {
  const int64_t rows = shape[shape.size() - 2], cols = shape.back();
  const Tensor m =
      Generate({rows, cols}, dtype, "linalg", [&](int64_t i) { return f(i / cols, i % cols, k); });
  const int64_t r = static_cast<int64_t>(shape.size());
  return lax::broadcast_in_dim(m, shape, {r - 2, r - 1});
}

// The elements on and below the k-th diagonal (j - i <= k); triu: on and above (j - i >= k).
Tensor Tril(const Tensor& x, int64_t k = 0) {
  const Tensor keep = MatrixConst(
      x.shape(), DType::kBool, [](int64_t i, int64_t j, int64_t k) { return j - i <= k ? 1. : 0.; },
      k);
  return lax::select(keep, x, ZerosLike(x));
}
Tensor Triu(const Tensor& x, int64_t k = 0) {
  const Tensor keep = MatrixConst(
      x.shape(), DType::kBool, [](int64_t i, int64_t j, int64_t k) { return j - i >= k ? 1. : 0.; },
      k);
  return lax::select(keep, x, ZerosLike(x));
}

// The identity matrices of `shape` (its last two axes square).
Tensor Eye(const Shape& shape, DType dtype) {
  return MatrixConst(
      shape, dtype, [](int64_t i, int64_t j, int64_t) { return i == j ? 1. : 0.; }, 0);
}

// The diagonal [..., n] of each [..., n, n] matrix.
Tensor Diagonal(const Tensor& x) {
  return lax::reduce_sum(lax::mul(x, Eye(x.shape(), x.dtype())), {x.ndim() - 1});
}

// v [..., n] as a row [..., 1, n] (at = -2) or a column [..., n, 1] (at = -1), broadcast to
// [..., n, n].
Tensor Spread(const Tensor& v, int64_t at) {
  Shape shape = v.shape();
  shape.push_back(v.shape().back());
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < v.ndim() - 1; ++i) dims.push_back(i);
  dims.push_back(at == -2 ? v.ndim() : v.ndim() - 1);
  return lax::broadcast_in_dim(v, shape, dims);
}

// The axes of a [..., m, k] array that s [..., k] lines up with: all but the rows.
std::vector<int64_t> Outer(int64_t rank) {
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (i != rank - 2) dims.push_back(i);
  }
  return dims;
}

// The symmetric matrix whose lower (upper) triangle is t's: what a function of that triangle
// sees of a tangent t.
Tensor SymmetrizeFrom(const Tensor& t, bool lower) {
  return lower ? lax::add(Tril(t), T(Tril(t, -1))) : lax::add(Triu(t), T(Triu(t, 1)));
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
// L' = L phi(L^-1 a' L^-T), phi taking the lower triangle with half the diagonal (Murray,
// "Differentiation of the Cholesky decomposition", 2016).
Tensor CholeskyJvp(Span x, Span t, const Tensor& l, const Params&) {
  const Tensor sigma = SymmetrizeFrom(t[0], /*lower=*/true);
  const Tensor right = lax::triangular_solve(l, sigma, {.transpose_a = true});  // a' L^-T
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
// Linear in b: its transpose solves with op(a)^T.
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
    const Tensor corner = MatrixConst(
        ushape, a.dtype(),
        [](int64_t i, int64_t j, int64_t k) { return i == j && i >= k ? 1. : 0.; }, k);
    u = lax::add(u, corner);
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
// With C = q^T a' r^-1 and O = tril(C, -1) - tril(C, -1)^T (q^T q' is skew): q' = q (O - C) +
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
  const Tensor c = Matmul(T(q), dx_rinv);
  const Tensor low = Tril(c, -1);
  const Tensor o = lax::sub(low, T(low));
  const Tensor dq = lax::add(Matmul(q, lax::sub(o, c)), dx_rinv);
  const Tensor dr = Matmul(lax::sub(c, o), rr);
  return {std::move(out), {dq, dr}};
}

// ---- eigh(a; lower) -> (v, w) ----

AvalList EighAbstractEval(Avals in, const Params&) {
  CheckMatrices("eigh", in[0], /*square=*/true);
  return {in[0], WithMatrix(in[0], -1, in[0].shape.back(), in[0].dtype)};
}
// With S = v^T a' v: w' = diag(S), v' = v (F * S), F[i, j] = 1 / (w_j - w_i) off the diagonal
// and 0 on it (infinite for repeated eigenvalues, where eigenvectors are not differentiable).
std::pair<TensorList, TensorList> EighJvp(Span x, Span t, const Params& p) {
  TensorList out = Bind(Primitive::kEigh, x, p);
  const Tensor &v = out[0], &w = out[1];
  const Tensor s = Matmul(Matmul(T(v), SymmetrizeFrom(t[0], p.linalg.lower)), v);
  const Tensor eye = Eye(x[0].shape(), x[0].dtype());
  const Tensor gaps = lax::add(eye, lax::sub(Spread(w, -2), Spread(w, -1)));
  const Tensor f = lax::sub(lax::div(OnesLike(gaps), gaps), eye);
  return {std::move(out), {Matmul(v, lax::mul(f, s)), Diagonal(s)}};
}

// ---- svd(a; full_matrices) -> (s, u, vt) ----

AvalList SvdAbstractEval(Avals in, const Params& p) {
  CheckMatrices("svd", in[0], /*square=*/false);
  const int64_t m = in[0].shape[in[0].rank() - 2], n = in[0].shape.back(), k = std::min(m, n);
  const bool full = p.linalg.full_matrices;
  return {WithMatrix(in[0], -1, k, in[0].dtype), WithMatrix(in[0], m, full ? m : k, in[0].dtype),
          WithMatrix(in[0], full ? n : k, n, in[0].dtype)};
}
// With dS = u^T a' v: s' = diag(dS); u' and v' from F[i, j] = 1 / (s_j^2 - s_i^2) (0 on the
// diagonal), plus the parts outside the span of u (m > n) or v (n > m) (JAX's rule). Defined
// for the reduced u and vt (or a square a), as JAX's.
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
  const Tensor v = T(vt);
  const Tensor ds_mat = Matmul(Matmul(T(u), da), v);
  const Tensor row = Spread(s, -2), col = Spread(s, -1);  // s_j, s_i
  const Tensor eye = Eye(row.shape(), s.dtype());
  const Tensor diffs = lax::mul(lax::add(row, col), lax::sub(row, col));
  const Tensor f = lax::sub(lax::div(OnesLike(diffs), lax::add(diffs, eye)), eye);
  // JAX's rule adds the imaginary part of diag(dS) / s to u'; it vanishes for real a.
  const Tensor dss = lax::mul(row, ds_mat), sds = lax::mul(col, ds_mat);
  Tensor du = Matmul(u, lax::mul(f, lax::add(dss, T(dss))));
  Tensor dv = Matmul(v, lax::mul(f, lax::add(sds, T(sds))));
  if (m > n) {
    const Tensor dav = Matmul(da, v);
    du = lax::add(du, lax::div(lax::sub(dav, Matmul(u, Matmul(T(u), dav))),
                               lax::broadcast_in_dim(s, dav.shape(), Outer(dav.ndim()))));
  }
  if (n > m) {
    const Tensor dau = Matmul(T(da), u);
    dv = lax::add(dv, lax::div(lax::sub(dau, Matmul(v, Matmul(vt, dau))),
                               lax::broadcast_in_dim(s, dau.shape(), Outer(dau.ndim()))));
  }
  return {std::move(out), {Diagonal(ds_mat), du, T(dv)}};
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
