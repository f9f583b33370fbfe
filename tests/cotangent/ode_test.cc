// File: tests/cotangent/ode_test.cc
// odeint, ported from JAX's tests/ode_test.py: values against closed forms and against a
// fine fixed-step RK4 integration in plain doubles (JAX checks against scipy's odeint);
// reverse-mode derivatives to second order against central differences in f64 (JAX's
// check_grads(modes=["rev"], order=2)) with respect to y0, the times, args and captured
// tensors; pytree and complex states, vmap of grad, jit and closures (JAX's issues 2531, 2718,
// 3584, 3986), hmax, the forward-mode error, and the input errors.

#include <cmath>
#include <functional>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using testing::CentralDifference;
using testing::ErrorOf;
using ::testing::HasSubstr;
using testing::Inner;
using testing::Random;

using Fn = std::function<Tensor(const Tensor&)>;
using Args = std::vector<Tensor>;

// check_grads(modes=["rev"], order=2) with JAX's step 1e-4: the VJP against central
// differences along a random direction (the inner-product identity), and the reverse-over-
// reverse Hessian-vector product against central differences of the gradient.
void CheckReverse(const Fn& f, const Tensor& x, double tol) {
  const Tensor v = Random(x.shape(), 11), w = Random(x.shape(), 12);
  const Tensor y = f(x), ct = Random(y.shape(), 13);
  const double eps = 1e-4;
  const double directional = Inner(ct, CentralDifference(f, x, v, eps));
  EXPECT_NEAR(Inner(vjp(f, x).second(ct)[0], v), directional, tol * (1 + std::abs(directional)))
      << "vjp";
  const Fn gradient = grad([&](const Tensor& at) { return sum(f(at) * ct); });
  EXPECT_TRUE(AllClose(grad([&](const Tensor& at) { return sum(gradient(at) * w); })(x),
                       CentralDifference(gradient, x, w, eps), tol, tol))
      << "grad of grad";
}

// The pieces of a packed vector: sizes in order.
std::vector<Tensor> Unpack(const Tensor& x, const std::vector<int64_t>& sizes) {
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t n : sizes) {
    out.push_back(slice(x, {at}, {at + n}));
    at += n;
  }
  return out;
}

// Classical RK4 with `steps` steps per output interval, in doubles: the reference solution.
using HostField = std::function<std::vector<double>(const std::vector<double>&, double)>;
std::vector<std::vector<double>> HostRk4(const HostField& f, std::vector<double> y,
                                         const std::vector<double>& ts, int steps = 2000) {
  std::vector<std::vector<double>> out{y};
  const auto axpy = [](const std::vector<double>& a, double s, const std::vector<double>& b) {
    std::vector<double> r(a.size());
    for (size_t i = 0; i < a.size(); ++i) r[i] = a[i] + s * b[i];
    return r;
  };
  for (size_t i = 1; i < ts.size(); ++i) {
    const double h = (ts[i] - ts[i - 1]) / steps;
    for (int s = 0; s < steps; ++s) {
      const double t = ts[i - 1] + s * h;
      const auto k1 = f(y, t), k2 = f(axpy(y, h / 2, k1), t + h / 2);
      const auto k3 = f(axpy(y, h / 2, k2), t + h / 2), k4 = f(axpy(y, h, k3), t + h);
      for (size_t j = 0; j < y.size(); ++j) y[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
    }
    out.push_back(y);
  }
  return out;
}

Tensor HostTensor(const std::vector<std::vector<double>>& rows) {
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return tensor(flat, {static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())},
                f64);
}

std::vector<double> Values(const Tensor& x) { return x.to_vector<double>(); }

TEST(OdeintTest, ExponentialDecayIsTheClosedForm) {
  const Tensor ts = linspace(0.0, 2.0, 21, f64), k = tensor({0.5, 3.0}, {2}, f64);
  const Tensor y0 = tensor({1.0, -2.0}, {2}, f64);
  const Tensor ys =
      odeint([](const Tensor& y, const Tensor&, const Args& a) { return -a[0] * y; }, y0, ts, {k});
  EXPECT_EQ(ys.shape(), (Shape{21, 2}));
  EXPECT_TRUE(AllClose(ys, y0 * exp(-reshape(ts, {21, 1}) * k), 1e-6, 1e-8));
  // f32 state, f64 times (JAX's test of dtype promotion in the step-size arithmetic).
  const Tensor ys32 =
      odeint([](const Tensor& y, const Tensor&) { return -0.5f * y; }, astype(y0, f32), ts);
  EXPECT_EQ(ys32.dtype(), f32);
  EXPECT_TRUE(AllClose(astype(ys32, f64), y0 * exp(-0.5 * reshape(ts, {21, 1})), 1e-5, 1e-5));
}

