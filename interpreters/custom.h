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
#include "absl/strings/string_view.h"
#include "core/interpreter.h"
#include "interpreters/autodiff.h"

namespace cotangent {

// The output types of a custom function per input types, found by tracing it into a
// throwaway program once (thread-safe). Unknown (nullopt) when f cannot be traced without
// values (it reads a traced value on the host, as Python control flow on a tracer): eager JAX
// never runs f under differentiation, so such an f is legal and its rules go unchecked.
class OutAvalCache {
 public:
  using Avals = std::vector<ShapedArray>;
  std::optional<Avals> Get(const CustomFunction& f, absl::Span<const Tensor> args) const;
  // Records the types of a real call's outputs, so that Get need not trace f again (a rule
  // that calls f itself, as JAX's f_jvp examples do, then runs f exactly as often as in JAX).
  void Record(absl::Span<const Tensor> args, absl::Span<const Tensor> outs) const;

 private:
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, std::optional<Avals>> avals_;
};

// Throws "<f>: <what> primal output 0 is f32[] for function output of type f32[3] ..."
// when a rule's primal outputs do not have the types of f's, when those are known (JAX checks
// the same where f was traced, as under jit).
void CheckRuleOutput(const CustomFunction& f, const OutAvalCache& cache, const char* what,
                     absl::Span<const Tensor> outs, absl::Span<const Tensor> args);

// Throws unless xs (a rule's outputs or tangent outputs, bwd's cotangents) match the types of
// `of`s (function outputs, primal outputs, arguments) one for one: "<f>: 1 bwd cotangents for
// 2 arguments", "<f>: bwd cotangent 1 is f32[2] for argument of type f32[3] ...". Undefined
// entries (zeros) pass when `allow_zero`.
void CheckMatchingAvals(const CustomFunction& f, absl::string_view what, absl::string_view of,
                        absl::Span<const Tensor> xs, absl::Span<const ShapedArray> avals,
                        bool allow_zero);

// Throws unless a custom_jvp rule's tangent outputs match its primal outputs one for one.
void CheckRuleTangents(const CustomFunction& f, absl::Span<const Tensor> outs,
                       absl::Span<const Tensor> tangents);

// f with its jvp given by rule(primals, tangents) -> (primal_outs, tangent_outs).
class CustomJvpFunction final : public CustomFunction {
 public:
  using Rule = std::function<std::pair<std::vector<Tensor>, std::vector<Tensor>>(
      const std::vector<Tensor>&, const std::vector<Tensor>&)>;
  // `checked`: the rule's primal output is checked against f's type where it is applied
  // (false for wrappers whose rule checks the user's function inside, as vmap's).
  CustomJvpFunction(std::string name, FlatFn f, Rule rule, bool checked = true)
      : name_(std::move(name)), f_(std::move(f)), rule_(std::move(rule)), checked_(checked) {}

  const char* name() const override { return name_.c_str(); }
  std::vector<Tensor> Call(absl::Span<const Tensor> args) const override {
    std::vector<Tensor> outs = f_(std::vector<Tensor>(args.begin(), args.end()));
    out_avals_.Record(args, outs);
    return outs;
  }
  Primitive staged_primitive() const override { return Primitive::kCustomJvpCall; }
  std::string Describe() const override { return "jvp=" + name_ + ".jvp"; }
  std::pair<std::vector<Tensor>, std::vector<Tensor>> Jvp(
      const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents) const {
    return rule_(primals, tangents);
  }
  const FlatFn& fn() const { return f_; }
  const OutAvalCache& out_avals() const { return out_avals_; }
  bool checked() const { return checked_; }

 private:
  std::string name_;
  FlatFn f_;
  Rule rule_;
  bool checked_;
  OutAvalCache out_avals_;
};

// f with reverse mode given by fwd(args) -> (outs, residuals) and bwd(residuals, cts) -> one
// cotangent per argument (undefined: zero). Forward mode is not defined for it (an error, as
// in JAX).
class CustomVjpFunction final : public CustomFunction {
 public:
  using Fwd = std::function<std::pair<std::vector<Tensor>, std::vector<Tensor>>(
      const std::vector<Tensor>&)>;
  using Bwd =
      std::function<std::vector<Tensor>(const std::vector<Tensor>&, const std::vector<Tensor>&)>;
  // `checked`: as for CustomJvpFunction, for fwd's primal output.
  CustomVjpFunction(std::string name, FlatFn f, Fwd fwd, Bwd bwd, bool checked = true)
      : name_(std::move(name)),
        f_(std::move(f)),
        fwd_(std::move(fwd)),
        bwd_(std::move(bwd)),
        checked_(checked) {}

  const char* name() const override { return name_.c_str(); }
  std::vector<Tensor> Call(absl::Span<const Tensor> args) const override {
    std::vector<Tensor> outs = f_(std::vector<Tensor>(args.begin(), args.end()));
    out_avals_.Record(args, outs);
    return outs;
  }
  Primitive staged_primitive() const override { return Primitive::kCustomVjpCall; }
  std::string Describe() const override {
    return "fwd=" + name_ + ".fwd bwd=" + name_ + ".bwd";
  }
  const FlatFn& fn() const { return f_; }
  const Fwd& fwd() const { return fwd_; }
  const Bwd& bwd() const { return bwd_; }
  const OutAvalCache& out_avals() const { return out_avals_; }
  bool checked() const { return checked_; }

 private:
  std::string name_;
  FlatFn f_;
  Fwd fwd_;
  Bwd bwd_;
  bool checked_;
  OutAvalCache out_avals_;
};

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_CUSTOM_H_
