// File: core/interpreter.h
// The dynamic interpreter stack (JAX semantics, as in autodidax). Bind() is the single entry
// point of every primitive application: abstract evaluation checks the inputs, the highest
// interpreter among the inputs' tracers processes the primitive (lifting the other inputs),
// and concrete inputs fall through to eval (core/eval.h). One stack per thread.

#ifndef COTANGENT_CORE_INTERPRETER_H_
#define COTANGENT_CORE_INTERPRETER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/tensor.h"

namespace cotangent {

class Interpreter;

// A function with its own differentiation rule (custom_jvp, custom_vjp: cotangent/custom.h).
// Interpreters that do not know the rule trace through the function itself.
//
// Closed-over tracers (JAX's semantics, jax PR 4008): the function and its rules may close over
// tracers of any live transformation. While a custom function runs on behalf of the
// interpreter at level T (its rule, or the function itself at level 0), a tracer of a level in
// [T, top of stack] that the code did not receive as an argument is a closed-over value: its
// interpreter either lowers it to a value below its level (a zero-tangent jvp tracer is its
// primal, an unbatched batch tracer its value), rejects it (differentiation with respect to a
// closed-over value, which the rule does not describe: an Error, as JAX's CustomVJPException),
// or takes over the call (vmap: the batch interpreter runs the function and its rules
// inside itself, as JAX's batch_subtrace).
//
// Staged into a program (make_jaxpr, the programs of higher-order primitives), a custom
// function is one equation of its staged_primitive() carrying the function's program and the
// function itself (its rules) in its params. Made by std::make_shared (the params share it).
class CustomFunction : public ParamObject,
                       public std::enable_shared_from_this<CustomFunction> {
 public:
  // A name for messages and printed programs.
  virtual const char* name() const = 0;
  // The function itself: its outputs, flattened (a function of pytrees returns the leaves of
  // its output container; the public wrappers rebuild it).
  virtual std::vector<Tensor> Call(absl::Span<const Tensor> args) const = 0;
  // custom_jvp_call or custom_vjp_call.
  virtual Primitive staged_primitive() const = 0;
};

// A value known only inside a transformation: subclasses carry what their interpreter needs
// (a primal and a tangent, a batched value and its batch axis...).
class Tracer : public Node {
 public:
  Tracer(const Interpreter& interpreter, ShapedArray aval);
  // Identifies the transformation application that made this tracer (levels are reused).
  uint64_t trace_id() const { return trace_id_; }

 private:
  uint64_t trace_id_;
};

// An axis a transformation binds to a name (vmap's axis_name, JAX's axis frame): collectives
// over the name (core/primitives.def) are processed by that transformation's interpreter.
struct NamedAxis {
  std::string name;
  int64_t size = 0;
};

// One application of a transformation. Push it with InterpreterScope; its level is its depth
// in the stack (eval is level 0), and each application gets a fresh trace id, so a tracer of an
// outer transformation closed over by an inner function is a constant there.
class Interpreter {
 public:
  // `dynamic`: while this interpreter is on the stack, every primitive binds at its level or
  // above, even on concrete operands (JAX's dynamic trace: make_jaxpr and eval_shape stage
  // everything, constants made inside the function included).
  explicit Interpreter(const char* name, bool dynamic = false);
  virtual ~Interpreter() = default;
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  const char* name() const { return name_; }
  int level() const { return level_; }
  uint64_t trace_id() const { return trace_id_; }
  bool dynamic() const { return dynamic_; }
  // The axis this interpreter binds to a name, or null.
  virtual const NamedAxis* named_axis() const { return nullptr; }

  // Wraps a value of a lower level (a constant here) as a tracer of this interpreter.
  virtual Tensor Lift(const Tensor& x) = 0;

  // Applies prim to inputs, all tracers of this interpreter, and returns one tracer per
  // output. out_avals is the result of abstract evaluation. Rules bind at lower levels, by
  // calling Bind on unwrapped values.
  virtual TensorList Process(Primitive prim, absl::Span<const Tensor> inputs,
                             const Params& params, absl::Span<const ShapedArray> out_avals) = 0;

  // Applies a custom function to inputs, all tracers of this interpreter. By default the
  // function is traced through; differentiation interpreters use its rule instead.
  virtual std::vector<Tensor> ProcessCustom(const CustomFunction& f,
                                            absl::Span<const Tensor> inputs);

  // As ProcessCustom, when the function closes over a tracer of this interpreter that
  // LowerClosedOver could not lower: the call must be handled here, not passed down.
  virtual std::vector<Tensor> ProcessCustomClosure(const CustomFunction& f,
                                                   absl::Span<const Tensor> inputs);

