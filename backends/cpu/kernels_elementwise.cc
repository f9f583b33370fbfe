// File: backends/cpu/kernels_elementwise.cc
// Unary, binary, compare, select and convert_element_type kernels: Op<prim> states each
// primitive's math on storage types (XLA/JAX CPU semantics, no undefined behaviour), and
// Map1/Map2/Map3 apply it over strided operands with unit-stride fast paths.

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "backends/cpu/cpu_buffer.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/strided.h"
#include "backends/cpu/thread_pool.h"

namespace cotangent::cpu {
namespace {

// Which storage types an op is defined on (abstract evaluation already rejected the others).
enum class Accepts { kFloat, kNumeric, kBool, kAny };

template <typename T>
constexpr bool IsAccepted(Accepts accepts) {
  switch (accepts) {
    case Accepts::kFloat:
      return std::is_floating_point_v<T>;
    case Accepts::kNumeric:
      return !std::is_same_v<T, uint8_t>;
    case Accepts::kBool:
      return std::is_same_v<T, uint8_t>;
    case Accepts::kAny:
      return true;
  }
  return false;
}

template <typename T>
constexpr bool kIsI32 = std::is_same_v<T, int32_t>;

// i32 arithmetic wraps modulo 2^32 (as XLA); done in uint32_t, whose overflow is defined.
inline int32_t Wrap(uint32_t x) { return static_cast<int32_t>(x); }

// The math of each elementwise primitive. T is the storage type (uint8_t for bool).
template <Primitive prim>
struct Op;

// --- Unary -----------------------------------------------------------------------------------

template <>
struct Op<Primitive::kNeg> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x) const {
    if constexpr (kIsI32<T>)
      return Wrap(0u - static_cast<uint32_t>(x));
    else
      return -x;
  }
};
// sign(x) = -1, 0 or 1; floats keep the zero's sign and NaN.
template <>
struct Op<Primitive::kSign> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x) const {
    return x > 0 ? T{1} : x < 0 ? T{-1} : x;
  }
};
// abs(INT32_MIN) wraps to INT32_MIN.
template <>
struct Op<Primitive::kAbs> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x) const {
    if constexpr (kIsI32<T>)
      return x < 0 ? Wrap(0u - static_cast<uint32_t>(x)) : x;
    else
      return std::fabs(x);
  }
};

// Floating unary functions of <cmath>, overloaded for float and double.
#define COTANGENT_CMATH_OP(prim, fn)                     \
  template <>                                            \
  struct Op<Primitive::prim> {                           \
    static constexpr Accepts kAccepts = Accepts::kFloat; \
    template <typename T>                                \
    T operator()(T x) const {                            \
      return fn(x);                                      \
    }                                                    \
  };
COTANGENT_CMATH_OP(kExp, std::exp)
COTANGENT_CMATH_OP(kLog, std::log)
COTANGENT_CMATH_OP(kLog1p, std::log1p)
COTANGENT_CMATH_OP(kExpm1, std::expm1)
COTANGENT_CMATH_OP(kSin, std::sin)
COTANGENT_CMATH_OP(kCos, std::cos)
COTANGENT_CMATH_OP(kTanh, std::tanh)
COTANGENT_CMATH_OP(kSqrt, std::sqrt)
COTANGENT_CMATH_OP(kFloor, std::floor)
#undef COTANGENT_CMATH_OP

template <>
struct Op<Primitive::kLogicalNot> {
  static constexpr Accepts kAccepts = Accepts::kBool;
  uint8_t operator()(uint8_t x) const { return x == 0; }
};

// --- Binary ----------------------------------------------------------------------------------

template <>
struct Op<Primitive::kAdd> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>)
      return Wrap(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
    else
      return x + y;
  }
};
template <>
struct Op<Primitive::kSub> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>)
      return Wrap(static_cast<uint32_t>(x) - static_cast<uint32_t>(y));
    else
      return x - y;
  }
};
template <>
struct Op<Primitive::kMul> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>)
      return Wrap(static_cast<uint32_t>(x) * static_cast<uint32_t>(y));
    else
      return x * y;
  }
};
// Integer division truncates toward zero; as XLA defines, x / 0 = -1 and INT32_MIN / -1 =
// INT32_MIN (the two cases C++ leaves undefined).
template <>
struct Op<Primitive::kDiv> {
  static constexpr Accepts kAccepts = Accepts::kNumeric;
  template <typename T>
  T operator()(T x, T y) const {
    if constexpr (kIsI32<T>) {
      if (y == 0) return -1;
      if (y == -1) return Wrap(0u - static_cast<uint32_t>(x));
      return x / y;
    } else {
      return x / y;
    }
  }
};
template <>
struct Op<Primitive::kPow> {
  static constexpr Accepts kAccepts = Accepts::kFloat;
  template <typename T>
  T operator()(T x, T y) const {
    return std::pow(x, y);
  }
};
// max/min return NaN when either operand is NaN (x != x only for NaN).
template <>
struct Op<Primitive::kMax> {
  static constexpr Accepts kAccepts = Accepts::kAny;
  template <typename T>
  T operator()(T x, T y) const {
    return (x > y || x != x) ? x : y;
  }
};
template <>
struct Op<Primitive::kMin> {
  static constexpr Accepts kAccepts = Accepts::kAny;
  template <typename T>
  T operator()(T x, T y) const {
    return (x < y || x != x) ? x : y;
  }
};
template <>
struct Op<Primitive::kLogicalAnd> {
  static constexpr Accepts kAccepts = Accepts::kBool;
  uint8_t operator()(uint8_t x, uint8_t y) const { return (x != 0) & (y != 0); }
};
template <>
struct Op<Primitive::kLogicalOr> {
  static constexpr Accepts kAccepts = Accepts::kBool;
  uint8_t operator()(uint8_t x, uint8_t y) const { return (x != 0) | (y != 0); }
};

