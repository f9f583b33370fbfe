// File: cotangent/linalg.h
// Linear algebra, as jax.numpy.linalg and jax.scipy.linalg: factorizations (cholesky, lu, qr,
// eigh, svd), solves (solve_triangular, solve, lu_solve, cho_solve, inv), determinants (det,
// slogdet), matrix_power and norm. Every function works on the last two axes and batches over
// the leading ones. The factorizations are the linear algebra primitives (core/primitives.def:
// LAPACK on the CPU, host copies on Vulkan), with JAX's derivative rules; the rest is built on
// them, so grad, jvp, vmap and jit apply to all of it.
//
// As in JAX, a failed factorization is not an error: cholesky of a matrix that is not positive
// definite is NaN, and a singular matrix gives inf or NaN in solve, inv and det's derivative.
// Shapes are checked: a non-square matrix for cholesky, eigh, solve, inv or det is an error
// naming the function and the shape. f32, f64, c64 and c128 (the complex forms read x^H where
// the real ones read x^T: Hermitian for symmetric, unitary for orthogonal; eigenvalues, singular
// values and logabsdet are real, slogdet's sign a complex phase).

#ifndef COTANGENT_COTANGENT_LINALG_H_
#define COTANGENT_COTANGENT_LINALG_H_

#include <cstdint>
#include <optional>

#include "core/tensor.h"
#include "cotangent/numpy.h"

namespace cotangent::linalg {

// L lower (or L^H, upper) with a = L L^H. symmetrize_input uses (a + a^H) / 2 (JAX's default,
// so the gradient is symmetric); without it only a's lower triangle is read.
Tensor cholesky(const Tensor& a, bool upper = false, bool symmetrize_input = true);

// jax.scipy.linalg.solve_triangular: x with op(a) x = b, op(a) = a, a^T or a^H (scipy's trans
// 0, 1 or 2), a's lower or upper triangle read (the other ignored), its diagonal taken as ones
// when unit_diagonal. b is [..., n, k], or [..., n] for one right-hand side.
Tensor solve_triangular(const Tensor& a, const Tensor& b, int trans = 0, bool lower = false,
                        bool unit_diagonal = false);

// jax.scipy.linalg.lu: a = p l u with p a permutation matrix, l unit lower trapezoidal
// ([m, k], k = min(m, n)) and u upper trapezoidal ([k, n]).
struct PLU {
  Tensor p, l, u;
};
PLU lu(const Tensor& a);
// jax.scipy.linalg.lu_factor: l and u in one matrix and the pivots (i32, 0-based: row i was
// swapped with row piv[i]), with the permutation they make (a[perm] = l u, i32). lu_solve
// solves a x = b (trans 1: a^T x = b, 2: a^H x = b) with them; b as in solve_triangular.
struct LuFactor {
  Tensor lu, piv, perm;
};
LuFactor lu_factor(const Tensor& a);
Tensor lu_solve(const LuFactor& factor, const Tensor& b, int trans = 0);

// jax.scipy.linalg.cho_solve: x with a x = b from a's Cholesky factor (lower, or upper).
Tensor cho_solve(const Tensor& factor, const Tensor& b, bool lower = true);

// jnp.linalg.qr: a = q r. Reduced: q [m, k], r [k, n] (k = min(m, n)); complete: q [m, m],
// r [m, n]. The derivative is defined for m >= n with the reduced q, or a square a (JAX's).
struct QR {
  Tensor q, r;
};
QR qr(const Tensor& a, bool complete = false);

// jnp.linalg.eigh: a = v diag(w) v^H for Hermitian (symmetric) a, w real and ascending, v's
// columns the eigenvectors. symmetrize_input uses (a + a^H) / 2; without it the lower (upper)
// triangle is read (the imaginary parts of its diagonal ignored). Eigenvectors of repeated
// eigenvalues have no derivative (it is inf or NaN, as JAX's).
struct Eigh {
  Tensor eigenvalues, eigenvectors;
};
Eigh eigh(const Tensor& a, bool lower = true, bool symmetrize_input = true);
Tensor eigvalsh(const Tensor& a, bool lower = true);

// jnp.linalg.svd: a = u diag(s) vh, s real, descending and >= 0. full_matrices (numpy's default):
// u [m, m] and vh [n, n]; else u [m, k], vh [k, n]. The derivative needs the reduced factors or
// a square a (JAX's). svdvals: s alone.
struct SVD {
  Tensor u, s, vh;
};
SVD svd(const Tensor& a, bool full_matrices = true);
Tensor svdvals(const Tensor& a);

// jnp.linalg.solve: x with a x = b, b [..., n, k], or [n] for one right-hand side (NumPy 2's
// rule, as JAX's); a's leading axes and b's broadcast. LU with partial pivoting, differentiated
// as the system a x = b (a custom_linear_solve reusing the LU), not through the LU.
Tensor solve(const Tensor& a, const Tensor& b);
// jnp.linalg.inv: a^-1, through solve.
Tensor inv(const Tensor& a);

// jnp.linalg.slogdet: det(a) = sign exp(logabsdet), from the LU factors (sign 0 and logabsdet
// -inf for a singular a). det is sign exp(logabsdet); its derivative at a singular a is NaN
// (JAX computes the adjugate there).
struct SlogDet {
  Tensor sign, logabsdet;
};
SlogDet slogdet(const Tensor& a);
Tensor det(const Tensor& a);

// jnp.linalg.matrix_power: a^n by repeated squaring; n = 0 the identity, n < 0 powers of inv(a).
Tensor matrix_power(const Tensor& a, int64_t n);

// jnp.linalg.norm. With no axis: the 2-norm of a vector, the Frobenius norm of a matrix (x of
// rank 1 or 2; with ord unset, any rank is flattened). One axis: vector norms, ord = inf
// (max |x|), -inf (min |x|), 0 (count of nonzeros), else (sum |x|^ord)^(1/ord). Two axes: matrix
// norms, ord = 1 / -1 (max / min column sum of |x|), inf / -inf (rows), 2 / -2 (largest /
// smallest singular value), or numpy's "fro" / "nuc" (sum of singular values) as MatrixNorm.
enum class MatrixNorm { kFro, kNuc };
Tensor norm(const Tensor& x, std::optional<double> ord = std::nullopt, const Axes& axis = {},
            bool keepdims = false);
Tensor norm(const Tensor& x, MatrixNorm ord, const Axes& axis = {}, bool keepdims = false);

}  // namespace cotangent::linalg

#endif  // COTANGENT_COTANGENT_LINALG_H_
