// File: cotangent/random.h
// cotangent::random, JAX's splittable counter-based PRNG: explicit Keys, threefry-2x32 bits and
// the samplers built on them, bit-compatible with JAX's classic (non-partitionable) threefry.

#ifndef COTANGENT_COTANGENT_RANDOM_H_
#define COTANGENT_COTANGENT_RANDOM_H_

#include <array>
#include <cstdint>
#include <iosfwd>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent::random {

// A PRNG key: the two uint32 words of JAX's uint32[2] key data, in that order. Keys are plain
// host values (never traced); every sampler is a pure function of its key, so reusing a key
// reuses its numbers. Derive fresh keys with split or fold_in.
struct Key {
  uint32_t hi = 0;
  uint32_t lo = 0;
  bool operator==(const Key&) const = default;
};

// Prints the key data as numpy prints a uint32[2] array: "[0 0]", "[ 0 42]" (right-aligned
// to a common width).
std::ostream& operator<<(std::ostream& os, const Key& key);

// JAX's random.key(seed) / PRNGKey(seed): [seed >> 32, seed & 0xFFFFFFFF], so [0, seed] for
// seeds below 2^32. A negative int converts to its two's complement, as JAX with x64 enabled.
Key key(uint64_t seed);

// n new keys from one (JAX's random.split(key, n)). Throws for n < 0.
std::vector<Key> split(const Key& key, int n = 2);

// split with a compile-time count, for structured bindings:
//   auto [key, w_key, b_key] = random::split<3>(key);
template <int N>
std::array<Key, N> split(const Key& key);

// A new key from a key and 32 bits of data (JAX's random.fold_in): threefry2x32(key, 0, data).
Key fold_in(const Key& key, uint32_t data);

// The raw threefry-2x32 block cipher (20 rounds, Salmon et al. 2011) of the counter block
// (x0, x1) under key; exposed for known-answer tests and for building other streams.
std::pair<uint32_t, uint32_t> threefry2x32(const Key& key, uint32_t x0, uint32_t x1);

// count uniformly random 32-bit words: JAX's random.bits(key, (count,), uint32). Throws for a
// negative count.
std::vector<uint32_t> bits(const Key& key, int64_t count);

// Uniform samples in [minval, maxval) of shape and floating dtype (JAX's random.uniform).
// f32 uses 32 random bits per value (the top 23 as mantissa); f64 uses 64 bits per value (the
// top 52), which is what JAX computes with jax_enable_x64. Throws for a negative dimension, a
// non-floating dtype or minval >= maxval.
Tensor uniform(const Key& key, const Shape& shape, DType dtype = f32, double minval = 0.0,
               double maxval = 1.0);

// Standard normal samples (JAX's random.normal): sqrt(2) * erfinv(u), u uniform in (-1, 1).
// Throws for a negative dimension or a non-floating dtype.
Tensor normal(const Key& key, const Shape& shape, DType dtype = f32);

// Standard Gumbel samples (JAX's random.gumbel): -log(-log(u)), u uniform in [tiny, 1).
Tensor gumbel(const Key& key, const Shape& shape, DType dtype = f32);

// Booleans that are true with probability p (JAX's random.bernoulli: uniform f32 < p).
// Throws for p outside [0, 1] or a negative dimension.
Tensor bernoulli(const Key& key, double p, const Shape& shape);

// Samples of the categorical distributions softmax(logits, axis) by the Gumbel-max trick:
// argmax(gumbel(key, logits.shape) + logits, axis), computed in the logits' precision as JAX
// does. Returns i32 of logits.shape without axis. logits must be concrete and floating.
Tensor categorical(const Key& key, const Tensor& logits, int axis = -1);

// A uniformly random permutation of [0, n) as an i32 tensor (JAX's random.permutation(key, n)).
// Throws for n < 0 or n > 2^31 - 1.
Tensor permutation(const Key& key, int64_t n);

namespace internal {

// XLA's float32 erfinv (M. Giles, "Approximating the erfinv function", single precision),
// the one JAX's normal uses; erfinv(+-1) = +-FLT_MAX.
float ErfInv(float x);

// XLA's float64 erfinv (Giles' double-precision polynomials); erfinv(+-1) = +-DBL_MAX.
double ErfInv(double x);

}  // namespace internal

template <int N>
std::array<Key, N> split(const Key& key) {
  static_assert(N >= 0, "split<N>: N must be non-negative");
  std::vector<Key> keys = split(key, N);
  std::array<Key, N> out;
  for (int i = 0; i < N; ++i) out[i] = keys[i];
  return out;
}

}  // namespace cotangent::random

#endif  // COTANGENT_COTANGENT_RANDOM_H_
