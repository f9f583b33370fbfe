// File: backends/cpu/kernels_dot.cc
// dot_general as a batched matmul C[b] = A[b] * B[b] with A [M,K] and B [K,N] read through
// strides, in the form of core/matmul_form.h (shared with the Vulkan backend; an operand is
// gathered densely first, once for the whole batch, only when it is not a BLAS matrix). f32
// and f64 products go to OpenBLAS (backends/cpu/blas.h): gemv when M or N is 1, gemm otherwise,
// at every size (docs/cpu_kernels.md, "Matrix products", has the measurements behind the
// rule). Integer products, which BLAS lacks, are blas.h's LoopGemm in wrapping unsigned
// arithmetic.
//
// Threads: OpenBLAS runs single-threaded inside Cotangent's pool, so the two never compete
// for cores. Many products go to threads whole; a few large ones are split into row (or
// column) blocks, one per thread, each its own BLAS call.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "backends/cpu/blas.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/thread_pool.h"
#include "core/matmul_form.h"

namespace cotangent::cpu {
namespace {

// A strided matrix operand: element (b, i, j) at data[b * sb + i * si + j * sj].
template <typename T>
struct Operand {
  const T* data;
  int64_t sb, si, sj;
};

// Below this many multiply-adds in all, a product stays on the calling thread: waking a
// worker costs a few microseconds, about 2^18 multiply-adds of OpenBLAS on one core.
constexpr int64_t kParallelWork = int64_t{1} << 18;

// C [M,N] (row stride ldc) = A [M,K] * B [K,N] (strides as in Operand) by OpenBLAS; by the
// loop when the sizes or strides do not fit BLAS's int arguments (AsOperand already gathered
// every operand that is not a BLAS matrix otherwise).
template <typename T>
void BlasProduct(int64_t m, int64_t n, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b,
                 int64_t sbk, int64_t sbn, T* c, int64_t ldc) {
  const std::optional<BlasMatrix<T>> am = AsBlasMatrix(a, m, k, sam, sak);
  const std::optional<BlasMatrix<T>> bm = AsBlasMatrix(b, k, n, sbk, sbn);
  if (!am || !bm || !FitsBlas(m, n, k, ldc)) {
    LoopGemm(m, n, k, a, sam, sak, b, sbk, sbn, c, ldc);
    return;
  }
  Gemm(m, n, k, *am, *bm, c, ldc);
}

// C [M,N] (row stride ldc) = A * B on the calling thread: BLAS for floats, the loop for integers.
template <typename T>
void Product(int64_t m, int64_t n, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b,
             int64_t sbk, int64_t sbn, T* c, int64_t ldc) {
  if constexpr (std::is_integral_v<T>) {
    LoopGemm(m, n, k, a, sam, sak, b, sbk, sbn, c, ldc);
  } else {
    BlasProduct(m, n, k, a, sam, sak, b, sbk, sbn, c, ldc);
  }
}

// One large product split over `threads`: row blocks of A and C, or column blocks of B and C
// when there are more columns than rows. Each block is a product of its own.
template <typename T>
void SplitProduct(int64_t m, int64_t n, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b,
                  int64_t sbk, int64_t sbn, T* c, int threads) {
  if (m >= n) {
    ParallelFor(m, (m + threads - 1) / threads, [&](int64_t begin, int64_t end) {
      Product(end - begin, n, k, a + begin * sam, sam, sak, b, sbk, sbn, c + begin * n, n);
    });
    return;
  }
  ParallelFor(n, (n + threads - 1) / threads, [&](int64_t begin, int64_t end) {
    Product(m, end - begin, k, a, sam, sak, b + begin * sbn, sbk, sbn, c + begin, n);
  });
}

// C[i] = A[i] * B[i] for each batch element i: many products go to threads whole, fewer
// products than threads are each split over all of them.
template <typename T>
void BatchedProduct(int64_t batch, int64_t m, int64_t n, int64_t k, Operand<T> a, Operand<T> b,
                    T* c) {
  const int64_t work = std::max<int64_t>(m * n * k, 1);
  const int threads = ThreadPool::Get().parallelism();
  const auto one = [&](int64_t i) {
    Product(m, n, k, a.data + i * a.sb, a.si, a.sj, b.data + i * b.sb, b.si, b.sj, c + i * m * n,
            n);
  };
  if (batch >= threads || work < kParallelWork || threads == 1) {
    ParallelFor(batch, std::max<int64_t>(1, kParallelWork / work), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) one(i);
    });
    return;
  }
  for (int64_t i = 0; i < batch; ++i) {
    SplitProduct(m, n, k, a.data + i * a.sb, a.si, a.sj, b.data + i * b.sb, b.si, b.sj,
                 c + i * m * n, threads);
  }
}

