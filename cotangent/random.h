// File: cotangent/random.h
// cotangent::random, JAX's splittable counter-based PRNG: keys are u32 tensors (traceable:
// jit, vmap and scan take them as arguments), threefry-2x32 is written in the bitwise
// primitives, and the samplers are compiled programs, bit-compatible with JAX's classic
// (non-partitionable) threefry.

#ifndef COTANGENT_COTANGENT_RANDOM_H_
#define COTANGENT_COTANGENT_RANDOM_H_

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <tuple>
#include <utility>

#include "core/dtype.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent::random {

// A PRNG key, JAX's typed key (random.key): its data is a u32 tensor of shape [..., 2], the two
// words of JAX's uint32[2] key data in that order; the key's own shape is that of the data
// without its last axis, so split(key, 3) is one key array of shape [3]. A Key is a container
// of one tensor (cotangent/tree.h), so jit, vmap, scan and shard_map take keys as arguments and
// results: a jitted training step draws its dropout masks from a traced key, vmap over a key
// array draws per lane. Every sampler is a pure function of its key, so reusing a key reuses
// its numbers; derive fresh keys with split or fold_in. Samplers and split take a single key
// (shape []); a key array is an Error naming the op (map over it with vmap, as in JAX).
class Key {
 public:
  Key() = default;  // an undefined key (what containers default to)
  // JAX's random.wrap_key_data. Throws unless data is u32 of shape [..., 2].
  explicit Key(Tensor data);

  const Tensor& data() const { return data_; }  // JAX's random.key_data
  bool defined() const { return data_.defined(); }
  Shape shape() const;  // the data's shape without its last axis
  // Key i of a key array, along its first axis (negative i counts from the end).
  Key operator[](int64_t i) const;

  friend auto tree_fields(Key& key) { return std::tie(key.data_); }
  friend auto tree_field_names(const Key&) { return std::array{"key_data"}; }

 private:
  Tensor data_;
};

// Prints the key data as numpy prints a uint32 array: "[0 0]", "[ 0 42]".
std::ostream& operator<<(std::ostream& os, const Key& key);

// JAX's random.key(seed) / PRNGKey(seed): [seed >> 32, seed & 0xFFFFFFFF], so [0, seed] for
// seeds below 2^32. A negative int converts to its two's complement, as JAX with x64 enabled.
Key key(uint64_t seed);
// The same of a traced integer scalar (JAX's threefry_seed): the high word is seed >> 32 read
// logically in the seed's own width (0 for 32 bits and fewer), the low word its low 32 bits.
Key key(const Tensor& seed);

// n new keys from one (JAX's random.split(key, n)): a key array of shape [n]. Throws for n < 0.
Key split(const Key& key, int n = 2);

// split with a compile-time count, for structured bindings:
//   auto [key, w_key, b_key] = random::split<3>(key);
template <int N>
std::array<Key, N> split(const Key& key);

// A new key from a key and 32 bits of data (JAX's random.fold_in): the hash of the counter
// block (0, data). The Tensor form takes a traced integer scalar (its low 32 bits).
Key fold_in(const Key& key, uint32_t data);
Key fold_in(const Key& key, const Tensor& data);

// The raw threefry-2x32 block cipher (20 rounds, Salmon et al. 2011) of the counter blocks
// (x0, x1), u32 tensors of one shape, under key; exposed for known-answer tests and for
// building other streams.
std::pair<Tensor, Tensor> threefry2x32(const Key& key, const Tensor& x0, const Tensor& x1);

// Uniformly random bits of shape: JAX's random.bits(key, shape, dtype) for dtype u8 or u32.
Tensor bits(const Key& key, const Shape& shape, DType dtype = u32);

// Uniform samples in [minval, maxval) of shape and floating dtype (JAX's random.uniform).
// f32 uses 32 random bits per value (the top 23 as mantissa); f64 uses 64 bits per value (the
// top 52), which is what JAX computes with jax_enable_x64. Throws for a negative dimension, a
// non-floating dtype or minval >= maxval.
Tensor uniform(const Key& key, const Shape& shape, DType dtype = f32, double minval = 0.0,
               double maxval = 1.0);

