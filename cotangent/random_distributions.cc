// File: cotangent/random_distributions.cc
// The distributions of cotangent/random.h built on gamma draws (gamma, loggamma, beta,
// dirichlet, chisquare, t, f, generalized_normal, ball) and the other transformations of
// JAX's samplers (pareto, weibull_min, maxwell, double_sided_maxwell, multivariate_normal,
// lognormal, rayleigh, wald, triangular, orthogonal), over random_internal.h's building
// blocks; the counts (poisson, geometric, binomial, multinomial) are in random_counts.cc. Each
// cites the JAX definition (jax/_src/random.py) it reproduces;
// tests/cotangent/random_distributions_test.cc checks them against the draws JAX's tests pin.

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <numeric>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/control_flow.h"
#include "cotangent/creation.h"
#include "cotangent/custom_derivatives.h"
#include "cotangent/einsum.h"
#include "cotangent/linalg.h"
#include "cotangent/numpy.h"
#include "cotangent/random.h"
#include "cotangent/random_internal.h"
#include "cotangent/shaping.h"
#include "cotangent/special.h"
#include "cotangent/transforms.h"
#include "cotangent/vmap.h"

namespace cotangent::random {

using internal::Broadcast;
using internal::CheckFloatSampler;
using internal::CheckParameter;
using internal::CheckSampler;
using internal::CheckSampleShape;
using internal::CheckSingleKey;
using internal::Compiled;
using internal::Exponential;
using internal::Normal;
using internal::Parameter;
using internal::Rademacher;
using internal::SampleShape;
using internal::SplitData;
using internal::Uniform;

namespace internal {

// numpy's broadcast of two shapes (broadcast_shapes), or an Error naming op.
Shape Broadcast(const char* op, const Shape& a, const Shape& b) {
  try {
    return broadcast_shapes(a, b);
  } catch (const Error&) {
    ThrowInvalid(op, ": shapes ", ShapeToString(a), " and ", ShapeToString(b), " do not broadcast");
  }
}

void CheckParameter(const char* op, const char* name, const Tensor& x) {
  if (!x.defined() || x.dtype() == DType::kBool) {
    ThrowInvalid(op, ": ", name, " must be a numeric tensor, got ",
                 x.defined() ? x.aval().ToString() : "an undefined tensor");
  }
}

Shape SampleShape(const char* op, const std::optional<Shape>& shape, const Shape& params) {
  if (!shape) return params;
  if (Broadcast(op, *shape, params) != *shape) {
    ThrowInvalid(op, ": parameters of shape ", ShapeToString(params),
                 " do not broadcast to the sample shape ", ShapeToString(*shape));
  }
  return *shape;
}

Shape ParameterShape(const char* op, Parameters params, const std::optional<Shape>& shape) {
  Shape broadcast;
  for (const auto& [name, p] : params) {
    CheckParameter(op, name, *p);
    broadcast = Broadcast(op, broadcast, p->shape());
  }
  return SampleShape(op, shape, broadcast);
}

Shape CheckSampler(const char* op, const Key& key, Parameters params,
                   const std::optional<Shape>& shape, DType dtype, bool halves) {
  const Shape s = ParameterShape(op, params, shape);
  CheckFloatSampler(op, key, s, dtype, halves);
  return s;
}

Tensor Parameter(const Tensor& a, const Shape& shape, DType dtype) {
  return broadcast_to(lax::convert_element_type(a, dtype), shape);
}

}  // namespace internal

namespace {

// JAX's _gamma_one, Marsaglia and Tsang ("A simple method for generating gamma variables",
// 2000) for one alpha (a scalar): with d = a - 1/3 and c = 1/(3 sqrt d), draw x normal until
// v = (1 + c x)^3 > 0, accept d v when U < 1 - 0.0331 x^4 or log U < x^2/2 + d (1 - v + log v),
// else repeat with fresh keys; alpha < 1 samples Gamma(alpha + 1) and multiplies by
// U^(1/alpha) (in log space: adds log U / alpha). The operations and their order are JAX's,
// so the draws are its.
Tensor GammaOne(const Tensor& data, const Tensor& alpha, bool log_space) {
  const DType d = alpha.dtype();
  const Tensor zero = zeros({}, d), one = ones({}, d);
  const Tensor boost = alpha >= 1.0;
  const Tensor a = where(boost, alpha, alpha + 1.0);
  const Tensor dd = a - 1.0 / 3.0;
  const Tensor c = (1.0 / 3.0) / sqrt(dd);
  const Tensor keys = SplitData(data, 2);
  using State = std::tuple<Key, Tensor, Tensor, Tensor>;  // key, X, V, U
  const auto reject = [&](const State& s) {
    const auto& [k, X, V, U] = s;
    return logical_and(U >= 1.0 - 0.0331 * (X * X), log(U) >= X * 0.5 + dd * ((1.0 - V) + log(V)));
  };
  const auto draw = [&](const State& s) {
    const Tensor k3 = SplitData(std::get<0>(s).data(), 3);
    using XV = std::tuple<Key, Tensor, Tensor>;  // key, x, v
    const XV xv = while_loop([](const XV& n) { return std::get<2>(n) <= 0.0; },
                             [&](const XV& n) {
                               const Tensor k2 = SplitData(std::get<0>(n).data(), 2);
                               const Tensor x = Normal(k2[1], {}, d);
                               return XV{Key(k2[0]), x, 1.0 + x * c};
                             },
                             XV{Key(k3[1]), zero, -one});
    const Tensor& x = std::get<1>(xv);
    const Tensor& v = std::get<2>(xv);
    return State{Key(k3[0]), x * x, v * v * v, Uniform(k3[2], {}, d, 0.0, 1.0)};
  };
  const Tensor V = std::get<2>(while_loop(reject, draw, State{Key(keys[0]), zero, one, 2.0 * one}));
  // The boost's uniform is u itself, as in the JAX whose tests pin these draws (later JAX
  // versions use 1 - u, changing every boosted draw).
  const Tensor u = Uniform(keys[1], {}, d, 0.0, 1.0);
  if (log_space) return (log(dd) + log(V)) + where(boost, zero, log(u) * (1.0 / alpha));
  return (dd * V) * where(boost, one, pow(u, 1.0 / alpha));
}

// JAX's _gamma_impl: one key per element (split(key, size)), GammaOne mapped over the
// elements of a.
Tensor GammaDraws(const Tensor& data, const Tensor& a, bool log_space) {
  const int64_t n = a.size();
  const Tensor keys = SplitData(data, n);
  const Tensor samples = vmap([log_space](const Tensor& k, const Tensor& alpha) {
    return GammaOne(k, alpha, log_space);
  })(keys, reshape(a, {n}));
  return reshape(samples, a.shape());
}

// GammaDraws differentiable in a by implicit reparameterization (JAX's random_gamma_p jvp):
// a draw x keeps its quantile P(a, x) as a moves, so dx = random_gamma_grad(a, x) da; in log
// space d log x = dx / x, with x = exp(log x) raised to the smallest normal where it
// underflows to 0 (as JAX).
template <bool kLogSpace>
Tensor Gamma(const Tensor& data, const Tensor& a) {
  static const auto draw = custom_jvp(
      [](const Tensor& k, const Tensor& alpha) { return GammaDraws(k, alpha, kLogSpace); },
      [](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
        const Tensor& alpha = p[1];
        const Tensor out = GammaDraws(p[0], alpha, kLogSpace);
        if (!kLogSpace) return std::make_pair(out, t[1] * lax::random_gamma_grad(alpha, out));
        const Tensor x = exp(out);
        const Tensor safe = where(x == 0.0, finfo(x.dtype()).tiny, x);
        return std::make_pair(out, t[1] * lax::random_gamma_grad(alpha, safe) / safe);
      },
      kLogSpace ? "loggamma" : "gamma");
  return draw(data, a);
}
Tensor Gamma(const Tensor& data, const Tensor& a, bool log_space) {
  return log_space ? Gamma<true>(data, a) : Gamma<false>(data, a);
}

Tensor GammaSampler(const char* op, bool log_space, const Key& key, const Tensor& a,
                    const std::optional<Shape>& shape, DType dtype) {
  const Shape s = CheckSampler(op, key, {{"a", &a}}, shape, dtype);
  static const auto& compiled =
      Compiled([](const Key& k, const Tensor& alpha, const Shape& sh, DType d,
                  bool logs) { return Gamma(k.data(), Parameter(alpha, sh, d), logs); },
               "gamma", {2, 3, 4});
  return compiled(key, a, s, dtype, log_space);
}

}  // namespace

Tensor gamma(const Key& key, const Tensor& a, std::optional<Shape> shape, DType dtype) {
  return GammaSampler("gamma", false, key, a, shape, dtype);
}

Tensor loggamma(const Key& key, const Tensor& a, std::optional<Shape> shape, DType dtype) {
  return GammaSampler("loggamma", true, key, a, shape, dtype);
}

// JAX's _beta: log-gamma draws under split keys, ga / (ga + gb) computed from their exponents
// less the larger one, so that neither underflows alone.
Tensor beta(const Key& key, const Tensor& a, const Tensor& b, std::optional<Shape> shape,
            DType dtype) {
  const Shape s = CheckSampler("beta", key, {{"a", &a}, {"b", &b}}, shape, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& pa, const Tensor& pb, const Shape& sh, DType d) {
        const Tensor keys = SplitData(k.data(), 2);
        const Tensor la = Gamma(keys[0], Parameter(pa, sh, d), true);
        const Tensor lb = Gamma(keys[1], Parameter(pb, sh, d), true);
        const Tensor m = maximum(la, lb);
        const Tensor ga = exp(la - m), gb = exp(lb - m);
        return ga / (ga + gb);
      },
      "beta", {3, 4});
  return compiled(key, a, b, s, dtype);
}

