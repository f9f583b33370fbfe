// File: interpreters/custom.h
// Functions with user-defined derivatives (JAX's custom_jvp and custom_vjp), as seen by the
// interpreters. The public wrappers that build them from C++ callables are in
// cotangent/transforms.h.

#ifndef COTANGENT_INTERPRETERS_CUSTOM_H_
#define COTANGENT_INTERPRETERS_CUSTOM_H_

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/interpreter.h"

namespace cotangent {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// The output types of a custom function per input types, found by tracing it into a
// throwaway program once (thread-safe). Unknown (nullopt) when f cannot be traced without
// values (it reads a traced value on the host, as Python control flow on a tracer): eager JAX
// never runs f under differentiation, so such an f is legal and its rules go unchecked.
class OutAvalCache {
 public:
  std::optional<ShapedArray> Get(const CustomFunction& f, absl::Span<const Tensor> args) const;
  // Records the type of a real call's output, so that Get need not trace f again (a rule that
  // calls f itself, as JAX's f_jvp examples do, then runs f exactly as often as in JAX).
  void Record(absl::Span<const Tensor> args, const Tensor& out) const;

 private:
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, std::optional<ShapedArray>> avals_;
};

// Throws "<f>: <what> returned primal output f32[] but the function returns f32[3]" when a
// rule's primal output does not have the type of f's, when that is known (JAX checks the same
// where f was traced, as under jit).
void CheckRuleOutput(const CustomFunction& f, const OutAvalCache& cache, const char* what,
                     const Tensor& out, absl::Span<const Tensor> args);

// f with its jvp given by rule(primals, tangents) -> (primal_out, tangent_out).
class CustomJvpFunction final : public CustomFunction {
 public:
  using Rule =
      std::function<std::pair<Tensor, Tensor>(const std::vector<Tensor>&, const std::vector<Tensor>&)>;
  // `checked`: the rule's primal output is checked against f's type where it is applied
  // (false for wrappers whose rule checks the user's function inside, as vmap's).
  CustomJvpFunction(std::string name, TensorFn f, Rule rule, bool checked = true)
      : name_(std::move(name)), f_(std::move(f)), rule_(std::move(rule)), checked_(checked) {}

  const char* name() const override { return name_.c_str(); }
  Tensor Call(absl::Span<const Tensor> args) const override {
    Tensor out = f_(std::vector<Tensor>(args.begin(), args.end()));
    out_avals_.Record(args, out);
    return out;
  }
  Primitive staged_primitive() const override { return Primitive::kCustomJvpCall; }
  std::string Describe() const override { return "jvp=" + name_ + ".jvp"; }
  std::pair<Tensor, Tensor> Jvp(const std::vector<Tensor>& primals,
                                const std::vector<Tensor>& tangents) const {
    return rule_(primals, tangents);
  }
  const TensorFn& fn() const { return f_; }
  const Rule& rule() const { return rule_; }
  const OutAvalCache& out_avals() const { return out_avals_; }
  bool checked() const { return checked_; }

 private:
  std::string name_;
  TensorFn f_;
  Rule rule_;
  bool checked_;
  OutAvalCache out_avals_;
};

// f with reverse mode given by fwd(args) -> (out, residuals) and bwd(residuals, ct) -> one
// cotangent per argument. Forward mode is not defined for it (an error, as in JAX).
class CustomVjpFunction final : public CustomFunction {
 public:
  using Fwd = std::function<std::pair<Tensor, std::vector<Tensor>>(const std::vector<Tensor>&)>;
  using Bwd = std::function<std::vector<Tensor>(const std::vector<Tensor>&, const Tensor&)>;
  // `checked`: as for CustomJvpFunction, for fwd's primal output.
  CustomVjpFunction(std::string name, TensorFn f, Fwd fwd, Bwd bwd, bool checked = true)
      : name_(std::move(name)),
        f_(std::move(f)),
        fwd_(std::move(fwd)),
        bwd_(std::move(bwd)),
        checked_(checked) {}

  const char* name() const override { return name_.c_str(); }
  Tensor Call(absl::Span<const Tensor> args) const override {
    Tensor out = f_(std::vector<Tensor>(args.begin(), args.end()));
    out_avals_.Record(args, out);
    return out;
  }
  Primitive staged_primitive() const override { return Primitive::kCustomVjpCall; }
  std::string Describe() const override {
    return "fwd=" + name_ + ".fwd bwd=" + name_ + ".bwd";
  }
  const TensorFn& fn() const { return f_; }
  const Fwd& fwd() const { return fwd_; }
  const Bwd& bwd() const { return bwd_; }
  const OutAvalCache& out_avals() const { return out_avals_; }
  bool checked() const { return checked_; }

 private:
  std::string name_;
  TensorFn f_;
  Fwd fwd_;
  Bwd bwd_;
  bool checked_;
  OutAvalCache out_avals_;
};

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CUSTOM_H_
