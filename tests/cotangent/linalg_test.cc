// File: tests/cotangent/linalg_test.cc
// cotangent/linalg.h and the linear algebra primitives against oracles: each factorization's
// defining identities (l l^T = a, p l u = a, q r = a with q^T q = 1, a v = v diag(w), u s vh =
// a), numpy's values, derivatives against central differences in f64 and the VJP identity,
// forward-over-reverse = reverse-over-reverse Hessians, vmap against per-example calls, jit
// against eager, and the errors. Runs on every backend (Vulkan: LAPACK on host copies).

#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using testing::ErrorOf;
using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> V(const Tensor& x) { return x.to_vector<double>(); }

Tensor MT(const Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < x.ndim(); ++i) axes.push_back(i);
  std::swap(axes[x.ndim() - 1], axes[x.ndim() - 2]);
  return transpose(x, axes);
}

// n x n identities broadcast to x's leading axes.
Tensor Eyes(const Tensor& x, int64_t n) {
  Shape shape(x.shape().begin(), x.shape().end() - 2);
  shape.insert(shape.end(), {n, n});
  return broadcast_to(eye(n, x.dtype()), shape);
}

// Symmetric positive definite matrices: b b^T + n.
Tensor Spd(const Shape& shape, uint32_t seed, DType dtype = f64) {
  const Tensor b = testing::Random(shape, seed, -1, 1, dtype);
  return matmul(b, MT(b)) + Eyes(b, shape.back()) * static_cast<double>(shape.back());
}

double Tol(DType dtype) { return dtype == f64 ? 1e-12 : 2e-5; }

class LinalgTest : public ::testing::TestWithParam<DType> {};
INSTANTIATE_TEST_SUITE_P(Dtypes, LinalgTest, ::testing::Values(f64, f32),
                         [](const auto& info) { return DTypeName(info.param); });

TEST_P(LinalgTest, CholeskyReconstructsAndMatchesNumpy) {
  const DType dtype = GetParam();
  const Tensor a = Spd({2, 3, 5, 5}, 1, dtype);
  const Tensor l = linalg::cholesky(a);
  EXPECT_TRUE(AllClose(matmul(l, MT(l)), a, Tol(dtype), Tol(dtype) * 10));
  EXPECT_TRUE(AllClose(triu(l, 1), zeros_like(l), 0, 0));
  EXPECT_TRUE(AllClose(linalg::cholesky(a, /*upper=*/true), MT(l), 0, 0));
  // numpy.linalg.cholesky of this matrix.
  const Tensor m = tensor({4, 2, 0.6, 2, 5, 1.5, 0.6, 1.5, 3}, {3, 3}, dtype);
  EXPECT_TRUE(AllClose(linalg::cholesky(m),
                       tensor({2, 0, 0, 1, 2, 0, 0.3, 0.6, 1.5968719422671311}, {3, 3}, dtype),
                       Tol(dtype), Tol(dtype)));
}

// A matrix that is not positive definite gives NaN for that matrix only (lax.linalg's).
TEST_P(LinalgTest, CholeskyOfIndefiniteMatrixIsNan) {
  const DType dtype = GetParam();
  const Tensor a = stack({eye(3, dtype), tensor({1, 2, 0, 2, 1, 0, 0, 0, 1}, {3, 3}, dtype)});
  const std::vector<double> l = V(linalg::cholesky(a));
  for (int i = 0; i < 9; ++i) EXPECT_EQ(l[i], i % 4 == 0 ? 1.0 : 0.0);
  for (int i = 9; i < 18; ++i) EXPECT_TRUE(std::isnan(l[i])) << i;
}

TEST_P(LinalgTest, SolveTriangularEveryForm) {
  const DType dtype = GetParam();
  const Tensor r = testing::Random({2, 4, 4}, 2, -1, 1, dtype);
  const Tensor a = r + Eyes(r, 4) * 3.0;
  const Tensor b = testing::Random({2, 4, 3}, 4, -1, 1, dtype);
  for (bool lower : {false, true}) {
    for (bool trans : {false, true}) {
      for (bool unit : {false, true}) {
        Tensor t = lower ? tril(a, unit ? -1 : 0) : triu(a, unit ? 1 : 0);
        if (unit) t = t + Eyes(a, 4);
        const Tensor op = trans ? MT(t) : t;
        const Tensor x = linalg::solve_triangular(a, b, trans, lower, unit);
        EXPECT_TRUE(AllClose(matmul(op, x), b, Tol(dtype), Tol(dtype) * 10))
            << lower << trans << unit;
      }
    }
  }
  // Right side, through lax: x a = b.
  const Tensor br = testing::Random({2, 3, 4}, 5, -1, 1, dtype);
  const Tensor x = lax::triangular_solve(a, br, {.left_side = false, .lower = true});
  EXPECT_TRUE(AllClose(matmul(x, tril(a)), br, Tol(dtype), Tol(dtype) * 10));
  // One right-hand side: b [..., n].
  const Tensor v = testing::Random({2, 4}, 6, -1, 1, dtype);
  EXPECT_TRUE(AllClose(linalg::solve_triangular(a, v, false, true),
                       squeeze(linalg::solve_triangular(a, expand_dims(v, -1), false, true), -1), 0,
                       0));
}

TEST_P(LinalgTest, LuReconstructsSquareAndRectangular) {
  const DType dtype = GetParam();
  for (const Shape& shape : {Shape{2, 5, 5}, Shape{3, 6}, Shape{6, 3}}) {
    const Tensor a = testing::Random(shape, 7, -1, 1, dtype);
    const linalg::PLU f = linalg::lu(a);
    EXPECT_TRUE(AllClose(matmul(f.p, matmul(f.l, f.u)), a, Tol(dtype), Tol(dtype) * 10))
        << a.aval().ToString();
    const linalg::LuFactor lf = linalg::lu_factor(a);
    // Partial pivoting: every multiplier in l is at most 1 in magnitude.
    EXPECT_LE(V(max(abs(f.l))).front(), 1.0 + 1e-6);
    // The permutation is the pivots' swaps applied to 0..m-1.
    const int64_t m = shape[shape.size() - 2];
    const std::vector<double> piv = V(lf.piv), perm = V(lf.perm);
    const int64_t k = static_cast<int64_t>(piv.size()) / (NumElements(shape) / (m * shape.back()));
    std::vector<double> want(m);
    for (int64_t i = 0; i < m; ++i) want[i] = static_cast<double>(i);
    for (int64_t i = 0; i < k; ++i) std::swap(want[i], want[static_cast<int64_t>(piv[i])]);
    EXPECT_EQ(std::vector<double>(perm.begin(), perm.begin() + m), want);
  }
}

