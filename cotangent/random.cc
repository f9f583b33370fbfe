// File: cotangent/random.cc
// Threefry-2x32 and the samplers of cotangent/random.h as programs of u32 and float primitives,
// so that keys trace like any tensor. Each sampler runs compiled (one jit per sampler, keyed by
// its static arguments), as JAX jits its own: threefry is some 130 elementwise operations that
// fuse into one kernel, where eagerly they would be 130 dispatches. Each function cites the JAX
// (jax/_src/prng.py, random.py) or XLA (xla/client/lib/math.cc) definition it reproduces: bit
// for bit for the integer results and uniform, to the last float rounding for the others
// (docs/reference.md says which).

#include "cotangent/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/host_memory.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/cumulative.h"
#include "cotangent/indexing.h"
#include "cotangent/jit.h"
#include "cotangent/numpy.h"
#include "cotangent/random_internal.h"
#include "cotangent/sorting.h"
#include "cotangent/special.h"

namespace cotangent::random {

using internal::CheckFloatSampler;
using internal::CheckSampleShape;
using internal::CheckSingleKey;
using internal::Compiled;
using internal::Exponential;
using internal::Normal;
using internal::Rademacher;
using internal::SplitData;
using internal::Uniform;

namespace {

// Largest count JAX hashes in one threefry_2x32 call: iinfo(uint32).max.
constexpr int64_t kMaxBlock = 0xFFFFFFFFll;

// Throws unless lo < hi (NaN included), naming both bounds.
void CheckOrdered(const char* op, const char* lo_name, double lo, const char* hi_name, double hi) {
  if (!(lo < hi)) {
    ThrowInvalid(op, ": ", lo_name, " must be less than ", hi_name, ", got ", lo_name, "=", lo, " ",
                 hi_name, "=", hi);
  }
}

// Threefry-2x32 with 20 rounds, as JAX's _threefry2x32_lowering: key schedule (k0, k1,
// k0 ^ k1 ^ 0x1BD11BDA), a key injection every 4 rounds (plus the injection count in word 1),
// rotations 13, 15, 26, 6 and 17, 29, 16, 24 alternating. Additions wrap modulo 2^32.
std::pair<Tensor, Tensor> Threefry(const Tensor& data, Tensor x0, Tensor x1) {
  static constexpr int kRotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const Tensor k0 = data[0], k1 = data[1];
  const Tensor ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  x0 = x0 + ks[0];
  x1 = x1 + ks[1];
  for (uint32_t i = 0; i < 5; ++i) {
    for (int r : kRotations[i % 2]) {
      x0 = x0 + x1;
      x1 = ((x1 << r) | (x1 >> (32 - r))) ^ x0;
    }
    x0 = x0 + ks[(i + 1) % 3];
    x1 = x1 + ks[(i + 2) % 3] + (i + 1);
  }
  return {x0, x1};
}

// JAX's classic threefry_2x32(key, iota(n)) for n < 2^32: the counts, padded with one 0 when n
// is odd, are cut into halves c[:m/2], c[m/2:] that are hashed pairwise, and the two output
// halves are concatenated (dropping the pad). So word i and word i + m/2 come from one block.
Tensor HashIota(const Tensor& data, int64_t n) {
  const int64_t half = (n + 1) / 2;
  const Tensor x0 = arange(half, u32);
  Tensor x1 = arange(n - half, u32) + half;
  if (n % 2 == 1) x1 = lax::concatenate({x1, zeros({1}, u32)}, 0);
  const auto [y0, y1] = Threefry(data, x0, x1);
  return lax::slice(lax::concatenate({y0, y1}, 0), {0}, {n});
}

// JAX's _threefry_random_bits_original for count 32-bit words: one HashIota of the key, or, past
// 2^32 - 1 words, blocks of 2^32 - 1 words hashed under keys split from it.
Tensor Words(const Tensor& data, int64_t count) {
  const int64_t nblocks = count / kMaxBlock, rem = count % kMaxBlock;
  if (nblocks == 0) return HashIota(data, rem);
  const Tensor keys = SplitData(data, nblocks + 1);
  std::vector<Tensor> blocks;
  for (int64_t b = 0; b <= nblocks; ++b) {
    blocks.push_back(HashIota(keys[b], b < nblocks ? kMaxBlock : rem));
  }
  return lax::concatenate(blocks, 0);
}

// JAX's _random_bits of width 8, 32 or 64 for n values, flat: u8 views the ceil(n / 4) hashed
// words as little-endian bytes (byte j of word i is value 4i + j); u32 is the words; the 64-bit
// value i pairs word i (high half) with word n + i (low half) of 2n words, as i64 bits (the
// same bits as JAX's uint64, which Cotangent has no dtype for).
Tensor RandomBits(const Tensor& data, int bit_width, int64_t n) {
  if (bit_width == 32) return Words(data, n);
  if (bit_width == 64) {
    const Tensor words = lax::convert_element_type(Words(data, 2 * n), i64);
    return (lax::slice(words, {0}, {n}) << 32) | lax::slice(words, {n}, {2 * n});
  }
  const int per_word = 32 / bit_width;
  const int64_t count = (n + per_word - 1) / per_word;
  const Tensor words = Words(data, count);
  std::vector<Tensor> pieces;
  for (int j = 0; j < per_word; ++j) {
    const Tensor piece = words >> (bit_width * j);
    pieces.push_back(bit_width == 8 ? lax::convert_element_type(piece, u8) : piece & 0xFFFF);
  }
  return lax::slice(reshape(stack(pieces, 1), {per_word * count}), {0}, {n});
}

// p(w) by Horner's rule, p = c[0], p = c[i] + p * w: XLA's evaluation order.
Tensor Horner(const std::vector<double>& c, const Tensor& w) {
  Tensor p = full_like(w, c[0]);
  for (size_t i = 1; i < c.size(); ++i) p = p * w + c[i];
  return p;
}

// XLA's ErfInv32 (single precision): w = -log(1 - x^2); for w < 5 a degree-8 polynomial in
// w - 2.5, else in sqrt(w) - 3; erfinv(x) = p(w) * x, and erfinv(+-1) = +-FLT_MAX.
Tensor XlaErfInv32(const Tensor& x) {
  static const std::vector<double> kLessThan5 = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
                                                 -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
                                                 -0.00417768164f,  0.246640727f,    1.50140941f};
  static const std::vector<double> kGreaterThan5 = {
      -0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
      -0.0076224613f,   0.00943887047f,  1.00167406f,    2.83297682f};
  const Tensor w = -log1p(-x * x);
  const Tensor lt = w < 5.0;
  const Tensor p = where(lt, Horner(kLessThan5, w - 2.5), Horner(kGreaterThan5, sqrt(w) - 3.0));
  return where(abs(x) == 1.0, x * std::numeric_limits<float>::max(), p * x);
}

// XLA's ErfInv64: three ranges of w = -log(1 - x^2) (< 6.25, < 16, else) with polynomials of
// degree 22, 18 and 16 in w - 3.125, sqrt(w) - 3.25 and sqrt(w) - 5.
Tensor XlaErfInv64(const Tensor& x) {
  static const std::vector<double> kLessThan6_25 = {
      -3.6444120640178196996e-21, -1.685059138182016589e-19,  1.2858480715256400167e-18,
      1.115787767802518096e-17,   -1.333171662854620906e-16,  2.0972767875968561637e-17,
      6.6376381343583238325e-15,  -4.0545662729752068639e-14, -8.1519341976054721522e-14,
      2.6335093153082322977e-12,  -1.2975133253453532498e-11, -5.4154120542946279317e-11,
      1.051212273321532285e-09,   -4.1126339803469836976e-09, -2.9070369957882005086e-08,
      4.2347877827932403518e-07,  -1.3654692000834678645e-06, -1.3882523362786468719e-05,
      0.0001867342080340571352,   -0.00074070253416626697512, -0.0060336708714301490533,
      0.24015818242558961693,     1.6536545626831027356};
  static const std::vector<double> kLessThan16 = {
      2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
      1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
      2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
      6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
      0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
      -0.0037512085075692412107, 0.005370914553590063617,   1.0052589676941592334,
      3.0838856104922207635};
  static const std::vector<double> kGreaterThan16 = {
      -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
      -3.7894654401267369937e-09, 7.6157012080783393804e-09,  -1.4960026627149240478e-08,
      2.9147953450901080826e-08,  -6.7711997758452339498e-08, 2.2900482228026654717e-07,
      -9.9298272942317002539e-07, 4.5260625972231537039e-06,  -1.9681778105531670567e-05,
      7.5995277030017761139e-05,  -0.00021503011930044477347, -0.00013871931833623122026,
      1.0103004648645343977,      4.8499064014085844221};
  const Tensor w = -log1p(-x * x);
  const Tensor p = where(
      w < 6.25, Horner(kLessThan6_25, w - 3.125),
      where(w < 16.0, Horner(kLessThan16, sqrt(w) - 3.25), Horner(kGreaterThan16, sqrt(w) - 5.0)));
  return where(abs(x) == 1.0, x * std::numeric_limits<double>::max(), p * x);
}

}  // namespace

