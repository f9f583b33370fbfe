// File: cotangent/vmap.h
// vmap: f mapped over an axis of its arguments in one batched call, composing with every other
// transformation (vmap(grad(f)) for per-example gradients, grad(vmap(f)), vmap(vmap(f)),
// vmap of jvp and vjp for Jacobian-matrix products).

#ifndef COTANGENT_COTANGENT_VMAP_H_
#define COTANGENT_COTANGENT_VMAP_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "cotangent/transforms.h"
#include "interpreters/batching.h"

namespace cotangent {

// Which axis of each argument vmap maps over: one entry per argument ({0, std::nullopt}), or
// one for all (0, the default; std::nullopt: none, with axis_size saying how many).
class InAxes {
 public:
  InAxes() = default;
  InAxes(int all) : all_(all) {}                   // NOLINT: vmap(f, 0)
  InAxes(std::nullopt_t) : all_(std::nullopt) {}   // NOLINT: vmap(f, std::nullopt, ...)
  InAxes(std::initializer_list<std::optional<int>> each) : each_(each), per_argument_(true) {}
  InAxes(std::vector<std::optional<int>> each)     // NOLINT
      : each_(std::move(each)), per_argument_(true) {}

  // Argument a's entry of a function of `arity` arguments.
  std::optional<int> For(size_t a, size_t arity) const {
    if (!per_argument_) return all_;
    if (each_.size() != arity) {
      ThrowInvalid("vmap: in_axes has ", each_.size(), " entries for a function of ", arity,
                   " arguments");
    }
    return each_[a];
  }

 private:
  std::optional<int> all_ = 0;
  std::vector<std::optional<int>> each_;
  bool per_argument_ = false;
};

// The name collectives (cotangent/collectives.h) use for vmap's axis: axis_name("i").
struct AxisName {
  std::string name;
};
inline AxisName axis_name(std::string name) { return AxisName{std::move(name)}; }

namespace internal {

template <typename F>
auto Vmap(F f, InAxes in_axes, std::optional<int> out_axes, std::optional<int64_t> axis_size,
          std::string name) {
  return [f, in_axes, out_axes, axis_size, name](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    using Out = internal::ResultOf<F, std::decay_t<decltype(args)>...>;
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    constexpr size_t kArgs = sizeof...(args);
    std::vector<std::optional<int64_t>> axes;
    std::vector<std::string> names;
    for (size_t a = 0; a < kArgs; ++a) {
      const std::optional<int> axis = in_axes.For(a, kArgs);
      for (size_t i = flat.offsets[a]; i < flat.offsets[a + 1]; ++i) {
        axes.push_back(axis);
        names.push_back("argument " + std::to_string(a));
      }
    }
    std::optional<Out> out_like;
    const FlatFn flat_f = [&](const std::vector<Tensor>& leaves) {
      return internal::CallFlat(f, flat.Rebuild(leaves), out_like);
    };
    const std::vector<Tensor> results =
        VmapFlat(flat_f, flat.leaves, axes, out_axes, axis_size, names, name);
    return TreeUnflatten(*out_like, results);
  };
}

}  // namespace internal

// vmap(f, in_axes, out_axes, axis_size)(args...): the axis of each argument mapped over
// (InAxes; negative from the end; std::nullopt: an argument shared by every call; a
// container's tensors all use its entry). Every result gets the batch axis at out_axes
// (std::nullopt: results must not depend on mapped arguments). axis_size gives the batch size
// when no argument is mapped.
template <typename F>
auto vmap(F f, InAxes in_axes = {}, std::optional<int> out_axes = 0,
          std::optional<int64_t> axis_size = std::nullopt) {
  return internal::Vmap(std::move(f), std::move(in_axes), out_axes, axis_size, "");
}

// vmap with a named axis: inside f, collectives over the name (psum(x, "i"), axis_index("i"),
// cotangent/collectives.h) run across the mapped calls, as JAX's vmap(..., axis_name=).
template <typename F>
auto vmap(F f, InAxes in_axes, std::optional<int> out_axes, AxisName name,
          std::optional<int64_t> axis_size = std::nullopt) {
  if (name.name.empty()) ThrowInvalid("vmap: an empty axis name");
  return internal::Vmap(std::move(f), std::move(in_axes), out_axes, axis_size,
                        std::move(name.name));
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_VMAP_H_
