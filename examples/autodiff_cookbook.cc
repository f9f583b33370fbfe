// File: examples/autodiff_cookbook.cc
// JAX's "The Autodiff Cookbook", section by section with the notebook's data and PRNG keys, so
// every printed number can be held against the notebook (docs/examples.md lists where they
// differ and why). The custom-derivatives part is in examples/custom_derivatives.cc.
// Run: bash tools/run.sh //examples:autodiff_cookbook   (--fast shrinks the timing loops)

#include <cmath>
#include <complex>
#include <iostream>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "cotangent/cotangent.h"
#include "examples/cookbook_util.h"
#include "examples/support/cli.h"

ABSL_FLAG(bool, fast, false, "one run per timing loop instead of 7 (the CI smoke test)");

namespace cookbook {
namespace {

using ct::Tensor;
using Params = std::map<std::string, Tensor>;

// The logistic-regression model of the notebook, and the PRNG key it threads through.
struct Model {
  ct::random::Key key = ct::random::key(0);
  Tensor inputs = ct::tensor({0.52, 1.12, 0.77,    //
                              0.88, -1.08, 0.15,   //
                              0.52, 0.06, -1.30,   //
                              0.74, -2.49, 1.39},  //
                             {4, 3});
  Tensor targets = ct::from_vector<bool>({true, true, false, true}, {4});
  Tensor W, b;