namespace internal {

// Throws unless key is one defined key (shape []).
void CheckSingleKey(const char* op, const Key& key) {
  if (!key.defined()) ThrowInvalid(op, ": the key is undefined");
  if (!key.shape().empty()) {
    ThrowInvalid(op, ": expected a single key, got a key array of shape ",
                 ShapeToString(key.shape()), " (vmap over its keys instead)");
  }
}

// Throws as CheckShape for a shape that cannot exist, and ResourceExhausted when the words it
// needs (8 bytes per element at most) cannot fit in memory.
void CheckSampleShape(const char* op, const Shape& shape, DType dtype) {
  CheckShape(op, ShapedArray{shape, dtype});
  ThrowIfError(CheckAllocationSize(op, CheckedMul(NumElements(shape), 16).value_or(INT64_MAX)));
}

// The checks of a floating sampler: one key, a shape that can exist, a float dtype (f16 and
// bf16 only where `halves`).
void CheckFloatSampler(const char* op, const Key& key, const Shape& shape, DType dtype,
                       bool halves) {
  CheckSingleKey(op, key);
  CheckSampleShape(op, shape, dtype);
  if (!IsFloating(dtype)) {
    ThrowInvalid(op, ": dtype must be ", halves ? "f16, bf16, " : "", "f32 or f64, got ",
                 DTypeName(dtype));
  }
  if (IsHalfFloat(dtype) && !halves) {
    ThrowInvalid(op, ": draws f32 or f64, not ", DTypeName(dtype),
                 " (draw f32 and astype; uniform, normal, gumbel, truncated_normal, exponential, "
                 "cauchy, laplace, logistic, lognormal, rayleigh, wald and triangular draw f16 "
                 "and bf16 as JAX does)");
  }
}

// JAX's _threefry_split_original: threefry_2x32(key, iota(2n)) reshaped to (n, 2).
Tensor SplitData(const Tensor& data, int64_t n) { return reshape(Words(data, 2 * n), {n, 2}); }

// JAX's _uniform in float precision: the top mantissa bits of the words (23 of one u32 word for
// f32, 52 of a 64-bit word for f64, 10 or 7 of a 16-bit word for f16 or bf16, which are the
// u32 words' little-endian halves) as the fraction m / 2^bits, which is exactly JAX's
// bitcast(bits >> (width - mantissa) | bits of 1.0) - 1 (both exact), then an affine map to
// [minval, maxval) clamped below by minval, all in the dtype as XLA computes it. The f64 word i
// is word i (high half) and word n + i (low half) of 2n hashed words (random_bits of width 64).
Tensor Uniform(const Tensor& data, const Shape& shape, DType dtype, double minval, double maxval) {
  const int64_t n = NumElements(shape);
  Tensor fraction;
  const int mantissa = finfo(dtype).fraction_bits;
  if (dtype == f64) {
    const Tensor word = RandomBits(data, 64, n);
    fraction = lax::convert_element_type(lax::shift_right_logical(word, full_like(word, 12)), f64);
  } else {
    const int width = IsHalfFloat(dtype) ? 16 : 32;
    fraction = lax::convert_element_type(RandomBits(data, width, n) >> (width - mantissa), dtype);
  }
  fraction = fraction * std::ldexp(1.0, -mantissa);
  // The bounds and their difference in the dtype's arithmetic.
  minval = ValueIn(dtype, minval);
  const double span = ValueIn(dtype, ValueIn(dtype, maxval) - minval);
  return reshape(maximum(fraction * span + minval, minval), shape);
}

// JAX's _normal_real: u uniform in [nextafter(-1, 0), 1), so erfinv(u) is finite, and
// normal = sqrt(2) * erfinv(u), since the standard normal CDF is (1 + erf(z / sqrt(2))) / 2.
Tensor Normal(const Tensor& data, const Shape& shape, DType dtype) {
  // nextafter(-1, 0): below 1 the dtype's values are eps / 2 apart.
  const double lo = -1.0 + finfo(dtype).eps / 2;
  return internal::XlaErfInv(Uniform(data, shape, dtype, lo, 1.0)) * std::numbers::sqrt2;
}

// JAX's _exponential: -log1p(-u), u uniform in [0, 1).
Tensor Exponential(const Tensor& data, const Shape& shape, DType dtype) {
  return -log1p(-Uniform(data, shape, dtype, 0.0, 1.0));
}

// JAX's _rademacher: 2 bernoulli(key, 0.5) - 1 in dtype.
Tensor Rademacher(const Tensor& data, const Shape& shape, DType dtype) {
  return lax::convert_element_type(Uniform(data, shape, f32, 0.0, 1.0) < 0.5, dtype) * 2 - 1;
}

Tensor XlaErfInv(const Tensor& x) {
  if (!x.defined() || !IsFloating(x.dtype())) {
    ThrowInvalid("XlaErfInv: expected f32 or f64, got ",
                 x.defined() ? x.aval().ToString() : "an undefined tensor");
  }
  if (IsHalfFloat(x.dtype())) {  // as XLA: in f32, rounded to the dtype
    return lax::convert_element_type(XlaErfInv32(lax::convert_element_type(x, f32)), x.dtype());
  }
  return x.dtype() == f64 ? XlaErfInv64(x) : XlaErfInv32(x);
}

}  // namespace internal

