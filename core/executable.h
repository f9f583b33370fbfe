// File: core/executable.h
// jit's compiled programs. Compile turns a Program into a plan for one backend: calls inlined
// (closed_call, pjit and the custom calls run their programs), control flow (cond, while,
// scan) one step each over its programs compiled once, elementwise chains grouped by
// the shared fusion pass (core/fusion.h) and compiled by the backend into fused kernels
// (core/fused_kernel.h), everything else one equation each; every value's last use known, so
// that it is released at once and the peak bytes are known before running; literals made into
// arrays once. Run executes the plan on arrays: no tracing, no rule lookup, no abstract
// evaluation, no per-equation tensors. CompiledCalls is what a pjit equation carries: its
// programs compiled per backend, on first use.

#ifndef COTANGENT_CORE_EXECUTABLE_H_
#define COTANGENT_CORE_EXECUTABLE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "core/array.h"
#include "core/backend.h"
#include "core/fused_kernel.h"
#include "core/params.h"
#include "core/program.h"

namespace cotangent {

// `program` with every call equation (closed_call, pjit, checkpoint, custom_jvp_call,
// custom_vjp_call) replaced by the equations of its program, recursively, and name markers
// by their operands; variables renumbered.
Program InlineCalls(const Program& program);

class Executable {
 public:
  // The plan of `program` (no constvars: constants are leading inputs) on backend. Throws an
  // Error when the backend cannot compile a fused group.
  static std::shared_ptr<const Executable> Compile(const Program& program, Backend& backend);
  ~Executable();

  // The outputs for these arguments (arrays on the backend matching the program's inputs).
  // An argument flagged in `donated` whose buffer nobody else holds (use_count 1 once moved
  // here) may become the storage of a fused group's output of the same size after its last
  // read (JAX's donate_argnums). Thread-safe.
  std::vector<Array> Run(std::vector<Array> args, const std::vector<bool>& donated = {}) const;

  // The plan: its program after inlining, then one line per step (fused groups with their
  // code), the buffers' peak and the kernels run per call.
  std::string ToString() const;

  Backend& backend() const { return backend_; }
  const Program& program() const { return program_; }
  // Bytes of the values the plan allocates (not the arguments) live at once at most, counting
  // views as free.
  int64_t peak_bytes() const { return peak_bytes_; }
  int num_fused_groups() const { return num_fused_; }
  // Backend kernels one call runs (fused groups and equations that are not views).
  int num_kernels() const { return num_kernels_; }
  // Donated buffers that became outputs, over all calls (for tests and docs/jit.md).
  int64_t donations_reused() const { return donations_reused_.load(); }

 private:
  struct Step;
  // The outputs for these arguments without beginning or ending a backend program: Run's
  // work, and each iteration of a control-flow step's sub-plans.
  std::vector<Array> Execute(std::vector<Array> args, const std::vector<bool>& donated) const;
  // The steps over `slots` (the arguments set); `donatable`: the donated argument slots.
  void RunSteps(std::vector<Array>& slots, absl::InlinedVector<int32_t, 4> donatable) const;
  // cond, while and scan as loops over their compiled programs (step.subs), reading an index
  // or a predicate on the host.
  void RunControlFlow(const Step& step, absl::Span<const Array> in, absl::Span<Array> out) const;
  // Constant folding: each equation that is not elementwise and reads only literals and
  // folded values (jacfwd's basis, a constant's broadcast) runs once, here, and the folded
  // values the rest reads become inputs of program_ after the arguments, held in constants_.
  void FoldConstants();
  explicit Executable(Backend& backend);

  Backend& backend_;
  Program program_;
  size_t num_args_ = 0;
  std::vector<Array> constants_;  // the folded inputs of program_, after the arguments
  std::vector<Step> steps_;
  int32_t num_slots_ = 0;      // values that reach memory: the inputs, then steps' outputs
  std::vector<int> last_step_;  // per slot: the last step reading it
  std::vector<int32_t> slot_of_output_;  // per program output: its slot, or -1 for a literal
  std::vector<std::optional<Array>> output_literals_;
  int64_t peak_bytes_ = 0;
  int num_fused_ = 0;
  int num_kernels_ = 0;
  mutable std::atomic<int64_t> donations_reused_{0};
};

// What a pjit equation carries in params.object: the donated operands and the program
// compiled per backend (the first call on a backend compiles, later ones reuse; thread-safe).
class CompiledCalls final : public ParamObject {
 public:
  explicit CompiledCalls(std::vector<bool> donated = {}) : donated_(std::move(donated)) {}
  // "donated_invars=(True, False)", or "" when nothing is donated.
  std::string Describe() const override;
  const std::vector<bool>& donated() const { return donated_; }

  std::shared_ptr<const Executable> For(const Program& program, Backend& backend) const;
  // Compilations so far (one per backend used).
  int compiles() const { return compiles_.load(); }

  // The calls that transformations of this one make (interpreters/call.cc): the jvp, the
  // transpose, the vmap of the program, or the known and unknown halves of its partial
  // evaluation, each with calls of its own (so with its compiled plans). Made once per key:
  // the transformation and what its result depends on besides the program (which tangents
  // are nonzero, which operands are known, which are batched and the batch size), as JAX
  // caches the jvp and transpose of a jaxpr. So `grad(jit(f))` traces and compiles its
  // derived programs on the first call only.
  struct Derived {
    // The transformed program; partial evaluation's known half, with `unknown` its unknown
    // half (residuals first), `out_unknown` its outputs' split and `forwarded` per residual
    // the known operand it is, or -1 (interpreters/program_transforms.h PartialProgram).
    ClosedProgram program;
    std::shared_ptr<const Program> unknown;
    std::vector<bool> out_unknown;
    std::vector<int64_t> forwarded;
    std::vector<std::shared_ptr<const CompiledCalls>> calls;
  };
  std::shared_ptr<const Derived> Derive(const std::string& key,
                                        const std::function<Derived()>& make) const;
  // Derived calls made so far (cache misses), for tests.
  int derivations() const { return derivations_.load(); }

 private:
  std::vector<bool> donated_;
  mutable std::mutex mutex_;
  mutable absl::flat_hash_map<const Backend*, std::shared_ptr<const Executable>> compiled_;
  mutable std::atomic<int> compiles_{0};
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const Derived>> derived_;
  mutable std::atomic<int> derivations_{0};
};

// Process-wide counters of jit's work, for tests and the log: programs traced by jit,
// compiled by CompiledCalls, and derived from them by transformations.
struct JitCounters {
  std::atomic<int64_t> traces{0};
  std::atomic<int64_t> compiles{0};
  std::atomic<int64_t> derivations{0};  // CompiledCalls::Derive misses
};
JitCounters& GlobalJitCounters();

// Whether jit logs each trace and compile to stderr with the reason for a cache miss (JAX's
// jax_log_compiles and jax_explain_cache_misses). Initially set from the environment variable
// COTANGENT_LOG_COMPILES=1.
bool LogCompiles();
void SetLogCompiles(bool on);

}  // namespace cotangent

#endif  // COTANGENT_CORE_EXECUTABLE_H_
