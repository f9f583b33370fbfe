// File: cotangent/random.cc
// Threefry-2x32 and the samplers of cotangent/random.h, computed on the host so that they are
// exact and reproducible. Each function cites the JAX (jax/_src/prng.py, random.py) or XLA
// (xla/client/lib/math.cc) definition it reproduces bit for bit.

#include "cotangent/random.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "cotangent/creation.h"

namespace cotangent::random {
namespace {

// Largest count JAX hashes in one threefry_2x32 call: iinfo(uint32).max.
constexpr uint64_t kMaxBlock = 0xFFFFFFFFu;

uint32_t RotateLeft(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// JAX's classic threefry_2x32(key, iota(n)) for n < 2^32: the counts, padded with one 0 when n
// is odd, are cut into halves c[:m/2], c[m/2:] that are hashed pairwise, and the two output
// halves are concatenated (dropping the pad). So word i and word i + m/2 come from one block.
std::vector<uint32_t> HashIota(const Key& key, uint64_t n) {
  const uint64_t half = (n + 1) / 2;
  std::vector<uint32_t> out(n);
  for (uint64_t i = 0; i < half; ++i) {
    const uint64_t j = half + i;
    const auto [y0, y1] =
        threefry2x32(key, static_cast<uint32_t>(i), j < n ? static_cast<uint32_t>(j) : 0u);
    out[i] = y0;
    if (j < n) out[j] = y1;
  }
  return out;
}

// JAX's _threefry_random_bits_original for count 32-bit words: one HashIota of the key, or, past
// 2^32 - 1 words, blocks of 2^32 - 1 words hashed under keys split from it.
std::vector<uint32_t> Words(const Key& key, uint64_t count) {
  const uint64_t nblocks = count / kMaxBlock;
  const uint64_t rem = count % kMaxBlock;
  if (nblocks == 0) return HashIota(key, rem);
  const std::vector<Key> keys = split(key, static_cast<int>(nblocks + 1));
  std::vector<uint32_t> out;
  out.reserve(count);
  for (uint64_t b = 0; b <= nblocks; ++b) {
    const std::vector<uint32_t> block = HashIota(keys[b], b < nblocks ? kMaxBlock : rem);
    out.insert(out.end(), block.begin(), block.end());
  }
  return out;
}

// Throws as CheckShape for a shape that cannot exist, and ResourceExhausted when the host
// work (hashed words and samples of 8 bytes each at most, per element) cannot fit in
// memory; returns the number of elements.
int64_t CheckedSize(const char* op, const Shape& shape, DType dtype) {
  CheckShape(op, ShapedArray{shape, dtype});
  const int64_t n = NumElements(shape);
  ThrowIfError(CheckAllocationSize(op, CheckedMul(n, 16).value_or(INT64_MAX)));
  return n;
}

void CheckFloating(const char* op, DType dtype) {
  if (!IsFloating(dtype)) ThrowInvalid(op, ": dtype must be f32 or f64, got ", DTypeName(dtype));
}

// JAX's _uniform for float32: the top 23 bits of a word become the mantissa of a float in
// [1, 2) (exponent bits of 1.0f), minus 1 gives [0, 1), then an affine map to [minval, maxval)
// clamped below by minval. All arithmetic in float32, as XLA does it.
std::vector<float> UniformF32(const Key& key, int64_t n, float minval, float maxval) {
  const std::vector<uint32_t> words = Words(key, static_cast<uint64_t>(n));
  std::vector<float> out(n);
  const float span = maxval - minval;
  for (int64_t i = 0; i < n; ++i) {
    const float f = std::bit_cast<float>((words[i] >> 9) | 0x3F800000u) - 1.0f;
    out[i] = std::max(minval, f * span + minval);
  }
  return out;
}

// The float64 version (JAX with jax_enable_x64): random_bits(key, 64, (n,)) hashes 2n words
// and pairs word i (high half) with word n + i (low half); the top 52 bits become the mantissa.
std::vector<double> UniformF64(const Key& key, int64_t n, double minval, double maxval) {
  const std::vector<uint32_t> words = Words(key, 2 * static_cast<uint64_t>(n));
  std::vector<double> out(n);
  const double span = maxval - minval;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t word = (static_cast<uint64_t>(words[i]) << 32) | words[n + i];
    const double f = std::bit_cast<double>((word >> 12) | 0x3FF0000000000000u) - 1.0;
    out[i] = std::max(minval, f * span + minval);
  }
  return out;
}

// Gumbel(0, 1) by inversion, -log(-log(u)) with u in [tiny, 1) so that log(u) is finite.
template <typename T>
std::vector<T> GumbelValues(const Key& key, int64_t n) {
  std::vector<T> u;
  if constexpr (std::is_same_v<T, float>) {
    u = UniformF32(key, n, std::numeric_limits<float>::min(), 1.0f);
  } else {
    u = UniformF64(key, n, std::numeric_limits<double>::min(), 1.0);
  }
  for (T& x : u) x = -std::log(-std::log(x));
  return u;
}

// The index of the first maximum of v[start + k * stride], k < n; a NaN counts as the maximum
// (as jnp.argmax).
template <typename T>
int32_t ArgMax(const std::vector<T>& v, int64_t start, int64_t stride, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 0; k < n; ++k) {
    const T x = v[start + k * stride];
    if (std::isnan(x)) return static_cast<int32_t>(k);
    if (x > v[start + best * stride]) best = k;
  }
  return static_cast<int32_t>(best);
}

// argmax over axis of gumbel(key, logits.shape) + logits, in T precision.
template <typename T>
std::vector<int32_t> GumbelMax(const Key& key, const Tensor& logits, int64_t axis) {
  const Shape& shape = logits.shape();
  std::vector<T> v = GumbelValues<T>(key, logits.size());
  const std::vector<T> l = logits.to_vector<T>();
  for (size_t i = 0; i < v.size(); ++i) v[i] += l[i];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t n = shape[axis];
  std::vector<int32_t> out(outer * inner);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      out[o * inner + i] = ArgMax(v, o * n * inner + i, inner, n);
    }
  }
  return out;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Key& key) {
  const std::string hi = absl::StrCat(key.hi), lo = absl::StrCat(key.lo);
  const size_t width = std::max(hi.size(), lo.size());
  return os << "[" << std::string(width - hi.size(), ' ') << hi << " "
            << std::string(width - lo.size(), ' ') << lo << "]";
}

