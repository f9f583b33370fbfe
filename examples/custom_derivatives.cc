// File: examples/custom_derivatives.cc
// The second half of the autodiff cookbook example: JAX's "Custom derivative rules for
// JAX-transformable Python functions", ported where Cotangent has the pieces (custom_jvp,
// custom_vjp over pytrees, while_loop, vmap, nested grad) and marked "not ported" where it
// does not.

#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cotangent/cotangent.h"
#include "examples/cookbook_util.h"

namespace cookbook {
namespace {

using ct::Tensor;
using Tensors = std::vector<Tensor>;

Tensor S(double x) { return ct::scalar(x); }

// The notebook's Point(x, y) namedtuple and its {'a': ..., 'b': (..., ...)} dict, as pytrees.
struct Point {
  Tensor x, y;
};
auto tree_fields(Point& p) { return std::tie(p.x, p.y); }
std::ostream& operator<<(std::ostream& os, const Point& p) {
  return os << "Point(x=" << p.x << ", y=" << p.y << ")";
}
struct Dict {
  Tensor a;
  std::pair<Tensor, Tensor> b;
};
auto tree_fields(Dict& d) { return std::tie(d.a, d.b); }
std::ostream& operator<<(std::ostream& os, const Dict& d) {
  return os << "{'a': " << d.a << ", 'b': (" << d.b.first << ", " << d.b.second << ")}";
}

void TlDr() {
  Header(1, "Custom derivative rules for JAX-transformable Python functions");
  Header(2, "TL;DR");
  Header(3, "Custom JVPs with jax.custom_jvp");
  auto f = ct::custom_jvp(
      [](const Tensor& x, const Tensor& y) { return ct::sin(x) * y; },
      [](const Tensors& primals, const Tensors& tangents) {
        const Tensor &x = primals[0], &y = primals[1];
        const Tensor &x_dot = tangents[0], &y_dot = tangents[1];
        const Tensor primal_out = ct::sin(x) * y;
        const Tensor tangent_out = ct::cos(x) * x_dot * y + ct::sin(x) * y_dot;
        return std::make_pair(primal_out, tangent_out);
      });
  std::cout << f(S(2.), S(3.)) << "\n";
  const auto [y, y_dot] = ct::jvp(f, {S(2.), S(3.)}, {S(1.), S(0.)});
  std::cout << y << "\n" << y_dot << "\n" << ct::grad(f)(S(2.), S(3.)) << "\n";
  // Equivalent alternative using the defjvps convenience wrapper.
  const auto sin_times = [](const Tensor& x, const Tensor& y) { return ct::sin(x) * y; };
  auto f2 = ct::custom_jvp(
      sin_times,
      ct::defjvps(sin_times,
                  [](const Tensor& x_dot, const Tensor&, const Tensor& x, const Tensor& y) {
                    return ct::cos(x) * x_dot * y;
                  },
                  [](const Tensor& y_dot, const Tensor&, const Tensor& x, const Tensor&) {
                    return ct::sin(x) * y_dot;
                  }));
  std::cout << f2(S(2.), S(3.)) << "\n";
  const auto [y2, y2_dot] = ct::jvp(f2, {S(2.), S(3.)}, {S(1.), S(0.)});
  std::cout << y2 << "\n" << y2_dot << "\n" << ct::grad(f2)(S(2.), S(3.)) << "\n";

  Header(3, "Custom VJPs with jax.custom_vjp");
  auto g = ct::custom_vjp(
      [](const Tensor& x, const Tensor& y) { return ct::sin(x) * y; },
      // Returns primal output and residuals to be used in backward pass by f_bwd.
      [](const Tensor& x, const Tensor& y) {
        return std::make_pair(ct::sin(x) * y, Tensors{ct::cos(x), ct::sin(x), y});
      },
      [](const Tensors& res, const Tensor& g) {
        const Tensor &cos_x = res[0], &sin_x = res[1], &y = res[2];
        return Tensors{cos_x * g * y, sin_x * g};
      });
  std::cout << ct::grad(g)(S(2.), S(3.)) << "\n";
}

void NumericalStability() {
  Header(2, "Example problems");
  Header(3, "Numerical stability");
  const auto log1pexp = [](const Tensor& x) { return ct::log(1. + ct::exp(x)); };
  const Tensor x3 = S(3.), r3 = ct::arange(0., 3., 1.);  // jnp.arange(3.)
  std::cout << log1pexp(x3) << "\n";
  std::cout << "(no jit in Cotangent: the eager results)\n";
  std::cout << log1pexp(x3) << "\n" << ct::grad(log1pexp)(x3) << "\n";
  std::cout << ct::vmap(ct::grad(log1pexp))(r3) << "\n";
  std::cout << ct::grad(log1pexp)(S(100.)) << "\n";
  std::cout << ct::make_jaxpr(ct::grad(log1pexp))(S(100.)) << "\n";

  auto stable = ct::custom_jvp(
      log1pexp,
      [log1pexp](const Tensors& primals, const Tensors& tangents) {
        const Tensor &x = primals[0], &x_dot = tangents[0];
        const Tensor ans = log1pexp(x);
        const Tensor ans_dot = (1. - 1. / (1. + ct::exp(x))) * x_dot;
        return std::make_pair(ans, ans_dot);
      },
      "log1pexp");
  std::cout << ct::grad(stable)(S(100.)) << "\n";
  std::cout << stable(x3) << "\n" << ct::grad(stable)(x3) << "\n";
  std::cout << ct::vmap(ct::grad(stable))(r3) << "\n";
}

void DifferentiationConvention() {
  Header(3, "Enforcing a differentiation convention");
  const auto f = [](const Tensor& x) { return x / (1. + ct::sqrt(x)); };
  std::cout << ct::grad(f)(S(0.)) << "\n";
  auto g = ct::custom_jvp(f, [f](const Tensors& primals, const Tensors& tangents) {
    const Tensor &x = primals[0], &x_dot = tangents[0];
    const Tensor ans_dot = ((ct::sqrt(x) + 2.) / (2. * ct::square(ct::sqrt(x) + 1.))) * x_dot;
    return std::make_pair(f(x), ans_dot);
  });
  std::cout << ct::grad(g)(S(0.)) << "\n";
}

void GradientClipping() {
  Header(3, "Gradient clipping");
  auto clip_gradient = ct::custom_vjp(
      [](const Tensor&, const Tensor&, const Tensor& x) { return x; },  // identity function
      [](const Tensor& lo, const Tensor& hi, const Tensor& x) {
        return std::make_pair(x, Tensors{lo, hi});  // save bounds as residuals
      },
      [](const Tensors& res, const Tensor& g) {
        // Undefined tensors (JAX's None) are zero cotangents for lo and hi.
        return Tensors{Tensor(), Tensor(), ct::minimum(ct::maximum(g, res[0]), res[1])};
      },
      "clip_gradient");
  const auto sin = [](const Tensor& x) { return ct::sin(x); };
  const auto clip_sin = [clip_gradient](const Tensor& x) {
    return ct::sin(clip_gradient(S(-0.75), S(0.75), x));
  };
  const Tensor t = ct::linspace(0, 10, 1000);
  // The notebook plots these; every 200th of the 1000 points is printed instead.
  const auto every_200th = [](const Tensor& x) { return ct::slice(x, {0}, {1000}, {200}); };
  std::cout << "t[::200]                       " << every_200th(t) << "\n";
  std::cout << "sin(t)[::200]                  " << every_200th(ct::sin(t)) << "\n";
  std::cout << "vmap(grad(sin))(t)[::200]      " << every_200th(ct::vmap(ct::grad(sin))(t)) << "\n";
  std::cout << "clip_sin(t)[::200]             " << every_200th(clip_sin(t)) << "\n";
  std::cout << "vmap(grad(clip_sin))(t)[::200] "
            << every_200th(ct::vmap(ct::grad(clip_sin))(t)) << "\n";
}

// fixed_point(f, a, x_guess): iterates x <- f(a, x) in a while_loop until |x_prev - x| <=
// 1e-6, as the notebook's lax.while_loop. The parameter `a` is a list of tensors (a pytree),
// as the notebook's tuple (a, x_star, x_star_bar) in the backward pass.
using Update = std::function<Tensor(const Tensors&, const Tensor&)>;

Tensor IterateToFixedPoint(const Update& f, const Tensors& a, const Tensor& x_guess) {
  using Carry = std::pair<Tensor, Tensor>;  // (x_prev, x)
  const Carry out = ct::while_loop(
      [](const Carry& c) { return ct::max(ct::abs(c.first - c.second)) > 1e-6; },
      [&](const Carry& c) { return Carry{c.second, f(a, c.second)}; },
      Carry{x_guess, f(a, x_guess)});
  return out.second;
}

// fixed_point with the implicit-function VJP, as custom_vjp with nondiff_argnums=(0,): f is
// captured instead. The backward pass is itself a fixed point, of u -> x_star_bar + u A, whose
// parameter is (a..., x_star, x_star_bar). bwd returns one cotangent per argument: the list
// a's, and none (zero) for x_guess, as the notebook's (a_bar, jnp.zeros_like(x_star)).
std::function<Tensor(const Tensors&, const Tensor&)> FixedPoint(const Update& f) {
  return ct::custom_vjp(
      [f](const Tensors& a, const Tensor& x_guess) { return IterateToFixedPoint(f, a, x_guess); },
      [f](const Tensors& a, const Tensor& x_init) {
        const Tensor x_star = FixedPoint(f)(a, x_init);
        return std::make_pair(x_star, std::make_pair(a, x_star));
      },
      [f](const std::pair<Tensors, Tensor>& res, const Tensor& x_star_bar) {
        const auto& [a, x_star] = res;
        auto [_, vjp_a] = ct::vjp([&](const Tensors& a) { return f(a, x_star); }, a);
        const size_t n = a.size();
        const Update rev_iter = [f, n](const Tensors& packed, const Tensor& u) {
          const Tensors a(packed.begin(), packed.begin() + n);  // then x_star, x_star_bar
          auto [_, vjp_x] = ct::vjp([&](const Tensor& x) { return f(a, x); }, packed[n]);
          return packed[n + 1] + vjp_x(u)[0];
        };
        Tensors packed = a;
        packed.push_back(x_star);
        packed.push_back(x_star_bar);
        const Tensor w = FixedPoint(rev_iter)(packed, x_star_bar);
        return std::make_tuple(std::get<0>(vjp_a(w)), ct::zeros_like(x_star));
      },
      "fixed_point");
}

void ImplicitDifferentiation() {
  Header(3, "Python debugging");
  std::cout << "(The notebook defers this example to the custom_vjp section below.)\n";
  Header(3, "Implicit function differentiation of iterative implementations");
  const Update update = [](const Tensors& a, const Tensor& x) { return 0.5 * (x + a[0] / x); };
  const auto newton_sqrt_loop = [update](const Tensor& a) {
    return IterateToFixedPoint(update, {a}, a);
  };
  std::cout << newton_sqrt_loop(S(2.)) << "\n";
  std::cout << ct::vmap(newton_sqrt_loop)(ct::tensor({1., 2., 3., 4.}, {4})) << "\n";
  std::cout << ct::jit(newton_sqrt_loop)(S(2.)) << "\n";
  try {
    ct::grad(newton_sqrt_loop)(S(2.));
  } catch (const ct::Error& e) {
    std::cout << "grad through the while_loop: " << e.what() << "\n";
  }
  const auto newton_sqrt = [update](const Tensor& a) { return FixedPoint(update)({a}, a); };
  std::cout << newton_sqrt(S(2.)) << "\n";
  std::cout << ct::grad(newton_sqrt)(S(2.)) << "\n";
  std::cout << ct::grad(ct::grad(newton_sqrt))(S(2.)) << "\n";
  const auto sqrt = [](const Tensor& x) { return ct::sqrt(x); };
  std::cout << ct::grad(sqrt)(S(2.)) << "\n" << ct::grad(ct::grad(sqrt))(S(2.)) << "\n";
  // The same root found by lax.custom_root (the notebook's pointer for this pattern): solve
  // iterates Newton's update on f(x) = x^2 - a, tangent_solve divides by f's derivative.
  const auto root_sqrt = [update](const Tensor& a) {
    return ct::custom_root(
        [&](const Tensor& x) { return x * x - a; }, a,
        [&](const auto&, const Tensor& x0) { return IterateToFixedPoint(update, {a}, x0); },
        [](const auto& g, const Tensor& y) { return y / g(ct::ones_like(y)); });
  };
  std::cout << "custom_root: " << root_sqrt(S(2.)) << " " << ct::grad(root_sqrt)(S(2.)) << " "
            << ct::grad(ct::grad(root_sqrt))(S(2.)) << "\n";
  // The notebook's other example of a function-valued argument, jax.experimental.ode.odeint:
  // a custom_vjp whose backward pass integrates the adjoint system. y' = -k y, y(1) = e^-k.
  const auto decay = [](const Tensor& y, const Tensor&, const Tensors& args) {
    return -args[0] * y;
  };
  const auto y_end = [&](const Tensor& k) {
    return ct::odeint(decay, ct::scalar(1., ct::f64), ct::linspace(0., 1., 2, ct::f64), {k})[1];
  };
  const Tensor k = ct::scalar(2., ct::f64);
  std::cout << "odeint: y(1) = " << y_end(k) << ", dy(1)/dk = " << ct::grad(y_end)(k)
            << " (closed form: " << std::exp(-2.) << ", " << -std::exp(-2.) << ")\n";
}

void CustomJvpBasics() {
  Header(2, "Basic usage of jax.custom_jvp and jax.custom_vjp APIs");
  Header(3, "Use jax.custom_jvp to define forward-mode (and, indirectly, reverse-mode) rules");
  auto f = ct::custom_jvp([](const Tensor& x) { return ct::sin(x); },
                          [](const Tensors& primals, const Tensors& tangents) {
                            const Tensor &x = primals[0], &t = tangents[0];
                            return std::make_pair(ct::sin(x), ct::cos(x) * t);
                          });
  std::cout << f(S(3.)) << "\n";
  const auto [y, y_dot] = ct::jvp(f, {S(3.)}, {S(1.)});
  std::cout << y << "\n" << y_dot << "\n";
  std::cout << ct::grad(f)(S(3.)) << "\n" << ct::grad(ct::grad(f))(S(3.)) << "\n";

  auto f2 = ct::custom_jvp(
      [](const Tensor& x, const Tensor& y) { return ct::square(x) * y; },
      [](const Tensors& p, const Tensors& t) {
        const Tensor &x = p[0], &y = p[1], &x_dot = t[0], &y_dot = t[1];
        const Tensor primal_out = ct::square(x) * y;
        const Tensor tangent_out = 2. * x * y * x_dot + ct::square(x) * y_dot;
        return std::make_pair(primal_out, tangent_out);
      });
  std::cout << ct::grad(f2)(S(2.), S(3.)) << "\n";
  std::cout << ct::grad(f2, 0)(S(2.), S(3.)) << "  # same as above\n";
  std::cout << ct::grad(f2, 1)(S(2.), S(3.)) << "\n";

  // A rule that calls the custom function itself for the primal output, as JAX's f_jvp calls
  // f: each order of differentiation then uses the rule. The prints trace the calls.
  std::function<Tensor(const Tensor&)> f_ref;
  auto g = ct::custom_jvp(
      [](const Tensor& x) {
        std::cout << "called f!\n";  // a harmless side-effect
        return ct::sin(x);
      },
      [&f_ref](const Tensors& primals, const Tensors& tangents) {
        std::cout << "called f_jvp!\n";  // a harmless side-effect
        return std::make_pair(f_ref(primals[0]), ct::cos(primals[0]) * tangents[0]);
      });
  f_ref = g;
  std::cout << g(S(3.)) << "\n";
  std::cout << ct::vmap(g)(ct::arange(0., 3., 1.)) << "\n";
  std::cout << ct::jvp(g, {S(3.)}, {S(1.)}).second << "\n";
  std::cout << ct::grad(g)(S(3.)) << "\n";
  std::cout << ct::grad(ct::grad(g))(S(3.)) << "\n";

  // Python control flow: the branch reads the primal on the host with item(), which works
  // where it is concrete (here, first-order grad) and throws for a traced value, as JAX's
  // `if x > 0` does under jit.
  auto h = ct::custom_jvp(
      [](const Tensor& x) { return x.item<float>() > 0 ? ct::sin(x) : ct::cos(x); },
      [](const Tensors& p, const Tensors& t) {
        const Tensor ans = p[0].item<float>() > 0 ? ct::sin(p[0]) : ct::cos(p[0]);
        return std::make_pair(ans, (p[0].item<float>() > 0 ? 2. : 3.) * t[0]);
      });
  std::cout << ct::grad(h)(S(1.)) << "\n" << ct::grad(h)(S(-1.)) << "\n";
}

void CustomVjpBasics() {
  Header(3, "Use jax.custom_vjp to define custom reverse-mode-only rules");
  auto f = ct::custom_vjp([](const Tensor& x) { return ct::sin(x); },
                          [](const Tensor& x) { return std::make_pair(ct::sin(x), Tensors{ct::cos(x)}); },
                          [](const Tensors& cos_x, const Tensor& y_bar) {
                            return Tensors{cos_x[0] * y_bar};
                          });
  std::cout << f(S(3.)) << "\n" << ct::grad(f)(S(3.)) << "\n";

  auto f2 = ct::custom_vjp(
      [](const Tensor& x, const Tensor& y) { return ct::sin(x) * y; },
      [](const Tensor& x, const Tensor& y) {
        return std::make_pair(ct::sin(x) * y, Tensors{ct::cos(x), ct::sin(x), y});
      },
      [](const Tensors& res, const Tensor& g) {
        return Tensors{res[0] * g * res[2], res[1] * g};
      });
  std::cout << ct::grad(f2)(S(2.), S(3.)) << "\n";

  std::function<Tensor(const Tensor&)> f_ref;
  auto g = ct::custom_vjp(
      [](const Tensor& x) {
        std::cout << "called f!\n";
        return ct::sin(x);
      },
      [&f_ref](const Tensor& x) {
        std::cout << "called f_fwd!\n";
        return std::make_pair(f_ref(x), Tensors{ct::cos(x)});
      },
      [](const Tensors& cos_x, const Tensor& y_bar) {
        std::cout << "called f_bwd!\n";
        return Tensors{cos_x[0] * y_bar};
      },
      "f");
  f_ref = g;
  std::cout << g(S(3.)) << "\n";
  std::cout << ct::grad(g)(S(3.)) << "\n";
  auto [y, f_vjp] = ct::vjp(g, S(3.));
  std::cout << y << "\n";
  const Tensor x_bar = f_vjp(S(1.))[0];
  std::cout << "(" << x_bar << ",)\n";
  try {
    ct::jvp(g, {S(3.)}, {S(1.)});
  } catch (const ct::Error& e) {
    std::cout << "ERROR! " << e.what() << "\n";
  }

  // pdb in the backward pass becomes a print: bwd sees the residual and the cotangent.
  auto debug = ct::custom_vjp(
      [](const Tensor& x) { return x; },  // acts like identity
      [](const Tensor& x) { return std::make_pair(x, Tensors{x}); },
      [](const Tensors& x, const Tensor& g) {
        std::cout << "(in debug_bwd) x = " << x[0] << ", g = " << g << "\n";
        return Tensors{g};
      },
      "debug");
  const auto foo = [debug](const Tensor& x) {
    Tensor y = ct::square(x);
    y = debug(y);  // print in the corresponding backward pass step
    return ct::sin(y);
  };
  const Tensor foo_bar = ct::grad(foo)(S(3.));
  std::cout << "grad(foo)(3.) = " << foo_bar << "\n";
}

void MoreFeatures() {
  Header(2, "More features and details");
  Header(3, "Working with list / tuple / dict containers (and other pytrees)");
  // The notebook's Point namedtuple and {'a': ..., 'b': (..., ...)} dict are structs here.
  const auto f_py = [](const Point& pt) {
    return Dict{ct::square(pt.x), {ct::sin(pt.x), ct::cos(pt.y)}};
  };
  auto f = ct::custom_jvp(f_py, [f_py](const auto& primals, const auto& tangents) {
    const auto& [pt] = primals;
    const auto& [pt_dot] = tangents;
    const Dict ans = f_py(pt);
    const Dict ans_dot{2. * pt.x * pt_dot.x,
                       {ct::cos(pt.x) * pt_dot.x, -ct::sin(pt.y) * pt_dot.y}};
    return std::make_pair(ans, ans_dot);
  });
  const auto fun = [](const auto& f) {
    return [f](const Point& pt) {
      const Dict dct = f(pt);
      return dct.a + dct.b.first;
    };
  };
  const Point pt{S(1.), S(2.)};
  std::cout << f(pt) << "\n" << ct::grad(fun(f))(pt) << "\n";
  auto f_vjp = ct::custom_vjp(
      f_py, [f_py](const Point& pt) { return std::make_pair(f_py(pt), pt); },
      [](const Point& pt, const Dict& g) {
        const Tensor x_bar = 2. * pt.x * g.a + ct::cos(pt.x) * g.b.first;
        const Tensor y_bar = -ct::sin(pt.y) * g.b.second;
        return std::make_tuple(Point{x_bar, y_bar});
      });
  std::cout << f_vjp(pt) << "\n" << ct::grad(fun(f_vjp))(pt) << "\n";

  Header(3, "Handling non-differentiable arguments");
  std::cout << "(nondiff_argnums: in C++ a non-differentiable argument such as a function is\n"
               "captured by the lambdas, so app(f, x) becomes one custom function per f)\n";
  const auto cube = [](const Tensor& x) { return x * x * x; };
  const auto times5 = [](const Tensor& y) { return 5. * y; };
  auto app_cube = ct::custom_jvp(cube, [cube](const Tensors& p, const Tensors& t) {
    return std::make_pair(cube(p[0]), 2. * t[0]);
  });
  std::cout << app_cube(S(3.)) << "\n" << ct::grad(app_cube)(S(3.)) << "\n";
  const auto app2_f = [cube, times5](const Tensor& x) { return cube(times5(x)); };
  auto app2 = ct::custom_jvp(app2_f, [app2_f](const Tensors& p, const Tensors& t) {
    return std::make_pair(app2_f(p[0]), 3. * t[0]);
  });
  std::cout << app2(S(3.)) << "\n" << ct::grad(app2)(S(3.)) << "\n";
  const auto square = [](const Tensor& x) { return ct::square(x); };
  auto app_vjp = ct::custom_vjp(
      square, [square](const Tensor& x) { return std::make_pair(square(x), Tensors{x}); },
      [](const Tensors&, const Tensor& g) { return Tensors{5. * g}; });
  std::cout << app_vjp(S(4.)) << "\n" << ct::grad(app_vjp)(S(4.)) << "\n";
}

}  // namespace

void CustomDerivatives() {
  TlDr();
  NumericalStability();
  DifferentiationConvention();
  GradientClipping();
  ImplicitDifferentiation();
  CustomJvpBasics();
  CustomVjpBasics();
  MoreFeatures();
}

}  // namespace cookbook