TEST_P(LinalgTest, QrReducedAndComplete) {
  const DType dtype = GetParam();
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{3, 5}, Shape{4, 4}}) {
    const Tensor a = testing::Random(shape, 8, -1, 1, dtype);
    for (bool complete : {false, true}) {
      const linalg::QR f = linalg::qr(a, complete);
      const int64_t m = shape[shape.size() - 2], n = shape.back();
      const int64_t k = complete ? m : std::min(m, n);
      EXPECT_EQ(f.q.shape().back(), k);
      EXPECT_EQ(f.r.shape()[f.r.ndim() - 2], k);
      EXPECT_TRUE(AllClose(matmul(f.q, f.r), a, Tol(dtype), Tol(dtype) * 10));
      EXPECT_TRUE(AllClose(matmul(MT(f.q), f.q), Eyes(f.q, k), Tol(dtype), Tol(dtype) * 10));
      EXPECT_TRUE(AllClose(tril(f.r, -1), zeros_like(f.r), 0, 0));
    }
  }
}

TEST_P(LinalgTest, EighDecomposesAndMatchesNumpy) {
  const DType dtype = GetParam();
  const Tensor a = Spd({3, 4, 4}, 9, dtype) - Eyes(Spd({3, 4, 4}, 9), 4) * 6.0;
  const linalg::Eigh e = linalg::eigh(a);
  const Tensor w = e.eigenvalues, v = e.eigenvectors;
  EXPECT_TRUE(AllClose(matmul(a, v), v * expand_dims(w, -2), Tol(dtype) * 10, Tol(dtype) * 10));
  EXPECT_TRUE(AllClose(matmul(MT(v), v), Eyes(v, 4), Tol(dtype), Tol(dtype) * 10));
  const std::vector<double> ws = V(w);
  for (size_t i = 0; i + 1 < ws.size(); ++i) {
    if ((i + 1) % 4 != 0) {
      EXPECT_LE(ws[i], ws[i + 1]);
    }
  }
  const Tensor m = tensor({4, 2, 0.6, 2, 5, 1.5, 0.6, 1.5, 3}, {3, 3}, dtype);
  EXPECT_TRUE(
      AllClose(linalg::eigvalsh(m),
               tensor({2.0045845125687465, 2.8474199084736527, 7.1479955789576035}, {3}, dtype),
               Tol(dtype) * 10, Tol(dtype) * 10));
  // Only one triangle is read without symmetrize_input.
  const Tensor upper_garbage = tril(m) + triu(m, 1) * 100.0;
  EXPECT_TRUE(AllClose(linalg::eigh(upper_garbage, true, false).eigenvalues, linalg::eigvalsh(m),
                       Tol(dtype) * 10, Tol(dtype) * 10));
}

TEST_P(LinalgTest, SvdReconstructsAndMatchesNumpy) {
  const DType dtype = GetParam();
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{3, 5}}) {
    const Tensor a = testing::Random(shape, 10, -1, 1, dtype);
    const int64_t m = shape[shape.size() - 2], n = shape.back(), k = std::min(m, n);
    for (bool full : {false, true}) {
      const linalg::SVD f = linalg::svd(a, full);
      EXPECT_EQ(f.u.shape().back(), full ? m : k);
      EXPECT_EQ(f.vh.shape()[f.vh.ndim() - 2], full ? n : k);
      std::vector<int64_t> start(a.ndim(), 0), lu = f.u.shape(), lv = f.vh.shape();
      lu.back() = k;
      lv[lv.size() - 2] = k;
      const Tensor u = slice(f.u, start, lu), vh = slice(f.vh, start, lv);
      EXPECT_TRUE(
          AllClose(matmul(u * expand_dims(f.s, -2), vh), a, Tol(dtype) * 10, Tol(dtype) * 10));
      EXPECT_TRUE(AllClose(matmul(MT(f.u), f.u), Eyes(f.u, f.u.shape().back()), Tol(dtype) * 10,
                           Tol(dtype) * 10));
    }
  }
  EXPECT_TRUE(AllClose(linalg::svdvals(tensor({1, 2, 3, 4, 5, 6}, {3, 2}, dtype)),
                       tensor({9.525518091565107, 0.5143005806586443}, {2}, dtype), Tol(dtype) * 10,
                       Tol(dtype) * 10));
}