namespace {

// Gumbel(0, 1) by inversion, -log(-log(u)) with u in [tiny, 1) so that log(u) is finite.
Tensor Gumbel(const Tensor& data, const Shape& shape, DType dtype) {
  return -log(-log(Uniform(data, shape, dtype, finfo(dtype).tiny, 1.0)));
}

// JAX's _shuffle of x along axis: ceil(3 ln(size) / ln(2^32 - 1)) rounds (enough that the
// 32-bit sort keys of all pairs differ in some round with high probability); each round splits
// off a subkey and stably sorts x along axis by random_bits(subkey, 32, x.shape).
Tensor Shuffle(const Tensor& data, Tensor x, int64_t axis) {
  const int rounds = static_cast<int>(
      std::ceil(3.0 * std::log(static_cast<double>(std::max<int64_t>(1, x.size()))) /
                std::log(4294967295.0)));
  Tensor k = data;
  for (int r = 0; r < rounds; ++r) {
    const Tensor keys = SplitData(k, 2);
    k = keys[0];
    x = sort_key_val(reshape(Words(keys[1], x.size()), x.shape()), x, axis).second;
  }
  return x;
}

// x mod s, unsigned: x holds uint64 bits in an i64 tensor (Cotangent has no uint64 dtype). For
// s >= 2^63, x < 2s, so one subtraction where x >= s (unsigned: the signed order of x ^ 2^63).
// Below, the signed rem of the halved x (logical shift: non-negative), doubled back with x's
// low bit, is 2 (floor(x / 2) mod s) + (x & 1) < 2s, so again at most one subtraction of s.
// Sums and products wrap modulo 2^64 in i64 as in uint64. As XLA, x rem 0 is x.
Tensor RemU64(const Tensor& x, uint64_t s) {
  if (s == 0) return x;
  constexpr uint64_t kTop = uint64_t{1} << 63;
  const auto c = [&](uint64_t v) { return full_like(x, static_cast<int64_t>(v)); };
  Tensor r = x;
  if (s < kTop) {
    const Tensor half = lax::rem(lax::shift_right_logical(x, c(1)), c(s));
    r = (half << 1) | (x & 1);
  }
  return lax::select(lax::ge(r ^ c(kTop), c(s ^ kTop)), r - c(s), r);
}

// JAX's _randint for a dtype of `width` bits with unsigned counterpart `unsigned_dtype`: the
// bounds, clipped to [lo, hi] of the dtype, give the span (hi - lo, 1 when maxval <= minval,
// one more when maxval is past the dtype's maximum, wrapping to 0 = no reduction at 2^width)
// and multiplier = 2^width mod span, computed as JAX does in the unsigned dtype, ((2^(width/2)
// mod span)^2 mod 2^width) mod span; the value is (higher mod span * multiplier + lower mod
// span) mod span over two words of keys split from the key, plus lo. The 8- and 32-bit words
// are u32 tensors; i64's 64-bit words are i64 tensors whose remainders are RemU64's.
Tensor Randint(const Tensor& data, const Shape& shape, int64_t minval, int64_t maxval,
               DType dtype) {
  const int width = dtype == u8 ? 8 : dtype == i64 ? 64 : 32;
  const int64_t dtype_lo = dtype == i32   ? std::numeric_limits<int32_t>::min()
                           : dtype == i64 ? std::numeric_limits<int64_t>::min()
                                          : 0;
  const int64_t dtype_hi = dtype == u8    ? 0xFF
                           : dtype == i32 ? std::numeric_limits<int32_t>::max()
                           : dtype == i64 ? std::numeric_limits<int64_t>::max()
                                          : 0xFFFFFFFFll;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  const int64_t lo = std::clamp(minval, dtype_lo, dtype_hi);
  const int64_t hi = std::clamp(maxval, dtype_lo, dtype_hi);
  uint64_t span = (static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)) & mask;
  if (hi <= lo) span = 1;
  if (maxval > dtype_hi && hi > lo) span = (span + 1) & mask;
  const auto rem = [](uint64_t a, uint64_t b) { return b == 0 ? a : a % b; };  // XLA: a rem 0 = a
  uint64_t multiplier = rem((uint64_t{1} << (width / 2)) & mask, span);
  multiplier = rem((multiplier * multiplier) & mask, span);
  const int64_t n = NumElements(shape);
  const Tensor keys = SplitData(data, 2);
  const Tensor higher = RandomBits(keys[0], width, n), lower = RandomBits(keys[1], width, n);
  const auto mod_span = [&](const Tensor& x) {
    if (width == 64) return RemU64(x, span);
    return lax::rem(x, full_like(x, static_cast<double>(span)));
  };
  const Tensor mult = full_like(higher, static_cast<int64_t>(multiplier));
  const Tensor offset = mod_span(mod_span(higher) * mult + mod_span(lower));
  return reshape(lax::convert_element_type(offset, dtype) + lo, shape);
}

}  // namespace

