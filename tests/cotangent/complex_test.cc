// File: tests/cotangent/complex_test.cc
// c64 and c128: values against std::complex (the C library's complex functions, in double),
// movement and reductions against host references, numpy's printing and JAX's promotion
// table, and derivatives by JAX's conventions: grad of a real function of z is df/dx - i df/dy
// (JAX's documented 6-8j for |z|^2 at 3+4j), holomorphic grad and Jacobians give f'(z),
// jvp against central differences, the VJP identity under the pairing Re(sum(a b)), jit
// against eager, and clear errors where complex is not defined.

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using C = std::complex<double>;
using testing::AllClose;
using testing::ErrorOf;
using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor Complex128(const std::vector<C>& values) {
  return from_vector(values, {static_cast<int64_t>(values.size())});
}

Tensor Z(double re, double im) { return from_vector(std::vector<C>{{re, im}}, {}); }

// Points across the plane: the axes, both signs, tiny and large magnitudes, the branch cut.
std::vector<C> Points() {
  return {{0.5, 0.25}, {-1.5, 2.0}, {3.0, -4.0},  {-2.0, -0.5}, {1e-8, 2e-8}, {0.0, 1.0},
          {-4.0, 0.0}, {2.0, 0.0},  {30.0, 20.0}, {-0.3, 1e-9}, {7.0, -0.001}};
}

// |got - want| within ulps * eps * |want| (the modulus: a part near 0 of a large value is as
// accurate as the value).
void ExpectNear(C got, C want, double ulps, const char* what, C z) {
  const double tol =
      ulps * std::numeric_limits<double>::epsilon() * std::max(std::abs(want), 1e-300);
  EXPECT_LE(std::abs(got - want), tol) << what << "(" << z << "): " << got << " vs " << want;
}

TEST(ComplexTest, UnaryFunctionsMatchStdComplexInC128) {
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::function<C(C)> ref;
    double ulps;
  };
  const std::vector<Case> cases = {
      {"exp", [](const Tensor& z) { return exp(z); }, [](C z) { return std::exp(z); }, 8},
      {"log", [](const Tensor& z) { return log(z); }, [](C z) { return std::log(z); }, 8},
      {"sqrt", [](const Tensor& z) { return sqrt(z); }, [](C z) { return std::sqrt(z); }, 8},
      {"sin", [](const Tensor& z) { return sin(z); }, [](C z) { return std::sin(z); }, 8},
      {"cos", [](const Tensor& z) { return cos(z); }, [](C z) { return std::cos(z); }, 8},
      {"tanh", [](const Tensor& z) { return tanh(z); }, [](C z) { return std::tanh(z); }, 16},
      {"expm1", [](const Tensor& z) { return expm1(z); },
       [](C z) {
         return std::abs(z) < 1e-4 ? z + z * z / 2.0 + z * z * z / 6.0 : std::exp(z) - 1.0;
       },
       16},
      {"log1p", [](const Tensor& z) { return log1p(z); },
       [](C z) {
         return std::abs(z) < 1e-4 ? z - z * z / 2.0 + z * z * z / 3.0 : std::log(1.0 + z);
       },
       16},
      {"sign", [](const Tensor& z) { return sign(z); }, [](C z) { return z / std::abs(z); }, 4},
      {"square", [](const Tensor& z) { return z * z; }, [](C z) { return z * z; }, 4},
      {"reciprocal", [](const Tensor& z) { return 1.0 / z; }, [](C z) { return 1.0 / z; }, 4},
      {"conj", [](const Tensor& z) { return conj(z); }, [](C z) { return std::conj(z); }, 0},
  };
  const std::vector<C> points = Points();
  for (const Case& c : cases) {
    const std::vector<C> got = c.f(Complex128(points)).to_vector<C>();
    ASSERT_EQ(got.size(), points.size()) << c.name;
    for (size_t i = 0; i < points.size(); ++i) {
      if (std::string(c.name) == "log1p" && points[i] == C(-4.0, 0.0)) continue;  // cut
      ExpectNear(got[i], c.ref(points[i]), c.ulps, c.name, points[i]);
    }
  }
  // The principal branches on the cut, as C99: sqrt(-4) = 2i, log(-4) = log 4 + i pi.
  EXPECT_EQ(sqrt(Complex128({{-4.0, 0.0}})).to_vector<C>()[0], C(0.0, 2.0));
  ExpectNear(log(Complex128({{-4.0, 0.0}})).to_vector<C>()[0], std::log(C(-4.0, 0.0)), 4, "log",
             C(-4.0, 0.0));
  // Special values: sqrt(0) = 0, exp of a real infinity keeps the 0 imaginary part, |inf| = inf.
  EXPECT_EQ(sqrt(Complex128({{0.0, 0.0}})).to_vector<C>()[0], C(0.0, 0.0));
  EXPECT_EQ(exp(Complex128({{kInf, 0.0}})).to_vector<C>()[0], C(kInf, 0.0));
  EXPECT_EQ(abs(Complex128({{kInf, 1.0}, {3.0, kInf}})).to_vector<double>(),
            (std::vector<double>{kInf, kInf}));
}

TEST(ComplexTest, BinaryFunctionsMatchStdComplexInC128) {
  std::vector<C> a = Points(), b = Points();
  std::rotate(b.begin(), b.begin() + 3, b.end());
  const Tensor x = Complex128(a), y = Complex128(b);
  const std::vector<C> sum = (x + y).to_vector<C>(), diff = (x - y).to_vector<C>(),
                       prod = (x * y).to_vector<C>(), quot = (x / y).to_vector<C>(),
                       power = pow(x, y).to_vector<C>();
  for (size_t i = 0; i < a.size(); ++i) {
    ExpectNear(sum[i], a[i] + b[i], 1, "add", a[i]);
    ExpectNear(diff[i], a[i] - b[i], 1, "sub", a[i]);
    ExpectNear(prod[i], a[i] * b[i], 4, "mul", a[i]);
    ExpectNear(quot[i], a[i] / b[i], 4, "div", a[i]);
    if (std::abs(std::pow(a[i], b[i])) < 1e100) {
      ExpectNear(power[i], std::pow(a[i], b[i]), 1e4, "pow", a[i]);
    }
  }
  // Smith's division neither overflows nor underflows where |b|^2 would.
  EXPECT_TRUE(AllClose(Complex128({{1e300, 1e300}}) / Complex128({{1e300, 1e300}}),
                       Complex128({{1.0, 0.0}}), 1e-15, 0));
  EXPECT_TRUE(AllClose(Complex128({{1e-300, 1e-300}}) / Complex128({{1e-300, 2e-300}}),
                       Complex128({{0.6, -0.2}}), 1e-15, 0));
  EXPECT_TRUE(AllClose(abs(Complex128({{3e300, 4e300}, {3e-300, 4e-300}})),
                       tensor({5e300, 5e-300}, {2}, f64), 1e-15, 0));
  // 0^0 = 1 and 0^b = 0 for Re b > 0, as JAX.
  EXPECT_EQ(pow(Complex128({{0, 0}, {0, 0}}), Complex128({{0, 0}, {2, 1}})).to_vector<C>(),
            (std::vector<C>{{1, 0}, {0, 0}}));
  EXPECT_EQ((x == x).to_vector<bool>(), std::vector<bool>(a.size(), true));
  EXPECT_EQ((x != conj(x)).to_vector<bool>(), (std::vector<bool>{true, true, true, true, true, true,
                                                                 false, false, true, true, true}));
}

