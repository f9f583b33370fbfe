// File: interpreters/custom_vmap.h
// custom_vmap (JAX's jax.custom_batching.custom_vmap): a function applied as one
// custom_vmap_call equation whose batching is a user rule instead of the batching of its
// program. Its rules are in interpreters/custom_vmap.cc; cotangent/custom_vmap.h wraps C++
// callables and containers.

#ifndef COTANGENT_INTERPRETERS_CUSTOM_VMAP_H_
#define COTANGENT_INTERPRETERS_CUSTOM_VMAP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/params.h"
#include "core/program.h"

namespace cotangent {

// The rule on flattened arguments: (outputs, which are batched) from the axis size, which
// arguments are batched (along axis 0) and the arguments.
using FlatVmapRule = std::function<std::pair<std::vector<Tensor>, std::vector<bool>>(
    int64_t axis_size, const std::vector<bool>& in_batched, const std::vector<Tensor>& args)>;

// A custom_vmap_call's params.object: the rule and the function's name.
class CustomVmapRule final : public ParamObject {
 public:
  CustomVmapRule(std::string name, FlatVmapRule rule)
      : name_(std::move(name)), rule_(std::move(rule)) {}
  std::string Describe() const override { return "rule=" + name_; }
  const std::string& name() const { return name_; }
  const FlatVmapRule& rule() const { return rule_; }

 private:
  std::string name_;
  FlatVmapRule rule_;
};

// The custom_vmap function of `program` (traced from it: constants first) on args.
std::vector<Tensor> CustomVmapCall(const ClosedProgram& program, absl::Span<const Tensor> args,
                                   std::shared_ptr<const CustomVmapRule> rule);

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CUSTOM_VMAP_H_