// JAX's test_pend_grads: a damped pendulum with args (m, g).
Tensor Pendulum(const Tensor& y, const Tensor&, const Args& a) {
  const Tensor theta = slice(y, {0}, {1}), omega = slice(y, {1}, {2});
  return concatenate({omega, -a[0] * omega - a[1] * sin(theta)});
}

TEST(OdeintTest, PendulumValuesAndGradients) {
  const Tensor ts = linspace(0.0, 1.0, 11, f64);
  const Tensor y0 = tensor({M_PI - 0.1, 0.0}, {2}, f64);
  const Tensor m = scalar(0.25, f64), g = scalar(9.8, f64);
  const Tensor ys = odeint(Pendulum, y0, ts, {m, g});
  const auto host = HostRk4(
      [](const std::vector<double>& y, double) {
        return std::vector<double>{y[1], -0.25 * y[1] - 9.8 * std::sin(y[0])};
      },
      {M_PI - 0.1, 0.0}, Values(ts));
  EXPECT_TRUE(AllClose(ys, HostTensor(host), 1e-6, 1e-6));
  // Everything at once: y0, the times, m and g in one vector (five times: each interval is
  // one backward integration, and the Vulkan variants run every operation as a dispatch).
  CheckReverse(
      [](const Tensor& x) {
        const std::vector<Tensor> p = Unpack(x, {2, 5, 1, 1});
        return odeint(Pendulum, p[0], p[1], {reshape(p[2], {}), reshape(p[3], {})});
      },
      concatenate({y0, linspace(0.0, 1.0, 5, f64), tensor({0.25, 9.8}, {2}, f64)}), 1e-3);
}

// JAX's test_weird_time_pendulum_grads: dynamics that depend on t.
TEST(OdeintTest, TimeDependentDynamics) {
  const auto dynamics = [](const Tensor& y, const Tensor& t) {
    const Tensor theta = slice(y, {0}, {1}), omega = slice(y, {1}, {2});
    return concatenate({omega * -t, -omega - 9.8 * sin(theta)});
  };
  const Tensor ts = linspace(0.0, 1.0, 11, f64), y0 = tensor({M_PI - 0.1, 0.0}, {2}, f64);
  const auto host = HostRk4(
      [](const std::vector<double>& y, double t) {
        return std::vector<double>{y[1] * -t, -y[1] - 9.8 * std::sin(y[0])};
      },
      {M_PI - 0.1, 0.0}, Values(ts));
  EXPECT_TRUE(AllClose(odeint(dynamics, y0, ts), HostTensor(host), 1e-6, 1e-6));
  CheckReverse(
      [&](const Tensor& x) {
        const std::vector<Tensor> p = Unpack(x, {2, 5});
        return odeint(dynamics, p[0], p[1]);
      },
      concatenate({y0, linspace(0.0, 1.0, 5, f64)}), 1e-3);
}

