// File: cotangent/transforms.h
// The transformations on C++ callables: grad, value_and_grad, jvp, vjp, linearize, jacfwd,
// jacrev, hessian, stop_gradient, make_jaxpr, eval_shape and named_call (custom_jvp and
// custom_vjp: cotangent/custom_derivatives.h). Each flattens its arguments (cotangent/tree.h),
// runs the flat core (interpreters/autodiff.h) and rebuilds the caller's structures, so they
// compose in any order and to any depth.

#ifndef COTANGENT_COTANGENT_TRANSFORMS_H_
#define COTANGENT_COTANGENT_TRANSFORMS_H_

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "core/tensor.h"
#include "cotangent/tree.h"
#include "interpreters/autodiff.h"
#include "interpreters/batching.h"
#include "interpreters/call.h"

namespace cotangent {

// Tag for the has_aux variants: grad(f, 0, has_aux) where f returns std::pair<Tensor, Aux>.
struct HasAux {};
inline constexpr HasAux has_aux{};

// Tag for JAX's holomorphic=True: grad(f, holomorphic), jacfwd(f, 0, holomorphic) of a complex
// function of complex inputs give its complex derivative f'(z). Without it, complex inputs
// are pairs of reals: grad of a real f gives df/dx - i df/dy (JAX's convention, the conjugate
// of the steepest-ascent direction), and a complex output is an Error.
struct Holomorphic {};
inline constexpr Holomorphic holomorphic{};

// Tag for JAX's allow_int=True: grad(f, allow_int), value_and_grad and jacrev give an integer
// or bool argument they differentiate a float0 zero gradient of its shape instead of an Error
// (float0: core/dtype.h). The function's output must still be floating.
struct AllowInt {};
inline constexpr AllowInt allow_int{};

namespace internal {

// The options grad's family takes after the function and argnums, in any order: has_aux
// (compile time: it changes the result's type), holomorphic, allow_int.
template <typename T>
concept GradTag =
    std::is_same_v<T, HasAux> || std::is_same_v<T, Holomorphic> || std::is_same_v<T, AllowInt>;
// The Jacobians' options: holomorphic, allow_int (jacrev only).
template <typename T>
concept JacobianTag = std::is_same_v<T, Holomorphic> || std::is_same_v<T, AllowInt>;

struct GradFlags {
  bool holomorphic = false;
  bool allow_int = false;
};
template <typename... Tags>
constexpr GradFlags FlagsOf() {
  return {(std::is_same_v<Tags, Holomorphic> || ...), (std::is_same_v<Tags, AllowInt> || ...)};
}
template <typename... Tags>
inline constexpr bool kHasAux = (std::is_same_v<Tags, HasAux> || ...);

// Arguments flattened into one list of tensors, remembering where each argument starts.
template <typename... Args>
struct FlatArgs {
  std::tuple<Args...> like;
  std::vector<Tensor> leaves;
  std::vector<size_t> offsets;  // offsets[i]..offsets[i+1] are argument i's leaves

