// File: tests/docs/getting_started_test.cc
// Every C++ snippet of docs/getting_started.md, compiled and run, with the values its comments
// promise checked. tests/docs/doc_snippets_test.cc fails if a snippet in the page is not found
// here verbatim (up to indentation), so the page cannot drift from code that builds.

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "cotangent/cotangent.h"

namespace ct = cotangent;

namespace docs {

// Containers: a struct joins the transformations through tree_fields.
struct Mlp {
  ct::Tensor w1, b1, w2, b2;
};
auto tree_fields(Mlp& m) { return std::tie(m.w1, m.b1, m.w2, m.b2); }

namespace {

using ::testing::HasSubstr;
using ::testing::internal::CaptureStdout;
using ::testing::internal::GetCapturedStdout;

TEST(GettingStartedTest, HelloGrad) {
  CaptureStdout();
  auto f = [](const ct::Tensor& x) { return ct::sum(ct::tanh(x) * x); };
  ct::Tensor x = ct::tensor({0.5, -1.0, 2.0}, {3});
  std::cout << ct::grad(f)(x) << "\n";                    // [ 0.855341  -1.1815685  1.1053293]
  std::cout << ct::grad(ct::grad(ct::grad(ct::tanh)))(ct::scalar(2.0)) << "\n";  // 0.25265405
  EXPECT_EQ(GetCapturedStdout(), "[ 0.855341  -1.1815685  1.1053293]\n0.25265405\n");
}

TEST(GettingStartedTest, Arrays) {
  CaptureStdout();
  ct::Tensor x = ct::tensor({1, 2, 3, 4, 5, 6}, {2, 3});  // f32 unless a dtype is given
  ct::Tensor z = ct::zeros({2, 3});
  ct::Tensor r = ct::arange(5);                  // i32, as jnp.arange(5)
  ct::Tensor e = ct::eye(3, ct::f64);
  std::cout << ct::ShapeToString(x.shape()) << " " << ct::DTypeName(x.dtype()) << "\n";  // [2,3] f32
  ct::Tensor y = x * 10.0 + ct::tensor({100, 200, 300}, {3});  // broadcasting
  std::cout << ct::sum(y, 0) << "\n";            // [250. 470. 690.]
  std::cout << x[1] << "\n";                     // [4. 5. 6.]
  std::cout << ct::slice(x, {0, 1}, {2, 3}) << "\n";  // x[:, 1:3]: [[2. 3.] [5. 6.]]
  float first = x[0][0].item<float>();           // 1.0
  std::vector<float> values = x.to_vector<float>();   // row-major
  EXPECT_EQ(GetCapturedStdout(), "[2,3] f32\n[250. 470. 690.]\n[4. 5. 6.]\n[[2. 3.]\n [5. 6.]]\n");
  // The table's replacement for x.at[i].set(v).
  const int n = 3, i = 1;
  EXPECT_EQ(ct::where(ct::arange(n) == i, 9.0, ct::ones({3})).to_vector<float>(),
            (std::vector<float>{1, 9, 1}));
  EXPECT_EQ(first, 1.0f);
  EXPECT_EQ(values.size(), 6u);
  EXPECT_EQ(z.size(), 6);
  EXPECT_EQ(r.dtype(), ct::i32);
  EXPECT_EQ(e.dtype(), ct::f64);
}

TEST(GettingStartedTest, Dtypes) {
  ct::Tensor a = ct::arange(3);                        // i32 [0 1 2]
  ct::Tensor b = a / ct::full({3}, 2, ct::i32);         // true division: f32 [0.  0.5 1. ]
  ct::Tensor c = ct::ones({3}) * 2.0;                  // a double is weak: still f32
  ct::Tensor d = ct::ones({3}, ct::f64) + ct::ones({3});  // f64: no x64 flag needed
  ct::Tensor e = a + 1;                                // an int is a weak int: i32 [1 2 3]
  ct::Tensor k = a + 1.0;                              // a double is a weak float: f32
  ct::Tensor h = ct::astype(a, ct::f64);
  EXPECT_EQ(b.dtype(), ct::f32);
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(c.dtype(), ct::f32);
  EXPECT_EQ(d.dtype(), ct::f64);
  EXPECT_EQ(e.dtype(), ct::i32);
  EXPECT_EQ(e.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(k.dtype(), ct::f32);
  EXPECT_EQ(h.dtype(), ct::f64);
}

TEST(GettingStartedTest, NumpyLayer) {
  ct::Tensor logits = ct::tensor({1, 2, 3, 1, 0, -1}, {2, 3});
  ct::Tensor p = ct::softmax(logits);                             // jax.nn.softmax(logits)
  ct::Tensor lse = ct::logsumexp(logits, 1, true);                // keepdims=True: shape [2,1]
  ct::Tensor m = ct::mean(logits, {0, 1});                        // axis=(0, 1)
  ct::Tensor best = ct::argmax(logits, 1);                        // i32 [2 0]
  ct::Tensor clipped = ct::minimum(ct::maximum(logits, 0.0), 2.0);  // jnp.clip(logits, 0, 2)
  ct::Tensor relu = ct::where(logits > 0.0, logits, 0.0);         // jnp.where(logits > 0, logits, 0)
  ct::Tensor hot = ct::one_hot(ct::tensor({2, 0}, {2}, ct::i32), 3);
  ct::Tensor gram = ct::matmul(logits, ct::transpose(logits));    // logits @ logits.T
  EXPECT_NEAR(ct::sum(p).item<double>(), 2.0, 1e-6);
  EXPECT_EQ(lse.shape(), (ct::Shape{2, 1}));
  EXPECT_NEAR(m.item<double>(), 1.0, 1e-7);
  EXPECT_EQ(best.to_vector<int32_t>(), (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(clipped.to_vector<double>(), (std::vector<double>{1, 2, 2, 1, 0, 0}));
  EXPECT_EQ(relu.to_vector<double>(), (std::vector<double>{1, 2, 3, 1, 0, 0}));
  EXPECT_EQ(hot.shape(), (ct::Shape{2, 3}));
  EXPECT_EQ(gram.to_vector<double>(), (std::vector<double>{14, -2, -2, 2}));
}

TEST(GettingStartedTest, GradFamily) {
  const ct::Tensor w = ct::ones({3, 2}) * 0.1, b = ct::zeros({2}), x = ct::ones({4, 3});
  auto loss = [](const ct::Tensor& w, const ct::Tensor& b, const ct::Tensor& x) {
    return ct::sum(ct::square(ct::tanh(ct::matmul(x, w) + b)));
  };
  ct::Tensor dw = ct::grad(loss)(w, b, x);                        // d/dw, shaped like w
  std::vector<ct::Tensor> dwb = ct::grad(loss, {0, 1})(w, b, x);  // [d/dw, d/db]
  auto [value, dw_too] = ct::value_and_grad(loss)(w, b, x);
  EXPECT_EQ(dw.shape(), (ct::Shape{3, 2}));
  EXPECT_EQ(dwb[1].shape(), (ct::Shape{2}));
  EXPECT_EQ(dw_too.to_vector<float>(), dw.to_vector<float>());
  EXPECT_GT(value.item<float>(), 0.0f);

  auto loss_and_pred = [&](const ct::Tensor& w) {
    ct::Tensor pred = ct::matmul(x, w);
    return std::make_pair(ct::sum(ct::square(pred)), pred);       // (loss, aux)
  };
  auto [dw2, pred] = ct::grad(loss_and_pred, ct::has_aux)(w);
  EXPECT_EQ(pred.shape(), (ct::Shape{4, 2}));
  EXPECT_EQ(dw2.shape(), (ct::Shape{3, 2}));
}

TEST(GettingStartedTest, ForwardAndReverse) {
  const ct::Tensor x = ct::tensor({0.5, 1.0, 1.5}, {3}), v = ct::ones({3});
  auto f = [](const ct::Tensor& x) { return ct::sin(x) * x; };
  auto [y, y_dot] = ct::jvp(f, {x}, {v});          // (f(x), J v)
  auto [y2, f_vjp] = ct::vjp(f, x);                // f_vjp(ct) -> one cotangent per argument
  ct::Tensor x_bar = f_vjp(ct::ones_like(y2))[0];  // J^T 1
  auto [y3, f_jvp] = ct::linearize(f, x);          // f_jvp(v) reuses the linearization
  ct::Tensor y_dot2 = f_jvp(v);
  ct::Tensor J = ct::jacfwd(f)(x);                 // shape out.shape + in.shape: [3,3]
  ct::Tensor J2 = ct::jacrev(f)(x);
  ct::Tensor H = ct::hessian([](const ct::Tensor& x) { return ct::sum(ct::sin(x) * x); })(x);
  EXPECT_EQ(y_dot.to_vector<float>(), x_bar.to_vector<float>());  // J is diagonal
  EXPECT_EQ(y_dot2.to_vector<float>(), y_dot.to_vector<float>());
  EXPECT_EQ(J.shape(), (ct::Shape{3, 3}));
  EXPECT_EQ(J2.to_vector<float>(), J.to_vector<float>());
  EXPECT_EQ(H.shape(), (ct::Shape{3, 3}));
  EXPECT_EQ(y.shape(), y3.shape());
}

TEST(GettingStartedTest, Vmap) {
  const ct::Tensor w = ct::ones({3}), xs = ct::ones({8, 3}), ys = ct::zeros({8});
  auto example_loss = [](const ct::Tensor& w, const ct::Tensor& x, const ct::Tensor& y) {
    return ct::square(ct::sum(w * x) - y);
  };
  // vmap(grad(loss), in_axes=(None, 0, 0)): one gradient per example, w shared.
  ct::Tensor per_example = ct::vmap(ct::grad(example_loss), {std::nullopt, 0, 0})(w, xs, ys);
  // Map over axis 1 of a matrix (its columns).
  ct::Tensor col_norms = ct::vmap([](const ct::Tensor& c) { return ct::sum(c * c); }, {1}, 0)(xs);
  EXPECT_EQ(per_example.shape(), (ct::Shape{8, 3}));
  EXPECT_EQ(per_example.to_vector<float>()[0], 6.0f);
  EXPECT_EQ(col_norms.shape(), (ct::Shape{3}));
}

TEST(GettingStartedTest, CustomRulesAndJaxpr) {
  CaptureStdout();
  auto log1pexp = ct::custom_jvp(
      [](const ct::Tensor& x) { return ct::log1p(ct::exp(x)); },
      [](const std::vector<ct::Tensor>& primals, const std::vector<ct::Tensor>& tangents) {
        const ct::Tensor& x = primals[0];
        return std::make_pair(ct::log1p(ct::exp(x)), ct::sigmoid(x) * tangents[0]);
      });
  std::cout << ct::grad(log1pexp)(ct::scalar(100.0)) << "\n";  // 1.0 (not nan)
  auto f = [](const ct::Tensor& x) { return ct::sum(ct::sin(x) * x); };
  std::cout << ct::make_jaxpr(f)(ct::ones({3})) << "\n";
  // { lambda ; a:f32[3]. let
  //     b:f32[3] = sin a
  //     c:f32[3] = mul b a
  //     d:f32[] = reduce_sum[axes=(0,)] c
  //   in (d,) }
  auto frozen = [](const ct::Tensor& x) { return x * ct::stop_gradient(x); };  // d/dx = x
  std::cout << ct::grad(frozen)(ct::scalar(3.0)) << "\n";      // 3.0
  EXPECT_EQ(GetCapturedStdout(),
            "1.0\n{ lambda ; a:f32[3]. let\n    b:f32[3] = sin a\n    c:f32[3] = mul b a\n"
            "    d:f32[] = reduce_sum[axes=(0,)] c\n  in (d,) }\n3.0\n");
}

TEST(GettingStartedTest, Containers) {
  const ct::Tensor x = ct::ones({4, 3});
  std::map<std::string, ct::Tensor> params = {{"w", ct::ones({3})}, {"b", ct::scalar(0.5)}};
  auto loss = [&](const std::map<std::string, ct::Tensor>& p) {
    return ct::sum(ct::square(ct::matmul(x, p.at("w")) + p.at("b")));
  };
  auto grads = ct::grad(loss)(params);   // a map with the same keys
  // jax.tree.map(lambda p, g: p - 0.1 * g, params, grads)
  auto updated = ct::TreeMap([](const ct::Tensor& p, const ct::Tensor& g) { return p - 0.1 * g; },
                             params, grads);
  std::vector<ct::Tensor> leaves = ct::TreeLeaves(params);  // in key order: b, w

  Mlp mlp{ct::ones({3, 4}), ct::zeros({4}), ct::ones({4, 1}), ct::zeros({1})};
  auto mlp_loss = [&](const Mlp& m) {
    return ct::sum(ct::matmul(ct::tanh(ct::matmul(x, m.w1) + m.b1), m.w2) + m.b2);
  };
  Mlp g = ct::grad(mlp_loss)(mlp);       // an Mlp of gradients
  EXPECT_EQ(grads.at("w").shape(), (ct::Shape{3}));
  EXPECT_EQ(updated.size(), 2u);
  EXPECT_EQ(leaves[0].ndim(), 0);
  EXPECT_EQ(g.w1.shape(), (ct::Shape{3, 4}));
  EXPECT_EQ(g.b2.to_vector<float>(), (std::vector<float>{4}));
}

TEST(GettingStartedTest, SaveAndLoad) {
  const char* dir = std::getenv("TEST_TMPDIR");
  ASSERT_NE(dir, nullptr);
  ASSERT_EQ(chdir(dir), 0);  // the snippet writes to the working directory
  std::map<std::string, ct::Tensor> weights = {{"w", ct::ones({3})}, {"b", ct::scalar(0.5)}};
  ct::save("weights.npz", weights);                            // or "weights.safetensors"
  auto restored = ct::load("weights.npz", weights);           // names, shapes, dtypes checked
  ct::NamedTensors arrays = ct::load_npz("weights.npz");       // [("b", 0.5), ("w", [1 1 1])]
  std::vector<std::string> names = ct::TreeKeyPaths(weights);  // {"b", "w"}
  EXPECT_EQ(restored.at("w").to_vector<float>(), (std::vector<float>{1, 1, 1}));
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays[0].first, "b");
  EXPECT_EQ(arrays[0].second.item<float>(), 0.5f);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "w"}));
}

TEST(GettingStartedTest, Random) {
  CaptureStdout();
  ct::random::Key key = ct::random::key(0);
  auto [next_key, w_key, b_key] = ct::random::split<3>(key);  // key, w_key, b_key = split(key, 3)
  ct::Tensor W = ct::random::normal(w_key, {3});
  std::cout << W << "\n";                        // [-0.36838785 -2.275689    0.01144757]
  ct::random::Key keys = ct::random::split(next_key, 4);
  ct::Tensor u = ct::random::uniform(keys[0], {2, 2}, ct::f32, -1.0, 1.0);
  ct::Tensor coin = ct::random::bernoulli(keys[1], 0.3, {5});
  ct::Tensor perm = ct::random::permutation(keys[2], 10);
  ct::Tensor draw = ct::random::categorical(keys[3], ct::tensor({0, 1, 2}, {3}));
  ct::random::Key step_key = ct::random::fold_in(key, 7);
  EXPECT_EQ(GetCapturedStdout(), "[-0.36838785 -2.275689    0.01144757]\n");
  EXPECT_EQ(u.shape(), (ct::Shape{2, 2}));
  EXPECT_EQ(coin.dtype(), ct::bool_);
  EXPECT_EQ(perm.size(), 10);
  EXPECT_EQ(draw.ndim(), 0);
  EXPECT_NE(step_key.data().to_vector<uint32_t>(), key.data().to_vector<uint32_t>());
  EXPECT_NE(b_key.data().to_vector<uint32_t>(), w_key.data().to_vector<uint32_t>());
}

TEST(GettingStartedTest, Errors) {
  CaptureStdout();
  try {
    ct::ones({3}) + ct::ones({4});
  } catch (const ct::Error& e) {
    std::cout << e.what() << "\n";               // add: incompatible shapes f32[3] and f32[4]
  }
  // Values are not readable inside a transformation; use ct::where for data-dependent choices.
  auto bad = [](const ct::Tensor& x) { return x.item<float>() > 0 ? x : -x; };
  auto good = [](const ct::Tensor& x) { return ct::where(x > 0.0, x, -x); };
  try {
    ct::grad(bad)(ct::scalar(2.0));
  } catch (const ct::Error& e) {
    std::cout << e.what() << "\n";  // item: cannot read the value of f32[] traced by jvp ...
  }
  std::cout << ct::grad(good)(ct::scalar(-2.0)) << "\n";  // -1.0
  EXPECT_EQ(GetCapturedStdout(),
            "add: incompatible shapes f32[3] and f32[4]\n"
            "item: cannot read the value of f32[] traced by jvp: inside a transformation only "
            "concrete tensors have values\n"
            "-1.0\n");
}

}  // namespace
}  // namespace docs
