// File: interpreters/checkpoint.h
// checkpoint (JAX's jax.checkpoint / remat): a function applied as one checkpoint equation
// whose reverse mode stores only the intermediate values its policy saves and recomputes the
// others from its inputs in the backward pass, trading time for memory. Its rules are in
// interpreters/checkpoint.cc; cotangent/control_flow.h wraps it for C++ callables.

#ifndef COTANGENT_INTERPRETERS_CHECKPOINT_H_
#define COTANGENT_INTERPRETERS_CHECKPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "core/program.h"

namespace cotangent {

// Which intermediate values of a checkpointed function reverse mode may store (the function's
// inputs always are): JAX's jax.checkpoint_policies.
struct CheckpointPolicy {
  enum class Saves {
    kNothing,     // recompute everything (JAX's default, nothing_saveable)
    kEverything,  // store what plain reverse mode stores (no recomputation)
    kDots,        // the results of dot_general and conv_general_dilated (dots_saveable)
    kNames,       // the values marked with checkpoint_name(x, name) for these names
  };
  Saves saves = Saves::kNothing;
  std::vector<std::string> names;  // kNames
  std::string ToString() const;
};

// A checkpoint equation's params.object: its policy.
class PolicyObject final : public ParamObject {
 public:
  explicit PolicyObject(CheckpointPolicy policy) : policy_(std::move(policy)) {}
  std::string Describe() const override { return "policy=" + policy_.ToString(); }
  const CheckpointPolicy& policy() const { return policy_; }
  // Whether the outputs of eqn may be stored.
  bool Saveable(const Equation& eqn) const;

 private:
  CheckpointPolicy policy_;
};

// The checkpoint of program on args (its constants passed as leading operands).
std::vector<Tensor> CheckpointProgram(const ClosedProgram& program, absl::Span<const Tensor> args,
                                      const CheckpointPolicy& policy);

// x marked with `name` for the kNames policy (the name primitive).
Tensor CheckpointName(const Tensor& x, const std::string& name);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CHECKPOINT_H_