  explicit FlatArgs(const Args&... args) : like(args...) {
    offsets.push_back(0);
    ((TreeTraits<Args>::Flatten(args, leaves), offsets.push_back(leaves.size())), ...);
  }
  // The arguments rebuilt from (traced) leaves.
  std::tuple<Args...> Rebuild(const std::vector<Tensor>& values) const {
    const Tensor* it = values.data();
    return std::apply(
        [&](const auto&... xs) {
          return std::tuple<Args...>{TreeTraits<std::decay_t<decltype(xs)>>::Unflatten(xs, it)...};
        },
        like);
  }
  // argnum a as an index: negative counts from the end, as in JAX; throws when out of range.
  static int Argnum(const char* op, int a) {
    constexpr int n = static_cast<int>(sizeof...(Args));
    if (a < -n || a >= n) {
      ThrowInvalid(op, ": argnum ", a, " out of range for a function of ", n, " arguments");
    }
    return a < 0 ? a + n : a;
  }
  // Flags the leaves of the arguments in argnums; throws for an argnum out of range.
  std::vector<bool> Select(const char* op, const std::vector<int>& argnums) const {
    std::vector<bool> wrt(leaves.size(), false);
    for (int argnum : argnums) {
      const int a = Argnum(op, argnum);
      for (size_t i = offsets[a]; i < offsets[a + 1]; ++i) wrt[i] = true;
    }
    return wrt;
  }
  // Argument `a` rebuilt from the cotangents of the selected leaves (`grads`, in order).
  template <size_t A>
  auto ArgFrom(const std::vector<bool>& wrt, const std::vector<Tensor>& grads) const {
    size_t k = 0;
    for (size_t i = 0; i < offsets[A]; ++i) k += wrt[i];
    std::vector<Tensor> mine(grads.begin() + k, grads.begin() + k + (offsets[A + 1] - offsets[A]));
    return TreeUnflatten(std::get<A>(like), mine);
  }
};

// Calls f on a tuple of arguments and flattens its result; `out_like` keeps the structure.
template <typename F, typename Tuple, typename Out>
std::vector<Tensor> CallFlat(const F& f, const Tuple& args, std::optional<Out>& out_like) {
  Out out = std::apply(f, args);
  std::vector<Tensor> leaves = TreeLeaves(out);
  out_like.emplace(std::move(out));
  return leaves;
}

template <typename F, typename... Args>
using ResultOf = std::decay_t<std::invoke_result_t<const F&, const Args&...>>;

// f traced into a program of its flattened arguments (every primitive staged), with one output
// of f kept to rebuild results in its structure.
template <typename Out>
struct Staged {
  ClosedProgram program;
  Out out_like;
  std::vector<Tensor> args;  // the flattened arguments
};
template <typename F, typename... Args>
Staged<ResultOf<F, Args...>> Stage(const F& f, const Args&... args) {
  FlatArgs<Args...> flat(args...);
  std::optional<ResultOf<F, Args...>> out_like;
  const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
    return CallFlat(f, flat.Rebuild(leaves), out_like);
  };
  std::vector<ShapedArray> avals;
  for (const Tensor& x : flat.leaves) avals.push_back(x.aval());
  ClosedProgram program = MakeJaxprFlat(flat_f, avals);
  return {std::move(program), *std::move(out_like), std::move(flat.leaves)};
}

// The scalar loss out of f's result (the first element of a has_aux pair): real, or complex
// when holomorphic.
inline const Tensor& CheckScalarOutput(const char* op, const Tensor& y, bool holomorphic) {
  const bool complex = IsComplex(y.dtype());
  if (y.ndim() == 0 && (holomorphic ? complex : IsFloating(y.dtype()))) return y;
  if (y.ndim() == 0 && complex) {
    ThrowInvalid(op, ": requires a real-valued output, got ", y.aval().ToString(),
                 "; for a holomorphic function pass holomorphic");
  }
  ThrowInvalid(op, ": function output must be a ", holomorphic ? "complex" : "floating-point",
               " scalar", holomorphic ? " (holomorphic)" : "", ", got ", y.aval().ToString());
}

// holomorphic's inputs: the differentiated ones must be complex (JAX's check).
inline void CheckHolomorphicInputs(const char* op, const std::vector<Tensor>& leaves,
                                   const std::vector<bool>& wrt) {
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (wrt[i] && !IsComplex(leaves[i].dtype())) {
      ThrowInvalid(op, ": with holomorphic, inputs must be complex, got input ", i, " of type ",
                   leaves[i].aval().ToString());
    }
  }
}

// The cotangents of every value from those of the floating ones (in order): float0 zeros for
// the integers and bools between them.
std::vector<Tensor> WithFloat0(const std::vector<Tensor>& floating,
                               const std::vector<Tensor>& values);

