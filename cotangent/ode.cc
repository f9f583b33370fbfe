// File: cotangent/ode.cc
// odeint's solver and its adjoint, the algorithm of jax/experimental/ode.py: func traced once
// into a program whose captured constants become explicit inputs (closure conversion), the
// state raveled into one vector, and a custom_vjp function of (y0, t, args, constants) whose
// primal is the Dormand-Prince integration (a scan over the output times, each a while_loop of
// steps) and whose backward pass integrates the augmented system backwards with odeint again.

#include "cotangent/ode.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>

#include "absl/types/span.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/program.h"
#include "cotangent/creation.h"
#include "cotangent/indexing.h"
#include "cotangent/numpy.h"
#include "interpreters/autodiff.h"
#include "interpreters/call.h"
#include "interpreters/custom.h"
#include "interpreters/graph.h"

namespace cotangent::internal {
namespace {

constexpr const char* kOp = "odeint";

// The Dormand-Prince 5(4) tableau: the stages' nodes and weights, the 5th-order solution's
// weights, the 5th-order minus the 4th-order weights (the local error estimate) and the weights
// of the solution at the step's midpoint (Shampine's dense output), as JAX's.
constexpr double kNodes[6] = {1 / 5., 3 / 10., 4 / 5., 8 / 9., 1., 1.};
constexpr double kStages[6][7] = {
    {1 / 5.},
    {3 / 40., 9 / 40.},
    {44 / 45., -56 / 15., 32 / 9.},
    {19372 / 6561., -25360 / 2187., 64448 / 6561., -212 / 729.},
    {9017 / 3168., -355 / 33., 46732 / 5247., 49 / 176., -5103 / 18656.},
    {35 / 384., 0, 500 / 1113., 125 / 192., -2187 / 6784., 11 / 84.}};
constexpr double kSolution[7] = {35 / 384., 0, 500 / 1113., 125 / 192., -2187 / 6784., 11 / 84., 0};
constexpr double kError[7] = {35 / 384. - 1951 / 21600.,
                              0,
                              500 / 1113. - 22642 / 50085.,
                              125 / 192. - 451 / 720.,
                              -2187 / 6784. + 12231 / 42400.,
                              11 / 84. - 649 / 6300.,
                              -1 / 60.};
constexpr double kMidpoint[7] = {
    6025192743. / 30085553152. / 2,     0,
    51252292925. / 65400821598. / 2,    -2691868925. / 45128329728. / 2,
    187940372067. / 1594534317056. / 2, -1776094331. / 19743644256. / 2,
    11237099. / 235043384. / 2};

// dy/dt of the raveled state at time t.
using Field = std::function<Tensor(const Tensor& y, const Tensor& t)>;

// sum_j w[j] k[j] over the stages computed so far (zero weights skipped).
Tensor Combine(const double* w, const std::vector<Tensor>& k) {
  Tensor out;
  for (size_t j = 0; j < k.size(); ++j) {
    if (w[j] != 0) out = out.defined() ? out + w[j] * k[j] : w[j] * k[j];
  }
  return out;  // every weight row has a nonzero weight among the stages it reads
}

// |x|^2 elementwise, real for complex x.
Tensor Abs2(const Tensor& x) {
  return IsComplex(x.dtype()) ? square(real(x)) + square(imag(x)) : square(x);
}

Tensor Norm(const Tensor& x) { return sqrt(sum(Abs2(x))); }

struct Step {
  Tensor y, f, error;
  std::vector<Tensor> k;  // the seven stages; the last is dy/dt at the step's end
};

// One step of size dt from y at time t, f = dy/dt there (JAX's runge_kutta_step).
Step RungeKutta(const Field& field, const Tensor& y, const Tensor& f, const Tensor& t,
                const Tensor& dt) {
  const Tensor h = astype(dt, y.dtype());
  std::vector<Tensor> k{f};
  for (int i = 1; i < 7; ++i) {
    k.push_back(field(y + h * Combine(kStages[i - 1], k), t + dt * kNodes[i - 1]));
  }
  return {y + h * Combine(kSolution, k), k[6], h * Combine(kError, k), std::move(k)};
}

// The RMS of the error estimate over the tolerance atol + rtol max(|y0|, |y1|) (JAX's
// mean_error_ratio): the step is accepted when it is at most 1.
Tensor ErrorRatio(const Tensor& error, const OdeintOptions& o, const Tensor& y0, const Tensor& y1) {
  const Tensor tolerance = o.atol + o.rtol * maximum(abs(y0), abs(y1));
  return sqrt(mean(Abs2(error / astype(tolerance, error.dtype()))));
}

// The next step from the last and its error ratio r (JAX's optimal_step_size: safety 0.9,
// order 5, growth at most 10x, and after a rejected step a shrink of at least 5x), in t's dtype.
Tensor NextStep(const Tensor& last, const Tensor& ratio) {
  const Tensor r = astype(ratio, last.dtype());
  const Tensor floor_factor = where(r < 1.0, full_like(r, 1.0), full_like(r, 0.2));
  const Tensor factor = minimum(maximum(pow(r, -1.0 / 5.0) * 0.9, floor_factor), 10.0);
  return where(r == 0.0, last * 10.0, last * factor);
}

// The first step (Hairer, Norsett and Wanner, Solving ODEs I, II.4; JAX's initial_step_size
// for order 4), in t's dtype.
Tensor InitialStep(const Field& field, const Tensor& t0, const Tensor& y0, const Tensor& f0,
                   const OdeintOptions& o) {
  const DType time = t0.dtype();
  const Tensor scale = astype(o.atol + abs(y0) * o.rtol, y0.dtype());
  const Tensor d0 = astype(Norm(y0 / scale), time), d1 = astype(Norm(f0 / scale), time);
  const Tensor h0 = where((d0 < 1e-5) | (d1 < 1e-5), full_like(d0, 1e-6), 0.01 * d0 / d1);
  const Tensor f1 = field(y0 + astype(h0, y0.dtype()) * f0, t0 + h0);
  const Tensor d2 = astype(Norm((f1 - f0) / scale), time) / h0;
  const Tensor h1 = where((d1 <= 1e-15) & (d2 <= 1e-15), maximum(h0 * 1e-3, 1e-6),
                          pow(0.01 / maximum(d1, d2), 1.0 / 5.0));
  return minimum(100.0 * h0, h1);
}

// The quartic p on [0, 1] through the step (JAX's interp_fit_dopri): p(0) = y0, p(1) = y1,
// p(1/2) the midpoint solution, p'(0) = dt k[0], p'(1) = dt k[6]; its coefficients, highest
// power first, stacked [5, n].
Tensor DenseFit(const Tensor& y0, const Tensor& y1, const std::vector<Tensor>& k,
                const Tensor& dt) {
  const Tensor h = astype(dt, y0.dtype());
  const Tensor mid = y0 + h * Combine(kMidpoint, k);
  const Tensor dy0 = h * k[0], dy1 = h * k[6];
  const Tensor a = -2.0 * dy0 + 2.0 * dy1 - 8.0 * y0 - 8.0 * y1 + 16.0 * mid;
  const Tensor b = 5.0 * dy0 - 3.0 * dy1 + 18.0 * y0 + 14.0 * y1 - 32.0 * mid;
  const Tensor c = -4.0 * dy0 + dy1 - 11.0 * y0 - 5.0 * y1 + 16.0 * mid;
  return stack({a, b, c, dy0, y0});
}

// p(x) by Horner's rule over DenseFit's rows.
Tensor Polyval(const Tensor& coefficients, const Tensor& x) {
  Tensor out = coefficients[0];
  for (int64_t i = 1; i < 5; ++i) out = out * x + coefficients[i];
  return out;
}

// The state at every time of ts, [len(ts), n] (JAX's _odeint): a scan over the output times,
// each a while_loop of steps until the step passes the time (every step's size updated, a
// step taken when its error ratio is at most 1), then the last step's quartic at the time.
Tensor Solve(const Field& field, const Tensor& y0, const Tensor& ts, const OdeintOptions& o) {
  const int64_t n = y0.shape()[0], count = ts.shape()[0];
  const Tensor t0 = ts[0];
  if (count == 1) return lax::reshape(y0, {1, n});
  const Tensor f0 = field(y0, t0);
  const Tensor dt0 = clip(InitialStep(field, t0, y0, f0, o), 0.0, o.hmax);
  // The carry: y, f, t, dt, the last step's start, its quartic.
  const std::vector<Tensor> init{y0, f0, t0, dt0, t0, stack({y0, y0, y0, y0, y0})};
  const auto to_time = [&](const std::vector<Tensor>& carry, const Tensor& target) {
    std::vector<Tensor> state{scalar(0, i32)};  // the steps taken towards this time
    state.insert(state.end(), carry.begin(), carry.end());
    const auto more = [&](const std::vector<Tensor>& s) {
      Tensor go = (s[3] < target) & (s[4] > 0.0);
      if (o.mxstep) go = go & (s[0] < std::min<int64_t>(*o.mxstep, INT32_MAX));
      return go;
    };
    const auto step = [&](const std::vector<Tensor>& s) {
      const Tensor &y = s[1], &f = s[2], &t = s[3], &dt = s[4];
      const Step next = RungeKutta(field, y, f, t, dt);
      const Tensor ratio = ErrorRatio(next.error, o, y, next.y);
      const Tensor accept = ratio <= 1.0;
      const Tensor new_dt = clip(NextStep(dt, ratio), 0.0, o.hmax);
      const Tensor taken[] = {next.y, next.f, t + dt, new_dt, t, DenseFit(y, next.y, next.k, dt)};
      std::vector<Tensor> out{s[0] + 1};
      for (size_t j = 0; j < 6; ++j)
        out.push_back(j == 3 ? new_dt : where(accept, taken[j], s[j + 1]));
      return out;
    };
    std::vector<Tensor> done = while_loop(more, step, state);
    const Tensor x = astype((target - done[5]) / (done[3] - done[5]), y0.dtype());
    const Tensor y = Polyval(done[6], x);
    done.erase(done.begin());
    return std::pair{std::move(done), y};
  };
  const Tensor ys = scan(to_time, init, lax::slice(ts, {1}, {count})).second;
  return concatenate({lax::reshape(y0, {1, n}), ys}, 0);
}

// A state's leaves as one vector of their promoted dtype (JAX's ravel_pytree), and back.
class Raveled {
 public:
  explicit Raveled(std::vector<ShapedArray> leaves) : leaves_(std::move(leaves)) {
    if (leaves_.empty()) ThrowInvalid(kOp, ": y0 has no tensors");
    dtype_ = leaves_[0].dtype;
    for (const ShapedArray& leaf : leaves_) {
      dtype_ = PromoteTypes(dtype_, leaf.dtype);
      size_ += leaf.size();
    }
    for (const ShapedArray& leaf : leaves_) {
      if (!IsInexact(leaf.dtype)) {
        ThrowInvalid(kOp, ": y0's tensors must be floating or complex, got ", leaf.ToString());
      }
    }
  }
  DType dtype() const { return dtype_; }
  int64_t size() const { return size_; }
  Tensor Ravel(const std::vector<Tensor>& leaves) const {
    std::vector<Tensor> flat;
    for (const Tensor& leaf : leaves) flat.push_back(astype(reshape(leaf, {-1}), dtype_));
    return concatenate(flat, 0);
  }
  // Of a raveled state or of states stacked along leading axes ([..., n]).
  std::vector<Tensor> Unravel(const Tensor& flat) const {
    const Shape lead(flat.shape().begin(), flat.shape().end() - 1);
    std::vector<Tensor> out;
    int64_t offset = 0;
    for (const ShapedArray& leaf : leaves_) {
      Shape start(flat.ndim(), 0), limit = flat.shape(), shape = lead;
      start.back() = offset;
      limit.back() = offset + leaf.size();
      shape.insert(shape.end(), leaf.shape.begin(), leaf.shape.end());
      Tensor x = lax::reshape(lax::slice(flat, start, limit), shape);
      if (IsComplex(x.dtype()) && !IsComplex(leaf.dtype)) x = real(x);
      out.push_back(astype(x, leaf.dtype));
      offset += leaf.size();
    }
    return out;
  }

