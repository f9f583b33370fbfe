// File: cotangent/custom_derivatives.h
// Functions with user-defined derivatives, as jax.custom_jvp and jax.custom_vjp, over pytrees:
// arguments, outputs and residuals may be any containers of tensors (cotangent/tree.h).
//
//   auto f = custom_jvp(g, [](const auto& primals, const auto& tangents) {
//     return std::make_pair(g(...primals...), tangent_out);   // same structure as g's output
//   });
//   auto h = custom_vjp(g, fwd /* args -> (g(args), residuals) */,
//                       bwd /* (residuals, ct) -> one cotangent per argument */);
//
// How the rules see the arguments: a call with Tensor arguments only passes them as
// std::vector<Tensor> (p[0], p[1], ...) and bwd returns a std::vector<Tensor>; a call with any
// container argument passes std::tuple<Args...> (auto [pt] = primals) and bwd returns a tuple
// with one entry per argument (JAX's `return (Point(x_bar, y_bar),)`). A zero cotangent may be
// an undefined Tensor, as JAX's None. Each call signature (argument structure and types) is one
// custom function underneath (interpreters/custom.h), made on first use and kept, so its output
// types are found once and programs that stage it compare equal.

#ifndef COTANGENT_COTANGENT_CUSTOM_DERIVATIVES_H_
#define COTANGENT_COTANGENT_CUSTOM_DERIVATIVES_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/error.h"
#include "core/lax.h"
#include "core/tensor.h"
#include "cotangent/transforms.h"
#include "cotangent/tree.h"
#include "interpreters/custom.h"

namespace cotangent {
namespace internal {

// Whether a call passes Tensors only: its rules then see std::vector<Tensor>.
template <typename... Args>
inline constexpr bool kTensorCall = (std::is_same_v<Args, Tensor> && ...);

template <typename... Args>
using RuleArgs =
    std::conditional_t<kTensorCall<Args...>, std::vector<Tensor>, std::tuple<Args...>>;

// `tree` without its tensors (undefined leaves): rebuilds values of its structure later without
// keeping the first call's buffers alive.
template <typename T>
T Skeleton(const T& tree) {
  return TreeMap([](const Tensor&) { return Tensor(); }, tree);
}

// What one call signature's custom function knows of its containers: the arguments' structure
// (from the call) and the structures of the output and residuals (from the first run of f or a
// rule, which every application performs before BindCustom returns).
template <typename Out, typename Res, typename... Args>
class CustomSignature {
 public:
  explicit CustomSignature(const std::tuple<Args...>& args) : args_like_(Skeleton(args)) {}

  std::tuple<Args...> Arguments(const std::vector<Tensor>& leaves) const {
    return TreeUnflatten(args_like_, leaves);
  }
  RuleArgs<Args...> ForRule(const std::vector<Tensor>& leaves) const {
    if constexpr (kTensorCall<Args...>) {
      return leaves;
    } else {
      return Arguments(leaves);
    }
  }
  // f applied to the arguments rebuilt from `leaves`, its output flattened.
  template <typename F>
  std::vector<Tensor> Apply(const F& f, const std::vector<Tensor>& leaves) {
    return OutLeaves(std::apply(f, Arguments(leaves)));
  }
  std::vector<Tensor> OutLeaves(const Out& out) { return Remember(out, out_like_); }
  std::vector<Tensor> ResidualLeaves(const Res& res) { return Remember(res, res_like_); }
  Out RebuildOut(const std::vector<Tensor>& leaves) const { return Rebuild(leaves, out_like_); }
  Res RebuildResiduals(const std::vector<Tensor>& leaves) const {
    return Rebuild(leaves, res_like_);
  }

 private:
  template <typename T>
  std::vector<Tensor> Remember(const T& tree, std::optional<T>& like) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!like) like = Skeleton(tree);
    return TreeLeaves(tree);
  }
  template <typename T>
  T Rebuild(const std::vector<Tensor>& leaves, const std::optional<T>& like) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (!like) ThrowInvalid("custom function: internal error: a structure was never recorded");
    return TreeUnflatten(*like, leaves);
  }

  std::tuple<Args...> args_like_;
  mutable std::mutex mu_;
  std::optional<Out> out_like_;
  std::optional<Res> res_like_;
};

// The custom functions of one custom_jvp / custom_vjp, one per call signature. Entries hold
// the function and its signature; the function's closures share the signature, never the
// other way round (no cycle).
class CustomFunctions {
 public:
  struct Entry {
    std::shared_ptr<CustomFunction> function;
    std::shared_ptr<void> signature;
  };
  // The entry for `key`, made by make() on first use.
  template <typename Make>
  Entry Get(const std::string& key, const Make& make) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) it = entries_.emplace(key, make()).first;
    return it->second;
  }

 private:
  std::mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_;
};

// A call signature: the argument types, containers and leaf types.
template <typename... Args>
std::string SignatureKey(const FlatArgs<Args...>& flat) {
  std::string key = typeid(std::tuple<Args...>).name();
  TreeStructure(flat.like, key);
  for (const Tensor& x : flat.leaves) key += x.aval().ToString() + ";";
  return key;
}