// value_and_grad core: returns (f's result, the gradients of the selected leaves). With
// allow_int the integer and bool leaves selected are not differentiated: theirs are float0 zeros.
template <bool kAux, typename F, typename... Args>
auto ValueAndGradFlat(const char* op, const F& f, const std::vector<int>& argnums,
                      const FlatArgs<Args...>& flat, GradFlags flags) {
  using Out = ResultOf<F, Args...>;
  std::optional<Out> out_like;
  const std::vector<bool> wrt = flat.Select(op, argnums);
  if (flags.holomorphic) CheckHolomorphicInputs(op, flat.leaves, wrt);
  std::vector<bool> differentiated = wrt;
  std::vector<Tensor> selected;  // the leaves whose gradients are returned, in order
  for (size_t i = 0; i < wrt.size(); ++i) {
    if (!wrt[i]) continue;
    selected.push_back(flat.leaves[i]);
    if (flags.allow_int) differentiated[i] = IsInexact(flat.leaves[i].dtype());
  }
  const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
    return CallFlat(f, flat.Rebuild(leaves), out_like);
  };
  Linearized lin = LinearizeFlat(op, flat_f, flat.leaves, differentiated, /*reverse=*/true);
  Out value = TreeUnflatten(*out_like, lin.primals_out);
  const Tensor* loss;
  if constexpr (kAux) {
    static_assert(std::is_same_v<std::decay_t<decltype(std::get<0>(value))>, Tensor>,
                  "has_aux: the function must return std::pair<Tensor, Aux>");
    loss = &std::get<0>(value);
  } else {
    static_assert(std::is_same_v<Out, Tensor>, "grad: the function must return a Tensor");
    loss = &value;
  }
  CheckScalarOutput(op, *loss, flags.holomorphic);
  std::vector<Tensor> cts(lin.primals_out.size());
  cts[0] = Full(loss->aval(), 1.0);
  std::vector<Tensor> grads = lin.Transpose(cts);
  if (flags.allow_int) grads = WithFloat0(grads, selected);
  return std::make_pair(std::move(value), std::move(grads));
}

template <typename T, typename... Ts>
inline constexpr bool kAllSame = (std::is_same_v<T, Ts> && ...);

// The gradients of the arguments selected by argnums (chosen at run time, so they must share
// one type), in argnums order.
template <typename... Args, size_t... I>
auto GradsAsArgs(const FlatArgs<Args...>& flat, const std::vector<int>& argnums,
                 const std::vector<bool>& wrt, const std::vector<Tensor>& grads,
                 std::index_sequence<I...>) {
  static_assert(kAllSame<Args...>,
                "grad(f, argnum) picks the argument at run time, so all arguments must have one "
                "type; use grad(f) to differentiate the first argument, whatever its type");
  using T = std::tuple_element_t<0, std::tuple<Args...>>;
  // The selected arguments' cotangents are consecutive in `grads`, in argument order.
  std::vector<T> by_arg(sizeof...(Args));
  ((flat.offsets[I] == flat.offsets[I + 1] || wrt[flat.offsets[I]]
        ? (void)(by_arg[I] = flat.template ArgFrom<I>(wrt, grads))
        : (void)0),
   ...);
  std::vector<T> out;
  for (int a : argnums) out.push_back(by_arg[FlatArgs<Args...>::Argnum("grad", a)]);
  return out;
}

enum class Pick { kFirst, kOne, kMany };

// The grad / value_and_grad family: kPick says how the result's arguments are chosen, kAux
// whether f returns (loss, aux), kValue whether the value is returned too.
template <Pick kPick, bool kAux, bool kValue, typename F>
auto MakeGrad(const char* op, F f, std::vector<int> argnums, GradFlags flags) {
  return [ op, f = std::move(f), argnums = std::move(argnums),
           flags ](const auto&... args) requires std::is_invocable_v<const F&, decltype(args)...> {
    static_assert(sizeof...(args) > 0, "grad: the function needs at least one argument");
    FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    auto [value, grads] = ValueAndGradFlat<kAux>(op, f, argnums, flat, flags);
    const std::vector<bool> wrt = flat.Select(op, argnums);
    auto g = [&] {
      if constexpr (kPick == Pick::kFirst) {
        return flat.template ArgFrom<0>(wrt, grads);
      } else {
        auto all = GradsAsArgs(flat, argnums, wrt, grads,
                               std::index_sequence_for<decltype(args)...>());
        if constexpr (kPick == Pick::kOne) {
          return all[0];
        } else {
          return all;
        }
      }
    }();
    if constexpr (kValue) {
      return std::make_pair(std::move(value), std::move(g));
    } else if constexpr (kAux) {
      return std::make_pair(std::move(g), std::move(value.second));
    } else {
      return g;
    }
  };
}

