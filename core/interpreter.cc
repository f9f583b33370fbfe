// File: core/interpreter.cc
// The per-thread interpreter stack and Bind.

#include "core/interpreter.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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

// The level of the innermost dynamic interpreter (0: none): the lowest level a primitive binds at.
int& DynamicLevel() {
  thread_local int level = 0;
  return level;
}

// The interpreters inner frames have replaced (FrameScope), innermost last, as (level, trace
// id): their tracers are live and belong to the frame now at that level.
std::vector<std::pair<int, uint64_t>>& Shadowed() {
  thread_local std::vector<std::pair<int, uint64_t>> shadowed;
  return shadowed;
}

bool IsLive(const std::vector<Interpreter*>& stack, int level, uint64_t trace_id) {
  if (level >= static_cast<int>(stack.size())) return false;
  if (stack[level]->trace_id() == trace_id) return true;
  const auto& shadowed = Shadowed();
  return std::find(shadowed.begin(), shadowed.end(), std::pair{level, trace_id}) != shadowed.end();
}

uint64_t NewTraceId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The interpreter that owns a tracer, or an error if the tracer escaped its transformation.
Interpreter& OwnerOf(const Tensor& x, const char* op) {
  const auto& stack = Stack();
  const int level = x.level();
  if (level == kAbstractLevel) {
    ThrowInvalid(op, ": operand ", x.aval().ToString(), " is an abstract value (a shape and "
                 "dtype from eval_shape), not an array");
  }
  const auto& tracer = static_cast<const Tracer&>(*x.node());
  if (!IsLive(stack, level, tracer.trace_id())) {
    ThrowInvalid(op, ": operand ", x.aval().ToString(),
                 " is a tracer that escaped the transformation that made it (a leaked tracer: "
                 "a value from inside grad/jvp/vmap/jit was kept and used after it returned)");
  }
  return *stack[level];
}

// A custom function running on behalf of the interpreter at `limit` (or of eval: limit 1):
// tracers of levels in [limit, stack_size) that are not allowed are closed over by it.
struct Region {
  const CustomFunction* f;
  int limit;
  int stack_size;
  absl::InlinedVector<int, 2> allowed;
};

std::vector<Region>& Regions() {
  thread_local std::vector<Region> regions;
  return regions;
}

// Thrown through user code when a closed-over tracer's interpreter must take the call over;
// caught by the BindCustom of the region that found it. Not an Error: user code does not
// catch it.
struct TakeOver {
  size_t region;
  int level;
};

// The innermost running custom function that closes over a tracer of `level`, as an index
// into Regions(), or -1.
int ClosingRegion(int level) {
  const auto& regions = Regions();
  for (int i = static_cast<int>(regions.size()) - 1; level > 0 && i >= 0; --i) {
    const Region& r = regions[i];
    // Allowed: the code runs inside that interpreter, for this region and those around it.
    if (std::find(r.allowed.begin(), r.allowed.end(), level) != r.allowed.end()) return -1;
    if (level >= r.limit && level < r.stack_size) return i;
  }
  return -1;
}

// Checks every operand (defined, not escaped), lowers closed-over tracers and returns the
// highest level among them.
int PrepareOperands(const char* op, absl::Span<Tensor> xs) {
  int top = 0;
  for (Tensor& x : xs) {
    if (!x.defined()) ThrowInvalid(op, ": undefined operand");
    while (x.level() > 0) {
      Interpreter& owner = OwnerOf(x, op);
      const int region = ClosingRegion(x.level());
      if (region < 0) break;
      Tensor lowered = owner.LowerClosedOver(x, *Regions()[region].f);
      if (!lowered.defined()) throw TakeOver{static_cast<size_t>(region), x.level()};
      x = std::move(lowered);
    }
    top = std::max(top, x.level());
  }
  return top;
}

class RegionScope {
 public:
  RegionScope(const CustomFunction& f, int top) : index_(Regions().size()) {
    Regions().push_back({&f, std::max(top, 1), static_cast<int>(Stack().size()), {}});
  }
  ~RegionScope() { Regions().pop_back(); }
  RegionScope(const RegionScope&) = delete;
  RegionScope& operator=(const RegionScope&) = delete;

  size_t index() const { return index_; }
  void Restart(int top) { Regions()[index_].limit = top; }

 private:
  size_t index_;
};

// f applied at level `top` (its Call at 0), by the interpreter there, after lifting.
std::vector<Tensor> ProcessCustomAt(const CustomFunction& f, absl::Span<const Tensor> args, int top,
                       bool take_over) {
  if (top == 0) return f.Call(args);
  Interpreter& interpreter = *Stack()[top];
  absl::InlinedVector<Tensor, 4> lifted(args.begin(), args.end());
  for (Tensor& x : lifted) {
    if (x.level() < top) x = interpreter.Lift(x);
  }
  return take_over ? interpreter.ProcessCustomClosure(f, lifted)
                   : interpreter.ProcessCustom(f, lifted);
}

}  // namespace