TEST(ComplexTest, C64ComputesInItsPartsPrecision) {
  const std::vector<C> points = Points();
  const Tensor z = astype(Complex128(points), c64);
  EXPECT_EQ(z.dtype(), c64);
  EXPECT_EQ(real(z).dtype(), f32);
  EXPECT_EQ(abs(z).dtype(), f32);
  const std::vector<std::complex<float>> got = (exp(z) * sin(z)).to_vector<std::complex<float>>();
  for (size_t i = 0; i < points.size(); ++i) {
    const C z32(static_cast<float>(points[i].real()), static_cast<float>(points[i].imag()));
    const C want = std::exp(z32) * std::sin(z32);
    EXPECT_LE(std::abs(C(got[i]) - want), 64 * 0x1p-24 * std::abs(want)) << points[i];
  }
}

TEST(ComplexTest, PromotionFollowsJaxsLattice) {
  EXPECT_EQ(PromoteTypes(f32, c64), c64);
  EXPECT_EQ(PromoteTypes(f64, c64), c128);
  EXPECT_EQ(PromoteTypes(i64, c64), c64);
  EXPECT_EQ(PromoteTypes(bf16, c64), c64);
  EXPECT_EQ(PromoteTypes(f16, c128), c128);
  EXPECT_EQ(PromoteTypes(bool_, c128), c128);
  EXPECT_EQ(PromoteTypes(c64, c128), c128);
  const Tensor z = zeros({2}, c64);
  EXPECT_EQ((z * 2.0).dtype(), c64);  // a weak float keeps complex
  EXPECT_EQ((z + 1).dtype(), c64);
  EXPECT_EQ((z + ones({2}, f64)).dtype(), c128);
  EXPECT_EQ((ones({2}, i32) * z).dtype(), c64);
  EXPECT_EQ(DTypeName(c64), std::string("c64"));
  EXPECT_EQ(DTypeSize(c128), 16);
}

// A std::complex operand is a weak complex (JAX's Python complex scalars): it makes f64 c128 and
// every other real dtype c64, keeps c64 and c128, and joins arithmetic, comparisons (in the
// lexicographic order), derivatives and jit like any other scalar.
TEST(ComplexTest, ComplexScalarsAreWeaklyTyped) {
  using namespace std::complex_literals;  // NOLINT: 1i
  using CF = std::complex<float>;
  const Tensor x = tensor({1, 2}, {2}, f32);
  EXPECT_EQ((x * 1i).to_vector<CF>(), (std::vector<CF>{{0, 1}, {0, 2}}));
  EXPECT_EQ((tensor({1.0}, {1}, f64) + 2.0i).dtype(), c128);
  EXPECT_EQ((ones({1}, i32) + 1i).dtype(), c64);
  EXPECT_EQ((ones({1}, f16) - 1i).dtype(), c64);
  EXPECT_EQ((ones({1}, bool_) * 1i).dtype(), c64);
  EXPECT_EQ((ones({1}, c128) * CF(0, 1)).dtype(), c128);
  EXPECT_EQ((ones({1}, c64) * 1i).dtype(), c64);
  const Tensor z = Complex128({{3, 4}, {-1, 0.5}});
  EXPECT_EQ((1i / z).to_vector<C>(), (std::vector<C>{1i / C(3, 4), 1i / C(-1, 0.5)}));
  EXPECT_EQ((z - C(1, 1)).to_vector<C>(), (std::vector<C>{{2, 3}, {-2, -0.5}}));
  EXPECT_EQ(pow(z, C(2, 0)).dtype(), c128);
  EXPECT_EQ(where(tensor({1, 0}, {2}, bool_), z, 1i).to_vector<C>()[1], 1i);
  // Euler's formula, and its derivative: d/dt Re(exp(i t)) = -sin t.
  const Tensor t = tensor({0.3, -1.2}, {2}, f64);
  EXPECT_TRUE(AllClose(exp(1i * t), complex(cos(t), sin(t)), 1e-15, 0));
  EXPECT_TRUE(
      AllClose(grad([](const Tensor& u) { return sum(real(exp(u * 1i))); })(t), -sin(t), 1e-15, 0));
  EXPECT_EQ(jit([](const Tensor& u) { return u * 2i + 1.0; })(z).to_vector<C>(),
            (std::vector<C>{C(3, 4) * 2i + 1.0, C(-1, 0.5) * 2i + 1.0}));
  EXPECT_EQ((x - 1.0 < 1i).to_vector<bool>(), (std::vector<bool>{true, false}));
}