// JAX's _dirichlet: softmax over the last axis of loggamma(key, alpha, shape + [n]).
Tensor dirichlet(const Key& key, const Tensor& alpha, std::optional<Shape> shape, DType dtype) {
  CheckParameter("dirichlet", "alpha", alpha);
  if (alpha.ndim() == 0) {
    ThrowInvalid("dirichlet: alpha must have rank >= 1, got ", alpha.aval().ToString());
  }
  const Shape batch(alpha.shape().begin(), alpha.shape().end() - 1);
  Shape s = SampleShape("dirichlet", shape, batch);
  s.push_back(alpha.shape().back());
  CheckFloatSampler("dirichlet", key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& al, const Shape& sh, DType d) {
        const Tensor g = Gamma(k.data(), Parameter(al, sh, d), true);
        const Tensor e = exp(g - stop_gradient(max(g, {-1}, true)));
        return e / sum(e, {-1}, true);
      },
      "dirichlet", {2, 3});
  return compiled(key, alpha, s, dtype);
}

// JAX's _chisquare: 2 exp(loggamma(df / 2)).
Tensor chisquare(const Key& key, const Tensor& df, std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler("chisquare", key, {{"df", &df}}, shape, dtype);
  static const auto& compiled =
      Compiled([](const Key& k, const Tensor& v, const Shape& sh,
                  DType d) { return exp(Gamma(k.data(), Parameter(v, sh, d) / 2.0, true)) * 2.0; },
               "chisquare", {2, 3});
  return compiled(key, df, s, dtype);
}