Tracer::Tracer(const Interpreter& interpreter, ShapedArray aval)
    : Node(std::move(aval), interpreter.level()), trace_id_(interpreter.trace_id()) {}

Interpreter::Interpreter(const char* name, bool dynamic)
    : name_(name), trace_id_(NewTraceId()), dynamic_(dynamic) {}

std::vector<Tensor> Interpreter::ProcessCustom(const CustomFunction& f,
                                               absl::Span<const Tensor> inputs) {
  AllowLevelScope allow(level());
  return f.Call(inputs);
}

std::vector<Tensor> Interpreter::ProcessCustomClosure(const CustomFunction& f,
                                                      absl::Span<const Tensor> inputs) {
  return Interpreter::ProcessCustom(f, inputs);
}

Tensor Interpreter::LowerClosedOver(const Tensor&, const CustomFunction&) { return Tensor(); }

InterpreterScope::InterpreterScope(Interpreter& interpreter)
    : interpreter_(interpreter), saved_dynamic_level_(DynamicLevel()) {
  auto& stack = Stack();
  interpreter_.level_ = static_cast<int>(stack.size());
  stack.push_back(&interpreter_);
  if (interpreter_.dynamic()) DynamicLevel() = interpreter_.level_;
}

InterpreterScope::~InterpreterScope() {
  auto& stack = Stack();
  assert(stack.back() == &interpreter_ && "interpreter scopes must nest");
  stack.pop_back();  // level() stays valid: results are unpacked after the scope ends
  DynamicLevel() = saved_dynamic_level_;
}

FrameScope::FrameScope(Interpreter& frame, int level)
    : frame_(frame), replaced_(nullptr), saved_dynamic_level_(DynamicLevel()) {
  assert(level >= 1 && level < static_cast<int>(Stack().size()) && "a frame replaces a level");
  replaced_ = Stack()[level];  // after the check: a level off the stack is never read
  Shadowed().emplace_back(level, replaced_->trace_id());
  frame_.level_ = level;
  Stack()[level] = &frame_;
  if (frame_.dynamic()) DynamicLevel() = std::max(DynamicLevel(), level);
}

FrameScope::~FrameScope() {
  Stack()[frame_.level_] = replaced_;
  Shadowed().pop_back();
  DynamicLevel() = saved_dynamic_level_;
}

AllowLevelScope::AllowLevelScope(int level) {
  if (!Regions().empty()) Regions().back().allowed.push_back(level);
}

AllowLevelScope::~AllowLevelScope() {
  if (!Regions().empty()) Regions().back().allowed.pop_back();
}

void ThrowClosedOverDifferentiation(const CustomFunction& f, const Tensor& x) {
  ThrowInvalid(f.name(), ": Detected differentiation of a custom function with respect to a "
               "closed-over value (", x.aval().ToString(), "). That isn't supported because "
               "the custom rule only specifies how to differentiate the function with respect "
               "to its explicit arguments. Pass the closed-over value to the function as an "
               "argument, and adapt the rule.");
}

void CheckLiveTracers(const char* op, absl::Span<const Tensor> xs) {
  for (const Tensor& x : xs) {
    if (x.defined() && x.level() > 0) OwnerOf(x, op);
  }
}

const char* TransformationOf(const Tensor& x) {
  if (!x.defined() || x.level() <= 0 || x.level() == kAbstractLevel) return nullptr;
  const auto& stack = Stack();
  const auto& tracer = static_cast<const Tracer&>(*x.node());
  if (!IsLive(stack, x.level(), tracer.trace_id())) return nullptr;
  return stack[x.level()]->name();
}

int NextLevel() { return static_cast<int>(Stack().size()); }

Interpreter* InterpreterAt(int level) {
  const auto& stack = Stack();
  return level >= 1 && level < static_cast<int>(stack.size()) ? stack[level] : nullptr;
}

std::vector<Tensor> BindCustom(const CustomFunction& f, absl::Span<const Tensor> inputs) {
  absl::InlinedVector<Tensor, 4> args(inputs.begin(), inputs.end());
  int top = std::max(PrepareOperands(f.name(), absl::MakeSpan(args)), DynamicLevel());
  RegionScope region(f, top);
  bool take_over = false;
  for (;;) {
    try {
      return ProcessCustomAt(f, args, top, take_over);
    } catch (const TakeOver& t) {
      // f closes over a tracer of level t.level that must process the call itself: start
      // again there (the work done so far is dropped; functions are pure).
      if (t.region != region.index()) throw;
      if (t.level <= top) {
        ThrowInvalid(f.name(), ": internal error: the interpreter at level ", t.level,
                     " cannot take over a call it is already processing");
      }
      top = t.level;
      take_over = true;
      region.Restart(top);
    }
  }
}

