// File: examples/support/optim.h
// Functional optimizers in the style of optax: an optimizer is a pair of pure functions,
//   state = opt.Init(params);
//   auto [updates, new_state] = opt.Update(grads, state);
//   params = ApplyUpdates(params, updates);
// over any container of tensors (cotangent/tree.h): a std::map<std::string, Tensor>, a struct
// with tree_fields(), ... Nothing is mutated, so a training step is a pure function too.

#ifndef COTANGENT_EXAMPLES_SUPPORT_OPTIM_H_
#define COTANGENT_EXAMPLES_SUPPORT_OPTIM_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"

namespace cotangent::optim {

// A learning rate as a function of the update count (0 for the first update). Converts from a
// number (a constant rate) or from any callable double(int64_t).
class Schedule {
 public:
  Schedule(double value);  // NOLINT: a constant rate reads naturally as a number
  Schedule(std::function<double(int64_t)> fn);  // NOLINT
  double operator()(int64_t step) const { return fn_(step); }

 private:
  std::function<double(int64_t)> fn_;
};

// optax.piecewise_constant_schedule: init, multiplied by scale once step reaches boundary,
// for each (boundary, scale) in increasing order of boundary.
Schedule PiecewiseConstant(double init, std::vector<std::pair<int64_t, double>> scales);
// optax.cosine_decay_schedule: init * ((1 - alpha) * (1 + cos(pi * t)) / 2 + alpha),
// t = min(step, decay_steps) / decay_steps.
Schedule CosineDecay(double init, int64_t decay_steps, double alpha = 0.0);

// params + updates, leaf by leaf.
template <typename P>
P ApplyUpdates(const P& params, const P& updates) {
  return TreeMap([](const Tensor& p, const Tensor& u) { return p + u; }, params, updates);
}

// ---- SGD with momentum (optax.sgd) ----

struct SgdOptions {
  Schedule learning_rate = 0.01;
  double momentum = 0.0;  // 0: plain SGD, no state
  bool nesterov = false;
};

// Adam (optax.adam).
struct AdamOptions {
  Schedule learning_rate = 1e-3;
  double b1 = 0.9;
  double b2 = 0.999;
  double eps = 1e-8;
};

template <typename P>
struct SgdState {
  int64_t count = 0;
  std::optional<P> trace;  // the momentum buffer, when momentum > 0
};

namespace internal {
// trace <- g + momentum * trace; updates = -lr * trace (nesterov: -lr * (g + momentum * trace)).
// With momentum 0, trace is empty and updates = -lr * g.
std::vector<Tensor> SgdUpdate(const SgdOptions& options, int64_t count,
                              const std::vector<Tensor>& grads, std::vector<Tensor>& trace);
// mu <- b1 mu + (1 - b1) g; nu <- b2 nu + (1 - b2) g^2;
// updates = -lr * mu_hat / (sqrt(nu_hat) + eps), mu_hat = mu / (1 - b1^t), nu_hat likewise,
// t = count + 1.
std::vector<Tensor> AdamUpdate(const AdamOptions& options, int64_t count,
                               const std::vector<Tensor>& grads, std::vector<Tensor>& mu,
                               std::vector<Tensor>& nu);
}  // namespace internal

class Sgd {
 public:
  explicit Sgd(SgdOptions options) : options_(std::move(options)) {}

  template <typename P>
  SgdState<P> Init(const P& params) const {
    SgdState<P> state;
    if (options_.momentum != 0.0) state.trace = TreeMap(zeros_like, params);
    return state;
  }

  // The updates for grads (to add to the parameters) and the next state.
  template <typename P>
  std::pair<P, SgdState<P>> Update(const P& grads, const SgdState<P>& state) const {
    std::vector<Tensor> trace;
    if (state.trace) trace = TreeLeaves(*state.trace);
    const std::vector<Tensor> updates =
        internal::SgdUpdate(options_, state.count, TreeLeaves(grads), trace);
    SgdState<P> next{state.count + 1, std::nullopt};
    if (state.trace) next.trace = TreeUnflatten(grads, trace);
    return {TreeUnflatten(grads, updates), std::move(next)};
  }

 private:
  SgdOptions options_;
};

// ---- Adam (optax.adam) ----

template <typename P>
struct AdamState {
  int64_t count = 0;
  P mu, nu;  // first and second moment estimates
};

class Adam {
 public:
  explicit Adam(AdamOptions options) : options_(std::move(options)) {}

  template <typename P>
  AdamState<P> Init(const P& params) const {
    return {0, TreeMap(zeros_like, params), TreeMap(zeros_like, params)};
  }

  template <typename P>
  std::pair<P, AdamState<P>> Update(const P& grads, const AdamState<P>& state) const {
    std::vector<Tensor> mu = TreeLeaves(state.mu), nu = TreeLeaves(state.nu);
    const std::vector<Tensor> updates =
        internal::AdamUpdate(options_, state.count, TreeLeaves(grads), mu, nu);
    return {TreeUnflatten(grads, updates),
            AdamState<P>{state.count + 1, TreeUnflatten(grads, mu), TreeUnflatten(grads, nu)}};
  }

 private:
  AdamOptions options_;
};

// The states are containers of their tensors (cotangent/tree.h), with named fields, so that
// a checkpoint saves them (examples/support/checkpoint.h). count is not a tensor: checkpoints
// keep it as their step.
template <typename P>
auto tree_fields(SgdState<P>& s) { return std::tie(s.trace); }
template <typename P>
auto tree_field_names(const SgdState<P>&) { return std::array{"trace"}; }
template <typename P>
auto tree_fields(AdamState<P>& s) { return std::tie(s.mu, s.nu); }
template <typename P>
auto tree_field_names(const AdamState<P>&) { return std::array{"mu", "nu"}; }

}  // namespace cotangent::optim

#endif  // COTANGENT_EXAMPLES_SUPPORT_OPTIM_H_
