// File: backends/cpu/simd_elementwise.cc
// The SIMD elementwise kernels declared in simd.h (unary, binary, compare, select, convert),
// written once with Highway ops and compiled for every target by hwy/foreach_target.h (this
// file re-includes itself once per target); HWY_DYNAMIC_DISPATCH picks the target at run time.
// Each vector op states the same math as Op<prim> (elementwise_ops.h), bit for bit: max/min
// are selects (NaN wins, max(-0, +0) is the second operand), sign keeps ±0 and NaN, i32
// arithmetic wraps (vector integer lanes do), bool is a uint8_t 0/1.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/simd_elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h.
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#ifndef COTANGENT_BACKENDS_CPU_SIMD_ELEMENTWISE_ONCE_
#define COTANGENT_BACKENDS_CPU_SIMD_ELEMENTWISE_ONCE_
#include <cmath>
#include <cstdint>
#include <cstring>

#include "backends/cpu/elementwise_ops.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd.h"

namespace cotangent::cpu {

// The valid ranges: Highway's documented ranges narrowed to where results are normal numbers
// (exp of less than about -87 is subnormal in f32, which the polynomial flushes), log from
// the smallest normal number, sin/cos where the f32 argument reduction keeps its accuracy.
// The ulp bounds are the measured maxima of docs/cpu_kernels.md rounded up.
inline constexpr SimdMathRange kExpRange{-87.0, 88.0, -708.0, 709.0, 1, 1};
inline constexpr SimdMathRange kExpm1Range{-87.0, 88.0, -708.0, 709.0, 4, 4};
inline constexpr SimdMathRange kLogRange{1.17549435e-38, 3.40282347e+38, 2.2250738585072014e-308,
                                         1.7976931348623157e+308, 2, 2};
inline constexpr SimdMathRange kLog1pRange{-0.5, 3.40282347e+38, -0.5, 1.7976931348623157e+308,
                                           2, 2};
inline constexpr SimdMathRange kSinCosRange{-8192.0, 8192.0, -39000.0, 39000.0, 3, 3};
inline constexpr SimdMathRange kTanhRange{-3.40282347e+38, 3.40282347e+38,
                                          -1.7976931348623157e+308, 1.7976931348623157e+308, 4,
                                          4};

}  // namespace cotangent::cpu
#endif  // COTANGENT_BACKENDS_CPU_SIMD_ELEMENTWISE_ONCE_

HWY_BEFORE_NAMESPACE();
namespace cotangent::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// --- Loops ------------------------------------------------------------------------------------
// Whole vectors with unaligned loads and stores; the last n % lanes elements go through a
// zero-padded local vector, so every element takes the same vector code.

template <typename T>
constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(T);

// o[i] = Op::Apply(d, x[i]); T -> T. Op::Fix(d, x) (when Op::kFix) is the mask of lanes the
// vector code does not cover, recomputed with Op::Scalar.
template <class Op, typename T>
void UnaryLoop(const T* HWY_RESTRICT x, T* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  HWY_ALIGN T in[kMaxLanes<T>] = {};
  HWY_ALIGN T out[kMaxLanes<T>];
  const auto one = [&](const T* src, T* dst, size_t count) {
    const auto v = hn::LoadU(d, src);
    const auto y = Op::Apply(d, v);
    if constexpr (Op::kFix) {
      if (HWY_UNLIKELY(!hn::AllFalse(d, Op::Fix(d, v)))) {
        hn::Store(y, d, out);
        for (size_t j = 0; j < count; ++j) {
          if (Op::ScalarFix(src[j])) out[j] = Op::Scalar(src[j]);
        }
        std::memcpy(dst, out, count * sizeof(T));
        return;
      }
    }
    if (count == lanes) {
      hn::StoreU(y, d, dst);
    } else {
      hn::Store(y, d, out);
      std::memcpy(dst, out, count * sizeof(T));
    }
  };
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) one(x + i, o + i, lanes);
  if (i < n) {
    std::memcpy(in, x + i, (n - i) * sizeof(T));
    one(in, o + i, n - i);
  }
}