  // key, *subkeys = random.split(key, n + 1)
  std::vector<ct::random::Key> NextKeys(int n) {
    const ct::random::Key keys = ct::random::split(key, n + 1);
    key = keys[0];
    std::vector<ct::random::Key> subkeys;
    for (int i = 1; i <= n; ++i) subkeys.push_back(keys[i]);
    return subkeys;
  }
};

Tensor Sigmoid(const Tensor& x) { return 0.5 * (ct::tanh(x / 2.0) + 1.0); }

// Outputs probability of a label being true.
Tensor Predict(const Tensor& W, const Tensor& b, const Tensor& inputs) {
  return Sigmoid(ct::dot(inputs, W) + b);
}

// Training loss is the negative log-likelihood of the training examples.
Tensor Loss(const Model& m, const Tensor& W, const Tensor& b) {
  const Tensor preds = Predict(W, b, m.inputs);
  const Tensor label_probs = preds * m.targets + (1.0 - preds) * (1.0 - m.targets);
  return -ct::sum(ct::log(label_probs));
}

void StartingWithGrad() {
  Header(1, "The Autodiff Cookbook (Cotangent port)");
  Header(2, "Gradients");
  Header(3, "Starting with grad");
  const auto tanh = [](const Tensor& x) { return ct::tanh(x); };
  const Tensor x = ct::scalar(2.0);
  std::cout << ct::grad(tanh)(x) << "\n";
  std::cout << ct::grad(ct::grad(tanh))(x) << "\n";
  std::cout << ct::grad(ct::grad(ct::grad(tanh)))(x) << "\n";
}

void LogisticRegression(Model& m) {
  const std::vector<ct::random::Key> keys = m.NextKeys(2);  // key, W_key, b_key = split(key, 3)
  m.W = ct::random::normal(keys[0], {3});
  m.b = ct::random::normal(keys[1], {});
  std::cout << "\n(setup, not printed in the notebook) W " << m.W << ", b " << m.b << "\n";
  const auto loss = [&m](const Tensor& W, const Tensor& b) { return Loss(m, W, b); };
  const Tensor &W = m.W, &b = m.b;

  // Differentiate `loss` with respect to the first positional argument:
  Print("W_grad", ct::grad(loss, 0)(W, b));
  // Since argnums=0 is the default, this does the same thing:
  Print("W_grad", ct::grad(loss)(W, b));
  // But we can choose different values too:
  Print("b_grad", ct::grad(loss, 1)(W, b));
  // Including several argnums:
  const std::vector<Tensor> grads = ct::grad(loss, {0, 1})(W, b);
  Print("W_grad", grads[0]);
  Print("b_grad", grads[1]);

  Header(3, "Differentiating with respect to nested lists, tuples, and dicts");
  const auto loss2 = [&m](const Params& params) {
    return Loss(m, params.at("W"), params.at("b"));
  };
  const Params g = ct::grad(loss2)(Params{{"W", W}, {"b", b}});
  std::cout << "{'W': " << g.at("W") << ", 'b': " << g.at("b") << "}\n";

  Header(3, "Evaluate a function and its gradient using value_and_grad");
  const auto [loss_value, Wb_grad] = ct::value_and_grad(loss, {0, 1})(W, b);
  Print("loss value", loss_value);
  Print("loss value", loss(W, b));
}

// JAX's check_grads(f, (W, b), order=2), written out: forward mode against central differences
// (computed in f64) along random directions, and reverse mode against forward mode through
// <u, J v> = <J^T u, v>; order 2 repeats both on the directional derivative of f.
template <typename F>
void CheckGrads(const F& f, const Tensor& W, const Tensor& b) {
  const auto f64 = [](const Tensor& t) { return ct::astype(t, ct::f64); };
  auto keys = ct::random::split(ct::random::key(1), 4);
  const Tensor vW = ct::random::normal(keys[0], W.shape()), vb = ct::random::normal(keys[1], {});
  const Tensor uW = ct::random::normal(keys[2], W.shape()), ub = ct::random::normal(keys[3], {});
  const double eps = 1e-4;
  double worst = 0;
  const auto check = [&](const auto& g, const char* what) {
    const double fwd = ct::jvp(g, {W, b}, {uW, ub}).second.template item<double>();
    const double numerical =
        ((g(f64(W) + eps * uW, f64(b) + eps * ub) - g(f64(W) - eps * uW, f64(b) - eps * ub)) /
         (2 * eps))
            .template item<double>();
    auto [y, pullback] = ct::vjp(g, W, b);
    const std::vector<Tensor> ct_in = pullback(ct::ones_like(y));
    const double rev = (ct::sum(ct_in[0] * uW) + ct_in[1] * ub).template item<double>();
    const double err_fwd = std::fabs(fwd - numerical) / std::max(1.0, std::fabs(numerical));
    const double err_rev = std::fabs(rev - fwd) / std::max(1.0, std::fabs(fwd));
    std::cout << "  " << what << ": jvp " << fwd << ", central difference " << numerical
              << ", vjp " << rev << "\n";
    worst = std::max({worst, err_fwd, err_rev});
  };
  check(f, "order 1");
  const auto directional = [&](const Tensor& W1, const Tensor& b1) {
    const auto cast = [&](const Tensor& t) { return ct::astype(t, W1.dtype()); };
    return ct::jvp(f, {W1, b1}, {cast(vW), cast(vb)}).second;
  };
  check(directional, "order 2");
  if (!(worst < 2e-3)) ++FailedChecks();
  std::cout << "check_grads(loss, (W, b), order=2): "
            << (worst < 2e-3 ? "passed" : "FAILED") << " (largest relative error " << worst
            << ")\n";
}

void NumericalDifferences(Model& m) {
  Header(3, "Checking against numerical differences");
  const auto loss = [&m](const Tensor& W, const Tensor& b) { return Loss(m, W, b); };
  const Tensor &W = m.W, &b = m.b;
  // Set a step size for finite differences calculations
  const double eps = 1e-4;
  // Check b_grad with scalar finite differences
  Print("b_grad_numerical", (loss(W, b + eps / 2.) - loss(W, b - eps / 2.)) / eps);
  Print("b_grad_autodiff", ct::grad(loss, 1)(W, b));
  // Check W_grad with finite differences in a random direction
  const Tensor vec = ct::random::normal(m.NextKeys(1)[0], W.shape());
  const Tensor unitvec = vec / ct::sqrt(ct::sum(vec * vec));
  Print("W_dirderiv_numerical",
        (loss(W + eps / 2. * unitvec, b) - loss(W - eps / 2. * unitvec, b)) / eps);
  Print("W_dirderiv_autodiff", ct::sum(ct::grad(loss)(W, b) * unitvec));
  std::cout << "(JAX's check_grads; Cotangent has none, so here it is written out)\n";
  CheckGrads(loss, W, b);
}

// hvp(f, x, v) = grad(lambda x: vdot(grad(f)(x), v))(x): reverse-over-reverse.
template <typename F>
Tensor HvpRevRev(const F& f, const Tensor& x, const Tensor& v) {
  return ct::grad([&](const Tensor& x) { return ct::sum(ct::grad(f)(x) * v); })(x);
}

void JacobiansAndHessians(Model& m) {
  Header(3, "Hessian-vector products with grad-of-grad");
  std::cout << "(hvp is defined here and checked below, with the dense Hessian)\n";
  Header(3, "Jacobians and Hessians using jacfwd and jacrev");
  const Tensor &W = m.W, &b = m.b;
  // Isolate the function from the weight matrix to the predictions
  const auto f = [&](const Tensor& W) { return Predict(W, b, m.inputs); };
  Tensor J = ct::jacfwd(f)(W);
  std::cout << "jacfwd result, with shape " << PyShape(J.shape()) << "\n" << J << "\n";
  J = ct::jacrev(f)(W);
  std::cout << "jacrev result, with shape " << PyShape(J.shape()) << "\n" << J << "\n";

  // jacrev(predict_dict)({'W': W, 'b': b}, inputs). Cotangent's jacrev differentiates one
  // Tensor argument, so for a container we write what jacrev does: the pullback of one
  // linearization, vmapped over the output basis. The result keeps the container's structure.
  const auto predict_dict = [](const Params& params, const Tensor& inputs) {
    return Predict(params.at("W"), params.at("b"), inputs);
  };
  auto [y, pullback] = ct::vjp(predict_dict, Params{{"W", W}, {"b", b}}, m.inputs);
  const Params J_dict = std::get<0>(ct::vmap(pullback)(ct::eye(y.size())));
  for (const auto& [k, v] : J_dict) {
    std::cout << "Jacobian from " << k << " to logits is\n" << v << "\n";
  }

  const Tensor H = ct::hessian(f)(W);  // jacfwd(jacrev(f))
  std::cout << "hessian, with shape " << PyShape(H.shape()) << "\n" << H << "\n";
}

void JvpAndVjp(Model& m) {
  Header(2, "How it's made: two foundational autodiff functions");
  Header(3, "Jacobian-Vector products (JVPs, aka forward-mode autodiff)");
  const Tensor &W = m.W, &b = m.b;
  const auto f = [&](const Tensor& W) { return Predict(W, b, m.inputs); };
  const Tensor v = ct::random::normal(m.NextKeys(1)[0], W.shape());
  // Push forward the vector `v` along `f` evaluated at `W`
  const auto [y, u] = ct::jvp(f, {W}, {v});
  std::cout << "(not printed in the notebook) v " << v << "\ny " << y << "\nu " << u << "\n";

  Header(3, "Vector-Jacobian products (VJPs, aka reverse-mode autodiff)");
  auto [y2, vjp_fun] = ct::vjp(f, W);
  const Tensor u2 = ct::random::normal(m.NextKeys(1)[0], y2.shape());
  // Pull back the covector `u` along `f` evaluated at `W`
  const Tensor v2 = vjp_fun(u2)[0];
  std::cout << "(not printed in the notebook) u " << u2 << "\nv " << v2 << "\n";

  Header(3, "Vector-valued gradients with VJPs");
  const auto vgrad = [](const auto& f, const Tensor& x) {
    auto [y, vjp_fn] = ct::vjp(f, x);
    return vjp_fn(ct::ones(y.shape()))[0];
  };
  std::cout << vgrad([](const Tensor& x) { return 3.0 * ct::square(x); }, ct::ones({2, 2}))
            << "\n";
}

void HessianVectorProducts(Model& m, const Options& options) {
  Header(3, "Hessian-vector products using both forward- and reverse-mode");
  // forward-over-reverse
  const auto hvp = [](const auto& f, const Tensor& x, const Tensor& v) {
    return ct::jvp(ct::grad(f), {x}, {v}).second;
  };
  // reverse-over-forward
  const auto hvp_revfwd = [](const auto& f, const Tensor& x, const Tensor& v) {
    return ct::grad([&](const Tensor& x) { return ct::jvp(f, {x}, {v}).second; })(x);
  };
  const auto f = [](const Tensor& X) { return ct::sum(ct::square(ct::tanh(X))); };
  const std::vector<ct::random::Key> keys = m.NextKeys(2);
  const Tensor X = ct::random::normal(keys[0], {30, 40});
  const Tensor V = ct::random::normal(keys[1], {30, 40});
  // jnp.tensordot(hessian(f)(X), V, 2)
  const auto dense = [&] {
    return ct::reshape(ct::matmul(ct::reshape(ct::hessian(f)(X), {1200, 1200}),
                                  ct::reshape(V, {1200})),
                       {30, 40});
  };
  const Tensor ans1 = hvp(f, X, V), ans2 = dense();
  std::cout << PyBool(AllClose(ans1, ans2, 1e-4, 1e-4)) << "\n";
  std::cout << "(also checked here: reverse-over-forward "
            << PyBool(AllClose(hvp_revfwd(f, X, V), ans2, 1e-4, 1e-4))
            << ", reverse-over-reverse " << PyBool(AllClose(HvpRevRev(f, X, V), ans2, 1e-4, 1e-4))
            << ")\n";

  const int runs = options.runs();
  Timing("Forward over reverse", runs, MedianMs(runs, [&] { return hvp(f, X, V); }));
  Timing("Reverse over forward", runs, MedianMs(runs, [&] { return hvp_revfwd(f, X, V); }));
  Timing("Reverse over reverse", runs, MedianMs(runs, [&] { return HvpRevRev(f, X, V); }));
  Timing("Naive full Hessian materialization", runs, MedianMs(runs, dense));
}

void MatrixJacobianProducts(Model& m, const Options& options) {
  Header(2, "Composing VJPs, JVPs, and vmap");
  Header(3, "Jacobian-Matrix and Matrix-Jacobian products");
  const Tensor &W = m.W, &b = m.b;
  const auto f = [&](const Tensor& W) { return Predict(W, b, m.inputs); };
  // Pull back the covectors `m_i` along `f`, evaluated at `W`, for all `i`: first a loop over
  // the rows of M, then vmap for one batched computation.
  const auto loop_mjp = [&](const Tensor& x, const Tensor& M) {
    auto [y, vjp_fun] = ct::vjp(f, x);
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < M.shape()[0]; ++i) rows.push_back(vjp_fun(M[i])[0]);
    return ct::stack(rows);
  };
  const auto vmap_mjp = [&](const Tensor& x, const Tensor& M) {
    auto [y, vjp_fun] = ct::vjp(f, x);
    return ct::vmap(vjp_fun)(M)[0];
  };
  const ct::random::Key key = ct::random::key(0);
  const int64_t num_covecs = 128;
  const Tensor U = ct::random::normal(key, {num_covecs, 4});  // (num_covecs,) + y.shape
  const int runs = options.runs();
  const Tensor loop_vs = loop_mjp(W, U);
  Timing("Non-vmapped Matrix-Jacobian product", runs, MedianMs(runs, [&] { return loop_mjp(W, U); }));
  const Tensor vmap_vs = vmap_mjp(W, U);
  Timing("\nVmapped Matrix-Jacobian product", runs, MedianMs(runs, [&] { return vmap_mjp(W, U); }));
  std::cout << "allclose(loop_vs, vmap_vs): " << PyBool(AllClose(loop_vs, vmap_vs)) << "\n";