TEST(ComplexTest, MovementAndReductionsMoveWholeNumbers) {
  std::vector<C> v;
  for (int i = 0; i < 6; ++i) v.push_back({1.0 + i, -2.0 * i});
  const Tensor z = from_vector(v, {2, 3});
  const auto el = [&](int i, int j) { return v[3 * i + j]; };
  EXPECT_EQ(transpose(z).to_vector<C>(),
            (std::vector<C>{el(0, 0), el(1, 0), el(0, 1), el(1, 1), el(0, 2), el(1, 2)}));
  EXPECT_EQ(reshape(z, {3, 2}).to_vector<C>(), v);
  EXPECT_EQ(slice(z, {0, 1}, {2, 3}).to_vector<C>(),
            (std::vector<C>{el(0, 1), el(0, 2), el(1, 1), el(1, 2)}));
  EXPECT_EQ(broadcast_to(slice(z, {0, 0}, {1, 3}), {2, 3}).to_vector<C>(),
            (std::vector<C>{el(0, 0), el(0, 1), el(0, 2), el(0, 0), el(0, 1), el(0, 2)}));
  EXPECT_EQ(concatenate({z, z}, 0).shape(), (Shape{4, 3}));
  EXPECT_EQ(sum(z, {1}).to_vector<C>(),
            (std::vector<C>{el(0, 0) + el(0, 1) + el(0, 2), el(1, 0) + el(1, 1) + el(1, 2)}));
  EXPECT_EQ(take(z, tensor({2, 0}, {2}, i32), 1).to_vector<C>(),
            (std::vector<C>{el(0, 2), el(0, 0), el(1, 2), el(1, 0)}));
  const Tensor updated = at(z, {scalar(1, i32), scalar(2, i32)}).add(1.0);
  EXPECT_EQ(updated.to_vector<C>()[5], el(1, 2) + 1.0);
  EXPECT_EQ(at(z, tensor({1}, {1}, i32)).set(zeros({1, 3}, c128)).to_vector<C>()[4], C(0, 0));
  EXPECT_EQ(where(tensor({1, 0, 1}, {3}, bool_), z, conj(z)).to_vector<C>()[1],
            std::conj(el(0, 1)));
  // Matrix products: four real products, against the definition.
  const Tensor m = matmul(z, transpose(z));
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      C want = 0;
      for (int k = 0; k < 3; ++k) want += el(i, k) * el(j, k);
      EXPECT_EQ(m.to_vector<C>()[2 * i + j], want);
    }
  }
  // Parts and conversions: to a real dtype keeps the real part, from one adds a 0i.
  EXPECT_EQ(real(z).to_vector<double>()[1], 2.0);
  EXPECT_EQ(imag(z).to_vector<double>()[1], -2.0);
  EXPECT_EQ(astype(z, f32).to_vector<float>()[2], 3.0f);
  EXPECT_EQ(astype(tensor({1.5}, {1}, f16), c64).to_vector<std::complex<float>>()[0],
            std::complex<float>(1.5f, 0.0f));
  EXPECT_EQ(astype(Complex128({{0, 0}, {0, 1}, {2, 0}}), bool_).to_vector<bool>(),
            (std::vector<bool>{false, true, true}));
  EXPECT_EQ(complex(tensor({1, 2}, {2}, f64), tensor({3, 4}, {2}, f64)).to_vector<C>(),
            (std::vector<C>{{1, 3}, {2, 4}}));
  EXPECT_EQ(full({2}, 2.5, c64).to_vector<std::complex<float>>(),
            (std::vector<std::complex<float>>{{2.5f, 0.0f}, {2.5f, 0.0f}}));
  // Scans and statistics: cumsum and cumprod multiply whole numbers; var is real, of |x - mean|.
  EXPECT_EQ(cumsum(Complex128({{1, 1}, {2, -1}, {0, 3}})).to_vector<C>(),
            (std::vector<C>{{1, 1}, {3, 0}, {3, 3}}));
  EXPECT_EQ(cumprod(Complex128({{1, 1}, {2, -1}, {0, 3}})).to_vector<C>(),
            (std::vector<C>{{1, 1}, {3, 1}, {-3, 9}}));
  EXPECT_EQ(var(Complex128({{1, 1}, {-1, -1}})).item<double>(), 2.0);
  EXPECT_EQ(mean(Complex128({{1, 1}, {3, -1}})).item<C>(), C(2, 0));
  EXPECT_EQ(linalg::norm(Complex128({{3, 4}, {0, 0}})).item<double>(), 5.0);
  EXPECT_TRUE(
      AllClose(angle(Complex128({{0, 1}, {-1, 0}})), tensor({M_PI / 2, M_PI}, {2}, f64), 1e-15, 0));
}

TEST(ComplexTest, PrintsAsNumpy) {
  std::ostringstream os;
  os << Complex128({{1, 2}, {3.5, -1}});
  EXPECT_EQ(os.str(), "[1. +2.j 3.5-1.j]");
  os.str("");
  os << from_vector(std::vector<C>{{1, 2}}, {});
  EXPECT_EQ(os.str(), "(1+2j)");
  os.str("");
  os << from_vector(std::vector<C>{{0, -2.5}}, {});
  EXPECT_EQ(os.str(), "-2.5j");
}

// prod multiplies whole numbers in a tree (core/rules/reduction.cc): its values against
// std::complex's products, its holomorphic gradient against prod / z_i (no zero factors here)
// and, with a zero factor, against the product of the others.
TEST(ComplexTest, ProdAndItsHolomorphicGradient) {
  const std::vector<C> v = {{1, 2}, {3, -1}, {-0.5, 0.25}, {2, 0}, {0, -1.5}, {1.25, 1}, {-1, -1}};
  const Tensor z = Complex128(v);
  C want = 1;
  for (C c : v) want *= c;
  ExpectNear(prod(z).item<C>(), want, 8, "prod", want);
  EXPECT_EQ(prod(reshape(slice(z, {0}, {6}), {2, 3}), {0}).to_vector<C>(),
            (std::vector<C>{v[0] * v[3], v[1] * v[4], v[2] * v[5]}));
  EXPECT_EQ(prod(zeros({0}, c64)).item<std::complex<float>>(), std::complex<float>(1, 0));
  const std::vector<C> dz =
      grad([](const Tensor& u) { return prod(u); }, holomorphic)(z).to_vector<C>();
  for (size_t i = 0; i < v.size(); ++i) ExpectNear(dz[i], want / v[i], 16, "d prod", v[i]);
  std::vector<C> w = v;
  w[2] = 0;
  const std::vector<C> dw =
      grad([](const Tensor& u) { return prod(u); }, holomorphic)(Complex128(w)).to_vector<C>();
  C others = 1;
  for (size_t i = 0; i < w.size(); ++i) others *= i == 2 ? C(1) : w[i];
  for (size_t i = 0; i < w.size(); ++i) {
    EXPECT_EQ(dw[i] == C(0), i != 2) << i;
  }
  ExpectNear(dw[2], others, 16, "d prod at a zero factor", w[2]);
}