// o[i] = Op::Apply(d, x[i * sx], y[i * sy]) with sx, sy in {0, 1}; O is T or uint8_t (compare).
template <class Op, typename T, typename O, bool kBx, bool kBy>
void BinaryLoop(const T* HWY_RESTRICT x, const T* HWY_RESTRICT y, O* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  HWY_ALIGN T xin[kMaxLanes<T>] = {};
  HWY_ALIGN T yin[kMaxLanes<T>] = {};
  const auto vx0 = hn::Set(d, kBx ? x[0] : T{});
  const auto vy0 = hn::Set(d, kBy ? y[0] : T{});
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto vx = kBx ? vx0 : hn::LoadU(d, x + i);
    const auto vy = kBy ? vy0 : hn::LoadU(d, y + i);
    Op::Store(d, Op::Apply(d, vx, vy), o + i, lanes);
  }
  if (i < n) {
    if (!kBx) std::memcpy(xin, x + i, (n - i) * sizeof(T));
    if (!kBy) std::memcpy(yin, y + i, (n - i) * sizeof(T));
    const auto vx = kBx ? vx0 : hn::Load(d, xin);
    const auto vy = kBy ? vy0 : hn::Load(d, yin);
    Op::Store(d, Op::Apply(d, vx, vy), o + i, n - i);
  }
}

// Stores count <= Lanes(d) lanes of v to o.
template <class D, class V, typename T>
HWY_INLINE void StorePart(D d, V v, T* HWY_RESTRICT o, size_t count) {
  if (count == hn::Lanes(d)) {
    hn::StoreU(v, d, o);
  } else {
    HWY_ALIGN T out[kMaxLanes<T>];
    hn::Store(v, d, out);
    std::memcpy(o, out, count * sizeof(T));
  }
}

// A mask of d's lanes as bool bytes (0/1), one per lane, stored to o.
template <class D, class M>
HWY_INLINE void StoreMaskBytes(D, M m, uint8_t* HWY_RESTRICT o, size_t count) {
  using T = hn::TFromD<D>;
  if constexpr (sizeof(T) == 4) {
    const hn::RebindToSigned<D> di;
    const hn::Rebind<uint8_t, D> d8;
    const auto ones = hn::IfThenElseZero(hn::RebindMask(di, m), hn::Set(di, 1));
    StorePart(d8, hn::DemoteTo(d8, ones), o, count);
  } else {
    static_assert(sizeof(T) == 8);
    const hn::Rebind<int32_t, D> di;
    const hn::Rebind<uint8_t, D> d8;
    const hn::RebindToFloat<D> df;
    const auto ones = hn::IfThenElseZero(hn::RebindMask(df, m), hn::Set(df, 1.0));
    StorePart(d8, hn::DemoteTo(d8, hn::DemoteTo(di, ones)), o, count);
  }
}

// --- Unary ops --------------------------------------------------------------------------------

struct NoFix {
  static constexpr bool kFix = false;
};

struct NegV : NoFix {
  template <class D, class V>
  static V Apply(D, V x) {
    return hn::Neg(x);  // f: flips the sign bit (as -x); i32: 0 - x, wrapping
  }
};
// x > 0 ? 1 : x < 0 ? -1 : x (keeps ±0 and NaN).
struct SignV : NoFix {
  template <class D, class V>
  static V Apply(D d, V x) {
    const auto zero = hn::Zero(d);
    return hn::IfThenElse(hn::Gt(x, zero), hn::Set(d, 1),
                          hn::IfThenElse(hn::Lt(x, zero), hn::Set(d, -1), x));
  }
};
// f: clears the sign bit (as fabs); i32: abs(INT32_MIN) = INT32_MIN (the instruction wraps).
struct AbsV : NoFix {
  template <class D, class V>
  static V Apply(D, V x) {
    return hn::Abs(x);
  }
};
struct SqrtV : NoFix {
  template <class D, class V>
  static V Apply(D, V x) {
    return hn::Sqrt(x);  // correctly rounded, as std::sqrt
  }
};
// floor(x) always has x's sign (floor(-0) = -0); the SSSE3 and scalar emulations of Floor
// return +0 for -0, so the sign is copied back.
struct FloorV : NoFix {
  template <class D, class V>
  static V Apply(D, V x) {
    return hn::CopySign(hn::Floor(x), x);
  }
};
// Bitwise not: ~x on integer lanes, x ^ 1 on bool's 0 and 1.
struct NotV : NoFix {
  template <class D, class V>
  static V Apply(D, V x) {
    return hn::Not(x);
  }
};
struct BoolNotV : NoFix {
  template <class D, class V>
  static V Apply(D d, V x) {
    return hn::Xor(x, hn::Set(d, 1));
  }
};

