// File: tests/interpreters/custom_solve_test.cc
// custom_linear_solve and custom_root, ported from JAX's tests/custom_linear_solve_test.py and
// tests/custom_root_test.py: values against direct solves, derivatives to second order in
// every mode against central differences in f64 and the VJP inner-product identity (JAX's
// check_grads), jit against eager, vmap against the per-example results, aux values, the
// reverse-mode error without transpose_solve, and the type errors.

#include <cmath>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using linalg::cho_solve;
using linalg::cholesky;
using linalg::lu_factor;
using linalg::lu_solve;
using linalg::LuFactor;
using linalg::norm;
using linalg::solve;
using testing::AllClose;
using testing::CentralDifference;
using testing::ErrorOf;
using ::testing::HasSubstr;
using testing::Inner;
using testing::Random;

using Fn = std::function<Tensor(const Tensor&)>;
using Fn2 = std::function<Tensor(const Tensor&, const Tensor&)>;
using Linear = std::function<Tensor(const Tensor&)>;

// f of (a, b) as a function of one vector holding both (so one direction moves both).
Fn Packed(const Fn2& f, const Shape& a, const Shape& b) {
  const int64_t na = NumElements(a);
  return [=](const Tensor& x) {
    return f(reshape(slice(x, {0}, {na}), a), reshape(slice(x, {na}, {x.size()}), b));
  };
}
Tensor Pack(const Tensor& a, const Tensor& b) {
  return concatenate({reshape(a, {a.size()}), reshape(b, {b.size()})});
}

// JAX's check_grads(order=2): forward mode (and with `reverse` reverse mode) to second order
// against central differences, and the VJP inner-product identity.
void CheckGrads(const Fn& f, const Tensor& x, bool reverse, double rtol, double atol,
                double eps = 1e-6) {
  const Tensor v = Random(x.shape(), 11), w = Random(x.shape(), 12);
  const auto [y, y_dot] = jvp(f, {x}, {v});
  EXPECT_TRUE(AllClose(y_dot, CentralDifference(f, x, v, eps), rtol, atol)) << "jvp";
  const Fn along_v = [&](const Tensor& at) { return jvp(f, {at}, {v}).second; };
  EXPECT_TRUE(
      AllClose(jvp(along_v, {x}, {w}).second, CentralDifference(along_v, x, w, eps), rtol, atol))
      << "jvp of jvp";
  if (!reverse) return;
  const Tensor ct = Random(y.shape(), 13);
  const Tensor x_ct = vjp(f, x).second(ct)[0];
  EXPECT_NEAR(Inner(ct, y_dot), Inner(x_ct, v), rtol * std::abs(Inner(ct, y_dot)) + atol) << "vjp";
  const Fn gradient = grad([&](const Tensor& at) { return sum(f(at) * ct); });
  const Tensor hw = CentralDifference(gradient, x, w, eps);
  EXPECT_TRUE(AllClose(jvp(gradient, {x}, {w}).second, hw, rtol, atol)) << "jvp of grad";
  EXPECT_TRUE(
      AllClose(grad([&](const Tensor& at) { return sum(gradient(at) * w); })(x), hw, rtol, atol))
      << "grad of grad";
}

// JAX's explicit_jacobian_solve: the matrix of matvec, solved directly, with no derivative.
Tensor ExplicitJacobianSolve(const Linear& matvec, const Tensor& b) {
  return stop_gradient(solve(jacfwd(matvec)(b), b));
}

Tensor Symmetrized(const Tensor& a) { return a + transpose(a); }
Tensor Posify(const Tensor& a) { return matmul(a, transpose(a)); }

// ---- custom_linear_solve -------------------------------------------------------------------

class LinearSolveTest : public ::testing::TestWithParam<bool> {};

