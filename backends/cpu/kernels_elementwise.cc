// File: backends/cpu/kernels_elementwise.cc
// Unary, binary, compare, select and convert_element_type kernels: Map1/Map2/Map3 walk strided
// operands as runs along the innermost dimension; unit-stride runs (and stride-0 broadcast
// operands of binary ops) go to the SIMD kernels of simd.h, everything else applies
// OpOn<prim, dtype> (elementwise_ops.h) one element at a time.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/elementwise_ops.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// --- Strided maps ------------------------------------------------------------------------------
// The output is dense, so its innermost stride is 1 (or the loop is one scalar). A run whose
// inputs have stride 1 (or 0, a broadcast operand of a binary op) is given to `simd`, a
// callable (out, inputs..., n, broadcast flags) -> bool; where it returns false (no SIMD
// kernel for the primitive and dtype), and for every other stride, Op<prim> runs per element.

constexpr int kDynamic = -1;

template <int kS>
inline int64_t Stride(int64_t s) {
  return kS == kDynamic ? s : kS;
}

template <int kSx, typename O, typename X, typename F>
void Run1(F f, O* __restrict o, const X* __restrict x, int64_t n, int64_t sx) {
  sx = Stride<kSx>(sx);
  for (int64_t i = 0; i < n; ++i) o[i] = f(x[i * sx]);
}

template <int kSx, int kSy, typename O, typename X, typename Y, typename F>
void Run2(F f, O* __restrict o, const X* __restrict x, const Y* __restrict y, int64_t n, int64_t sx,
          int64_t sy) {
  sx = Stride<kSx>(sx);
  sy = Stride<kSy>(sy);
  for (int64_t i = 0; i < n; ++i) o[i] = f(x[i * sx], y[i * sy]);
}

// One run of n elements: unit-stride runs go to `simd`, a broadcast operand (stride 0: a
// folded constant in a fused group) is computed once and filled, the rest run Op<prim> per
// element.
template <typename O, typename X, typename F, typename Simd>
void Run1Of(F f, Simd simd, O* o, const X* x, int64_t n, int64_t sx) {
  if (sx == 1) {
    if (!simd(o, x, n)) Run1<1>(f, o, x, n, sx);
  } else if (sx == 0) {
    std::fill_n(o, n, f(x[0]));
  } else {
    Run1<kDynamic>(f, o, x, n, sx);
  }
}

template <typename O, typename X, typename Y, typename F, typename Simd>
void Run2Of(F f, Simd simd, O* o, const X* x, const Y* y, int64_t n, int64_t sx, int64_t sy) {
  if ((sx == 0 || sx == 1) && (sy == 0 || sy == 1) && simd(o, x, y, n, sx == 0, sy == 0)) return;
  if (sx == 1 && sy == 1) {
    Run2<1, 1>(f, o, x, y, n, sx, sy);
  } else if (sx == 1 && sy == 0) {
    Run2<1, 0>(f, o, x, y, n, sx, sy);
  } else if (sx == 0 && sy == 1) {
    Run2<0, 1>(f, o, x, y, n, sx, sy);
  } else {
    Run2<kDynamic, kDynamic>(f, o, x, y, n, sx, sy);
  }
}

// Operands laid out as the output (or broadcast scalars) are one flat run, with no coalesced
// space to build: most eager operations, and all of the small ones whose cost is this setup.
template <typename O, typename X, typename F, typename Simd>
void Map1(F f, Simd simd, const Array& x, const Array& out, int64_t grain = kParallelGrain) {
  O* o = MutableData<O>(out);
  const X* xp = Data<X>(x);
  if (const int64_t fx = FlatStride(x, out); fx >= 0) {
    ParallelFor(out.aval.size(), grain, [&](int64_t begin, int64_t end) {
      Run1Of(f, simd, o + begin, xp + begin * fx, end - begin, fx);
    });
    return;
  }
  const StridedSpace loop = Coalesce(out.aval.shape, {out.strides, x.strides});
  const int64_t sx = loop.inner_stride(1);
  ParallelFor(loop.size(), grain, [&](int64_t begin, int64_t end) {
    ForEachRun<2>(loop, begin, end, [&](const std::array<int64_t, 2>& off, int64_t n) {
      Run1Of(f, simd, o + off[0], xp + off[1], n, sx);
    });
  });
}