// A transcendental: the Highway polynomial inside range, Op<prim> (libm) outside (NaN fails
// both comparisons, so it goes to libm too).
template <Primitive prim, const SimdMathRange& kRange, class Vec, typename T>
struct MathV {
  static constexpr bool kFix = true;
  static constexpr T kLo = static_cast<T>(sizeof(T) == 4 ? kRange.lo_f32 : kRange.lo_f64);
  static constexpr T kHi = static_cast<T>(sizeof(T) == 4 ? kRange.hi_f32 : kRange.hi_f64);
  template <class D, class V>
  static V Apply(D d, V x) {
    // Lanes outside the range are computed on a harmless value and replaced afterwards.
    return Vec()(d, hn::IfThenElse(Fix(d, x), hn::Set(d, kLo), x));
  }
  template <class D, class V>
  static auto Fix(D d, V x) {
    return hn::Not(hn::And(hn::Ge(x, hn::Set(d, kLo)), hn::Le(x, hn::Set(d, kHi))));
  }
  static bool ScalarFix(T x) { return !(x >= kLo && x <= kHi); }
  static T Scalar(T x) { return Op<prim>{}(x); }
};

#define COTANGENT_HWY_MATH(name)      \
  struct name##Fn {                   \
    template <class D, class V>       \
    V operator()(D d, V x) const {    \
      return hn::name(d, x);          \
    }                                 \
  };
COTANGENT_HWY_MATH(Exp)
COTANGENT_HWY_MATH(Expm1)
COTANGENT_HWY_MATH(Log)
COTANGENT_HWY_MATH(Log1p)
COTANGENT_HWY_MATH(Sin)
COTANGENT_HWY_MATH(Tanh)
#undef COTANGENT_HWY_MATH

// cos: Highway's polynomial gives 1 - 1 ulp at 0 (within its ulp, but cos(0) must be 1).
// Below 2^-13 (f32) or 2^-27 (f64), 1 - x^2/2 is within half an ulp of 1: cos x rounds to 1.
struct CosFn {
  template <class D, class V>
  V operator()(D d, V x) const {
    using T = hn::TFromD<D>;
    const V tiny = hn::Set(d, static_cast<T>(sizeof(T) == 4 ? 0x1p-13 : 0x1p-27));
    return hn::IfThenElse(hn::Lt(hn::Abs(x), tiny), hn::Set(d, T{1}), hn::Cos(d, x));
  }
};

// Neg, sign and abs: every numeric type.
template <typename T>
bool UnaryNumeric(Primitive prim, const T* x, T* o, size_t n) {
  using P = Primitive;
  switch (prim) {
    case P::kNeg: return UnaryLoop<NegV>(x, o, n), true;
    case P::kSign: return UnaryLoop<SignV>(x, o, n), true;
    case P::kAbs: return UnaryLoop<AbsV>(x, o, n), true;
    default: return false;  // floats only, or bool only
  }
}

template <typename T>
bool UnaryFloat(Primitive prim, const T* x, T* o, size_t n) {
  using P = Primitive;
  switch (prim) {
    case P::kSqrt: return UnaryLoop<SqrtV>(x, o, n), true;
    case P::kFloor: return UnaryLoop<FloorV>(x, o, n), true;
    case P::kExp: return UnaryLoop<MathV<P::kExp, kExpRange, ExpFn, T>>(x, o, n), true;
    case P::kExpm1: return UnaryLoop<MathV<P::kExpm1, kExpm1Range, Expm1Fn, T>>(x, o, n), true;
    case P::kLog: return UnaryLoop<MathV<P::kLog, kLogRange, LogFn, T>>(x, o, n), true;
    case P::kLog1p: return UnaryLoop<MathV<P::kLog1p, kLog1pRange, Log1pFn, T>>(x, o, n), true;
    case P::kSin: return UnaryLoop<MathV<P::kSin, kSinCosRange, SinFn, T>>(x, o, n), true;
    case P::kCos: return UnaryLoop<MathV<P::kCos, kSinCosRange, CosFn, T>>(x, o, n), true;
    case P::kTanh: return UnaryLoop<MathV<P::kTanh, kTanhRange, TanhFn, T>>(x, o, n), true;
    default: return UnaryNumeric(prim, x, o, n);
  }
}