// Standard normal samples (JAX's random.normal): sqrt(2) * erfinv(u), u uniform in (-1, 1),
// with XLA's erfinv polynomials. Throws for a negative dimension or a non-floating dtype.
Tensor normal(const Key& key, const Shape& shape, DType dtype = f32);

// Standard Gumbel samples (JAX's random.gumbel): -log(-log(u)), u uniform in [tiny, 1).
Tensor gumbel(const Key& key, const Shape& shape, DType dtype = f32);

// Booleans that are true with probability p (JAX's random.bernoulli: uniform f32 < p).
// Throws for p outside [0, 1] or a negative dimension.
Tensor bernoulli(const Key& key, double p, const Shape& shape);

// Samples of the categorical distributions softmax(logits, axis) by the Gumbel-max trick:
// argmax(gumbel(key, logits.shape) + logits, axis), computed in the logits' precision as JAX
// does. Returns i32 of logits.shape without axis. logits must be floating (traced or not).
Tensor categorical(const Key& key, const Tensor& logits, int axis = -1);

// A uniformly random permutation of [0, n) as an i32 tensor (JAX's random.permutation(key, n)).
// Throws for n < 0 or n > 2^31 - 1.
Tensor permutation(const Key& key, int64_t n);
// x with its slices along axis in random order (JAX's random.permutation(key, x, axis,
// independent)); independent: each line along axis shuffled on its own. x of rank >= 1.
Tensor permutation(const Key& key, const Tensor& x, int axis = 0, bool independent = false);

// Integers uniform in [minval, maxval) (JAX's random.randint): two words per value reduced
// modulo the span (biased as JAX's is when the span is not a power of 2); bounds are clipped to
// the dtype, maxval <= minval gives minval, and a maxval past the dtype's maximum includes it
// (randint(key, s, 0, 256, u8)). dtype i32, u32 or u8: i64 would need JAX's uint64 arithmetic,
// which Cotangent has no dtype for, and is an Error.
Tensor randint(const Key& key, const Shape& shape, int64_t minval, int64_t maxval,
               DType dtype = i32);

// Standard normal samples truncated to (lower, upper) (JAX's random.truncated_normal): the
// inverse CDF of a uniform between erf(lower / sqrt 2) and erf(upper / sqrt 2), clipped inside
// the open interval. Throws for a non-floating dtype or lower >= upper.
Tensor truncated_normal(const Key& key, double lower, double upper, const Shape& shape,
                        DType dtype = f32);

// The samplers JAX defines by inversion of one uniform each, of floating dtype:
// exponential -log1p(-u); cauchy tan(pi (u - 1/2)), u in [eps, 1); laplace
// sign(u) log1p(-|u|), u in [-1 + epsneg, 1); logistic log(u / (1 - u)), u in [eps, 1).
Tensor exponential(const Key& key, const Shape& shape, DType dtype = f32);
Tensor cauchy(const Key& key, const Shape& shape, DType dtype = f32);
Tensor laplace(const Key& key, const Shape& shape, DType dtype = f32);
Tensor logistic(const Key& key, const Shape& shape, DType dtype = f32);

// -1 or +1 with probability 1/2 each (JAX's random.rademacher: 2 bernoulli(0.5) - 1), i32 by
// default (any integer or floating dtype).
Tensor rademacher(const Key& key, const Shape& shape, DType dtype = i32);

// Indices into [0, n) drawn as JAX's random.choice(key, n, shape, replace, p): uniform with
// replacement (randint), the first of a permutation without; with probabilities p (1-D of n
// floats, traced or not) by inverse CDF (searchsorted of cumsum(p)) with replacement and by
// Gumbel top-k without. i32 of shape. Throws for n <= 0 with draws, for more draws than n
// without replacement, or for p of the wrong shape.
Tensor choice(const Key& key, int64_t n, const Shape& shape = {}, bool replace = true,
              const std::optional<Tensor>& p = std::nullopt);