// One public form of grad (kValue false) or value_and_grad (true) with its option tags.
template <Pick kPick, bool kValue, typename... Tags, typename F>
auto GradForm(F f, std::vector<int> argnums) {
  return MakeGrad<kPick, kHasAux<Tags...>, kValue>(kValue ? "value_and_grad" : "grad",
                                                   std::move(f), std::move(argnums),
                                                   FlagsOf<Tags...>());
}

template <size_t N, typename F>
constexpr bool InvocableWithN() {
  return []<size_t... I>(std::index_sequence<I...>) {
    return std::is_invocable_v<const F&, decltype((void)I, std::declval<const Tensor&>())...>;
  }(std::make_index_sequence<N>());
}

// The number of Tensor arguments f takes (the smallest that works, up to 8).
template <typename F, size_t N = 0>
constexpr size_t TensorArity() {
  if constexpr (N > 8) {
    static_assert(N <= 8, "function must take between 0 and 8 Tensor arguments");
    return 0;
  } else if constexpr (InvocableWithN<N, F>()) {
    return N;
  } else {
    return TensorArity<F, N + 1>();
  }
}

// f(v[0], ..., v[N-1]) for a function of N tensors; throws when v has another size.
template <typename F>
auto CallWithVector(const char* op, const F& f, const std::vector<Tensor>& v) {
  constexpr size_t N = TensorArity<F>();
  if (v.size() != N) ThrowInvalid(op, ": the function takes ", N, " arguments, got ", v.size());
  return [&]<size_t... I>(std::index_sequence<I...>) { return f(v[I]...); }(std::make_index_sequence<N>());
}

// The standard basis of aval's space stacked along a new leading axis: eye(n) reshaped to
// [n] + shape, n = aval.size().
Tensor BasisStack(const ShapedArray& aval);
// shape a followed by shape b.
Shape JoinShapes(const Shape& a, const Shape& b);

// f linearized at args with respect to every argument: the flattened arguments, the
// linearization (shared, for the closures that outlive this call) and f's result.
template <typename F, typename... Args>
auto LinearizeAll(const char* op, const F& f, bool reverse, const Args&... args) {
  using Out = ResultOf<F, Args...>;
  auto flat = std::make_shared<FlatArgs<Args...>>(args...);
  std::optional<Out> out_like;
  const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
    return CallFlat(f, flat->Rebuild(leaves), out_like);
  };
  // Integer and bool leaves are not differentiated: their tangents are float0 (TangentAval).
  std::vector<bool> wrt;
  for (const Tensor& leaf : flat->leaves) wrt.push_back(IsInexact(leaf.dtype()));
  auto lin = std::make_shared<Linearized>(LinearizeFlat(op, flat_f, flat->leaves, wrt, reverse));
  Out out = TreeUnflatten(*out_like, lin->primals_out);
  return std::make_tuple(std::move(flat), std::move(lin), std::move(out));
}

// Throws "<op>: <what> f32[3] does not match <against> f32[2]" at the first pair of tensors
// whose shapes or dtypes differ.
void CheckAvals(const char* op, const char* what, const std::vector<Tensor>& xs,
                const char* against, const std::vector<Tensor>& ys);

// The (co)tangents `ts` of `values` (TangentAval: float0 for an integer or bool), checked as
// CheckAvals does, with the float0 ones left out (zeros: the linear map never sees them).
std::vector<Tensor> FloatTangents(const char* op, const char* what, const std::vector<Tensor>& ts,
                                  const char* against, const std::vector<Tensor>& values);
// The tangents of values (jvp's, linearize's results) as given to the user: float0 zeros for
// the integers and bools (inside transformations they are integer zeros, or symbolic).
std::vector<Tensor> WithFloat0Tangents(const std::vector<Tensor>& values,
                                       std::vector<Tensor> tangents);

// linear_transpose's core: the cotangents of a linear program's inputs (of in_avals) from its
// outputs' (checked against its output types), zeros where it does not depend on an input.
std::vector<Tensor> TransposeLinear(const ClosedProgram& program,
                                    const std::vector<ShapedArray>& in_avals,
                                    const std::vector<Tensor>& cts);
