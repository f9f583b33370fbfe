// File: tests/docs/reference_test.cc
// The examples of docs/reference.md, one test per section of the page, compiled and run with
// the values their comments state checked. tests/docs/doc_snippets_test.cc checks that every
// example of the page is here verbatim.

#include <cmath>
#include <complex>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gtest/gtest.h"

namespace ct = cotangent;

namespace docs {
namespace {

std::string Str(const ct::Tensor& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

TEST(ReferenceTest, Tensor) {
  ct::Tensor x = ct::tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  ct::Shape s = x.shape();                     // {2, 3}
  int64_t n = x.size();                        // 6
  ct::Tensor row = x[-1];                      // [4. 5. 6.]
  float v = row[0].item<float>();              // 4
  std::vector<int32_t> ints = x.to_vector<int32_t>();  // converted: 1 2 3 4 5 6
  x.block_until_ready();                       // a no-op on the CPU backend
  EXPECT_EQ(s, (ct::Shape{2, 3}));
  EXPECT_EQ(n, 6);
  EXPECT_EQ(Str(row), "[4. 5. 6.]");
  EXPECT_EQ(v, 4.0f);
  EXPECT_EQ(ints, (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(x.is_concrete());
  EXPECT_TRUE(x.defined());
  EXPECT_FALSE(ct::Tensor().defined());
}

TEST(ReferenceTest, DtypesAndShapes) {
  ct::DType t = ct::PromoteTypes(ct::i32, ct::f32);       // f32
  ct::DType w = ct::PromoteWithScalar(ct::i32);           // f32: what x + 1.0 gives for i32 x
  std::string name = ct::DTypeName(ct::f64);              // "f64"
  int64_t bytes = ct::DTypeSize(ct::bool_);               // 1
  std::string shape = ct::ShapeToString({2, 3});          // "[2,3]"
  int64_t axis = ct::CanonicalAxis(-1, 3, "my_op");       // 2
  ct::ShapedArray aval{{2, 3}, ct::f32};
  std::string spelled = aval.ToString();                  // "f32[2,3]"
  EXPECT_EQ(t, ct::f32);
  EXPECT_EQ(w, ct::f32);
  EXPECT_EQ(name, "f64");
  EXPECT_EQ(bytes, 1);
  EXPECT_EQ(shape, "[2,3]");
  EXPECT_EQ(axis, 2);
  EXPECT_EQ(spelled, "f32[2,3]");
  EXPECT_EQ(ct::NumElements(std::vector<int64_t>{2, 3, 4}), 24);
  EXPECT_EQ(ct::ContiguousStrides(std::vector<int64_t>{2, 3, 4}), (ct::Strides{12, 4, 1}));
  EXPECT_TRUE(ct::IsFloating(ct::f64));
  EXPECT_EQ(ct::DTypeOf<float>::value, ct::f32);
}

TEST(ReferenceTest, HalfPrecision) {
  ct::Tensor h = ct::tensor({0.1, 1.5, 65504}, {3}, ct::f16);   // [1.00e-01 1.50e+00 6.55e+04]
  ct::DType joint = ct::PromoteTypes(ct::f16, ct::bf16);          // f32
  float tenth = h[0].item<float>();                              // 0.0999755859375f
  double eps = ct::finfo(ct::bf16).eps;                          // 0.0078125
  ct::Tensor bytes = ct::lax::bitcast_convert_type(h, ct::u8);    // u8[3,2], little-endian
  int high = bytes[0][1].item<int>();                            // 0x2e (0.1 in f16: 0x2e66)
  ct::Tensor total = ct::sum(ct::ones({4096}, ct::bf16));        // 4096 (bf16)
  ct::Tensor w = ct::ones({3}, ct::bf16);
  auto loss = [](const ct::Tensor& v) { return ct::sum(ct::square(v - 2.0)); };
  ct::Tensor step = ct::jit([&](const ct::Tensor& v) { return v - 0.25 * ct::grad(loss)(v); })(w);
  // step: bf16 [1.5 1.5 1.5]
  std::ostringstream printed;
  printed << h;
  EXPECT_EQ(printed.str(), "[1.00e-01 1.50e+00 6.55e+04]");
  EXPECT_EQ(joint, ct::f32);
  EXPECT_EQ(tenth, 0.0999755859375f);
  EXPECT_EQ(eps, 0.0078125);
  EXPECT_EQ(bytes.shape(), (ct::Shape{3, 2}));
  EXPECT_EQ(high, 0x2e);
  EXPECT_EQ(bytes[0][0].item<int>(), 0x66);
  EXPECT_EQ(total.dtype(), ct::bf16);
  EXPECT_EQ(total.item<double>(), 4096.0);
  EXPECT_EQ(step.dtype(), ct::bf16);
  EXPECT_EQ(step.to_vector<float>(), (std::vector<float>{1.5f, 1.5f, 1.5f}));
}

TEST(ReferenceTest, ComplexNumbers) {
  ct::Tensor z = ct::from_vector<std::complex<double>>({{3, 4}, {1, -1}}, {2});  // c128
  ct::Tensor r = ct::abs(z);                                                 // f64 [5. 1.41421356]
  ct::Tensor w = ct::exp(z) * ct::conj(z);                                   // c128
  std::complex<double> first = ct::sqrt(z)[0].item<std::complex<double>>();  // (2,1)
  auto norm2 = [](const ct::Tensor& v) { return ct::sum(ct::real(v * ct::conj(v))); };
  ct::Tensor g = ct::grad(norm2)(z);  // [6.-8.j 2.+2.j]: 2 conj(z)
  auto cube = [](const ct::Tensor& v) { return v * v * v; };
  ct::Tensor d = ct::grad(cube, ct::holomorphic)(z[0]);  // 3 z^2 = (-21+72j)
  ct::Tensor m = ct::at(z, ct::tensor({0, 0}, {2}, ct::i32)).max(z);  // [3.+4.j 1.-1.j]
  ct::DType joint = ct::PromoteTypes(ct::f64, ct::c64);  // c128
  EXPECT_EQ(z.dtype(), ct::c128);
  EXPECT_EQ(Str(r), "[5.         1.41421356]");
  EXPECT_EQ(w.dtype(), ct::c128);
  EXPECT_EQ(first, std::complex<double>(2, 1));
  EXPECT_EQ(Str(g), "[6.-8.j 2.+2.j]");
  EXPECT_EQ(Str(d), "(-21+72j)");
  EXPECT_EQ(Str(m), "[3.+4.j 1.-1.j]");
  EXPECT_EQ(joint, ct::c128);
}

TEST(ReferenceTest, Creation) {
  ct::Tensor a = ct::tensor({1.5, 2.5}, {2}, ct::f64);
  ct::Tensor b = ct::from_vector<int32_t>({1, 2, 3}, {3});   // i32
  ct::Tensor c = ct::full({2, 2}, 7.0);                      // f32
  ct::Tensor d = ct::arange(2.0, 3.0, 0.25);                 // [2.   2.25 2.5  2.75]
  ct::Tensor e = ct::linspace(0, 1, 5);                      // [0.   0.25 0.5  0.75 1.  ]
  ct::Tensor f = ct::eye(2, 3, ct::i32);                     // [[1 0 0] [0 1 0]]
  EXPECT_EQ(a.dtype(), ct::f64);
  EXPECT_EQ(b.dtype(), ct::i32);
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>(4, 7.0f)));
  EXPECT_EQ(Str(d), "[2.   2.25 2.5  2.75]");
  EXPECT_EQ(Str(e), "[0.   0.25 0.5  0.75 1.  ]");
  EXPECT_EQ(Str(f), "[[1 0 0]\n [0 1 0]]");
}

TEST(ReferenceTest, Numpy) {
  ct::Tensor x = ct::tensor({-2, -1, 0, 1, 2, 3}, {2, 3});
  ct::Tensor y = x * 2.0 + ct::tensor({10, 20, 30}, {3});   // broadcasting: [2,3]
  ct::Tensor s = ct::sum(x, 1);                            // [-3.  6.]
  ct::Tensor m = ct::max(x, {0, 1}, true);                 // [[3.]]
  ct::Tensor r = ct::relu(x);                              // [[0. 0. 0.] [1. 2. 3.]]
  ct::Tensor i = ct::argmax(x, 1);                         // [2 2]
  ct::Tensor t = ct::reshape(ct::transpose(x), {-1});      // [-2.  1. -1.  2.  0.  3.]
  ct::Tensor c = ct::concatenate({x, x}, 0);               // [4,3]
  ct::Tensor k = ct::stack({x, x}, -1);                    // [2,3,2]
  ct::Tensor h = ct::one_hot(ct::argmax(x, 0), 2);         // [[0. 1.] [0. 1.] [0. 1.]]
  EXPECT_EQ(y.shape(), (ct::Shape{2, 3}));
  EXPECT_EQ(Str(s), "[-3.  6.]");
  EXPECT_EQ(Str(m), "[[3.]]");
  EXPECT_EQ(Str(r), "[[0. 0. 0.]\n [1. 2. 3.]]");
  EXPECT_EQ(Str(i), "[2 2]");
  EXPECT_EQ(Str(t), "[-2.  1. -1.  2.  0.  3.]");
  EXPECT_EQ(c.shape(), (ct::Shape{4, 3}));
  EXPECT_EQ(k.shape(), (ct::Shape{2, 3, 2}));
  EXPECT_EQ(Str(h), "[[0. 1.]\n [0. 1.]\n [0. 1.]]");
}

TEST(ReferenceTest, Indexing) {
  ct::Tensor table = ct::reshape(ct::arange(0.0, 8.0, 1.0), {4, 2});
  ct::Tensor rows = ct::take(table, ct::tensor({3, 1, 3}, {3}, ct::i32));         // [3,2]
  ct::Tensor hist = ct::at(ct::zeros({5}), ct::tensor({0, 1, 1, 7}, {4}, ct::i32)).add(1.0);
                                                                  // [1. 2. 0. 0. 0.] (7 dropped)
  ct::Tensor win = ct::dynamic_slice(table, {ct::scalar(3, ct::i32), ct::scalar(0, ct::i32)},
                                     {2, 2});                       // start clamped to row 2
  EXPECT_EQ(Str(rows), "[[6. 7.]\n [2. 3.]\n [6. 7.]]");
  EXPECT_EQ(Str(hist), "[1. 2. 0. 0. 0.]");
  EXPECT_EQ(Str(win), "[[4. 5.]\n [6. 7.]]");
}

TEST(ReferenceTest, Sorting) {
  ct::Tensor x = ct::tensor({3, 1, 4, 1, 5, 9}, {2, 3});
  ct::Tensor s = ct::sort(x, 1);                                  // [[1. 3. 4.] [1. 5. 9.]]
  ct::Tensor order = ct::argsort(x, std::nullopt, true);          // [5 4 2 0 1 3]
  auto [top, where] = ct::top_k(x, 2);                            // [[4. 3.] [9. 5.]], [[2 0] [2 1]]
  ct::Tensor at = ct::searchsorted(ct::tensor({1, 2, 2, 3}, {4}), ct::tensor({2, 2.5}, {2}));
                                                                  // [1 3]
  ct::Tensor m = ct::median(x);                                   // 3.5
  EXPECT_EQ(Str(s), "[[1. 3. 4.]\n [1. 5. 9.]]");
  EXPECT_EQ(Str(order), "[5 4 2 0 1 3]");
  EXPECT_EQ(Str(top), "[[4. 3.]\n [9. 5.]]");
  EXPECT_EQ(Str(where), "[[2 0]\n [2 1]]");
  EXPECT_EQ(Str(at), "[1 3]");
  EXPECT_EQ(Str(m), "3.5");
}

TEST(ReferenceTest, LinearAlgebra) {
  ct::Tensor a = ct::tensor({4, 2, 2, 5}, {2, 2}, ct::f64);
  ct::Tensor l = ct::linalg::cholesky(a);                      // [[2. 0.] [1. 2.]]
  ct::Tensor x = ct::linalg::solve(a, ct::tensor({8, 12}, {2}, ct::f64));   // [1. 2.]
  ct::linalg::Eigh e = ct::linalg::eigh(a);                    // eigenvalues (9 -+ sqrt(17)) / 2
  ct::Tensor logdet = ct::linalg::slogdet(a).logabsdet;        // log 16
  ct::Tensor g = ct::grad([](const ct::Tensor& m) {
    return ct::linalg::slogdet(m).logabsdet;
  })(a);                                                       // inv(a)^T
  ct::Tensor n = ct::linalg::norm(a, ct::linalg::MatrixNorm::kNuc);  // 9: the sum of |eigenvalues|
  ct::Tensor h = ct::from_vector<std::complex<double>>({{2, 0}, {0, 1}, {0, -1}, {2, 0}}, {2, 2});
  ct::Tensor w = ct::linalg::eigvalsh(h);  // f64 [1. 3.]: h = [[2, i], [-i, 2]]
  EXPECT_EQ(Str(l), "[[2. 0.]\n [1. 2.]]");
  EXPECT_TRUE(ct::allclose(x, ct::tensor({1, 2}, {2}, ct::f64), 1e-15, 1e-15).item<bool>());
  EXPECT_TRUE(
      ct::allclose(e.eigenvalues,
                    ct::tensor({(9 - std::sqrt(17.0)) / 2, (9 + std::sqrt(17.0)) / 2}, {2}, ct::f64),
                    1e-15, 1e-15).item<bool>());
  EXPECT_NEAR(logdet.item<double>(), std::log(16.0), 1e-15);
  EXPECT_TRUE(ct::allclose(g, ct::transpose(ct::linalg::inv(a)), 1e-15, 1e-15).item<bool>());
  EXPECT_NEAR(n.item<double>(), 9.0, 1e-14);
  EXPECT_EQ(Str(w), "[1. 3.]");
  EXPECT_EQ(w.dtype(), ct::f64);
}

TEST(ReferenceTest, WindowReductions) {
  ct::Tensor img = ct::reshape(ct::arange(16, ct::f32), {1, 4, 4, 1});   // 0..15, NHWC
  ct::Tensor mx = ct::max_pool(img, {2, 2}, {2, 2});                      // [5 7 13 15]
  ct::Tensor av = ct::avg_pool(img, {2, 2}, {2, 2});                      // [2.5 4.5 10.5 12.5]
  ct::Tensor rs = ct::reduce_window(ct::arange(6, ct::f32), ct::WindowReduction::kSum, {3}, {},
                                    {{1, 1}});                            // [1. 3. 6. 9. 12. 9.]
  EXPECT_EQ(mx.to_vector<double>(), (std::vector<double>{5, 7, 13, 15}));
  EXPECT_EQ(av.to_vector<double>(), (std::vector<double>{2.5, 4.5, 10.5, 12.5}));
  EXPECT_EQ(Str(rs), "[ 1.  3.  6.  9. 12.  9.]");
}

TEST(ReferenceTest, Convolution) {
  ct::Tensor x = ct::reshape(ct::arange(1, 10, 1, ct::f32), {1, 1, 3, 3});   // NCHW, 1..9
  ct::Tensor w = ct::ones({1, 1, 2, 2}, ct::f32);                            // OIHW
  ct::Tensor y = ct::conv(x, w, {1, 1}, ct::Padding::kValid);                // [[12 16] [24 28]]
  ct::Tensor z = ct::conv_general_dilated(                                   // NHWC, depthwise
      ct::ones({1, 5, 5, 4}), ct::ones({3, 3, 1, 4}), {2, 2}, ct::Padding::kSame,
      {.dimension_numbers = {"NHWC", "HWIO", "NHWC"}, .feature_group_count = 4});  // [1,3,3,4]
  ct::Tensor u = ct::full({1, 1, 3}, 100, ct::u8);  // integers convolve (wrapping, as XLA)
  ct::Tensor b = ct::conv(u, ct::full({1, 1, 2}, 2, ct::u8), {1}, ct::Padding::kValid,
                          ct::i32);  // preferred_element_type: i32 [[[400 400]]], not u8's 144
  EXPECT_EQ(y.to_vector<double>(), (std::vector<double>{12, 16, 24, 28}));
  EXPECT_EQ(b.dtype(), ct::i32);
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{400, 400}));
  EXPECT_EQ(
      ct::conv(u, ct::full({1, 1, 2}, 2, ct::u8), {1}, ct::Padding::kValid).to_vector<double>(),
      (std::vector<double>{144, 144}));
  EXPECT_EQ(z.shape(), (ct::Shape{1, 3, 3, 4}));
  // The corner window covers 2x2 inputs, the middle 3x3, per channel.
  EXPECT_EQ(z.to_vector<double>()[0], 4);
  EXPECT_EQ(z.to_vector<double>()[4 * 4], 9);
}

TEST(ReferenceTest, CustomSolves) {
  ct::Tensor a = ct::tensor({4, 1, 1, 3}, {2, 2}), b = ct::tensor({1, 2}, {2});
  auto direct = [&](const auto& /*matvec*/, const ct::Tensor& r) {  // any solver of a x = r
    return ct::linalg::solve(a, r);
  };
  auto x_of = [&](const ct::Tensor& b) {
    return ct::custom_linear_solve([&](const ct::Tensor& v) { return ct::matmul(a, v); }, b,
                                   direct, ct::symmetric);
  };
  ct::Tensor x = x_of(b);                                              // [1/11, 7/11]
  ct::Tensor db = ct::grad([&](const ct::Tensor& b) { return ct::sum(x_of(b)); })(b);  // a^-T 1
  ct::Tensor r = ct::custom_root(                                      // sqrt(2) by bisection
      [](const ct::Tensor& y) { return y * y - 2.0f; }, ct::scalar(1.0f),
      [](const auto& f, const ct::Tensor&) {
        auto state = ct::while_loop(
            [](const auto& s) { return s.second - s.first > 1e-6f; },
            [&](const auto& s) {
              ct::Tensor mid = 0.5f * (s.first + s.second);
              ct::Tensor up = f(mid) > 0.0f;
              return std::pair{ct::where(up, s.first, mid), ct::where(up, mid, s.second)};
            },
            std::pair{ct::scalar(0.0f), ct::scalar(2.0f)});
        return state.first;
      },
      [](const auto& g, const ct::Tensor& y) { return y / g(ct::scalar(1.0f)); });
  EXPECT_NEAR(x.to_vector<double>()[0], 1.0 / 11, 1e-6);
  EXPECT_NEAR(x.to_vector<double>()[1], 7.0 / 11, 1e-6);
  // a^-T [1, 1] = [2/11, 3/11].
  EXPECT_NEAR(db.to_vector<double>()[0], 2.0 / 11, 1e-6);
  EXPECT_NEAR(db.to_vector<double>()[1], 3.0 / 11, 1e-6);
  EXPECT_NEAR(r.item<double>(), std::sqrt(2.0), 1e-6);
  // d/dc of the root of y^2 - c at c = 2 is 1 / (2 sqrt 2): through a captured parameter.
  auto root_of = [&](const ct::Tensor& c) {
    return ct::custom_root(
        [&](const ct::Tensor& y) { return y * y - c; }, ct::scalar(1.0f),
        [](const auto& f, const ct::Tensor& y0) {
          return ct::fori_loop(0, 8, [&](const ct::Tensor&, const ct::Tensor& y) {
            return y - f(y) / (2.0f * y);
          }, y0);
        },
        [](const auto& g, const ct::Tensor& y) { return y / g(ct::scalar(1.0f)); });
  };
  EXPECT_NEAR(ct::grad(root_of)(ct::scalar(2.0f)).item<double>(), 0.5 / std::sqrt(2.0), 1e-6);
}

TEST(ReferenceTest, Odeint) {
  ct::Tensor ts = ct::linspace(0.0, 1.0, 11, ct::f64), k = ct::scalar(2.0, ct::f64);
  auto decay = [](const ct::Tensor& y, const ct::Tensor&, const std::vector<ct::Tensor>& args) {
    return -args[0] * y;  // dy/dt = -k y
  };
  ct::Tensor ys = ct::odeint(decay, ct::scalar(1.0, ct::f64), ts, {k});  // exp(-k t), [11]
  ct::Tensor dk = ct::grad([&](const ct::Tensor& k) {                    // d y(1) / dk = -e^-2
    return ct::odeint(decay, ct::scalar(1.0, ct::f64), ts, {k})[10];
  })(k);
  EXPECT_EQ(ys.shape(), (ct::Shape{11}));
  EXPECT_NEAR(ys.to_vector<double>()[10], std::exp(-2.0), 1e-7);
  EXPECT_NEAR(dk.item<double>(), -std::exp(-2.0), 1e-6);
}

TEST(ReferenceTest, Random) {
  ct::random::Key key = ct::random::key(42);           // [ 0 42]
  ct::Tensor words = ct::random::bits(key, {2});       // u32[2]
  ct::random::Key keys = ct::random::split(key, 4);    // a key array: data u32[4,2]
  ct::Tensor rows = ct::vmap([](const ct::random::Key& k) {  // one row per key
    return ct::random::normal(k, {3});
  })(keys);                                            // f32[4,3]
  auto step = ct::jit([](const ct::random::Key& k, const ct::Tensor& x) {  // a traced key
    return ct::random::bernoulli(k, 0.9, x.shape()) * x / 0.9;              // dropout
  });
  ct::Tensor y = step(ct::random::fold_in(key, 1), ct::ones({2, 3}));
  ct::Tensor counts = ct::random::binomial(key, ct::scalar(10.0), ct::scalar(0.3), ct::Shape{5});
  ct::Tensor q = ct::random::orthogonal(key, 3);             // f32[3,3], q^T q = I
  EXPECT_EQ(key.data().to_vector<uint32_t>(), (std::vector<uint32_t>{0, 42}));
  EXPECT_EQ(words.dtype(), ct::u32);
  EXPECT_EQ(keys.data().shape(), (ct::Shape{4, 2}));
  EXPECT_EQ(rows.shape(), (ct::Shape{4, 3}));
  EXPECT_EQ(rows[2].to_vector<float>(), ct::random::normal(keys[2], {3}).to_vector<float>());
  const ct::Tensor mask = ct::random::bernoulli(ct::random::fold_in(key, 1), 0.9, {2, 3});
  EXPECT_EQ(y.to_vector<float>(), (ct::astype(mask, ct::f32) / 0.9f).to_vector<float>());
  for (float c : counts.to_vector<float>()) EXPECT_TRUE(c == std::floor(c) && c >= 0 && c <= 10);
  EXPECT_LT(ct::max(ct::abs(ct::matmul(ct::transpose(q), q) - ct::eye(3))).item<float>(), 1e-5f);
}

TEST(ReferenceTest, Transformations) {
  auto f = [](const ct::Tensor& x, const ct::Tensor& y) { return ct::sum(ct::sin(x) * y); };
  ct::Tensor x = ct::tensor({0.1, 0.2}, {2}), y = ct::tensor({3, 4}, {2});
  ct::Tensor dx = ct::grad(f)(x, y);                          // cos(x) * y
  ct::Tensor dy = ct::grad(f, 1)(x, y);                       // sin(x)
  std::vector<ct::Tensor> both = ct::grad(f, {0, 1})(x, y);
  auto [value, grads] = ct::value_and_grad(f, {0, 1})(x, y);
  auto [out, tangent] = ct::jvp(f, {x, y}, {ct::ones({2}), ct::zeros({2})});  // sum(cos(x) y)
  auto [out2, pullback] = ct::vjp(f, x, y);
  std::vector<ct::Tensor> cts = pullback(ct::scalar(1.0));    // {dx, dy}
  ct::Tensor J = ct::jacrev([](const ct::Tensor& x) { return ct::sin(x); })(x);  // [2,2]
  ct::Tensor H = ct::hessian(f, 1)(x, y);                     // zeros: f is linear in y
  auto scale = [](const ct::Tensor& x, const ct::Tensor& n) { return ct::sum(x * n); };
  ct::Tensor n = ct::tensor({2, 3}, {2}, ct::i32);
  ct::Tensor dn = ct::grad(scale, 1, ct::allow_int)(x, n);  // float0[2]
  EXPECT_EQ(dx.to_vector<float>(), (ct::cos(x) * y).to_vector<float>());
  EXPECT_EQ(dy.to_vector<float>(), ct::sin(x).to_vector<float>());
  EXPECT_EQ(both[1].to_vector<float>(), dy.to_vector<float>());
  EXPECT_EQ(grads[0].to_vector<float>(), dx.to_vector<float>());
  EXPECT_EQ(value.item<float>(), f(x, y).item<float>());
  EXPECT_NEAR(tangent.item<float>(), ct::sum(dx).item<float>(), 1e-6);
  EXPECT_EQ(out.item<float>(), out2.item<float>());
  EXPECT_EQ(cts[0].to_vector<float>(), dx.to_vector<float>());
  EXPECT_EQ(J.shape(), (ct::Shape{2, 2}));
  EXPECT_EQ(H.to_vector<float>(), (std::vector<float>(4, 0.0f)));
  EXPECT_EQ(dn.dtype(), ct::float0);
  EXPECT_EQ(dn.shape(), (ct::Shape{2}));
}

TEST(ReferenceTest, JvpOfContainers) {
  using Pair = std::pair<ct::Tensor, ct::Tensor>;
  auto f = [](const Pair& p) { return ct::sum(p.first * p.second); };
  Pair primal{ct::ones({2}), ct::full({2}, 3.0)}, tangent{ct::ones({2}), ct::zeros({2})};
  auto [y, y_dot] = ct::jvp(f, std::make_tuple(primal), std::make_tuple(tangent));  // 6, 6
  EXPECT_EQ(y.item<float>(), 6.0f);
  EXPECT_EQ(y_dot.item<float>(), 6.0f);
}

TEST(ReferenceTest, Vmap) {
  ct::Tensor A = ct::reshape(ct::arange(6.0, 12.0, 1.0), {2, 3});
  auto row_sum = [](const ct::Tensor& r) { return ct::sum(r); };
  ct::Tensor rows = ct::vmap(row_sum)(A);                     // [21. 30.]
  ct::Tensor cols = ct::vmap(row_sum, {1})(A);                // [15. 17. 19.]
  ct::Tensor outer = ct::vmap([](const ct::Tensor& a, const ct::Tensor& b) { return a * b; },
                              {0, std::nullopt}, 1)(ct::ones({3}), ct::arange(0.0, 2.0, 1.0));
  ct::Tensor noise = ct::vmap([] { return ct::ones({2}); }, {}, 0, 4)();  // [4,2]
  EXPECT_EQ(Str(rows), "[21. 30.]");
  EXPECT_EQ(Str(cols), "[15. 17. 19.]");
  EXPECT_EQ(outer.shape(), (ct::Shape{2, 3}));
  EXPECT_EQ(noise.shape(), (ct::Shape{4, 2}));
}

TEST(ReferenceTest, Collectives) {
  ct::Tensor xs = ct::arange(0.0, 4.0, 1.0);
  auto normalize = [](ct::Tensor x) { return x / ct::psum(x, "i"); };
  ct::Tensor shares = ct::vmap(normalize, 0, 0, ct::axis_name("i"))(xs);  // [0 1/6 2/6 3/6]
  auto shift = [](ct::Tensor x) { return ct::ppermute(x, "i", {{0, 1}, {1, 2}, {2, 3}, {3, 0}}); };
  ct::Tensor rolled = ct::vmap(shift, 0, 0, ct::axis_name("i"))(xs);     // [3 0 1 2]
  EXPECT_NEAR(shares.to_vector<float>()[2], 2.0 / 6, 1e-6);
  EXPECT_EQ(rolled.to_vector<float>(), (std::vector<float>{3, 0, 1, 2}));
}

TEST(ReferenceTest, ShardMap) {
  auto total = ct::shard_map([](ct::Tensor b) { return ct::psum(ct::sum(b), "i"); },
                             ct::LocalMesh{{{"i", 4}}}, {ct::P{"i"}}, {ct::P{}});
  ct::Tensor s = total(ct::arange(0.0, 8.0, 1.0));   // 28, from four blocks of two
  EXPECT_EQ(s.item<float>(), 28.0f);
}

TEST(ReferenceTest, Trees) {
  std::tuple<ct::Tensor, std::vector<ct::Tensor>> tree{ct::ones({2}), {ct::zeros({3})}};
  std::vector<ct::Tensor> leaves = ct::TreeLeaves(tree);            // 2 tensors
  auto doubled = ct::TreeMap([](const ct::Tensor& t) { return t * 2.0; }, tree);
  auto rebuilt = ct::TreeUnflatten(tree, {ct::zeros({2}), ct::ones({3})});
  EXPECT_EQ(leaves.size(), 2u);
  EXPECT_EQ(std::get<0>(doubled).to_vector<float>(), (std::vector<float>{2, 2}));
  EXPECT_EQ(std::get<1>(rebuilt)[0].to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(ReferenceTest, Lax) {
  ct::Tensor x = ct::tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  ct::Tensor y = ct::lax::add(x, x);                           // exact shapes and dtypes
  ct::Tensor z = ct::lax::broadcast_in_dim(ct::tensor({1, 2}, {2}), {2, 3}, {0});
  ct::Tensor p = ct::lax::pad(x, 0.0, {0, 1}, {0, 1}, {0, 1});  // [2,7]
  ct::Tensor q = ct::lax::reduce_sum(x, {0, 1});               // 21.0
  ct::DotDims dims;
  dims.lhs_contracting = {1};
  dims.rhs_contracting = {1};
  ct::Tensor g = ct::lax::dot_general(x, x, dims);             // x @ x.T: [[14. 32.] [32. 77.]]
  EXPECT_EQ(y.to_vector<float>()[5], 12.0f);
  EXPECT_EQ(Str(z), "[[1. 1. 1.]\n [2. 2. 2.]]");
  EXPECT_EQ(p.shape(), (ct::Shape{2, 7}));
  EXPECT_EQ(Str(q), "21.0");
  EXPECT_EQ(Str(g), "[[14. 32.]\n [32. 77.]]");
}

TEST(ReferenceTest, Errors) {
  std::string message;
  absl::StatusCode code = absl::StatusCode::kOk;
  try {
    ct::reshape(ct::ones({2, 3}), {4, 2});
  } catch (const ct::Error& e) {
    message = e.what();  // reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)
    code = e.code();     // absl::StatusCode::kInvalidArgument
  }
  EXPECT_EQ(message, "reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)");
  EXPECT_EQ(code, absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docs