// JAX's threefry_seed: k1 = seed >> 32, k2 = seed & 0xFFFFFFFF.
Key key(uint64_t seed) {
  return Key{static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed & 0xFFFFFFFFu)};
}

// JAX's _threefry_split_original: threefry_2x32(key, iota(2n)) reshaped to (n, 2).
std::vector<Key> split(const Key& key, int n) {
  if (n < 0) ThrowInvalid("split: n must be non-negative, got ", n);
  const std::vector<uint32_t> words = Words(key, 2 * static_cast<uint64_t>(n));
  std::vector<Key> keys(n);
  for (int i = 0; i < n; ++i) keys[i] = Key{words[2 * i], words[2 * i + 1]};
  return keys;
}

// JAX's _threefry_fold_in: threefry_2x32(key, threefry_seed(data)) = hash of the block
// (0, data), whose two output words are the new key.
Key fold_in(const Key& key, uint32_t data) {
  const auto [hi, lo] = threefry2x32(key, 0, data);
  return Key{hi, lo};
}

// Threefry-2x32 with 20 rounds, as JAX's _threefry2x32_lowering: key schedule (k0, k1,
// k0 ^ k1 ^ 0x1BD11BDA), a key injection every 4 rounds (plus the injection count in word 1),
// rotations 13, 15, 26, 6 and 17, 29, 16, 24 alternating.
std::pair<uint32_t, uint32_t> threefry2x32(const Key& key, uint32_t x0, uint32_t x1) {
  static constexpr int kRotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {key.hi, key.lo, key.hi ^ key.lo ^ 0x1BD11BDAu};
  x0 += ks[0];
  x1 += ks[1];
  for (uint32_t i = 0; i < 5; ++i) {
    for (int r : kRotations[i % 2]) {
      x0 += x1;
      x1 = RotateLeft(x1, r) ^ x0;
    }
    x0 += ks[(i + 1) % 3];
    x1 += ks[(i + 2) % 3] + i + 1;
  }
  return {x0, x1};
}

std::vector<uint32_t> bits(const Key& key, int64_t count) {
  if (count < 0) ThrowInvalid("bits: count must be non-negative, got ", count);
  ThrowIfError(CheckAllocationSize("bits", CheckedMul(count, 4).value_or(INT64_MAX)));
  return Words(key, static_cast<uint64_t>(count));
}

