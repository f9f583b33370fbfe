// File: backends/cpu/kernels_sort.cc
// argsort: for each line along the dimension, the indices 0..n-1 sorted by the keys. Each key
// element is first mapped to an unsigned integer whose order is lax.sort's total order, so
// that one integer comparison per key decides; ties compare the indices, which makes the
// order strict and the unstable std::sort give the stable permutation. With k below the
// line's length n (top_k's argsort) only the first k are wanted: std::nth_element puts them
// first in O(n) and only they are sorted, O(n + k log k) per line instead of O(n log n); the
// order being strict, they are the same k in the same order. Lines run in parallel.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// IEEE bits u of sign-magnitude order to an unsigned integer of the same order: negative
// values have their bits flipped (larger magnitude, smaller), positive ones the sign set.
template <typename U>
uint64_t SignMagnitudeOrder(U u) {
  constexpr U kSign = U{1} << (sizeof(U) * 8 - 1);
  return (u & kSign) != 0 ? static_cast<U>(~u) : static_cast<U>(u | kSign);
}

// v as an unsigned integer in lax.sort's total order: -0 = +0, every NaN the positive quiet
// NaN (after +inf); signed integers with their sign bit flipped; unsigned ones and bool as
// stored.
template <typename T>
uint64_t OrderKey(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return SignMagnitudeOrder(v == 0 ? 0u : v != v ? 0x7fc00000u : std::bit_cast<uint32_t>(v));
  } else if constexpr (std::is_same_v<T, double>) {
    return SignMagnitudeOrder(v == 0   ? uint64_t{0}
                              : v != v ? uint64_t{0x7ff8000000000000}
                                       : std::bit_cast<uint64_t>(v));
  } else if constexpr (std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<U>(static_cast<U>(v) ^ (U{1} << (sizeof(U) * 8 - 1)));
  } else {
    return v;
  }
}

using Pair = std::pair<uint64_t, int32_t>;

// Offers pair to best, a max-heap holding the smallest `keep` pairs offered so far; returns
// the largest key that can still enter it (every key while it is not full).
uint64_t OfferToHeap(std::vector<Pair>& best, int64_t keep, Pair pair) {
  if (static_cast<int64_t>(best.size()) < keep) {
    best.push_back(pair);
    std::push_heap(best.begin(), best.end());
  } else if (pair < best.front()) {
    std::pop_heap(best.begin(), best.end());
    best.back() = pair;
    std::push_heap(best.begin(), best.end());
  }
  return static_cast<int64_t>(best.size()) < keep ? ~uint64_t{0} : best.front().first;
}

}  // namespace

absl::Status ArgsortKernel(absl::Span<const Array> in, const Params& params, const Array& out) {
  // n keys along the axis, of which each line's first `keep` indices are written.
  const int64_t axis = params.dimension, n = in[0].aval.shape[axis], keep = out.aval.shape[axis];
  if (keep == 0 || out.aval.size() == 0) return absl::OkStatus();
  const int64_t lines = out.aval.size() / keep, rank = out.aval.rank();
  const size_t num_keys = in.size();
  // The first element of line l in each key (and in out), the lines in row-major order of the
  // other axes.
  const auto line_offset = [&](const Array& a, int64_t l) {
    int64_t offset = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (d == axis) continue;
      offset += (l % a.aval.shape[d]) * a.strides[d];
      l /= a.aval.shape[d];
    }
    return offset;
  };
  const uint64_t flip = params.descending ? ~uint64_t{0} : 0;  // ~key reverses the order
  int32_t* o = MutableData<int32_t>(out);
  const int64_t grain = std::max<int64_t>(1, kParallelGrain / (n * std::bit_width(uint64_t(n))));
  // store(i, key) for each element i of key k's line l, in the sort order's integers.
  const auto order_keys = [&](size_t k, int64_t l, auto&& store) {
    VisitComputeDType(in[k].aval.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* x = Data<T>(in[k]) + line_offset(in[k], l);
      const int64_t s = in[k].strides[axis];
      for (int64_t i = 0; i < n; ++i) store(i, OrderKey(x[i * s]) ^ flip);
    });
  };
  const int64_t out_stride = out.strides[axis];
  // Orders [first, last) so that its first `keep` are the smallest under less, sorted.
  const auto sort_first = [keep, n](auto first, auto last, auto less) {
    if (keep <= n / 8) {
      std::partial_sort(first, first + keep, last, less);
    } else {
      if (keep < n) std::nth_element(first, first + keep, last, less);
      std::sort(first, first + keep, less);
    }
  };
  ParallelFor(lines, grain, [&](int64_t begin, int64_t end) {
    if (num_keys == 1 && keep <= n / 8) {  // few of one key: stream the line through a heap
      std::vector<Pair> best;              // a max-heap of the smallest `keep` pairs so far
      for (int64_t l = begin; l < end; ++l) {
        best.clear();
        uint64_t bound = ~uint64_t{0};  // a key above it cannot enter the heap
        order_keys(0, l, [&](int64_t i, uint64_t key) {
          if (key > bound) return;  // the common case, kept small enough to inline
          bound = OfferToHeap(best, keep, {key, static_cast<int32_t>(i)});
        });
        std::sort_heap(best.begin(), best.end());
        int32_t* line = o + line_offset(out, l);
        for (int64_t i = 0; i < keep; ++i) line[i * out_stride] = best[i].second;
      }
      return;
    }
    if (num_keys == 1) {  // one key: sort (key, index) pairs, with no indirection
      std::vector<Pair> pairs(n);
      for (int64_t l = begin; l < end; ++l) {
        order_keys(0, l, [&](int64_t i, uint64_t key) {
          pairs[i] = {key, static_cast<int32_t>(i)};
        });
        sort_first(pairs.begin(), pairs.end(), std::less<>());
        int32_t* line = o + line_offset(out, l);
        for (int64_t i = 0; i < keep; ++i) line[i * out_stride] = pairs[i].second;
      }
      return;
    }
    std::vector<std::vector<uint64_t>> keys(num_keys, std::vector<uint64_t>(n));
    std::vector<int32_t> order(n);
    for (int64_t l = begin; l < end; ++l) {
      for (size_t k = 0; k < num_keys; ++k) {
        order_keys(k, l, [&](int64_t i, uint64_t key) { keys[k][i] = key; });
      }
      for (int64_t i = 0; i < n; ++i) order[i] = static_cast<int32_t>(i);
      sort_first(order.begin(), order.end(), [&](int32_t a, int32_t b) {
        for (const std::vector<uint64_t>& key : keys) {
          if (key[a] != key[b]) return key[a] < key[b];
        }
        return a < b;
      });
      int32_t* line = o + line_offset(out, l);
      for (int64_t i = 0; i < keep; ++i) line[i * out_stride] = order[i];
    }
  });
  return absl::OkStatus();
}

}  // namespace cotangent::cpu
