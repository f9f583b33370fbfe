// File: backends/cpu/kernels_indexing.cc
// gather and the scatters. Both pair the elements of a window of the operand with those of an
// array laid out as lax lays out gather's output and scatter's updates (batch axes, window
// axes at window_dims): for batch position b and window position w,
//   operand[start(b) + op_window[w]]  <->  other[base(b) + window[w]],
// where start(b) comes from the index vector b (clamped, or the window skipped, by mode).
// A scatter combines the windows in batch order, so repeated indices give one result. The
// batch positions are walked with an odometer (BatchWalk), not listed: an elementwise gather
// (take_along_axis, sort's values) has one index vector per element, and listing their
// offsets took two 8-byte tables per element (16 MB for a gather of 2^20 elements).

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/elementwise_ops.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// A window is walked as runs: its trailing axes along which both arrays are contiguous make
// one run of `run` elements (an embedding row), so the inner loops are plain, vectorizable
// loops over consecutive elements and the offset tables list only the runs' starts.
struct IndexPlan {
  Shape batch_shape;                                  // the index vectors' positions (row-major)
  std::array<std::vector<int64_t>, 2> batch_strides;  // along them: in `other`, in the indices
  int64_t batches = 1;                                // positions in batch_shape
  std::vector<int64_t> window;        // per run of a window: its offset in `other`
  std::vector<int64_t> op_window;     // per run of a window: its offset in the operand
  std::vector<int64_t> window_shape;  // along each operand axis
  int64_t run = 1;                    // elements per run
};

// Offsets of the row-major positions of `shape` in arrays with strides strides[k].
template <int N>
std::array<std::vector<int64_t>, N> Offsets(absl::Span<const int64_t> shape,
                                            const std::array<std::vector<int64_t>, N>& strides) {
  std::array<std::vector<int64_t>, N> out;
  for (auto& o : out) o.assign(1, 0);
  for (size_t d = 0; d < shape.size(); ++d) {  // outer axes first: each multiplies the list
    for (int k = 0; k < N; ++k) {
      std::vector<int64_t> next;
      next.reserve(out[k].size() * shape[d]);
      for (int64_t o : out[k]) {
        for (int64_t i = 0; i < shape[d]; ++i) next.push_back(o + i * strides[k][d]);
      }
      out[k] = std::move(next);
    }
  }
  return out;
}

// `other`: gather's output or scatter's updates; `op_strides`: the operand's (or, for
// scatter_add, the output's); window_shape: along each operand axis.
IndexPlan Plan(const Array& other, const Array& indices, absl::Span<const int64_t> op_strides,
               const IndexDims& d, std::vector<int64_t> window_shape) {
  IndexPlan plan;
  Shape batch_shape;
  std::array<std::vector<int64_t>, 2> batch_strides;
  for (int64_t a = 0, j = 0; a < other.aval.rank(); ++a) {
    if (std::find(d.window_dims.begin(), d.window_dims.end(), a) != d.window_dims.end()) continue;
    batch_shape.push_back(other.aval.shape[a]);
    batch_strides[0].push_back(other.strides[a]);
    batch_strides[1].push_back(indices.strides[j++]);
  }
  std::array<std::vector<int64_t>, 2> window_strides;
  for (size_t a = 0, j = 0; a < window_shape.size(); ++a) {
    const bool kept = std::find(d.collapsed_dims.begin(), d.collapsed_dims.end(),
                                static_cast<int64_t>(a)) == d.collapsed_dims.end();
    window_strides[0].push_back(kept ? other.strides[d.window_dims[j++]] : 0);
    window_strides[1].push_back(op_strides[a]);
  }
  // The trailing axes where both strides are those of a dense run (size-1 axes are free).
  int64_t run = 1;
  size_t outer = window_shape.size();
  for (; outer > 0; --outer) {
    const size_t a = outer - 1;
    if (window_shape[a] == 1) continue;
    if (window_strides[0][a] != run || window_strides[1][a] != run) break;
    run *= window_shape[a];
  }
  for (auto& strides : window_strides) strides.resize(outer);
  auto [window, op_window] =
      Offsets<2>(absl::MakeConstSpan(window_shape).first(outer), window_strides);
  const int64_t batches = NumElements(batch_shape);
  return {std::move(batch_shape), std::move(batch_strides), batches, std::move(window),
          std::move(op_window),   std::move(window_shape),  run};
}

