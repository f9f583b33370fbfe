// File: interpreters/custom.h
// Functions with user-defined derivatives (JAX's custom_jvp and custom_vjp), as seen by the
// interpreters. The public wrappers that build them from C++ callables are in
// cotangent/transforms.h.

#ifndef COTANGENT_INTERPRETERS_CUSTOM_H_
#define COTANGENT_INTERPRETERS_CUSTOM_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/interpreter.h"

namespace cotangent {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// f with its jvp given by rule(primals, tangents) -> (primal_out, tangent_out).
class CustomJvpFunction final : public CustomFunction {
 public:
  using Rule =
      std::function<std::pair<Tensor, Tensor>(const std::vector<Tensor>&, const std::vector<Tensor>&)>;
  CustomJvpFunction(std::string name, TensorFn f, Rule rule)
      : name_(std::move(name)), f_(std::move(f)), rule_(std::move(rule)) {}

  const char* name() const override { return name_.c_str(); }
  Tensor Call(absl::Span<const Tensor> args) const override {
    return f_(std::vector<Tensor>(args.begin(), args.end()));
  }
  std::pair<Tensor, Tensor> Jvp(const std::vector<Tensor>& primals,
                                const std::vector<Tensor>& tangents) const {
    return rule_(primals, tangents);
  }
  const TensorFn& fn() const { return f_; }
  const Rule& rule() const { return rule_; }

 private:
  std::string name_;
  TensorFn f_;
  Rule rule_;
};

// f with reverse mode given by fwd(args) -> (out, residuals) and bwd(residuals, ct) -> one
// cotangent per argument. Forward mode is not defined for it (an error, as in JAX).
class CustomVjpFunction final : public CustomFunction {
 public:
  using Fwd = std::function<std::pair<Tensor, std::vector<Tensor>>(const std::vector<Tensor>&)>;
  using Bwd = std::function<std::vector<Tensor>(const std::vector<Tensor>&, const Tensor&)>;
  CustomVjpFunction(std::string name, TensorFn f, Fwd fwd, Bwd bwd)
      : name_(std::move(name)), f_(std::move(f)), fwd_(std::move(fwd)), bwd_(std::move(bwd)) {}

  const char* name() const override { return name_.c_str(); }
  Tensor Call(absl::Span<const Tensor> args) const override {
    return f_(std::vector<Tensor>(args.begin(), args.end()));
  }
  const TensorFn& fn() const { return f_; }
  const Fwd& fwd() const { return fwd_; }
  const Bwd& bwd() const { return bwd_; }

 private:
  std::string name_;
  TensorFn f_;
  Fwd fwd_;
  Bwd bwd_;
};

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CUSTOM_H_