TEST_P(LinearSolveTest, DerivativesJitAndVmapOfAMatrixFreeSolve) {
  const bool sym = GetParam();
  // A symmetric solve is differentiated as one: its matrix moves symmetrically (the transposed
  // system's derivatives are the system's), as JAX's `symmetric` assumes.
  const auto linear_solve = [sym](const Tensor& a, const Tensor& b) {
    const Tensor m = sym ? 0.5 * Symmetrized(a) : a;
    const Linear matvec = [m](const Tensor& v) { return matmul(m, v); };
    return sym ? custom_linear_solve(matvec, b, ExplicitJacobianSolve, symmetric)
               : custom_linear_solve(matvec, b, ExplicitJacobianSolve, ExplicitJacobianSolve);
  };
  Tensor a = Random({3, 3}, 1) + 2.0 * eye(3, f64);
  if (sym) a = Symmetrized(a);
  const Tensor b = Random({3}, 2);
  EXPECT_TRUE(AllClose(linear_solve(a, b), solve(a, b), 1e-12, 1e-12));
  CheckGrads(Packed(linear_solve, {3, 3}, {3}), Pack(a, b), true, 1e-6, 1e-8);
  EXPECT_TRUE(AllClose(jit(linear_solve)(a, b), solve(a, b), 1e-12, 1e-12));
  const Tensor c = Random({3, 2}, 3);
  EXPECT_TRUE(AllClose(vmap(linear_solve, {std::nullopt, 1}, 1)(a, c), solve(a, c), 1e-12, 1e-12));
  // Batched matrices and one b: the fixpoint batches b (x depends on the matrix).
  const Tensor a2 = a + 0.5 * eye(3, f64);
  EXPECT_TRUE(AllClose(vmap(linear_solve, {0, std::nullopt})(stack({a, a2}), b),
                       stack({linear_solve(a, b), linear_solve(a2, b)}), 1e-12, 1e-12));
  // Gradients under jit, against eager.
  const auto loss = [&](const Tensor& a, const Tensor& b) { return sum(sin(linear_solve(a, b))); };
  EXPECT_TRUE(
      AllClose(jit(grad(loss, {0, 1}))(a, b)[0], grad(loss, {0, 1})(a, b)[0], 1e-12, 1e-12));
}

INSTANTIATE_TEST_SUITE_P(Symmetric, LinearSolveTest, ::testing::Bool());

TEST(LinearSolveTest, IsOneEquationThatJitInlines) {
  const Tensor a = Posify(Random({2, 2}, 4)) + eye(2, f64), b = Random({2}, 5);
  const auto f = [](const Tensor& a, const Tensor& b) {
    return custom_linear_solve([&](const Tensor& v) { return matmul(a, v); }, b,
                               [&](const Linear&, const Tensor& r) { return solve(a, r); },
                               symmetric);
  };
  const std::string printed = make_jaxpr(f)(a, b).ToString();
  EXPECT_THAT(printed, HasSubstr("custom_linear_solve["));
  EXPECT_THAT(printed, HasSubstr("const_lengths=(matvec=1, solve="));
  EXPECT_THAT(printed, HasSubstr(", vecmat=1, transpose_solve="));
  // Its transpose under grad is another custom_linear_solve, of the transposed programs.
  const std::string grad_program =
      make_jaxpr(grad([&](const Tensor& b) { return sum(f(a, b)); }))(b).ToString();
  EXPECT_THAT(grad_program, HasSubstr("custom_linear_solve["));
  EXPECT_TRUE(AllClose(jit(f)(a, b), solve(a, b), 1e-12, 1e-12));
}

