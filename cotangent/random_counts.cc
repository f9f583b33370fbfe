// File: cotangent/random_counts.cc
// The samplers of counts in cotangent/random.h: poisson, geometric, binomial and multinomial,
// each JAX's definition (jax/_src/random.py) over random_internal.h's building blocks, so
// that a key gives JAX's draws; the rejection loops are while_loops over the whole sample,
// one round of draws per iteration, as JAX's. tests/cotangent/random_counts_test.cc checks
// them against JAX's pinned values, host re-computations and moments.

#include <cmath>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/control_flow.h"
#include "cotangent/creation.h"
#include "cotangent/cumulative.h"
#include "cotangent/indexing.h"
#include "cotangent/numpy.h"
#include "cotangent/random.h"
#include "cotangent/random_internal.h"
#include "cotangent/shaping.h"
#include "cotangent/special.h"

namespace cotangent::random {

using internal::CheckSampleShape;
using internal::CheckSingleKey;
using internal::Compiled;
using internal::ParameterShape;
using internal::SplitData;
using internal::Uniform;

namespace {

// The checks of a sampler of integer counts: one key, a shape that can exist, an integer dtype.
void CheckCountSampler(const char* op, const Key& key, const Shape& shape, DType dtype) {
  CheckSingleKey(op, key);
  CheckSampleShape(op, shape, dtype);
  if (!IsInteger(dtype)) {
    ThrowInvalid(op, ": dtype must be an integer dtype, got ", DTypeName(dtype));
  }
}

// JAX's promote_dtypes_inexact of one parameter: floating dtypes stay, others become f32.
DType Inexact(const Tensor& x) { return IsFloating(x.dtype()) ? x.dtype() : DType::kF32; }

}  // namespace

namespace {

// JAX's _poisson_knuth: multiply uniforms until their product falls below exp(-lam), one
// draw per loop iteration for the whole sample (elements already done keep their count).
Tensor PoissonKnuth(const Tensor& data, const Tensor& lam, DType dtype) {
  using State = std::tuple<Tensor, Tensor, Key, Tensor>;  // i, k, key, log_prod
  const Shape& shape = lam.shape();
  const auto more = [&](const State& s) {
    return logical_and(any(std::get<3>(s) > -lam), std::get<0>(s) < 0x7FFFFFFF);
  };
  const auto step = [&](const State& s) {
    const auto& [i, k, key, log_prod] = s;
    const Tensor keys = SplitData(key.data(), 2);
    const Tensor next = where(log_prod > -lam, k + 1, k);
    return State{i + 1, next, Key(keys[0]), log_prod + log(Uniform(keys[1], shape, f32, 0.0, 1.0))};
  };
  const State out = while_loop(
      more, step, State{zeros({}, i32), zeros(shape, dtype), Key(data), zeros(shape, f32)});
  return std::get<1>(out) - 1;
}

// JAX's _poisson_rejection: Hormann's transformed rejection with squeeze ("The transformed
// rejection method for generating Poisson random variables", 1993), constants as JAX's.
Tensor PoissonRejection(const Tensor& data, const Tensor& lam, DType dtype) {
  const Tensor log_lam = log(lam);
  const Tensor b = 0.931 + 2.53 * sqrt(lam);
  const Tensor a = -0.059 + 0.02483 * b;
  const Tensor inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const Tensor v_r = 0.9277 - 3.6224 / (b - 2.0);
  using State = std::tuple<Tensor, Tensor, Tensor, Key>;  // i, k, accepted, key
  const auto more = [](const State& s) {
    return logical_and(any(logical_not(std::get<2>(s))), std::get<0>(s) < 0x7FFFFFFF);
  };
  const auto step = [&](const State& s) {
    const auto& [i, k_out, accepted, key] = s;
    const Tensor keys = SplitData(key.data(), 3);
    const Tensor u = Uniform(keys[1], lam.shape(), f32, 0.0, 1.0) - 0.5;
    const Tensor v = Uniform(keys[2], lam.shape(), f32, 0.0, 1.0);
    const Tensor u_shifted = 0.5 - abs(u);
    const Tensor k = floor((2.0 * a / u_shifted + b) * u + lam + 0.43);
    const Tensor s_ = log(v * inv_alpha / (a / (u_shifted * u_shifted) + b));
    const Tensor t_ = -lam + k * log_lam - lgamma(k + 1.0);
    const Tensor accept1 = logical_and(u_shifted >= 0.07, v <= v_r);
    const Tensor reject = logical_or(k < 0.0, logical_and(u_shifted<0.013, v> u_shifted));
    const Tensor accept = logical_or(accept1, logical_and(logical_not(reject), s_ <= t_));
    return State{i + 1, where(accept, k, k_out), logical_or(accepted, accept), Key(keys[0])};
  };
  const State out = while_loop(
      more, step,
      State{zeros({}, i32), full(lam.shape(), -1.0), zeros(lam.shape(), DType::kBool), Key(data)});
  return lax::convert_element_type(std::get<1>(out), dtype);
}

}  // namespace

// JAX's _poisson: both methods from the same key, Knuth's where lam < 10 or NaN.
Tensor poisson(const Key& key, const Tensor& lam, std::optional<Shape> shape, DType dtype) {
  const Shape s = ParameterShape("poisson", {{"lam", &lam}}, shape);
  CheckCountSampler("poisson", key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& rate, const Shape& sh, DType d) {
        const Tensor l = broadcast_to(lax::convert_element_type(rate, f32), sh);
        const Tensor knuth = logical_or(isnan(l), l < 10.0);
        const Tensor result = where(knuth, PoissonKnuth(k.data(), where(knuth, l, 0.0), d),
                                    PoissonRejection(k.data(), where(knuth, 1e5, l), d));
        return where(l == 0.0, zeros_like(result), result);
      },
      "poisson", {2, 3});
  return compiled(key, lam, s, dtype);
}