// Batch positions from `position` on, one after another (row-major): base(), the offset in
// `other`, and index(), the offset of the index vector, kept up to date by Next() (valid while
// position() < plan.batches).
class BatchWalk {
 public:
  BatchWalk(const IndexPlan& plan, int64_t position)
      : plan_(plan), at_(plan.batch_shape.size(), 0), position_(position) {
    if (position >= plan.batches) return;
    for (int64_t d = static_cast<int64_t>(at_.size()) - 1; d >= 0 && position > 0; --d) {
      at_[d] = position % plan.batch_shape[d];
      position /= plan.batch_shape[d];
      base_ += at_[d] * plan.batch_strides[0][d];
      index_ += at_[d] * plan.batch_strides[1][d];
    }
  }
  int64_t position() const { return position_; }
  int64_t base() const { return base_; }
  int64_t index() const { return index_; }
  void Next() {
    ++position_;
    for (int64_t d = static_cast<int64_t>(at_.size()) - 1; d >= 0; --d) {
      base_ += plan_.batch_strides[0][d];
      index_ += plan_.batch_strides[1][d];
      if (++at_[d] < plan_.batch_shape[d]) return;
      base_ -= at_[d] * plan_.batch_strides[0][d];  // carry: back to 0 along d
      index_ -= at_[d] * plan_.batch_strides[1][d];
      at_[d] = 0;
    }
  }

 private:
  const IndexPlan& plan_;
  std::vector<int64_t> at_;
  int64_t position_, base_ = 0, index_ = 0;
};

// Windows of one element are handled in blocks of this many: their offsets first, then the
// loads (and a scatter's stores) in one loop, so that cache misses overlap.
constexpr int64_t kElementBlock = 64;

// How many windows ahead a scatter prefetches its destination, and how much of it.
constexpr int64_t kPrefetchAhead = 8, kPrefetchBytes = 512;

// The operand offset of the window of the index vector at offset `index`, or nullopt when
// kFill skips it.
std::optional<int64_t> Start(const IndexPlan& plan, const Array& indices, const Shape& op_shape,
                             absl::Span<const int64_t> op_strides, const Params& p, int64_t index) {
  const int32_t* idx = Data<int32_t>(indices) + index;
  const int64_t step = indices.strides.back();
  int64_t offset = 0;
  for (size_t k = 0; k < p.index.start_index_map.size(); ++k) {
    const int64_t a = p.index.start_index_map[k];
    const int64_t limit = op_shape[a] - plan.window_shape[a];
    int64_t s = idx[k * step];
    if (s < 0 || s > limit) {
      if (p.mode == IndexMode::kFill) return std::nullopt;
      s = std::clamp<int64_t>(s, 0, limit);
    }
    offset += s * op_strides[a];
  }
  return offset;
}

// Fetches the first run of the window of the index vector at offset `index` in a scatter's
// output `data` (up to kPrefetchBytes of it) into the cache ahead of its use: windows at
// random places of a large array are otherwise latency-bound, one after the other. (Gathers
// run as well without: their rows are split over threads and read, not read and written.)
template <typename T>
void Prefetch(const IndexPlan& plan, const Array& indices, const Shape& shape,
              absl::Span<const int64_t> strides, const Params& p, int64_t index, const T* data) {
  if (plan.window.empty()) return;
  const std::optional<int64_t> start = Start(plan, indices, shape, strides, p, index);
  if (!start) return;
  const char* line = reinterpret_cast<const char*>(data + *start + plan.op_window[0]);
  const int64_t bytes =
      std::min<int64_t>(plan.run * static_cast<int64_t>(sizeof(T)), kPrefetchBytes);
  for (int64_t k = 0; k < bytes; k += 64) __builtin_prefetch(line + k, /*write=*/1);
}

}  // namespace

absl::Status GatherKernel(absl::Span<const Array> in, const Params& p, const Array& out) {
  const Array &x = in[0], &indices = in[1];
  const IndexPlan plan = Plan(out, indices, x.strides, p.index, p.slice_sizes);
  const int64_t runs = static_cast<int64_t>(plan.window.size()), run = plan.run;
  VisitComputeDType(x.aval.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = Data<T>(x);
    T* dst = MutableData<T>(out);
    const T fill = ConvertValue<T, decltype(tag)::dtype>(p.fill_value);
    const int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(runs * run, 1));
    ParallelFor(plan.batches, grain, [&](int64_t begin, int64_t end) {
      if (runs == 1 && run == 1) {
        // An element per index vector (take_along_axis, sort's values): the loads land at
        // random places of the operand, so the sources of a block of elements (kElementBlock)
        // are found first and then loaded in one loop without calls.
        int64_t from[kElementBlock], to[kElementBlock];
        BatchWalk b(plan, begin);
        while (b.position() < end) {
          const int64_t count = std::min(kElementBlock, end - b.position());
          for (int64_t i = 0; i < count; ++i, b.Next()) {
            const std::optional<int64_t> start =
                Start(plan, indices, x.aval.shape, x.strides, p, b.index());
            from[i] = start ? *start + plan.op_window[0] : -1;
            to[i] = b.base() + plan.window[0];
          }
          for (int64_t i = 0; i < count; ++i) dst[to[i]] = from[i] < 0 ? fill : src[from[i]];
        }
        return;
      }
      for (BatchWalk b(plan, begin); b.position() < end; b.Next()) {
        const std::optional<int64_t> start =
            Start(plan, indices, x.aval.shape, x.strides, p, b.index());
        for (int64_t w = 0; w < runs; ++w) {
          T* o = dst + b.base() + plan.window[w];
          if (!start) {
            std::fill(o, o + run, fill);
            continue;
          }
          const T* from = src + *start + plan.op_window[w];
          if (run == 1) {
            *o = *from;  // an element per window (take_along_axis): no memmove call
          } else {
            std::copy(from, from + run, o);
          }
        }
      }
    });
  });
  return absl::OkStatus();
}