Key::Key(Tensor data) : data_(std::move(data)) {
  if (!data_.defined()) ThrowInvalid("Key: the key data is an undefined tensor");
  if (data_.dtype() != u32 || data_.ndim() == 0 || data_.shape().back() != 2) {
    ThrowInvalid("Key: key data must be u32[..., 2], got ", data_.aval().ToString());
  }
}

Shape Key::shape() const {
  if (!data_.defined()) return {};
  const Shape& s = data_.shape();
  return Shape(s.begin(), s.end() - 1);
}

Key Key::operator[](int64_t i) const {
  if (shape().empty()) ThrowInvalid("Key: cannot index a single key");
  return Key(data_[i]);
}

std::ostream& operator<<(std::ostream& os, const Key& key) { return os << key.data(); }

// JAX's threefry_seed: k1 = seed >> 32, k2 = seed & 0xFFFFFFFF.
Key key(uint64_t seed) {
  return Key(from_vector(std::vector<uint32_t>{static_cast<uint32_t>(seed >> 32),
                                               static_cast<uint32_t>(seed & 0xFFFFFFFFu)},
                         {2}));
}

Key key(const Tensor& seed) {
  if (!seed.defined()) ThrowInvalid("key: the seed is an undefined tensor");
  if (!IsInteger(seed.dtype()) || seed.ndim() != 0) {
    ThrowInvalid("key: the seed must be an integer scalar, got ", seed.aval().ToString());
  }
  const Tensor hi = lax::shift_right_logical(seed, full({}, 32, seed.dtype()));
  return Key(stack({lax::convert_element_type(hi, u32), lax::convert_element_type(seed, u32)}));
}

