// File: cotangent/jit.h
// jit: a function traced once per abstract signature into a program and run compiled (JAX's
// jax.jit). jit(f) returns a Jitted callable; each call flattens its arguments, looks the
// signature up in the callable's cache (the argument pytree structure, every leaf's shape and
// dtype, the static arguments' values), traces f into a program on a miss, and binds one pjit
// equation carrying that program. Concrete operands run it compiled (core/executable.h: fused
// groups, planned buffers), compiled once per backend; under grad, vmap, jvp, make_jaxpr or
// an enclosing jit the pjit rules transform the program instead (interpreters/call.cc).
//
//   auto jf = jit(f);                                   // any pytree arguments and result
//   auto step = jit(update, static_argnums({2}), donate_argnums({0}));
//   Lowered l = jit(f).lower(x, y);                     // the program and the compiled plan
//
// Inside f, tensor arguments are abstract: reading a value (item, to_vector) is an Error
// naming jit (JAX's ConcretizationTypeError); static arguments are ordinary C++ values, part
// of the cache key (they must be hashable with absl::Hash and comparable with ==). float0
// leaves (the tangents of integers, which hold no values) pass through as JAX's do: f sees
// float0 zeros for them, and float0 results come back as zeros; neither enters the program.

#ifndef COTANGENT_COTANGENT_JIT_H_
#define COTANGENT_COTANGENT_JIT_H_

#include <algorithm>
#include <any>
#include <atomic>
#include <concepts>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/executable.h"
#include "core/interpreter.h"
#include "core/program.h"
#include "cotangent/tree.h"
#include "interpreters/call.h"
#include "interpreters/graph.h"

namespace cotangent {

// jit's options; each helper below sets one, and jit takes any number of them.
struct JitOptions {
  std::vector<int> static_argnums;  // arguments passed as C++ values, part of the cache key
  std::vector<int> donate_argnums;  // arguments whose buffers the call may reuse (deleted)
  std::string name;                 // printed in programs (pjit[name=...]); default "jit"
};
inline JitOptions static_argnums(std::vector<int> argnums) {
  return {.static_argnums = std::move(argnums)};
}
inline JitOptions donate_argnums(std::vector<int> argnums) {
  return {.donate_argnums = std::move(argnums)};
}
inline JitOptions jit_name(std::string name) { return {.name = std::move(name)}; }

// What jit(f).lower(args...) returns: the traced program and its compiled plan for the
// arguments' backend, printable.
struct Lowered {
  ClosedProgram program;
  std::shared_ptr<const Executable> compiled;
  std::string ToString() const {
    return absl::StrCat(program.ToString(), "\n", compiled->ToString());
  }
};

namespace internal {

// A value jit can take as a static argument: not a container of tensors (arrays are not
// hashable, as in JAX), comparable and hashable.
template <typename T>
concept StaticValue = !IsTree<T>::value && requires(const T& a) {
  { a == a } -> std::convertible_to<bool>;
  absl::HashOf(a);
};

// One traced signature: what it was traced for and the pjit equation that runs it.
struct JitEntry {
  size_t hash = 0;
  std::vector<ShapedArray> avals;  // of the tensor leaves
  std::string structure;           // of the tensor arguments
  std::any statics;                // std::tuple<std::optional<Args>...>: static positions set
  std::shared_ptr<const Params> params;  // pjit's: the program, its name, its CompiledCalls
  std::vector<Tensor> consts;      // the program's constants: its leading operands
  std::any out_like;               // f's result, for its structure
  // Per result leaf: its type when it is float0 (not a program output: zeros), else nullopt.
  std::vector<std::optional<ShapedArray>> float0_outs;
};

// The leaves that enter the program: all but the float0 ones (no values to pass).
inline std::vector<Tensor> ProgramLeaves(const std::vector<Tensor>& leaves) {
  std::vector<Tensor> out;
  for (const Tensor& x : leaves) {
    if (x.dtype() != DType::kFloat0) out.push_back(x);
  }
  return out;
}

// A program's results with the float0 results put back (as zeros) where they were.
inline std::vector<Tensor> WithFloat0Results(const JitEntry& entry, const TensorList& outs) {
  std::vector<Tensor> all;
  auto next = outs.begin();
  for (const std::optional<ShapedArray>& f : entry.float0_outs) {
    all.push_back(f ? Filled(*f, 0.0, "jit") : *next++);
  }
  return all;
}

// The part of a Jitted callable shared by its copies: f, the options and the cache.
template <typename F>
struct JitState {
  JitState(F f, JitOptions options) : f(std::move(f)), options(std::move(options)) {}
  F f;
  JitOptions options;
  std::mutex mutex;
  std::vector<std::shared_ptr<const JitEntry>> entries;
  std::atomic<int> traces{0};
};

}  // namespace internal

template <typename F>
class Jitted {
 public:
  Jitted(F f, JitOptions options) {
    if (options.name.empty()) options.name = "jit";
    state_ = std::make_shared<internal::JitState<F>>(std::move(f), std::move(options));
  }