template <Primitive prim>
absl::Status ScatterKernel(absl::Span<const Array> in, const Params& p, const Array& out) {
  const Array &x = in[0], &indices = in[1], &updates = in[2];
  const int64_t elem = DTypeSize(x.aval.dtype);
  std::vector<int64_t> window_shape = ScatterWindow(x.aval.rank(), updates.aval.shape, p.index);
  CopyStrided(ElementBytes(x), x.aval.shape, x.strides, ElementBytes(out), out.strides, elem);
  const IndexPlan plan = Plan(updates, indices, out.strides, p.index, std::move(window_shape));
  const int64_t runs = static_cast<int64_t>(plan.window.size()), run = plan.run;
  return VisitComputeDType(x.aval.dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    if constexpr (decltype(tag)::dtype == DType::kBool && prim != Primitive::kScatter) {
      return absl::InternalError(absl::StrCat("cpu: ", PrimitiveName(prim), " has no bool kernel"));
    } else {
      // Sums and products are the elementwise ops (integers wrap, as XLA's); min and max
      // propagate NaN as those do, written without a short circuit so that they vectorize.
      const auto combine = [](T slot, T u) -> T {
        if constexpr (prim == Primitive::kScatter) {
          return u;
        } else if constexpr (prim == Primitive::kScatterAdd) {
          return Op<Primitive::kAdd>{}(slot, u);
        } else if constexpr (prim == Primitive::kScatterMul) {
          return Op<Primitive::kMul>{}(slot, u);
        } else if constexpr (prim == Primitive::kScatterMin) {
          return ((slot < u) | (slot != slot)) ? slot : u;  // no short circuit: vectorizes
        } else {
          return ((slot > u) | (slot != slot)) ? slot : u;
        }
      };
      const T* u = Data<T>(updates);
      T* dst = MutableData<T>(out);
      if (runs == 1 && run == 1) {
        // An element per index vector (the transpose of take_along_axis: a sort's gradient):
        // as the gather's, a block's destinations first, each prefetched (without, one long
        // line measured no faster than the general loop, which prefetches ahead), then one
        // call-free loop combining them in index order.
        int64_t from[kElementBlock], to[kElementBlock];
        for (BatchWalk b(plan, 0); b.position() < plan.batches;) {
          const int64_t count = std::min(kElementBlock, plan.batches - b.position());
          for (int64_t i = 0; i < count; ++i, b.Next()) {
            const std::optional<int64_t> start =
                Start(plan, indices, x.aval.shape, out.strides, p, b.index());
            to[i] = start ? *start + plan.op_window[0] : -1;
            from[i] = b.base() + plan.window[0];
            if (start) __builtin_prefetch(dst + to[i], /*write=*/1);
          }
          for (int64_t i = 0; i < count; ++i) {
            if (to[i] >= 0) dst[to[i]] = combine(dst[to[i]], u[from[i]]);
          }
        }
        return absl::OkStatus();
      }
      BatchWalk ahead(plan, kPrefetchAhead);  // the window kPrefetchAhead positions on
      for (BatchWalk b(plan, 0); b.position() < plan.batches; b.Next(), ahead.Next()) {
        // In index order: deterministic.
        const std::optional<int64_t> start =
            Start(plan, indices, x.aval.shape, out.strides, p, b.index());
        if (ahead.position() < plan.batches) {
          Prefetch(plan, indices, x.aval.shape, out.strides, p, ahead.index(), dst);
        }
        if (!start) continue;
        // The elements of one window are distinct: its runs are split over threads.
        const auto update = [&](int64_t begin, int64_t end) {
          for (int64_t w = begin; w < end; ++w) {
            T* __restrict__ o = dst + *start + plan.op_window[w];
            const T* __restrict__ from = u + b.base() + plan.window[w];
            for (int64_t r = 0; r < run; ++r) o[r] = combine(o[r], from[r]);
          }
        };
        if (runs * run < kParallelGrain) {
          update(0, runs);
        } else {
          ParallelFor(runs, std::max<int64_t>(1, kParallelGrain / run), update);
        }
      }
      return absl::OkStatus();
    }
  });
}
template absl::Status ScatterKernel<Primitive::kScatterAdd>(absl::Span<const Array>, const Params&,
                                                            const Array&);
template absl::Status ScatterKernel<Primitive::kScatter>(absl::Span<const Array>, const Params&,
                                                         const Array&);
template absl::Status ScatterKernel<Primitive::kScatterMul>(absl::Span<const Array>, const Params&,
                                                            const Array&);
template absl::Status ScatterKernel<Primitive::kScatterMin>(absl::Span<const Array>, const Params&,
                                                            const Array&);
template absl::Status ScatterKernel<Primitive::kScatterMax>(absl::Span<const Array>, const Params&,
                                                            const Array&);

}  // namespace cotangent::cpu