// Throws unless a linear_transpose is floating or complex -> floating or complex, or integer ->
// integer (JAX's rule).
void CheckLinearTypes(const std::vector<ShapedArray>& in, const std::vector<ShapedArray>& out);

}  // namespace internal

// ---- reverse mode ----

// grad(f) is with respect to the first argument and has its type. grad(f, argnum) and
// grad(f, {argnums...}) pick arguments at run time, so those arguments must share one type
// (Tensor, usually); put differentiated containers first, or in one tuple argument. Options
// follow in any order: has_aux (f returns std::pair<Tensor, Aux>; the result is (gradient,
// aux)), holomorphic (the complex derivative f'(z) of a holomorphic f of complex arguments to
// a complex scalar), allow_int (float0 zeros for integer and bool arguments).
template <typename F, internal::GradTag... Tags>
auto grad(F f, Tags...) {
  return internal::GradForm<internal::Pick::kFirst, false, Tags...>(std::move(f), {0});
}
template <typename F, internal::GradTag... Tags>
auto grad(F f, int argnum, Tags...) {
  return internal::GradForm<internal::Pick::kOne, false, Tags...>(std::move(f), {argnum});
}
// The gradients with respect to several arguments, in argnums order.
template <typename F, internal::GradTag... Tags>
auto grad(F f, std::vector<int> argnums, Tags...) {
  return internal::GradForm<internal::Pick::kMany, false, Tags...>(std::move(f),
                                                                   std::move(argnums));
}

// (f(args...), grad(f)(args...)) from one forward and one backward pass; the same argnum
// forms and options as grad. With has_aux the value is f's (loss, aux) pair.
template <typename F, internal::GradTag... Tags>
auto value_and_grad(F f, Tags...) {
  return internal::GradForm<internal::Pick::kFirst, true, Tags...>(std::move(f), {0});
}
template <typename F, internal::GradTag... Tags>
auto value_and_grad(F f, int argnum, Tags...) {
  return internal::GradForm<internal::Pick::kOne, true, Tags...>(std::move(f), {argnum});
}
template <typename F, internal::GradTag... Tags>
auto value_and_grad(F f, std::vector<int> argnums, Tags...) {
  return internal::GradForm<internal::Pick::kMany, true, Tags...>(std::move(f),
                                                                  std::move(argnums));
}

// (f(args...), pullback): pullback(ct) gives the cotangent of every argument, as a
// std::vector<Tensor> when all arguments are tensors, else a std::tuple of their types. ct has
// the structure of f's result.
template <typename F, typename... Args>
auto vjp(F f, const Args&... args) {
  auto [flat, lin, out] = internal::LinearizeAll("vjp", f, /*reverse=*/true, args...);
  auto pullback = [flat, lin, out_structure = out](const decltype(out)& ct) {
    const std::vector<Tensor> outs = TreeLeaves(out_structure);
    std::vector<Tensor> cts = TreeLeaves(ct);
    internal::FloatTangents("vjp", "cotangent", cts, "output", outs);
    for (size_t i = 0; i < cts.size(); ++i) {
      if (!IsInexact(outs[i].dtype())) cts[i] = Tensor();  // float0: a symbolic zero
    }
    const std::vector<Tensor> grads = internal::WithFloat0(lin->Transpose(cts), flat->leaves);
    if constexpr ((std::is_same_v<Args, Tensor> && ...)) {
      return grads;
    } else {
      return flat->Rebuild(grads);
    }
  };
  return std::make_pair(std::move(out), std::move(pullback));
}

