// File: backends/lapack/linalg.cc
// Each row over its batch of matrices with LAPACK (potrf, getrf, geqrf + orgqr/ungqr,
// syevd/heevd, gesdd) and BLAS (trsm), in f32, f64, c64 and c128. LAPACK is column-major: a
// row-major m x n matrix is its n x m transpose there. cholesky, eigh and svd use that directly
// (the transpose of a Hermitian matrix is its conjugate: cholesky's factor comes out right,
// eigh's eigenvectors conjugated; svd of a^T = v s u^T writes vt and u where u and vt go); lu and
// qr pivot and reflect rows, so they transpose into a column-major copy and back.

#include "backends/lapack/linalg.h"

// lapack.h's complex element types as std::complex (its documented C++ spelling), layout-equal
// to the C99 complex types the library is built with.
#include <complex>
#define lapack_complex_float std::complex<float>
#define lapack_complex_double std::complex<double>

#include <cblas.h>
#include <lapack.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/lapack/blas_threads.h"

namespace cotangent::lapack {
namespace {

using Int = lapack_int;
using C64 = std::complex<float>;
using C128 = std::complex<double>;

// The real type of an element type: of its eigen- and singular values and its modulus.
template <typename T>
struct RealOf {
  using type = T;
};
template <typename T>
struct RealOf<std::complex<T>> {
  using type = T;
};
template <typename T>
using Real = typename RealOf<T>::type;

template <typename T>
constexpr bool kComplex = !std::is_same_v<T, Real<T>>;

// ---- the s/d/c/z routines as overloads (the real ones ignore the complex-only rwork) ----

void potrf(char uplo, Int n, float* a, Int lda, Int* info) {
  LAPACK_spotrf(&uplo, &n, a, &lda, info);
}
void potrf(char uplo, Int n, double* a, Int lda, Int* info) {
  LAPACK_dpotrf(&uplo, &n, a, &lda, info);
}
void potrf(char uplo, Int n, C64* a, Int lda, Int* info) {
  LAPACK_cpotrf(&uplo, &n, a, &lda, info);
}
void potrf(char uplo, Int n, C128* a, Int lda, Int* info) {
  LAPACK_zpotrf(&uplo, &n, a, &lda, info);
}
void getrf(Int m, Int n, float* a, Int lda, Int* ipiv, Int* info) {
  LAPACK_sgetrf(&m, &n, a, &lda, ipiv, info);
}
void getrf(Int m, Int n, double* a, Int lda, Int* ipiv, Int* info) {
  LAPACK_dgetrf(&m, &n, a, &lda, ipiv, info);
}
void getrf(Int m, Int n, C64* a, Int lda, Int* ipiv, Int* info) {
  LAPACK_cgetrf(&m, &n, a, &lda, ipiv, info);
}
void getrf(Int m, Int n, C128* a, Int lda, Int* ipiv, Int* info) {
  LAPACK_zgetrf(&m, &n, a, &lda, ipiv, info);
}
void geqrf(Int m, Int n, float* a, Int lda, float* tau, float* work, Int lwork, Int* info) {
  LAPACK_sgeqrf(&m, &n, a, &lda, tau, work, &lwork, info);
}
void geqrf(Int m, Int n, double* a, Int lda, double* tau, double* work, Int lwork, Int* info) {
  LAPACK_dgeqrf(&m, &n, a, &lda, tau, work, &lwork, info);
}
void geqrf(Int m, Int n, C64* a, Int lda, C64* tau, C64* work, Int lwork, Int* info) {
  LAPACK_cgeqrf(&m, &n, a, &lda, tau, work, &lwork, info);
}
void geqrf(Int m, Int n, C128* a, Int lda, C128* tau, C128* work, Int lwork, Int* info) {
  LAPACK_zgeqrf(&m, &n, a, &lda, tau, work, &lwork, info);
}
// q from geqrf's reflectors: orgqr (real), ungqr (complex).
void ungqr(Int m, Int n, Int k, float* a, Int lda, const float* tau, float* work, Int lwork,
           Int* info) {
  LAPACK_sorgqr(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
void ungqr(Int m, Int n, Int k, double* a, Int lda, const double* tau, double* work, Int lwork,
           Int* info) {
  LAPACK_dorgqr(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
void ungqr(Int m, Int n, Int k, C64* a, Int lda, const C64* tau, C64* work, Int lwork, Int* info) {
  LAPACK_cungqr(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
void ungqr(Int m, Int n, Int k, C128* a, Int lda, const C128* tau, C128* work, Int lwork,
           Int* info) {
  LAPACK_zungqr(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
// Eigenvalues and eigenvectors: syevd (real), heevd (complex; rwork real).
void heevd(char uplo, Int n, float* a, Int lda, float* w, float* work, Int lwork, float*, Int,
           Int* iwork, Int liwork, Int* info) {
  const char jobz = 'V';
  LAPACK_ssyevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info);
}
void heevd(char uplo, Int n, double* a, Int lda, double* w, double* work, Int lwork, double*, Int,
           Int* iwork, Int liwork, Int* info) {
  const char jobz = 'V';
  LAPACK_dsyevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info);
}
void heevd(char uplo, Int n, C64* a, Int lda, float* w, C64* work, Int lwork, float* rwork,
           Int lrwork, Int* iwork, Int liwork, Int* info) {
  const char jobz = 'V';
  LAPACK_cheevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, rwork, &lrwork, iwork, &liwork, info);
}
void heevd(char uplo, Int n, C128* a, Int lda, double* w, C128* work, Int lwork, double* rwork,
           Int lrwork, Int* iwork, Int liwork, Int* info) {
  const char jobz = 'V';
  LAPACK_zheevd(&jobz, &uplo, &n, a, &lda, w, work, &lwork, rwork, &lrwork, iwork, &liwork, info);
}
void gesdd(char jobz, Int m, Int n, float* a, Int lda, float* s, float* u, Int ldu, float* vt,
           Int ldvt, float* work, Int lwork, float*, Int* iwork, Int* info) {
  LAPACK_sgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info);
}
void gesdd(char jobz, Int m, Int n, double* a, Int lda, double* s, double* u, Int ldu, double* vt,
           Int ldvt, double* work, Int lwork, double*, Int* iwork, Int* info) {
  LAPACK_dgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info);
}
void gesdd(char jobz, Int m, Int n, C64* a, Int lda, float* s, C64* u, Int ldu, C64* vt, Int ldvt,
           C64* work, Int lwork, float* rwork, Int* iwork, Int* info) {
  LAPACK_cgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, rwork, iwork, info);
}
void gesdd(char jobz, Int m, Int n, C128* a, Int lda, double* s, C128* u, Int ldu, C128* vt,
           Int ldvt, C128* work, Int lwork, double* rwork, Int* iwork, Int* info) {
  LAPACK_zgesdd(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, rwork, iwork, info);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE trans, CBLAS_DIAG diag, Int m, Int n,
          const float* a, Int lda, float* b, Int ldb) {
  cblas_strsm(CblasRowMajor, side, uplo, trans, diag, m, n, 1.0f, a, lda, b, ldb);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE trans, CBLAS_DIAG diag, Int m, Int n,
          const double* a, Int lda, double* b, Int ldb) {
  cblas_dtrsm(CblasRowMajor, side, uplo, trans, diag, m, n, 1.0, a, lda, b, ldb);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE trans, CBLAS_DIAG diag, Int m, Int n,
          const C64* a, Int lda, C64* b, Int ldb) {
  const C64 one = 1;
  cblas_ctrsm(CblasRowMajor, side, uplo, trans, diag, m, n, &one, a, lda, b, ldb);
}
void trsm(CBLAS_SIDE side, CBLAS_UPLO uplo, CBLAS_TRANSPOSE trans, CBLAS_DIAG diag, Int m, Int n,
          const C128* a, Int lda, C128* b, Int ldb) {
  const C128 one = 1;
  cblas_ztrsm(CblasRowMajor, side, uplo, trans, diag, m, n, &one, a, lda, b, ldb);
}

// The size a workspace query (lwork = -1) wrote into its first element (the real part of a
// complex one).
template <typename T>
Int WorkSize(T query) {
  return std::max<Int>(1, static_cast<Int>(std::real(query)));
}

// x = conj(x) elementwise (nothing for a real T).
template <typename T>
void Conjugate(T* x, int64_t n) {
  if constexpr (kComplex<T>) {
    for (int64_t i = 0; i < n; ++i) x[i] = std::conj(x[i]);
  }
}

// ---- one matrix at a time ----

// A row's batch: `count` matrices; operand/result i's matrix b starts at element b * stride[i].
struct Batch {
  int64_t count = 0;
  std::vector<int64_t> in_stride, out_stride;
};

template <typename T>
T* At(const HostArray& a, int64_t stride, int64_t b) {
  return static_cast<T*>(a.data) + b * stride;
}

// NaN in every element (both parts of a complex one).
template <typename T>
void FillNaN(T* x, int64_t n) {
  const Real<T> nan = std::numeric_limits<Real<T>>::quiet_NaN();
  if constexpr (kComplex<T>) {
    std::fill(x, x + n, T(nan, nan));
  } else {
    std::fill(x, x + n, nan);
  }
}

// dst (cols x rows, row-major) = src^T (rows x cols, row-major): between row- and column-major.
// In 16 x 16 tiles, which stay in cache on both sides (a plain loop strides through dst, and
// 32 rows of a power-of-two stride fall into one set of an 8-way L1: tile 16 ran LU of a
// 512 x 512 matrix in 3.6 ms, tile 32 in 5.6 ms, getrf alone taking 2.4).
template <typename T>
void Transpose(const T* src, int64_t rows, int64_t cols, T* dst) {
  constexpr int64_t kTile = 16;
  for (int64_t i0 = 0; i0 < rows; i0 += kTile) {
    for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
      const int64_t i1 = std::min(rows, i0 + kTile), j1 = std::min(cols, j0 + kTile);
      for (int64_t i = i0; i < i1; ++i) {
        for (int64_t j = j0; j < j1; ++j) dst[j * rows + i] = src[i * cols + j];
      }
    }
  }
}

// l = the lower factor of a's lower triangle, zeros above; NaN when a is not positive definite.
// Row-major lower is column-major upper: potrf('U') computes u = l^T there (for a Hermitian a,
// the column-major a^T = conj(a) = conj(l) l^T = u^H u with the same u).
template <typename T>
void Cholesky(const T* a, T* l, Int n) {
  std::copy(a, a + int64_t{n} * n, l);
  Int info = 0;
  potrf('U', n, l, std::max<Int>(n, 1), &info);
  if (info != 0) return FillNaN(l, int64_t{n} * n);
  for (int64_t i = 0; i < n; ++i) std::fill(l + i * n + i + 1, l + (i + 1) * n, T{0});
}

// op(a) = a, a^T, conj(a) or a^H. BLAS has no conj(a) alone: conj(a) x = b is a conj(x) =
// conj(b), solved on conjugated b.
template <typename T>
void TriangularSolve(const T* a, const T* b, T* x, Int m, Int n, const LinalgOptions& o) {
  std::copy(b, b + int64_t{m} * n, x);
  if (m == 0 || n == 0) return;
  const Int k = o.left_side ? m : n;
  const bool conj_only = kComplex<T> && o.conjugate_a && !o.transpose_a;
  const CBLAS_TRANSPOSE trans = !o.transpose_a                 ? CblasNoTrans
                                : kComplex<T> && o.conjugate_a ? CblasConjTrans
                                                               : CblasTrans;
  if (conj_only) Conjugate(x, int64_t{m} * n);
  trsm(o.left_side ? CblasLeft : CblasRight, o.lower ? CblasLower : CblasUpper, trans,
       o.unit_diagonal ? CblasUnit : CblasNonUnit, m, n, a, k, x, n);
  if (conj_only) Conjugate(x, int64_t{m} * n);
}

// a[perm] = l u. A singular u is not a failure (its zero pivot gives inf/NaN in solves).
template <typename T>
void Lu(const T* a, T* lu, int32_t* pivots, int32_t* perm, Int m, Int n, std::vector<T>& col,
        std::vector<Int>& ipiv) {
  const Int k = std::min(m, n);
  col.resize(int64_t{m} * n);
  ipiv.resize(k);
  Transpose(a, m, n, col.data());
  Int info = 0;
  if (k > 0) getrf(m, n, col.data(), std::max<Int>(m, 1), ipiv.data(), &info);
  Transpose(col.data(), n, m, lu);
  for (int32_t i = 0; i < m; ++i) perm[i] = i;
  for (Int i = 0; i < k; ++i) {
    pivots[i] = ipiv[i] - 1;
    std::swap(perm[i], perm[pivots[i]]);
  }
}

// a = q r: geqrf's reflectors, ungqr's (orgqr's) q from them.
template <typename T>
void Qr(const T* a, T* q, T* r, Int m, Int n, bool full, std::vector<T>& col, std::vector<T>& qcol,
        std::vector<T>& tau, std::vector<T>& work) {
  const Int k = std::min(m, n), kq = full ? m : k;
  const Int ld = std::max<Int>(m, 1);
  col.resize(int64_t{m} * n);
  Transpose(a, m, n, col.data());
  tau.resize(std::max<Int>(k, 1));
  Int info = 0;
  if (k > 0) {
    T query;
    geqrf(m, n, col.data(), ld, tau.data(), &query, -1, &info);
    work.resize(WorkSize(query));
    geqrf(m, n, col.data(), ld, tau.data(), work.data(), static_cast<Int>(work.size()), &info);
  }
  for (int64_t i = 0; i < kq; ++i) {  // r: the upper triangle, zeros below
    for (int64_t j = 0; j < n; ++j) r[i * n + j] = j >= i ? col[j * m + i] : T{0};
  }
  // q's first k columns hold the reflectors; orgqr turns them into kq columns of q.
  qcol.assign(int64_t{m} * kq, T{0});
  std::copy(col.begin(), col.begin() + int64_t{m} * std::min(k, kq), qcol.begin());
  if (m > 0 && kq > 0) {
    T query;
    ungqr(m, kq, k, qcol.data(), ld, tau.data(), &query, -1, &info);
    work.resize(std::max<size_t>(work.size(), WorkSize(query)));
    ungqr(m, kq, k, qcol.data(), ld, tau.data(), work.data(), static_cast<Int>(work.size()), &info);
  }
  Transpose(qcol.data(), kq, m, q);
}

// The workspaces of one thread's matrices, grown as needed.
template <typename T>
struct Workspace {
  std::vector<T> col, qcol, tau, work;
  std::vector<Real<T>> rwork;
  std::vector<Int> ints;
};

// a = v diag(w) v^H from a's lower (upper) triangle, which is the upper (lower) one in
// column-major; heevd's v (of the column-major conj(a) when complex: its eigenvectors are
// conj(v)) comes column-major and is transposed (and conjugated) into place.
template <typename T>
void Eigh(const T* a, T* v, Real<T>* w, Int n, bool lower, Workspace<T>& ws) {
  ws.col.assign(a, a + int64_t{n} * n);
  Int info = 0;
  if (n > 0) {
    const char uplo = lower ? 'U' : 'L';
    T query;
    Real<T> rquery = 1;
    Int iquery;
    heevd(uplo, n, ws.col.data(), n, w, &query, -1, &rquery, -1, &iquery, -1, &info);
    ws.work.resize(WorkSize(query));
    ws.rwork.resize(WorkSize(rquery));
    ws.ints.resize(std::max<Int>(iquery, 1));
    heevd(uplo, n, ws.col.data(), n, w, ws.work.data(), static_cast<Int>(ws.work.size()),
          ws.rwork.data(), static_cast<Int>(ws.rwork.size()), ws.ints.data(),
          static_cast<Int>(ws.ints.size()), &info);
  }
  if (info != 0) {
    FillNaN(v, int64_t{n} * n);
    return FillNaN(w, n);
  }
  Transpose(ws.col.data(), n, n, v);
  Conjugate(v, int64_t{n} * n);
}

// a = u diag(s) vt. The row-major a is a^T = conj(v) s u^T in column-major, so gesdd of it
// writes that factorization's "u" (conj(v), column-major: vt read row-major) where vt goes
// row-major, and its "vt" (u^T, column-major: u read row-major) where u goes.
constexpr size_t kSlack = 64;

template <typename T>
void Svd(const T* a, Real<T>* s, T* u, T* vt, Int m, Int n, bool full, Workspace<T>& ws) {
  const Int k = std::min(m, n), ku = full ? m : k, kv = full ? n : k;
  if (k == 0) {  // nothing to factor: the full factors are identities
    std::fill(u, u + int64_t{m} * ku, T{0});
    std::fill(vt, vt + int64_t{kv} * n, T{0});
    for (Int i = 0; i < std::min(m, ku); ++i) u[int64_t{i} * ku + i] = T{1};
    for (Int i = 0; i < std::min(n, kv); ++i) vt[int64_t{i} * n + i] = T{1};
    return;
  }
  // kSlack elements past a and the workspace: OpenBLAS 0.3.21's AVX-512 zgemv_n (inside
  // zgesdd's bidiagonalization) reads past the end of its operands, which crashed when that
  // end was the end of mapped memory (under ASan, about one run in three of linalg_test).
  ws.col.assign(a, a + int64_t{m} * n);
  ws.col.resize(ws.col.size() + kSlack);
  const char jobz = full ? 'A' : 'S';
  Int info = 0;
  ws.ints.resize(8 * int64_t{k});
  // gesdd's real workspace (complex only): LAPACK's documented bound for jobz 'S' and 'A'.
  const int64_t mx = std::max(m, n);
  ws.rwork.resize(
      kComplex<T> ? std::max(5 * int64_t{k} * k + 5 * k, 2 * mx * k + 2 * int64_t{k} * k + k) : 1);
  T query;
  gesdd(jobz, n, m, ws.col.data(), n, s, vt, n, u, ku, &query, -1, ws.rwork.data(), ws.ints.data(),
        &info);
  ws.work.resize(WorkSize(query) + kSlack);
  gesdd(jobz, n, m, ws.col.data(), n, s, vt, n, u, ku, ws.work.data(),
        static_cast<Int>(ws.work.size() - kSlack), ws.rwork.data(), ws.ints.data(), &info);
  if (info != 0) {
    FillNaN(s, k);
    FillNaN(u, int64_t{m} * ku);
    FillNaN(vt, int64_t{kv} * n);
  }
}

// ---- the batch loop ----

template <typename T>
void RunMatrices(Primitive prim, const LinalgOptions& o, absl::Span<const HostArray> in,
                 absl::Span<const HostArray> out, const Batch& batch, int64_t begin, int64_t end) {
  const Shape& as = in[0].aval.shape;
  const Int m = static_cast<Int>(as[as.size() - 2]), n = static_cast<Int>(as.back());
  Workspace<T> ws;
  for (int64_t b = begin; b < end; ++b) {
    const T* a = At<T>(in[0], batch.in_stride[0], b);
    const auto result = [&](int i) { return At<T>(out[i], batch.out_stride[i], b); };
    const auto values = [&](int i) { return At<Real<T>>(out[i], batch.out_stride[i], b); };
    const auto index = [&](int i) { return At<int32_t>(out[i], batch.out_stride[i], b); };
    switch (prim) {
      case Primitive::kCholesky:
        Cholesky(a, result(0), n);
        break;
      case Primitive::kTriangularSolve: {
        const Shape& bs = in[1].aval.shape;
        TriangularSolve(a, At<T>(in[1], batch.in_stride[1], b), result(0),
                        static_cast<Int>(bs[bs.size() - 2]), static_cast<Int>(bs.back()), o);
        break;
      }
      case Primitive::kLu: Lu(a, result(0), index(1), index(2), m, n, ws.col, ws.ints); break;
      case Primitive::kQr:
        Qr(a, result(0), result(1), m, n, o.full_matrices, ws.col, ws.qcol, ws.tau, ws.work);
        break;
      case Primitive::kEigh: Eigh(a, result(0), values(1), n, o.lower, ws); break;
      case Primitive::kSvd:
        Svd(a, values(0), result(1), result(2), m, n, o.full_matrices, ws);
        break;
      default:
        break;
    }
  }
}

// Elements per matrix of an array (its last two axes, or the last one for a vector per matrix
// such as w, s and the pivots).
int64_t MatrixElements(const ShapedArray& a, int64_t batch_rank) {
  int64_t n = 1;
  for (size_t i = batch_rank; i < a.shape.size(); ++i) n *= a.shape[i];
  return n;
}

}  // namespace

absl::Status Run(Primitive prim, const Params& params, absl::Span<const HostArray> in,
                 absl::Span<const HostArray> out, int threads, const ParallelFor& parallel) {
  if (KindOf(prim) != PrimitiveKind::kLinalg || in.empty() || in[0].aval.rank() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("lapack: ", PrimitiveName(prim), " is not a linear algebra row"));
  }
  const ShapedArray& a = in[0].aval;
  const int64_t batch_rank = a.rank() - 2;
  for (const HostArray& x : in) {
    const int64_t rows = x.aval.shape[batch_rank], cols = x.aval.shape.back();
    if (rows > INT_MAX || cols > INT_MAX || rows * cols > INT_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat(PrimitiveName(prim), ": ", x.aval.ToString(),
                       " has matrices larger than LAPACK's 32-bit sizes index"));
    }
  }
  Batch batch;
  batch.count = 1;
  for (int64_t i = 0; i < batch_rank; ++i) batch.count *= a.shape[i];
  for (const HostArray& x : in) batch.in_stride.push_back(MatrixElements(x.aval, batch_rank));
  for (const HostArray& x : out) batch.out_stride.push_back(MatrixElements(x.aval, batch_rank));
  const auto run = [&](int64_t begin, int64_t end) {
    switch (a.dtype) {
      case DType::kF32: return RunMatrices<float>(prim, params.linalg, in, out, batch, begin, end);
      case DType::kF64: return RunMatrices<double>(prim, params.linalg, in, out, batch, begin, end);
      case DType::kC64: return RunMatrices<C64>(prim, params.linalg, in, out, batch, begin, end);
      default: return RunMatrices<C128>(prim, params.linalg, in, out, batch, begin, end);
    }
  };
  if (a.dtype != DType::kF32 && a.dtype != DType::kF64 && !IsComplex(a.dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat(PrimitiveName(prim), ": ", a.ToString(), " is not f32, f64, c64 or c128"));
  }
  if (batch.count == 0) return absl::OkStatus();
  if (threads > 1 && batch.count < threads) {
    const blas::Threads many(threads);
    run(0, batch.count);
  } else if (parallel && batch.count > 1) {
    parallel(batch.count, [&](int64_t begin, int64_t end) {
      const blas::OneThread one;
      run(begin, end);
    });
  } else {
    const blas::OneThread one;
    run(0, batch.count);
  }
  return absl::OkStatus();
}

}  // namespace cotangent::lapack