bool UnaryF32(Primitive prim, const float* x, float* o, size_t n) {
  return UnaryFloat(prim, x, o, n);
}
bool UnaryF64(Primitive prim, const double* x, double* o, size_t n) {
  return UnaryFloat(prim, x, o, n);
}
bool UnaryI32(Primitive prim, const int32_t* x, int32_t* o, size_t n) {
  if (prim == Primitive::kNot) return UnaryLoop<NotV>(x, o, n), true;
  return UnaryNumeric(prim, x, o, n);
}
bool UnaryU8(Primitive prim, const uint8_t* x, uint8_t* o, size_t n) {
  if (prim != Primitive::kNot) return false;  // u8 arithmetic stays scalar (elementwise_ops.h)
  UnaryLoop<NotV>(x, o, n);
  return true;
}
bool UnaryBool(Primitive prim, const uint8_t* x, uint8_t* o, size_t n) {
  if (prim != Primitive::kNot) return false;
  UnaryLoop<BoolNotV>(x, o, n);
  return true;
}

// --- Binary and compare ops -------------------------------------------------------------------

struct SameType {  // the result has the operands' type
  template <class D, class V, typename T>
  static void Store(D d, V v, T* HWY_RESTRICT o, size_t count) {
    StorePart(d, v, o, count);
  }
};
struct BoolResult {  // the result is a mask, stored as bool bytes
  template <class D, class M>
  static void Store(D d, M m, uint8_t* HWY_RESTRICT o, size_t count) {
    StoreMaskBytes(d, m, o, count);
  }
};

// x != y, true when either is NaN. Not hn::Ne: Highway 1.0's AVX2/AVX-512 Ne is the ordered
// comparison (_CMP_NEQ_OQ), false for NaN.
template <class V>
HWY_INLINE auto NotEq(V x, V y) {
  return hn::Not(hn::Eq(x, y));
}

template <class D, class V>
HWY_INLINE auto LessEq(D, V x, V y) {
  if constexpr (hwy::IsFloat<hn::TFromD<D>>()) {
    return hn::Le(x, y);
  } else {
    return hn::Not(hn::Gt(x, y));
  }
}

#define COTANGENT_BINARY_V(name, base, expr) \
  struct name : base {                       \
    template <class D, class V>              \
    static auto Apply(D d, V x, V y) {       \
      (void)d;                               \
      return expr;                           \
    }                                        \
  };
// Vector integer lanes wrap modulo 2^32, as Op<prim>'s uint32_t arithmetic.
COTANGENT_BINARY_V(AddV, SameType, hn::Add(x, y))
COTANGENT_BINARY_V(SubV, SameType, hn::Sub(x, y))
COTANGENT_BINARY_V(MulV, SameType, x * y)
COTANGENT_BINARY_V(DivV, SameType, hn::Div(x, y))
// (x > y || x != x) ? x : y, and the mirror for min: NaN wins, ties give y.
COTANGENT_BINARY_V(MaxV, SameType, hn::IfThenElse(hn::Or(hn::Gt(x, y), NotEq(x, x)), x, y))
COTANGENT_BINARY_V(MinV, SameType, hn::IfThenElse(hn::Or(hn::Lt(x, y), NotEq(x, x)), x, y))
// Bitwise on integer lanes, and so logical on bool's 0 and 1.
COTANGENT_BINARY_V(AndV, SameType, hn::And(x, y))
COTANGENT_BINARY_V(OrV, SameType, hn::Or(x, y))
COTANGENT_BINARY_V(XorV, SameType, hn::Xor(x, y))
COTANGENT_BINARY_V(EqV, BoolResult, hn::Eq(x, y))
COTANGENT_BINARY_V(NeV, BoolResult, NotEq(x, y))
COTANGENT_BINARY_V(LtV, BoolResult, hn::Lt(x, y))
// Highway 1.0 has Le/Ge for floats only; on integers (no NaN) x <= y is !(x > y).
COTANGENT_BINARY_V(LeV, BoolResult, LessEq(d, x, y))
COTANGENT_BINARY_V(GtV, BoolResult, hn::Gt(x, y))
COTANGENT_BINARY_V(GeV, BoolResult, LessEq(d, y, x))
#undef COTANGENT_BINARY_V

