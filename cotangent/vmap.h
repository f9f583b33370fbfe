// File: cotangent/vmap.h
// vmap: f mapped over an axis of its arguments in one batched call, composing with every other
// transformation (vmap(grad(f)) for per-example gradients, grad(vmap(f)), vmap(vmap(f)),
// vmap of jvp and vjp for Jacobian-matrix products).

#ifndef COTANGENT_COTANGENT_VMAP_H_
#define COTANGENT_COTANGENT_VMAP_H_

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "cotangent/transforms.h"
#include "interpreters/batching.h"

namespace cotangent {

// vmap(f, in_axes, out_axes, axis_size)(args...): in_axes has one entry per argument (all 0
// when empty): the axis mapped over, negative from the end, or std::nullopt for an argument
// shared by every call (a container's tensors all use its entry). Every result gets the batch
// axis at out_axes (std::nullopt: results must not depend on mapped arguments). axis_size
// gives the batch size when no argument is mapped.
template <typename F>
auto vmap(F f, std::vector<std::optional<int>> in_axes = {}, std::optional<int> out_axes = 0,
          std::optional<int64_t> axis_size = std::nullopt) {
  return [f, in_axes, out_axes, axis_size](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    using Out = internal::ResultOf<F, std::decay_t<decltype(args)>...>;
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    constexpr size_t kArgs = sizeof...(args);
    if (!in_axes.empty() && in_axes.size() != kArgs) {
      ThrowInvalid("vmap: in_axes has ", in_axes.size(), " entries for a function of ", kArgs,
                   " arguments");
    }
    std::vector<std::optional<int64_t>> axes;
    std::vector<std::string> names;
    for (size_t a = 0; a < kArgs; ++a) {
      const std::optional<int> axis = in_axes.empty() ? std::optional<int>(0) : in_axes[a];
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
        VmapFlat(flat_f, flat.leaves, axes, out_axes, axis_size, names);
    return TreeUnflatten(*out_like, results);
  };
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_VMAP_H_
