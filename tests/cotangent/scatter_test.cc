// File: tests/cotangent/scatter_test.cc
// scatter, scatter_mul, scatter_min and scatter_max (scatter_add beside them) against a host
// reference written from lax's definition (each window of updates combined, in index order,
// with the operand at its start; a window that does not fit dropped or clamped by mode), the
// values JAX's documentation prints, their derivatives against closed forms where JAX defines
// ties and zeros, central differences in f64 and the VJP identity, vmap against loops, and jit
// against eager. Through tests/testing/primitive_cases.h the jvp, vjp, Hessian and batching
// suites check each rule too.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }
Tensor I(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape, i32); }
Tensor I(const std::vector<double>& v) { return I(v, {static_cast<int64_t>(v.size())}); }
Tensor F(const std::vector<double>& v) { return tensor(v, {static_cast<int64_t>(v.size())}, f64); }

const Primitive kScatters[] = {Primitive::kScatter, Primitive::kScatterAdd, Primitive::kScatterMul,
                               Primitive::kScatterMin, Primitive::kScatterMax};

Tensor Scatter(Primitive prim, const Tensor& x, const Tensor& idx, const Tensor& u,
               const IndexDims& d, IndexMode mode) {
  switch (prim) {
    case Primitive::kScatter:
      return lax::scatter(x, idx, u, d, mode);
    case Primitive::kScatterMul:
      return lax::scatter_mul(x, idx, u, d, mode);
    case Primitive::kScatterMin:
      return lax::scatter_min(x, idx, u, d, mode);
    case Primitive::kScatterMax:
      return lax::scatter_max(x, idx, u, d, mode);
    default:
      return lax::scatter_add(x, idx, u, d, mode);
  }
}

