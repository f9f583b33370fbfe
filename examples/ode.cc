// File: examples/ode.cc
// Differentiating through an ODE solver: Lotka-Volterra predator-prey dynamics integrated with
// classical RK4 in a fori_loop (static bounds: a scan, so reverse mode works and the loop is
// one equation however many steps). Prints the final state, the gradient of a final-state
// loss with respect to the four parameters by grad (eager and jitted) beside central
// differences in f64 and the same by odeint (adaptive steps, adjoint gradient), then recovers
// the parameters from a noisy observed trajectory by gradient descent through scan.
// Run: bash tools/run.sh //examples:ode   (--smoke: fewer steps, for CI)

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "cotangent/cotangent.h"
#include "examples/support/cli.h"

ABSL_FLAG(bool, smoke, false, "fewer steps and fitting iterations (the CI test)");
// Unset: a default that depends on --smoke (cli.h).
ABSL_FLAG(std::optional<int64_t>, steps, std::nullopt,
          "RK4 steps to t = 10 (default 1000, 100 with --smoke)");
ABSL_FLAG(std::optional<int64_t>, fit_iterations, std::nullopt,
          "gradient steps (default 300, 20 with --smoke)");
ABSL_FLAG(double, learning_rate, 0.03, "Adam's step size for the fit");
ABSL_FLAG(int64_t, unroll, 1, "RK4 steps per iteration of the jitted loop");

namespace ct = cotangent;

