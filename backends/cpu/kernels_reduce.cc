// File: backends/cpu/kernels_reduce.cc
// reduce_sum, reduce_max, reduce_prod and argmax. A reduction walks the input in its memory
// order with an accumulator array shaped like the output (stride 0 along reduced axes), so both
// "reduce a contiguous run" and "add rows into a vector" are unit-stride inner loops; for f32
// and f64 sums and maxima those two go to the SIMD kernels of simd.h (the same accumulators,
// same NaN rule).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// sum: f32 and f64 accumulate in double (f32 rounds once at the end), integers in the unsigned
// type of at least 32 bits (u8 sums wrap on the final conversion) so they wrap without UB.
template <typename T>
struct SumReducer {
  using Acc = typename std::conditional_t<std::is_floating_point_v<T>, std::type_identity<double>,
                                          std::make_unsigned<std::common_type_t<T, uint32_t>>>::type;
  static Acc Identity() { return 0; }
  static Acc Combine(Acc acc, T x) { return acc + static_cast<Acc>(x); }
  static Acc Merge(Acc a, Acc b) { return a + b; }
  static T Finish(Acc acc) { return static_cast<T>(acc); }
};

// prod: accumulated as sum (f32 in double: no intermediate overflow, one rounding at the end;
// integers wrap on unsigned types).
template <typename T>
struct ProdReducer {
  using Acc = typename SumReducer<T>::Acc;
  static Acc Identity() { return 1; }
  static Acc Combine(Acc acc, T x) { return acc * static_cast<Acc>(x); }
  static Acc Merge(Acc a, Acc b) { return a * b; }
  static T Finish(Acc acc) { return static_cast<T>(acc); }
};

// max: NaN wins (x != x only for NaN, and a NaN accumulator never compares below x); the
// identity, hence the max of nothing, is -inf, the integer minimum or false.
template <typename T>
struct MaxReducer {
  using Acc = T;
  static Acc Identity() {
    if constexpr (std::is_floating_point_v<T>)
      return -std::numeric_limits<T>::infinity();
    else
      return std::numeric_limits<T>::lowest();
  }
  static Acc Combine(Acc acc, T x) { return (x > acc || x != x) ? x : acc; }
  static Acc Merge(Acc a, Acc b) { return Combine(a, b); }
  static T Finish(Acc acc) { return acc; }
};

// Combines the run x[0], x[sx], ... into acc[0], acc[sa], ...; sa == 0 reduces the run to one
// accumulator, with independent lanes so that the loop vectorizes.
template <typename R, typename T>
void ReduceRun(typename R::Acc* __restrict acc, const T* __restrict x, int64_t n, int64_t sa,
               int64_t sx) {
  using Acc = typename R::Acc;
  if constexpr (std::is_floating_point_v<T> && !std::is_same_v<R, ProdReducer<T>>) {
    if (sa == 0 && sx == 1) {
      if constexpr (std::is_same_v<R, SumReducer<T>>) {
        acc[0] = SimdSum(x, n, acc[0]);
      } else {
        acc[0] = SimdMax(x, n, acc[0]);
      }
      return;
    }
    if (sa == 1 && sx == 1) {
      if constexpr (std::is_same_v<R, SumReducer<T>>) {
        SimdSumInto(acc, x, n);
      } else {
        SimdMaxInto(acc, x, n);
      }
      return;
    }
  }
  if (sa == 0 && sx == 1) {
    constexpr int kLanes = 8;
    Acc lanes[kLanes];
    std::fill(lanes, lanes + kLanes, R::Identity());
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) lanes[j] = R::Combine(lanes[j], x[i + j]);
    }
    for (; i < n; ++i) lanes[0] = R::Combine(lanes[0], x[i]);
    Acc total = acc[0];
    for (int j = 0; j < kLanes; ++j) total = R::Merge(total, lanes[j]);
    acc[0] = total;
  } else if (sa == 1 && sx == 1) {
    for (int64_t i = 0; i < n; ++i) acc[i] = R::Combine(acc[i], x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) acc[i * sa] = R::Combine(acc[i * sa], x[i * sx]);
  }
}

// The loop over the input's dimensions, innermost = smallest input stride, with operand 0 the
// accumulator (dense output strides, 0 along reduced axes) and operand 1 the input.
StridedSpace ReductionLoop(const Array& x, absl::Span<const int64_t> axes) {
  const int64_t rank = x.aval.rank();
  std::vector<int64_t> acc_strides(rank, 0);
  int64_t stride = 1;
  for (int64_t d = rank; d-- > 0;) {
    if (std::find(axes.begin(), axes.end(), d) != axes.end()) continue;
    acc_strides[d] = stride;
    stride *= x.aval.shape[d];
  }
  std::vector<int64_t> order(rank);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return x.strides[a] > x.strides[b]; });
  Shape shape;
  Strides acc, in;
  for (int64_t d : order) {
    shape.push_back(x.aval.shape[d]);
    acc.push_back(acc_strides[d]);
    in.push_back(x.strides[d]);
  }
  return Coalesce(shape, {acc, in});
}

