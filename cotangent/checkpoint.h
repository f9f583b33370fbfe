// File: cotangent/checkpoint.h
// checkpoint (JAX's jax.checkpoint / jax.remat): f applied as one checkpoint equation whose
// reverse mode keeps only what the policy saves and recomputes the rest in the backward pass.
//
//   auto block = checkpoint([](Tensor x) { return tanh(matmul(x, w)); });   // nothing saved
//   auto g = grad([&](Tensor x) { return sum(block(block(x))); });
//   auto named = checkpoint(f, checkpoint_policies::save_only_these_names({"h"}));
//   // inside f: Tensor h = checkpoint_name(tanh(z), "h");

#ifndef COTANGENT_COTANGENT_CHECKPOINT_H_
#define COTANGENT_COTANGENT_CHECKPOINT_H_

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cotangent/transforms.h"
#include "cotangent/tree.h"
#include "interpreters/checkpoint.h"

namespace cotangent {

// JAX's jax.checkpoint_policies.
namespace checkpoint_policies {
inline const CheckpointPolicy nothing_saveable{CheckpointPolicy::Saves::kNothing, {}};
inline const CheckpointPolicy everything_saveable{CheckpointPolicy::Saves::kEverything, {}};
inline const CheckpointPolicy dots_saveable{CheckpointPolicy::Saves::kDots, {}};
inline CheckpointPolicy save_only_these_names(std::vector<std::string> names) {
  return {CheckpointPolicy::Saves::kNames, std::move(names)};
}
}  // namespace checkpoint_policies

// f as a checkpoint: the same values and derivatives, with reverse mode storing only the
// values `policy` saves (f's inputs always) and recomputing the others. Default: nothing
// saved, as JAX's.
template <typename F>
auto checkpoint(F f, CheckpointPolicy policy = checkpoint_policies::nothing_saveable) {
  return [f, policy](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    auto staged = internal::Stage(f, args...);
    return TreeUnflatten(staged.out_like, CheckpointProgram(staged.program, staged.args, policy));
  };
}
// jax.remat, the same.
template <typename F>
auto remat(F f, CheckpointPolicy policy = checkpoint_policies::nothing_saveable) {
  return checkpoint(std::move(f), std::move(policy));
}

// x, named for save_only_these_names (jax.ad_checkpoint.checkpoint_name).
inline Tensor checkpoint_name(const Tensor& x, const std::string& name) {
  return CheckpointName(x, name);
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_CHECKPOINT_H_