TEST_P(LinalgTest, SolveInvDetAndPowers) {
  const DType dtype = GetParam();
  const double tol = Tol(dtype) * 100;
  const Tensor r = testing::Random({2, 4, 4}, 11, -1, 1, dtype);
  const Tensor a = r + Eyes(r, 4) * 2.0;
  const Tensor b = testing::Random({2, 4, 3}, 12, -1, 1, dtype);
  EXPECT_TRUE(AllClose(matmul(a, linalg::solve(a, b)), b, tol, tol));
  // A 1-D b is one right-hand side; a's leading axes broadcast against b's.
  const Tensor v = testing::Random({4}, 13, -1, 1, dtype);
  EXPECT_TRUE(AllClose(squeeze(matmul(a, expand_dims(linalg::solve(a, v), -1)), -1),
                       broadcast_to(v, {2, 4}), tol, tol));
  EXPECT_TRUE(AllClose(matmul(a, linalg::inv(a)), Eyes(a, 4), tol, tol));
  const linalg::LuFactor lf = linalg::lu_factor(a);
  EXPECT_TRUE(AllClose(linalg::lu_solve(lf, b), linalg::solve(a, b), tol, tol));
  EXPECT_TRUE(AllClose(matmul(MT(a), linalg::lu_solve(lf, b, /*trans=*/true)), b, tol, tol));
  const Tensor s = Spd({2, 4, 4}, 14, dtype);
  EXPECT_TRUE(AllClose(matmul(s, linalg::cho_solve(linalg::cholesky(s), b)), b, tol, tol));
  EXPECT_TRUE(
      AllClose(matmul(s, linalg::cho_solve(linalg::cholesky(s, true), b, false)), b, tol, tol));
  // Determinants: numpy's values, a row swap's sign, a singular matrix.
  EXPECT_NEAR(V(linalg::det(tensor({1, 2, 3, 4}, {2, 2}, dtype)))[0], -2, tol);
  const linalg::SlogDet sd = linalg::slogdet(tensor({0, 1, 0, 1, 0, 0, 0, 0, -2}, {3, 3}, dtype));
  EXPECT_EQ(V(sd.sign)[0], 1.0);
  EXPECT_NEAR(V(sd.logabsdet)[0], std::log(2.0), tol);
  const linalg::SlogDet singular = linalg::slogdet(tensor({1, 2, 2, 4}, {2, 2}, dtype));
  EXPECT_EQ(V(singular.sign)[0], 0.0);
  EXPECT_EQ(V(singular.logabsdet)[0], -kInf);
  EXPECT_EQ(V(linalg::det(tensor({1, 2, 2, 4}, {2, 2}, dtype)))[0], 0.0);
  // det(a) = product of a's eigenvalues, for the SPD s.
  EXPECT_TRUE(AllClose(linalg::det(s), exp(sum(log(linalg::eigvalsh(s)), -1)), tol, tol));
  EXPECT_TRUE(AllClose(linalg::matrix_power(a, 3), matmul(a, matmul(a, a)), tol, tol));
  EXPECT_TRUE(AllClose(linalg::matrix_power(a, 0), Eyes(a, 4), 0, 0));
  EXPECT_TRUE(
      AllClose(linalg::matrix_power(a, -2), matmul(linalg::inv(a), linalg::inv(a)), tol, tol));
}

// numpy.linalg.norm's documented examples: a = arange(9) - 4 and b = a.reshape(3, 3).
TEST_P(LinalgTest, NormMatchesNumpyExamples) {
  const DType dtype = GetParam();
  const double tol = Tol(dtype) * 10;
  const Tensor a = arange(9, dtype) - 4.0;
  const Tensor b = reshape(a, {3, 3});
  const auto n = [](const Tensor& t) { return V(t)[0]; };
  EXPECT_NEAR(n(linalg::norm(a)), 7.745966692414834, tol);
  EXPECT_NEAR(n(linalg::norm(b)), 7.745966692414834, tol);
  EXPECT_NEAR(n(linalg::norm(b, linalg::MatrixNorm::kFro)), 7.745966692414834, tol);
  EXPECT_NEAR(n(linalg::norm(a, kInf)), 4, tol);
  EXPECT_NEAR(n(linalg::norm(b, kInf)), 9, tol);
  EXPECT_NEAR(n(linalg::norm(a, -kInf)), 0, tol);
  EXPECT_NEAR(n(linalg::norm(b, -kInf)), 2, tol);
  EXPECT_NEAR(n(linalg::norm(a, 1)), 20, tol);
  EXPECT_NEAR(n(linalg::norm(b, 1)), 7, tol);
  EXPECT_NEAR(n(linalg::norm(a, -1)), 0, tol);
  EXPECT_NEAR(n(linalg::norm(b, -1)), 6, tol);
  EXPECT_NEAR(n(linalg::norm(a, 2)), 7.745966692414834, tol);
  EXPECT_NEAR(n(linalg::norm(b, 2)), 7.348469228349534, tol);
  EXPECT_NEAR(n(linalg::norm(a, -2)), 0, tol);
  EXPECT_NEAR(n(linalg::norm(b, -2)), 0, 1e-3);
  EXPECT_NEAR(n(linalg::norm(a, 3)), 5.848035476425731, tol);
  EXPECT_NEAR(n(linalg::norm(a, 0)), 8, tol);
  EXPECT_NEAR(n(linalg::norm(b, linalg::MatrixNorm::kNuc)), 9.797958971132712, tol);
  // Along axes, keepdims.
  const Tensor c = reshape(arange(8, dtype), {2, 2, 2});
  EXPECT_TRUE(AllClose(linalg::norm(c, std::nullopt, {1, 2}),
                       tensor({std::sqrt(14.0), std::sqrt(126.0)}, {2}, dtype), tol, tol));
  EXPECT_EQ(linalg::norm(c, 2.0, {1, 2}, true).shape(), (Shape{2, 1, 1}));
  EXPECT_EQ(linalg::norm(c, 1.0, {0, 1}, true).shape(), (Shape{1, 1, 2}));
  EXPECT_EQ(linalg::norm(c, 1.0, 2).shape(), (Shape{2, 2}));
}

// Each function's directional derivative: jvp, and grad of <w, f(a)>, against central
// differences; the VJP identity; jit of the gradient; Hessians by both compositions.
void CheckDerivatives(const std::function<Tensor(const Tensor&)>& f, const Tensor& a,
                      double tol = 1e-7) {
  SCOPED_TRACE(a.aval().ToString());
  const Tensor w = testing::Random(f(a).shape(), 31, -1, 1, f64);
  const auto scalar_f = [&](const Tensor& t) { return sum(f(t) * w); };
  const Tensor g = grad(scalar_f)(a);
  for (uint32_t seed = 32; seed < 34; ++seed) {
    const Tensor v = testing::Random(a.shape(), seed, -1, 1, f64);
    const Tensor fd = testing::CentralDifference(f, a, v);
    EXPECT_TRUE(AllClose(jvp(f, {a}, {v}).second, fd, tol, tol));
    const double fd_scalar = testing::Inner(fd, w);
    EXPECT_NEAR(testing::Inner(g, v), fd_scalar, tol * (1 + std::fabs(fd_scalar)));
  }
  EXPECT_TRUE(AllClose(jit(grad(scalar_f))(a), g, 1e-10, 1e-10));
}

