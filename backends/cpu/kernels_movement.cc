// File: backends/cpu/kernels_movement.cc
// Movement kernels as strided copies: each primitive describes where its input elements sit
// (a view: offset and strides) and CopyStrided moves them into the dense output. Pad fills
// first (FillDense, also the backend's Fill); concatenate copies each operand into its window
// of the output.

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// Side of the square tiles a transposing copy moves at a time: 32 rows of 32 elements keep
// the cache lines of both sides in use instead of touching a new source line per element.
constexpr int64_t kTile = 32;

// The copy when the two innermost dimensions are transposed (dst unit stride along the last,
// src along the one before): tile by tile, tiles of rows over threads. False if not that case.
template <typename T>
bool TryCopyTransposed(const T* src, T* dst, const StridedLoop<2>& loop) {
  const size_t rank = loop.shape.size();
  if (rank < 2 || loop.strides[0][rank - 1] != 1 || loop.strides[1][rank - 2] != 1 ||
      loop.strides[1][rank - 1] <= 1) {
    return false;
  }
  const int64_t rows = loop.shape[rank - 2], cols = loop.shape[rank - 1];
  const int64_t dst_row = loop.strides[0][rank - 2], src_col = loop.strides[1][rank - 1];
  StridedLoop<2> outer;  // the dimensions outside the transposed pair
  outer.shape.assign(loop.shape.begin(), loop.shape.end() - 2);
  for (int k = 0; k < 2; ++k)
    outer.strides[k].assign(loop.strides[k].begin(), loop.strides[k].end() - 2);
  if (outer.shape.empty()) outer = MakeLoop<2>({}, {});
  const int64_t row_blocks = (rows + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / (kTile * cols));
  ParallelFor(outer.size() * row_blocks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t r0 = item % row_blocks * kTile, r1 = std::min(rows, r0 + kTile);
      ForEachRun(outer, item / row_blocks, item / row_blocks + 1,
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
  const StridedLoop<2> loop = MakeLoop<2>(shape, {dst_strides, src_strides});
  if (loop.size() >= kTile * kTile && TryCopyTransposed(src, dst, loop)) return;
  const int64_t sd = loop.inner_stride(0), ss = loop.inner_stride(1);
  ParallelFor(loop.size(), kParallelGrain, [&](int64_t begin, int64_t end) {
    ForEachRun(loop, begin, end, [&](const std::array<int64_t, 2>& off, int64_t n) {
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

// Copies the view (shape, strides, element offset) of x into the dense output out.
void CopyViewToOutput(const Array& x, int64_t offset, absl::Span<const int64_t> strides,
                      const Array& out) {
  const int64_t size = DTypeSize(x.aval.dtype);
  CopyStrided(ElementBytes(x) + offset * size, out.aval.shape, strides, ElementBytes(out),
              out.strides, size);
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
    case 4:
      return CopyTyped(static_cast<const uint32_t*>(src), shape, src_strides,
                       static_cast<uint32_t*>(dst), dst_strides);
    case 8:
      return CopyTyped(static_cast<const uint64_t*>(src), shape, src_strides,
                       static_cast<uint64_t*>(dst), dst_strides);
  }
}

void FillDense(const Array& out, double value) {
  VisitDType(out.aval.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = MutableData<T>(out);
    const T v = ConvertValue<T>(value);
    // In parallel: the first touch of a fresh buffer's pages is most of the cost.
    ParallelFor(out.aval.size(), kParallelGrain,
                [&](int64_t begin, int64_t end) { std::fill(o + begin, o + end, v); });
  });
}

// Row-major order is all that reshape keeps, so copying the input in its own shape densely
// yields the output.
absl::Status ReshapeKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  const Array& x = in[0];
  const int64_t size = DTypeSize(x.aval.dtype);
  CopyStrided(ElementBytes(x), x.aval.shape, x.strides, ElementBytes(out),
              ContiguousStrides(x.aval.shape), size);
  return absl::OkStatus();
}

// out[i] = x[i permuted]: output axis k steps as input axis permutation[k].
absl::Status TransposeKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  const Array& x = in[0];
  Strides strides;
  for (int64_t axis : params.permutation) strides.push_back(x.strides[axis]);
  CopyViewToOutput(x, 0, strides, out);
  return absl::OkStatus();
}

// Output axis broadcast_dimensions[i] steps as input axis i (stride 0 when that has size 1);
// the other output axes repeat (stride 0).
absl::Status BroadcastInDimKernel(absl::Span<const Array> in, const Params& params,
                                  const Array& out) {
  const Array& x = in[0];
  Strides strides(out.aval.rank(), 0);
  for (size_t i = 0; i < params.broadcast_dimensions.size(); ++i) {
    if (x.aval.shape[i] != 1) strides[params.broadcast_dimensions[i]] = x.strides[i];
  }
  CopyViewToOutput(x, 0, strides, out);
  return absl::OkStatus();
}

// out[i] = x[start + i * stride].
absl::Status SliceKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  const Array& x = in[0];
  int64_t offset = 0;
  Strides strides;
  for (int64_t d = 0; d < x.aval.rank(); ++d) {
    offset += params.start[d] * x.strides[d];
    strides.push_back(out.aval.shape[d] > 1 ? x.strides[d] * params.stride[d] : 0);
  }
  CopyViewToOutput(x, offset, strides, out);
  return absl::OkStatus();
}

// Input element i lands at low + i * (interior + 1) along each axis; elements landing outside
// the output (negative low or high crop) are dropped, everything else is padding_value.
absl::Status PadKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  const Array& x = in[0];
  FillDense(out, params.padding_value);
  Shape kept;
  Strides src_strides, dst_strides;
  int64_t src_offset = 0, dst_offset = 0;
  for (int64_t d = 0; d < x.aval.rank(); ++d) {
    const int64_t n = x.aval.shape[d], low = params.low[d], step = params.interior[d] + 1;
    const int64_t room = out.aval.shape[d] - low;  // positions from low to the end
    const int64_t first = low >= 0 ? 0 : -(low + 1) / step + 1;  // ceil(-low / step)
    const int64_t last = room > 0 ? std::min(n, (room - 1) / step + 1) : 0;
    if (last <= first) return absl::OkStatus();  // every element cropped away
    kept.push_back(last - first);
    src_offset += first * x.strides[d];
    src_strides.push_back(x.strides[d]);
    dst_offset += (low + first * step) * out.strides[d];
    dst_strides.push_back(last - first > 1 ? step * out.strides[d] : 0);  // no overflow
  }
  const int64_t size = DTypeSize(x.aval.dtype);
  CopyStrided(ElementBytes(x) + src_offset * size, kept, src_strides,
              ElementBytes(out) + dst_offset * size, dst_strides, size);
  return absl::OkStatus();
}

// Operand k fills out[..., begin_k : begin_k + size_k, ...] along params.dimension.
absl::Status ConcatenateKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  const int64_t axis = params.dimension;
  int64_t begin = 0;
  for (const Array& x : in) {
    const int64_t size = DTypeSize(x.aval.dtype);
    CopyStrided(ElementBytes(x), x.aval.shape, x.strides,
                ElementBytes(out) + begin * out.strides[axis] * size, out.strides, size);
    begin += x.aval.shape[axis];
  }
  return absl::OkStatus();
}

}  // namespace cotangent::cpu