// The elements (slices along axis) of a at such indices: take(a, choice(key, a.shape[axis],
// ...), axis), the drawn axis replaced by shape.
Tensor choice(const Key& key, const Tensor& a, const Shape& shape = {}, bool replace = true,
              const std::optional<Tensor>& p = std::nullopt, int axis = 0);

// Gamma(a, 1) samples (JAX's random.gamma): Marsaglia and Tsang's rejection method per
// element, a while_loop over the key of each element (a split of key into one per element),
// with a < 1 boosted as Gamma(a + 1) U^(1/a). a is broadcast to shape (default: a's shape) and
// converted to dtype. loggamma samples log Gamma(a, 1) in log space, accurate for tiny a.
// Both are differentiable in a, as JAX's, by implicit reparameterization: a draw keeps its
// quantile as a moves, dx = lax::random_gamma_grad(a, x) da (first order only: that
// primitive has no derivative in a); so are beta, dirichlet, chisquare, t and f through them.
Tensor gamma(const Key& key, const Tensor& a, std::optional<Shape> shape = std::nullopt,
             DType dtype = f32);
Tensor loggamma(const Key& key, const Tensor& a, std::optional<Shape> shape = std::nullopt,
                DType dtype = f32);
// Beta(a, b) by two log-gamma draws: ga / (ga + gb) scaled by their maximum, as JAX.
Tensor beta(const Key& key, const Tensor& a, const Tensor& b,
            std::optional<Shape> shape = std::nullopt, DType dtype = f32);
// Dirichlet(alpha) over alpha's last axis (size n): softmax of log-gamma draws; the result is
// shape + [n] (shape defaults to alpha's batch shape).
Tensor dirichlet(const Key& key, const Tensor& alpha, std::optional<Shape> shape = std::nullopt,
                 DType dtype = f32);
// Chi-squared(df) = 2 Gamma(df / 2); Student's t(df) = N sqrt(df / 2 / Gamma(df / 2)); F(dfnum,
// dfden) = (chi2(dfnum) / dfnum) / (chi2(dfden) / dfden), keys split as JAX's.
Tensor chisquare(const Key& key, const Tensor& df, std::optional<Shape> shape = std::nullopt,
                 DType dtype = f32);
Tensor t(const Key& key, const Tensor& df, std::optional<Shape> shape = std::nullopt,
         DType dtype = f32);
Tensor f(const Key& key, const Tensor& dfnum, const Tensor& dfden,
         std::optional<Shape> shape = std::nullopt, DType dtype = f32);
// Pareto(b) = exp(exponential / b); Weibull(scale, concentration) = scale (-log1p(-u))^(1/c);
// maxwell = |N(0, I_3)|; double_sided_maxwell = loc + scale * rademacher * maxwell (its shape
// is shape + the parameters' broadcast shape, as JAX's).
Tensor pareto(const Key& key, const Tensor& b, std::optional<Shape> shape = std::nullopt,
              DType dtype = f32);
Tensor weibull_min(const Key& key, double scale, double concentration, const Shape& shape = {},
                   DType dtype = f32);
Tensor maxwell(const Key& key, const Shape& shape = {}, DType dtype = f32);
Tensor double_sided_maxwell(const Key& key, const Tensor& loc, const Tensor& scale,
                            const Shape& shape = {}, DType dtype = f32);
// N(mean, cov) by its Cholesky factor: mean + L z, z standard normal of shape + [n]; shape
// defaults to the broadcast of mean's and cov's batch shapes (mean [..., n], cov [..., n, n]).
Tensor multivariate_normal(const Key& key, const Tensor& mean, const Tensor& cov,
                           std::optional<Shape> shape = std::nullopt, DType dtype = f32);

// Poisson(lam) counts (JAX's random.poisson): Knuth's product of uniforms for lam < 10 (or
// NaN), Hormann's transformed rejection otherwise, each a while_loop over the whole sample
// until every element is done; lam = 0 gives 0. lam (any numeric tensor, converted to f32)
// is broadcast to shape (default: lam's shape); dtype an integer dtype.
Tensor poisson(const Key& key, const Tensor& lam, std::optional<Shape> shape = std::nullopt,
               DType dtype = i32);