// The transpose of f, which is promised to be linear (jax.linear_transpose). `primals` give the
// arguments' types (values or AbstractValues: nothing is computed with them); the result maps a
// cotangent of f's output (its structure and types) to one per argument, a std::vector<Tensor>
// when every argument is a Tensor, else a std::tuple of their types, zeros where f does not
// depend on an argument. f is traced once; no forward pass runs. Floating or complex ->
// floating or complex, or integer -> integer; transposing a non-linear f is an Error.
//   auto ft = linear_transpose([](Tensor x, Tensor y) { return 0.5 * x - 0.5 * y; }, s, s);
//   ft(scalar(1.0f))  // {0.5, -0.5}
template <typename F, typename... Args>
auto linear_transpose(F f, const Args&... primals) {
  using Out = internal::ResultOf<F, Args...>;
  auto flat = std::make_shared<internal::FlatArgs<Args...>>(primals...);
  auto staged = std::make_shared<internal::Staged<Out>>(internal::Stage(f, primals...));
  std::vector<ShapedArray> in_avals;
  for (const Tensor& x : flat->leaves) in_avals.push_back(x.aval());
  internal::CheckLinearTypes(in_avals, staged->program.program->OutAvals());
  return [flat, staged, in_avals](const Out& ct) {
    std::string want, got;
    TreeStructure(staged->out_like, want);
    TreeStructure(ct, got);
    if (want != got) {
      ThrowInvalid("linear_transpose: the cotangent's structure ", got,
                   " does not match the function's output ", want);
    }
    const std::vector<Tensor> cts =
        internal::TransposeLinear(staged->program, in_avals, TreeLeaves(ct));
    if constexpr ((std::is_same_v<Args, Tensor> && ...)) {
      return cts;
    } else {
      return flat->Rebuild(cts);
    }
  };
}

// ---- forward mode ----

// (f(primals...), the directional derivative along tangents), one tangent per primal, for f
// taking Tensors: auto [y, y_dot] = jvp(f, {x}, {v}).
template <typename F>
auto jvp(F f, const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents) {
  using Out = decltype(internal::CallWithVector("jvp", f, primals));
  std::optional<Out> out_like;
  const FlatFn flat_f = [&](const std::vector<Tensor>& xs) {
    Out out = internal::CallWithVector("jvp", f, xs);
    std::vector<Tensor> leaves = TreeLeaves(out);
    out_like.emplace(std::move(out));
    return leaves;
  };
  auto [ys, ys_dot] = JvpFlat("jvp", flat_f, primals, tangents);
  ys_dot = internal::WithFloat0Tangents(ys, std::move(ys_dot));
  return std::make_pair(TreeUnflatten(*out_like, ys), TreeUnflatten(*out_like, ys_dot));
}

// jvp for container arguments: primals and tangents are tuples of f's argument types.
template <typename F, typename... Args>
auto jvp(F f, const std::tuple<Args...>& primals, const std::tuple<Args...>& tangents) {
  using Out = internal::ResultOf<F, Args...>;
  const auto flat = std::apply([](const auto&... a) { return internal::FlatArgs<Args...>(a...); }, primals);
  const std::vector<Tensor> tangent_leaves = TreeLeaves(tangents);
  if (tangent_leaves.size() != flat.leaves.size()) {
    ThrowInvalid("jvp: tangents hold ", tangent_leaves.size(), " tensors, primals ",
                 flat.leaves.size());
  }
  std::optional<Out> out_like;
  const FlatFn flat_f = [&](const std::vector<Tensor>& xs) {
    return internal::CallFlat(f, flat.Rebuild(xs), out_like);
  };
  auto [ys, ys_dot] = JvpFlat("jvp", flat_f, flat.leaves, tangent_leaves);
  ys_dot = internal::WithFloat0Tangents(ys, std::move(ys_dot));
  return std::make_pair(TreeUnflatten(*out_like, ys), TreeUnflatten(*out_like, ys_dot));
}

// (f(args...), f_jvp): f_jvp(tangents...) evaluates the linearization (the JVP at args) from
// the program recorded once, without re-running f.
template <typename F, typename... Args>
auto linearize(F f, const Args&... args) {
  auto [flat, lin, out] = internal::LinearizeAll("linearize", f, /*reverse=*/false, args...);
  auto f_jvp = [flat, lin, out_structure = out](const Args&... tangents) {
    const std::vector<Tensor> ts = internal::FloatTangents(
        "linearize", "tangent", internal::FlatArgs<Args...>(tangents...).leaves, "primal",
        flat->leaves);
    return TreeUnflatten(out_structure,
                         internal::WithFloat0Tangents(TreeLeaves(out_structure), lin->Apply(ts)));
  };
  return std::make_pair(std::move(out), std::move(f_jvp));
}

// ---- Jacobians ----