template <class Op, typename T, typename O>
void Binary(const T* x, bool bx, const T* y, bool by, O* o, size_t n) {
  if (!bx && !by) return BinaryLoop<Op, T, O, false, false>(x, y, o, n);
  if (!bx && by) return BinaryLoop<Op, T, O, false, true>(x, y, o, n);
  if (bx && !by) return BinaryLoop<Op, T, O, true, false>(x, y, o, n);
  BinaryLoop<Op, T, O, true, true>(x, y, o, n);
}

// The primitives every numeric type shares: arithmetic that wraps or rounds, max/min, compare.
// Division is here for floats only (i32 division has XLA's special cases: scalar).
template <typename T>
bool BinaryNumeric(Primitive prim, const T* x, bool bx, const T* y, bool by, void* o, size_t n) {
  using P = Primitive;
  T* ot = static_cast<T*>(o);
  uint8_t* ob = static_cast<uint8_t*>(o);
  switch (prim) {
    case P::kAdd: return Binary<AddV>(x, bx, y, by, ot, n), true;
    case P::kSub: return Binary<SubV>(x, bx, y, by, ot, n), true;
    case P::kMul: return Binary<MulV>(x, bx, y, by, ot, n), true;
    case P::kDiv:
      if constexpr (hwy::IsFloat<T>()) {
        return Binary<DivV>(x, bx, y, by, ot, n), true;
      } else {
        return false;
      }
    case P::kMax: return Binary<MaxV>(x, bx, y, by, ot, n), true;
    case P::kMin: return Binary<MinV>(x, bx, y, by, ot, n), true;
    case P::kEq: return Binary<EqV>(x, bx, y, by, ob, n), true;
    case P::kNe: return Binary<NeV>(x, bx, y, by, ob, n), true;
    case P::kLt: return Binary<LtV>(x, bx, y, by, ob, n), true;
    case P::kLe: return Binary<LeV>(x, bx, y, by, ob, n), true;
    case P::kGt: return Binary<GtV>(x, bx, y, by, ob, n), true;
    case P::kGe: return Binary<GeV>(x, bx, y, by, ob, n), true;
    default: return false;  // pow (libm), and the bool-only primitives
  }
}

bool BinaryF32(Primitive prim, const float* x, bool bx, const float* y, bool by, void* o,
               size_t n) {
  return BinaryNumeric(prim, x, bx, y, by, o, n);
}
bool BinaryF64(Primitive prim, const double* x, bool bx, const double* y, bool by, void* o,
               size_t n) {
  return BinaryNumeric(prim, x, bx, y, by, o, n);
}
// and, or, xor: the integer lanes' bitwise ops (i32, and u8's and bool's bytes).
template <typename T>
bool BinaryBitwise(Primitive prim, const T* x, bool bx, const T* y, bool by, T* o, size_t n) {
  switch (prim) {
    case Primitive::kAnd: return Binary<AndV>(x, bx, y, by, o, n), true;
    case Primitive::kOr: return Binary<OrV>(x, bx, y, by, o, n), true;
    case Primitive::kXor: return Binary<XorV>(x, bx, y, by, o, n), true;
    default: return false;
  }
}

bool BinaryI32(Primitive prim, const int32_t* x, bool bx, const int32_t* y, bool by, void* o,
               size_t n) {
  return BinaryBitwise(prim, x, bx, y, by, static_cast<int32_t*>(o), n) ||
         BinaryNumeric(prim, x, bx, y, by, o, n);
}
bool BinaryU8(Primitive prim, const uint8_t* x, bool bx, const uint8_t* y, bool by, void* o,
              size_t n) {
  // u8 arithmetic, bool max/min and byte compares stay scalar (elementwise_ops.h).
  return BinaryBitwise(prim, x, bx, y, by, static_cast<uint8_t*>(o), n);
}