TEST(LinalgDerivativesTest, FactorizationsAgainstCentralDifferences) {
  const Tensor spd = Spd({2, 4, 4}, 40);
  CheckDerivatives([](const Tensor& a) { return linalg::cholesky(a); }, spd);
  // Without symmetrization the primitive reads the lower triangle: its derivative too.
  CheckDerivatives([](const Tensor& a) { return linalg::cholesky(a, false, false); }, spd);
  const Tensor sq = testing::Random({2, 4, 4}, 41, -1, 1, f64) + Eyes(spd, 4) * 2.0;
  const Tensor b = testing::Random({2, 4, 3}, 42, -1, 1, f64);
  for (bool lower : {false, true}) {
    for (bool trans : {false, true}) {
      CheckDerivatives(
          [&](const Tensor& a) { return linalg::solve_triangular(a, b, trans, lower, !trans); },
          sq);
      CheckDerivatives(
          [&](const Tensor& x) { return linalg::solve_triangular(sq, x, trans, lower); }, b);
    }
  }
  for (const Shape& shape : {Shape{2, 4, 4}, Shape{3, 5}, Shape{5, 3}}) {
    CheckDerivatives([](const Tensor& a) { return lax::lu(a).lu; },
                     testing::Random(shape, 43, -1, 1, f64));
  }
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{4, 4}}) {
    const Tensor a = testing::Random(shape, 44, -1, 1, f64);
    CheckDerivatives([](const Tensor& a) { return linalg::qr(a).q; }, a);
    CheckDerivatives([](const Tensor& a) { return linalg::qr(a).r; }, a);
  }
  // Eigen- and singular vectors have a sign each: compare sign-free functions of them.
  const Tensor sym = testing::Random({2, 4, 4}, 45, -1, 1, f64);
  CheckDerivatives([](const Tensor& a) { return linalg::eigh(a).eigenvalues; }, sym);
  CheckDerivatives(
      [](const Tensor& a) {
        const Tensor v = linalg::eigh(a).eigenvectors;
        return v * v;
      },
      sym, 1e-6);
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{3, 5}, Shape{4, 4}}) {
    const Tensor a = testing::Random(shape, 46, -1, 1, f64);
    CheckDerivatives([](const Tensor& a) { return linalg::svdvals(a); }, a);
    CheckDerivatives(
        [](const Tensor& a) {
          const linalg::SVD f = linalg::svd(a, false);
          return concatenate({reshape(f.u * f.u, {-1}), reshape(f.vh * f.vh, {-1})});
        },
        a, 1e-6);
  }
  const Tensor gen = testing::Random({2, 4, 4}, 47, -1, 1, f64) + Eyes(spd, 4);
  CheckDerivatives([](const Tensor& a) { return linalg::inv(a); }, gen);
  CheckDerivatives([&](const Tensor& a) { return linalg::solve(a, b); }, gen);
  CheckDerivatives([](const Tensor& a) { return linalg::det(a); }, gen);
  CheckDerivatives([](const Tensor& a) { return linalg::slogdet(a).logabsdet; }, gen);
  CheckDerivatives([](const Tensor& a) { return linalg::norm(a, 2.0, {1, 2}); }, gen, 1e-6);
}

TEST(LinalgDerivativesTest, VjpIdentityAndHessians) {
  const Tensor a = Spd({3, 3}, 50);
  const auto f = [](const Tensor& t) {
    return linalg::cholesky(t) + linalg::inv(t) + expand_dims(linalg::eigvalsh(t), 0);
  };
  auto [y, pullback] = vjp(f, a);
  const Tensor ct = testing::Random(y.shape(), 51, -1, 1, f64);
  const Tensor v = testing::Random(a.shape(), 52, -1, 1, f64);
  EXPECT_NEAR(testing::Inner(ct, jvp(f, {a}, {v}).second), testing::Inner(pullback(ct)[0], v),
              1e-11);
  // log det by three routes: slogdet, cholesky, eigenvalues; Hessians by both compositions.
  // cholesky and eigh see (t + t^T) / 2, so slogdet is taken of that too.
  const auto logdet = [](const Tensor& t) {
    return sum(linalg::slogdet((t + MT(t)) * 0.5).logabsdet);
  };
  const auto chol = [](const Tensor& t) { return sum(log(diagonal(linalg::cholesky(t)))) * 2.0; };
  const auto eig = [](const Tensor& t) { return sum(log(linalg::eigvalsh(t))); };
  EXPECT_TRUE(AllClose(grad(logdet)(a), linalg::inv(a), 1e-10, 1e-10));
  EXPECT_TRUE(AllClose(grad(chol)(a), linalg::inv(a), 1e-10, 1e-10));
  EXPECT_TRUE(AllClose(grad(eig)(a), linalg::inv(a), 1e-10, 1e-10));
  const Tensor h = jacfwd(grad(logdet))(a);
  EXPECT_TRUE(AllClose(jacrev(grad(logdet))(a), h, 1e-9, 1e-9));
  EXPECT_TRUE(AllClose(jacfwd(grad(chol))(a), h, 1e-9, 1e-9));
  EXPECT_TRUE(AllClose(jacrev(grad(eig))(a), h, 1e-8, 1e-8));
}

