// File: backends/cpu/kernels_dot.cc
// dot_general as a batched matmul C[b] = A[b] * B[b] with A [M,K] and B [K,N] read through
// strides, in the form of core/matmul_form.h (shared with the Vulkan backend; an operand is
// gathered densely first only when a dimension group cannot be one stride). Gemm is the BLIS
// loop nest: pack a KC x NC block of B and an MC x KC block of A into panels, then a
// register-tiled MR x NR micro-kernel that the compiler vectorizes.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
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

// Micro-tile: MR rows by NR columns of C held in registers (128 bytes of a row: two AVX-512,
// four AVX or eight SSE vectors). Cache blocks: a KC x NR panel of B stays in L1, an MC x KC
// block of A in L2. Chosen by measurement on the 1024^3 f32 benchmark.
constexpr int kMr = 4;
template <typename T>
constexpr int kNr = 128 / sizeof(T);
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 128;
constexpr int64_t kNc = 2048;

// Below this many multiply-adds per matrix, packing costs more than it saves.
constexpr int64_t kSmallWork = 16 * 16 * 16;
// Below this many multiply-adds per matrix, batches rather than row blocks go to threads.
constexpr int64_t kParallelWork = 64 * 64 * 64;

// C (kMr x kNr, row stride ldc) = or += the product of packed panels a (kc x kMr, k-major) and
// b (kc x kNr, k-major). acc stays in registers once the loops are unrolled.
template <typename T>
void MicroKernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                 int64_t ldc, bool accumulate) {
  constexpr int kNrT = kNr<T>;
  T acc[kMr][kNrT] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const T* __restrict ap = a + p * kMr;
    const T* __restrict bp = b + p * kNrT;
#pragma GCC unroll 16
    for (int i = 0; i < kMr; ++i) {
      const T ai = ap[i];
#pragma GCC unroll 64
      for (int j = 0; j < kNrT; ++j) acc[i][j] += ai * bp[j];
    }
  }
  for (int i = 0; i < kMr; ++i) {
    T* __restrict ci = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < kNrT; ++j) ci[j] += acc[i][j];
    } else {
      for (int j = 0; j < kNrT; ++j) ci[j] = acc[i][j];
    }
  }
}

// Packs B[k0 : k0+kc, n0 : n0+nc] into panels of kNr columns, k-major, zero-padded.
template <typename T>
void PackB(const T* b, int64_t sk, int64_t sn, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
           T* __restrict packed) {
  constexpr int kNrT = kNr<T>;
  for (int64_t jr = 0; jr < nc; jr += kNrT) {
    const int64_t cols = std::min<int64_t>(kNrT, nc - jr);
    for (int64_t p = 0; p < kc; ++p) {
      const T* row = b + (k0 + p) * sk + (n0 + jr) * sn;
      T* dst = packed + jr * kc + p * kNrT;
      for (int64_t j = 0; j < cols; ++j) dst[j] = row[j * sn];
      for (int64_t j = cols; j < kNrT; ++j) dst[j] = T{0};
    }
  }
}

// Packs A[m0 : m0+mc, k0 : k0+kc] into panels of kMr rows, k-major, zero-padded.
template <typename T>
void PackA(const T* a, int64_t sm, int64_t sk, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
           T* __restrict packed) {
  for (int64_t ir = 0; ir < mc; ir += kMr) {
    const int64_t rows = std::min<int64_t>(kMr, mc - ir);
    T* dst = packed + ir * kc;
    for (int64_t i = 0; i < kMr; ++i) {
      const T* src = a + (m0 + ir + i) * sm + k0 * sk;
      for (int64_t p = 0; p < kc; ++p) dst[p * kMr + i] = i < rows ? src[p * sk] : T{0};
    }
  }
}