namespace internal {

// The holomorphic Jacobians' dtype checks (JAX's): input and output complex; without
// holomorphic, jacfwd needs a real input and jacrev a real output.
inline void CheckJacobianDTypes(const char* op, const ShapedArray& in, const ShapedArray& out,
                                bool holomorphic) {
  if (holomorphic) {
    for (const ShapedArray* aval : {&in, &out}) {
      if (!IsComplex(aval->dtype)) {
        ThrowInvalid(op, ": with holomorphic, ", aval == &in ? "inputs" : "outputs",
                     " must be complex, got ", aval->ToString());
      }
    }
    return;
  }
  const bool forward = std::string_view(op) == "jacfwd";
  const ShapedArray& real = forward ? in : out;
  if (!IsFloating(real.dtype)) {
    ThrowInvalid(op, ": requires floating-point ", forward ? "inputs" : "outputs",
                 " (as JAX), got ", real.ToString(),
                 IsComplex(real.dtype) ? "; for a holomorphic function pass holomorphic" : "");
  }
}

// jacfwd: the jvp vmapped over the input basis, one batched pass.
template <typename F>
auto Jacfwd(F f, int argnum, bool holomorphic) {
  return
      [ f, argnum, holomorphic ](
          const auto&... args) -> Tensor requires std::is_invocable_v<const F&, decltype(args)...> {
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    const std::vector<bool> wrt = flat.Select("jacfwd", {argnum});
    std::optional<Tensor> out_like;
    const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
      return internal::CallFlat(f, flat.Rebuild(leaves), out_like);
    };
    size_t index = 0;
    while (!wrt[index]) ++index;
    const Tensor& x = flat.leaves[index];
    CheckDifferentiable("jacfwd", x, index);
    // vmap of the pushforward over the input basis: column k is J e_k.
    Shape out_shape;
    const FlatFn pushforward = [&](const std::vector<Tensor>& e) {
      std::vector<Tensor> tangents(flat.leaves.size());
      tangents[index] = e[0];
      auto [ys, ys_dot] = JvpFlat("jacfwd", flat_f, flat.leaves, tangents);
      out_shape = ys[0].shape();
      CheckJacobianDTypes("jacfwd", x.aval(), ys[0].aval(), holomorphic);
      return std::vector<Tensor>{ys_dot[0]};
    };
    // A single input needs no batch: one jvp along 1.
    const Tensor columns =
        x.size() == 1 ? pushforward({Full(x.aval(), 1.0)})[0]
                      : VmapFlat(pushforward, {internal::BasisStack(x.aval())}, {0}, -1,
                                 x.size(), {"the input basis"})[0];
    return lax::reshape(columns, internal::JoinShapes(out_shape, x.shape()));
  };
}

// jacrev: one forward pass, then the backward pass vmapped over the output basis. With
// allow_int, an integer or bool argument's Jacobian is float0 zeros of shape out + in (JAX's).
template <typename F>
auto Jacrev(F f, int argnum, GradFlags flags) {
  return
      [ f, argnum, flags ](
          const auto&... args) -> Tensor requires std::is_invocable_v<const F&, decltype(args)...> {
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    std::vector<bool> wrt = flat.Select("jacrev", {argnum});
    std::optional<Tensor> out_like;
    const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
      return internal::CallFlat(f, flat.Rebuild(leaves), out_like);
    };
    const size_t index = std::find(wrt.begin(), wrt.end(), true) - wrt.begin();
    const bool integer = index < wrt.size() && !IsInexact(flat.leaves[index].dtype());
    if (flags.allow_int && integer) {
      // Nothing to differentiate: f runs once for its output's type.
      const Tensor y = flat_f(flat.leaves)[0];
      CheckJacobianDTypes("jacrev", flat.leaves[index].aval(), y.aval(), flags.holomorphic);
      return Filled({JoinShapes(y.shape(), flat.leaves[index].shape()), DType::kFloat0}, 0.0,
                    "jacrev");
    }
    const Linearized lin = LinearizeFlat("jacrev", flat_f, flat.leaves, wrt, true);
    const Tensor& y = lin.primals_out[0];
    CheckJacobianDTypes("jacrev", lin.wrt_avals[0], y.aval(), flags.holomorphic);
    // vmap of the pullback over the output basis: row j is J^T e_j.
    const FlatFn pullback = [&](const std::vector<Tensor>& e) { return lin.Transpose({e[0]}); };
    // A single output needs no batch: one backward pass from 1, as grad.
    const Tensor rows =
        y.size() == 1 ? pullback({Full(y.aval(), 1.0)})[0]
                      : VmapFlat(pullback, {internal::BasisStack(y.aval())}, {0}, 0, y.size(),
                                 {"the output basis"})[0];
    return lax::reshape(rows, internal::JoinShapes(y.shape(), lin.wrt_avals[0].shape));
  };
}

}  // namespace internal