  // f(args...) run compiled (traced on the first call per signature).
  template <typename... Args>
    requires std::is_invocable_v<const F&, const Args&...>
  auto operator()(const Args&... args) const {
    using Out = std::decay_t<std::invoke_result_t<const F&, const Args&...>>;
    Signature<Args...> sig(state_->options, args...);
    const std::shared_ptr<const internal::JitEntry> entry = Lookup<Out>(sig, args...);
    TensorList operands(entry->consts.begin(), entry->consts.end());
    for (const Tensor& x : internal::ProgramLeaves(sig.leaves)) operands.push_back(x);
    const TensorList outs = Bind(Primitive::kPjit, operands, *entry->params);
    return TreeUnflatten(std::any_cast<const Out&>(entry->out_like),
                         internal::WithFloat0Results(*entry, outs));
  }

  // The program for these arguments and its plan compiled for their backend.
  template <typename... Args>
    requires std::is_invocable_v<const F&, const Args&...>
  Lowered lower(const Args&... args) const {
    using Out = std::decay_t<std::invoke_result_t<const F&, const Args&...>>;
    Signature<Args...> sig(state_->options, args...);
    const std::shared_ptr<const internal::JitEntry> entry = Lookup<Out>(sig, args...);
    std::vector<Array> arrays;
    for (const Tensor& c : entry->consts) arrays.push_back(c.array());
    for (const Tensor& x : internal::ProgramLeaves(sig.leaves)) arrays.push_back(x.array());
    Backend& backend = arrays.empty() ? DefaultBackend() : TargetBackend("jit", arrays);
    const auto& calls = static_cast<const CompiledCalls&>(*entry->params->object);
    ClosedProgram program{entry->params->program, {}};
    // Shown as traced: the constants are the program's leading inputs.
    return {std::move(program), calls.For(*entry->params->program, backend)};
  }

