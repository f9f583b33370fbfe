// File: core/program.h
// Program, the staged IR (JAX's jaxpr): typed variables, hoisted constants, scalar literals and
// an ordered list of equations `outs = prim[params](ins)` with any number of outputs. A program
// is a value: printable in jaxpr style, comparable and hashable by structure (for caches),
// checked by VerifyProgram, and evaluable at any level of the interpreter stack by
// EvalProgram, which binds every equation (so a program can itself be traced). Programs are
// made by tracing (interpreters/graph.h) and carried by higher-order primitives in their params.

#ifndef COTANGENT_CORE_PROGRAM_H_
#define COTANGENT_CORE_PROGRAM_H_

#include <algorithm>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/types/span.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace cotangent {

// An operand of an equation or an output of a program: a variable or a scalar literal (a
// library constant such as the 2.0 of x * 2.0, which costs the program no constant array).
struct Atom {
  int32_t var = -1;           // the variable's id, or -1 for a literal
  DType dtype = DType::kF32;  // a literal's type (literals are scalars)
  Number value;               // a literal's value, in its one form in dtype (Number::In)

  static Atom Var(int32_t id) { return Atom{id}; }
  static Atom Literal(Number value, DType dtype) { return Atom{-1, dtype, value.In(dtype)}; }
  bool is_literal() const { return var < 0; }
  // Literals compare by their bits, as the stable hash reads them: a NaN literal equals itself
  // (a program holding one equals itself, and a hash map keyed by it finds it) and -0 is not
  // +0 (x * -0 is not x * 0).
  bool operator==(const Atom& o) const {
    return var == o.var && dtype == o.dtype && value.Identical(o.value);
  }
  template <typename H>
  friend H AbslHashValue(H h, const Atom& a) {
    return H::combine(std::move(h), a.var, a.dtype, a.value.bits());
  }
};

// outputs = prim[params](inputs). The params are shared, immutable (SharedParams): a program
// is copied, extracted and grown without copying that large struct per equation.
struct Equation {
  Primitive prim = Primitive::kAdd;
  std::shared_ptr<const Params> params = SharedParams(NoParams());
  std::vector<Atom> inputs;
  std::vector<int32_t> outputs;
  // Structural: params compare by value.
  bool operator==(const Equation& o) const {
    return prim == o.prim && *params == *o.params && inputs == o.inputs && outputs == o.outputs;
  }
};

// `{ lambda constvars ; invars . let eqns in (outvars) }`. Variables are ids into `avals`;
// each is defined once (a constvar, an invar or an equation output) before it is read.
class Program {
 public:
  std::vector<ShapedArray> avals;  // every variable's type, by id
  std::vector<int32_t> constvars;  // hoisted constants (their values: ClosedProgram::consts)
  std::vector<int32_t> invars;
  std::vector<Equation> eqns;
  std::vector<Atom> outvars;

  ShapedArray AvalOf(const Atom& a) const {
    return a.is_literal() ? ShapedArray{{}, a.dtype} : avals[a.var];
  }
  std::vector<ShapedArray> InAvals() const;
  std::vector<ShapedArray> OutAvals() const;

  // A new variable of `aval`.
  int32_t NewVar(ShapedArray aval) {
    avals.push_back(std::move(aval));
    return static_cast<int32_t>(avals.size() - 1);
  }

  // Structural: the same equations over the same types, variables matched by id (programs
  // made by tracing number their variables in definition order).
  bool operator==(const Program& other) const;
  // Stable across runs and machines (no pointers, no per-process seed): a cache key, in memory
  // or on disk.
  uint64_t Hash() const;
};

// A program with the values of its constants: what make_jaxpr returns. Constants may be
// tracers of enclosing transformations (the program is then a value of that trace).
struct ClosedProgram {
  std::shared_ptr<const Program> program;
  std::vector<Tensor> consts;  // one per program->constvars