// JAX's test_decay and test_swoop: vector args, sqrt(t), a state of 10.
TEST(OdeintTest, DecayAndSwoopWithArgs) {
  const auto decay = [](const Tensor& y, const Tensor& t, const Args& a) {
    return -sqrt(t) - y + a[0] - mean(square(y + a[1]));
  };
  const Tensor a1 = Random({3}, 1), a2 = Random({3}, 2), y0 = Random({3}, 3);
  const Tensor ts = linspace(0.1, 0.2, 4, f64);
  CheckReverse(
      [&](const Tensor& x) {
        const std::vector<Tensor> p = Unpack(x, {3, 4, 3, 3});
        return odeint(decay, p[0], p[1], {p[2], p[3]});
      },
      concatenate({y0, ts, a1, a2}), 1e-3);
  const auto swoop = [](const Tensor& y, const Tensor& t, const Args& a) {
    return y - sin(t) - cos(t) * a[0] + a[1];
  };
  for (double lo : {0.1, 1.1}) {
    const Tensor big = linspace(lo, lo + 0.8 + (lo > 1 ? 9.0 : 0.0), 10, f64);
    const Tensor swoop_ts = tensor({0.1, 0.2}, {2}, f64);
    const auto host = HostRk4(
        [](const std::vector<double>& y, double t) {
          std::vector<double> d(y.size());
          for (size_t i = 0; i < y.size(); ++i) d[i] = y[i] - std::sin(t) - std::cos(t) * 0.1 + 0.2;
          return d;
        },
        Values(big), {0.1, 0.2});
    EXPECT_TRUE(AllClose(odeint(swoop, big, swoop_ts, {scalar(0.1, f64), scalar(0.2, f64)}),
                         HostTensor(host), 1e-6, 1e-6));
    CheckReverse(
        [&](const Tensor& x) {
          const std::vector<Tensor> p = Unpack(x, {10, 2, 1, 1});
          return odeint(swoop, p[0], p[1], {reshape(p[2], {}), reshape(p[3], {})});
        },
        concatenate({big, swoop_ts, tensor({0.1, 0.2}, {2}, f64)}), 1e-3);
  }
}

// JAX's test_pytree_state: a tuple state of a scalar and a [1,1,1] tensor.
TEST(OdeintTest, ContainerStates) {
  using State = std::tuple<Tensor, Tensor>;
  const auto dynamics = [](const State& y, const Tensor&) {
    return State{-std::get<0>(y), -std::get<1>(y)};
  };
  const Tensor ts = linspace(0.0, 1.0, 11, f64);
  const State ys = odeint(dynamics, State{scalar(-0.1, f64), full({1, 1, 1}, 0.1, f64)}, ts);
  EXPECT_EQ(std::get<0>(ys).shape(), (Shape{11}));
  EXPECT_EQ(std::get<1>(ys).shape(), (Shape{11, 1, 1, 1}));
  EXPECT_TRUE(AllClose(std::get<1>(ys), reshape(0.1 * exp(-ts), {11, 1, 1, 1}), 1e-6, 1e-8));
  CheckReverse(
      [&](const Tensor& x) {
        const std::vector<Tensor> p = Unpack(x, {1, 1, 4});
        const State out =
            odeint(dynamics, State{reshape(p[0], {}), reshape(p[1], {1, 1, 1})}, p[2]);
        return concatenate({std::get<0>(out), reshape(std::get<1>(out), {4})});
      },
      concatenate({tensor({-0.1, 0.1}, {2}, f64), linspace(0.0, 1.0, 4, f64)}), 1e-3);
}

// JAX's issue 2531: grad of a vmapped odeint is the sum of the per-example gradients.
TEST(OdeintTest, GradOfVmap) {
  const auto dx_dt = [](const Tensor& x, const Tensor&) { return 0.1 * x; };
  const Tensor t = tensor({0.0, 5.0}, {2}, f64);
  const auto f = [&](const Tensor& x, double y) {
    return sum(odeint(dx_dt, stack({x, scalar(y, f64)}), t)[1]);
  };
  const auto g = [&](const Tensor& x) {
    const Tensor y0s = stack({stack({x, scalar(0.1, f64)}), stack({x, scalar(0.2, f64)})});
    const Tensor ys = vmap([&](const Tensor& y0) { return odeint(dx_dt, y0, t); })(y0s);
    return sum(slice(ys, {0, 1, 0}, {2, 2, 2}));
  };
  const Tensor x = scalar(2.0, f64);
  const Tensor expected = grad([&](const Tensor& a) { return f(a, 0.1); })(x) +
                          grad([&](const Tensor& a) { return f(a, 0.2); })(x);
  EXPECT_TRUE(AllClose(grad(g)(x), expected, 1e-12, 1e-12));
  EXPECT_NEAR(grad(g)(x).item<double>(), 2 * std::exp(0.5), 1e-6);  // d/dx of 2 x e^0.5
}