template <typename R, typename T>
void Reduce(const Array& x, absl::Span<const int64_t> axes, const Array& out) {
  using Acc = typename R::Acc;
  const StridedSpace loop = ReductionLoop(x, axes);
  const T* xp = Data<T>(x);
  const int64_t out_size = out.aval.size();
  const auto reduce_range = [&](Acc* acc, int64_t begin, int64_t end) {
    ForEachRun<2>(loop, begin, end, [&](const std::array<int64_t, 2>& off, int64_t n) {
      ReduceRun<R>(acc + off[0], xp + off[1], n, loop.inner_stride(0), loop.inner_stride(1));
    });
  };
  std::vector<Acc> acc(out_size, R::Identity());
  const int64_t total = loop.size();
  const int threads = ThreadPool::Get().parallelism();
  if (total < 2 * kParallelGrain || threads == 1) {
    reduce_range(acc.data(), 0, total);
  } else if (loop.strides[0][0] != 0) {
    // The outermost dimension is kept: chunks of it update disjoint accumulators.
    const int64_t row = total / loop.shape[0];
    ParallelFor(
        loop.shape[0], std::max<int64_t>(1, kParallelGrain / row),
        [&](int64_t begin, int64_t end) { reduce_range(acc.data(), begin * row, end * row); });
  } else {
    // Each thread reduces a slice of positions into its own accumulators, merged in order.
    std::vector<std::vector<Acc>> partial(threads, std::vector<Acc>(out_size, R::Identity()));
    ParallelFor(threads, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        reduce_range(partial[t].data(), total * t / threads, total * (t + 1) / threads);
      }
    });
    for (int t = 0; t < threads; ++t) {
      for (int64_t i = 0; i < out_size; ++i) acc[i] = R::Merge(acc[i], partial[t][i]);
    }
  }
  T* o = MutableData<T>(out);
  for (int64_t i = 0; i < out_size; ++i) o[i] = R::Finish(acc[i]);
}

// Index of the first maximal element of x[0], x[s], ..., x[(n-1)*s] (n >= 1); a NaN is
// maximal, so the first NaN wins, as numpy and JAX.
template <typename T>
int32_t ArgmaxScan(const T* x, int64_t n, int64_t s) {
  T best = x[0];
  if (best != best) return 0;
  int64_t best_index = 0;
  for (int64_t i = 1; i < n; ++i) {
    const T v = x[i * s];
    if (v != v) return static_cast<int32_t>(i);
    if (v > best) {
      best = v;
      best_index = i;
    }
  }
  return static_cast<int32_t>(best_index);
}

}  // namespace

template <Primitive prim>
absl::Status ReduceKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  static_assert(prim == Primitive::kReduceSum || prim == Primitive::kReduceMax ||
                prim == Primitive::kReduceProd);
  return VisitComputeDType(in[0].aval.dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    if constexpr (prim == Primitive::kReduceMax) {
      Reduce<MaxReducer<T>, T>(in[0], params.axes, out);
    } else if constexpr (decltype(tag)::dtype == DType::kBool) {
      return absl::InternalError(absl::StrCat("cpu: ", PrimitiveName(prim), " has no bool kernel"));
    } else if constexpr (prim == Primitive::kReduceProd) {
      Reduce<ProdReducer<T>, T>(in[0], params.axes, out);
    } else {
      Reduce<SumReducer<T>, T>(in[0], params.axes, out);
    }
    return absl::OkStatus();
  });
}

template absl::Status ReduceKernel<Primitive::kReduceSum>(absl::Span<const Array>, const Params&,
                                                          const Array&);
template absl::Status ReduceKernel<Primitive::kReduceMax>(absl::Span<const Array>, const Params&,
                                                          const Array&);
template absl::Status ReduceKernel<Primitive::kReduceProd>(absl::Span<const Array>, const Params&,
                                                           const Array&);

absl::Status ArgmaxKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  const Array& x = in[0];
  const int64_t axis = params.dimension;
  Strides kept_strides;
  for (int64_t d = 0; d < x.aval.rank(); ++d) {
    if (d != axis) kept_strides.push_back(x.strides[d]);
  }
  const StridedSpace loop = Coalesce(out.aval.shape, {out.strides, kept_strides});
  const int64_t n = x.aval.shape[axis], s = x.strides[axis];
  int32_t* o = MutableData<int32_t>(out);
  VisitComputeDType(x.aval.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* xp = Data<T>(x);
    ParallelFor(loop.size(), std::max<int64_t>(1, kParallelGrain / n), [&](int64_t b, int64_t e) {
      ForEachRun<2>(loop, b, e, [&](const std::array<int64_t, 2>& off, int64_t run) {
        for (int64_t i = 0; i < run; ++i) {
          o[off[0] + i] = ArgmaxScan(xp + off[1] + i * loop.inner_stride(1), n, s);
        }
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace cotangent::cpu
