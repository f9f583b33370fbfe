// File: examples/tour.cc
// A tour of Cotangent: tensors, broadcasting, reductions, movement, indexing, dtypes and the
// PRNG, then the transformations (grad to third order, jvp, vjp, Jacobians, Hessians, custom
// rules), each with its printed result. Run: bash tools/run.sh //examples:tour

#include <iostream>
#include <map>
#include <string>

#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace {

void Section(const std::string& title) { std::cout << "\n== " << title << " ==\n"; }

template <typename T>
void Show(const std::string& label, const T& value) {
  std::cout << label << ":\n" << value << "\n";
}

void Tensors() {
  Section("tensors");
  const ct::Tensor a = ct::tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Show("a = tensor({1..6}, {2, 3})", a);
  std::cout << "shape " << ct::ShapeToString(a.shape()) << ", dtype " << ct::DTypeName(a.dtype())
            << ", size " << a.size() << "\n";
  Show("arange(5)", ct::arange(5));
  Show("linspace(0, 1, 5)", ct::linspace(0, 1, 5));
  Show("eye(3, f64)", ct::eye(3, ct::f64));
  Show("a * 10 + [100, 200, 300] (broadcasting)", a * 10.0 + ct::tensor({100, 200, 300}, {3}));
  Show("a > 3 (bool)", a > 3.0);
  Show("arange(3) / 2 (i32 / i32 -> f32)", ct::arange(3) / ct::full({3}, 2, ct::i32));
}

void Reductions() {
  Section("reductions and movement");
  const ct::Tensor x = ct::reshape(ct::arange(24, ct::f32), {2, 3, 4});
  Show("sum(x, {0, 2})", ct::sum(x, {0, 2}));
  Show("mean(x, -1, keepdims=true) shape", ct::ShapeToString(ct::mean(x, -1, true).shape()));
  Show("max(x, 1)", ct::max(x, 1));
  Show("logsumexp([1000, 1001]) (stable)", ct::logsumexp(ct::tensor({1000, 1001}, {2})));
  Show("softmax([1, 2, 3])", ct::softmax(ct::tensor({1, 2, 3}, {3})));
  Show("transpose(x[0])", ct::transpose(x[0]));
  Show("slice(x[1], {0, 1}, {3, 4}, {2, 2})", ct::slice(x[1], {0, 1}, {3, 4}, {2, 2}));
  Show("matmul(x[0], transpose(x[1]))", ct::matmul(x[0], ct::transpose(x[1])));
  Show("one_hot([2, 0, 1], 3)", ct::one_hot(ct::tensor({2, 0, 1}, {3}, ct::i32), 3));
}

void Randomness() {
  Section("random (bit-compatible with JAX's threefry PRNG)");
  ct::random::Key key = ct::random::key(0);
  auto [k1, k2] = ct::random::split<2>(key);
  Show("key(0)", key);
  Show("uniform(key(0), {3})", ct::random::uniform(key, {3}));
  Show("normal(k1, {2, 2})", ct::random::normal(k1, {2, 2}));
  Show("permutation(k2, 8)", ct::random::permutation(k2, 8));
}

void Transformations() {
  Section("transformations");
  const auto tanh = [](ct::Tensor x) { return ct::tanh(x); };
  const ct::Tensor two = ct::scalar(2.0);
  Show("grad(tanh)(2)", ct::grad(tanh)(two));
  Show("grad(grad(tanh))(2)", ct::grad(ct::grad(tanh))(two));
  Show("grad(grad(grad(tanh)))(2)", ct::grad(ct::grad(ct::grad(tanh)))(two));

  const auto f = [](ct::Tensor x) { return ct::sum(ct::sin(x) * x * x); };
  const ct::Tensor x = ct::tensor({0.3, -1.2, 0.8}, {3}, ct::f64);
  const ct::Tensor v = ct::tensor({1, 0, 0}, {3}, ct::f64);
  Show("f(x) = sum(sin(x) x^2); grad(f)(x)", ct::grad(f)(x));
  Show("hessian(f)(x)", ct::hessian(f)(x));
  Show("jacrev(jacrev(f))(x) (reverse-over-reverse, same)", ct::jacrev(ct::jacrev(f))(x));
  Show("forward-over-reverse HVP along e0", ct::jvp(ct::grad(f), {x}, {v}).second);
  auto [y, pullback] = ct::vjp([](ct::Tensor a, ct::Tensor b) { return ct::matmul(a, b); },
                               ct::eye(2), ct::tensor({1, 2, 3, 4}, {2, 2}));
  Show("vjp of matmul: cotangents of both arguments", pullback(ct::ones({2, 2}))[1]);

  std::map<std::string, ct::Tensor> params = {{"w", ct::tensor({0.5, -0.5}, {2})},
                                              {"b", ct::scalar(0.1)}};
  const auto loss = [](const std::map<std::string, ct::Tensor>& p) {
    return ct::sum(ct::square(p.at("w"))) + p.at("b") * p.at("b");
  };
  const auto g = ct::grad(loss)(params);
  Show("grad over a std::map {w, b}: d/dw", g.at("w"));
  Show("make_jaxpr(f)(x)", ct::make_jaxpr(f)(x));

  // vmap: one batched call instead of a loop; composes with grad for per-example gradients.
  const ct::Tensor xs = ct::reshape(ct::linspace(-1, 1, 6, ct::f64), {2, 3});
  Show("vmap(f) over the rows of xs", ct::vmap(f)(xs));
  Show("vmap(grad(f)): per-row gradients", ct::vmap(ct::grad(f))(xs));
  const auto scale = [](ct::Tensor row, ct::Tensor s) { return row * s; };
  Show("vmap(scale, {1, nullopt}, 1): columns of xs times 10, batch on axis 1",
       ct::vmap(scale, {1, std::nullopt}, 1)(xs, ct::scalar(10.0, ct::f64)));
}

}  // namespace

int main() {
  try {
    Tensors();
    Reductions();
    Randomness();
    Transformations();
  } catch (const ct::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