TEST(LinalgTransformsTest, VmapAndJitMatchPerExampleCalls) {
  const Tensor as = testing::Random({3, 4, 4}, 60, -1, 1, f64) + Eyes(Spd({3, 4, 4}, 61), 4);
  const Tensor b = testing::Random({4, 2}, 62, -1, 1, f64);
  const auto f = [&](const Tensor& a) {
    return concatenate({reshape(linalg::solve(a, b), {-1}), reshape(linalg::qr(a).r, {-1}),
                        sum(linalg::lu(a).u, -1) + linalg::svdvals(a),
                        reshape(linalg::cholesky(matmul(a, MT(a))), {-1})});
  };
  std::vector<Tensor> want;
  for (int64_t i = 0; i < 3; ++i) want.push_back(f(as[i]));
  EXPECT_TRUE(AllClose(vmap(f)(as), stack(want), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(vmap(f, {2}, 0)(transpose(as, {1, 2, 0})), stack(want), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(vmap(f))(as), stack(want), 1e-12, 1e-12));
  // A batched right-hand side with an unbatched matrix, and both batched.
  const Tensor bs = testing::Random({3, 4, 2}, 63, -1, 1, f64);
  const auto solve = [](const Tensor& a, const Tensor& x) { return linalg::solve(a, x); };
  std::vector<Tensor> want_b, want_ab;
  for (int64_t i = 0; i < 3; ++i) {
    want_b.push_back(solve(as[0], bs[i]));
    want_ab.push_back(solve(as[i], bs[i]));
  }
  EXPECT_TRUE(AllClose(vmap(solve, {std::nullopt, 0})(as[0], bs), stack(want_b), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(vmap(solve)(as, bs), stack(want_ab), 1e-12, 1e-12));
  // Derivatives of vmap: the per-example gradients.
  const auto logdet = [](const Tensor& a) { return linalg::slogdet(a).logabsdet; };
  EXPECT_TRUE(AllClose(vmap(grad(logdet))(as), MT(linalg::inv(as)), 1e-10, 1e-10));
  // Derivatives of solve and slogdet under jit and vmap in either order.
  EXPECT_TRUE(AllClose(jit(vmap(grad(logdet)))(as), MT(linalg::inv(as)), 1e-10, 1e-10));
  EXPECT_TRUE(AllClose(vmap(jit(grad(logdet)))(as), MT(linalg::inv(as)), 1e-10, 1e-10));
  const auto solve_sum = [&](const Tensor& a) { return sum(linalg::solve(a, b)); };
  std::vector<Tensor> want_grad;
  for (int64_t i = 0; i < 3; ++i) want_grad.push_back(grad(solve_sum)(as[i]));
  EXPECT_TRUE(AllClose(jit(vmap(grad(solve_sum)))(as), stack(want_grad), 1e-10, 1e-10));
}

TEST(LinalgErrorsTest, BadShapesAndDtypesNameTheFunction) {
  const Tensor rect = zeros({3, 4}, f64);
  EXPECT_THAT(ErrorOf([&] { linalg::cholesky(rect); }),
              HasSubstr("cholesky: expected square matrices, got f64[3,4]"));
  EXPECT_THAT(ErrorOf([&] { linalg::eigh(rect); }), HasSubstr("eigh: expected square"));
  EXPECT_THAT(ErrorOf([&] { linalg::inv(rect); }), HasSubstr("inv: expected square"));
  EXPECT_THAT(ErrorOf([&] { linalg::det(zeros({3}, f64)); }),
              HasSubstr("det: expected a matrix (rank >= 2), got f64[3]"));
  EXPECT_THAT(ErrorOf([&] {
                linalg::qr(zeros({3, 3}, i32));
              }),
              HasSubstr("qr: expected f32, f64, c64 or c128 matrices, got i32[3,3]"));
  EXPECT_THAT(ErrorOf([&] {
                lax::cholesky(zeros({2, 3}, f32));
              }),
              HasSubstr("cholesky: expected square matrices, got f32[2,3]"));
  EXPECT_THAT(ErrorOf([&] {
                lax::lu(zeros({3, 3}, i32));
              }),
              HasSubstr("lu: expected a floating-point or complex operand, got i32[3,3]"));
  EXPECT_THAT(ErrorOf([&] {
                linalg::solve(eye(3, f64), zeros({4, 2}, f64));
              }),
              HasSubstr("solve: b's rows (4) are not a's order"));
  EXPECT_THAT(
      ErrorOf([&] {
        lax::triangular_solve(eye(3, f64), zeros({3, 2}, f64), {.left_side = false});
      }),
      HasSubstr("triangular_solve: a f64[3,3], b f64[3,2] (right side): b's columns are not"));
  EXPECT_THAT(ErrorOf([&] { linalg::solve(eye(3, f64), zeros({3}, f32)); }),
              HasSubstr("solve: b must have a's dtype"));
  // The derivatives JAX does not define either.
  EXPECT_THAT(ErrorOf([&] {
                grad([](const Tensor& a) { return sum(linalg::qr(a).q); })(zeros({2, 3}, f64) +
                                                                           eye(2, 3, f64));
              }),
              HasSubstr("qr: the derivative is defined for a with at least as many rows"));
  EXPECT_THAT(ErrorOf([&] {
                jvp([](const Tensor& a) { return linalg::svd(a, true).u; }, {eye(3, 2, f64)},
                    {eye(3, 2, f64)});
              }),
              HasSubstr("svd: the derivative is defined for the reduced u and vt"));
  EXPECT_THAT(ErrorOf([&] {
                linalg::norm(zeros({2, 2, 2}, f64), 1.0);
              }),
              HasSubstr("norm: an ord with no axis needs a vector or a matrix"));
  EXPECT_THAT(ErrorOf([&] { linalg::norm(eye(2, f64), 3.0); }),
              HasSubstr("norm: matrix norm ord 3 is not one of"));
  EXPECT_THAT(ErrorOf([&] { linalg::norm(zeros({3}, f64), linalg::MatrixNorm::kNuc); }),
              HasSubstr("norm: \"nuc\" is a matrix norm; it needs two axes, got f64[3]"));
}

// Empty matrices and batches: shapes as numpy's, no LAPACK call on nothing.
TEST(LinalgEdgeTest, EmptyMatricesAndBatches) {
  EXPECT_EQ(linalg::cholesky(zeros({0, 3, 3}, f64)).shape(), (Shape{0, 3, 3}));
  EXPECT_EQ(linalg::solve(zeros({0, 0}, f64), zeros({0, 2}, f64)).shape(), (Shape{0, 2}));
  const linalg::SVD s = linalg::svd(zeros({3, 0}, f64), true);
  EXPECT_TRUE(AllClose(s.u, eye(3, f64), 0, 0));
  EXPECT_EQ(s.s.shape(), (Shape{0}));
  const linalg::QR q = linalg::qr(zeros({3, 0}, f64), true);
  EXPECT_TRUE(AllClose(q.q, eye(3, f64), 0, 0));
  EXPECT_EQ(V(linalg::det(zeros({0, 0}, f64)))[0], 1.0);
}

// ---- complex matrices (c64, c128): LAPACK's c and z routines, x^H where real ones have x^T ----

// Each matrix's conjugate transpose.
Tensor MH(const Tensor& x) { return conj(MT(x)); }

Tensor RandomComplex(const Shape& shape, uint32_t seed, DType dtype = c128) {
  return astype(complex(testing::Random(shape, seed), testing::Random(shape, seed + 1000)), dtype);
}

// Hermitian positive definite matrices: b b^H + n.
Tensor Hpd(const Shape& shape, uint32_t seed, DType dtype = c128) {
  const Tensor b = RandomComplex(shape, seed, dtype);
  return matmul(b, MH(b)) + Eyes(b, shape.back()) * static_cast<double>(shape.back());
}

// A fixed complex matrix and numpy.linalg's values for it (numpy 1.24, LAPACK through it).
Tensor NumpyMatrix(DType dtype) {
  const std::vector<std::complex<double>> a = {{2, 1},    {1, -1},  {0, 0.5}, {1, 2}, {3, 0},
                                               {-1, 0.5}, {0.5, 0}, {0, -2},  {4, -1}};
  return astype(from_vector(a, {3, 3}), dtype);
}

class ComplexLinalgTest : public ::testing::TestWithParam<DType> {};
INSTANTIATE_TEST_SUITE_P(Dtypes, ComplexLinalgTest, ::testing::Values(c128, c64),
                         [](const auto& info) { return DTypeName(info.param); });

TEST_P(ComplexLinalgTest, FactorizationsReconstruct) {
  const DType dtype = GetParam(), real_dtype = dtype == c128 ? f64 : f32;
  const double tol = Tol(real_dtype) * 10;
  const Tensor h = Hpd({2, 4, 4}, 1, dtype);
  const Tensor l = linalg::cholesky(h);
  EXPECT_TRUE(AllClose(matmul(l, MH(l)), h, tol, tol));
  EXPECT_TRUE(AllClose(triu(l, 1), zeros_like(l), 0, 0));
  EXPECT_TRUE(AllClose(imag(diagonal(l, 0, -2, -1)), zeros({2, 4}, real_dtype), 0, 0));
  EXPECT_TRUE(AllClose(linalg::cholesky(h, /*upper=*/true), MH(l), 0, 0));
  const Tensor a = RandomComplex({2, 4, 4}, 2, dtype) + Eyes(h, 4) * 3.0;
  for (const Shape& shape : {Shape{2, 4, 4}, Shape{3, 5}, Shape{5, 3}}) {
    const Tensor r = RandomComplex(shape, 3, dtype);
    const linalg::PLU f = linalg::lu(r);
    EXPECT_TRUE(AllClose(matmul(f.p, matmul(f.l, f.u)), r, tol, tol)) << r.aval().ToString();
    if (shape[shape.size() - 2] < shape.back()) continue;
    const linalg::QR q = linalg::qr(r);
    EXPECT_TRUE(AllClose(matmul(q.q, q.r), r, tol, tol));
    const int64_t k = q.q.shape().back();
    EXPECT_TRUE(AllClose(matmul(MH(q.q), q.q), Eyes(q.q, k), tol, tol));
    EXPECT_TRUE(AllClose(tril(q.r, -1), zeros_like(q.r), 0, 0));
  }
  // eigh: real ascending eigenvalues, unitary eigenvectors; only one triangle is read.
  const linalg::Eigh e = linalg::eigh(h - Eyes(h, 4) * 6.0);
  EXPECT_EQ(e.eigenvalues.dtype(), real_dtype);
  EXPECT_TRUE(AllClose(matmul(h - Eyes(h, 4) * 6.0, e.eigenvectors),
                       e.eigenvectors * expand_dims(astype(e.eigenvalues, dtype), -2), tol, tol));
  EXPECT_TRUE(AllClose(matmul(MH(e.eigenvectors), e.eigenvectors), Eyes(h, 4), tol, tol));
  const std::vector<double> w = V(e.eigenvalues);
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    if ((i + 1) % 4 != 0) {
      EXPECT_LE(w[i], w[i + 1]);
    }
  }
  const Tensor garbage =
      tril(h) + triu(h, 1) * 100.0 + astype(complex(zeros({4, 4}), eye(4, f64) * 7.0), dtype);
  EXPECT_TRUE(
      AllClose(linalg::eigh(garbage, true, false).eigenvalues, linalg::eigvalsh(h), tol, tol));
  // svd: real descending singular values, unitary factors.
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{3, 5}}) {
    const Tensor r = RandomComplex(shape, 4, dtype);
    const linalg::SVD f = linalg::svd(r, false);
    EXPECT_EQ(f.s.dtype(), real_dtype);
    EXPECT_TRUE(AllClose(matmul(f.u * expand_dims(astype(f.s, dtype), -2), f.vh), r, tol, tol));
    EXPECT_TRUE(AllClose(matmul(MH(f.u), f.u), Eyes(f.u, f.u.shape().back()), tol, tol));
    const linalg::SVD full = linalg::svd(r, true);
    EXPECT_TRUE(
        AllClose(matmul(full.vh, MH(full.vh)), Eyes(full.vh, full.vh.shape().back()), tol, tol));
  }
  // Solves: every op(a) of solve_triangular and lu_solve, cho_solve, solve and inv.
  const Tensor b = RandomComplex({2, 4, 3}, 5, dtype);
  for (bool lower : {false, true}) {
    const Tensor t = lower ? tril(a) : triu(a);
    for (int trans : {0, 1, 2}) {
      const Tensor op = trans == 0 ? t : trans == 1 ? MT(t) : MH(t);
      const Tensor x = linalg::solve_triangular(a, b, trans, lower);
      EXPECT_TRUE(AllClose(matmul(op, x), b, tol, tol)) << lower << trans;
      const Tensor y = linalg::lu_solve(linalg::lu_factor(a), b, trans);
      const Tensor full_op = trans == 0 ? a : trans == 1 ? MT(a) : MH(a);
      EXPECT_TRUE(AllClose(matmul(full_op, y), b, tol, tol)) << trans;
    }
  }
  EXPECT_TRUE(AllClose(matmul(h, linalg::cho_solve(linalg::cholesky(h), b)), b, tol, tol));
  EXPECT_TRUE(
      AllClose(matmul(h, linalg::cho_solve(linalg::cholesky(h, true), b, false)), b, tol, tol));
  EXPECT_TRUE(AllClose(matmul(a, linalg::solve(a, b)), b, tol, tol));
  EXPECT_TRUE(AllClose(matmul(a, linalg::inv(a)), Eyes(a, 4), tol, tol));
  // det = the product of the eigenvalues for a Hermitian matrix; |sign| = 1.
  const linalg::SlogDet sd = linalg::slogdet(a);
  EXPECT_TRUE(AllClose(abs(sd.sign), ones({2}, real_dtype), tol, tol));
  EXPECT_TRUE(
      AllClose(linalg::det(h), astype(exp(sum(log(linalg::eigvalsh(h)), -1)), dtype), tol, tol));
}