bool Has(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

using Complex = std::complex<double>;

bool IsNan(double x) { return std::isnan(x); }
bool IsNan(const Complex& z) { return std::isnan(z.real()) || std::isnan(z.imag()); }
// max's order: real numbers as usual, complex ones lexicographically (real part first).
bool Above(double a, double b) { return a > b; }
bool Above(const Complex& a, const Complex& b) {
  return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
}

// lax's scatter, element by element: windows in index order, each element combined with what
// the output holds (i32 in int64 arithmetic wrapped to 32 bits, as XLA's; complex numbers
// multiplied as std::complex does and ordered as max).
template <typename T>
std::vector<T> Reference(Primitive prim, const std::vector<T>& x, const Shape& x_shape,
                         const std::vector<double>& idx, const Shape& idx_shape,
                         const std::vector<T>& u, const Shape& u_shape, const IndexDims& d,
                         IndexMode mode, DType dtype) {
  std::vector<T> out = x;
  const int64_t rank = static_cast<int64_t>(x_shape.size());
  Shape window(rank, 1), batch;
  std::vector<int64_t> window_axis(rank, -1), batch_axes;
  for (int64_t a = 0, j = 0; a < rank; ++a) {
    if (Has(d.collapsed_dims, a)) continue;
    window_axis[a] = d.window_dims[j++];
    window[a] = u_shape[window_axis[a]];
  }
  for (int64_t a = 0; a < static_cast<int64_t>(u_shape.size()); ++a) {
    if (!Has(d.window_dims, a)) {
      batch.push_back(u_shape[a]);
      batch_axes.push_back(a);
    }
  }
  const int64_t k = idx_shape.back();
  for (int64_t b = 0; b < NumElements(batch); ++b) {
    const std::vector<int64_t> bi = testing::Unravel(b, batch);
    std::vector<int64_t> start(rank, 0);
    bool dropped = false;
    for (int64_t c = 0; c < k; ++c) {
      const int64_t a = d.start_index_map[c];
      const int64_t limit = x_shape[a] - window[a];
      int64_t s = static_cast<int64_t>(idx[b * k + c]);
      if (s < 0 || s > limit) {
        if (mode == IndexMode::kFill) dropped = true;
        s = std::clamp<int64_t>(s, 0, limit);
      }
      start[a] = s;
    }
    if (dropped) continue;
    for (int64_t w = 0; w < NumElements(window); ++w) {
      const std::vector<int64_t> wi = testing::Unravel(w, window);
      std::vector<int64_t> target(rank), ui(u_shape.size());
      for (size_t j = 0; j < batch_axes.size(); ++j) ui[batch_axes[j]] = bi[j];
      for (int64_t a = 0; a < rank; ++a) {
        target[a] = start[a] + wi[a];
        if (window_axis[a] >= 0) ui[window_axis[a]] = wi[a];
      }
      T& o = out[testing::Ravel(target, x_shape)];
      const T v = u[testing::Ravel(ui, u_shape)];
      switch (prim) {
        case Primitive::kScatter:
          o = v;
          break;
        case Primitive::kScatterAdd:
          o += v;
          break;
        case Primitive::kScatterMul:
          o *= v;
          break;
        case Primitive::kScatterMin: o = (IsNan(o) || (Above(v, o) && !IsNan(v))) ? o : v; break;
        default: o = (IsNan(o) || (Above(o, v) && !IsNan(v))) ? o : v; break;
      }
      if constexpr (std::is_same_v<T, double>) {
        if (dtype == i32)
          o = static_cast<double>(static_cast<int32_t>(
              static_cast<uint32_t>(static_cast<uint64_t>(static_cast<int64_t>(o)))));
      }
    }
  }
  return out;
}

struct Pattern {
  std::string name;
  Shape x, u;
  int64_t k;  // index vector length
  IndexDims d;
};

// Rows of an [5,3] operand (x.at[i] with a trailing window), 2x2 blocks of a [4,5] operand
// started by two components in reverse axis order, and a window axis before the batch axis.
std::vector<Pattern> Patterns(int64_t n) {
  std::vector<Pattern> out(3);
  out[0] = {"rows", {5, 3}, {n, 3}, 1, {}};
  out[0].d.window_dims = {1};
  out[0].d.collapsed_dims = {0};
  out[0].d.start_index_map = {0};
  out[1] = {"blocks", {4, 5}, {n, 2, 2}, 2, {}};
  out[1].d.window_dims = {1, 2};
  out[1].d.start_index_map = {1, 0};
  out[2] = {"columns", {3, 6}, {3, n}, 1, {}};
  out[2].d.window_dims = {0};
  out[2].d.collapsed_dims = {1};
  out[2].d.start_index_map = {1};
  return out;
}

// grad and jvp of a scalar f at x along three random directions against central differences
// in f64; jit of f and of grad(f) against eager.
template <typename F>
void ExpectDerivativesAndJit(const F& f, const Tensor& x, uint32_t seed) {
  const Tensor g = grad(f)(x);
  for (uint32_t s = seed; s < seed + 3; ++s) {
    const Tensor v = testing::Random(x.shape(), s, -1, 1, f64);
    const double fd = V(testing::CentralDifference(f, x, v))[0];
    EXPECT_NEAR(testing::Inner(g, v), fd, 1e-7 * (1 + std::fabs(fd)));
    EXPECT_NEAR(V(jvp(f, {x}, {v}).second)[0], fd, 1e-7 * (1 + std::fabs(fd)));
  }
  EXPECT_TRUE(AllClose(jit(f)(x), f(x), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(grad(f))(x), g, 1e-12, 1e-12));
}

// 60 random configurations per scatter: repeated, negative and too-large starts, both modes,
// f64 and i32 (small values, so products stay exact), bool for scatter.
TEST(ScatterTest, EveryScatterMatchesLaxsDefinition) {
  std::mt19937 rng(17);
  int checked = 0;
  for (Primitive prim : kScatters) {
    for (int trial = 0; trial < 60; ++trial) {
      const int64_t n = 1 + trial % 6;
      const Pattern pat = Patterns(n)[trial % 3];
      const IndexMode mode = trial % 2 ? IndexMode::kFill : IndexMode::kClip;
      const DType dtype = trial % 5 == 4 ? (prim == Primitive::kScatter ? bool_ : i32)
                                         : (trial % 5 == 3 ? i32 : f64);
      const auto draw = [&](int64_t count, double lo, double hi, bool integral) {
        std::vector<double> v(count);
        std::uniform_real_distribution<double> uniform(lo, hi);
        for (double& e : v) e = integral ? std::floor(uniform(rng)) : uniform(rng);
        return v;
      };
      const bool integral = dtype != f64;
      const double lo = dtype == bool_ ? 0 : -3, hi = dtype == bool_ ? 2 : 4;
      const std::vector<double> x = draw(NumElements(pat.x), lo, hi, integral);
      const std::vector<double> u = draw(NumElements(pat.u), lo, hi, integral);
      const int64_t top = *std::max_element(pat.x.begin(), pat.x.end());
      const std::vector<double> idx = draw(n * pat.k, -1, static_cast<double>(top + 1), true);
      const Tensor got = Scatter(prim, tensor(x, pat.x, dtype), I(idx, {n, pat.k}),
                                 tensor(u, pat.u, dtype), pat.d, mode);
      const std::vector<double> want =
          Reference(prim, x, pat.x, idx, {n, pat.k}, u, pat.u, pat.d, mode, dtype);
      ASSERT_EQ(V(got), want) << PrimitiveName(prim) << " " << pat.name << " trial " << trial;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 300);
}

// Complex operands (JAX allows every scatter on them): 40 random configurations per scatter in
// c128, against the reference combining std::complex values in index order. scatter, add, min
// and max are exact; a product of several factors (polar form) within a few ulps per factor
// of the modulus.
TEST(ScatterTest, ComplexScattersMatchTheCombinationInIndexOrder) {
  std::mt19937 rng(29);
  std::uniform_real_distribution<double> uniform(-2, 2);
  std::uniform_int_distribution<int> few(-2, 2);
  for (Primitive prim : kScatters) {
    for (int trial = 0; trial < 40; ++trial) {
      const int64_t n = 1 + trial % 6;
      const Pattern pat = Patterns(n)[trial % 3];
      const IndexMode mode = trial % 2 ? IndexMode::kFill : IndexMode::kClip;
      // Small integer parts half the time, so that real parts tie and the imaginary parts
      // decide min and max.
      const auto draw = [&](int64_t count) {
        std::vector<Complex> v(count);
        for (Complex& e : v) {
          e = trial % 2 ? Complex(few(rng), few(rng)) : Complex(uniform(rng), uniform(rng));
        }
        return v;
      };
      const std::vector<Complex> x = draw(NumElements(pat.x)), u = draw(NumElements(pat.u));
      std::vector<double> idx(n * pat.k);
      const int64_t top = *std::max_element(pat.x.begin(), pat.x.end());
      std::uniform_int_distribution<int64_t> start(-1, top);
      for (double& i : idx) i = static_cast<double>(start(rng));
      const Tensor got = Scatter(prim, from_vector(x, pat.x), I(idx, {n, pat.k}),
                                 from_vector(u, pat.u), pat.d, mode);
      const std::vector<Complex> want =
          Reference(prim, x, pat.x, idx, {n, pat.k}, u, pat.u, pat.d, mode, c128);
      const std::vector<Complex> values = got.to_vector<Complex>();
      ASSERT_EQ(got.dtype(), c128);
      for (size_t e = 0; e < want.size(); ++e) {
        const double tol = prim == Primitive::kScatterMul ? 64 * 0x1p-52 * std::abs(want[e]) : 0;
        ASSERT_LE(std::abs(values[e] - want[e]), tol)
            << PrimitiveName(prim) << " " << pat.name << " trial " << trial << " element " << e
            << ": " << values[e] << " vs " << want[e];
      }
    }
  }
}

TEST(ScatterTest, ComplexMinMaxOrderAndProductsAlongTheAxes) {
  const auto z = [](std::vector<Complex> v) {
    return from_vector(v, {static_cast<int64_t>(v.size())});
  };
  const double nan = std::nan("");
  // max: the largest real part, then the largest imaginary part (numpy's order).
  EXPECT_EQ(
      at(z({{1, 5}, {0, 0}}), I({0, 0, 1})).max(z({{2, -1}, {2, 3}, {-1, 9}})).to_vector<Complex>(),
      (std::vector<Complex>{{2, 3}, {0, 0}}));
  EXPECT_EQ(
      at(z({{1, 5}, {0, 0}}), I({0, 0, 1})).min(z({{1, -1}, {1, 7}, {0, -9}})).to_vector<Complex>(),
      (std::vector<Complex>{{1, -1}, {0, -9}}));
  // A NaN in either part of the operand or an update wins, as in max.
  const std::vector<Complex> m =
      at(z({{1, 0}, {nan, 0}, {3, 0}}), I({0, 2})).max(z({{0, nan}, {1, 1}})).to_vector<Complex>();
  EXPECT_TRUE(std::isnan(m[0].real()) && std::isnan(m[0].imag()));
  EXPECT_TRUE(std::isnan(m[1].real()));
  EXPECT_EQ(m[2], Complex(3, 0));
  // Products of factors along the axes are exact: i * i = -1 with an exact 0 imaginary part,
  // and a real product is the real scatter_mul's; an element no update reaches is untouched.
  EXPECT_EQ(at(z({{1, 0}, {0.1, 0.7}}), I({0, 0})).mul(z({{0, 1}, {0, 1}})).to_vector<Complex>(),
            (std::vector<Complex>{{-1, 0}, {0.1, 0.7}}));
  EXPECT_EQ(at(z({{3, 0}, {2, 0}}), I({0, 1, 1}))
                .mul(z({{-2, 0}, {0, -3}, {0.5, 0}}))
                .to_vector<Complex>(),
            (std::vector<Complex>{{-6, 0}, {0, -3}}));
  // One factor per element (unique indices): exactly z * u, as mul computes it.
  const Tensor a = z({{0.3, -1.7}, {2.1, 0.4}, {5, 5}}), b = z({{1.1, 0.9}, {-0.2, 3.3}});
  const std::vector<Complex> unique = at(a, I({1, 0})).mul(b).to_vector<Complex>();
  EXPECT_EQ(unique[0], (a[0] * b[1]).item<Complex>());
  EXPECT_EQ(unique[1], (a[1] * b[0]).item<Complex>());
  EXPECT_EQ(unique[2], Complex(5, 5));
  // c64 in its parts' precision.
  const Tensor c = astype(at(z({{0.5, 0.25}}), I({0, 0})).mul(z({{1.5, -2}, {0.3, 0.1}})), c64);
  const Complex want = Complex(0.5, 0.25) * Complex(1.5, -2) * Complex(0.3, 0.1);
  const Tensor c64_product =
      at(astype(z({{0.5, 0.25}}), c64), I({0, 0})).mul(astype(z({{1.5, -2}, {0.3, 0.1}}), c64));
  const std::complex<float> got = c64_product.to_vector<std::complex<float>>()[0];
  EXPECT_LE(std::abs(Complex(got.real(), got.imag()) - want), 8 * 0x1p-23 * std::abs(want));
  EXPECT_EQ(c.dtype(), c64);
}

// Derivatives of the complex scatters (pairs of reals, JAX's convention) against central
// differences, and jit (which lowers them to real programs, gather and scatter included)
// against eager.
TEST(ScatterTest, ComplexScatterDerivativesAndJit) {
  const Tensor idx = I({0, 2, 0, 1, 9});
  const auto f = [&](const Tensor& x) {
    const Tensor w = lax::complex(x[0], x[1]);  // [5]
    const Tensor base = lax::complex(cos(x[2]), x[3]);
    const Tensor p = at(base, idx).mul(w);
    const Tensor hi = at(base, idx).max(w * 0.5);
    const Tensor lo = at(base, idx).min(w, IndexMode::kClip);
    const Tensor g = at(base, idx).get(IndexMode::kClip) + lax::pad(base, 0.0, {0}, {0}, {0});
    return sum(real(p * conj(p))) + sum(imag(hi) * real(lo)) + sum(abs(g)) +
           sum(real(lax::pad(base, 0.0, {1}, {2}, {1})));
  };
  const Tensor x = testing::Random({4, 5}, 51, -1, 1, f64);
  ExpectDerivativesAndJit(f, x, 52);
  // jit lowers the complex gather, pad and scatters to real equations: none stays complex.
  for (const Lowered& lowered : {jit(f).lower(x), jit(grad(f)).lower(x)}) {
    const Program& program = lowered.compiled->program();
    for (const Equation& eqn : program.eqns) {
      const bool parts = eqn.prim == Primitive::kReal || eqn.prim == Primitive::kImag ||
                         eqn.prim == Primitive::kComplex;
      EXPECT_TRUE(parts || !IsComplex(program.avals[eqn.outputs[0]].dtype))
          << PrimitiveName(eqn.prim) << " stays complex in\n"
          << lowered.ToString();
    }
  }
}

// jnp's .at[] examples: repeated indices combine in order, out-of-bounds updates drop.
TEST(ScatterTest, FunctionalUpdatesAsJaxNumpy) {
  // jnp.ones(5).at[jnp.array([0, 1, 1])].mul(2.)
  EXPECT_THAT(V(at(ones({5}, f64), I({0, 1, 1})).mul(2.0)), ElementsAre(2, 4, 1, 1, 1));
  // jnp.arange(5.).at[[1, 1, 3]].min(jnp.array([0.5, -1., 7.]))
  EXPECT_THAT(V(at(arange(0.0, 5.0, 1.0, f64), I({1, 1, 3})).min(F({0.5, -1, 7}))),
              ElementsAre(0, -1, 2, 3, 4));
  // jnp.zeros(3).at[[0, 0, 2, 5]].max(jnp.array([-1., 2., 3., 9.])): index 5 dropped.
  EXPECT_THAT(V(at(zeros({3}, f64), I({0, 0, 2, 5})).max(F({-1, 2, 3, 9}))), ElementsAre(2, 0, 3));
  EXPECT_THAT(V(at(zeros({3}, f64), I({5})).max(9.0, IndexMode::kClip)), ElementsAre(0, 0, 9));
  // set: the last of repeated indices is stored (JAX leaves which one unspecified).
  EXPECT_THAT(V(at(zeros({3}, f64), I({1, 1, -1})).set(F({4, 5, 6}))), ElementsAre(0, 5, 6));
  // Rows, and integer and bool arrays: i32 products wrap as XLA's; bool min/max are and/or.
  EXPECT_THAT(V(at(full({2, 2}, 65536, i32), I({1})).mul(tensor({65536, 2}, {2}, i32))),
              ElementsAre(65536, 65536, 0, 131072));
  EXPECT_THAT(V(at(ones({3}, bool_), I({0, 2})).min(tensor({0, 1}, {2}, bool_))),
              ElementsAre(0, 1, 1));
  EXPECT_THAT(V(at(zeros({3}, bool_), I({2})).max(1.0)), ElementsAre(0, 0, 1));
  // NaN wins min and max, from the operand or an update.
  const double nan = std::nan("");
  const std::vector<double> m = V(at(F({nan, 1, 2}), I({0, 1})).min(F({0, nan})));
  EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
  EXPECT_EQ(m[2], 2);
}

// d out / d y for scatter_mul with zeros among the factors (where out / y is no derivative):
// out[0] = 2 * 0 * 5 * 7 and out[1] = 3 * 0 * 0.
TEST(ScatterTest, ScatterMulGradientWithZeroFactorsIsTheProductOfTheOthers) {
  const Tensor x = F({2, 3});
  const Tensor idx = I({0, 0, 0, 1, 1});
  const auto f = [&](const Tensor& xs, const Tensor& y) { return sum(at(xs, idx).mul(y)); };
  const std::vector<Tensor> g = grad(f, {0, 1})(x, F({0, 5, 7, 0, 0}));
  EXPECT_THAT(V(g[0]), ElementsAre(0, 0));
  EXPECT_THAT(V(g[1]), ElementsAre(70, 0, 0, 0, 0));
  const std::vector<Tensor> h = grad(f, {0, 1})(x, F({4, 5, 7, 0, 2}));
  EXPECT_THAT(V(h[0]), ElementsAre(140, 0));
  EXPECT_THAT(V(h[1]), ElementsAre(70, 56, 40, 6, 0));
}

// JAX's scatter_min/max jvp: the tangent of a tie is the mean of the tangents of every value
// attaining it, the operand's own included.
TEST(ScatterTest, ExtremumTiesShareTheTangentAsJax) {
  const Tensor idx = I({0, 0, 1, 2});
  const auto f = [&](const Tensor& x, const Tensor& y) { return sum(at(x, idx).max(y)); };
  // out[0] = max(1, 1, 1): three ways; out[1] = max(5, 3): the operand; out[2] = max(0, 4).
  const std::vector<Tensor> g = grad(f, {0, 1})(F({1, 5, 0}), F({1, 1, 3, 4}));
  EXPECT_TRUE(AllClose(g[0], F({1.0 / 3, 1, 0}), 1e-15, 1e-15));
  EXPECT_TRUE(AllClose(g[1], F({1.0 / 3, 1.0 / 3, 0, 1}), 1e-15, 1e-15));
  const auto m = [&](const Tensor& x, const Tensor& y) { return sum(at(x, idx).min(y)); };
  const std::vector<Tensor> h = grad(m, {0, 1})(F({1, 5, 0}), F({2, 0.5, 3, -4}));
  EXPECT_TRUE(AllClose(h[0], F({0, 0, 0}), 0, 0));
  EXPECT_TRUE(AllClose(h[1], F({0, 1, 1, 1}), 0, 0));
}

// f of every scatter with repeated, dropped and clamped indices, smooth at the test point.
Tensor Combined(const Tensor& x) {
  const Tensor y = sin(x[1]) * 2.0;  // [4]
  const Tensor stored = at(x, I({0, 2, 0, 9})).set(y);
  const Tensor scaled = at(x * x, I({1, 1, 2, 7})).mul(y + 1.5, IndexMode::kClip);
  const Tensor low = at(x, I({3, 3, 0, 0})).min(y * 0.5);
  const Tensor high = at(x, I({2, -1, 2, 1})).max(y + 0.25);
  return sum(stored * scaled) + sum(exp(low)) + sum(high * high);
}

TEST(ScatterTest, GradientsMatchCentralDifferences) {
  const Tensor x = testing::Random({4, 4}, 21, -1, 1, f64);
  ExpectDerivativesAndJit(Combined, x, 22);
  EXPECT_TRUE(AllClose(jacfwd(grad(Combined))(x), jacrev(grad(Combined))(x), 1e-10, 1e-10));
}

// scatter is linear in operand and updates together, repeated indices included (JAX's
// transpose needs unique indices); scatter_mul is linear in the operand.
TEST(ScatterTest, VjpInnerProductIdentity) {
  const Pattern pat = Patterns(5)[1];
  const Tensor idx = I({0, 0, 3, 3, 0, 0, 2, 1, 9, 9}, {5, 2});
  const Tensor x = testing::Random(pat.x, 31, -1, 1, f64),
               u = testing::Random(pat.u, 32, -1, 1, f64);
  const Tensor ct = testing::Random(pat.x, 33, -1, 1, f64);
  for (IndexMode mode : {IndexMode::kClip, IndexMode::kFill}) {
    const auto store = [&](const Tensor& a, const Tensor& b) {
      return lax::scatter(a, idx, b, pat.d, mode);
    };
    auto [y, pullback] = vjp(store, x, u);
    const std::vector<Tensor> cts = pullback(ct);
    EXPECT_NEAR(testing::Inner(ct, y), testing::Inner(cts[0], x) + testing::Inner(cts[1], u),
                1e-12);
    const auto scale = [&](const Tensor& a) { return lax::scatter_mul(a, idx, u, pat.d, mode); };
    auto [z, pullback_mul] = vjp(scale, x);
    EXPECT_NEAR(testing::Inner(ct, z), testing::Inner(pullback_mul(ct)[0], x), 1e-12);
  }
}

// Every scatter under vmap with the operand, the indices, the updates batched in each
// combination, against a loop over the examples.
TEST(ScatterTest, VmapMatchesPerExampleCalls) {
  const Tensor xs = testing::Random({3, 5, 2}, 41, -1, 1, f64);
  const Tensor is = I({0, 4, 4, 1, 1, 1, 2, -1, 0, 3, 7, 3}, {3, 4});
  const Tensor us = testing::Random({3, 4, 2}, 42, -1, 1, f64);
  for (Primitive prim : kScatters) {
    const auto f = [prim](const Tensor& x, const Tensor& i, const Tensor& u) {
      IndexedTensor a = at(x, i);
      switch (prim) {
        case Primitive::kScatter:
          return a.set(u);
        case Primitive::kScatterMul:
          return a.mul(u);
        case Primitive::kScatterMin:
          return a.min(u);
        case Primitive::kScatterMax:
          return a.max(u);
        default:
          return a.add(u);
      }
    };
    for (int mask = 1; mask < 8; ++mask) {
      const auto pick = [&](const Tensor& all, int bit, int64_t b) {
        return mask & bit ? all[b] : all[0];
      };
      std::vector<Tensor> want;
      for (int64_t b = 0; b < 3; ++b)
        want.push_back(f(pick(xs, 1, b), pick(is, 2, b), pick(us, 4, b)));
      const auto axis = [&](int bit) { return mask & bit ? std::optional<int>(0) : std::nullopt; };
      const Tensor got = vmap(f, {axis(1), axis(2), axis(4)})(
          mask & 1 ? xs : xs[0], mask & 2 ? is : is[0], mask & 4 ? us : us[0]);
      EXPECT_TRUE(AllClose(got, stack(want), 1e-15, 1e-15))
          << PrimitiveName(prim) << " mask " << mask;
    }
  }
}

TEST(ScatterTest, BadInputsAreClearErrors) {
  IndexDims d;
  d.window_dims = {1};
  d.collapsed_dims = {0};
  d.start_index_map = {0};
  const Tensor x = zeros({3, 4}, f64);
  EXPECT_THAT(ErrorOf([&] {
                lax::scatter_mul(x, I({1}, {1, 1}), ones({2, 4}, f64), d, IndexMode::kClip);
              }),
              HasSubstr("scatter_mul: operand f64[3,4], indices i32[1,1], updates f64[2,4]"));
  EXPECT_THAT(ErrorOf([&] {
                lax::scatter_max(x, I({1}, {1, 1}), ones({1, 4}, f32), d, IndexMode::kClip);
              }),
              HasSubstr("scatter_max: operand f64[3,4], indices i32[1,1], updates f32[1,4]"));
  EXPECT_THAT(ErrorOf([&] {
                lax::scatter_min(zeros({3, 4}, bool_), I({1}, {1, 1}), ones({1, 4}, bool_), d,
                                 IndexMode::kClip);
              }),
              HasSubstr("scatter_min"));
  EXPECT_THAT(ErrorOf([&] { at(x, I({1})).set(Tensor()); }),
              HasSubstr("at: the values are an undefined tensor"));
}

TEST(ScatterTest, ProgramsPrintLaxsParameters) {
  const auto f = [](const Tensor& x) { return at(x, I({1, 0})).mul(2.0); };
  EXPECT_THAT(make_jaxpr(f)(zeros({3}, f32)).ToString(),
              HasSubstr("scatter_mul[dimension_numbers=ScatterDimensionNumbers("
                        "update_window_dims=(), inserted_window_dims=(0,), "
                        "scatter_dims_to_operand_dims=(0,)) mode=drop]"));
}

}  // namespace
}  // namespace cotangent
