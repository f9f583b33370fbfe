// File: examples/support/optim.cc
// The update rules of optim.h on flat lists of tensors, and the learning-rate schedules.

#include "examples/support/optim.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace cotangent::optim {

Schedule::Schedule(double value) : fn_([value](int64_t) { return value; }) {}
Schedule::Schedule(std::function<double(int64_t)> fn) : fn_(std::move(fn)) {
  if (!fn_) ThrowInvalid("schedule: empty function");
}

Schedule PiecewiseConstant(double init, std::vector<std::pair<int64_t, double>> scales) {
  std::sort(scales.begin(), scales.end());
  return Schedule([init, scales = std::move(scales)](int64_t step) {
    double lr = init;
    for (const auto& [boundary, scale] : scales) {
      if (step >= boundary) lr *= scale;
    }
    return lr;
  });
}

Schedule CosineDecay(double init, int64_t decay_steps, double alpha) {
  if (decay_steps <= 0)
    ThrowInvalid("cosine_decay: decay_steps must be positive, got ", decay_steps);
  return Schedule([=](int64_t step) {
    const double t = static_cast<double>(std::min(step, decay_steps)) / decay_steps;
    return init * ((1 - alpha) * 0.5 * (1 + std::cos(std::numbers::pi * t)) + alpha);
  });
}

namespace internal {

std::vector<Tensor> SgdUpdate(const SgdOptions& options, int64_t count,
                              const std::vector<Tensor>& grads, std::vector<Tensor>& trace) {
  const double lr = options.learning_rate(count);
  std::vector<Tensor> updates(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    if (trace.empty()) {
      updates[i] = grads[i] * -lr;
      continue;
    }
    trace[i] = grads[i] + options.momentum * trace[i];
    updates[i] = (options.nesterov ? grads[i] + options.momentum * trace[i] : trace[i]) * -lr;
  }
  return updates;
}

std::vector<Tensor> AdamUpdate(const AdamOptions& options, int64_t count,
                               const std::vector<Tensor>& grads, std::vector<Tensor>& mu,
                               std::vector<Tensor>& nu) {
  const double lr = options.learning_rate(count);
  const double t = static_cast<double>(count + 1);
  const double mu_scale = 1.0 / (1.0 - std::pow(options.b1, t));
  const double nu_scale = 1.0 / (1.0 - std::pow(options.b2, t));
  std::vector<Tensor> updates(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    mu[i] = options.b1 * mu[i] + (1.0 - options.b1) * g;
    nu[i] = options.b2 * nu[i] + (1.0 - options.b2) * (g * g);
    updates[i] = (mu[i] * (-lr * mu_scale)) / (sqrt(nu[i] * nu_scale) + options.eps);
  }
  return updates;
}

}  // namespace internal
}  // namespace cotangent::optim