template <typename O, typename X, typename Y, typename F, typename Simd>
void Map2(F f, Simd simd, const Array& x, const Array& y, const Array& out,
          int64_t grain = kParallelGrain) {
  O* o = MutableData<O>(out);
  const X* xp = Data<X>(x);
  const Y* yp = Data<Y>(y);
  const int64_t fx = FlatStride(x, out), fy = FlatStride(y, out);
  if (fx >= 0 && fy >= 0) {
    ParallelFor(out.aval.size(), grain, [&](int64_t begin, int64_t end) {
      Run2Of(f, simd, o + begin, xp + begin * fx, yp + begin * fy, end - begin, fx, fy);
    });
    return;
  }
  const StridedSpace loop = Coalesce(out.aval.shape, {out.strides, x.strides, y.strides});
  const int64_t sx = loop.inner_stride(1), sy = loop.inner_stride(2);
  ParallelFor(loop.size(), grain, [&](int64_t begin, int64_t end) {
    ForEachRun<3>(loop, begin, end, [&](const std::array<int64_t, 3>& off, int64_t n) {
      Run2Of(f, simd, o + off[0], xp + off[1], yp + off[2], n, sx, sy);
    });
  });
}

// select(pred, on_true, on_false), elementwise.
template <typename T>
void Map3Select(const Array& pred, const Array& x, const Array& y, const Array& out) {
  const StridedSpace loop =
      Coalesce(out.aval.shape, {out.strides, pred.strides, x.strides, y.strides});
  T* o = MutableData<T>(out);
  const uint8_t* pp = Data<uint8_t>(pred);
  const T* xp = Data<T>(x);
  const T* yp = Data<T>(y);
  const int64_t sp = loop.inner_stride(1), sx = loop.inner_stride(2), sy = loop.inner_stride(3);
  ParallelFor(loop.size(), kParallelGrain, [&](int64_t begin, int64_t end) {
    ForEachRun<4>(loop, begin, end, [&](const std::array<int64_t, 4>& off, int64_t n) {
      T* __restrict o_run = o + off[0];
      const uint8_t* __restrict p_run = pp + off[1];
      const T* __restrict x_run = xp + off[2];
      const T* __restrict y_run = yp + off[3];
      if (sp == 1 && sx == 1 && sy == 1) {
        if (SimdSelect(x.aval.dtype, p_run, x_run, y_run, o_run, n)) return;
        for (int64_t i = 0; i < n; ++i) o_run[i] = p_run[i] != 0 ? x_run[i] : y_run[i];
      } else {
        for (int64_t i = 0; i < n; ++i) {
          o_run[i] = p_run[i * sp] != 0 ? x_run[i * sx] : y_run[i * sy];
        }
      }
    });
  });
}

// Primitives that cost tens of cycles per element (libm calls), so parallel sooner (a tuning
// list: a primitive missing here is only parallel on larger arrays).
constexpr int64_t GrainOf(Primitive prim) {
  using P = Primitive;
  for (P p :
       {P::kExp,    P::kLog,     P::kLog1p,       P::kExpm1,          P::kSin,       P::kCos,
        P::kTanh,   P::kPow,     P::kErf,         P::kErfc,           P::kErfInv,    P::kAtan2,
        P::kRem,    P::kLgamma,  P::kDigamma,     P::kZeta,           P::kBesselI0e, P::kBesselI1e,
        P::kIgamma, P::kIgammac, P::kIgammaGradA, P::kRandomGammaGrad}) {
    if (prim == p) return kParallelGrainTranscendental;
  }
  return kParallelGrain;
}