// Geometric(p) counts of trials to the first success, 1, 2, ... (JAX's random.geometric):
// floor(log u / log1p(-p)) + 1, computed in p's floating dtype (f32 for an integer p); dtype
// an integer dtype.
Tensor geometric(const Key& key, const Tensor& p, std::optional<Shape> shape = std::nullopt,
                 DType dtype = i32);
// Binomial(n, p) counts as floats (JAX's random.binomial): inversion of geometric waiting
// times where n min(p, 1 - p) <= 10, Hormann's BTRS rejection otherwise, each a while_loop
// over the whole sample; n is floored; NaN for a NaN or negative n or p outside [0, 1], inf
// for an infinite n. dtype f32 or f64 (JAX's: a float dtype).
Tensor binomial(const Key& key, const Tensor& n, const Tensor& p,
                std::optional<Shape> shape = std::nullopt, DType dtype = f32);
// Multinomial(n, p) counts over p's last axis (JAX's random.multinomial): binomial draws of
// the trials left, outcome by outcome, with p_i over the probability left. shape is the whole
// result shape, outcomes last (JAX's code: p broadcast to it, n to its batch), default p's
// shape; dtype f32 or f64.
Tensor multinomial(const Key& key, const Tensor& n, const Tensor& p,
                   std::optional<Shape> shape = std::nullopt, DType dtype = f32);
// exp(sigma N) (JAX's random.lognormal); without sigma, 1.
Tensor lognormal(const Key& key, const Tensor& sigma, std::optional<Shape> shape = std::nullopt,
                 DType dtype = f32);
Tensor lognormal(const Key& key, const Shape& shape = {}, DType dtype = f32);
// Rayleigh(scale) = scale sqrt(-2 log u) (JAX's random.rayleigh).
Tensor rayleigh(const Key& key, const Tensor& scale, std::optional<Shape> shape = std::nullopt,
                DType dtype = f32);
// Wald (inverse Gaussian with shape parameter 1) of the given mean (JAX's random.wald):
// Michael, Schucany and Haas's transformation of a normal and a uniform draw.
Tensor wald(const Key& key, const Tensor& mean, std::optional<Shape> shape = std::nullopt,
            DType dtype = f32);
// Triangular(left, mode, right) by inversion of one uniform draw (JAX's random.triangular).
Tensor triangular(const Key& key, const Tensor& left, const Tensor& mode, const Tensor& right,
                  std::optional<Shape> shape = std::nullopt, DType dtype = f32);
// Density proportional to exp(-|x|^p), p > 0: rademacher * Gamma(1/p)^(1/p) (JAX's
// random.generalized_normal; p = 2 is N(0, 1/2), p = 1 Laplace).
Tensor generalized_normal(const Key& key, double p, const Shape& shape = {}, DType dtype = f32);
// Uniform in the unit L^p ball of R^d (JAX's random.ball): shape + [d].
Tensor ball(const Key& key, int64_t d, double p = 2, const Shape& shape = {}, DType dtype = f32);
// Haar-random orthogonal matrices (JAX's random.orthogonal): shape + [n, m] (m defaults to
// n), orthonormal columns when m <= n, rows when n <= m; a normal draw's QR factor q with its
// columns' signs set by r's diagonal.
Tensor orthogonal(const Key& key, int64_t n, const Shape& shape = {}, DType dtype = f32,
                  std::optional<int64_t> m = std::nullopt);

namespace internal {

// XLA's erfinv (M. Giles, "Approximating the erfinv function"), the polynomials JAX's normal
// evaluates, in x's dtype (f32 or f64); erfinv(+-1) = +-max. The erf_inv primitive is refined
// to full precision instead; this one reproduces JAX's streams.
Tensor XlaErfInv(const Tensor& x);

}  // namespace internal

template <int N>
std::array<Key, N> split(const Key& key) {
  static_assert(N >= 0, "split<N>: N must be non-negative");
  const Key keys = split(key, N);
  std::array<Key, N> out;
  for (int i = 0; i < N; ++i) out[i] = keys[i];
  return out;
}

}  // namespace cotangent::random

#endif  // COTANGENT_COTANGENT_RANDOM_H_