// f: C -> R at 3+4j: JAX's documented gradient of |z|^2 is 2 conj(z) = 6-8j.
TEST(ComplexTest, GradOfARealFunctionIsTheConjugateConvention) {
  const auto f = [](const Tensor& z) { return real(z * conj(z)); };
  EXPECT_EQ(grad(f)(Complex128({{3, 4}})[0]).item<C>(), C(6, -8));
  // Against central differences along each part: grad = df/dx - i df/dy.
  const auto g = [](const Tensor& z) { return sum(abs(sin(z)) * real(exp(z))); };
  std::vector<C> points;
  for (C p : Points()) {
    // Where the sum keeps the differences' digits and |sin z| is smooth at the step's scale.
    if (std::abs(p) < 10 && std::abs(p) > 1e-4) points.push_back(p);
  }
  const std::vector<C> dz = grad(g)(Complex128(points)).to_vector<C>();
  for (size_t i = 0; i < points.size(); ++i) {
    const auto along = [&](C step) {
      std::vector<C> e(points.size(), 0.0);
      e[i] = step;
      return (g(Complex128(points) + Complex128(e)).item<double>() -
              g(Complex128(points) - Complex128(e)).item<double>()) /
             (2 * std::abs(step));
    };
    const double dx = along(1e-6), dy = along(C(0, 1e-6));
    EXPECT_NEAR(dz[i].real(), dx, 1e-6 * (1 + std::abs(dx))) << points[i];
    EXPECT_NEAR(dz[i].imag(), -dy, 1e-6 * (1 + std::abs(dy))) << points[i];
  }
}

// JAX's api_test: test_holomorphic_grad, test_nonholomorphic_grad, test_nonholomorphic_jacrev,
// test_heterogeneous_grad and test_linear_transpose_complex, with their expected values.
TEST(ComplexTest, JaxsComplexDerivativeValues) {
  EXPECT_TRUE(AllClose(grad([](const Tensor& z) { return sin(z); }, holomorphic)(Z(1, 2)),
                       Z(2.0327230070196656, -3.0518977991518), 1e-14, 0));
  const Tensor zs = complex(arange(0.0, 5.0, 1.0, f64), 0.5 * arange(0.0, 5.0, 1.0, f64));
  const Tensor nonholomorphic = grad([](const Tensor& z) { return sum(cos(abs(z))); })(zs);
  const std::vector<C> want = {{0, 0},
                               {-0.80430663, 0.40215331},
                               {-0.70368982, 0.35184491},
                               {0.1886467, -0.09432335},
                               {0.86873727, -0.43436864}};
  EXPECT_TRUE(AllClose(nonholomorphic, Complex128(want), 1e-7, 1e-8));
  const auto norm_cos = [](const Tensor& z) { return cos(linalg::norm(2.0 * z)); };
  EXPECT_TRUE(AllClose(jacrev(norm_cos)(zs), grad(norm_cos)(zs), 1e-14, 1e-14));
  const auto pair = [](const std::tuple<Tensor, Tensor>& t) {
    return square(abs(std::get<0>(t))) + std::get<1>(t);
  };
  const auto [gx, gy] = grad(pair)(std::make_tuple(Z(1, 1), scalar(2.0, f64)));
  EXPECT_EQ(gx.item<C>(), C(2, -2));
  EXPECT_EQ(gy.item<double>(), 1.0);
  // The transpose of x -> (1+2i) x at 3+4i: (1+2i)(3+4i) = -5+10i, no conjugate.
  const auto [y, pullback] = vjp([](const Tensor& x) { return Z(1, 2) * x; }, Z(0, 1));
  EXPECT_EQ(pullback(Z(3, 4))[0].item<C>(), C(-5, 10));
}

TEST(ComplexTest, HolomorphicDerivativesAreFPrime) {
  const Tensor z = Complex128({{1, 2}})[0];
  EXPECT_TRUE(
      AllClose(grad([](const Tensor& w) { return sin(w); }, holomorphic)(z), cos(z), 1e-15, 0));
  const auto cube = [](const Tensor& w) { return w * w * w; };
  EXPECT_TRUE(AllClose(grad(cube, holomorphic)(z), 3.0 * z * z, 1e-15, 0));
  EXPECT_TRUE(AllClose(hessian(cube, 0, holomorphic)(z), 6.0 * z, 1e-15, 0));
  // Jacobians of an elementwise holomorphic map: diag(f'(z)), both modes.
  const Tensor v = Complex128({{0.5, -1}, {2, 0.25}, {-1, 1}});
  const auto f = [](const Tensor& w) { return exp(w) / (1.0 + w * w) + sqrt(w) * log(w); };
  const Tensor fwd = jacfwd(f, 0, holomorphic)(v), rev = jacrev(f, 0, holomorphic)(v);
  EXPECT_TRUE(AllClose(fwd, rev, 1e-13, 1e-13));
  // f'(z) by a complex central difference along 1 (exact for holomorphic f to O(h^2)).
  const double h = 1e-6;
  const Tensor fd = (f(v + h) - f(v - h)) / (2 * h);
  EXPECT_TRUE(AllClose(diagonal(fwd), fd, 1e-8, 1e-8));
}

// The pairing of cotangents with tangents is Re(sum(a b)) (JAX's transposes conjugate
// nothing): <v, J u> = <J^T v, u> for random complex u, v, through movement, matmul, parts.
TEST(ComplexTest, VjpMatchesJvpUnderTheRealPairing) {
  const auto g = [](const Tensor& z) {
    const Tensor m = reshape(z, {2, 3});
    const Tensor p = matmul(m, transpose(conj(m))) * exp(slice(m, {0, 0}, {2, 2}));
    return concatenate({reshape(p, {4}), complex(abs(z), real(z) * imag(z))}, 0) / (z[0] + 3.0);
  };
  const auto rand = [](uint32_t seed) {
    return complex(testing::Random({6}, seed), testing::Random({6}, seed + 1));
  };
  const Tensor z = rand(1), u = rand(3);
  const auto [y, pullback] = vjp(g, z);
  const Tensor w = complex(testing::Random(y.shape(), 5), testing::Random(y.shape(), 6));
  const Tensor ju = jvp(g, std::vector<Tensor>{z}, std::vector<Tensor>{u}).second;
  const Tensor jtw = pullback(w)[0];
  const double lhs = real(sum(w * ju)).item<double>(), rhs = real(sum(jtw * u)).item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-12 * (1 + std::abs(lhs)));
  // jvp against central differences in c128.
  EXPECT_TRUE(AllClose(ju, testing::CentralDifference(g, z, u), 1e-7, 1e-8));
}

TEST(ComplexTest, JitAndVmapMatchEager) {
  const auto g = [](const Tensor& z) {
    return sum(exp(z) * z - sqrt(z) / (z + 2.0), {0}) + tanh(z[0]) * cos(z[1]);
  };
  const Tensor z = reshape(complex(testing::Random({6}, 9), testing::Random({6}, 10)), {2, 3});
  EXPECT_TRUE(AllClose(jit(g)(z), g(z), 1e-14, 1e-14));
  const Tensor batch = stack({z, z * 2.0, conj(z)});
  const Tensor mapped = vmap(g)(batch);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(AllClose(mapped[i], g(batch[i]), 1e-14, 1e-14));
  const auto loss = [&](const Tensor& w) { return real(sum(g(w) * conj(g(w)))); };
  EXPECT_TRUE(AllClose(jit(grad(loss))(z), grad(loss)(z), 1e-12, 1e-12));
}