TEST_P(ComplexLinalgTest, MatchesNumpy) {
  const DType dtype = GetParam(), real_dtype = dtype == c128 ? f64 : f32;
  const double tol = Tol(real_dtype) * 10;
  const Tensor a = NumpyMatrix(dtype);
  const auto scalar = [&](double re, double im) {
    return astype(from_vector(std::vector<std::complex<double>>{{re, im}}, {}), dtype);
  };
  EXPECT_TRUE(AllClose(linalg::det(a), scalar(14.75, 2), tol, tol));
  const linalg::SlogDet sd = linalg::slogdet(a);
  EXPECT_TRUE(AllClose(sd.sign, scalar(0.9909320881801383, 0.1343636729735781), tol, tol));
  EXPECT_NEAR(V(sd.logabsdet)[0], 2.700352358363223, tol);
  EXPECT_TRUE(
      AllClose(linalg::svdvals(a),
               tensor({5.637390149766354, 3.36985206552404, 0.7835364419097902}, {3}, real_dtype),
               tol, tol));
  const Tensor h = matmul(a, MH(a)) + eye(3, dtype);
  EXPECT_TRUE(
      AllClose(linalg::eigvalsh(h),
               tensor({1.613929355800657, 12.355902943516638, 32.78016770068271}, {3}, real_dtype),
               tol, tol));
  const std::vector<std::complex<double>> l = {{2.8722813232690143, 0},
                                               {0, 0},
                                               {0, 0},
                                               {2.5241260113576187, 2.2630095274240722},
                                               {2.1811867773246187, 0},
                                               {0, 0},
                                               {0.8703882797784892, -1.5666989036012806},
                                               {-1.2156295733497078, -0.9516642945652},
                                               {4.080987453880018, 0}};
  EXPECT_TRUE(AllClose(linalg::cholesky(h), astype(from_vector(l, {3, 3}), dtype), tol, tol));
  EXPECT_TRUE(AllClose(
      linalg::inv(a)[0],
      astype(from_vector(
                 std::vector<std::complex<double>>{{0.6871650211565586, -0.4321579689703809},
                                                   {-0.08801128349788441, 0.350916784203103},
                                                   {-0.03328631875881523, 0.00451339915373765}},
                 {3}),
             dtype),
      tol, tol));
}

