// File: cotangent/ode.h
// jax.experimental.ode.odeint: the solution of dy/dt = func(y, t, args) at the times t, by
// adaptive Dormand-Prince 5(4) Runge-Kutta steps (JAX's error control, step-size rule and
// 4th-order dense output between steps), differentiated in reverse mode by the adjoint method:
// the augmented system (y, y_bar, t_bar, args_bar) integrated backwards between the output
// times by odeint itself, so a gradient is differentiable again. As JAX's, it is a custom_vjp:
// forward mode (jvp, jacfwd) is an Error. func may close over tensors, traced ones included
// (inside grad of a parameter): they are differentiated as args are (JAX's closure_convert).
//
//   const Tensor ts = linspace(0.0, 1.0, 11, f64);
//   Tensor ys = odeint([](const Tensor& y, const Tensor& t, const std::vector<Tensor>& args) {
//     return -args[0] * y;                       // dy/dt = -k y
//   }, y0, ts, {k});                             // ys[i] = y0 exp(-k ts[i])

#ifndef COTANGENT_COTANGENT_ODE_H_
#define COTANGENT_COTANGENT_ODE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "core/tensor.h"
#include "cotangent/control_flow.h"
#include "cotangent/tree.h"

namespace cotangent {

// JAX's keyword arguments and defaults.
struct OdeintOptions {
  double rtol = 1.4e-8;           // relative local error tolerance of a step
  double atol = 1.4e-8;           // absolute local error tolerance of a step
  std::optional<int64_t> mxstep;  // the most steps towards each output time (unset: no bound)
  double hmax = std::numeric_limits<double>::infinity();  // the largest step
};

namespace internal {

// func over the state's leaves: (y, t, args) -> dy/dt, one tensor per leaf of y.
using OdeFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& y, const Tensor& t,
                                                const std::vector<Tensor>& args)>;
// odeint of a state given as its leaves: each result leaf gains a leading axis of len(t).
std::vector<Tensor> OdeintFlat(const OdeFn& func, const std::vector<Tensor>& y0, const Tensor& t,
                               const std::vector<Tensor>& args, const OdeintOptions& options);

}  // namespace internal

// y at every time of t (1-D, floating, strictly increasing; t[0] is y0's time): y0's
// structure, each leaf with a leading axis of len(t). y0 is a Tensor or any container of
// floating or complex tensors (cotangent/tree.h; its leaves are integrated as one vector of
// their promoted dtype, as JAX ravels the pytree); func(y, t, args) returns dy/dt with y's
// structure and types (func(y, t) when it takes no args). Differentiable in reverse mode, to
// any order, with respect to y0, t, args and func's captured tensors.
template <typename F, typename Y>
Y odeint(const F& func, const Y& y0, const Tensor& t, const std::vector<Tensor>& args = {},
         const OdeintOptions& options = {}) {
  const internal::OdeFn flat = [&](const std::vector<Tensor>& y, const Tensor& time,
                                   const std::vector<Tensor>& a) {
    const Y state = TreeUnflatten(y0, y);
    const auto out = [&] {
      if constexpr (std::is_invocable_v<const F&, const Y&, const Tensor&,
                                        const std::vector<Tensor>&>) {
        return func(state, time, a);
      } else {
        return func(state, time);
      }
    }();
    internal::CheckSameStructure("odeint", "func", out, "y0", y0);
    return TreeLeaves(out);
  };
  return TreeUnflatten(y0, internal::OdeintFlat(flat, TreeLeaves(y0), t, args, options));
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_ODE_H_