absl::Status Unsupported(Primitive prim, const Array& x) {
  return absl::InternalError(
      absl::StrCat("cpu: ", PrimitiveName(prim), " has no kernel for ", x.aval.ToString()));
}

// Binary and compare: Op<prim> decides the result type.
template <Primitive prim>
absl::Status BinaryKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  return VisitDType(in[0].aval.dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    if constexpr (kAccepts<prim, T>) {
      using F = OpOn<prim, decltype(tag)::dtype>;
      using O = decltype(F{}(T{}, T{}));
      const DType dtype = in[0].aval.dtype;
      const auto simd = [dtype](O* o, const T* x, const T* y, int64_t n, bool bx, bool by) {
        return SimdBinary(prim, dtype, x, bx, y, by, o, n);
      };
      Map2<O, T, T>(F{}, simd, in[0], in[1], out, GrainOf(prim));
      return absl::OkStatus();
    } else {
      return Unsupported(prim, in[0]);
    }
  });
}

template <Primitive prim>
absl::Status UnaryKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  return VisitDType(in[0].aval.dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    if constexpr (kAccepts<prim, T>) {
      const DType dtype = in[0].aval.dtype;
      const auto simd = [dtype](T* o, const T* x, int64_t n) {
        return SimdUnary(prim, dtype, x, o, n);
      };
      Map1<T, T>(OpOn<prim, decltype(tag)::dtype>{}, simd, in[0], out, GrainOf(prim));
      return absl::OkStatus();
    } else {
      return Unsupported(prim, in[0]);
    }
  });
}

// The kernel of each unary, binary and compare row, from the row: Op<prim> mapped over the
// operands.
template <Primitive prim>
constexpr Kernel ElementwiseKernelOf() {
  if constexpr (KindOf(prim) == PrimitiveKind::kUnary) {
    return UnaryKernel<prim>;
  } else if constexpr (IsElementwiseMap(prim)) {
    return BinaryKernel<prim>;
  } else {
    return nullptr;
  }
}

constexpr std::array<Kernel, kNumPrimitives> kElementwiseKernels =
    TableOf<Kernel>([]<Primitive prim>() { return ElementwiseKernelOf<prim>(); });

}  // namespace

Kernel ElementwiseKernel(Primitive prim) { return kElementwiseKernels[static_cast<int>(prim)]; }

absl::Status SelectKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  VisitComputeDType(in[1].aval.dtype,
             [&](auto tag) { Map3Select<typename decltype(tag)::type>(in[0], in[1], in[2], out); });
  return absl::OkStatus();
}

absl::Status ConvertKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  VisitDType(in[0].aval.dtype, [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    VisitDType(out.aval.dtype, [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      const DType from = in[0].aval.dtype, to = out.aval.dtype;
      const auto simd = [from, to](To* o, const From* x, int64_t n) {
        return SimdConvert(from, to, x, o, n);
      };
      Map1<To, From>([](From x) { return ConvertValue<To, decltype(to_tag)::dtype>(x); }, simd,
                     in[0], out);
    });
  });
  return absl::OkStatus();
}

// --- Flat runs (jit's fused groups) ------------------------------------------------------------