// JAX's _t: n sqrt(half_df / g), n normal and g Gamma(df / 2) under split keys.
Tensor t(const Key& key, const Tensor& df, std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler("t", key, {{"df", &df}}, shape, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& v, const Shape& sh, DType d) {
        const Tensor keys = SplitData(k.data(), 2);
        const Tensor half_df = Parameter(v, sh, d) / 2.0;
        return Normal(keys[0], sh, d) * sqrt(half_df / Gamma(keys[1], half_df, false));
      },
      "t", {2, 3});
  return compiled(key, df, s, dtype);
}

// JAX's _f: keys (dfd, dfn) split in that order.
Tensor f(const Key& key, const Tensor& dfnum, const Tensor& dfden, std::optional<Shape> shape,
         DType dtype) {
  const Shape s = CheckSampler("f", key, {{"dfnum", &dfnum}, {"dfden", &dfden}}, shape, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& num, const Tensor& den, const Shape& sh, DType d) {
        const Tensor keys = SplitData(k.data(), 2);
        const Tensor n = Parameter(num, sh, d), m = Parameter(den, sh, d);
        const Tensor chi_n = exp(Gamma(keys[1], n / 2.0, true)) * 2.0;
        const Tensor chi_d = exp(Gamma(keys[0], m / 2.0, true)) * 2.0;
        return (chi_n / n) / (chi_d / m);
      },
      "f", {3, 4});
  return compiled(key, dfnum, dfden, s, dtype);
}