// Derivatives of c128 functions along complex directions: jvp against central differences, the
// VJP identity under the pairing Re(sum(ct x)), jit of the gradient of a real loss.
void CheckComplexDerivatives(const std::function<Tensor(const Tensor&)>& f, const Tensor& a,
                             double tol = 1e-7) {
  SCOPED_TRACE(a.aval().ToString());
  const Tensor y = f(a);
  const Tensor w =
      IsComplex(y.dtype()) ? RandomComplex(y.shape(), 31) : testing::Random(y.shape(), 31);
  const auto loss = [&](const Tensor& t) { return real(sum(f(t) * w)); };
  const auto [out, pullback] = vjp(f, a);
  const Tensor back = pullback(w)[0];
  for (uint32_t seed = 32; seed < 34; ++seed) {
    const Tensor v = RandomComplex(a.shape(), seed);
    const Tensor fd = testing::CentralDifference(f, a, v);
    const Tensor jv = jvp(f, {a}, {v}).second;
    EXPECT_TRUE(AllClose(jv, fd, tol, tol));
    const double lhs = real(sum(w * jv)).item<double>(), rhs = real(sum(back * v)).item<double>();
    EXPECT_NEAR(lhs, rhs, 1e-10 * (1 + std::fabs(lhs)));
  }
  EXPECT_TRUE(AllClose(jit(grad(loss))(a), grad(loss)(a), 1e-10, 1e-10));
}

