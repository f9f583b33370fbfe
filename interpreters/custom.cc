// File: interpreters/custom.cc
// The output types of custom functions (a trace into a throwaway program) and the check that
// their rules agree with them.

#include "interpreters/custom.h"

#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "interpreters/graph.h"

namespace cotangent {

namespace {

std::string KeyOf(absl::Span<const Tensor> args) {
  std::string key;
  for (const Tensor& x : args) absl::StrAppend(&key, x.aval().ToString(), ";");
  return key;
}

}  // namespace

void OutAvalCache::Record(absl::Span<const Tensor> args, absl::Span<const Tensor> outs) const {
  Avals avals;
  for (const Tensor& y : outs) {
    if (!y.defined()) return;
    avals.push_back(y.aval());
  }
  std::string key = KeyOf(args);
  std::lock_guard<std::mutex> lock(mu_);
  avals_.try_emplace(std::move(key), std::move(avals));
}

std::optional<OutAvalCache::Avals> OutAvalCache::Get(const CustomFunction& f,
                                                     absl::Span<const Tensor> args) const {
  std::string key = KeyOf(args);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = avals_.find(key); it != avals_.end()) return it->second;
  }
  // Abstract evaluation: only equations that read the inputs are recorded, nothing of the
  // size of the inputs is computed. The trace runs f's code once per signature (side effects
  // included, as JAX's tracing under jit does).
  std::optional<Avals> avals;
  GraphInterpreter graph(/*stage_all=*/true);
  try {
    InterpreterScope scope(graph);
    std::vector<Tensor> inputs;
    for (const Tensor& x : args) inputs.push_back(graph.NewInput(x.aval()));
    Avals found;
    for (const Tensor& y : f.Call(inputs)) {
      if (!y.defined()) ThrowInvalid(f.name(), ": undefined output");
      found.push_back(y.aval());
    }
    avals = std::move(found);
  } catch (const Error&) {
    // f needs values (or fails on its own): its type is unknown here; the rule alone runs.
  }
  std::lock_guard<std::mutex> lock(mu_);
  return avals_.emplace(std::move(key), avals).first->second;
}

void CheckRuleOutput(const CustomFunction& f, const OutAvalCache& cache, const char* what,
                     absl::Span<const Tensor> outs, absl::Span<const Tensor> args) {
  const std::string primal = absl::StrCat(what, " primal output");
  if (const std::optional<OutAvalCache::Avals> expected = cache.Get(f, args)) {
    CheckMatchingAvals(f, primal, "function output", outs, *expected, /*allow_zero=*/false);
    return;
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    if (!outs[i].defined()) ThrowInvalid(f.name(), ": ", primal, " ", i, " is undefined");
  }
}

void CheckMatchingAvals(const CustomFunction& f, absl::string_view what, absl::string_view of,
                        absl::Span<const Tensor> xs, absl::Span<const ShapedArray> avals,
                        bool allow_zero) {
  if (xs.size() != avals.size()) {
    ThrowInvalid(f.name(), ": ", xs.size(), " ", what, "s for ", avals.size(), " ", of, "s");
  }
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i].defined() && allow_zero) continue;
    if (!xs[i].defined() || xs[i].aval() != avals[i]) {
      ThrowInvalid(f.name(), ": ", what, " ", i, " is ",
                   xs[i].defined() ? xs[i].aval().ToString() : "(none)", " for ", of,
                   " of type ", avals[i].ToString(), "; they must have the same shape and dtype");
    }
  }
}

void CheckRuleTangents(const CustomFunction& f, absl::Span<const Tensor> outs,
                       absl::Span<const Tensor> tangents) {
  std::vector<ShapedArray> avals;
  for (const Tensor& y : outs) avals.push_back(y.aval());
  CheckMatchingAvals(f, "custom_jvp rule tangent output", "primal output", tangents, avals,
                     /*allow_zero=*/false);
}

}  // namespace cotangent