TEST(LinearSolveTest, AuxValuesComeBackWithZeroDerivatives) {
  using Aux = std::tuple<Tensor, Tensor>;
  const Aux aux{scalar(1.0, f64), scalar(12345.0, f64)};
  const auto solve_aux = [&](const Linear& matvec, const Tensor& b) {
    return std::pair<Tensor, Aux>(ExplicitJacobianSolve(matvec, b), aux);
  };
  const auto linear_solve_aux = [&](const Tensor& a, const Tensor& b) {
    const Tensor m = 0.5 * Symmetrized(a);
    return custom_linear_solve([m](const Tensor& v) { return matmul(m, v); }, b, solve_aux,
                               solve_aux, symmetric, has_aux);
  };
  const Tensor a = Symmetrized(Random({3, 3}, 6)) + 4.0 * eye(3, f64), b = Random({3}, 7);
  for (const auto& [x, got] : {linear_solve_aux(a, b), jit(linear_solve_aux)(a, b)}) {
    EXPECT_TRUE(AllClose(x, solve(a, b), 1e-12, 1e-12));
    EXPECT_EQ(std::get<1>(got).item<double>(), 12345.0);
  }
  CheckGrads(Packed([&](const Tensor& a, const Tensor& b) { return linear_solve_aux(a, b).first; },
                    {3, 3}, {3}),
             Pack(a, b), true, 1e-6, 1e-8);
  // The aux's tangent is zero.
  const auto aux_of = [&](const Tensor& b) { return std::get<1>(linear_solve_aux(a, b).second); };
  EXPECT_EQ(jvp(aux_of, {b}, {b}).second.item<double>(), 0.0);
  // vmap: the aux is batched (repeated), x mapped.
  const Tensor c = Random({3, 2}, 8);
  const auto [xs, auxs] = vmap(linear_solve_aux, {std::nullopt, 1}, -1)(a, c);
  EXPECT_TRUE(AllClose(xs, solve(a, c), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(std::get<1>(auxs), full({2}, 12345.0, f64), 0, 0));
}

// Richardson iteration (gradient descent on the residual) to `tolerance`: a solver written
// with while_loop, which reverse mode could not differentiate through.
Tensor Richardson(const Linear& matvec, const Tensor& b, double omega, double tolerance) {
  return while_loop([&](const Tensor& x) { return norm(matvec(x) - b) > tolerance; },
                    [&](const Tensor& x) { return x + omega * (b - matvec(x)); }, b);
}

TEST(LinearSolveTest, IterativeSolverIsDifferentiatedImplicitly) {
  const auto richardson = [](const Linear& matvec, const Tensor& b) {
    return Richardson(matvec, b, 0.1, 1e-13);
  };
  // Non-linear in a and b; exp(a) has eigenvalues near 2 and 3, where Richardson converges.
  const auto build_and_solve = [&](const Tensor& a, const Tensor& b) {
    const Tensor m = exp(a);
    return custom_linear_solve([m](const Tensor& v) { return matmul(m, v); }, cos(b), richardson,
                               richardson);
  };
  const Tensor a = tensor({1.0, -1.0, -0.5, 0.8}, {2, 2}, f64), b = Random({2}, 9);
  EXPECT_TRUE(AllClose(build_and_solve(a, b), solve(exp(a), cos(b)), 1e-11, 1e-11));
  CheckGrads(Packed(build_and_solve, {2, 2}, {2}), Pack(a, b), true, 1e-5, 1e-8, 1e-5);
  // Over a leading axis of one (JAX's "vmap across an empty dimension").
  const Fn2 mapped = [&](const Tensor& a, const Tensor& b) { return vmap(build_and_solve)(a, b); };
  CheckGrads(Packed(mapped, {1, 2, 2}, {1, 2}), Pack(reshape(a, {1, 2, 2}), reshape(b, {1, 2})),
             true, 1e-5, 1e-8, 1e-5);
}

TEST(LinearSolveTest, CholeskySolveOfAPositiveDefiniteMatrix) {
  const auto positive_definite_solve = [](const Tensor& a, const Tensor& b) {
    const Tensor factor = cholesky(a);
    return custom_linear_solve(
        [a](const Tensor& v) { return matmul(a, v); }, b,
        [factor](const Linear&, const Tensor& x) { return cho_solve(factor, x); }, symmetric);
  };
  const Tensor a = Random({2, 2}, 10) + eye(2, f64), b = Random({2}, 11);
  EXPECT_TRUE(AllClose(positive_definite_solve(Posify(a), b), solve(Posify(a), b), 1e-12, 1e-12));
  EXPECT_TRUE(
      AllClose(jit(positive_definite_solve)(Posify(a), b), solve(Posify(a), b), 1e-12, 1e-12));
  CheckGrads(Packed([&](const Tensor& a,
                        const Tensor& b) { return positive_definite_solve(Posify(a), b); },
                    {2, 2}, {2}),
             Pack(a, b), true, 1e-6, 1e-8);
}

TEST(LinearSolveTest, LuFactorsOfTheMatrixAndItsTranspose) {
  const auto linear_solve = [](const Tensor& a, const Tensor& b) {
    const LuFactor factors = lu_factor(a), t_factors = lu_factor(transpose(a));
    return custom_linear_solve(
        [a](const Tensor& v) { return matmul(a, v); }, b,
        [factors](const Linear&, const Tensor& x) { return lu_solve(factors, x); },
        [t_factors](const Linear&, const Tensor& x) { return lu_solve(t_factors, x); });
  };
  const Tensor a = Random({3, 3}, 12) + 2.0 * eye(3, f64), b = Random({3}, 13);
  EXPECT_TRUE(AllClose(linear_solve(a, b), solve(a, b), 1e-12, 1e-12));
  CheckGrads(Packed(linear_solve, {3, 3}, {3}), Pack(a, b), true, 1e-6, 1e-8);
  // JAX's issue 1536: the same under jit.
  CheckGrads(Packed(jit(linear_solve), {3, 3}, {3}), Pack(a, b), true, 1e-6, 1e-8);
}

TEST(LinearSolveTest, ComplexSystem) {
  const auto c = [](uint32_t seed, const Shape& shape) {
    return complex(0.5 * Random(shape, seed), 0.5 * Random(shape, seed + 100));
  };
  const Tensor a = c(14, {2, 2}) + astype(eye(2, f64), c128), b = c(15, {2});
  ASSERT_EQ(a.dtype(), c128);
  const auto linear_solve = [](const Tensor& a, const Tensor& b) {
    return custom_linear_solve(
        [a](const Tensor& v) { return matmul(a, v); }, b,
        [a](const Linear&, const Tensor& x) { return solve(a, x); },
        [a](const Linear&, const Tensor& x) { return solve(transpose(a), x); });
  };
  EXPECT_TRUE(AllClose(linear_solve(a, b), solve(a, b), 1e-12, 1e-12));
  // jvp against central differences along a complex direction, and reverse mode's transpose
  // (JAX's convention: the pullback is the transpose, not the adjoint, of the jvp).
  const Tensor da = c(16, {2, 2}), db = c(17, {2});
  const auto [x, x_dot] = jvp(linear_solve, {a, b}, {da, db});
  const double eps = 1e-6;
  EXPECT_TRUE(AllClose(
      x_dot,
      (linear_solve(a + eps * da, b + eps * db) - linear_solve(a - eps * da, b - eps * db)) /
          (2 * eps),
      1e-6, 1e-8));
  const Tensor ct = c(18, {2});
  const std::vector<Tensor> cts = vjp(linear_solve, a, b).second(ct);
  EXPECT_TRUE(AllClose(sum(ct * x_dot), sum(cts[0] * da) + sum(cts[1] * db), 1e-10, 1e-10));
}

TEST(LinearSolveTest, WithoutTransposeSolveForwardModeOnly) {
  const auto loss = [](const Tensor& a, const Tensor& b) {
    return sum(custom_linear_solve([a](const Tensor& v) { return matmul(a, v); }, b,
                                   ExplicitJacobianSolve));
  };
  const Tensor a = Random({2, 2}, 19) + 2.0 * eye(2, f64), b = Random({2}, 20);
  CheckGrads(Packed(loss, {2, 2}, {2}), Pack(a, b), false, 1e-6, 1e-9);
  const Fn2 mapped = [&](const Tensor& a, const Tensor& b) { return vmap(loss)(a, b); };
  CheckGrads(Packed(mapped, {1, 2, 2}, {1, 2}), Pack(reshape(a, {1, 2, 2}), reshape(b, {1, 2})),
             false, 1e-6, 1e-9);
  EXPECT_THAT(ErrorOf([&] { grad(loss)(a, b); }),
              HasSubstr("custom_linear_solve: reverse-mode differentiation needs transpose_solve"));
}

TEST(LinearSolveTest, ContainersWithAux) {
  using B = std::tuple<Tensor, Tensor>;
  const B b{ones({2}, f64), ones({3}, f64)};
  const auto solve_with_aux = [](const std::function<B(const B&)>&, const B& b) {
    return std::pair<B, Tensor>(b, scalar(7, i32));
  };
  const auto [x, aux] =
      custom_linear_solve([](const B& x) { return x; }, b, solve_with_aux, solve_with_aux, has_aux);
  EXPECT_TRUE(AllClose(std::get<1>(x), std::get<1>(b), 0, 0));
  EXPECT_EQ(aux.item<int32_t>(), 7);
  // vmap of a solve of a (x, x) pair whose aux holds a bool and an integer (JAX's
  // test_custom_linear_solve_batching_with_aux).
  const Tensor m = Symmetrized(Random({3, 3}, 21));
  const auto solve_aux = [&](const Tensor& x) {
    const auto matvec = [&](const std::pair<Tensor, Tensor>& y) {
      return std::pair{matmul(m, y.first), matmul(m, y.second)};
    };
    const auto apply = [](const auto& mv, const std::pair<Tensor, Tensor>& b) {
      return std::pair{mv(b), std::tuple{scalar(1.0, f64), scalar(true, bool_), scalar(0, i32)}};
    };
    return custom_linear_solve(matvec, std::pair{x, x}, apply, apply, symmetric, has_aux).first;
  };
  const Tensor xs = Random({3, 3}, 22);
  EXPECT_TRUE(AllClose(vmap(solve_aux)(xs).first, matmul(xs, m), 1e-12, 1e-12));
}

TEST(LinearSolveTest, UnderCheckpoint) {
  const auto linear_solve = checkpoint([](const Tensor& a, const Tensor& b) {
    return custom_linear_solve([a](const Tensor& v) { return matmul(a, v); }, b,
                               ExplicitJacobianSolve, symmetric);
  });
  const Tensor a = Symmetrized(Random({3, 3}, 23)) + 4.0 * eye(3, f64), b = Random({3}, 24);
  const Tensor ct = Random({3}, 25), v = Random({12}, 26);
  const Fn f = Packed(linear_solve, {3, 3}, {3});
  const Tensor x = Pack(a, b);
  EXPECT_NEAR(Inner(vjp(f, x).second(ct)[0], v), Inner(ct, CentralDifference(f, x, v)), 1e-7);
}

TEST(LinearSolveTest, TypeErrors) {
  const Tensor one = scalar(1.0, f64);
  const auto identity = [](const Linear&, const Tensor& x) { return x; };
  const auto identity_fn = [](const Tensor& x) { return x; };
  EXPECT_THAT(ErrorOf([&] {
                custom_linear_solve(
                    identity_fn, one, [](const Linear&, const Tensor&) { return ones({2}, f64); },
                    identity);
              }),
              HasSubstr("custom_linear_solve: solve output 0 has type f64[2] but b has type "
                        "f64[]"));
  EXPECT_THAT(ErrorOf([&] {
                custom_linear_solve(identity_fn, one, identity,
                                    [](const Linear&, const Tensor&) { return ones({2}, f64); });
              }),
              HasSubstr("transpose_solve output 0 has type f64[2]"));
  const auto bad_matvec_usage = [&](const Tensor& a) {
    return custom_linear_solve([&](const Tensor&) { return a * ones({2}, f64); }, one, identity,
                               identity);
  };
  EXPECT_THAT(ErrorOf([&] { jvp(bad_matvec_usage, {one}, {one}); }),
              HasSubstr("custom_linear_solve: matvec output 0 has type f64[2] but b has type "
                        "f64[]"));
}

// ---- custom_root ---------------------------------------------------------------------------

Tensor BinarySearch(const Linear& func, const Tensor& /*x0*/) {
  using State = std::pair<Tensor, Tensor>;
  const State out = while_loop(
      [](const State& s) {
        const Tensor mid = 0.5 * (s.first + s.second);
        return (s.first < mid) & (mid < s.second);
      },
      [&](const State& s) {
        const Tensor mid = 0.5 * (s.first + s.second);
        const Tensor upper = func(mid) > 0.0;
        return State{where(upper, s.first, mid), where(upper, mid, s.second)};
      },
      State{scalar(0.0, f64), scalar(100.0, f64)});
  return out.first;
}

Tensor NewtonRaphson(const Linear& func, const Tensor& x0) {
  using State = std::tuple<Tensor, Tensor, Tensor, Tensor>;  // (iteration, x, f(x), f'(x))
  const int64_t n = x0.size();
  const State out = while_loop(
      [](const State& s) { return (max(abs(std::get<2>(s))) > 1e-16) & (std::get<0>(s) < 20); },
      [&](const State& s) {
        const auto& [it, x, fx, dfx] = s;
        const Tensor step = reshape(solve(reshape(dfx, {n, n}), reshape(fx, {n})), x.shape());
        const Tensor next = x - step;
        return State{it + scalar(1, i32), next, func(next), jacfwd(func)(next)};
      },
      State{scalar(0, i32), x0, func(x0), jacfwd(func)(x0)});
  return std::get<1>(out);
}

Tensor ScalarSolve(const Linear& g, const Tensor& y) { return y / g(scalar(1.0, f64)); }

class RootTest : public ::testing::TestWithParam<bool> {};

TEST_P(RootTest, ScalarRootValueGradientVmapAndJit) {
  const auto method = GetParam() ? NewtonRaphson : BinarySearch;
  const Fn sqrt_cubed = [method](const Tensor& x) {
    return custom_root([x](const Tensor& y) { return y * y - x * x * x; }, scalar(1.0, f64), method,
                       ScalarSolve);
  };
  const Tensor five = scalar(5.0, f64);
  EXPECT_NEAR(sqrt_cubed(five).item<double>(), std::pow(5.0, 1.5), 1e-12);
  EXPECT_NEAR(grad(sqrt_cubed)(five).item<double>(), 1.5 * std::sqrt(5.0), 1e-12);
  CheckGrads(sqrt_cubed, five, true, 1e-6, 1e-8);
  const Tensor inputs = tensor({4.0, 5.0}, {2}, f64);
  EXPECT_TRUE(AllClose(vmap(sqrt_cubed)(inputs), pow(inputs, 1.5), 1e-12, 1e-12));
  EXPECT_NEAR(jit(sqrt_cubed)(five).item<double>(), std::pow(5.0, 1.5), 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Newton, RootTest, ::testing::Bool());

TEST(RootTest, SolveClosingOverTheSolution) {
  // The solver is an oracle closing over a solution computed outside: only the implicit
  // derivative through f reaches a and b.
  const auto vector_solve = [](const Linear& g, const Tensor& y) { return solve(jacfwd(g)(y), y); };
  const auto linear_solve = [&](const Tensor& a, const Tensor& b) {
    const Tensor solution = solve(a, b);
    return custom_root([&](const Tensor& y) { return matmul(a, y) - b; }, zeros_like(b),
                       [solution](const Linear&, const Tensor&) { return solution; }, vector_solve);
  };
  const Tensor a = Random({2, 2}, 27) + 2.0 * eye(2, f64), b = Random({2}, 28);
  CheckGrads(Packed(linear_solve, {2, 2}, {2}), Pack(a, b), true, 1e-6, 1e-9);
  EXPECT_TRUE(AllClose(jit(linear_solve)(a, b), solve(a, b), 1e-12, 1e-12));
}

TEST(RootTest, NonlinearSystemByNewton) {
  const auto tangent_solve = [](const Linear& g, const Tensor& y) {
    return reshape(solve(reshape(jacfwd(g)(y), {y.size(), y.size()}), reshape(y, {y.size()})),
                   y.shape());
  };
  // f(x) = (x - y)(x^2 + y^2 + 1) vanishes exactly at x = y.
  const Fn nonlinear_solve = [&](const Tensor& y) {
    return custom_root([&](const Tensor& x) { return (x - y) * (x * x + y * y + 1.0); },
                       -ones_like(y), NewtonRaphson, tangent_solve);
  };
  const Tensor y = Random({3, 1}, 29);
  CheckGrads(nonlinear_solve, y, true, 1e-6, 1e-9);
  EXPECT_TRUE(AllClose(jit(nonlinear_solve)(y), y, 1e-12, 1e-12));
}

// JAX's test_custom_root_with_custom_linear_solve and _with_aux: a Cholesky solve serves as
// both solve and, through custom_linear_solve, tangent_solve.
auto RootByCholesky(bool with_aux) {
  return [with_aux](const Tensor& a, const Tensor& b) {
    const Tensor factor = cholesky(a);
    const auto cho = [factor](const auto&, const Tensor& r) { return cho_solve(factor, r); };
    const auto pos_def_solve = [cho](const Linear& g, const Tensor& r) {
      return custom_linear_solve(g, r, cho, symmetric);
    };
    const auto f = [&](const Tensor& x) { return matmul(a, x) - b; };
    if (!with_aux) return std::pair{custom_root(f, b, cho, pos_def_solve), zeros({3}, f64)};
    const auto cho_aux = [cho](const Linear& g, const Tensor& r) {
      return std::pair{cho(g, r), full({3}, 12345.0, f64)};
    };
    return custom_root(f, b, cho_aux, pos_def_solve, has_aux);
  };
}

TEST(RootTest, WithCustomLinearSolveAndAux) {
  const Tensor a = Random({2, 2}, 30) + eye(2, f64), b = Random({2}, 31);
  for (bool with_aux : {false, true}) {
    const auto root = RootByCholesky(with_aux);
    const auto x_of = [&](const Tensor& a, const Tensor& b) { return root(Posify(a), b).first; };
    EXPECT_TRUE(AllClose(root(Posify(a), b).first, solve(Posify(a), b), 1e-12, 1e-12));
    const auto jitted = jit(root)(Posify(a), b);
    EXPECT_TRUE(AllClose(jitted.first, solve(Posify(a), b), 1e-12, 1e-12));
    if (with_aux) {
      EXPECT_TRUE(AllClose(jitted.second, full({3}, 12345.0, f64), 0, 0));
    }
    CheckGrads(Packed(x_of, {2, 2}, {2}), Pack(a, b), true, 1e-6, 1e-8);
    // jacfwd (vmap of jvp) against the direct solve's.
    const auto direct = [](const Tensor& a, const Tensor& b) { return solve(Posify(a), b); };
    EXPECT_TRUE(AllClose(jacfwd(x_of, 0)(a, b), jacfwd(direct, 0)(a, b), 1e-10, 1e-12));
    EXPECT_TRUE(AllClose(jacfwd(x_of, 1)(a, b), jacfwd(direct, 1)(a, b), 1e-10, 1e-12));
  }
}

TEST(RootTest, TypeErrors) {
  const Tensor zero = scalar(0.0, f64);
  const auto keep = [](const Linear&, const Tensor& x) { return x; };
  EXPECT_THAT(ErrorOf([&] {
                custom_root([](const Tensor& x) { return stack({x, x}); }, zero, keep, keep);
              }),
              HasSubstr("custom_root: f output 0 has type f64[2] but initial_guess 0 has type "
                        "f64[]"));
  EXPECT_THAT(ErrorOf([&] {
                custom_root([](const Tensor& x) { return x; }, zero,
                            [](const Linear&, const Tensor& x) {
                              return stack({x, x});
                            },
                            keep);
              }),
              HasSubstr("custom_root: solve output 0 has type f64[2]"));
  EXPECT_THAT(ErrorOf([&] {
                custom_root([](const Tensor& x) { return x; }, zero, keep,
                            [](const Linear&, const Tensor& x) {
                              return stack({x, x});
                            });
              }),
              HasSubstr("custom_root: tangent_solve output 0 has type f64[2]"));
}

}  // namespace
}  // namespace cotangent