Key split(const Key& key, int n) {
  CheckSingleKey("split", key);
  if (n < 0) ThrowInvalid("split: n must be non-negative, got ", n);
  static const auto& compiled = Compiled(
      [](const Key& k, int count) { return Key(SplitData(k.data(), count)); }, "split", {1});
  return compiled(key, n);
}

Key fold_in(const Key& key, uint32_t data) {
  return fold_in(key, from_vector<uint32_t>({data}, {}));
}

// JAX's _threefry_fold_in: threefry_2x32(key, threefry_seed(data)) = the hash of the block
// (0, data), whose two output words are the new key.
Key fold_in(const Key& key, const Tensor& data) {
  CheckSingleKey("fold_in", key);
  if (!data.defined() || !IsInteger(data.dtype()) || data.ndim() != 0) {
    ThrowInvalid("fold_in: data must be an integer scalar, got ",
                 data.defined() ? data.aval().ToString() : "an undefined tensor");
  }
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& d) {
        const auto [y0, y1] = Threefry(k.data(), zeros({}, u32), lax::convert_element_type(d, u32));
        return Key(stack({y0, y1}));
      },
      "fold_in", {});
  return compiled(key, data);
}

std::pair<Tensor, Tensor> threefry2x32(const Key& key, const Tensor& x0, const Tensor& x1) {
  CheckSingleKey("threefry2x32", key);
  if (!x0.defined() || !x1.defined() || x0.dtype() != u32 || x1.dtype() != u32 ||
      x0.shape() != x1.shape()) {
    ThrowInvalid("threefry2x32: the counters must be u32 of one shape, got ",
                 x0.defined() ? x0.aval().ToString() : "undefined", " and ",
                 x1.defined() ? x1.aval().ToString() : "undefined");
  }
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& a, const Tensor& b) { return Threefry(k.data(), a, b); },
      "threefry2x32", {});
  return compiled(key, x0, x1);
}