// got and want of the same shape as c128 agree part by part: equal (infinities, signed zeros),
// both NaN, or within ulps of want's modulus.
void ExpectSameValues(const Tensor& got, const Tensor& want, double ulps, const std::string& what) {
  const std::vector<C> g = astype(got, c128).to_vector<C>(), w = astype(want, c128).to_vector<C>();
  ASSERT_EQ(g.size(), w.size()) << what;
  for (size_t i = 0; i < w.size(); ++i) {
    const double tol = ulps * std::numeric_limits<double>::epsilon() * std::abs(w[i]);
    for (const auto& [x, y] : {std::pair{g[i].real(), w[i].real()}, {g[i].imag(), w[i].imag()}}) {
      if (x == y || (std::isnan(x) && std::isnan(y))) continue;
      EXPECT_LE(std::fabs(x - y), tol)
          << what << " element " << i << ": " << g[i] << " vs " << w[i];
    }
  }
}

// jit rewrites complex equations as real ones before fusion (core/complex_eval.h
// LowerComplex): every function, under jit, computes what eager evaluation does (special
// values and branch cuts included), and a chain of them compiles to one fused group between
// its input's split and its output's join.
TEST(ComplexTest, JitLowersComplexArithmeticToFusedRealKernels) {
  std::vector<C> a = Points();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  a.insert(a.end(), {{0, 0}, {kInf, 0}, {3, kInf}, {nan, 1}, {1e300, 1e300}, {-0.0, -1e-300}});
  std::vector<C> b = a;
  std::rotate(b.begin(), b.begin() + 3, b.end());
  const Tensor x = Complex128(a), y = Complex128(b);
  using F = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"exp", [](const Tensor& u, const Tensor&) { return exp(u); }},
      {"log", [](const Tensor& u, const Tensor&) { return log(u); }},
      {"log1p", [](const Tensor& u, const Tensor&) { return log1p(u); }},
      {"expm1", [](const Tensor& u, const Tensor&) { return expm1(u); }},
      {"sqrt", [](const Tensor& u, const Tensor&) { return sqrt(u); }},
      {"sin", [](const Tensor& u, const Tensor&) { return sin(u); }},
      {"cos", [](const Tensor& u, const Tensor&) { return cos(u); }},
      {"tanh", [](const Tensor& u, const Tensor&) { return tanh(u); }},
      {"sign", [](const Tensor& u, const Tensor&) { return sign(u); }},
      {"arith", [](const Tensor& u, const Tensor& v) { return (u * v - u / v + -u) * 2.0; }},
      {"pow", [](const Tensor& u, const Tensor& v) { return pow(u, v); }},
      {"parts",
       [](const Tensor& u, const Tensor& v) {
         return complex(abs(u) + real(v), imag(u) * angle(v)) + conj(v);
       }},
      {"compare", [](const Tensor& u,
                     const Tensor& v) { return where(u == v, u, v) + astype(u != conj(u), c128); }},
      {"convert",
       [](const Tensor& u, const Tensor& v) {
         return astype(astype(u, c64), c128) + astype(real(v), c128) + astype(astype(u, f64), c128);
       }},
      {"movement",
       [](const Tensor& u, const Tensor& v) {
         const Tensor m = reshape(slice(u * v, {0}, {16}), {4, 4});
         return reshape(concatenate({transpose(m), broadcast_to(sum(m, 0), {1, 4})}, 0), {-1});
       }},
      {"prod",  // five factors: the product tree pads with 1
       [](const Tensor& u, const Tensor& v) {
         return prod(reshape(slice(u * v, {0}, {15}), {3, 5}), {1});
       }},
      {"order",  // lexicographic, NaN parts included
       [](const Tensor& u, const Tensor& v) {
         const Tensor m = reshape(slice(u, {0}, {15}), {3, 5});
         return concatenate({maximum(u, v) - minimum(v, conj(u)), max(m, {1}), min(m, {0}),
                             astype(argmax(m, 1), c128), astype(u < v, c128), sort(u)},
                            0);
       }},
      {"matmul",
       [](const Tensor& u, const Tensor& v) {
         const Tensor m = reshape(slice(u, {0}, {16}), {4, 4}),
                      n = reshape(slice(v, {0}, {8}), {4, 2});
         return reshape(matmul(m, n), {-1});
       }},
  };
  for (const auto& [name, f] : cases) {
    ExpectSameValues(jit(f)(x, y), f(x, y), 16, name);
  }
  const auto chain = [](const Tensor& u) {
    return exp(u) * u + sqrt(u) / (u + 2.0) - conj(u) * log1p(u);
  };
  ExpectSameValues(jit(chain)(x), chain(x), 16, "chain");
  // The compiled program: real equations between the input's parts and the output's join.
  const Tensor big = concatenate(std::vector<Tensor>(256, x));
  const Lowered lowered = jit(chain).lower(big);
  const Program& program = lowered.compiled->program();
  for (const Equation& eqn : program.eqns) {
    const bool parts = eqn.prim == Primitive::kReal || eqn.prim == Primitive::kImag ||
                       eqn.prim == Primitive::kComplex;
    EXPECT_TRUE(parts || !IsComplex(program.avals[eqn.outputs[0]].dtype)) << lowered.ToString();
  }
  EXPECT_GE(lowered.compiled->num_fused_groups(), 1) << lowered.ToString();
  if (std::string(big.array().backend().name()) == "cpu") {  // no fusion limits: one kernel for the chain
    EXPECT_EQ(lowered.compiled->num_fused_groups(), 1) << lowered.ToString();
    EXPECT_EQ(lowered.compiled->num_kernels(), 4) << lowered.ToString();  // real, imag, join
  }
  // Movement of a complex input stays whole (views of it), where splitting and joining would
  // copy it.
  const auto move = [](const Tensor& u) { return transpose(reshape(u, {4, 4}), {1, 0}); };
  const Tensor sixteen = slice(x, {0}, {16});
  const Lowered moved = jit(move).lower(sixteen);
  for (const Equation& eqn : moved.compiled->program().eqns) {
    EXPECT_TRUE(eqn.prim == Primitive::kReshape || eqn.prim == Primitive::kTranspose)
        << moved.ToString();
  }
  ExpectSameValues(jit(move)(sixteen), move(sixteen), 0, "movement");
  // Derivatives under jit: the lowered programs of jvp and of the backward pass.
  const Tensor z = Complex128(Points());
  const auto loss = [&](const Tensor& u) { return real(sum(chain(u) * conj(u))); };
  ExpectSameValues(jit(grad(loss))(z), grad(loss)(z), 64, "grad");
  const auto holo = [&](const Tensor& u) { return sum(chain(u)); };
  ExpectSameValues(jit(grad(holo, holomorphic))(z), grad(holo, holomorphic)(z), 64, "holomorphic");
}