// JAX's _pareto: exp(exponential / b).
Tensor pareto(const Key& key, const Tensor& b, std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler("pareto", key, {{"b", &b}}, shape, dtype);
  static const auto& compiled =
      Compiled([](const Key& k, const Tensor& pb, const Shape& sh,
                  DType d) { return exp(Exponential(k.data(), sh, d) / Parameter(pb, sh, d)); },
               "pareto", {2, 3});
  return compiled(key, b, s, dtype);
}

// JAX's _weibull_min: the inverse CDF, (-log1p(-u))^(1 / concentration) * scale.
Tensor weibull_min(const Key& key, double scale, double concentration, const Shape& shape,
                   DType dtype) {
  CheckFloatSampler("weibull_min", key, shape, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, double sc, double conc, const Shape& sh, DType d) {
        return pow(-log1p(-Uniform(k.data(), sh, d, 0.0, 1.0)), 1.0 / conc) * sc;
      },
      "weibull_min", {1, 2, 3, 4});
  return compiled(key, scale, concentration, shape, dtype);
}

namespace {

// JAX's _maxwell: the norm of 3 standard normals along a last axis.
Tensor Maxwell(const Tensor& data, Shape shape, DType dtype) {
  shape.push_back(3);
  const Tensor z = Normal(data, shape, dtype);
  return sqrt(sum(z * z, {-1}));
}

}  // namespace

Tensor maxwell(const Key& key, const Shape& shape, DType dtype) {
  CheckFloatSampler("maxwell", key, shape, dtype);
  static const auto& compiled =
      Compiled([](const Key& k, const Shape& sh, DType d) { return Maxwell(k.data(), sh, d); },
               "maxwell", {1, 2});
  return compiled(key, shape, dtype);
}

// JAX's _double_sided_maxwell: keys (maxwell, rademacher); the sample shape is shape followed
// by the parameters' broadcast shape.
Tensor double_sided_maxwell(const Key& key, const Tensor& loc, const Tensor& scale,
                            const Shape& shape, DType dtype) {
  CheckParameter("double_sided_maxwell", "loc", loc);
  CheckParameter("double_sided_maxwell", "scale", scale);
  Shape s = shape;
  const Shape params = Broadcast("double_sided_maxwell", loc.shape(), scale.shape());
  s.insert(s.end(), params.begin(), params.end());
  CheckFloatSampler("double_sided_maxwell", key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& mu, const Tensor& sigma, const Shape& sh, DType d) {
        const Tensor keys = SplitData(k.data(), 2);
        return Rademacher(keys[1], sh, d) * Maxwell(keys[0], sh, d) *
                   lax::convert_element_type(sigma, d) +
               lax::convert_element_type(mu, d);
      },
      "double_sided_maxwell", {3, 4});
  return compiled(key, loc, scale, s, dtype);
}