Tensor bits(const Key& key, const Shape& shape, DType dtype) {
  CheckSingleKey("bits", key);
  CheckSampleShape("bits", shape, dtype);
  if (dtype != u8 && dtype != u32) {
    ThrowInvalid("bits: dtype must be u8 or u32, got ", DTypeName(dtype));
  }
  static const auto& compiled = Compiled(
      [](const Key& k, const Shape& s, DType d) {
        return reshape(RandomBits(k.data(), d == u8 ? 8 : 32, NumElements(s)), s);
      },
      "bits", {1, 2});
  return compiled(key, shape, dtype);
}

Tensor uniform(const Key& key, const Shape& shape, DType dtype, double minval, double maxval) {
  CheckFloatSampler("uniform", key, shape, dtype, /*halves=*/true);
  CheckOrdered("uniform", "minval", minval, "maxval", maxval);
  static const auto& compiled = Compiled([](const Key& k, const Shape& s, DType d, double lo,
                                            double hi) { return Uniform(k.data(), s, d, lo, hi); },
                                         "uniform", {1, 2, 3, 4});
  return compiled(key, shape, dtype, minval, maxval);
}

Tensor normal(const Key& key, const Shape& shape, DType dtype) {
  CheckFloatSampler("normal", key, shape, dtype, /*halves=*/true);
  static const auto& compiled =
      Compiled([](const Key& k, const Shape& s, DType d) { return Normal(k.data(), s, d); },
               "normal", {1, 2});
  return compiled(key, shape, dtype);
}

Tensor gumbel(const Key& key, const Shape& shape, DType dtype) {
  CheckFloatSampler("gumbel", key, shape, dtype, /*halves=*/true);
  static const auto& compiled =
      Compiled([](const Key& k, const Shape& s, DType d) { return Gumbel(k.data(), s, d); },
               "gumbel", {1, 2});
  return compiled(key, shape, dtype);
}

// JAX's _bernoulli: uniform(key, shape, float32) < p, p rounded to float32 (the dtype of a
// Python float p without x64).
Tensor bernoulli(const Key& key, double p, const Shape& shape) {
  CheckSingleKey("bernoulli", key);
  CheckSampleShape("bernoulli", shape, DType::kBool);
  if (!(p >= 0.0 && p <= 1.0)) ThrowInvalid("bernoulli: p must be in [0, 1], got ", p);
  static const auto& compiled = Compiled(
      [](const Key& k, double prob, const Shape& s) {
        return Uniform(k.data(), s, f32, 0.0, 1.0) < static_cast<double>(static_cast<float>(prob));
      },
      "bernoulli", {1, 2});
  return compiled(key, p, shape);
}

// JAX's categorical (replace=True): Gumbel-max, argmax(gumbel(key, logits.shape) + logits),
// since argmax_k(logit_k + G_k) with iid Gumbel G_k is distributed as softmax(logits).
Tensor categorical(const Key& key, const Tensor& logits, int axis) {
  CheckSingleKey("categorical", key);
  if (!logits.defined()) ThrowInvalid("categorical: logits is an undefined tensor");
  const std::string aval = logits.aval().ToString();
  if (!IsFloating(logits.dtype())) {
    ThrowInvalid("categorical: logits must be f32 or f64, got ", aval);
  }
  if (logits.ndim() == 0) ThrowInvalid("categorical: logits must have rank >= 1, got ", aval);
  const int64_t ax = CanonicalAxis(axis, logits.ndim(), "categorical");
  if (logits.shape()[ax] == 0) {
    ThrowInvalid("categorical: axis ", axis, " of logits ", aval, " has no categories");
  }
  static const auto& compiled =
      Compiled([](const Key& k, const Tensor& l,
                  int64_t a) { return lax::argmax(Gumbel(k.data(), l.shape(), l.dtype()) + l, a); },
               "categorical", {2});
  return compiled(key, logits, ax);
}

Tensor permutation(const Key& key, int64_t n) {
  CheckSingleKey("permutation", key);
  if (n < 0 || n > std::numeric_limits<int32_t>::max()) {
    ThrowInvalid("permutation: n must be in [0, 2^31 - 1], got ", n);
  }
  static const auto& compiled =
      Compiled([](const Key& k, int64_t count) { return Shuffle(k.data(), arange(count, i32), 0); },
               "permutation", {1});
  return compiled(key, n);
}

// JAX's permutation of an array: x's lines shuffled on their own (independent, or x of rank
// 1), else one permutation of the slices along axis, taken from x.
Tensor permutation(const Key& key, const Tensor& x, int axis, bool independent) {
  CheckSingleKey("permutation", key);
  if (!x.defined() || x.ndim() == 0) {
    ThrowInvalid("permutation: x must have rank >= 1 (pass n for a range), got ",
                 x.defined() ? x.aval().ToString() : "an undefined tensor");
  }
  const int64_t ax = CanonicalAxis(axis, x.ndim(), "permutation");
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& v, int64_t a, bool each) {
        if (each || v.ndim() == 1) return Shuffle(k.data(), v, a);
        return take(v, Shuffle(k.data(), arange(v.shape()[a], i32), 0), a);
      },
      "permutation", {2, 3});
  return compiled(key, x, ax, independent);
}