// Control flow under jit: the scan stays a loop whose body program is lowered on its own (its
// complex result joined at the body's output), and the product after it splits the scan's
// complex result.
TEST(ComplexTest, JitLowersComplexInsideAndAroundAScan) {
  const auto f = [](const Tensor& z) {
    const auto step = [](const std::tuple<>& c, const std::tuple<>&) {
      return std::pair{c, complex(full({2}, 1.0, f64), full({2}, 2.0, f64))};
    };
    return std::get<1>(scan(step, std::tuple<>(), std::tuple<>(), {.length = 3})) * z;
  };
  const Tensor z = reshape(slice(Complex128(Points()), {0}, {6}), {3, 2});
  EXPECT_TRUE(AllClose(jit(f)(z), f(z), 1e-15, 0));
}

// The order of complex numbers: by real part, then imaginary part (numpy's; lax.sort's splits a
// complex key into those two keys). Host references: std::complex under that order, lax.sort's
// total order in each part for sorts (NaN after every number), numpy's NaN rules for the rest
// (a NaN in either part wins max, min, argmax and argmin).
bool PartBefore(double a, double b) { return !std::isnan(a) && (std::isnan(b) || a < b); }
bool SortsBefore(C a, C b) {
  if (PartBefore(a.real(), b.real())) return true;
  if (PartBefore(b.real(), a.real())) return false;
  return PartBefore(a.imag(), b.imag());
}
bool Less(C a, C b) { return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag()); }

// A 4 x 6 grid with many equal real parts and repeated numbers.
std::vector<C> OrderPoints() {
  std::vector<C> v;
  for (int i = 0; i < 24; ++i) v.push_back({(i * 7) % 5 - 2.0, (i * 3) % 4 - 1.5});
  return v;
}

// The stable permutation sorting each row of rows x cols values v (row-major) by `before`.
std::vector<int32_t> HostArgsort(const std::vector<C>& v, int rows, int cols, bool descending) {
  std::vector<int32_t> out;
  for (int r = 0; r < rows; ++r) {
    std::vector<int32_t> perm(cols);
    for (int c = 0; c < cols; ++c) perm[c] = c;
    std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t b) {
      const C x = v[r * cols + a], y = v[r * cols + b];
      return descending ? SortsBefore(y, x) : SortsBefore(x, y);
    });
    out.insert(out.end(), perm.begin(), perm.end());
  }
  return out;
}

TEST(ComplexTest, SortsAndComparisonsOrderLexicographically) {
  const std::vector<C> v = OrderPoints();
  const Tensor z = from_vector(v, {4, 6});
  for (const bool descending : {false, true}) {
    const std::vector<int32_t> perm = HostArgsort(v, 4, 6, descending);
    EXPECT_EQ(argsort(z, 1, descending).to_vector<int32_t>(), perm) << descending;
    std::vector<C> sorted;
    for (int i = 0; i < 24; ++i) sorted.push_back(v[i / 6 * 6 + perm[i]]);
    EXPECT_EQ(sort(z, 1, descending).to_vector<C>(), sorted) << descending;
    EXPECT_EQ(sort(astype(z, c64), 1, descending).to_vector<std::complex<float>>(),
              astype(from_vector(sorted, {4, 6}), c64).to_vector<std::complex<float>>());
  }
  const std::vector<int32_t> flat = HostArgsort(v, 1, 24, false);
  EXPECT_EQ(argsort(z, std::nullopt).to_vector<int32_t>(), flat);
  // Along axis 0: the transpose's rows.
  std::vector<C> vt;
  for (int c = 0; c < 6; ++c) {
    for (int r = 0; r < 4; ++r) vt.push_back(v[r * 6 + c]);
  }
  EXPECT_EQ(transpose(argsort(z, 0)).to_vector<int32_t>(), HostArgsort(vt, 6, 4, false));
  // vmap of sort and jit of sort: each row sorted as one.
  const Tensor rows = vmap([](const Tensor& row) { return sort(row); })(z);
  EXPECT_EQ(rows.to_vector<C>(), sort(z, 1).to_vector<C>());
  EXPECT_EQ(jit([](const Tensor& u) { return sort(u, 1); })(z).to_vector<C>(),
            sort(z, 1).to_vector<C>());
  // sort_operands with a complex key and a payload; searchsorted in the sorted order.
  const Tensor payload = reshape(arange(24, i32), {4, 6});
  EXPECT_EQ(sort_operands({z, payload}, 1, 1)[1].to_vector<int32_t>(),
            (argsort(z, 1) + 6 * reshape(arange(4, i32), {4, 1})).to_vector<int32_t>());
  const Tensor a = sort(reshape(z, {-1}));
  const std::vector<C> av = a.to_vector<C>();
  const std::vector<C> queries = {{-2, -1.5}, {-2, 0}, {0, 0}, {2, 1.5}, {3, 0}, {-5, 0}};
  const std::vector<int32_t> left = searchsorted(a, Complex128(queries)).to_vector<int32_t>();
  for (size_t q = 0; q < queries.size(); ++q) {
    const auto first = std::lower_bound(av.begin(), av.end(), queries[q], SortsBefore);
    EXPECT_EQ(left[q], first - av.begin()) << queries[q];
  }
  // jnp's comparisons, against the order on the host (z against its rows rotated by one).
  const Tensor w = concatenate({slice(z, {1, 0}, {4, 6}), slice(z, {0, 0}, {1, 6})}, 0);
  const std::vector<C> wv = w.to_vector<C>();
  const std::vector<bool> lt = (z < w).to_vector<bool>(), le = (z <= w).to_vector<bool>(),
                          gt = (z > w).to_vector<bool>(), ge = (z >= w).to_vector<bool>();
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(lt[i], Less(v[i], wv[i])) << v[i] << " < " << wv[i];
    EXPECT_EQ(le[i], !Less(wv[i], v[i])) << v[i] << " <= " << wv[i];
    EXPECT_EQ(gt[i], Less(wv[i], v[i])) << v[i] << " > " << wv[i];
    EXPECT_EQ(ge[i], !Less(v[i], wv[i])) << v[i] << " >= " << wv[i];
  }
  EXPECT_EQ((Complex128({{1, 0}, {1, 2}, {0, 9}}) < C(1, 1)).to_vector<bool>(),
            (std::vector<bool>{true, false, true}));
}