 private:
  std::vector<ShapedArray> leaves_;
  DType dtype_;
  int64_t size_ = 0;
};

// func as a program of (constants..., y, t, args...) on the raveled state: params, the custom
// function's inputs after y0 and t, are the args, then the constants.
struct System {
  std::shared_ptr<const Program> program;
  size_t num_args;
  Tensor Eval(const Tensor& y, const Tensor& t, absl::Span<const Tensor> params) const {
    std::vector<Tensor> in(params.begin() + static_cast<ptrdiff_t>(num_args), params.end());
    in.push_back(y);
    in.push_back(t);
    in.insert(in.end(), params.begin(), params.begin() + static_cast<ptrdiff_t>(num_args));
    return EvalProgram(*program, {}, in, kOp)[0];
  }
};

// The cotangents of (y0, ts, params) from g, the cotangent of ys (JAX's _odeint_rev): between
// consecutive output times, backwards, the augmented state (y, y_bar, t_bar, params_bar)
// follows d/ds = (-f, y_bar^T df/dy, y_bar^T df/dt, y_bar^T df/dparams) at s = -t from
// s = -t_i to -t_(i-1), integrated by odeint (so itself differentiable); each output time adds
// its g row to y_bar, and moving the time t_i changes the loss by f(y_i, t_i) . g_i.
std::vector<Tensor> Adjoint(const System& system, const Tensor& ys, const Tensor& ts,
                            const std::vector<Tensor>& params, const Tensor& g,
                            const OdeintOptions& options) {
  const int64_t count = ts.shape()[0];
  std::vector<size_t> inexact;  // the differentiable params; the others get no cotangent
  for (size_t i = 0; i < params.size(); ++i) {
    if (IsInexact(params[i].dtype())) inexact.push_back(i);
  }
  const OdeFn augmented = [system, inexact](const std::vector<Tensor>& s, const Tensor& minus_t,
                                            const std::vector<Tensor>& p) {
    std::vector<Tensor> primals{s[0], lax::neg(minus_t)};
    for (size_t i : inexact) primals.push_back(p[i]);
    const FlatFn f = [&](const std::vector<Tensor>& x) {
      std::vector<Tensor> all = p;
      for (size_t j = 0; j < inexact.size(); ++j) all[inexact[j]] = x[2 + j];
      return std::vector<Tensor>{system.Eval(x[0], x[1], all)};
    };
    const Linearized lin =
        LinearizeFlat(kOp, f, primals, std::vector<bool>(primals.size(), true), true);
    std::vector<Tensor> out{lax::neg(lin.primals_out[0])};
    const std::vector<Tensor> bars = lin.Transpose({s[1]});
    out.insert(out.end(), bars.begin(), bars.end());
    return out;
  };
  std::vector<Tensor> carry{g[count - 1], zeros({}, ts.dtype())};
  for (size_t i : inexact) carry.push_back(zeros_like(params[i]));
  Tensor ts_bar = zeros({1}, ts.dtype());
  if (count > 1) {
    const auto back = [&](const std::vector<Tensor>& c, const Tensor& i) {
      const Tensor y_i = take(ys, i, 0), t_i = take(ts, i, 0), t_prev = take(ts, i - 1, 0);
      const Tensor t_bar =
          astype(real(sum(system.Eval(y_i, t_i, params) * take(g, i, 0))), ts.dtype());
      std::vector<Tensor> state{y_i, c[0], c[1] - t_bar};
      state.insert(state.end(), c.begin() + 2, c.end());
      const std::vector<Tensor> out =
          OdeintFlat(augmented, state, stack({lax::neg(t_i), lax::neg(t_prev)}), params, options);
      std::vector<Tensor> next{out[1][1] + take(g, i - 1, 0)};
      for (size_t j = 2; j < out.size(); ++j) next.push_back(out[j][1]);
      return std::pair{std::move(next), t_bar};
    };
    const auto [last, rev_ts_bar] = scan(back, carry, arange(count - 1, 0, -1, i32));
    carry = last;
    ts_bar = concatenate({reshape(carry[1], {1}), flip(rev_ts_bar, 0)}, 0);
  } else {
    ts_bar = reshape(carry[1], {1});
  }
  std::vector<Tensor> cts{carry[0], ts_bar};
  for (size_t i = 0, next = 2; i < params.size(); ++i) {
    const bool differentiable = IsInexact(params[i].dtype());
    cts.push_back(differentiable ? carry[next++] : Tensor());  // none, as JAX's None
  }
  return cts;
}

}  // namespace

std::vector<Tensor> OdeintFlat(const OdeFn& func, const std::vector<Tensor>& y0, const Tensor& t,
                               const std::vector<Tensor>& args, const OdeintOptions& options) {
  std::vector<ShapedArray> leaves;
  for (const Tensor& leaf : y0) {
    if (!leaf.defined()) ThrowInvalid(kOp, ": y0 holds an undefined tensor");
    leaves.push_back(leaf.aval());
  }
  if (!t.defined() || t.ndim() != 1 || !IsFloating(t.dtype()) || t.shape()[0] == 0) {
    ThrowInvalid(kOp, ": t must be a non-empty 1-D floating tensor of times, got ",
                 t.defined() ? t.aval().ToString() : "an undefined tensor");
  }
  // JAX requires increasing times without checking (its t is traced); a concrete t is checked
  // here, where decreasing or repeated times would give inf and nan.
  if (t.is_concrete()) {
    const std::vector<double> times = t.to_vector<double>();
    for (size_t i = 1; i < times.size(); ++i) {
      if (!(times[i] > times[i - 1])) {
        ThrowInvalid(kOp, ": t must be strictly increasing, got t[", i, "] = ", times[i],
                     " after t[", i - 1, "] = ", times[i - 1]);
      }
    }
  }
  for (const Tensor& a : args) {
    if (!a.defined()) ThrowInvalid(kOp, ": args holds an undefined tensor");
  }
  if (!(options.rtol >= 0) || !(options.atol >= 0) || !(options.hmax > 0) ||
      (options.mxstep && *options.mxstep < 0)) {
    ThrowInvalid(kOp, ": rtol ", options.rtol, " and atol ", options.atol, " must be >= 0, hmax ",
                 options.hmax, " > 0 and mxstep >= 0");
  }
  const Raveled state(leaves);
  // func traced once on the raveled state; what it captured becomes inputs (closure_convert).
  std::vector<ShapedArray> avals{ShapedArray{{state.size()}, state.dtype()},
                                 ShapedArray{{}, t.dtype()}};
  for (const Tensor& a : args) avals.push_back(a.aval());
  const ClosedProgram traced = TraceToProgram(
      [&](const std::vector<Tensor>& in) {
        const std::vector<Tensor> dy =
            func(state.Unravel(in[0]), in[1], std::vector<Tensor>(in.begin() + 2, in.end()));
        for (size_t i = 0; i < leaves.size(); ++i) {
          if (!dy[i].defined() || dy[i].aval() != leaves[i]) {
            ThrowInvalid(kOp, ": func returns ",
                         dy[i].defined() ? dy[i].aval().ToString() : "an undefined tensor",
                         " for the state's tensor ", i, " of type ", leaves[i].ToString());
          }
        }
        return std::vector<Tensor>{state.Ravel(dy)};
      },
      avals, kOp);
  const System system{ConstsAsInputs(*traced.program), args.size()};
  const auto primal = [system, options](const std::vector<Tensor>& in) {
    const absl::Span<const Tensor> params = absl::MakeConstSpan(in).subspan(2);
    const Field field = [&](const Tensor& y, const Tensor& time) {
      return system.Eval(y, time, params);
    };
    return std::vector<Tensor>{Solve(field, in[0], in[1], options)};
  };
  // fwd computes ys as this function again (held weakly, as its callers hold it), so that a
  // transformation above differentiates them by this rule, never through the while_loops
  // (JAX's _odeint_fwd calls _odeint, itself a custom_vjp).
  const auto self = std::make_shared<std::weak_ptr<const CustomFunction>>();
  const auto fwd = [self](const std::vector<Tensor>& in) {
    std::vector<Tensor> ys = BindCustom(*self->lock(), in);
    std::vector<Tensor> residuals{ys[0]};
    residuals.insert(residuals.end(), in.begin() + 1, in.end());  // ts, params
    return std::pair{std::move(ys), std::move(residuals)};
  };
  const auto bwd = [system, options](const std::vector<Tensor>& residuals,
                                     const std::vector<Tensor>& cts) {
    const std::vector<Tensor> params(residuals.begin() + 2, residuals.end());
    const Tensor g = cts[0].defined() ? cts[0] : zeros_like(residuals[0]);
    return Adjoint(system, residuals[0], residuals[1], params, g, options);
  };
  const auto function = std::make_shared<CustomVjpFunction>(kOp, primal, fwd, bwd);
  *self = function;
  std::vector<Tensor> inputs{state.Ravel(y0), t};
  inputs.insert(inputs.end(), args.begin(), args.end());
  inputs.insert(inputs.end(), traced.consts.begin(), traced.consts.end());
  return state.Unravel(BindCustom(*function, inputs)[0]);
}

}  // namespace cotangent::internal
