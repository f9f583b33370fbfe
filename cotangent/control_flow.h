// File: cotangent/control_flow.h
// Structured control flow (JAX's lax.cond, lax.switch, lax.while_loop, lax.fori_loop,
// lax.scan, lax.map) over containers of tensors. Each traces its functions once into
// programs and binds one primitive (interpreters/control_flow.h), so that a branch on a value
// that is batched under vmap or abstract under jit works, and a loop of 10^4 steps is one
// equation under grad, not 10^4:
//
//   Tensor y = cond(x > 0, [](Tensor x) { return sin(x); }, [](Tensor x) { return cos(x); }, x);
//   auto out = while_loop([](const State& s) { return s.i < 10; }, step, init);
//   auto [h, ys] = scan([&](Tensor h, Tensor x) { return std::pair{tanh(h + x), h}; }, h0, xs);
//
// Semantics and the rules: docs/control_flow.md.

#ifndef COTANGENT_COTANGENT_CONTROL_FLOW_H_
#define COTANGENT_COTANGENT_CONTROL_FLOW_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/creation.h"
#include "cotangent/transforms.h"
#include "cotangent/tree.h"
#include "interpreters/control_flow.h"

namespace cotangent {

// scan's options (lax.scan's length, reverse and unroll).
struct ScanOptions {
  std::optional<int64_t> length;  // required when xs holds no tensor
  bool reverse = false;           // from the last row of xs to the first (ys keep their order)
  int64_t unroll = 1;             // steps per iteration of the compiled loop (jit), >= 1
};

namespace internal {

// Throws "<op>: <what> returns <structure> but <other> is <structure>" unless a and b have one
// structure.
template <typename A, typename B>
void CheckSameStructure(const char* op, const char* what, const A& a, const char* other,
                        const B& b) {
  std::string sa, sb;
  TreeStructure(a, sa);
  TreeStructure(b, sb);
  if (sa != sb) ThrowInvalid(op, ": ", what, " returns ", sa, " but ", other, " is ", sb);
}

// cond's predicate as switch's index: a bool or integer scalar, nonzero = true = branch 1.
Tensor PredicateIndex(const char* op, const Tensor& pred);
// switch's index: an integer scalar.
Tensor BranchIndex(const char* op, const Tensor& index);

}  // namespace internal

// branches[clamp(index, 0, n - 1)](operands...) (lax.switch): every branch is traced once, all
// must return one structure of the same types. Branches of different lambda types go in a
// std::vector<std::function<Out(const Args&...)>>.
template <typename F, typename... Args>
auto switch_(const Tensor& index, const std::vector<F>& branches, const Args&... operands) {
  using Out = internal::ResultOf<F, Args...>;
  if (branches.empty()) ThrowInvalid("switch: no branches");
  const internal::FlatArgs<Args...> flat(operands...);
  std::vector<std::optional<Out>> out_like(branches.size());
  std::vector<FlatFn> flat_branches;
  for (size_t b = 0; b < branches.size(); ++b) {
    flat_branches.push_back([&, b](const std::vector<Tensor>& leaves) {
      return internal::CallFlat(branches[b], flat.Rebuild(leaves), out_like[b]);
    });
  }
  const std::vector<Tensor> out =
      SwitchFlat(internal::BranchIndex("switch", index), flat_branches, flat.leaves);
  for (size_t b = 1; b < branches.size(); ++b) {
    internal::CheckSameStructure("switch", ("branch " + std::to_string(b)).c_str(), *out_like[b],
                                 "branch 0's result", *out_like[0]);
  }
  return TreeUnflatten(*out_like[0], out);
}
template <typename F, typename... Args>
auto switch_(const Tensor& index, std::initializer_list<F> branches, const Args&... operands) {
  return switch_(index, std::vector<F>(branches), operands...);
}

// on_true(operands...) if pred else on_false(operands...) (lax.cond): pred is a bool or
// integer scalar; both branches are traced, and must return one structure of the same types.
template <typename T, typename F, typename... Args>
auto cond(const Tensor& pred, const T& on_true, const F& on_false, const Args&... operands) {
  using Out = internal::ResultOf<T, Args...>;
  static_assert(std::is_same_v<Out, internal::ResultOf<F, Args...>>,
                "cond: both branches must return the same type");
  const std::vector<std::function<Out(const Args&...)>> branches{on_false, on_true};
  return switch_(internal::PredicateIndex("cond", pred), branches, operands...);
}

// carry = body(carry) while cond(carry) (lax.while_loop): cond returns a bool scalar, body
// the carry's structure and types. Forward-differentiable (jvp, jacfwd); reverse mode is an
// error, as in JAX (use scan or fori_loop with static bounds).
template <typename C, typename B, typename T>
T while_loop(const C& cond_fn, const B& body_fn, const T& init) {
  const FlatFn flat_cond = [&](const std::vector<Tensor>& leaves) {
    return std::vector<Tensor>{cond_fn(TreeUnflatten(init, leaves))};
  };
  const FlatFn flat_body = [&](const std::vector<Tensor>& leaves) {
    const T out = body_fn(TreeUnflatten(init, leaves));
    internal::CheckSameStructure("while_loop", "body_fun", out, "the carry", init);
    return TreeLeaves(out);
  };
  return TreeUnflatten(init, WhileFlat(flat_cond, flat_body, TreeLeaves(init)));
}

// (carry, ys): carry, y = f(carry, x) for each row x of xs (their leading axes), ys the y's
// stacked (lax.scan). xs and ys are any containers; f returns std::pair<Carry, Y>.
template <typename F, typename Carry, typename Xs>
auto scan(const F& f, const Carry& init, const Xs& xs, ScanOptions options = {}) {
  using Result = internal::ResultOf<F, Carry, Xs>;
  using Y = std::decay_t<decltype(std::declval<Result>().second)>;
  const std::vector<Tensor> init_leaves = TreeLeaves(init);
  const size_t num_carry = init_leaves.size();
  std::optional<Y> y_like;
  const FlatFn body = [&](const std::vector<Tensor>& leaves) {
    const std::vector<Tensor> carry_leaves(leaves.begin(), leaves.begin() + num_carry);
    const std::vector<Tensor> x_leaves(leaves.begin() + num_carry, leaves.end());
    Result out = f(TreeUnflatten(init, carry_leaves), TreeUnflatten(xs, x_leaves));
    internal::CheckSameStructure("scan", "the body's carry", out.first, "the initial carry",
                                 init);
    std::vector<Tensor> flat = TreeLeaves(out.first);
    const std::vector<Tensor> ys = TreeLeaves(out.second);
    flat.insert(flat.end(), ys.begin(), ys.end());
    y_like.emplace(std::move(out.second));
    return flat;
  };
  const std::vector<Tensor> out =
      ScanFlat(body, init_leaves, TreeLeaves(xs), options.length, options.reverse, options.unroll);
  return std::pair<Carry, Y>{
      TreeUnflatten(init, std::vector<Tensor>(out.begin(), out.begin() + num_carry)),
      TreeUnflatten(*y_like, std::vector<Tensor>(out.begin() + num_carry, out.end()))};
}

// f over the rows of xs, stacked (lax.map): scan without a carry.
template <typename F, typename Xs>
auto map(const F& f, const Xs& xs) {
  return scan([&](const std::tuple<>&, const Xs& x) { return std::pair{std::tuple<>(), f(x)}; },
              std::tuple<>(), xs)
      .second;
}

// x = body(i, x) for i = lower .. upper - 1 (lax.fori_loop). Static bounds make it a scan, so
// it is reverse-differentiable; i is an i32 scalar. `unroll`: as scan's.
template <typename B, typename T>
T fori_loop(int64_t lower, int64_t upper, const B& body_fn, const T& init, int64_t unroll = 1) {
  using State = std::pair<Tensor, T>;
  const State start{scalar(static_cast<double>(lower), i32), init};
  const auto step = [&](const State& s, const std::tuple<>&) {
    return std::pair{State{s.first + scalar(1, i32), body_fn(s.first, s.second)},
                     std::tuple<>()};
  };
  return scan(step, start, std::tuple<>(),
              {.length = std::max<int64_t>(upper - lower, 0), .unroll = unroll})
      .first.second;
}

// fori_loop with bounds that are tensors (i32 scalars, possibly traced): a while_loop, so
// forward-differentiable only, as in JAX.
template <typename B, typename T>
T fori_loop(const Tensor& lower, const Tensor& upper, const B& body_fn, const T& init) {
  using State = std::tuple<Tensor, Tensor, T>;
  const State start{internal::BranchIndex("fori_loop", lower),
                    internal::BranchIndex("fori_loop", upper), init};
  const State out = while_loop(
      [](const State& s) { return std::get<0>(s) < std::get<1>(s); },
      [&](const State& s) {
        return State{std::get<0>(s) + scalar(1, i32), std::get<1>(s),
                     body_fn(std::get<0>(s), std::get<2>(s))};
      },
      start);
  return std::get<2>(out);
}

// Tag for custom_linear_solve: matvec is its own transpose (a symmetric matrix), and solve
// solves the transposed system too unless a transpose_solve is given.
struct Symmetric {};
inline constexpr Symmetric symmetric{};

namespace internal {

// A linear function (custom_linear_solve's matvec, custom_root's linearized f) as the solvers
// see it: a function of b's container type.
template <typename B>
using LinearFn = std::function<B(const B&)>;

template <typename... Options>
inline constexpr bool kIsSymmetric = (std::is_same_v<Options, Symmetric> || ...);

// f : B -> B as a flat function, its result checked to have like's structure.
template <typename B, typename F>
FlatFn FlatLinear(const char* op, const char* what, const F& f, const B& like,
                  const char* like_name) {
  return [op, what, &f, &like, like_name](const std::vector<Tensor>& leaves) {
    const auto out = f(TreeUnflatten(like, leaves));
    CheckSameStructure(op, what, out, like_name, like);
    return TreeLeaves(out);
  };
}

// solve(linear, b) over containers like `like` as a SolveFn: x's leaves, then (kAux: solve
// returns std::pair(x, aux)) aux's, whose structure aux_like keeps.
template <bool kAux, typename B, typename S, typename Aux>
SolveFn FlatSolver(const char* op, const char* what, const S& solve, const B& like,
                   const char* like_name, std::optional<Aux>& aux_like) {
  return [op, what, &solve, &like, like_name, &aux_like](const FlatFn& linear,
                                                         const std::vector<Tensor>& leaves) {
    const LinearFn<B> fn = [&](const B& x) { return TreeUnflatten(like, linear(TreeLeaves(x))); };
    const auto out = solve(fn, TreeUnflatten(like, leaves));
    if constexpr (kAux) {
      CheckSameStructure(op, what, out.first, like_name, like);
      std::vector<Tensor> flat = TreeLeaves(out.first);
      const std::vector<Tensor> aux = TreeLeaves(out.second);
      flat.insert(flat.end(), aux.begin(), aux.end());
      aux_like.emplace(out.second);
      return flat;
    } else {
      CheckSameStructure(op, what, out, like_name, like);
      return TreeLeaves(out);
    }
  };
}

// What solve returns besides x with has_aux (std::tuple<> without).
template <bool kAux, typename S, typename B>
struct AuxOf {
  using type = std::tuple<>;
};
template <typename S, typename B>
struct AuxOf<true, S, B> {
  using type = typename ResultOf<S, LinearFn<B>, B>::second_type;
};

// x, or (x, aux) with kAux, from a solve's leaves.
template <bool kAux, typename B, typename Aux>
auto SolutionOf(const B& like, const std::vector<Tensor>& out, const std::optional<Aux>& aux_like) {
  const size_t n = TreeLeaves(like).size();
  B x = TreeUnflatten(like, std::vector<Tensor>(out.begin(), out.begin() + n));
  if constexpr (kAux) {
    return std::pair<B, Aux>(
        std::move(x), TreeUnflatten(*aux_like, std::vector<Tensor>(out.begin() + n, out.end())));
  } else {
    return x;
  }
}

// The flat core of custom_root: solve(f, guess)'s leaves (x, then aux), differentiated by the
// implicit function theorem with tangent_solve (cotangent/control_flow.cc).
std::vector<Tensor> RootFlat(const FlatFn& f, const std::vector<Tensor>& guess,
                             const SolveFn& solve, const SolveFn& tangent_solve);

}  // namespace internal

// x = solve(matvec, b), differentiated as the solution of the square system matvec(x) = b
// rather than through solve (lax.custom_linear_solve): solve need not be differentiable (a
// while_loop), and the derivative costs one more solve. matvec is a linear function of b's
// container type, solve(matvec, b) and transpose_solve(vecmat, b) return x of that type.
// Options after solve, in order: transpose_solve (needed by reverse mode), symmetric (matvec
// is its own transpose; solve serves as transpose_solve), has_aux (the solves return
// std::pair(x, aux), and so does this; aux gets zero derivatives).
//   Tensor x = custom_linear_solve([&](const Tensor& v) { return matmul(a, v); }, b,
//                                  [&](const auto& matvec, const Tensor& b) { return cg(...); },
//                                  symmetric);
template <typename M, typename B, typename S, typename... Options>
auto custom_linear_solve(const M& matvec, const B& b, const S& solve, const Options&... options) {
  constexpr bool kAux = internal::kHasAux<Options...>;
  constexpr bool kSymmetric = internal::kIsSymmetric<Options...>;
  using Aux = typename internal::AuxOf<kAux, S, B>::type;
  constexpr const char* kOp = "custom_linear_solve";
  std::optional<Aux> aux_like;
  SolveFn transpose_solve;
  [[maybe_unused]] const auto option = [&](const auto& o) {
    using O = std::decay_t<decltype(o)>;
    if constexpr (!std::is_same_v<O, HasAux> && !std::is_same_v<O, Symmetric>) {
      transpose_solve = internal::FlatSolver<kAux>(kOp, "transpose_solve", o, b, "b", aux_like);
    }
  };
  (option(options), ...);
  const std::vector<Tensor> out =
      LinearSolveFlat(internal::FlatLinear(kOp, "matvec", matvec, b, "b"), TreeLeaves(b),
                      internal::FlatSolver<kAux>(kOp, "solve", solve, b, "b", aux_like),
                      transpose_solve, kSymmetric);
  return internal::SolutionOf<kAux>(b, out, aux_like);
}

// A root x of f(x) = 0 found by solve(f, initial_guess), differentiated by the implicit
// function theorem rather than through solve (lax.custom_root): for f closing over parameters
// m, x'(m) = -(d_x f)^-1 (d_m f) m', the inverse applied by tangent_solve(g, y), which solves
// the linear g(x) = y (g: f linearized at the root). f maps initial_guess's container type to
// itself; with has_aux after tangent_solve, solve returns std::pair(x, aux), and so does this.
// The initial guess gets no derivative.
//   Tensor r = custom_root([&](const Tensor& y) { return y * y - a; }, scalar(1.0), newton,
//                          [](const auto& g, const Tensor& y) { return y / g(scalar(1.0)); });
template <typename F, typename T, typename S, typename TS, typename... Options>
auto custom_root(const F& f, const T& initial_guess, const S& solve, const TS& tangent_solve,
                 const Options&...) {
  static_assert(((std::is_same_v<Options, HasAux>)&&...), "custom_root: options are has_aux");
  constexpr bool kAux = internal::kHasAux<Options...>;
  using Aux = typename internal::AuxOf<kAux, S, T>::type;
  constexpr const char* kOp = "custom_root";
  std::optional<Aux> aux_like;
  std::optional<std::tuple<>> no_aux;
  constexpr const char* kGuess = "initial_guess";
  const std::vector<Tensor> out = internal::RootFlat(
      internal::FlatLinear(kOp, "f", f, initial_guess, kGuess), TreeLeaves(initial_guess),
      internal::FlatSolver<kAux>(kOp, "solve", solve, initial_guess, kGuess, aux_like),
      internal::FlatSolver<false>(kOp, "tangent_solve", tangent_solve, initial_guess, kGuess,
                                  no_aux));
  return internal::SolutionOf<kAux>(initial_guess, out, aux_like);
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CONTROL_FLOW_H_