Tensor randint(const Key& key, const Shape& shape, int64_t minval, int64_t maxval, DType dtype) {
  CheckSingleKey("randint", key);
  CheckSampleShape("randint", shape, dtype);
  if (dtype != i32 && dtype != u32 && dtype != u8 && dtype != i64) {
    ThrowInvalid("randint: dtype must be i32, i64, u32 or u8, got ", DTypeName(dtype));
  }
  static const auto& compiled = Compiled([](const Key& k, const Shape& s, int64_t lo, int64_t hi,
                                            DType d) { return Randint(k.data(), s, lo, hi, d); },
                                         "randint", {1, 2, 3, 4});
  return compiled(key, shape, minval, maxval, dtype);
}

namespace {

// The value of dtype d next to v (a value of d) toward +inf (up) or -inf, as nextafter.
double NextInDType(DType d, double v, bool up) {
  if (d == f64) return std::nextafter(v, up ? INFINITY : -INFINITY);
  if (d == f32) return std::nextafter(static_cast<float>(v), up ? INFINITY : -INFINITY);
  // f16, bf16: a step of the sign-magnitude bits, up on the positive side, down on the negative.
  uint16_t bits = d == f16 ? RoundToF16Bits(v) : RoundToBF16Bits(v);
  const bool negative = (bits & 0x8000) != 0;
  if ((bits & 0x7fff) == 0) {
    bits = up ? 0x0001 : 0x8001;  // from either zero, the smallest subnormal
  } else {
    bits = negative == up ? bits - 1 : bits + 1;
  }
  return d == f16 ? F16BitsToFloat(bits) : BF16BitsToFloat(bits);
}

}  // namespace

// JAX's _truncated_normal: u uniform in [erf(lower / sqrt 2), erf(upper / sqrt 2)), then
// sqrt(2) erfinv(u), clipped to (nextafter(lower, +inf), nextafter(upper, -inf)) so that
// rounding never reaches a bound. The bounds' erf is the host's, in the dtype as XLA computes
// it: below f64, the bounds and sqrt(2) rounded to the dtype, their quotient and its erf in
// f32, each rounded to the dtype (for f32 nothing rounds twice).
Tensor truncated_normal(const Key& key, double lower, double upper, const Shape& shape,
                        DType dtype) {
  CheckFloatSampler("truncated_normal", key, shape, dtype, /*halves=*/true);
  CheckOrdered("truncated_normal", "lower", lower, "upper", upper);
  static const auto& compiled = Compiled(
      [](const Key& k, double l, double u, const Shape& s, DType d) {
        double a, b;
        if (d == f64) {
          a = std::erf(l / std::numbers::sqrt2), b = std::erf(u / std::numbers::sqrt2);
        } else {
          // Each bound rounded from the double once (through f32 first would round twice).
          const auto in = [d](double v) { return static_cast<float>(ValueIn(d, v)); };
          const float s2 = in(std::numbers::sqrt2);
          a = in(std::erf(in(in(l) / s2)));
          b = in(std::erf(in(in(u) / s2)));
        }
        const double lo = NextInDType(d, ValueIn(d, l), true);
        const double hi = NextInDType(d, ValueIn(d, u), false);
        const Tensor z = internal::XlaErfInv(Uniform(k.data(), s, d, a, b)) * std::numbers::sqrt2;
        return minimum(maximum(z, lo), hi);
      },
      "truncated_normal", {1, 2, 3, 4});
  return compiled(key, lower, upper, shape, dtype);
}

namespace {

// One uniform of dtype in [lo, 1) through f, as one compiled sampler named op.
enum class Inversion { kExponential, kCauchy, kLaplace, kLogistic };

Tensor Invert(Inversion kind, const Tensor& data, const Shape& shape, DType dtype) {
  const double eps = finfo(dtype).eps;
  switch (kind) {
    case Inversion::kExponential: return Exponential(data, shape, dtype);
    case Inversion::kCauchy:
      return tan((Uniform(data, shape, dtype, eps, 1.0) - 0.5) * std::numbers::pi);
    case Inversion::kLaplace: {
      // epsneg = eps / 2: -1 + epsneg is the float just above -1.
      const Tensor u = Uniform(data, shape, dtype, -1.0 + eps / 2, 1.0);
      return sign(u) * log1p(-abs(u));
    }
    case Inversion::kLogistic: {
      const Tensor x = Uniform(data, shape, dtype, eps, 1.0);
      return log(x / (1.0 - x));
    }
  }
  return {};
}

Tensor Inverted(const char* op, Inversion kind, const Key& key, const Shape& shape, DType dtype) {
  CheckFloatSampler(op, key, shape, dtype, /*halves=*/true);
  static const auto& compiled = Compiled([](const Key& k, Inversion which, const Shape& s,
                                            DType d) { return Invert(which, k.data(), s, d); },
                                         "inversion", {1, 2, 3});
  return compiled(key, kind, shape, dtype);
}

}  // namespace