namespace {

// kSimd false: Op<prim> alone (the SIMD callables say "no kernel").
constexpr auto kNoSimd = [](auto&&...) { return false; };

template <Primitive prim, typename T, DType dtype, bool kSimd>
void UnaryRun(const void* const* in, const int64_t* s, void* out, int64_t n) {
  const auto simd = [](T* o, const T* x, int64_t m) { return SimdUnary(prim, dtype, x, o, m); };
  using F = OpOn<prim, dtype>;
  if constexpr (kSimd) {
    Run1Of(F{}, simd, static_cast<T*>(out), static_cast<const T*>(in[0]), n, s[0]);
  } else {
    Run1Of(F{}, kNoSimd, static_cast<T*>(out), static_cast<const T*>(in[0]), n, s[0]);
  }
}

template <Primitive prim, typename T, DType dtype, bool kSimd>
void BinaryRun(const void* const* in, const int64_t* s, void* out, int64_t n) {
  using F = OpOn<prim, dtype>;
  using O = decltype(F{}(T{}, T{}));
  const auto simd = [](O* o, const T* x, const T* y, int64_t m, bool bx, bool by) {
    return SimdBinary(prim, dtype, x, bx, y, by, o, m);
  };
  O* o = static_cast<O*>(out);
  const T* x = static_cast<const T*>(in[0]);
  const T* y = static_cast<const T*>(in[1]);
  if constexpr (kSimd) {
    Run2Of(F{}, simd, o, x, y, n, s[0], s[1]);
  } else {
    Run2Of(F{}, kNoSimd, o, x, y, n, s[0], s[1]);
  }
}

template <typename T, bool kSimd>
void SelectRun(const void* const* in, const int64_t* s, void* out, int64_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(in[0]);
  const T* x = static_cast<const T*>(in[1]);
  const T* y = static_cast<const T*>(in[2]);
  T* o = static_cast<T*>(out);
  if (kSimd && s[0] == 1 && s[1] == 1 && s[2] == 1 &&
      SimdSelect(kStorageDType<T>, p, x, y, o, n)) {
    return;
  }
  for (int64_t i = 0; i < n; ++i) o[i] = p[i * s[0]] != 0 ? x[i * s[1]] : y[i * s[2]];
}

template <typename To, DType to, typename From, DType from, bool kSimd>
void ConvertRun(const void* const* in, const int64_t* s, void* out, int64_t n) {
  const auto simd = [](To* o, const From* x, int64_t m) { return SimdConvert(from, to, x, o, m); };
  const auto f = [](From x) { return ConvertValue<To, to>(x); };
  if constexpr (kSimd) {
    Run1Of(f, simd, static_cast<To*>(out), static_cast<const From*>(in[0]), n, s[0]);
  } else {
    Run1Of(f, kNoSimd, static_cast<To*>(out), static_cast<const From*>(in[0]), n, s[0]);
  }
}

template <Primitive prim, typename T, DType dtype, bool kSimd>
constexpr FlatRun MapRunOf() {
  if constexpr (!IsElementwiseMap(prim) || !kAccepts<prim, T>) {
    return nullptr;
  } else if constexpr (KindOf(prim) == PrimitiveKind::kUnary) {
    return UnaryRun<prim, T, dtype, kSimd>;
  } else {
    return BinaryRun<prim, T, dtype, kSimd>;
  }
}

template <typename T, DType dtype, bool kSimd>
constexpr std::array<FlatRun, kNumPrimitives> kMapRuns = TableOf<FlatRun>([]<Primitive prim>() {
  return MapRunOf<prim, T, dtype, kSimd>();
});

template <bool kSimd>
FlatRun RunOf(Primitive prim, DType in, DType out) {
  if (prim == Primitive::kSelect) {
    return VisitComputeDType(in, [](auto tag) -> FlatRun {
      return SelectRun<typename decltype(tag)::type, kSimd>;
    });
  }
  if (prim == Primitive::kConvert) {  // the one run on f16 and bf16 (core/fused_kernel.h)
    return VisitDType(in, [out](auto from) -> FlatRun {
      return VisitDType(out, [](auto to) -> FlatRun {
        return ConvertRun<typename decltype(to)::type, decltype(to)::dtype,
                          typename decltype(from)::type, decltype(from)::dtype, kSimd>;
      });
    });
  }
  return VisitComputeDType(in, [prim](auto tag) -> FlatRun {
    using T = typename decltype(tag)::type;
    return kMapRuns<T, decltype(tag)::dtype, kSimd>[static_cast<int>(prim)];
  });
}

}  // namespace

FlatRun ElementwiseRun(Primitive prim, DType in, DType out, bool simd) {
  return simd ? RunOf<true>(prim, in, out) : RunOf<false>(prim, in, out);
}

}  // namespace cotangent::cpu