namespace {

// dz/dt for z = (prey, predator) and theta = (alpha, beta, delta, gamma):
//   prey' = alpha prey - beta prey predator,  predator' = delta prey predator - gamma predator.
ct::Tensor Field(const ct::Tensor& z, const ct::Tensor& theta) {
  const ct::Tensor x = z[0], y = z[1];
  return ct::stack({theta[0] * x - theta[1] * x * y, theta[2] * x * y - theta[3] * y}, 0);
}

// One classical Runge-Kutta step of size h.
ct::Tensor Rk4(const ct::Tensor& z, const ct::Tensor& theta, double h) {
  const ct::Tensor k1 = Field(z, theta);
  const ct::Tensor k2 = Field(z + k1 * (h / 2), theta);
  const ct::Tensor k3 = Field(z + k2 * (h / 2), theta);
  const ct::Tensor k4 = Field(z + k3 * h, theta);
  return z + (k1 + k2 * 2.0 + k3 * 2.0 + k4) * (h / 6);
}

// z(T) from z0 in `steps` RK4 steps: a fori_loop with static bounds, `unroll` steps per
// iteration of its compiled loop.
ct::Tensor Integrate(const ct::Tensor& theta, const ct::Tensor& z0, double t_end, int64_t steps,
                     int64_t unroll = 1) {
  const double h = t_end / static_cast<double>(steps);
  return ct::fori_loop(0, steps, [&](const ct::Tensor&, const ct::Tensor& z) {
    return Rk4(z, theta, h);
  }, z0, unroll);
}

// The trajectory sampled every `every` steps: scan over observation times, each a fori_loop.
ct::Tensor Trajectory(const ct::Tensor& theta, const ct::Tensor& z0, double h, int64_t samples,
                      int64_t every) {
  auto [last, zs] = ct::scan(
      [&](const ct::Tensor& z, const std::tuple<>&) {
        const ct::Tensor next = ct::fori_loop(0, every, [&](const ct::Tensor&, const ct::Tensor& v) {
          return Rk4(v, theta, h);
        }, z);
        return std::pair{next, next};
      },
      z0, std::tuple<>(), {.length = samples});
  return zs;  // [samples, 2]
}

std::string Str(const ct::Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

double Seconds(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Run(int argc, char** argv) {
  ct::cli::ParseFlags(argc, argv, "gradients through an RK4 Lotka-Volterra solver");
  const bool smoke = absl::GetFlag(FLAGS_smoke);
  const int64_t steps = absl::GetFlag(FLAGS_steps).value_or(smoke ? 100 : 1000);
  const int64_t iterations = absl::GetFlag(FLAGS_fit_iterations).value_or(smoke ? 20 : 300);
  const double flags_lr = absl::GetFlag(FLAGS_learning_rate);
  const int64_t unroll = absl::GetFlag(FLAGS_unroll);

  const ct::Tensor theta = ct::tensor({1.1, 0.4, 0.1, 0.4}, {4}, ct::f64);
  const ct::Tensor z0 = ct::tensor({10.0, 5.0}, {2}, ct::f64);
  const ct::Tensor target = ct::tensor({6.0, 6.0}, {2}, ct::f64);
  const double t_end = 10.0;
  const auto loss = [&](const ct::Tensor& th) {
    const ct::Tensor d = Integrate(th, z0, t_end, steps, unroll) - target;
    return ct::sum(d * d);
  };
  std::printf("Lotka-Volterra, RK4, %lld steps to t = %.0f\n", static_cast<long long>(steps),
              t_end);
  std::printf("z(T) = %s\n", Str(Integrate(theta, z0, t_end, steps)).c_str());

  // grad through the loop, eager and jitted, against central differences in f64.
  ct::Tensor g;
  const double eager_s = Seconds([&] { g = ct::grad(loss)(theta); });
  const auto jitted = ct::jit(ct::grad(loss));
  ct::Tensor gj = jitted(theta);  // traced and compiled here
  const double jit_s = Seconds([&] { gj = jitted(theta); });
  double worst = 0;
  std::vector<double> fd(4);
  for (int i = 0; i < 4; ++i) {
    const double eps = 1e-6;
    std::vector<double> up = theta.to_vector<double>(), down = up;
    up[i] += eps;
    down[i] -= eps;
    fd[i] = (loss(ct::tensor(up, {4}, ct::f64)).item<double>() -
             loss(ct::tensor(down, {4}, ct::f64)).item<double>()) / (2 * eps);
    const double gi = g.to_vector<double>()[i];
    worst = std::max(worst, std::fabs(gi - fd[i]) / std::max(1.0, std::fabs(fd[i])));
  }
  std::printf("loss |z(T) - target|^2 = %.6f\n", loss(theta).item<double>());
  std::printf("grad (reverse mode)    = %s\n", Str(g).c_str());
  std::printf("grad (jit)             = %s\n", Str(gj).c_str());
  std::printf("central differences    = [%.6f, %.6f, %.6f, %.6f]\n", fd[0], fd[1], fd[2], fd[3]);
  std::printf("worst relative difference: %.2e %s\n", worst, worst < 1e-5 ? "(ok)" : "(MISMATCH)");
  std::printf("grad: eager %.3f s, jitted %.4f s per call; the gradient program has %zu "
              "equations for %lld steps\n",
              eager_s, jit_s, ct::make_jaxpr(ct::grad(loss))(theta).program->eqns.size(),
              static_cast<long long>(steps));

  // The same loss by odeint: adaptive Dormand-Prince steps and the adjoint method's gradient
  // (the augmented system integrated backwards, a derivative of the ODE rather than of the
  // steps taken). Its oracle is the exact derivative of RK4 at 500 steps (error about h^4):
  // central differences of odeint's loss are noisy at this tolerance, since theta's step
  // moves the adaptive steps and the loss by about rtol (measured: 7e-5 off at any step).
  const ct::Tensor times = ct::tensor({0.0, t_end}, {2}, ct::f64);
  const auto ode_loss = [&](const ct::Tensor& th) {
    const auto field = [](const ct::Tensor& z, const ct::Tensor&,
                          const std::vector<ct::Tensor>& args) { return Field(z, args[0]); };
    const ct::Tensor d = ct::odeint(field, z0, times, {th})[1] - target;
    return ct::sum(d * d);
  };
  const ct::Tensor g_ode = ct::grad(ode_loss)(theta);
  const ct::Tensor g_fine = ct::jit(ct::grad([&](const ct::Tensor& th) {
    const ct::Tensor d = Integrate(th, z0, t_end, 500) - target;
    return ct::sum(d * d);
  }))(theta);
  double worst_ode = 0;
  for (int i = 0; i < 4; ++i) {
    const double fine = g_fine.to_vector<double>()[i];
    worst_ode = std::max(
        worst_ode, std::fabs(g_ode.to_vector<double>()[i] - fine) / std::max(1.0, std::fabs(fine)));
  }
  std::printf("odeint (Dormand-Prince, rtol 1.4e-8): loss %.6f, grad (adjoint) %s\n",
              ode_loss(theta).item<double>(), Str(g_ode).c_str());
  std::printf("against RK4's exact gradient at 500 steps: %.2e %s\n", worst_ode,
              worst_ode < 1e-5 ? "(ok)" : "(MISMATCH)");

  // Fit theta to a trajectory observed from the true parameters, starting 30% off.
  const int64_t samples = 20, every = std::max<int64_t>(steps / samples, 1);
  const double h = t_end / static_cast<double>(samples * every);
  const ct::Tensor observed = Trajectory(theta, z0, h, samples, every);
  const auto fit_loss = [&](const ct::Tensor& th) {
    const ct::Tensor d = Trajectory(th, z0, h, samples, every) - observed;
    return ct::mean(d * d);
  };
  const auto step = ct::jit(ct::value_and_grad(fit_loss));
  ct::Tensor estimate = theta * ct::tensor({1.3, 0.7, 1.3, 0.7}, {4}, ct::f64);
  // Adam by hand on four numbers.
  ct::Tensor m = ct::zeros({4}, ct::f64), v = ct::zeros({4}, ct::f64);
  const double lr = flags_lr, b1 = 0.9, b2 = 0.999;
  double value = 0;
  for (int64_t it = 1; it <= iterations; ++it) {
    auto [l, grad] = step(estimate);
    value = l.item<double>();
    m = m * b1 + grad * (1 - b1);
    v = v * b2 + grad * grad * (1 - b2);
    const ct::Tensor m_hat = m / (1 - std::pow(b1, it)), v_hat = v / (1 - std::pow(b2, it));
    estimate = estimate - m_hat * lr / (ct::sqrt(v_hat) + 1e-8);
    if (it == 1 || it % std::max<int64_t>(iterations / 5, 1) == 0) {
      std::printf("fit %4lld: loss %.6f theta %s\n", static_cast<long long>(it), value,
                  Str(estimate).c_str());
    }
  }
  std::printf("true theta %s\n", Str(theta).c_str());
  return worst < 1e-5 && worst_ode < 1e-5 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return ct::cli::Main(argc, argv, Run); }