// C[m0 : m0+mc, n0 : n0+nc] (+)= packed A block * packed B block, tile by tile; partial edge
// tiles go through a scratch tile.
template <typename T>
void MacroKernel(int64_t mc, int64_t nc, int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc,
                 bool accumulate) {
  constexpr int kNrT = kNr<T>;
  for (int64_t jr = 0; jr < nc; jr += kNrT) {
    const int64_t cols = std::min<int64_t>(kNrT, nc - jr);
    for (int64_t ir = 0; ir < mc; ir += kMr) {
      const int64_t rows = std::min<int64_t>(kMr, mc - ir);
      T* ct = c + ir * ldc + jr;
      if (rows == kMr && cols == kNrT) {
        MicroKernel(kc, pa + ir * kc, pb + jr * kc, ct, ldc, accumulate);
        continue;
      }
      T tile[kMr * kNrT];
      MicroKernel(kc, pa + ir * kc, pb + jr * kc, tile, kNrT, false);
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
          ct[i * ldc + j] = accumulate ? ct[i * ldc + j] + tile[i * kNrT + j] : tile[i * kNrT + j];
        }
      }
    }
  }
}

// C [M,N] dense = A [M,K] * B [K,N] for one batch element; row blocks over threads when
// `parallel`.
template <typename T>
void Gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b,
          int64_t sbk, int64_t sbn, T* c, bool parallel) {
  if (k == 0) {
    std::fill(c, c + m * n, T{0});
    return;
  }
  const int threads = parallel ? ThreadPool::Get().parallelism() : 1;
  // Enough row blocks for every thread, in whole micro-tiles.
  const int64_t rows_per_thread = (m + threads - 1) / threads;
  const int64_t mc = std::min(kMc, (rows_per_thread + kMr - 1) / kMr * kMr);
  const int64_t m_blocks = (m + mc - 1) / mc;
  std::vector<T> packed_b(kKc * ((std::min(kNc, n) + kNr<T> - 1) / kNr<T> * kNr<T>));
  for (int64_t jc = 0; jc < n; jc += kNc) {
    const int64_t nc = std::min(kNc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKc) {
      const int64_t kc = std::min(kKc, k - pc);
      PackB(b, sbk, sbn, pc, kc, jc, nc, packed_b.data());
      const auto row_blocks = [&](int64_t begin, int64_t end) {
        thread_local std::vector<T> packed_a;
        packed_a.resize(kMc * kKc);
        for (int64_t blk = begin; blk < end; ++blk) {
          const int64_t ic = blk * mc, rows = std::min(mc, m - ic);
          PackA(a, sam, sak, ic, rows, pc, kc, packed_a.data());
          MacroKernel(rows, nc, kc, packed_a.data(), packed_b.data(), c + ic * n + jc, n, pc > 0);
        }
      };
      if (threads > 1) {
        ParallelFor(m_blocks, 1, row_blocks);
      } else {
        row_blocks(0, m_blocks);
      }
    }
  }
}

// C[:, 0] = A [M,K] * b [K], c strided by ldc: one dot product per row, summed in independent
// lanes so that the loop vectorizes. Used for N <= 3, where panels of kNr columns would be
// mostly padding.
template <typename T>
void Gemv(int64_t m, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b, int64_t sbk, T* c,
          int64_t ldc, bool parallel) {
  const auto rows = [&](int64_t begin, int64_t end) {
    constexpr int kLanes = 8;
    for (int64_t i = begin; i < end; ++i) {
      const T* __restrict ai = a + i * sam;
      T lanes[kLanes] = {};
      int64_t p = 0;
      if (sak == 1 && sbk == 1) {
        for (; p + kLanes <= k; p += kLanes) {
          for (int j = 0; j < kLanes; ++j) lanes[j] += ai[p + j] * b[p + j];
        }
      }
      for (; p < k; ++p) lanes[0] += ai[p * sak] * b[p * sbk];
      T sum{0};
      for (int j = 0; j < kLanes; ++j) sum += lanes[j];
      c[i * ldc] = sum;
    }
  };
  if (parallel) {
    ParallelFor(m, std::max<int64_t>(1, kParallelWork / std::max<int64_t>(k, 1)), rows);
  } else {
    rows(0, m);
  }
}

