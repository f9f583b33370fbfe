// File: core/interpreter.cc
// The per-thread interpreter stack and Bind.

#include "core/interpreter.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/rules.h"

namespace cotangent {
namespace {

// stack[L] is the interpreter at level L; stack[0] stands for eval and is null.
std::vector<Interpreter*>& Stack() {
  thread_local std::vector<Interpreter*> stack = {nullptr};
  return stack;
}

uint64_t NewTraceId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The interpreter that owns a tracer, or an error if the tracer escaped its transformation.
Interpreter& OwnerOf(const Tensor& x, const char* op) {
  const auto& stack = Stack();
  const int level = x.level();
  const auto& tracer = static_cast<const Tracer&>(*x.node());
  if (level >= static_cast<int>(stack.size()) || stack[level]->trace_id() != tracer.trace_id()) {
    ThrowInvalid(op, ": operand ", x.aval().ToString(),
                 " is a tracer that escaped the transformation that made it (a leaked tracer: "
                 "a value from inside grad/jvp/vmap was kept and used after it returned)");
  }
  return *stack[level];
}

}  // namespace

Tracer::Tracer(const Interpreter& interpreter, ShapedArray aval)
    : Node(std::move(aval), interpreter.level()), trace_id_(interpreter.trace_id()) {}

Interpreter::Interpreter(const char* name) : name_(name), trace_id_(NewTraceId()) {}

InterpreterScope::InterpreterScope(Interpreter& interpreter) : interpreter_(interpreter) {
  auto& stack = Stack();
  interpreter_.level_ = static_cast<int>(stack.size());
  stack.push_back(&interpreter_);
}

InterpreterScope::~InterpreterScope() {
  auto& stack = Stack();
  assert(stack.back() == &interpreter_ && "interpreter scopes must nest");
  stack.pop_back();  // level() stays valid: results are unpacked after the scope ends
}

int NextLevel() { return static_cast<int>(Stack().size()); }

Interpreter* InterpreterAt(int level) {
  const auto& stack = Stack();
  return level >= 1 && level < static_cast<int>(stack.size()) ? stack[level] : nullptr;
}

Tensor BindCustom(const CustomFunction& f, absl::Span<const Tensor> inputs) {
  int top = 0;
  const Tensor* top_input = nullptr;
  for (const Tensor& x : inputs) {
    if (!x.defined()) ThrowInvalid(f.name(), ": undefined argument");
    if (x.level() > top) {
      top = x.level();
      top_input = &x;
    }
  }
  if (top == 0) return f.Call(inputs);
  Interpreter& interpreter = OwnerOf(*top_input, f.name());
  absl::InlinedVector<Tensor, 4> lifted(inputs.begin(), inputs.end());
  for (Tensor& x : lifted) {
    if (x.level() < top) x = interpreter.Lift(x);
  }
  return interpreter.ProcessCustom(f, lifted);
}

Tensor Bind(Primitive prim, absl::Span<const Tensor> inputs, const Params& params) {
  const int arity = PrimitiveArity(prim);
  if (arity >= 0 && static_cast<int>(inputs.size()) != arity) {
    ThrowInvalid(PrimitiveName(prim), ": expected ", arity, " operands, got ", inputs.size());
  }
  absl::InlinedVector<ShapedArray, 4> avals;
  avals.reserve(inputs.size());
  int top = 0;
  for (const Tensor& x : inputs) {
    if (!x.defined()) ThrowInvalid(PrimitiveName(prim), ": undefined operand");
    avals.push_back(x.aval());
    top = std::max(top, x.level());
  }
  const ShapedArray out_aval = AbstractEval(prim, avals, params);
  if (top == 0) return EvalPrimitive(prim, inputs, params, out_aval);

  Interpreter* interpreter = nullptr;
  for (const Tensor& x : inputs) {
    if (x.level() == top) {
      interpreter = &OwnerOf(x, PrimitiveName(prim));
      break;
    }
  }
  absl::InlinedVector<Tensor, 4> lifted(inputs.begin(), inputs.end());
  for (Tensor& x : lifted) {
    if (x.level() < top) x = interpreter->Lift(x);
  }
  return interpreter->Process(prim, lifted, params, out_aval);
}

}  // namespace cotangent
