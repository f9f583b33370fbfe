// File: backends/cpu/blas.h
// The CPU backend's only door to BLAS (OpenBLAS, cblas interface): a strided matrix as BLAS
// sees it (row-major, maybe transposed, a leading dimension), and C = A * B for f32 and f64
// as gemm, or gemv when A has one row or B one column (4-8x faster there than gemm in
// OpenBLAS 0.3.21). OpenBLAS is kept single-threaded: parallelism is the caller's.
// Integer products, which BLAS lacks, take the same matrices to a plain loop (LoopGemm), so
// the kernels built on Gemm (dot_general, conv_general_dilated) serve every numeric dtype.

#ifndef COTANGENT_BACKENDS_CPU_BLAS_H_
#define COTANGENT_BACKENDS_CPU_BLAS_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>

namespace cotangent::cpu {

// X [rows, cols] = trans ? S^T : S, with S row-major and row stride ld (>= 1).
template <typename T>
struct BlasMatrix {
  const T* data;
  bool trans;
  int64_t ld;
};

// The matrix X [rows, cols] with element (i, j) at data[i * si + j * sj] as BLAS can read it:
// one of the strides 1 (a size-1 dimension's stride is free) and the other spanning a whole
// row or column; nullopt otherwise (broadcast or overlapping strides, or ld past int).
template <typename T>
std::optional<BlasMatrix<T>> AsBlasMatrix(const T* data, int64_t rows, int64_t cols, int64_t si,
                                          int64_t sj);

// Whether sizes m, n, k and C's row stride fit BLAS's int arguments.
bool FitsBlas(int64_t m, int64_t n, int64_t k, int64_t ldc);

// C [m, n] with row stride ldc = A [m, k] * B [k, n]; m, n, k >= 1 and FitsBlas. C's previous
// contents are never read (a recycled buffer may hold NaN).
void Gemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<float>& a, const BlasMatrix<float>& b,
          float* c, int64_t ldc);
void Gemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<double>& a, const BlasMatrix<double>& b,
          double* c, int64_t ldc);

// C [m, n] (row stride ldc) = A [m, k] * B [k, n], element (i, p) of A at a[i * sam + p * sak]
// and (p, j) of B at b[p * sbk + j * sbn], by the i-p-j loop: row i of C accumulates
// a[i, p] * row p of B, a unit-stride inner loop when B's rows are. For integers, in the
// unsigned type of their width (T unsigned: products and sums wrap modulo 2^bits without
// undefined behaviour, and the low bits of a two's complement result do not depend on the
// signedness, which is XLA's integer arithmetic), and for f32/f64 products too large for
// BLAS's int arguments.
template <typename T>
void LoopGemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b,
              int64_t sbk, int64_t sbn, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* __restrict ci = c + i * ldc;
    std::fill(ci, ci + n, T{0});
    for (int64_t p = 0; p < k; ++p) {
      const T aip = a[i * sam + p * sak];
      const T* __restrict bp = b + p * sbk;
      if (sbn == 1) {
        for (int64_t j = 0; j < n; ++j) ci[j] += aip * bp[j];
      } else {
        for (int64_t j = 0; j < n; ++j) ci[j] += aip * bp[j * sbn];
      }
    }
  }
}

// Gemm's contract for the integers (u8, and i32/u32 and i64 as their unsigned types), by
// LoopGemm.
template <typename T>
requires std::is_unsigned_v<T>
void Gemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<T>& a, const BlasMatrix<T>& b, T* c,
          int64_t ldc) {
  LoopGemm(m, n, k, a.data, a.trans ? 1 : a.ld, a.trans ? a.ld : 1, b.data, b.trans ? 1 : b.ld,
           b.trans ? b.ld : 1, c, ldc);
}

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_BLAS_H_