Tensor exponential(const Key& key, const Shape& shape, DType dtype) {
  return Inverted("exponential", Inversion::kExponential, key, shape, dtype);
}
Tensor cauchy(const Key& key, const Shape& shape, DType dtype) {
  return Inverted("cauchy", Inversion::kCauchy, key, shape, dtype);
}
Tensor laplace(const Key& key, const Shape& shape, DType dtype) {
  return Inverted("laplace", Inversion::kLaplace, key, shape, dtype);
}
Tensor logistic(const Key& key, const Shape& shape, DType dtype) {
  return Inverted("logistic", Inversion::kLogistic, key, shape, dtype);
}

Tensor rademacher(const Key& key, const Shape& shape, DType dtype) {
  CheckSingleKey("rademacher", key);
  CheckSampleShape("rademacher", shape, dtype);
  if (dtype == DType::kBool) ThrowInvalid("rademacher: dtype must be numeric, got bool");
  static const auto& compiled =
      Compiled([](const Key& k, const Shape& s, DType d) { return Rademacher(k.data(), s, d); },
               "rademacher", {1, 2});
  return compiled(key, shape, dtype);
}

// JAX's choice: randint with replacement, a permutation's first draws without; with p, the
// inverse CDF p_cuml[-1] (1 - u) searched in p_cuml = cumsum(p) with replacement, and the n
// draws of smallest -gumbel - log(p) without (Gumbel top-k).
Tensor choice(const Key& key, int64_t n, const Shape& shape, bool replace,
              const std::optional<Tensor>& p) {
  CheckSingleKey("choice", key);
  CheckSampleShape("choice", shape, i32);
  const int64_t draws = NumElements(shape);
  if (n > std::numeric_limits<int32_t>::max()) {
    ThrowInvalid("choice: n must be at most 2^31 - 1, got ", n);
  }
  if (draws > 0 && n <= 0) {
    ThrowInvalid("choice: n must be positive unless no samples are taken, got ", n);
  }
  if (!replace && draws > n) {
    ThrowInvalid("choice: cannot take ", draws, " samples from ", n, " without replacement");
  }
  if (p.has_value() &&
      (!p->defined() || !IsFloating(p->dtype()) || p->shape() != Shape{std::max<int64_t>(n, 0)})) {
    ThrowInvalid("choice: p must be f32 or f64 of shape [", n, "], got ",
                 p->defined() ? p->aval().ToString() : "an undefined tensor");
  }
  if (draws == 0) return zeros(shape, i32);
  static const auto& compiled = Compiled(
      [](const Key& k, int64_t count, const Shape& s, bool with_replacement,
         const std::optional<Tensor>& probs) {
        const int64_t m = NumElements(s);
        if (!probs.has_value()) {
          if (with_replacement) return Randint(k.data(), s, 0, count, i32);
          return reshape(lax::slice(Shuffle(k.data(), arange(count, i32), 0), {0}, {m}), s);
        }
        if (with_replacement) {
          const Tensor cuml = cumsum(*probs);
          const Tensor r = cuml[count - 1] * (1.0 - Uniform(k.data(), s, probs->dtype(), 0.0, 1.0));
          return searchsorted(cuml, r);
        }
        const Tensor g = -Gumbel(k.data(), {count}, probs->dtype()) - log(*probs);
        return reshape(lax::slice(argsort(g), {0}, {m}), s);
      },
      "choice", {1, 2, 3});
  return compiled(key, n, shape, replace, p);
}

Tensor choice(const Key& key, const Tensor& a, const Shape& shape, bool replace,
              const std::optional<Tensor>& p, int axis) {
  if (!a.defined() || a.ndim() == 0) {
    ThrowInvalid("choice: a must have rank >= 1 (pass n for a range), got ",
                 a.defined() ? a.aval().ToString() : "an undefined tensor");
  }
  const int64_t ax = CanonicalAxis(axis, a.ndim(), "choice");
  return take(a, choice(key, a.shape()[ax], shape, replace, p), ax);
}

}  // namespace cotangent::random
