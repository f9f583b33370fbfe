// File: interpreters/custom.cc
// The output types of custom functions (a trace into a throwaway program) and the check that
// their rules agree with them.

#include "interpreters/custom.h"

#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "interpreters/graph.h"

namespace cotangent {

ShapedArray OutAvalCache::Get(const CustomFunction& f, absl::Span<const Tensor> args) const {
  std::string key;
  for (const Tensor& x : args) absl::StrAppend(&key, x.aval().ToString(), ";");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = avals_.find(key); it != avals_.end()) return it->second;
  }
  // Abstract evaluation: only equations that read the inputs are recorded, nothing of the
  // size of the inputs is computed.
  GraphInterpreter graph;
  Tensor out;
  {
    InterpreterScope scope(graph);
    std::vector<Tensor> inputs;
    for (const Tensor& x : args) inputs.push_back(graph.NewInput(x.aval()));
    out = f.Call(inputs);
  }
  if (!out.defined()) ThrowInvalid(f.name(), ": the function returned an undefined Tensor");
  std::lock_guard<std::mutex> lock(mu_);
  return avals_.emplace(std::move(key), out.aval()).first->second;
}

void CheckRuleOutput(const CustomFunction& f, const OutAvalCache& cache, const char* what,
                     const Tensor& out, absl::Span<const Tensor> args) {
  if (!out.defined()) ThrowInvalid(f.name(), ": ", what, " returned an undefined primal output");
  const ShapedArray expected = cache.Get(f, args);
  if (out.aval() != expected) {
    ThrowInvalid(f.name(), ": ", what, " returned primal output ", out.aval().ToString(),
                 " but the function returns ", expected.ToString(),
                 "; they must have the same shape and dtype");
  }
}

}  // namespace cotangent