  // Traces so far (one per signature; a trace of f closing over tracers is never cached).
  int trace_count() const { return state_->traces.load(); }
  // Compilations so far, over all cached signatures and backends.
  int compile_count() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    int n = 0;
    for (const auto& e : state_->entries) {
      n += static_cast<const CompiledCalls&>(*e->params->object).compiles();
    }
    return n;
  }
  // Signatures cached.
  int cache_size() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return static_cast<int>(state_->entries.size());
  }

 private:
  // The abstract signature of one call: tensor leaves, structure, static values.
  template <typename... Args>
  struct Signature {
    static constexpr int kArity = static_cast<int>(sizeof...(Args));
    std::vector<bool> is_static = std::vector<bool>(kArity, false);
    std::vector<bool> donated_arg = std::vector<bool>(kArity, false);
    std::vector<Tensor> leaves;
    std::vector<size_t> offsets;  // argument i's leaves start at offsets[i]
    std::vector<ShapedArray> avals;
    std::string structure;
    std::tuple<std::optional<Args>...> statics;
    size_t hash = 0;

    static int Argnum(const char* what, int a) {
      if (a < -kArity || a >= kArity) {
        ThrowInvalid("jit: ", what, " ", a, " out of range for a function of ", kArity,
                     " arguments");
      }
      return a < 0 ? a + kArity : a;
    }

    Signature(const JitOptions& options, const Args&... args) {
      for (int a : options.static_argnums) is_static[Argnum("static_argnums", a)] = true;
      for (int a : options.donate_argnums) {
        const int i = Argnum("donate_argnums", a);
        if (is_static[i]) ThrowInvalid("jit: argument ", i, " is both static and donated");
        donated_arg[i] = true;
      }
      size_t h = 0;
      [&]<size_t... I>(std::index_sequence<I...>) {
        (Add<I>(std::get<I>(std::tie(args...)), h), ...);
      }(std::index_sequence_for<Args...>());
      offsets.push_back(leaves.size());
      for (const Tensor& x : leaves) avals.push_back(x.aval());
      // A program traced under named axes holds their sizes (collectives): key on them.
      if (const std::string axes = NamedAxesKey(); !axes.empty()) structure += "axes " + axes;
      hash = absl::HashOf(h, avals, structure);
    }

    template <size_t I, typename T>
    void Add(const T& arg, size_t& h) {
      offsets.push_back(leaves.size());
      if (is_static[I]) {
        if constexpr (internal::StaticValue<T>) {
          std::get<I>(statics).emplace(arg);
          h = absl::HashOf(h, I, arg);
        } else {
          ThrowInvalid("jit: static argument ", I, " must be hashable (absl::Hash) and "
                       "comparable (==)");
        }
        return;
      }
      if constexpr (IsTree<T>::value) {
        TreeTraits<T>::Flatten(arg, leaves);
        TreeStructure(arg, structure);
        structure += ';';
      } else {
        ThrowInvalid("jit: argument ", I, " is not a container of tensors; list it in "
                     "static_argnums to pass it as a static C++ value");
      }
    }

    bool SameStatics(const std::any& other) const {
      const auto* o = std::any_cast<std::tuple<std::optional<Args>...>>(&other);
      if (o == nullptr) return false;
      bool same = true;
      [&]<size_t... I>(std::index_sequence<I...>) {
        ((same = same && Equal(std::get<I>(statics), std::get<I>(*o))), ...);
      }(std::index_sequence_for<Args...>());
      return same;
    }
    template <typename T>
    static bool Equal(const std::optional<T>& a, const std::optional<T>& b) {
      if (a.has_value() != b.has_value()) return false;
      if constexpr (internal::StaticValue<T>) {
        return !a.has_value() || static_cast<bool>(*a == *b);
      } else {
        return true;  // never static (the constructor threw)
      }
    }

    bool Matches(const internal::JitEntry& e) const {
      return e.hash == hash && e.avals == avals && e.structure == structure &&
             SameStatics(e.statics);
    }

    // The arguments f is traced with: static ones as given, the others rebuilt from leaves.
    std::tuple<Args...> Rebuild(const std::vector<Tensor>& values, const Args&... args) const {
      return [&]<size_t... I>(std::index_sequence<I...>) {
        return std::tuple<Args...>{Arg<I>(values, std::get<I>(std::tie(args...)))...};
      }(std::index_sequence_for<Args...>());
    }
    template <size_t I, typename T>
    T Arg(const std::vector<Tensor>& values, const T& like) const {
      if constexpr (IsTree<T>::value) {
        if (!is_static[I]) {
          const Tensor* it = values.data() + offsets[I];
          return TreeTraits<T>::Unflatten(like, it);
        }
      }
      return like;
    }
  };

  // Why a signature missed, against the cached ones (JAX's explain_cache_misses).
  template <typename... Args>
  std::string ExplainMiss(const Signature<Args...>& sig) const {
    if (state_->entries.empty()) return "first call";
    const internal::JitEntry& last = *state_->entries.back();
    if (last.structure != sig.structure) {
      return absl::StrCat("argument structure ", sig.structure, " differs from ", last.structure);
    }
    if (last.avals != sig.avals) {
      std::vector<std::string> was, now;
      for (const ShapedArray& a : last.avals) was.push_back(a.ToString());
      for (const ShapedArray& a : sig.avals) now.push_back(a.ToString());
      return absl::StrCat("argument types (", absl::StrJoin(now, ", "), ") differ from (",
                          absl::StrJoin(was, ", "), ")");
    }
    return "a static argument differs";
  }

  template <typename Out, typename... Args>
  std::shared_ptr<const internal::JitEntry> Lookup(const Signature<Args...>& sig,
                                                   const Args&... args) const {
    internal::JitState<F>& state = *state_;
    std::string why;
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      for (const auto& e : state.entries) {
        if (sig.Matches(*e)) return e;
      }
      if (LogCompiles()) why = ExplainMiss(sig);
    }
    // Trace outside the lock (f may call other jitted functions, or this one).
    auto entry = std::make_shared<internal::JitEntry>();
    std::optional<Out> out_like;
    std::vector<ShapedArray> program_avals;
    for (const ShapedArray& a : sig.avals) {
      if (a.dtype != DType::kFloat0) program_avals.push_back(a);
    }
    const ClosedProgram traced = TraceToProgram(
        [&](const std::vector<Tensor>& values) {
          // f's leaves: the traced values, and float0 zeros where the arguments hold float0.
          std::vector<Tensor> all;
          auto next = values.begin();
          for (const ShapedArray& a : sig.avals) {
            all.push_back(a.dtype == DType::kFloat0 ? Filled(a, 0.0, "jit") : *next++);
          }
          Out out = std::apply(state.f, sig.Rebuild(all, args...));
          std::vector<Tensor> leaves;
          entry->float0_outs.clear();
          for (Tensor& y : TreeLeaves(out)) {
            const bool float0 = y.defined() && y.dtype() == DType::kFloat0;
            entry->float0_outs.push_back(float0 ? std::optional(y.aval()) : std::nullopt);
            if (!float0) leaves.push_back(std::move(y));
          }
          out_like.emplace(std::move(out));
          return leaves;
        },
        program_avals, "jit");
    state.traces.fetch_add(1);
    GlobalJitCounters().traces.fetch_add(1);
    if (LogCompiles()) {
      std::vector<std::string> avals;
      for (const ShapedArray& a : sig.avals) avals.push_back(a.ToString());
      std::fprintf(stderr, "jit(%s): traced for (%s): %s\n", state.options.name.c_str(),
                   absl::StrJoin(avals, ", ").c_str(), why.c_str());
    }
    std::vector<bool> donated(traced.consts.size(), false);
    for (size_t i = 0; i < sig.donated_arg.size(); ++i) {
      for (size_t k = sig.offsets[i]; k < sig.offsets[i + 1]; ++k) {
        if (sig.avals[k].dtype != DType::kFloat0) donated.push_back(sig.donated_arg[i]);
      }
    }
    Params params;
    params.program = ConstsAsInputs(*traced.program);
    params.name = state.options.name;
    params.object = std::make_shared<CompiledCalls>(std::move(donated));
    entry->hash = sig.hash;
    entry->avals = sig.avals;
    entry->structure = sig.structure;
    entry->statics = sig.statics;
    entry->params = SharedParams(params);
    entry->consts = traced.consts;
    entry->out_like = *std::move(out_like);
    // A trace that closed over tracers of an enclosing transformation is only valid there.
    const bool cacheable = std::all_of(entry->consts.begin(), entry->consts.end(),
                                       [](const Tensor& c) { return c.is_concrete(); });
    if (!cacheable) return entry;
    std::lock_guard<std::mutex> lock(state.mutex);
    for (const auto& e : state.entries) {
      if (sig.Matches(*e)) return e;  // another thread traced it meanwhile
    }
    state.entries.push_back(entry);
    return entry;
  }

  std::shared_ptr<internal::JitState<F>> state_;
};

// f compiled (JAX's jax.jit): see the top of this file. Options: static_argnums,
// donate_argnums, jit_name, or a JitOptions.
template <typename F, typename... Options>
  requires(std::is_same_v<Options, JitOptions> && ...)
Jitted<F> jit(F f, const Options&... options) {
  JitOptions all;
  [[maybe_unused]] const auto add = [&all](const JitOptions& o) {
    all.static_argnums.insert(all.static_argnums.end(), o.static_argnums.begin(),
                              o.static_argnums.end());
    all.donate_argnums.insert(all.donate_argnums.end(), o.donate_argnums.begin(),
                              o.donate_argnums.end());
    if (!o.name.empty()) all.name = o.name;
  };
  (add(options), ...);
  return Jitted<F>(std::move(f), std::move(all));
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_JIT_H_