// JAX's _geometric: floor(log u / log1p(-p)) + 1 of a uniform draw in p's (inexact) dtype,
// u = 0 taken as 1; p = 0 gives the dtype's maximum (infinitely many trials, saturated).
Tensor geometric(const Key& key, const Tensor& p, std::optional<Shape> shape, DType dtype) {
  const Shape s = ParameterShape("geometric", {{"p", &p}}, shape);
  CheckCountSampler("geometric", key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& prob, const Shape& sh, DType d) {
        const Tensor q = lax::convert_element_type(prob, Inexact(prob));
        const Tensor u = Uniform(k.data(), sh, q.dtype(), 0.0, 1.0);
        const Tensor log_u = log(where(u == 0.0, 1.0, u));
        // log1p(-0) as -0, whatever the backend's log1p keeps: p = 0 never succeeds (+inf,
        // the dtype's maximum after conversion), as JAX's.
        const Tensor log1m = where(q == 0.0, full_like(q, -0.0), log1p(-q));
        const Tensor g = floor(log_u / broadcast_to(log1m, sh)) + 1.0;
        return lax::convert_element_type(g, d);
      },
      "geometric", {2, 3});
  return compiled(key, p, s, dtype);
}

namespace {

// JAX's _binomial_inversion: count the geometric(prob) waiting times (ceil(log u / log(1 -
// prob)), one uniform round per iteration) whose running sum stays within count.
Tensor BinomialInversion(const Tensor& data, const Tensor& count, const Tensor& prob, DType dtype) {
  const Tensor log1m = log1p(-prob);
  using State = std::tuple<Tensor, Tensor, Key>;  // geometric draws counted, their sum, key
  const State out =
      while_loop([&](const State& s) { return any(std::get<1>(s) <= count); },
                 [&](const State& s) {
                   const auto& [num, total, key] = s;
                   const Tensor keys = SplitData(key.data(), 2);  // (subkey, key), as JAX's
                   const Tensor next = where(total <= count, num + 1.0, num);
                   const Tensor u = Uniform(keys[0], prob.shape(), prob.dtype(), 0.0, 1.0);
                   return State{next, total + ceil(log(u) / log1m), Key(keys[1])};
                 },
                 State{zeros_like(prob), zeros_like(prob), Key(data)});
  return lax::convert_element_type(std::get<0>(out) - 1.0, dtype);
}

// JAX's _stirling_approx_tail: log k! - (Stirling's formula), tabulated for k <= 9, else the
// series 1/12 - (1/360 - 1/1260 / (k+1)^2) / (k+1)^2 over (k + 1). As in JAX, the series is
// evaluated at min(k, 9) (the clamp that picks the table row precedes it), which BTRS's
// acceptance bound inherits; kept for JAX's draws.
Tensor StirlingTail(const Tensor& k) {
  const Tensor table =
      tensor({0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
              0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
              0.00925546218271273, 0.00833056343336287},
             {10}, k.dtype());
  const Tensor c = lax::min(lax::max(k, zeros_like(k)), full_like(k, 9.0));
  const Tensor kp1sq = (c + 1.0) * (c + 1.0);
  const Tensor approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (c + 1.0);
  return where(k <= 9.0, take(table, astype(floor(c), DType::kI32)), approx);
}

// JAX's _btrs: Hormann's transformed rejection with squeeze ("The generation of binomial
// random variates", 1993), three keys per round (next key, u, v).
Tensor BinomialBtrs(const Tensor& data, const Tensor& count, const Tensor& prob, DType dtype) {
  const Tensor stddev = sqrt(count * prob * (1.0 - prob));
  const Tensor b = 1.15 + 2.53 * stddev;
  const Tensor a = -0.0873 + 0.0248 * b + 0.01 * prob;
  const Tensor c = count * prob + 0.5;
  const Tensor v_r = 0.92 - 4.2 / b;
  const Tensor r = prob / (1.0 - prob);
  const Tensor alpha = (2.83 + 5.1 / b) * stddev;
  const Tensor m = floor((count + 1.0) * prob);
  using State = std::tuple<Tensor, Tensor, Key>;  // k, accepted, key
  const State out = while_loop(
      [](const State& s) { return any(logical_not(std::get<1>(s))); },
      [&](const State& s) {
        const auto& [k_out, accepted, key] = s;
        const Tensor keys = SplitData(key.data(), 3);
        const Tensor u = Uniform(keys[1], prob.shape(), prob.dtype(), 0.0, 1.0) - 0.5;
        const Tensor v0 = Uniform(keys[2], prob.shape(), prob.dtype(), 0.0, 1.0);
        const Tensor us = 0.5 - abs(u);
        const Tensor accept1 = logical_and(us >= 0.07, v0 <= v_r);
        const Tensor k = floor((2.0 * a / us + b) * u + c);
        const Tensor reject = logical_or(k<0.0, k> count);
        const Tensor v = log(v0 * alpha / (a / (us * us) + b));
        const Tensor ub = (m + 0.5) * log((m + 1.0) / (r * (count - m + 1.0))) +
                          (count + 1.0) * log((count - m + 1.0) / (count - k + 1.0)) +
                          (k + 0.5) * log(r * (count - k + 1.0) / (k + 1.0)) + StirlingTail(m) +
                          StirlingTail(count - m) - StirlingTail(k) - StirlingTail(count - k);
        const Tensor accept = logical_or(accept1, logical_and(logical_not(reject), v <= ub));
        return State{where(accept, k, k_out), logical_or(accepted, accept), Key(keys[0])};
      },
      State{full_like(prob, -1.0), zeros(prob.shape(), DType::kBool), Key(data)});
  return lax::convert_element_type(std::get<0>(out), dtype);
}

// JAX's _binomial (TensorFlow's method): the draw for q = min(p, 1 - p), reflected as n - k
// when p >= 1/2; by inversion where n q <= 10 (or n is NaN or negative), by BTRS otherwise,
// both from the same key; NaN for a NaN or negative n or q, inf for an infinite n. n is
// floored, as numpy's. Where q = 0 the draw is 0 (n for p = 1) without a loop: JAX's
// inversion ends there only because log1p(-0) is -0 (its steps +inf), which a backend's log1p
// need not keep, and JAX's BTRS never ends for an infinite n with q = 0 (inf here, as for
// any infinite n).
Tensor Binomial(const Tensor& data, const Tensor& n, const Tensor& p, DType dtype) {
  const Tensor low = p < 0.5;
  Tensor q = where(low, p, 1.0 - p);
  const Tensor count_bad = logical_or(isnan(n), n < 0.0), count_inf = isinf(n);
  const Tensor q_nan = isnan(q), q_neg = q < 0.0, none = q == 0.0;
  q = where(logical_or(q_nan, q_neg), full_like(q, 0.01), q);
  const Tensor inversion = logical_or(logical_or(count_bad, none), n * q <= 10.0);
  const Tensor count = floor(n);
  const Tensor by_inversion = BinomialInversion(
      data, where(logical_and(inversion, logical_not(none)), count, zeros_like(count)),
      where(none, full_like(q, 0.5), q), dtype);
  const Tensor by_btrs = BinomialBtrs(data, where(inversion, full_like(count, 1e4), count),
                                      where(inversion, full_like(q, 0.5), q), dtype);
  Tensor samples = where(inversion, by_inversion, by_btrs);
  const Tensor invalid = logical_or(logical_or(q_neg, q_nan), count_bad);
  samples = where(invalid, full_like(samples, NAN), samples);
  samples =
      where(logical_and(count_inf, logical_not(invalid)), full_like(samples, INFINITY), samples);
  const Tensor keep = logical_or(logical_or(low, count_bad), logical_or(q_nan, count_inf));
  return where(keep, samples, lax::convert_element_type(count, dtype) - samples);
}

}  // namespace