// --- Compare: any dtype, bool result (NaN compares unequal to everything) ---------------------

#define COTANGENT_COMPARE_OP(prim, op)                 \
  template <>                                          \
  struct Op<Primitive::prim> {                         \
    static constexpr Accepts kAccepts = Accepts::kAny; \
    template <typename T>                              \
    uint8_t operator()(T x, T y) const {               \
      return x op y;                                   \
    }                                                  \
  };
COTANGENT_COMPARE_OP(kEq, ==)
COTANGENT_COMPARE_OP(kNe, !=)
COTANGENT_COMPARE_OP(kLt, <)
COTANGENT_COMPARE_OP(kLe, <=)
COTANGENT_COMPARE_OP(kGt, >)
COTANGENT_COMPARE_OP(kGe, >=)
#undef COTANGENT_COMPARE_OP

// --- Strided maps ------------------------------------------------------------------------------
// The output is dense, so its innermost stride is 1 (or the loop is one scalar). Inputs use a
// compile-time stride where it is 1 (or 0, a broadcast) so those loops vectorize; kDynamic
// reads the stride at run time.

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

template <typename O, typename X, typename F>
void Map1(F f, const Array& x, const Array& out, int64_t grain = kParallelGrain) {
  const StridedLoop<2> loop = MakeLoop<2>(out.aval.shape, {out.strides, x.strides});
  O* o = MutableData<O>(out);
  const X* xp = Data<X>(x);
  const int64_t sx = loop.inner_stride(1);
  ParallelFor(loop.size(), grain, [&](int64_t begin, int64_t end) {
    ForEachRun(loop, begin, end, [&](const std::array<int64_t, 2>& off, int64_t n) {
      if (sx == 1) {
        Run1<1>(f, o + off[0], xp + off[1], n, sx);
      } else {
        Run1<kDynamic>(f, o + off[0], xp + off[1], n, sx);
      }
    });
  });
}

template <typename O, typename X, typename Y, typename F>
void Map2(F f, const Array& x, const Array& y, const Array& out, int64_t grain = kParallelGrain) {
  const StridedLoop<3> loop = MakeLoop<3>(out.aval.shape, {out.strides, x.strides, y.strides});
  O* o = MutableData<O>(out);
  const X* xp = Data<X>(x);
  const Y* yp = Data<Y>(y);
  const int64_t sx = loop.inner_stride(1), sy = loop.inner_stride(2);
  ParallelFor(loop.size(), grain, [&](int64_t begin, int64_t end) {
    ForEachRun(loop, begin, end, [&](const std::array<int64_t, 3>& off, int64_t n) {
      O* o_run = o + off[0];
      const X* x_run = xp + off[1];
      const Y* y_run = yp + off[2];
      if (sx == 1 && sy == 1) {
        Run2<1, 1>(f, o_run, x_run, y_run, n, sx, sy);
      } else if (sx == 1 && sy == 0) {
        Run2<1, 0>(f, o_run, x_run, y_run, n, sx, sy);
      } else if (sx == 0 && sy == 1) {
        Run2<0, 1>(f, o_run, x_run, y_run, n, sx, sy);
      } else {
        Run2<kDynamic, kDynamic>(f, o_run, x_run, y_run, n, sx, sy);
      }
    });
  });
}

// select(pred, on_true, on_false), elementwise.
template <typename T>
void Map3Select(const Array& pred, const Array& x, const Array& y, const Array& out) {
  const StridedLoop<4> loop =
      MakeLoop<4>(out.aval.shape, {out.strides, pred.strides, x.strides, y.strides});
  T* o = MutableData<T>(out);
  const uint8_t* pp = Data<uint8_t>(pred);
  const T* xp = Data<T>(x);
  const T* yp = Data<T>(y);
  const int64_t sp = loop.inner_stride(1), sx = loop.inner_stride(2), sy = loop.inner_stride(3);
  ParallelFor(loop.size(), kParallelGrain, [&](int64_t begin, int64_t end) {
    ForEachRun(loop, begin, end, [&](const std::array<int64_t, 4>& off, int64_t n) {
      T* __restrict o_run = o + off[0];
      const uint8_t* __restrict p_run = pp + off[1];
      const T* __restrict x_run = xp + off[2];
      const T* __restrict y_run = yp + off[3];
      if (sp == 1 && sx == 1 && sy == 1) {
        for (int64_t i = 0; i < n; ++i) o_run[i] = p_run[i] != 0 ? x_run[i] : y_run[i];
      } else {
        for (int64_t i = 0; i < n; ++i) {
          o_run[i] = p_run[i * sp] != 0 ? x_run[i * sx] : y_run[i * sy];
        }
      }
    });
  });
}