  // x, a tracer of this interpreter closed over by custom function f running on behalf of a
  // lower level: the same value at a lower level, or undefined when this interpreter must take
  // the call over (ProcessCustomClosure). Throws when f would be differentiated with respect
  // to x. By default: take the call over (trace through f).
  virtual Tensor LowerClosedOver(const Tensor& x, const CustomFunction& f);

 private:
  friend class InterpreterScope;
  friend class FrameScope;
  const char* name_;
  int level_ = -1;
  uint64_t trace_id_;
  bool dynamic_;
};

// While alive, tracers of `level` are not closed-over values inside the innermost running
// custom function: its code runs inside that interpreter (a trace-through or a batch subtrace).
class AllowLevelScope {
 public:
  explicit AllowLevelScope(int level);
  ~AllowLevelScope();
  AllowLevelScope(const AllowLevelScope&) = delete;
  AllowLevelScope& operator=(const AllowLevelScope&) = delete;
};

// Throws "<op>: Detected differentiation of a custom function with respect to a closed-over
// value ..." (JAX's CustomVJPException, for custom_jvp and custom_vjp alike).
[[noreturn]] void ThrowClosedOverDifferentiation(const CustomFunction& f, const Tensor& x);

// Throws unless every tracer among xs belongs to a live transformation (an escaped or leaked
// tracer is an error naming op, in any operand position).
void CheckLiveTracers(const char* op, absl::Span<const Tensor> xs);

// Pushes an interpreter on this thread's stack for the lifetime of the scope.
class InterpreterScope {
 public:
  explicit InterpreterScope(Interpreter& interpreter);
  ~InterpreterScope();
  InterpreterScope(const InterpreterScope&) = delete;
  InterpreterScope& operator=(const InterpreterScope&) = delete;

 private:
  Interpreter& interpreter_;
  int saved_dynamic_level_;
};

// While alive, `frame` takes the place of the interpreter at `level` (an existing level below
// the top): an inner frame, as JAX's DynamicJaxprTrace traces a sub-program (a custom
// function's body) in a new frame of its own level. The interpreters above keep their order,
// so a batch interpreter above a program being recorded can run the body inside itself (its
// tracers wrap the frame's). Tracers of the replaced interpreter stay live and reach the frame
// (a graph records them as values from outside: constants of the sub-program).
class FrameScope {
 public:
  FrameScope(Interpreter& frame, int level);
  ~FrameScope();
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;

 private:
  Interpreter& frame_;
  Interpreter* replaced_;
  int saved_dynamic_level_;
};

// The name of the live transformation that x is a tracer of ("jvp", "jit", ...), or null for
// a concrete or abstract value or an escaped tracer.
const char* TransformationOf(const Tensor& x);

// The level a new interpreter would get: one above the current top (eval is 0).
int NextLevel();

// Applies a primitive to inputs at the right level of the stack and returns its outputs.
TensorList Bind(Primitive prim, absl::Span<const Tensor> inputs,
                const Params& params = NoParams());

// Bind for a primitive with one output.
Tensor Bind1(Primitive prim, absl::Span<const Tensor> inputs,
             const Params& params = NoParams());

// Applies a custom function at the right level of the stack (its Call on concrete inputs): the
// highest level among its inputs and the tracers it closes over.
std::vector<Tensor> BindCustom(const CustomFunction& f, absl::Span<const Tensor> inputs);

// The interpreter at `level` of this thread's stack (level >= 1), or null past the top.
Interpreter* InterpreterAt(int level);

// Named axes that span processes (distributed/: MPI): collectives over them run at eval, on
// concrete operands, by Run; every thread sees them. Installed by the process mesh.
class ProcessAxes {
 public:
  virtual ~ProcessAxes() = default;
  // The number of processes along `name`, or 0 when it is not one of these axes.
  virtual int64_t Size(std::string_view name) const = 0;
  // The axes and their sizes, "data=2": part of jit's cache key.
  virtual std::string Key() const = 0;
  // Applies the collective prim over these axes to concrete operands.
  virtual TensorList Run(Primitive prim, absl::Span<const Tensor> in, const Params& params) = 0;
};
// Installs `axes` (null: none) in place of the previous ones.
void SetProcessAxes(std::shared_ptr<ProcessAxes> axes);
std::shared_ptr<ProcessAxes> CurrentProcessAxes();

// The innermost interpreter binding the axis `name` on this thread's stack (an inner vmap
// shadows an outer one of the same name), or null.
const Interpreter* AxisFrame(std::string_view name);
// The total size of the named axes; throws "<op>: unbound axis name 'k'" for one neither an
// interpreter nor the process axes bind.
int64_t NamedAxesSize(const char* op, const std::vector<std::string>& names);
// The named axes bound on this thread's stack, innermost last, as "i=4,j=2", then the process
// axes': part of jit's cache key (a program traced under named axes holds their sizes).
std::string NamedAxesKey();

}  // namespace cotangent

#endif  // COTANGENT_CORE_INTERPRETER_H_