Tensor uniform(const Key& key, const Shape& shape, DType dtype, double minval, double maxval) {
  const int64_t n = CheckedSize("uniform", shape, dtype);
  CheckFloating("uniform", dtype);
  if (!(minval < maxval)) {
    ThrowInvalid("uniform: minval must be less than maxval, got minval=", minval,
                 " maxval=", maxval);
  }
  if (dtype == f64) return from_vector(UniformF64(key, n, minval, maxval), shape);
  return from_vector(UniformF32(key, n, static_cast<float>(minval), static_cast<float>(maxval)),
                     shape);
}

// JAX's _normal_real: u uniform in [nextafter(-1, 0), 1), so erfinv(u) is finite, and
// normal = sqrt(2) * erfinv(u), since the standard normal CDF is (1 + erf(z / sqrt(2))) / 2.
Tensor normal(const Key& key, const Shape& shape, DType dtype) {
  const int64_t n = CheckedSize("normal", shape, dtype);
  CheckFloating("normal", dtype);
  if (dtype == f64) {
    std::vector<double> u = UniformF64(key, n, std::nextafter(-1.0, 0.0), 1.0);
    for (double& x : u) x = std::numbers::sqrt2 * internal::ErfInv(x);
    return from_vector(u, shape);
  }
  std::vector<float> u = UniformF32(key, n, std::nextafter(-1.0f, 0.0f), 1.0f);
  const float sqrt2 = std::numbers::sqrt2_v<float>;
  for (float& x : u) x = sqrt2 * internal::ErfInv(x);
  return from_vector(u, shape);
}

Tensor gumbel(const Key& key, const Shape& shape, DType dtype) {
  const int64_t n = CheckedSize("gumbel", shape, dtype);
  CheckFloating("gumbel", dtype);
  if (dtype == f64) return from_vector(GumbelValues<double>(key, n), shape);
  return from_vector(GumbelValues<float>(key, n), shape);
}

// JAX's _bernoulli: uniform(key, shape, float32) < p, p rounded to float32 (the dtype of a
// Python float p without x64).
Tensor bernoulli(const Key& key, double p, const Shape& shape) {
  const int64_t n = CheckedSize("bernoulli", shape, DType::kBool);
  if (!(p >= 0.0 && p <= 1.0)) ThrowInvalid("bernoulli: p must be in [0, 1], got ", p);
  const std::vector<float> u = UniformF32(key, n, 0.0f, 1.0f);
  const float p32 = static_cast<float>(p);
  std::vector<bool> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = u[i] < p32;
  return from_vector(out, shape);
}

// JAX's categorical (replace=True): Gumbel-max, argmax(gumbel(key, logits.shape) + logits),
// since argmax_k(logit_k + G_k) with iid Gumbel G_k is distributed as softmax(logits).
Tensor categorical(const Key& key, const Tensor& logits, int axis) {
  if (!logits.defined()) ThrowInvalid("categorical: logits is an undefined tensor");
  const std::string aval = logits.aval().ToString();
  if (!logits.is_concrete()) {
    ThrowInvalid(
        "categorical: logits must be concrete (keys and samples are never traced), "
        "got traced ",
        aval);
  }
  if (!IsFloating(logits.dtype())) {
    ThrowInvalid("categorical: logits must be f32 or f64, got ", aval);
  }
  if (logits.ndim() == 0) ThrowInvalid("categorical: logits must have rank >= 1, got ", aval);
  const int64_t ax = CanonicalAxis(axis, logits.ndim(), "categorical");
  if (logits.shape()[ax] == 0) {
    ThrowInvalid("categorical: axis ", axis, " of logits ", aval, " has no categories");
  }
  Shape out_shape = logits.shape();
  out_shape.erase(out_shape.begin() + ax);
  if (logits.dtype() == f64) return from_vector(GumbelMax<double>(key, logits, ax), out_shape);
  return from_vector(GumbelMax<float>(key, logits, ax), out_shape);
}