Tensor binomial(const Key& key, const Tensor& n, const Tensor& p, std::optional<Shape> shape,
                DType dtype) {
  const Shape s = internal::CheckSampler("binomial", key, {{"n", &n}, {"p", &p}}, shape, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& count, const Tensor& prob, const Shape& sh, DType d) {
        const DType pd = Inexact(prob);
        return Binomial(k.data(), internal::Parameter(count, sh, pd),
                        internal::Parameter(prob, sh, pd), d);
      },
      "binomial", {3, 4});
  return compiled(key, n, p, s, dtype);
}

// JAX's multinomial: a scan over the outcomes (keys split one per outcome), each drawing
// binomial(remaining trials, p_i / (the probability remaining)) in n's and p's common
// inexact dtype.
Tensor multinomial(const Key& key, const Tensor& n, const Tensor& p, std::optional<Shape> shape,
                   DType dtype) {
  const char* op = "multinomial";
  internal::CheckParameter(op, "n", n);
  internal::CheckParameter(op, "p", p);
  if (p.ndim() == 0)
    ThrowInvalid(op, ": p must have rank >= 1 (outcomes last), got ", p.aval().ToString());
  const Shape s = shape.value_or(p.shape());
  if (s.empty() || internal::Broadcast(op, s, p.shape()) != s) {
    ThrowInvalid(op, ": p of shape ", ShapeToString(p.shape()),
                 " does not broadcast to the sample shape ", ShapeToString(s));
  }
  const Shape batch(s.begin(), s.end() - 1);
  internal::SampleShape(op, batch, n.shape());
  internal::CheckFloatSampler(op, key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& trials, const Tensor& prob, const Shape& sh, DType d) {
        const DType pd = PromoteTypes(Inexact(trials), Inexact(prob));
        const int64_t rank = static_cast<int64_t>(sh.size());
        const Shape batch(sh.begin(), sh.end() - 1);
        // The outcomes first: [k, batch...].
        std::vector<int64_t> first(rank);
        first[0] = rank - 1;
        for (int64_t a = 1; a < rank; ++a) first[a] = a - 1;
        const Tensor probs = transpose(internal::Parameter(prob, sh, pd), first);
        const Tensor remaining = cumsum(probs, 0, /*reverse=*/true);
        const Tensor ratios = probs / where(remaining == 0.0, 1.0, remaining);
        const Tensor keys = SplitData(k.data(), sh.back());
        const auto [left, counts] = scan(
            [&](const Tensor& rest, const std::tuple<Tensor, Tensor>& row) {
              const auto& [ratio, row_key] = row;
              const Tensor count = Binomial(row_key, rest, clip(ratio, 0.0, 1.0), pd);
              return std::pair{rest - count, count};
            },
            internal::Parameter(trials, batch, pd), std::tuple<Tensor, Tensor>{ratios, keys});
        std::vector<int64_t> last(rank);
        for (int64_t a = 0; a + 1 < rank; ++a) last[a] = a + 1;
        last[rank - 1] = 0;
        return lax::convert_element_type(transpose(counts, last), d);
      },
      "multinomial", {3, 4});
  return compiled(key, n, p, s, dtype);
}

}  // namespace cotangent::random