// JAX's issue 2718: a model closing over the differentiated parameter, under grad, jit and vmap.
TEST(OdeintTest, ClosuresOverDifferentiatedValues) {
  const Tensor ts = linspace(0.0, 9.9, 12, f64);  // JAX's test has 100 times to 9.9
  const auto experiment = [&](const Tensor& x) {
    const auto model = [&](const Tensor& y, const Tensor&) { return -x * y; };
    return odeint(model, scalar(1.0, f64), ts)[ts.shape()[0] - 1];
  };
  const Tensor x = scalar(0.01, f64);
  // y(T) = exp(-x T), T = 9.9: the closed form and central differences.
  EXPECT_NEAR(experiment(x).item<double>(), std::exp(-0.099), 1e-7);
  EXPECT_NEAR(grad(experiment)(x).item<double>(), -9.9 * std::exp(-0.099), 1e-6);
  const Tensor xs = arange(0.0, 0.2, 0.02, f64);
  const auto [h, g] = vmap(jit(value_and_grad(experiment)))(xs);
  for (int64_t i = 0; i < xs.shape()[0]; ++i) {
    const double xi = xs.to_vector<double>()[i];
    EXPECT_NEAR(h.to_vector<double>()[i], std::exp(-9.9 * xi), 1e-6);
    EXPECT_NEAR(g.to_vector<double>()[i], -9.9 * std::exp(-9.9 * xi), 1e-5);
  }
  // An integer argument: float0 cotangents, as every integer input's.
  const auto scaled = [&](const Tensor& y0, const Tensor& n) {
    return odeint(
        [](const Tensor& y, const Tensor&, const Args& a) { return -astype(a[0], f64) * y; }, y0,
        linspace(0.0, 1.0, 3, f64), {n});
  };
  const auto [ys, pullback] = vjp(scaled, scalar(1.0, f64), scalar(2, i32));
  const std::vector<Tensor> cts = pullback(ones_like(ys));
  EXPECT_EQ(cts[1].dtype(), float0);
  EXPECT_NEAR(cts[0].item<double>(), 1 + std::exp(-1.0) + std::exp(-2.0), 1e-7);
  // Issue 3584: a closure over nothing differentiable.
  const auto dz_dt = [](const Tensor& z, const Tensor&) { return stack({z[0], z[1]}); };
  const Tensor dz =
      grad([&](const Tensor& z) { return sum(odeint(dz_dt, z, arange(10, f64))); })(ones({2}, f64));
  // z(t) = z0 e^t: the sum over t = 0..9 is z0 (e^10 - 1) / (e - 1).
  EXPECT_TRUE(AllClose(dz, full({2}, (std::exp(10.0) - 1) / (std::exp(1.0) - 1), f64), 1e-6, 0));
}

TEST(OdeintTest, JitAgreesWithEager) {
  const Tensor ts = linspace(0.0, 1.0, 6, f64), y0 = tensor({M_PI - 0.1, 0.0}, {2}, f64);
  const auto f = [&](const Tensor& y, const Tensor& m) {
    return odeint(Pendulum, y, ts, {m, scalar(9.8, f64)});
  };
  const Tensor m = scalar(0.25, f64);
  EXPECT_TRUE(AllClose(jit(f)(y0, m), f(y0, m), 1e-12, 1e-12));
  const auto loss = [&](const Tensor& y, const Tensor& mm) { return sum(square(f(y, mm))); };
  EXPECT_TRUE(AllClose(jit(grad(loss))(y0, m), grad(loss)(y0, m), 1e-10, 1e-10));
}

// JAX's issue 3986: a complex state and argument; the loss is the real part.
TEST(OdeintTest, ComplexStates) {
  const auto dy_dt = [](const Tensor& y, const Tensor& t, const Args& a) {
    return a[0] * y * astype(exp(-t), y.dtype());
  };
  const Tensor ts = linspace(0.0, 1.0, 11, f64);
  const Tensor y0 = from_vector<std::complex<double>>({{1, 2}}, {});
  const Tensor alpha = from_vector<std::complex<double>>({{3, 4}}, {});
  // y(t) = y0 exp(alpha (1 - e^-t)).
  const Tensor ys = odeint(dy_dt, y0, ts, {alpha});
  EXPECT_TRUE(AllClose(ys, y0 * exp(alpha * astype(1.0 - exp(-ts), c128)), 1e-6, 1e-6));
  // Real and imaginary parts of y0 and alpha, packed: f is real-valued.
  CheckReverse(
      [&](const Tensor& x) {
        const std::vector<Tensor> p = Unpack(x, {2, 2, 3});
        const auto c = [](const Tensor& parts) {
          return lax::complex(reshape(slice(parts, {0}, {1}), {}),
                              reshape(slice(parts, {1}, {2}), {}));
        };
        return real(odeint(dy_dt, c(p[0]), p[2], {c(p[1])}));
      },
      concatenate({tensor({1.0, 2.0, 3.0, 4.0}, {4}, f64), linspace(0.0, 0.25, 3, f64)}), 1e-3);
}

