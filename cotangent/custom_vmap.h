// File: cotangent/custom_vmap.h
// custom_vmap (JAX's jax.custom_batching.custom_vmap): a function whose batching under vmap
// is a rule the user gives, instead of the batching of its operations.
//
//   auto f = custom_vmap([](Tensor x) { return sin(x); })
//                .def_vmap([](int64_t axis_size, std::vector<bool> in_batched, Tensor xs) {
//                  return std::pair{cos(xs), in_batched[0]};   // (outputs, batched?)
//                });
//   f(x);            // sin(x)
//   vmap(f)(xs);     // the rule: cos(xs)
//
// The rule gets the axis size, one flag per tensor of the arguments (flattened in order)
// saying whether it is batched, along axis 0, and the arguments; it returns the outputs and
// either one flag for all of them or a std::vector<bool> with one per tensor of the output.
// jvp composes (the rule is differentiated, as JAX's custom_vmap_jvp); reverse mode is an
// error, as in JAX, unless a custom_vjp wraps the function.

#ifndef COTANGENT_COTANGENT_CUSTOM_VMAP_H_
#define COTANGENT_COTANGENT_CUSTOM_VMAP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "cotangent/transforms.h"
#include "cotangent/tree.h"
#include "interpreters/custom_vmap.h"

namespace cotangent {

template <typename F, typename Rule>
class CustomVmapped;

// f whose batching rule is still to be given with def_vmap; calling it is an error, as JAX's.
template <typename F>
class CustomVmap {
 public:
  CustomVmap(F f, std::string name) : f_(std::move(f)), name_(std::move(name)) {}
  template <typename Rule>
  CustomVmapped<F, Rule> def_vmap(Rule rule) const {
    return CustomVmapped<F, Rule>(f_, std::move(rule), name_);
  }
  template <typename... Args>
  void operator()(const Args&...) const {
    ThrowInvalid("custom_vmap: no batching rule defined for custom_vmap function ", name_,
                 " (give one with def_vmap)");
  }

 private:
  F f_;
  std::string name_;
};

template <typename F, typename Rule>
class CustomVmapped {
 public:
  CustomVmapped(F f, Rule rule, std::string name)
      : f_(std::move(f)), rule_(std::move(rule)), name_(std::move(name)) {}

  template <typename... Args>
    requires std::is_invocable_v<const F&, const Args&...>
  auto operator()(const Args&... args) const {
    auto staged = internal::Stage(f_, args...);
    using Out = decltype(staged.out_like);
    const internal::FlatArgs<Args...> like(args...);
    // The rule on flat arguments: rebuilt in f's argument structure, its result flattened.
    FlatVmapRule flat_rule = [rule = rule_, like, out_like = staged.out_like, name = name_](
                                 int64_t axis_size, const std::vector<bool>& in_batched,
                                 const std::vector<Tensor>& leaves) {
      auto result = std::apply(
          [&](const auto&... xs) { return rule(axis_size, in_batched, xs...); },
          like.Rebuild(leaves));
      const Out& out = result.first;
      std::vector<Tensor> outs = TreeLeaves(out);
      std::vector<bool> batched;
      if constexpr (std::is_same_v<std::decay_t<decltype(result.second)>, bool>) {
        batched.assign(outs.size(), result.second);
      } else {
        batched.assign(result.second.begin(), result.second.end());
      }
      std::string got, expected;
      TreeStructure(out, got);
      TreeStructure(out_like, expected);
      if (got != expected) {
        ThrowInvalid("custom_vmap: the rule of ", name, " returns ", got,
                     " but the function returns ", expected);
      }
      return std::pair{std::move(outs), std::move(batched)};
    };
    auto rule = std::make_shared<const CustomVmapRule>(name_, std::move(flat_rule));
    return TreeUnflatten(staged.out_like, CustomVmapCall(staged.program, staged.args, rule));
  }

 private:
  F f_;
  Rule rule_;
  std::string name_;
};

// f with a batching rule to come (def_vmap); `name` names it in messages and programs.
template <typename F>
CustomVmap<F> custom_vmap(F f, std::string name = "custom_vmap") {
  return CustomVmap<F>(std::move(f), std::move(name));
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CUSTOM_VMAP_H_