  const auto loop_jmp = [&](const Tensor& W, const Tensor& M) {
    std::vector<Tensor> rows;
    for (int64_t i = 0; i < M.shape()[0]; ++i) rows.push_back(ct::jvp(f, {W}, {M[i]}).second);
    return ct::stack(rows);
  };
  const auto vmap_jmp = [&](const Tensor& W, const Tensor& M) {
    return ct::vmap([&](const Tensor& s) { return ct::jvp(f, {W}, {s}).second; })(M);
  };
  const Tensor S = ct::random::normal(key, {128, 3});  // (num_vecs,) + W.shape
  const Tensor loop_js = loop_jmp(W, S);
  Timing("Non-vmapped Jacobian-Matrix product", runs, MedianMs(runs, [&] { return loop_jmp(W, S); }));
  const Tensor vmap_js = vmap_jmp(W, S);
  Timing("\nVmapped Jacobian-Matrix product", runs, MedianMs(runs, [&] { return vmap_jmp(W, S); }));
  std::cout << "allclose(loop_vs, vmap_vs): " << PyBool(AllClose(loop_js, vmap_js)) << "\n";
}

void JacobianImplementation(Model& m) {
  Header(3, "The implementation of jacfwd and jacrev");
  const Tensor &W = m.W, &b = m.b;
  const auto f = [&](const Tensor& W) { return Predict(W, b, m.inputs); };
  const auto our_jacrev = [](const auto& f) {
    return [f](const Tensor& x) {
      auto [y, vjp_fun] = ct::vjp(f, x);
      // vmap does a matrix-Jacobian product with the Euclidean basis: all entries at once.
      return ct::vmap(vjp_fun, {0})(ct::eye(y.size()))[0];
    };
  };
  const auto our_jacfwd = [](const auto& f) {
    return [f](const Tensor& x) {
      const auto jvp = [&](const Tensor& s) { return ct::jvp(f, {x}, {s}).second; };
      return ct::transpose(ct::vmap(jvp, {1})(ct::eye(x.size())));
    };
  };
  std::cout << "allclose(builtin_jacrev(f)(W), our_jacrev(f)(W)): "
            << PyBool(AllClose(ct::jacrev(f)(W), our_jacrev(f)(W))) << "\n";
  std::cout << "allclose(builtin_jacfwd(f)(W), our_jacfwd(f)(W)): "
            << PyBool(AllClose(ct::jacfwd(f)(W), our_jacfwd(f)(W))) << "\n";

  // The notebook's last cell here applies jit to the pullback of a function with Python
  // control flow. Cotangent has no jit, and a branch cannot read a traced value, so the branch
  // is taken on a host number; the pullback is still one recorded linear program, reused
  // without re-running f.
  const double x_host = 4.0;
  const auto g = [x_host](const Tensor& x) {
    if (x_host < 3) return 2.0 * ct::pow(x, 3.0);
    return std::numbers::pi * x;
  };
  auto [y, f_vjp] = ct::vjp(g, ct::scalar(x_host));
  std::cout << "(no jit in Cotangent) f_vjp(1.) = (" << f_vjp(ct::scalar(1.0))[0] << ",)\n";
}

void ComplexNumbers() {
  Header(2, "Complex numbers and differentiation");
  // A C -> R function of z = x + iy: grad gives df/dx - i df/dy, the conjugate of the
  // direction of steepest ascent (JAX's convention), here 2 conj(z).
  const auto f = [](const Tensor& z) {
    const Tensor x = ct::real(z), y = ct::imag(z);
    return x * x + y * y;
  };
  const Tensor z = ct::from_vector<std::complex<double>>({{3, 4}}, {});
  const Tensor g = ct::grad(f)(z);
  std::cout << "grad(f)(3+4j) = " << g << "\n"
            << "equals 2 conj(z): " << PyBool(AllClose(g, 2.0 * ct::conj(z))) << "\n";
  // A holomorphic function's complex derivative: grad(f, holomorphic=True).
  const Tensor d = ct::grad([](const Tensor& w) { return ct::sin(w); }, ct::holomorphic)(z);
  std::cout << "grad(sin, holomorphic=True)(3+4j) = " << d << "\n"
            << "equals cos(3+4j): " << PyBool(AllClose(d, ct::cos(z))) << "\n";
  // jvp pushes complex tangents, vjp pulls complex cotangents, with no conjugation: for
  // f(z) = z^2, the jvp along 1 and the vjp of 1 are both f'(z) = 2z.
  const auto square = [](const Tensor& w) { return w * w; };
  const Tensor one = ct::full({}, 1.0, ct::c128);
  const Tensor pushed = ct::jvp(square, std::vector<Tensor>{z}, std::vector<Tensor>{one}).second;
  const Tensor pulled = ct::vjp(square, z).second(one)[0];
  std::cout << "jvp(z^2) along 1 = " << pushed << ", vjp(z^2) of 1 = " << pulled << "\n"
            << "both 2z: " << PyBool(AllClose(pushed, 2.0 * z) && AllClose(pulled, 2.0 * z))
            << "\n";
  // Complex numbers work everywhere: differentiating through the Cholesky factor of a complex
  // Hermitian matrix (c64, as jnp.array makes it), with the notebook's printed values.
  const Tensor A = ct::astype(
      ct::from_vector<std::complex<double>>(
          {{5, 0}, {2, 3}, {0, 5}, {2, -3}, {7, 0}, {1, 7}, {0, -5}, {1, -7}, {12, 0}}, {3, 3}),
      ct::c64);
  const auto chol = [](const Tensor& X) {
    const Tensor L = ct::linalg::cholesky(X);
    return ct::sum(ct::square(L - ct::sin(L)));
  };
  const Tensor dA = ct::grad(chol, ct::holomorphic)(A);
  std::cout << "grad(f, holomorphic=True)(A) =\n" << dA << "\n";
  const Tensor notebook = ct::from_vector<std::complex<double>>({{-0.7534186, 0},
                                                                 {-3.0509028, -10.940545},
                                                                 {5.9896846, 3.5423026},
                                                                 {-3.0509028, 10.940545},
                                                                 {-8.904491, 0},
                                                                 {-5.1351523, -6.559373},
                                                                 {5.9896846, -3.5423026},
                                                                 {-5.1351523, 6.559373},
                                                                 {0.01320427, 0}},
                                                                {3, 3});
  std::cout << "the notebook's values: " << PyBool(AllClose(dA, notebook, 1e-5, 1e-5)) << "\n";
}

void MoreAdvanced() {
  Header(2, "More advanced autodiff");
  std::cout << "(The notebook ends with a list of topics; custom JVPs and VJPs follow, from\n"
               "\"Custom derivative rules for JAX-transformable Python functions\".)\n";
}

}  // namespace
}  // namespace cookbook

namespace {

int Run(int argc, char** argv) {
  cotangent::cli::ParseFlags(argc, argv,
                             "JAX's Autodiff Cookbook and custom-derivatives notebooks, ported");
  cookbook::Options options;
  options.fast = absl::GetFlag(FLAGS_fast);
  cookbook::Model model;
  cookbook::StartingWithGrad();
  cookbook::LogisticRegression(model);
  cookbook::NumericalDifferences(model);
  cookbook::JacobiansAndHessians(model);
  cookbook::JvpAndVjp(model);
  cookbook::HessianVectorProducts(model, options);
  cookbook::MatrixJacobianProducts(model, options);
  cookbook::JacobianImplementation(model);
  cookbook::ComplexNumbers();
  cookbook::MoreAdvanced();
  cookbook::CustomDerivatives();
  if (cookbook::FailedChecks() > 0) {
    std::cerr << cookbook::FailedChecks() << " checks failed\n";
    return 1;
  }
  return 0;
}

}  // namespace

// cli::Main prints a thrown cotangent::Error (or a stray argument) as "error: ..." and exits 1.
int main(int argc, char** argv) { return cotangent::cli::Main(argc, argv, Run); }