// JAX's _shuffle of arange(n): ceil(3 ln(n) / ln(2^32 - 1)) rounds (enough that the 32-bit sort
// keys of all pairs differ in some round with high probability); each round splits off a
// subkey and stably sorts the current order by random_bits(subkey, 32, (n,)).
Tensor permutation(const Key& key, int64_t n) {
  if (n < 0 || n > std::numeric_limits<int32_t>::max()) {
    ThrowInvalid("permutation: n must be in [0, 2^31 - 1], got ", n);
  }
  const int rounds = static_cast<int>(std::ceil(
      3.0 * std::log(static_cast<double>(std::max<int64_t>(1, n))) / std::log(4294967295.0)));
  std::vector<std::pair<uint32_t, int32_t>> order(n);
  for (int64_t i = 0; i < n; ++i) order[i].second = static_cast<int32_t>(i);
  Key k = key;
  for (int r = 0; r < rounds; ++r) {
    const std::vector<Key> keys = split(k, 2);
    k = keys[0];
    const std::vector<uint32_t> sort_keys = bits(keys[1], n);
    for (int64_t i = 0; i < n; ++i) order[i].first = sort_keys[i];
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  std::vector<int32_t> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = order[i].second;
  return from_vector(out, Shape{n});
}

namespace internal {

// XLA ErfInv32: w = -log(1 - x^2); for w < 5 a degree-8 polynomial in w - 2.5, else in
// sqrt(w) - 3; erfinv(x) = p(w) * x. Evaluated in float32 by Horner's rule, operation for
// operation as XLA does (the build uses no FMA contraction: -std=c++20 implies
// -ffp-contract=off in GCC).
float ErfInv(float x) {
  static constexpr float kLessThan5[9] = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
                                          -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
                                          -0.00417768164f,  0.246640727f,    1.50140941f};
  static constexpr float kGreaterThan5[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f,
                                             -0.00367342844f,  0.00573950773f,  -0.0076224613f,
                                             0.00943887047f,   1.00167406f,     2.83297682f};
  if (std::fabs(x) == 1.0f) return x * std::numeric_limits<float>::max();
  float w = -std::log1p(-x * x);
  const bool lt = w < 5.0f;
  const float* c = lt ? kLessThan5 : kGreaterThan5;
  w = lt ? w - 2.5f : std::sqrt(w) - 3.0f;
  float p = c[0];
  for (int i = 1; i < 9; ++i) p = c[i] + p * w;
  return p * x;
}

// XLA ErfInv64: three ranges of w = -log(1 - x^2) (< 6.25, < 16, else) with polynomials of
// degree 22, 18 and 16 in w - 3.125, sqrt(w) - 3.25 and sqrt(w) - 5.
double ErfInv(double x) {
  static constexpr double kLessThan6_25[23] = {
      -3.6444120640178196996e-21, -1.685059138182016589e-19,  1.2858480715256400167e-18,
      1.115787767802518096e-17,   -1.333171662854620906e-16,  2.0972767875968561637e-17,
      6.6376381343583238325e-15,  -4.0545662729752068639e-14, -8.1519341976054721522e-14,
      2.6335093153082322977e-12,  -1.2975133253453532498e-11, -5.4154120542946279317e-11,
      1.051212273321532285e-09,   -4.1126339803469836976e-09, -2.9070369957882005086e-08,
      4.2347877827932403518e-07,  -1.3654692000834678645e-06, -1.3882523362786468719e-05,
      0.0001867342080340571352,   -0.00074070253416626697512, -0.0060336708714301490533,
      0.24015818242558961693,     1.6536545626831027356};
  static constexpr double kLessThan16[19] = {
      2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
      1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
      2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
      6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
      0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
      -0.0037512085075692412107, 0.005370914553590063617,   1.0052589676941592334,
      3.0838856104922207635};
  static constexpr double kGreaterThan16[17] = {
      -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
      -3.7894654401267369937e-09, 7.6157012080783393804e-09,  -1.4960026627149240478e-08,
      2.9147953450901080826e-08,  -6.7711997758452339498e-08, 2.2900482228026654717e-07,
      -9.9298272942317002539e-07, 4.5260625972231537039e-06,  -1.9681778105531670567e-05,
      7.5995277030017761139e-05,  -0.00021503011930044477347, -0.00013871931833623122026,
      1.0103004648645343977,      4.8499064014085844221};
  if (std::fabs(x) == 1.0) return x * std::numeric_limits<double>::max();
  double w = -std::log1p(-x * x);
  const double* c;
  int degree;
  if (w < 6.25) {
    c = kLessThan6_25, degree = 22, w -= 3.125;
  } else if (w < 16.0) {
    c = kLessThan16, degree = 18, w = std::sqrt(w) - 3.25;
  } else {
    c = kGreaterThan16, degree = 16, w = std::sqrt(w) - 5.0;
  }
  double p = c[0];
  for (int i = 1; i <= degree; ++i) p = c[i] + p * w;
  return p * x;
}

}  // namespace internal
}  // namespace cotangent::random