// The custom function of this call's signature applied to its arguments, the result rebuilt.
template <typename Out, typename Res, typename Make, typename... Args>
Out CallCustom(CustomFunctions& functions, const Make& make, const Args&... args) {
  using Signature = CustomSignature<Out, Res, Args...>;
  FlatArgs<Args...> flat(args...);
  const CustomFunctions::Entry entry = functions.Get(SignatureKey(flat), [&] {
    auto signature = std::make_shared<Signature>(flat.like);
    return CustomFunctions::Entry{make(signature), signature};
  });
  const std::vector<Tensor> outs = BindCustom(*entry.function, flat.leaves);
  return static_cast<const Signature&>(*std::static_pointer_cast<Signature>(entry.signature))
      .RebuildOut(outs);
}

// The residual type of fwd for these arguments (fwd returns (output, residuals)).
template <typename Fwd, typename... Args>
using ResidualsOf = std::decay_t<std::tuple_element_t<1, ResultOf<Fwd, Args...>>>;

}  // namespace internal

// f whose derivative is given by rule(primals, tangents) -> (f(primals), tangent_out), as
// jax.custom_jvp; tangent_out has the structure and types of f's output.
template <typename F, typename Rule>
auto custom_jvp(F f, Rule rule, std::string name = "custom_jvp") {
  auto functions = std::make_shared<internal::CustomFunctions>();
  return [f, rule, name, functions](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    using Out = internal::ResultOf<F, std::decay_t<decltype(args)>...>;
    const auto make = [&](const auto& sig) {  // std::shared_ptr<CustomSignature<...>>
      return std::make_shared<CustomJvpFunction>(
          name,
          [f, sig](const std::vector<Tensor>& xs) { return sig->Apply(f, xs); },
          [rule, sig](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
            auto [out, tangent] = rule(sig->ForRule(p), sig->ForRule(t));
            return std::make_pair(sig->OutLeaves(Out(out)), TreeLeaves(Out(tangent)));
          });
    };
    return internal::CallCustom<Out, Out>(*functions, make, args...);
  };
}

// jax.custom_jvp's defjvps, for functions of Tensors: a custom_jvp rule for f from one tangent
// function per argument, t_i(x_dot_i, primal_out, primals...) -> its term; the output tangent
// is the sum of the terms.
//   auto f = custom_jvp(g, defjvps(g, [](auto x_dot, auto ans, auto x, auto y) { ... }, ...));
template <typename F, typename... T>
auto defjvps(F f, T... tangent_fns) {
  return [f, fns = std::make_tuple(tangent_fns...)](const std::vector<Tensor>& primals,
                                                    const std::vector<Tensor>& tangents) {
    if (primals.size() != sizeof...(T)) {
      ThrowInvalid("defjvps: ", sizeof...(T), " tangent functions for ", primals.size(),
                   " arguments");
    }
    Tensor out = internal::CallWithVector("defjvps", f, primals), total;
    size_t i = 0;
    std::apply(
        [&](const auto&... fn) {
          const auto term = [&](const auto& t) {
            std::vector<Tensor> args{tangents[i++], out};
            args.insert(args.end(), primals.begin(), primals.end());
            const Tensor value = internal::CallWithVector("defjvps", t, args);
            total = total.defined() ? lax::add(total, value) : value;
          };
          (term(fn), ...);
        },
        fns);
    return std::make_pair(out, total);
  };
}

// f whose reverse-mode derivative is given by fwd(args...) -> (f(args...), residuals) and
// bwd(residuals, ct) -> one cotangent per argument, as jax.custom_vjp; residuals may be any
// container. Forward mode through it is an error, as in JAX.
template <typename F, typename Fwd, typename Bwd>
auto custom_vjp(F f, Fwd fwd, Bwd bwd, std::string name = "custom_vjp") {
  auto functions = std::make_shared<internal::CustomFunctions>();
  return [f, fwd, bwd, name, functions](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    using Out = internal::ResultOf<F, std::decay_t<decltype(args)>...>;
    using Res = internal::ResidualsOf<Fwd, std::decay_t<decltype(args)>...>;
    const auto make = [&](const auto& sig) {  // std::shared_ptr<CustomSignature<...>>
      return std::make_shared<CustomVjpFunction>(
          name,
          [f, sig](const std::vector<Tensor>& xs) { return sig->Apply(f, xs); },
          [fwd, sig](const std::vector<Tensor>& xs) {
            auto [out, residuals] = std::apply(fwd, sig->Arguments(xs));
            return std::make_pair(sig->OutLeaves(Out(out)), sig->ResidualLeaves(residuals));
          },
          [bwd, sig](const std::vector<Tensor>& residuals, const std::vector<Tensor>& cts) {
            return TreeLeaves(bwd(sig->RebuildResiduals(residuals), sig->RebuildOut(cts)));
          });
    };
    return internal::CallCustom<Out, Res>(*functions, make, args...);
  };
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CUSTOM_DERIVATIVES_H_