TEST(ComplexTest, MaxMinAndArgmaxOrderLexicographically) {
  const std::vector<C> v = OrderPoints();
  const Tensor z = from_vector(v, {4, 6});
  // Per row: the largest and smallest, and the first index of each.
  std::vector<C> row_max, row_min;
  std::vector<int32_t> row_argmax, row_argmin;
  for (int r = 0; r < 4; ++r) {
    int hi = 0, lo = 0;
    for (int c = 1; c < 6; ++c) {
      if (Less(v[r * 6 + hi], v[r * 6 + c])) hi = c;
      if (Less(v[r * 6 + c], v[r * 6 + lo])) lo = c;
    }
    row_max.push_back(v[r * 6 + hi]);
    row_min.push_back(v[r * 6 + lo]);
    row_argmax.push_back(hi);
    row_argmin.push_back(lo);
  }
  EXPECT_EQ(max(z, {1}).to_vector<C>(), row_max);
  EXPECT_EQ(min(z, {1}).to_vector<C>(), row_min);
  EXPECT_EQ(max(z, {1}, true).shape(), (Shape{4, 1}));
  EXPECT_EQ(argmax(z, 1).to_vector<int32_t>(), row_argmax);
  EXPECT_EQ(argmin(z, -1).to_vector<int32_t>(), row_argmin);
  EXPECT_EQ(max(z).item<C>(), *std::max_element(v.begin(), v.end(), Less));
  EXPECT_EQ(min(astype(z, c64)).item<std::complex<float>>(),
            std::complex<float>(*std::min_element(v.begin(), v.end(), Less)));
  EXPECT_EQ(argmax(transpose(z), 1).to_vector<int32_t>(), argmax(z, 0).to_vector<int32_t>());
  EXPECT_EQ(jit([](const Tensor& u) { return argmax(u, 1); })(z).to_vector<int32_t>(), row_argmax);
  EXPECT_EQ(vmap([](const Tensor& row) { return max(row); })(z).to_vector<C>(), row_max);
  // Elementwise, against the rows rotated by one; cummax keeps the running largest.
  const Tensor w = concatenate({slice(z, {1, 0}, {4, 6}), slice(z, {0, 0}, {1, 6})}, 0);
  const std::vector<C> wv = w.to_vector<C>();
  const std::vector<C> hi = maximum(z, w).to_vector<C>(), lo = minimum(z, w).to_vector<C>();
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(hi[i], Less(v[i], wv[i]) ? wv[i] : v[i]) << v[i] << ", " << wv[i];
    EXPECT_EQ(lo[i], Less(wv[i], v[i]) ? wv[i] : v[i]) << v[i] << ", " << wv[i];
  }
  EXPECT_EQ(cummax(Complex128({{1, 1}, {0, 5}, {1, 2}, {1, -3}})).to_vector<C>(),
            (std::vector<C>{{1, 1}, {1, 1}, {1, 2}, {1, 2}}));
  // NaN in either part wins, as numpy: the first one for argmax and argmin.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor with_nan = Complex128({{1, 0}, {5, 0}, {2, nan}, {nan, 0}, {9, 9}});
  for (const C m : {max(with_nan).item<C>(), min(with_nan).item<C>()}) {
    EXPECT_TRUE(std::isnan(m.real()) && std::isnan(m.imag())) << m;
  }
  EXPECT_EQ(argmax(with_nan, 0).item<int32_t>(), 2);
  EXPECT_EQ(argmin(with_nan, 0).item<int32_t>(), 2);
  const std::vector<C> chosen =
      maximum(with_nan, Complex128({{nan, 1}, {1, 0}, {3, 0}, {0, 0}, {9, nan}})).to_vector<C>();
  EXPECT_TRUE(std::isnan(chosen[0].real()) && chosen[0].imag() == 1) << chosen[0];
  EXPECT_EQ(chosen[1], C(5, 0));
  EXPECT_TRUE(std::isnan(chosen[2].imag()) && std::isnan(chosen[3].real())) << chosen[2];
  EXPECT_TRUE(std::isnan(chosen[4].imag())) << chosen[4];
  // Sorts put a NaN part last in that part's key.
  EXPECT_EQ(argsort(with_nan).to_vector<int32_t>(), (std::vector<int32_t>{0, 2, 1, 4, 3}));
}

// max and min differentiate as JAX's _balanced_eq rule: the winner's tangent, half of each at
// a tie; reduce_max shares equally among the positions of its result.
TEST(ComplexTest, MaxMinDerivativesFollowTheChosenOperand) {
  const Tensor z = Complex128({{1, 2}, {1, -1}, {-3, 0}, {2, 0}});
  const Tensor w = Complex128({{1, 1}, {1, -1}, {0, 5}, {-7, 0}});
  const auto f = [&](const Tensor& u) { return sum(maximum(u, w) * Complex128({1, 2, 3, 4})); };
  EXPECT_EQ(grad(f, holomorphic)(z).to_vector<C>(),
            (std::vector<C>{{1, 0}, {1, 0}, {0, 0}, {4, 0}}));
  const auto g = [&](const Tensor& u) { return sum(minimum(w, u) * Complex128({1, 2, 3, 4})); };
  EXPECT_EQ(grad(g, holomorphic)(z).to_vector<C>(),
            (std::vector<C>{{0, 0}, {1, 0}, {3, 0}, {0, 0}}));
  // Re max(u): the gradient is 1 at the largest (JAX's df/dx - i df/dy), shared at a tie.
  const auto top = [](const Tensor& u) { return real(max(u)); };
  EXPECT_EQ(grad(top)(z).to_vector<C>(), (std::vector<C>{{0, 0}, {0, 0}, {0, 0}, {1, 0}}));
  EXPECT_EQ(grad(top)(Complex128({{2, 1}, {0, 0}, {2, 1}})).to_vector<C>(),
            (std::vector<C>{{0.5, 0}, {0, 0}, {0.5, 0}}));
  // jvp against central differences where the order does not change within the step.
  const auto h = [](const Tensor& u) {
    return sum(maximum(u, conj(u)) * u) + max(reshape(u, {2, 2}), {1})[0];
  };
  // No ties: maximum(u, conj(u)) is u where Im u > 0, and the rows' largest real parts differ.
  const Tensor u = Complex128({{1, 2}, {0.5, -1}, {-3, 0.5}, {2, -0.25}});
  const Tensor t = Complex128({{0.3, -0.2}, {0.1, 0.4}, {-0.5, 0.2}, {0.7, 0.1}});
  const Tensor tangent = jvp(h, std::vector<Tensor>{u}, std::vector<Tensor>{t}).second;
  const double eps = 1e-6;
  const Tensor fd = (h(u + t * eps) - h(u - t * eps)) / (2 * eps);
  EXPECT_TRUE(AllClose(tangent, fd, 1e-8, 1e-8)) << tangent << " vs " << fd;
  EXPECT_TRUE(AllClose(jit(grad(top))(z), grad(top)(z), 0, 0));
}