// --- Select and convert -----------------------------------------------------------------------

// The bool bytes p[0, lanes) as a mask of d's lanes (p[i] != 0).
template <class D>
HWY_INLINE auto LoadMaskBytes(D d, const uint8_t* HWY_RESTRICT p) {
  const hn::Rebind<uint8_t, D> d8;
  const hn::Rebind<int32_t, D> di;
  const auto wide = hn::PromoteTo(di, hn::LoadU(d8, p));  // one 32-bit lane per byte
  if constexpr (sizeof(hn::TFromD<D>) == 4) {
    return hn::RebindMask(d, hn::Ne(wide, hn::Zero(di)));
  } else {
    const hn::RebindToFloat<D> df;
    return hn::RebindMask(d, hn::Ne(hn::PromoteTo(df, wide), hn::Zero(df)));
  }
}

template <typename T>
void SelectLoop(const uint8_t* HWY_RESTRICT p, const T* HWY_RESTRICT x, const T* HWY_RESTRICT y,
                T* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::IfThenElse(LoadMaskBytes(d, p + i), hn::LoadU(d, x + i), hn::LoadU(d, y + i)),
               d, o + i);
  }
  for (; i < n; ++i) o[i] = p[i] != 0 ? x[i] : y[i];  // fewer than one vector: plain copies
}
bool SelectF32(const uint8_t* p, const uint32_t* x, const uint32_t* y, uint32_t* o, size_t n) {
  return SelectLoop(p, x, y, o, n), true;  // 32-bit elements as bits: f32 and i32
}
bool SelectF64(const uint8_t* p, const uint64_t* x, const uint64_t* y, uint64_t* o, size_t n) {
  return SelectLoop(p, x, y, o, n), true;
}

// f32 <-> f64 and i32 -> f32/f64: the conversions with one exact vector instruction (float to
// i32 saturates and maps NaN to 0, bool is != 0: those stay scalar).
template <typename From, typename To>
void ConvertLoop(const From* HWY_RESTRICT x, To* HWY_RESTRICT o, size_t n) {
  using Wide = std::conditional_t<(sizeof(From) > sizeof(To)), From, To>;
  const hn::ScalableTag<Wide> dw;
  const hn::Rebind<From, decltype(dw)> df;
  const hn::Rebind<To, decltype(dw)> dt;
  const size_t lanes = hn::Lanes(dw);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(df, x + i);
    if constexpr (sizeof(From) == sizeof(To)) {
      hn::StoreU(hn::ConvertTo(dt, v), dt, o + i);
    } else if constexpr (sizeof(From) < sizeof(To)) {
      hn::StoreU(hn::PromoteTo(dt, v), dt, o + i);
    } else {
      hn::StoreU(hn::DemoteTo(dt, v), dt, o + i);
    }
  }
  for (; i < n; ++i) o[i] = static_cast<To>(x[i]);  // the same rounding, one element at a time
}
// f32 <-> f16 and bf16, rounding to nearest even as core/dtype.cc does, which the scalar tails
// call. f16 uses F16C (x86 AVX2 and up: vcvtps2ph rounds to nearest even, vcvtph2ps is exact);
// Highway's lower targets truncate, so there the scalar loop runs. bf16 is integer arithmetic
// on the bits on every target: add 0x7fff plus the kept last bit, shift; NaN stays quiet.
constexpr bool kF16c = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2;