// JAX's _multivariate_normal (method cholesky): mean + einsum('...ij,...j->...i', L, z).
Tensor multivariate_normal(const Key& key, const Tensor& mean, const Tensor& cov,
                           std::optional<Shape> shape, DType dtype) {
  const char* op = "multivariate_normal";
  CheckParameter(op, "mean", mean);
  CheckParameter(op, "cov", cov);
  if (mean.ndim() < 1 || cov.ndim() < 2) {
    ThrowInvalid(op, ": mean must have rank >= 1 and cov rank >= 2, got ", mean.aval().ToString(),
                 " and ", cov.aval().ToString());
  }
  const int64_t n = mean.shape().back();
  if (cov.shape()[cov.ndim() - 1] != n || cov.shape()[cov.ndim() - 2] != n) {
    ThrowInvalid(op, ": cov must be [..., ", n, ", ", n, "] for mean ", mean.aval().ToString(),
                 ", got ", cov.aval().ToString());
  }
  const Shape batch = Broadcast(op, Shape(mean.shape().begin(), mean.shape().end() - 1),
                                Shape(cov.shape().begin(), cov.shape().end() - 2));
  Shape s = SampleShape(op, shape, batch);
  s.push_back(n);
  CheckFloatSampler(op, key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& mu, const Tensor& sigma, const Shape& sh, DType d) {
        const Tensor factor = linalg::cholesky(lax::convert_element_type(sigma, d));
        return lax::convert_element_type(mu, d) +
               einsum("...ij,...j->...i", {factor, Normal(k.data(), sh, d)});
      },
      "multivariate_normal", {3, 4});
  return compiled(key, mean, cov, s, dtype);
}

// JAX's _lognormal: exp(normal * sigma).
Tensor lognormal(const Key& key, const Tensor& sigma, std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler("lognormal", key, {{"sigma", &sigma}}, shape, dtype, true);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& sg, const Shape& sh, DType d) {
        return exp(Normal(k.data(), sh, d) * lax::convert_element_type(sg, d));
      },
      "lognormal", {2, 3});
  return compiled(key, sigma, s, dtype);
}
Tensor lognormal(const Key& key, const Shape& shape, DType dtype) {
  return lognormal(key, scalar(1.0), shape, dtype);
}

// JAX's _rayleigh: scale sqrt(-2 log u).
Tensor rayleigh(const Key& key, const Tensor& scale, std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler("rayleigh", key, {{"scale", &scale}}, shape, dtype, true);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& sc, const Shape& sh, DType d) {
        const Tensor log_u = log(Uniform(k.data(), sh, d, 0.0, 1.0));
        return Parameter(sc, sh, d) * sqrt(log_u * -2.0);
      },
      "rayleigh", {2, 3});
  return compiled(key, scale, s, dtype);
}

// JAX's _wald: Michael, Schucany and Haas's root of the normal draw's square, v^2 = y, taken
// as the smaller root x or its reflection mean^2 / x as a uniform draw falls below
// mean / (mean + x); keys (normal, uniform).
Tensor wald(const Key& key, const Tensor& mean, std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler("wald", key, {{"mean", &mean}}, shape, dtype, true);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& mu, const Shape& sh, DType d) {
        const Tensor keys = SplitData(k.data(), 2);
        const Tensor m = Parameter(mu, sh, d);
        const Tensor v = Normal(keys[0], sh, d), z = Uniform(keys[1], sh, d, 0.0, 1.0);
        const Tensor y = v * v, y_sq = y * y, m_sq = m * m;
        const Tensor root = sqrt(4.0 * m * y + m_sq * y_sq);
        const Tensor x = m + m_sq * y / 2.0 - m / 2.0 * root;
        return where(z <= m / (m + x), x, m_sq / x);
      },
      "wald", {2, 3});
  return compiled(key, mean, s, dtype);
}

// JAX's _triangular: the inverse CDF of one uniform draw, left of the mode below the CDF's
// value there, right of it above.
Tensor triangular(const Key& key, const Tensor& left, const Tensor& mode, const Tensor& right,
                  std::optional<Shape> shape, DType dtype) {
  const Shape s = CheckSampler(
      "triangular", key, {{"left", &left}, {"mode", &mode}, {"right", &right}}, shape, dtype, true);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& a, const Tensor& c, const Tensor& b, const Shape& sh,
         DType d) {
        const Tensor lo = Parameter(a, sh, d), hi = Parameter(b, sh, d), peak = Parameter(c, sh, d);
        const Tensor at_peak = (peak - lo) / (hi - lo);
        const Tensor u = Uniform(k.data(), sh, d, 0.0, 1.0);
        const Tensor below = lo + sqrt(u * (hi - lo) * (peak - lo));
        const Tensor above = hi - sqrt((1.0 - u) * (hi - lo) * (hi - peak));
        return where(u < at_peak, below, above);
      },
      "triangular", {4, 5});
  return compiled(key, left, mode, right, s, dtype);
}