// conv_general_dilated on complex operands against a host loop in std::complex<double> (with
// padding, a stride and two feature groups), its derivatives against central differences and
// the VJP identity, jit and vmap against eager; round takes each part, as jnp.round.
TEST(ComplexTest, ConvolutionAndRoundTakeComplexNumbers) {
  const auto rand = [](const Shape& shape, uint32_t seed) {
    return complex(testing::Random(shape, seed), testing::Random(shape, seed + 1));
  };
  // lhs [N=1, C=4, W=6], rhs [O=2, I=2, K=3]: groups of 2 input features, stride 2, pad (1, 1).
  const Tensor x = rand({1, 4, 6}, 20), k = rand({2, 2, 3}, 22);
  ConvOptions groups;
  groups.feature_group_count = 2;
  const auto f = [&](const Tensor& a, const Tensor& b) {
    return conv_general_dilated(a, b, {2}, {{1, 1}}, groups);
  };
  const Tensor y = f(x, k);
  ASSERT_EQ(y.shape(), (Shape{1, 2, 3}));
  const std::vector<C> xv = x.to_vector<C>(), kv = k.to_vector<C>(), yv = y.to_vector<C>();
  for (int o = 0; o < 2; ++o) {
    for (int w = 0; w < 3; ++w) {
      C want = 0;
      double scale = 0;  // sum of the terms' moduli: the rounding errors scale with it
      for (int i = 0; i < 2; ++i) {
        for (int t = 0; t < 3; ++t) {
          const int at = 2 * w + t - 1, c = o * 2 + i;  // output feature o reads group o
          if (at < 0 || at >= 6) continue;
          want += xv[c * 6 + at] * kv[(o * 2 + i) * 3 + t];
          scale += std::abs(xv[c * 6 + at] * kv[(o * 2 + i) * 3 + t]);
        }
      }
      EXPECT_LE(std::abs(yv[o * 3 + w] - want), 1e-14 * scale) << o << " " << w;
    }
  }
  EXPECT_EQ(f(astype(x, c64), astype(k, c64)).dtype(), c64);
  // Derivatives in both operands.
  const Tensor u = rand({1, 4, 6}, 24), v = rand({2, 2, 3}, 26);
  const auto g = [&](const Tensor& a) { return f(a, k) + f(x + a, k + a[0][0][0] * v); };
  const Tensor ju = jvp(g, std::vector<Tensor>{x}, std::vector<Tensor>{u}).second;
  EXPECT_TRUE(AllClose(ju, testing::CentralDifference(g, x, u), 1e-7, 1e-8));
  const auto [gy, pullback] = vjp(g, x);
  const Tensor ct = rand(gy.shape(), 28);
  const double lhs = real(sum(ct * ju)).item<double>();
  const double rhs = real(sum(pullback(ct)[0] * u)).item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-12 * (1 + std::abs(lhs)));
  EXPECT_TRUE(AllClose(jit(g)(x), g(x), 1e-14, 1e-14));
  const Tensor batch = stack({x, conj(x), x * 2.0});
  const Tensor mapped = vmap(g)(batch);
  for (int b = 0; b < 3; ++b) EXPECT_TRUE(AllClose(mapped[b], g(batch[b]), 1e-14, 1e-14));
  // round: each part, half-way cases to even.
  const Tensor r = round(Complex128({C(2.5, -1.5), C(0.5, 3.7)}));
  EXPECT_THAT(r.to_vector<C>(), ::testing::ElementsAre(C(2, -2), C(0, 4)));
  EXPECT_TRUE(
      AllClose(round(Complex128({C(1.26, -0.74)}), 1), Complex128({C(1.3, -0.7)}), 1e-15, 1e-15));
}

TEST(ComplexTest, UndefinedOperationsAreErrors) {
  const Tensor z = zeros({2}, c64);
  EXPECT_THAT(ErrorOf([&] { lax::lt(z, z); }),
              HasSubstr("lt: expected an ordered (not complex) operand, got c64[2]"));
  EXPECT_THAT(ErrorOf([&] { median(z); }),
              HasSubstr("quantile: complex x is not supported (as in JAX), got c64[2]"));
  EXPECT_THAT(ErrorOf([&] { floor(z); }),
              HasSubstr("floor: expected a floating-point operand, got c64[2]"));
  EXPECT_THAT(ErrorOf([&] { z.to_vector<float>(); }),
              HasSubstr("to_vector: c64[2] has complex elements"));
  EXPECT_THAT(ErrorOf([&] { grad([](const Tensor& w) { return sum(w * w); })(z); }),
              HasSubstr("grad: requires a real-valued output, got c64[]; for a holomorphic "
                        "function pass holomorphic"));
  EXPECT_THAT(
      ErrorOf([&] { grad([](const Tensor& w) { return sum(w); }, holomorphic)(zeros({2})); }),
      HasSubstr("grad: with holomorphic, inputs must be complex, got input 0 of type f32[2]"));
  EXPECT_THAT(ErrorOf([&] { jacfwd([](const Tensor& w) { return w; })(z); }),
              HasSubstr("jacfwd: requires floating-point inputs (as JAX), got c64[2]; for a "
                        "holomorphic function pass holomorphic"));
  EXPECT_THAT(ErrorOf([&] { jacrev([](const Tensor& w) { return w; })(z); }),
              HasSubstr("jacrev: requires floating-point outputs (as JAX), got c64[2]"));
  EXPECT_THAT(ErrorOf([&] {
                save_safetensors("unwritten.safetensors", {{"z", z}});
              }),
              HasSubstr("save_safetensors: c64 has no safetensors dtype"));
  EXPECT_THAT(ErrorOf([&] { lax::complex(zeros({2}, f32), zeros({2}, f64)); }),
              HasSubstr("complex: mismatched dtypes f32[2] and f64[2]"));
}

}  // namespace
}  // namespace cotangent