TEST(ComplexLinalgDerivativesTest, FactorizationsAgainstCentralDifferences) {
  const Tensor h = Hpd({2, 4, 4}, 40);
  CheckComplexDerivatives([](const Tensor& a) { return linalg::cholesky(a); }, h);
  CheckComplexDerivatives([](const Tensor& a) { return linalg::cholesky(a, false, false); }, h);
  const Tensor sq = RandomComplex({2, 4, 4}, 41) + Eyes(h, 4) * 2.0;
  const Tensor b = RandomComplex({2, 4, 3}, 42);
  for (bool lower : {false, true}) {
    for (int trans : {0, 1, 2}) {
      CheckComplexDerivatives(
          [&](const Tensor& a) { return linalg::solve_triangular(a, b, trans, lower, trans == 1); },
          sq);
      CheckComplexDerivatives(
          [&](const Tensor& x) { return linalg::solve_triangular(sq, x, trans, lower); }, b);
    }
  }
  for (const Shape& shape : {Shape{2, 4, 4}, Shape{3, 5}, Shape{5, 3}}) {
    CheckComplexDerivatives([](const Tensor& a) { return lax::lu(a).lu; },
                            RandomComplex(shape, 43));
  }
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{4, 4}}) {
    const Tensor a = RandomComplex(shape, 44);
    CheckComplexDerivatives([](const Tensor& a) { return linalg::qr(a).q; }, a);
    CheckComplexDerivatives([](const Tensor& a) { return linalg::qr(a).r; }, a);
  }
  // Eigen- and singular vectors have a phase each: their derivatives are checked through
  // phase-free functions, the reconstructions among them (whose jvp is the symmetrized direction
  // itself only when every term of the rule is right, the phase terms included).
  const Tensor herm = Hpd({2, 4, 4}, 45) - Eyes(h, 4) * 8.0;
  CheckComplexDerivatives([](const Tensor& a) { return linalg::eigh(a).eigenvalues; }, herm);
  CheckComplexDerivatives(
      [](const Tensor& a) {
        const Tensor v = linalg::eigh(a).eigenvectors;
        return real(v * conj(v));
      },
      herm, 1e-6);
  const auto rebuild_eigh = [](const Tensor& a) {
    const linalg::Eigh e = linalg::eigh(a, true, false);
    return matmul(e.eigenvectors * expand_dims(astype(e.eigenvalues, c128), -2),
                  MH(e.eigenvectors));
  };
  CheckComplexDerivatives(rebuild_eigh, herm, 1e-6);
  for (const Shape& shape : {Shape{2, 5, 3}, Shape{3, 5}, Shape{4, 4}}) {
    const Tensor a = RandomComplex(shape, 46);
    CheckComplexDerivatives([](const Tensor& a) { return linalg::svdvals(a); }, a);
    const auto rebuild = [](const Tensor& a) {
      const linalg::SVD f = linalg::svd(a, false);
      return matmul(f.u * expand_dims(astype(f.s, c128), -2), f.vh);
    };
    CheckComplexDerivatives(rebuild, a, 1e-6);
    CheckComplexDerivatives(
        [](const Tensor& a) {
          const linalg::SVD f = linalg::svd(a, false);
          return concatenate(
              {reshape(real(f.u * conj(f.u)), {-1}), reshape(real(f.vh * conj(f.vh)), {-1})});
        },
        a, 1e-6);
    // The phase term alone: u^H u' must be skew-Hermitian (u stays unitary) and the jvp of
    // the reconstruction is the direction itself.
    const Tensor v = RandomComplex(shape, 47);
    EXPECT_TRUE(AllClose(jvp(rebuild, {a}, {v}).second, v, 1e-10, 1e-10));
  }
  const Tensor gen = RandomComplex({2, 4, 4}, 48) + Eyes(h, 4);
  CheckComplexDerivatives([](const Tensor& a) { return linalg::inv(a); }, gen);
  CheckComplexDerivatives([&](const Tensor& a) { return linalg::solve(a, b); }, gen);
  CheckComplexDerivatives([](const Tensor& a) { return linalg::det(a); }, gen);
  CheckComplexDerivatives([](const Tensor& a) { return linalg::slogdet(a).logabsdet; }, gen);
  CheckComplexDerivatives([](const Tensor& a) { return linalg::slogdet(a).sign; }, gen);
}

// Second order through real parameters (jacfwd takes real inputs, as JAX's): a loss of the
// complex matrix x + iy, its Hessian by both compositions and against the gradient's central
// differences.
TEST(ComplexLinalgDerivativesTest, HessiansOfARealParametrization) {
  const auto loss = [](const Tensor& xy) {
    const Tensor z = complex(xy[0], xy[1]);
    const Tensor h = matmul(z, MH(z)) + eye(3, c128);
    return linalg::slogdet(h).logabsdet + sum(real(linalg::cholesky(h))) +
           sum(linalg::eigvalsh(h) * arange(3, f64)) + sum(linalg::svdvals(z));
  };
  const Tensor xy = testing::Random({2, 3, 3}, 60);
  const Tensor g = grad(loss)(xy);
  const Tensor v = testing::Random(xy.shape(), 61);
  EXPECT_TRUE(AllClose(jvp(grad(loss), {xy}, {v}).second,
                       testing::CentralDifference(grad(loss), xy, v), 1e-6, 1e-6));
  const Tensor fwd = jacfwd(grad(loss))(xy);
  EXPECT_TRUE(AllClose(jacrev(grad(loss))(xy), fwd, 1e-9, 1e-9));
  EXPECT_TRUE(AllClose(hessian(loss)(xy), fwd, 1e-9, 1e-9));
  // log det(h), h = z z^H + 1: d = Re(tr(h^-1 dh)) = Re(sum(2 conj(h^-1 z) dz)), so the gradient
  // is 2 conj(h^-1 z).
  const Tensor z = complex(xy[0], xy[1]);
  const auto logdet = [](const Tensor& z) {
    return linalg::slogdet(matmul(z, MH(z)) + eye(3, c128)).logabsdet;
  };
  EXPECT_TRUE(AllClose(grad(logdet)(z),
                       conj(matmul(linalg::inv(matmul(z, MH(z)) + eye(3, c128)), z)) * 2.0, 1e-10,
                       1e-10));
}

TEST(ComplexLinalgTransformsTest, VmapAndJitMatchPerExampleCalls) {
  const Tensor as = RandomComplex({3, 4, 4}, 70) + Eyes(Hpd({3, 4, 4}, 71), 4) * 2.0;
  const Tensor b = RandomComplex({4, 2}, 72);
  const auto f = [&](const Tensor& a) {
    return concatenate({reshape(linalg::solve(a, b), {-1}), reshape(linalg::qr(a).r, {-1}),
                        sum(linalg::lu(a).u, -1) + astype(linalg::svdvals(a), c128),
                        reshape(linalg::cholesky(matmul(a, MH(a))), {-1}),
                        astype(linalg::eigvalsh(a + MH(a)), c128)});
  };
  std::vector<Tensor> want;
  for (int64_t i = 0; i < 3; ++i) want.push_back(f(as[i]));
  EXPECT_TRUE(AllClose(vmap(f)(as), stack(want), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(vmap(f))(as), stack(want), 1e-12, 1e-12));
  const auto logdet = [](const Tensor& a) { return linalg::slogdet(a).logabsdet; };
  std::vector<Tensor> want_grad;
  for (int64_t i = 0; i < 3; ++i) want_grad.push_back(grad(logdet)(as[i]));
  EXPECT_TRUE(AllClose(jit(vmap(grad(logdet)))(as), stack(want_grad), 1e-10, 1e-10));
  // grad of log|det a| is a^-T: d log|det a| = Re(tr(a^-1 da)) = Re(sum(a^-T da)), and JAX's
  // gradient of a real function of complex a is the c with df = Re(sum(c da)).
  EXPECT_TRUE(AllClose(stack(want_grad), MT(linalg::inv(as)), 1e-10, 1e-10));
}

}  // namespace
}  // namespace cotangent