// Primitives that cost tens of cycles per element (libm calls), so parallel sooner.
constexpr int64_t GrainOf(Primitive prim) {
  using P = Primitive;
  for (P p : {P::kExp, P::kLog, P::kLog1p, P::kExpm1, P::kSin, P::kCos, P::kTanh, P::kPow}) {
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
absl::Status ElementwiseBinary(absl::Span<const Array> in, const Array& out) {
  return VisitDType(in[0].aval.dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    if constexpr (IsAccepted<T>(Op<prim>::kAccepts)) {
      using O = decltype(Op<prim>{}(T{}, T{}));
      Map2<O, T, T>(Op<prim>{}, in[0], in[1], out, GrainOf(prim));
      return absl::OkStatus();
    } else {
      return Unsupported(prim, in[0]);
    }
  });
}

}  // namespace

template <Primitive prim>
absl::Status UnaryKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  return VisitDType(in[0].aval.dtype, [&](auto tag) -> absl::Status {
    using T = typename decltype(tag)::type;
    if constexpr (IsAccepted<T>(Op<prim>::kAccepts)) {
      Map1<T, T>(Op<prim>{}, in[0], out, GrainOf(prim));
      return absl::OkStatus();
    } else {
      return Unsupported(prim, in[0]);
    }
  });
}

template <Primitive prim>
absl::Status BinaryKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  return ElementwiseBinary<prim>(in, out);
}

template <Primitive prim>
absl::Status CompareKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  return ElementwiseBinary<prim>(in, out);
}

absl::Status SelectKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  VisitDType(in[1].aval.dtype,
             [&](auto tag) { Map3Select<typename decltype(tag)::type>(in[0], in[1], in[2], out); });
  return absl::OkStatus();
}

absl::Status ConvertKernel(absl::Span<const Array> in, const Params&, const Array& out) {
  VisitDType(in[0].aval.dtype, [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    VisitDType(out.aval.dtype, [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      Map1<To, From>([](From x) { return ConvertValue<To>(x); }, in[0], out);
    });
  });
  return absl::OkStatus();
}

#define COTANGENT_INSTANTIATE(kernel, prim)                                             \
  template absl::Status kernel<Primitive::prim>(absl::Span<const Array>, const Params&, \
                                                const Array&);
COTANGENT_INSTANTIATE(UnaryKernel, kNeg)
COTANGENT_INSTANTIATE(UnaryKernel, kSign)
COTANGENT_INSTANTIATE(UnaryKernel, kAbs)
COTANGENT_INSTANTIATE(UnaryKernel, kExp)
COTANGENT_INSTANTIATE(UnaryKernel, kLog)
COTANGENT_INSTANTIATE(UnaryKernel, kLog1p)
COTANGENT_INSTANTIATE(UnaryKernel, kExpm1)
COTANGENT_INSTANTIATE(UnaryKernel, kSin)
COTANGENT_INSTANTIATE(UnaryKernel, kCos)
COTANGENT_INSTANTIATE(UnaryKernel, kTanh)
COTANGENT_INSTANTIATE(UnaryKernel, kSqrt)
COTANGENT_INSTANTIATE(UnaryKernel, kFloor)
COTANGENT_INSTANTIATE(UnaryKernel, kLogicalNot)
COTANGENT_INSTANTIATE(BinaryKernel, kAdd)
COTANGENT_INSTANTIATE(BinaryKernel, kSub)
COTANGENT_INSTANTIATE(BinaryKernel, kMul)
COTANGENT_INSTANTIATE(BinaryKernel, kDiv)
COTANGENT_INSTANTIATE(BinaryKernel, kPow)
COTANGENT_INSTANTIATE(BinaryKernel, kMax)
COTANGENT_INSTANTIATE(BinaryKernel, kMin)
COTANGENT_INSTANTIATE(BinaryKernel, kLogicalAnd)
COTANGENT_INSTANTIATE(BinaryKernel, kLogicalOr)
COTANGENT_INSTANTIATE(CompareKernel, kEq)
COTANGENT_INSTANTIATE(CompareKernel, kNe)
COTANGENT_INSTANTIATE(CompareKernel, kLt)
COTANGENT_INSTANTIATE(CompareKernel, kLe)
COTANGENT_INSTANTIATE(CompareKernel, kGt)
COTANGENT_INSTANTIATE(CompareKernel, kGe)
#undef COTANGENT_INSTANTIATE

}  // namespace cotangent::cpu
