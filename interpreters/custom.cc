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

void OutAvalCache::Record(absl::Span<const Tensor> args, const Tensor& out) const {
  if (!out.defined()) return;
  std::string key = KeyOf(args);
  std::lock_guard<std::mutex> lock(mu_);
  avals_.try_emplace(std::move(key), out.aval());
}

std::optional<ShapedArray> OutAvalCache::Get(const CustomFunction& f,
                                             absl::Span<const Tensor> args) const {
  std::string key = KeyOf(args);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = avals_.find(key); it != avals_.end()) return it->second;
  }
  // Abstract evaluation: only equations that read the inputs are recorded, nothing of the
  // size of the inputs is computed. The trace runs f's code once per signature (side effects
  // included, as JAX's tracing under jit does).
  std::optional<ShapedArray> aval;
  GraphInterpreter graph(/*stage_all=*/true);
  try {
    InterpreterScope scope(graph);
    std::vector<Tensor> inputs;
    for (const Tensor& x : args) inputs.push_back(graph.NewInput(x.aval()));
    const Tensor out = f.Call(inputs);
    if (out.defined()) aval = out.aval();
  } catch (const Error&) {
    // f needs values (or fails on its own): its type is unknown here; the rule alone runs.
  }
  std::lock_guard<std::mutex> lock(mu_);
  return avals_.emplace(std::move(key), aval).first->second;
}

void CheckRuleOutput(const CustomFunction& f, const OutAvalCache& cache, const char* what,
                     const Tensor& out, absl::Span<const Tensor> args) {
  if (!out.defined()) ThrowInvalid(f.name(), ": ", what, " returned an undefined primal output");
  const std::optional<ShapedArray> expected = cache.Get(f, args);
  if (expected && out.aval() != *expected) {
    ThrowInvalid(f.name(), ": ", what, " returned primal output ", out.aval().ToString(),
                 " but the function returns ", expected->ToString(),
                 "; they must have the same shape and dtype");
  }
}

}  // namespace cotangent