  std::vector<ShapedArray> InAvals() const { return program->InAvals(); }
  std::vector<ShapedArray> OutAvals() const { return program->OutAvals(); }
  // The same program over the same constant values (by identity).
  bool operator==(const ClosedProgram& other) const;
  // Applies the program to args at the current level (EvalProgram).
  std::vector<Tensor> operator()(absl::Span<const Tensor> args) const;
  std::string ToString() const;
};

// The program in jaxpr style; nested programs (in params) continue the naming, as JAX's.
// `indent`: the column of the enclosing equation (0 at top level); `names`: the next name to
// give, shared with the enclosing program.
std::string PrintProgram(const Program& program, int indent = 0, int* names = nullptr);
std::ostream& operator<<(std::ostream& os, const ClosedProgram& p);
// Comparing a printed program with its expected text reads naturally in tests.
inline bool operator==(const ClosedProgram& p, std::string_view text) {
  return p.ToString() == text;
}

// The part of `program` with these constants, inputs, equations (those flagged in `keep`) and
// outputs, its variables renumbered in definition order (constants, inputs, equation
// outputs). Every variable read must be among them or defined by a kept equation.
std::shared_ptr<Program> ExtractProgram(const Program& program, absl::Span<const int32_t> constvars,
                                        absl::Span<const int32_t> invars,
                                        const std::vector<bool>& keep,
                                        absl::Span<const Atom> outvars);

// Appends p's equations to `out` with p's inputs bound to `ins` (atoms of out), the programs
// of calls inlined in place; returns the atoms of p's outputs.
std::vector<Atom> InlineInto(const Program& p, absl::Span<const Atom> ins, Program& out);

// A while_loop run in rounds (Backend::LoopStepsPerRead): its guarded step, with inputs cond's
// constants (the first num_cond_consts of cond's inputs), body's constants, a predicate p and
// the carry c, and outputs p && cond(c') and c' = p ? body(c) : c. Once p is false it stays
// false and the carry stays, so k guarded steps from p = cond(c) are the loop run for at most
// k steps, and one read of the last p says whether it ended. Empty when a step may not run past
// the loop's end: cond or body holds a while_loop (run on a finished carry, it may never end)
// or a collective (processes whose loops end apart would run different collectives).
std::optional<Program> GuardedWhileStep(const Program& cond, const Program& body,
                                        size_t num_cond_consts);

// The loop `while (read(cond(c))) c = body(c)` over a carry of V (Array, Tensor): with
// steps_per_read > 1 (and `guarded`, the GuardedWhileStep run as (p, c) -> (p', c')) in
// rounds of 1, 2, 4, ... up to steps_per_read guarded steps, each round ended by one read, so
// n steps cost about log2 n + n / steps_per_read reads and fewer than twice their work.
template <typename V, typename Cond, typename Body, typename Guarded, typename Read>
std::vector<V> RunWhile(int steps_per_read, std::vector<V> carry, const Cond& cond,
                        const Body& body, const Guarded& guarded, const Read& read) {
  if (steps_per_read <= 1) {
    while (read(cond(carry))) carry = body(carry);
    return carry;
  }
  V pred = cond(carry);
  for (int k = 1; read(pred); k = std::min(2 * k, steps_per_read)) {
    for (int s = 0; s < k; ++s) std::tie(pred, carry) = guarded(pred, carry);
  }
  return carry;
}

// Throws "<op>: ill-typed program: ..." with the offending equation printed unless every
// variable is defined once before it is read, every equation's outputs have the types its
// abstract evaluation gives, and literals are scalars.
void VerifyProgram(const Program& program, std::string_view op);

// The outputs of program applied to consts and args, binding every equation at the current
// level. Throws "<op>: ..." naming both types when an argument does not match the program's
// input type. Each value is released after its last use.
std::vector<Tensor> EvalProgram(const Program& program, absl::Span<const Tensor> consts,
                                absl::Span<const Tensor> args, std::string_view op = "eval_program");

}  // namespace cotangent

#endif  // COTANGENT_CORE_PROGRAM_H_