// The Jacobian by forward mode, shape out.shape + in.shape (as JAX), for a Tensor argument
// `argnum` and a Tensor result: the jvp vmapped over the input basis, one batched pass. Takes
// holomorphic (JAX's jacfwd has no allow_int).
template <typename F>
auto jacfwd(F f, int argnum = 0) {
  return internal::Jacfwd(std::move(f), argnum, false);
}
template <typename F>
auto jacfwd(F f, int argnum, Holomorphic) {
  return internal::Jacfwd(std::move(f), argnum, true);
}

// The Jacobian by reverse mode, shape out.shape + in.shape: one forward pass, then the
// backward pass vmapped over the output basis. Options as grad's: holomorphic, allow_int.
template <typename F, internal::JacobianTag... Tags>
auto jacrev(F f, Tags...) {
  return internal::Jacrev(std::move(f), 0, internal::FlagsOf<Tags...>());
}
template <typename F, internal::JacobianTag... Tags>
auto jacrev(F f, int argnum, Tags...) {
  return internal::Jacrev(std::move(f), argnum, internal::FlagsOf<Tags...>());
}

// The Hessian: jacfwd(jacrev(f)), shape in.shape + in.shape for a scalar f; with holomorphic,
// f'' of a holomorphic f of a complex argument.
template <typename F>
auto hessian(F f, int argnum = 0) {
  return jacfwd(jacrev(std::move(f), argnum), argnum);
}
template <typename F>
auto hessian(F f, int argnum, Holomorphic) {
  return jacfwd(jacrev(std::move(f), argnum, holomorphic), argnum, holomorphic);
}

// ---- stopping derivatives ----

// x with a zero derivative in every transformation (containers too).
template <typename T>
T stop_gradient(const T& x) {
  return TreeMap([](const Tensor& t) { return StopGradient(t); }, x);
}

// ---- inspection ----

// The program f traces to (JAX's make_jaxpr): make_jaxpr(f)(args...) returns a ClosedProgram,
// which prints in jaxpr style (operator<<, ToString) and can be called, compared and hashed.
// Every primitive is staged; nothing is computed.
template <typename F>
auto make_jaxpr(F f) {
  return [f](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
      return TreeLeaves(std::apply(f, flat.Rebuild(leaves)));
    };
    std::vector<ShapedArray> avals;
    for (const Tensor& x : flat.leaves) avals.push_back(x.aval());
    return MakeJaxprFlat(flat_f, avals);
  };
}

// f's outputs as abstract values (core/tensor.h AbstractValue: shape and dtype, no value) in
// f's own output structure, without computing anything, as jax.eval_shape: f is traced into a
// program and only the types are kept. Arguments may themselves be abstract values (nothing
// is allocated for them). An error f raises is raised here.
template <typename F>
auto eval_shape(F f) {
  return [f](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    auto staged = internal::Stage(f, args...);
    std::vector<Tensor> outs;
    for (ShapedArray& aval : staged.program.OutAvals()) outs.push_back(AbstractValue(aval));
    return TreeUnflatten(staged.out_like, outs);
  };
}

// f as one call primitive (closed_call, as jax.named_call): each call traces f into a program
// and applies it, so that transformations of the caller transform the program, and printed
// programs show it nested under `name`.
template <typename F>
auto named_call(F f, std::string name) {
  return [f, name](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    auto staged = internal::Stage(f, args...);
    return TreeUnflatten(staged.out_like, CallProgram(staged.program, staged.args, name));
  };
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_TRANSFORMS_H_