// Whether the matrices of an operand, [rows, cols] with strides (si, sj), are read in place:
// any strides for the integer loop, a BLAS layout (blas.h) for f32/f64.
template <typename T>
bool ReadableInPlace(int64_t rows, int64_t cols, int64_t si, int64_t sj) {
  if constexpr (std::is_integral_v<T>) {
    return true;
  } else {
    return AsBlasMatrix<T>(nullptr, rows, cols, si, sj).has_value();
  }
}

// x as a [batch, rows, cols] operand: through its own strides when each group collapses to one
// stride and the matrices are readable in place, else through one dense copy of the whole
// operand (kept alive by `scratch`, laid out as batch, rows, cols), made once for all batches.
template <typename T>
Operand<T> AsOperand(const Array& x, const MatmulGroups& g, int64_t rows, int64_t cols,
                     std::vector<T>& scratch) {
  if (const std::optional<MatmulOperandStrides> s = GroupedStrides(x, g);
      s && ReadableInPlace<T>(rows, cols, s->si, s->sj)) {
    return Operand<T>{Data<T>(x), s->sb, s->si, s->sj};
  }
  const Array view = GroupedView(x, g);
  scratch.resize(x.aval.size());
  CopyStrided(Data<T>(view), view.aval.shape, view.strides, scratch.data(),
              ContiguousStrides(view.aval.shape), sizeof(T));
  const MatmulOperandStrides s = DenseGroupedStrides(x, g);
  return Operand<T>{scratch.data(), s.sb, s.si, s.sj};
}

// out[batch..., lhs free..., rhs free...] = sum over contracting of lhs * rhs, in T.
template <typename T>
void DotGeneral(const Array& lhs, const Array& rhs, const DotDims& dims, const Array& out) {
  const MatmulForm f = MatmulFormOf(lhs.aval, rhs.aval, dims);
  if (f.batch * f.m * f.n == 0) return;
  T* c = MutableData<T>(out);
  if (f.k == 0) {  // An empty sum: BLAS is not asked (its k = 0 contract varies).
    std::fill(c, c + f.batch * f.m * f.n, T{0});
    return;
  }
  std::vector<T> lhs_scratch, rhs_scratch;
  const Operand<T> a = AsOperand<T>(lhs, f.lhs, f.m, f.k, lhs_scratch);
  const Operand<T> b = AsOperand<T>(rhs, f.rhs, f.k, f.n, rhs_scratch);
  BatchedProduct<T>(f.batch, f.m, f.n, f.k, a, b, c);
}

}  // namespace

absl::Status DotGeneralKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  switch (in[0].aval.dtype) {
    case DType::kF32:
      DotGeneral<float>(in[0], in[1], params.dot, out);
      return absl::OkStatus();
    case DType::kF64:
      DotGeneral<double>(in[0], in[1], params.dot, out);
      return absl::OkStatus();
    // Integers in the unsigned type of their width (blas.h's LoopGemm says why).
    case DType::kU8:
      DotGeneral<uint8_t>(in[0], in[1], params.dot, out);
      return absl::OkStatus();
    case DType::kI32:
    case DType::kU32:
      DotGeneral<uint32_t>(in[0], in[1], params.dot, out);
      return absl::OkStatus();
    case DType::kI64:
      DotGeneral<uint64_t>(in[0], in[1], params.dot, out);
      return absl::OkStatus();
    case DType::kBool:
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // computed in f32 (core/eval.h RunEquation)
    case DType::kBF16:
      break;
  }
  return absl::InternalError(
      absl::StrCat("cpu: dot_general has no kernel for ", DTypeName(in[0].aval.dtype)));
}

}  // namespace cotangent::cpu
