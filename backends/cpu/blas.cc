// File: backends/cpu/blas.cc
// Gemm over OpenBLAS's cblas_?gemm / cblas_?gemv, with the layout rules of blas.h.

#include "backends/cpu/blas.h"

#include <cblas.h>

#include <algorithm>
#include <climits>

#include "backends/lapack/blas_threads.h"

namespace cotangent::cpu {
namespace {

bool FitsInt(int64_t x) { return x <= INT_MAX; }

CBLAS_TRANSPOSE Op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

// x[p] = element p of a vector inside a BLAS matrix: row 0 of A (m = 1) or column 0 of B
// (n = 1), with its increment.
template <typename T>
int64_t RowIncrement(const BlasMatrix<T>& x) {
  return x.trans ? x.ld : 1;
}
template <typename T>
int64_t ColumnIncrement(const BlasMatrix<T>& x) {
  return x.trans ? 1 : x.ld;
}

// One body for float and double: the cblas names differ only by the s/d prefix.
template <typename T, typename Gemm, typename Gemv>
void Product(int64_t m, int64_t n, int64_t k, const BlasMatrix<T>& a, const BlasMatrix<T>& b, T* c,
             int64_t ldc, Gemm gemm, Gemv gemv) {
  const blas::OneThread one;  // backends/lapack/blas_threads.h
  const auto i = [](int64_t x) { return static_cast<int>(x); };
  if (n == 1) {
    // c[:, 0] = A * (column 0 of B); gemv scales y by beta = 0, which keeps a NaN already
    // there, so y starts at zero.
    for (int64_t r = 0; r < m; ++r) c[r * ldc] = T{0};
    gemv(CblasRowMajor, Op(a.trans), i(a.trans ? k : m), i(a.trans ? m : k), T{1}, a.data, i(a.ld),
         b.data, i(ColumnIncrement(b)), T{0}, c, i(ldc));
  } else if (m == 1) {
    // c[0, :] = B^T * (row 0 of A).
    std::fill(c, c + n, T{0});
    gemv(CblasRowMajor, Op(!b.trans), i(b.trans ? n : k), i(b.trans ? k : n), T{1}, b.data, i(b.ld),
         a.data, i(RowIncrement(a)), T{0}, c, 1);
  } else {
    gemm(CblasRowMajor, Op(a.trans), Op(b.trans), i(m), i(n), i(k), T{1}, a.data, i(a.ld), b.data,
         i(b.ld), T{0}, c, i(ldc));
  }
}

}  // namespace

template <typename T>
std::optional<BlasMatrix<T>> AsBlasMatrix(const T* data, int64_t rows, int64_t cols, int64_t si,
                                          int64_t sj) {
  const bool one_row = rows == 1, one_col = cols == 1;
  std::optional<BlasMatrix<T>> x;
  if ((sj == 1 || one_col) && (one_row || si >= std::max<int64_t>(cols, 1))) {
    x = BlasMatrix<T>{data, false, one_row ? std::max<int64_t>(cols, 1) : si};
  } else if ((si == 1 || one_row) && (one_col || sj >= std::max<int64_t>(rows, 1))) {
    x = BlasMatrix<T>{data, true, one_col ? std::max<int64_t>(rows, 1) : sj};
  }
  if (x && !FitsInt(x->ld)) x.reset();
  return x;
}
template std::optional<BlasMatrix<float>> AsBlasMatrix(const float*, int64_t, int64_t, int64_t,
                                                       int64_t);
template std::optional<BlasMatrix<double>> AsBlasMatrix(const double*, int64_t, int64_t, int64_t,
                                                        int64_t);
template std::optional<BlasMatrix<uint8_t>> AsBlasMatrix(const uint8_t*, int64_t, int64_t, int64_t,
                                                         int64_t);
template std::optional<BlasMatrix<uint32_t>> AsBlasMatrix(const uint32_t*, int64_t, int64_t,
                                                          int64_t, int64_t);
template std::optional<BlasMatrix<uint64_t>> AsBlasMatrix(const uint64_t*, int64_t, int64_t,
                                                          int64_t, int64_t);

bool FitsBlas(int64_t m, int64_t n, int64_t k, int64_t ldc) {
  return FitsInt(m) && FitsInt(n) && FitsInt(k) && FitsInt(ldc);
}

void Gemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<float>& a, const BlasMatrix<float>& b,
          float* c, int64_t ldc) {
  Product(m, n, k, a, b, c, ldc, cblas_sgemm, cblas_sgemv);
}

void Gemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<double>& a, const BlasMatrix<double>& b,
          double* c, int64_t ldc) {
  Product(m, n, k, a, b, c, ldc, cblas_dgemm, cblas_dgemv);
}

}  // namespace cotangent::cpu