void F32ToF16(const float* HWY_RESTRICT x, uint16_t* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  auto* h = reinterpret_cast<hwy::float16_t*>(o);
  const size_t lanes = hn::Lanes(df);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::DemoteTo(dh, hn::LoadU(df, x + i)), dh, h + i);
  for (; i < n; ++i) o[i] = RoundFloatToF16Bits(x[i]);
}
void F16ToF32(const uint16_t* HWY_RESTRICT x, float* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<hwy::float16_t, decltype(df)> dh;
  const auto* h = reinterpret_cast<const hwy::float16_t*>(x);
  const size_t lanes = hn::Lanes(df);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, h + i)), df, o + i);
  for (; i < n; ++i) o[i] = F16BitsToFloat(x[i]);
}
void F32ToBF16(const float* HWY_RESTRICT x, uint16_t* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<uint16_t, decltype(df)> d16;
  const size_t lanes = hn::Lanes(df);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto bits = hn::BitCast(du, hn::LoadU(df, x + i));
    const auto odd = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 1));
    const auto rounded = hn::ShiftRight<16>(hn::Add(hn::Add(bits, hn::Set(du, 0x7fff)), odd));
    const auto nan = hn::Gt(hn::And(bits, hn::Set(du, 0x7fffffff)), hn::Set(du, 0x7f800000));
    const auto quiet = hn::Or(hn::ShiftRight<16>(bits), hn::Set(du, 0x40));
    const auto r = hn::BitCast(di, hn::IfThenElse(nan, quiet, rounded));  // in [0, 0xffff]
    hn::StoreU(hn::DemoteTo(d16, r), d16, o + i);
  }
  for (; i < n; ++i) o[i] = RoundFloatToBF16Bits(x[i]);
}
void BF16ToF32(const uint16_t* HWY_RESTRICT x, float* HWY_RESTRICT o, size_t n) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::Rebind<uint16_t, decltype(df)> d16;
  const size_t lanes = hn::Lanes(df);
  size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto wide = hn::ShiftLeft<16>(hn::PromoteTo(du, hn::LoadU(d16, x + i)));
    hn::StoreU(hn::BitCast(df, wide), df, o + i);
  }
  for (; i < n; ++i) o[i] = BF16BitsToFloat(x[i]);
}

bool Convert(DType from, DType to, const void* x, void* o, size_t n) {
  if (from == DType::kF32 && to == DType::kBF16) {
    return F32ToBF16(static_cast<const float*>(x), static_cast<uint16_t*>(o), n), true;
  }
  if (from == DType::kBF16 && to == DType::kF32) {
    return BF16ToF32(static_cast<const uint16_t*>(x), static_cast<float*>(o), n), true;
  }
  if (kF16c && from == DType::kF32 && to == DType::kF16) {
    return F32ToF16(static_cast<const float*>(x), static_cast<uint16_t*>(o), n), true;
  }
  if (kF16c && from == DType::kF16 && to == DType::kF32) {
    return F16ToF32(static_cast<const uint16_t*>(x), static_cast<float*>(o), n), true;
  }
#if HWY_TARGET == HWY_SCALAR
  // Highway's scalar DemoteTo clamps ±inf to the largest float: not a C++ conversion.
  if (from == DType::kF64 && to == DType::kF32) return false;
#endif
  if (from == DType::kF32 && to == DType::kF64) {
    return ConvertLoop(static_cast<const float*>(x), static_cast<double*>(o), n), true;
  }
  if (from == DType::kF64 && to == DType::kF32) {
    return ConvertLoop(static_cast<const double*>(x), static_cast<float*>(o), n), true;
  }
  if (from == DType::kI32 && to == DType::kF32) {
    return ConvertLoop(static_cast<const int32_t*>(x), static_cast<float*>(o), n), true;
  }
  if (from == DType::kI32 && to == DType::kF64) {
    return ConvertLoop(static_cast<const int32_t*>(x), static_cast<double*>(o), n), true;
  }
  return false;
}

}  // namespace HWY_NAMESPACE
}  // namespace cotangent::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace cotangent::cpu {

HWY_EXPORT(UnaryF32);
HWY_EXPORT(UnaryF64);
HWY_EXPORT(UnaryI32);
HWY_EXPORT(UnaryU8);
HWY_EXPORT(UnaryBool);
HWY_EXPORT(BinaryF32);
HWY_EXPORT(BinaryF64);
HWY_EXPORT(BinaryI32);
HWY_EXPORT(BinaryU8);
HWY_EXPORT(SelectF32);
HWY_EXPORT(SelectF64);
HWY_EXPORT(Convert);