const Interpreter* AxisFrame(std::string_view name) {
  const std::vector<Interpreter*>& stack = Stack();
  for (size_t level = stack.size(); level-- > 1;) {
    const NamedAxis* axis = stack[level]->named_axis();
    if (axis != nullptr && axis->name == name) return stack[level];
  }
  return nullptr;
}

namespace {

struct ProcessAxesSlot {
  absl::Mutex mutex;
  std::shared_ptr<ProcessAxes> axes;
};
ProcessAxesSlot& ProcessAxesHere() {
  static ProcessAxesSlot* const slot = new ProcessAxesSlot();
  return *slot;
}

// The size of a named axis and the level of the interpreter binding it (0: the process axes),
// or a size of 0 when nothing binds it.
std::pair<int64_t, int> AxisBinding(const std::string& name) {
  if (const Interpreter* frame = AxisFrame(name)) return {frame->named_axis()->size, frame->level()};
  const std::shared_ptr<ProcessAxes> processes = CurrentProcessAxes();
  return {processes == nullptr ? 0 : processes->Size(name), 0};
}

}  // namespace

void SetProcessAxes(std::shared_ptr<ProcessAxes> axes) {
  absl::MutexLock lock(&ProcessAxesHere().mutex);
  ProcessAxesHere().axes = std::move(axes);
}

std::shared_ptr<ProcessAxes> CurrentProcessAxes() {
  absl::MutexLock lock(&ProcessAxesHere().mutex);
  return ProcessAxesHere().axes;
}

int64_t NamedAxesSize(const char* op, const std::vector<std::string>& names) {
  int64_t size = 1;
  for (const std::string& name : names) {
    const int64_t n = AxisBinding(name).first;
    if (n == 0) ThrowInvalid(op, ": unbound axis name '", name, "'");
    size *= n;
  }
  return size;
}

std::string NamedAxesKey() {
  std::string key;
  for (const Interpreter* interpreter : Stack()) {
    const NamedAxis* axis = interpreter == nullptr ? nullptr : interpreter->named_axis();
    if (axis != nullptr) absl::StrAppend(&key, key.empty() ? "" : ",", axis->name, "=", axis->size);
  }
  if (const std::shared_ptr<ProcessAxes> processes = CurrentProcessAxes()) {
    absl::StrAppend(&key, ";processes ", processes->Key());
  }
  return key;
}

namespace {

// A collective runs at the level of the innermost interpreter binding any of its axes (or
// above, where its operands are): JAX's axis frames. Operands from below are lifted there, so
// psum of a constant is the constant times the axis size, and axis_index has an interpreter.
int CollectiveLevel(Primitive prim, const Params& params) {
  int level = 0;
  if (params.axis_names.empty()) ThrowInvalid(PrimitiveName(prim), ": no axis names");
  for (const std::string& name : params.axis_names) {
    const auto [size, at] = AxisBinding(name);
    if (size == 0) ThrowInvalid(PrimitiveName(prim), ": unbound axis name '", name, "'");
    level = std::max(level, at);
  }
  return level;
}

}  // namespace

TensorList Bind(Primitive prim, absl::Span<const Tensor> inputs, const Params& params) {
  const int arity = PrimitiveArity(prim);
  if (arity >= 0 && static_cast<int>(inputs.size()) != arity) {
    ThrowInvalid(PrimitiveName(prim), ": expected ", arity, " operands, got ", inputs.size());
  }
  absl::InlinedVector<Tensor, 4> args(inputs.begin(), inputs.end());
  int top = std::max(PrepareOperands(PrimitiveName(prim), absl::MakeSpan(args)), DynamicLevel());
  if (KindOf(prim) == PrimitiveKind::kCollective) top = std::max(top, CollectiveLevel(prim, params));
  absl::InlinedVector<ShapedArray, 4> avals;
  avals.reserve(args.size());
  for (const Tensor& x : args) avals.push_back(x.aval());
  const AvalList out_avals = AbstractEval(prim, avals, params);
  if (top == 0) {
    const ImplRule impl = Rules()[prim].impl;
    return impl != nullptr ? impl(args, params) : EvalPrimitive(prim, args, params, out_avals);
  }
  Interpreter& interpreter = *Stack()[top];
  for (Tensor& x : args) {
    if (x.level() < top) x = interpreter.Lift(x);
  }
  return interpreter.Process(prim, args, params, out_avals);
}

Tensor Bind1(Primitive prim, absl::Span<const Tensor> inputs, const Params& params) {
  TensorList out = Bind(prim, inputs, params);
  assert(out.size() == 1 && "Bind1 of a primitive with several outputs");
  return std::move(out[0]);
}

}  // namespace cotangent
