// File: backends/cpu/blas.h
// The CPU backend's only door to BLAS (OpenBLAS, cblas interface): a strided matrix as BLAS
// sees it (row-major, maybe transposed, a leading dimension), and C = A * B for f32 and f64
// as gemm, or gemv when A has one row or B one column (4-8x faster there than gemm in
// OpenBLAS 0.3.21). OpenBLAS is kept single-threaded: parallelism is the caller's.

#ifndef COTANGENT_BACKENDS_CPU_BLAS_H_
#define COTANGENT_BACKENDS_CPU_BLAS_H_

#include <cstdint>
#include <optional>

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
void BlasGemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<float>& a,
              const BlasMatrix<float>& b, float* c, int64_t ldc);
void BlasGemm(int64_t m, int64_t n, int64_t k, const BlasMatrix<double>& a,
              const BlasMatrix<double>& b, double* c, int64_t ldc);

}  // namespace cotangent::cpu

#endif  // COTANGENT_BACKENDS_CPU_BLAS_H_