// C[0, :] = a [K] * B [K,N]: rows of B scaled and accumulated into a block of C that stays in
// cache. Used for M <= 3, where panels of kMr rows would be mostly padding.
template <typename T>
void Gevm(int64_t n, int64_t k, const T* a, int64_t sak, const T* b, int64_t sbk, int64_t sbn, T* c,
          bool parallel) {
  const auto cols = [&](int64_t begin, int64_t end) {
    T* __restrict cj = c + begin;
    const int64_t width = end - begin;
    std::fill(cj, cj + width, T{0});
    for (int64_t p = 0; p < k; ++p) {
      const T ap = a[p * sak];
      const T* __restrict bp = b + p * sbk + begin * sbn;
      if (sbn == 1) {
        for (int64_t j = 0; j < width; ++j) cj[j] += ap * bp[j];
      } else {
        for (int64_t j = 0; j < width; ++j) cj[j] += ap * bp[j * sbn];
      }
    }
  };
  if (parallel) {
    ParallelFor(n, std::max<int64_t>(kNr<T>, kParallelWork / std::max<int64_t>(k, 1)), cols);
  } else {
    cols(0, n);
  }
}

// Tiny products: the plain triple loop, no packing.
template <typename T>
void SmallGemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t sam, int64_t sak, const T* b,
               int64_t sbk, int64_t sbn, T* c) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      T sum{0};
      for (int64_t p = 0; p < k; ++p) sum += a[i * sam + p * sak] * b[p * sbk + j * sbn];
      c[i * n + j] = sum;
    }
  }
}

// C[i] = A[i] * B[i] for each batch element i, each by the method that suits its shape.
template <typename T>
void BatchedGemm(int64_t batch, int64_t m, int64_t n, int64_t k, Operand<T> a, Operand<T> b, T* c) {
  const int64_t work = m * n * k;
  const auto one = [&](int64_t i, bool parallel) {
    const T* ai = a.data + i * a.sb;
    const T* bi = b.data + i * b.sb;
    T* ci = c + i * m * n;
    if (n <= 3) {
      for (int64_t j = 0; j < n; ++j) {
        Gemv(m, k, ai, a.si, a.sj, bi + j * b.sj, b.si, ci + j, n, parallel);
      }
    } else if (m <= 3) {
      for (int64_t r = 0; r < m; ++r)
        Gevm(n, k, ai + r * a.si, a.sj, bi, b.si, b.sj, ci + r * n, parallel);
    } else if (work <= kSmallWork) {
      SmallGemm(m, n, k, ai, a.si, a.sj, bi, b.si, b.sj, ci);
    } else {
      Gemm(m, n, k, ai, a.si, a.sj, bi, b.si, b.sj, ci, parallel);
    }
  };
  if (work >= kParallelWork) {
    for (int64_t i = 0; i < batch; ++i) one(i, true);
  } else {
    ParallelFor(batch, std::max<int64_t>(1, kParallelWork / std::max<int64_t>(work, 1)),
                [&](int64_t begin, int64_t end) {
                  for (int64_t i = begin; i < end; ++i) one(i, false);
                });
  }
}

// x as a [batch, rows, cols] operand: through its own strides when each group collapses to one
// stride, else through a dense copy (kept alive by `scratch`) laid out as batch, rows, cols.
template <typename T>
Operand<T> AsOperand(const Array& x, const MatmulGroups& g, std::vector<T>& scratch) {
  if (const std::optional<MatmulOperandStrides> s = GroupedStrides(x, g)) {
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
  std::vector<T> lhs_scratch, rhs_scratch;
  const Operand<T> a = AsOperand<T>(lhs, f.lhs, lhs_scratch);
  const Operand<T> b = AsOperand<T>(rhs, f.rhs, rhs_scratch);
  BatchedGemm<T>(f.batch, f.m, f.n, f.k, a, b, MutableData<T>(out));
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
    case DType::kI32:
      // uint32_t arithmetic: i32 products and sums wrap modulo 2^32 without undefined behaviour.
      DotGeneral<uint32_t>(in[0], in[1], params.dot, out);
      return absl::OkStatus();
    case DType::kBool:
      break;
  }
  return absl::InternalError("cpu: dot_general has no kernel for bool");
}

}  // namespace cotangent::cpu