namespace {

// JAX's _generalized_normal: keys (gamma, rademacher), r g^(1/p) with g ~ Gamma(1/p); p is
// traced in JAX, so 1/p is computed in the dtype drawn.
Tensor GeneralizedNormal(const Tensor& data, const Tensor& p, const Shape& shape, DType dtype) {
  const Tensor keys = SplitData(data, 2);
  const Tensor inv_p = 1.0 / lax::convert_element_type(p, dtype);
  const Tensor g = Gamma(keys[0], broadcast_to(inv_p, shape), false);
  return Rademacher(keys[1], shape, dtype) * pow(g, inv_p);
}

void CheckPositive(const char* op, const char* name, double x) {
  if (!(x > 0)) ThrowInvalid(op, ": ", name, " must be positive, got ", x);
}

}  // namespace

Tensor generalized_normal(const Key& key, double p, const Shape& shape, DType dtype) {
  CheckPositive("generalized_normal", "p", p);
  CheckFloatSampler("generalized_normal", key, shape, dtype);
  static const auto& compiled =
      Compiled([](const Key& k, const Tensor& pt, const Shape& sh,
                  DType d) { return GeneralizedNormal(k.data(), pt, sh, d); },
               "generalized_normal", {2, 3});
  return compiled(key, scalar(p, dtype), shape, dtype);
}

// JAX's _ball (Barthe, Guedon, Mendelson and Naor): keys (generalized normal, exponential),
// g / (sum |g|^p + e)^(1/p) for g of shape + [d].
Tensor ball(const Key& key, int64_t d, double p, const Shape& shape, DType dtype) {
  CheckPositive("ball", "p", p);
  if (d < 0) ThrowInvalid("ball: d must be non-negative, got ", d);
  Shape s = shape;
  s.push_back(d);
  CheckFloatSampler("ball", key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Tensor& pt, const Shape& sh, DType dt) {
        const Tensor keys = SplitData(k.data(), 2);
        const Tensor g = GeneralizedNormal(keys[0], pt, sh, dt);
        const Shape batch(sh.begin(), sh.end() - 1);
        const Tensor e = Exponential(keys[1], batch, dt);
        const Tensor pd = lax::convert_element_type(pt, dt);
        return g / expand_dims(pow(sum(pow(abs(g), pd), {-1}) + e, 1.0 / pd), -1);
      },
      "ball", {2, 3});
  return compiled(key, scalar(p, dtype), s, dtype);
}

// JAX's _orthogonal (Mezzadri): the q of the QR factorization of a normal [max, min] draw,
// its columns' signs set by r's diagonal so that the distribution is Haar; transposed when
// n < m.
Tensor orthogonal(const Key& key, int64_t n, const Shape& shape, DType dtype,
                  std::optional<int64_t> m) {
  const int64_t cols = m.value_or(n);
  if (n < 0 || cols < 0) {
    ThrowInvalid("orthogonal: n and m must be non-negative, got ", n, " and ", cols);
  }
  Shape s = shape;
  s.insert(s.end(), {std::max(n, cols), std::min(n, cols)});
  CheckFloatSampler("orthogonal", key, s, dtype);
  static const auto& compiled = Compiled(
      [](const Key& k, const Shape& sh, DType d, bool wide) {
        const linalg::QR f = linalg::qr(Normal(k.data(), sh, d));
        const int64_t rank = static_cast<int64_t>(sh.size());
        const Tensor x = f.q * expand_dims(sign(diagonal(f.r, 0, -2, -1)), -2);
        if (!wide) return x;
        std::vector<int64_t> axes(rank);
        std::iota(axes.begin(), axes.end(), 0);
        std::swap(axes[rank - 1], axes[rank - 2]);
        return transpose(x, axes);
      },
      "orthogonal", {1, 2, 3});
  return compiled(key, s, dtype, n < cols);
}
}  // namespace cotangent::random