bool SimdUnary(Primitive prim, DType dtype, const void* x, void* o, int64_t n) {
  switch (dtype) {
    case DType::kF32:
      return HWY_DYNAMIC_DISPATCH(UnaryF32)(prim, static_cast<const float*>(x),
                                            static_cast<float*>(o), n);
    case DType::kF64:
      return HWY_DYNAMIC_DISPATCH(UnaryF64)(prim, static_cast<const double*>(x),
                                            static_cast<double*>(o), n);
    case DType::kI32:
      return HWY_DYNAMIC_DISPATCH(UnaryI32)(prim, static_cast<const int32_t*>(x),
                                            static_cast<int32_t*>(o), n);
    case DType::kBool:
      return HWY_DYNAMIC_DISPATCH(UnaryBool)(prim, static_cast<const uint8_t*>(x),
                                             static_cast<uint8_t*>(o), n);
    case DType::kU8:
      return HWY_DYNAMIC_DISPATCH(UnaryU8)(prim, static_cast<const uint8_t*>(x),
                                           static_cast<uint8_t*>(o), n);
    case DType::kU32:
    case DType::kI64:
      return false;  // scalar kernels (elementwise_ops.h)
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:
    case DType::kBF16:
      return false;  // computed in f32 (core/eval.h RunEquation)
  }
  return false;
}

bool SimdBinary(Primitive prim, DType dtype, const void* x, bool bx, const void* y, bool by,
                void* o, int64_t n) {
  switch (dtype) {
    case DType::kF32:
      return HWY_DYNAMIC_DISPATCH(BinaryF32)(prim, static_cast<const float*>(x), bx,
                                             static_cast<const float*>(y), by, o, n);
    case DType::kF64:
      return HWY_DYNAMIC_DISPATCH(BinaryF64)(prim, static_cast<const double*>(x), bx,
                                             static_cast<const double*>(y), by, o, n);
    case DType::kI32:
      return HWY_DYNAMIC_DISPATCH(BinaryI32)(prim, static_cast<const int32_t*>(x), bx,
                                             static_cast<const int32_t*>(y), by, o, n);
    case DType::kBool:
    case DType::kU8:  // and, or, xor on the bytes of both
      return HWY_DYNAMIC_DISPATCH(BinaryU8)(prim, static_cast<const uint8_t*>(x), bx,
                                            static_cast<const uint8_t*>(y), by, o, n);
    case DType::kU32:
    case DType::kI64:
      return false;  // scalar kernels (elementwise_ops.h)
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:
    case DType::kBF16:
      return false;  // computed in f32 (core/eval.h RunEquation)
  }
  return false;
}

bool SimdSelect(DType dtype, const uint8_t* p, const void* x, const void* y, void* o,
                int64_t n) {
  switch (dtype) {
    case DType::kF32:
    case DType::kI32:
    case DType::kU32:
      return HWY_DYNAMIC_DISPATCH(SelectF32)(p, static_cast<const uint32_t*>(x),
                                             static_cast<const uint32_t*>(y),
                                             static_cast<uint32_t*>(o), n);
    case DType::kF64:
    case DType::kI64:
      return HWY_DYNAMIC_DISPATCH(SelectF64)(p, static_cast<const uint64_t*>(x),
                                             static_cast<const uint64_t*>(y),
                                             static_cast<uint64_t*>(o), n);
    case DType::kBool:
    case DType::kU8:
    case DType::kC64:  // computed as real pairs (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:  // computed in f32 (core/eval.h RunEquation)
    case DType::kBF16:
      return false;
  }
  return false;
}

bool SimdConvert(DType from, DType to, const void* x, void* o, int64_t n) {
  return HWY_DYNAMIC_DISPATCH(Convert)(from, to, x, o, n);
}

const SimdMathRange* SimdMath(Primitive prim) {
  switch (prim) {
    case Primitive::kExp: return &kExpRange;
    case Primitive::kExpm1: return &kExpm1Range;
    case Primitive::kLog: return &kLogRange;
    case Primitive::kLog1p: return &kLog1pRange;
    case Primitive::kSin:
    case Primitive::kCos: return &kSinCosRange;
    case Primitive::kTanh: return &kTanhRange;
    default: return nullptr;
  }
}

}  // namespace cotangent::cpu
#endif  // HWY_ONCE