// JAX's test_hmax: a right-hand side with plateaus that unbounded steps would jump over.
TEST(OdeintTest, HmaxAndMxstepBoundTheSteps) {
  const auto rhs = [](const Tensor& y, const Tensor& t) {
    return where(t <= 2.0, ones_like(y),
                 where((t >= 5.0) & (t <= 7.0), -ones_like(y), zeros_like(y)));
  };
  const Tensor ys =
      odeint(rhs, scalar(0.0, f64), tensor({0.0, 5.0, 10.0}, {3}, f64), {}, {.hmax = 1.0});
  EXPECT_NEAR(ys.to_vector<double>()[1], 2.0, 1e-4);
  EXPECT_NEAR(ys.to_vector<double>()[2], 0.0, 1e-4);
  // mxstep bounds the steps towards each time: two steps from the small first step end far
  // from t = 10 (the quartic then extrapolates), enough steps change nothing.
  const auto decay = [](const Tensor& y, const Tensor&) { return -y; };
  const Tensor ts = tensor({0.0, 10.0}, {2}, f64), y0 = scalar(1.0, f64);
  const Tensor free = odeint(decay, y0, ts);
  EXPECT_NEAR(free.to_vector<double>()[1], std::exp(-10.0), 1e-8);
  EXPECT_EQ(Values(odeint(decay, y0, ts, {}, {.mxstep = 100000})), Values(free));
  EXPECT_FALSE(AllClose(odeint(decay, y0, ts, {}, {.mxstep = 2}), free, 1e-3, 1e-3));
}

TEST(OdeintTest, ForwardModeAndBadInputsAreErrors) {
  // JAX's issue 3558: odeint is a custom_vjp.
  const auto f = [](const Tensor& k) {
    return sum(odeint([&](const Tensor& x, const Tensor&) { return k * x; }, scalar(1.0, f64),
                      linspace(0.0, 1.0, 5, f64)));
  };
  EXPECT_THAT(ErrorOf([&] { jacfwd(f)(scalar(3.0, f64)); }), HasSubstr("odeint"));
  const auto id = [](const Tensor& y, const Tensor&) { return y; };
  EXPECT_THAT(ErrorOf([&] {
                odeint(id, scalar(1.0, f64), tensor({0, 1}, {2}, i32));
              }),
              HasSubstr("odeint: t must be a non-empty 1-D floating tensor of times, got i32[2]"));
  // Times that do not increase (inf and nan otherwise), when they are concrete.
  EXPECT_THAT(ErrorOf([&] {
                odeint(id, scalar(1.0, f64), tensor({0.0, 1.0, 1.0}, {3}, f64));
              }),
              HasSubstr("odeint: t must be strictly increasing, got t[2] = 1 after t[1] = 1"));
  EXPECT_THAT(ErrorOf([&] {
                odeint(id, scalar(1.0, f64), tensor({1.0, 0.5}, {2}, f64));
              }),
              HasSubstr("got t[1] = 0.5 after t[0] = 1"));
  EXPECT_THAT(ErrorOf([&] {
                odeint(id, scalar(1, i32), tensor({0.0, 1.0}, {2}, f64));
              }),
              HasSubstr("odeint: y0's tensors must be floating or complex, got i32[]"));
  EXPECT_THAT(ErrorOf([&] {
                odeint([](const Tensor& y, const Tensor&) { return astype(y, f32); },
                       zeros({3}, f64), tensor({0.0, 1.0}, {2}, f64));
              }),
              HasSubstr("odeint: func returns f32[3] for the state's tensor 0 of type f64[3]"));
  EXPECT_THAT(ErrorOf([&] {
                odeint(id, scalar(1.0, f64), tensor({0.0, 1.0}, {2}, f64), {}, {.rtol = -1});
              }),
              HasSubstr("must be >= 0"));
}

}  // namespace
}  // namespace cotangent
