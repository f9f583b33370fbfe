// File: backends/cpu/kernels_movement.cc
// Movement kernels as strided copies: core/layout.h plans each movement primitive (where the
// elements of a view, of pad's operand and of concatenate's operands go: PlanMovement), and
// CopyStrided moves them, memcpy for unit-stride runs and tiles for transposes. Pad fills
// first (FillDense, also the backend's Fill).

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"
#include "core/layout.h"

namespace cotangent::cpu {
namespace {

// Side of the square tiles a transposing copy moves at a time: 32 rows of 32 elements keep
// the cache lines of both sides in use instead of touching a new source line per element.
constexpr int64_t kTile = 32;

// The copy when the two innermost dimensions are transposed (dst unit stride along the last,
// src along the one before): tile by tile, tiles of rows over threads. False if not that case.
template <typename T>
bool TryCopyTransposed(const T* src, T* dst, const StridedSpace& loop) {
  const size_t rank = loop.shape.size();
  if (rank < 2 || loop.strides[0][rank - 1] != 1 || loop.strides[1][rank - 2] != 1 ||
      loop.strides[1][rank - 1] <= 1) {
    return false;
  }
  const int64_t rows = loop.shape[rank - 2], cols = loop.shape[rank - 1];
  const int64_t dst_row = loop.strides[0][rank - 2], src_col = loop.strides[1][rank - 1];
  // The dimensions outside the transposed pair (already coalesced).
  const StridedSpace outer =
      Coalesce(absl::MakeConstSpan(loop.shape).subspan(0, rank - 2),
               {absl::MakeConstSpan(loop.strides[0]).subspan(0, rank - 2),
                absl::MakeConstSpan(loop.strides[1]).subspan(0, rank - 2)});
  const int64_t row_blocks = (rows + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / (kTile * cols));
  ParallelFor(outer.size() * row_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t r0 = item % row_blocks * kTile, r1 = std::min(rows, r0 + kTile);
      ForEachRun<2>(outer, item / row_blocks, item / row_blocks + 1,
                    [&](const std::array<int64_t, 2>& off, int64_t) {
                      T* __restrict d = dst + off[0];
                      const T* __restrict s = src + off[1];
                      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
                        const int64_t c1 = std::min(cols, c0 + kTile);
                        if constexpr (sizeof(T) >= 4) {
                          SimdTransposeTile(s, src_col, d, dst_row, r0, r1, c0, c1);
                        } else {
                          for (int64_t r = r0; r < r1; ++r) {
                            for (int64_t c = c0; c < c1; ++c) {
                              d[r * dst_row + c] = s[r + c * src_col];
                            }
                          }
                        }
                      }
                    });
    }
  });
  return true;
}

template <typename T>
void CopyTyped(const T* src, absl::Span<const int64_t> shape, absl::Span<const int64_t> src_strides,
               T* dst, absl::Span<const int64_t> dst_strides) {
  const StridedSpace loop = Coalesce(shape, {dst_strides, src_strides});
  if (loop.size() >= kTile * kTile && TryCopyTransposed(src, dst, loop)) return;
  const int64_t sd = loop.inner_stride(0), ss = loop.inner_stride(1);
  ParallelFor(loop.size(), kParallelGrain, [&](int64_t begin, int64_t end) {
    ForEachRun<2>(loop, begin, end, [&](const std::array<int64_t, 2>& off, int64_t n) {
      T* __restrict d = dst + off[0];
      const T* __restrict s = src + off[1];
      if (sd == 1 && ss == 1) {
        std::memcpy(d, s, n * sizeof(T));
      } else if (sd == 1 && ss == 0) {
        std::fill(d, d + n, *s);
      } else {
        for (int64_t i = 0; i < n; ++i) d[i * sd] = s[i * ss];
      }
    });
  });
}

// Copies src into dst, two views of one aval.
void CopyArray(const StridedCopy& copy) {
  CopyStrided(ElementBytes(copy.src), copy.src.aval.shape, copy.src.strides,
              ElementBytes(copy.dst), copy.dst.strides, DTypeSize(copy.src.aval.dtype));
}

}  // namespace

void CopyStrided(const void* src, absl::Span<const int64_t> shape,
                 absl::Span<const int64_t> src_strides, void* dst,
                 absl::Span<const int64_t> dst_strides, int64_t elem_size) {
  // Elements are moved as unsigned integers of their width: bits are copied, never converted.
  switch (elem_size) {
    case 1:
      return CopyTyped(static_cast<const uint8_t*>(src), shape, src_strides,
                       static_cast<uint8_t*>(dst), dst_strides);
    case 2:
      return CopyTyped(static_cast<const uint16_t*>(src), shape, src_strides,
                       static_cast<uint16_t*>(dst), dst_strides);
    case 4:
      return CopyTyped(static_cast<const uint32_t*>(src), shape, src_strides,
                       static_cast<uint32_t*>(dst), dst_strides);
    case 8:
      return CopyTyped(static_cast<const uint64_t*>(src), shape, src_strides,
                       static_cast<uint64_t*>(dst), dst_strides);
  }
}

void FillDense(const Array& out, Number value) {
  VisitDType(out.aval.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = MutableData<T>(out);
    const T v = ConvertValue<T, decltype(tag)::dtype>(value);
    // In parallel: the first touch of a fresh buffer's pages is most of the cost.
    ParallelFor(out.aval.size(), kParallelGrain,
                [&](int64_t begin, int64_t end) { std::fill(o + begin, o + end, v); });
  });
}

template <Primitive prim>
absl::Status MovementKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  const std::optional<MovementPlan> plan = PlanMovement(prim, in, params, out);
  if (!plan) {
    return absl::InternalError(
        absl::StrCat("cpu: ", PrimitiveName(prim), " is not a movement primitive"));
  }
  if (plan->fill) FillDense(out, *plan->fill);
  for (const StridedCopy& copy : plan->copies) CopyArray(copy);
  return absl::OkStatus();
}

template absl::Status MovementKernel<Primitive::kReshape>(absl::Span<const Array>, const Params&,
                                                          const Array&);
template absl::Status MovementKernel<Primitive::kTranspose>(absl::Span<const Array>,
                                                            const Params&, const Array&);
template absl::Status MovementKernel<Primitive::kBroadcastInDim>(absl::Span<const Array>,
                                                                 const Params&, const Array&);
template absl::Status MovementKernel<Primitive::kSlice>(absl::Span<const Array>, const Params&,
                                                        const Array&);
template absl::Status MovementKernel<Primitive::kPad>(absl::Span<const Array>, const Params&,
                                                      const Array&);
template absl::Status MovementKernel<Primitive::kConcatenate>(absl::Span<const Array>,
                                                              const Params&, const Array&);
template absl::Status MovementKernel<Primitive::kBitcastConvert>(absl::Span<const Array>,
                                                                 const Params&, const Array&);

}  // namespace cotangent::cpu
