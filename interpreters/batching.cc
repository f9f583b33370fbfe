// File: interpreters/batching.cc
// The batching interpreter and VmapFlat: checking and placing the mapped axes, running f on
// batch tracers, and moving each result's batch axis to where it was asked.

#include "interpreters/batching.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "absl/container/inlined_vector.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "core/rules/helpers.h"
#include "interpreters/rules.h"
#include "interpreters/custom.h"

namespace cotangent {
namespace {

ShapedArray WithoutAxis(const ShapedArray& aval, int64_t axis) {
  if (axis == kNotMapped) return aval;
  ShapedArray out = aval;
  out.shape.erase(out.shape.begin() + axis);
  return out;
}

struct Unzipped {
  std::vector<Tensor> values;
  std::vector<int64_t> bdims;
  bool any_batched = false;
};

// The values and batch axes of this interpreter's tracers, and whether any is batched.
Unzipped Unzip(absl::Span<const Tensor> inputs) {
  Unzipped out;
  for (const Tensor& x : inputs) {
    const auto& tracer = static_cast<const BatchTracer&>(*x.node());
    out.values.push_back(tracer.value());
    out.bdims.push_back(tracer.bdim());
    out.any_batched = out.any_batched || tracer.bdim() != kNotMapped;
  }
  return out;
}

// The functions of a custom call made by a batch interpreter, run inside it (JAX's
// batch_subtrace): called with values of lower levels, they pack them as this interpreter's
// tracers with the inputs' batch axes, run the user's code (which may close over this
// interpreter's tracers) and return results batched along axis 0. A call staged into a program
// (jit of vmap) keeps these functions, and its rule may run after this vmap returned (the
// program differentiated later): then, as bwd always, they are vmapped afresh. So the
// interpreter is found by level and trace id, never held.
class BatchSubtrace {
 public:
  BatchSubtrace(const BatchInterpreter& batch, std::vector<int64_t> bdims, std::string name)
      : level_(batch.level()),
        trace_id_(batch.trace_id()),
        axis_size_(batch.axis_size()),
        axis_name_(batch.axis_name()),
        bdims_(std::move(bdims)),
        name_(std::move(name)) {}

  // g applied to xs (input i batched along bdims[i mod #inputs]: primals, then tangents).
  std::vector<Tensor> Run(const FlatFn& g, const std::vector<Tensor>& xs) const {
    const Interpreter* at = InterpreterAt(level_);
    if (at == nullptr || at->trace_id() != trace_id_) return Afresh(g, xs);
    const auto& batch = static_cast<const BatchInterpreter&>(*at);
    // Values come from below this interpreter: a graph stages the call's body in a frame of
    // its own level (TraceToProgramInFrame), never above. One from above would be packed at
    // the wrong level and batched again on every bind.
    for (const Tensor& x : xs) {
      if (x.defined() && x.level() > level_) {
        ThrowInvalid(name_, ": internal error: a value of level ", x.level(),
                     " reached the vmap at level ", level_, " from above");
      }
    }
    AllowLevelScope allow(level_);
    std::vector<Tensor> in;
    for (size_t i = 0; i < xs.size(); ++i) {
      in.push_back(batch.Pack(xs[i], bdims_[i % bdims_.size()]));
    }
    std::vector<Tensor> out = g(in);
    for (Tensor& y : out) {
      if (!y.defined()) continue;
      const Batched b = batch.Unpack(y);
      y = rules::MaterializeBatch(b.value, b.bdim, axis_size_, 0);
    }
    return out;
  }

  // The cotangents of the inputs from bwd vmapped over residuals and ct (all batched along
  // 0): moved to each input's batch axis, summed over the batch for unbatched inputs.
  CustomVjpFunction::Bwd VmappedBwd(const CustomVjpFunction::Bwd& bwd, const std::string& name) const {
    return [bwd, name, bdims = bdims_, n = axis_size_, axis = axis_name_](
               const std::vector<Tensor>& residuals, const std::vector<Tensor>& out_cts) {
      std::vector<Tensor> rc = residuals;
      rc.insert(rc.end(), out_cts.begin(), out_cts.end());
      const FlatFn flat_bwd = [&bwd, k = residuals.size()](const std::vector<Tensor>& xs) {
        return bwd(std::vector<Tensor>(xs.begin(), xs.begin() + k),
                   std::vector<Tensor>(xs.begin() + k, xs.end()));
      };
      std::vector<Tensor> cts =
          VmapFlat(flat_bwd, rc, std::vector<std::optional<int64_t>>(rc.size(), 0), 0, n,
                   std::vector<std::string>(rc.size(), name + " bwd input"), axis);
      if (cts.size() != bdims.size()) return cts;  // the count is checked by the caller
      for (size_t i = 0; i < cts.size(); ++i) {
        if (!cts[i].defined()) continue;
        cts[i] = bdims[i] == kNotMapped ? lax::reduce_sum(cts[i], {0})
                                        : rules::MaterializeBatch(cts[i], 0, n, bdims[i]);
      }
      return cts;
    };
  }

 private:
  // Run without the interpreter: a fresh vmap of g over xs' batch axes, results along 0.
  std::vector<Tensor> Afresh(const FlatFn& g, const std::vector<Tensor>& xs) const {
    std::vector<std::optional<int64_t>> axes;
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t bdim = bdims_[i % bdims_.size()];
      axes.push_back(bdim == kNotMapped ? std::nullopt : std::optional<int64_t>(bdim));
    }
    return VmapFlat(g, xs, axes, 0, axis_size_, std::vector<std::string>(xs.size(), name_),
                    axis_name_);
  }

  int level_;
  uint64_t trace_id_;
  int64_t axis_size_;
  std::string axis_name_;
  std::vector<int64_t> bdims_;
  std::string name_;  // the custom function's, for errors
};

// f with its function and rules running inside `batch`, or null for a function without rules
// (traced through).
std::shared_ptr<CustomFunction> Subtraced(const CustomFunction& f, const BatchSubtrace& sub) {
  if (const auto* jvp = dynamic_cast<const CustomJvpFunction*>(&f)) {
    return std::make_shared<CustomJvpFunction>(
        jvp->name(),
        [sub, g = jvp->fn()](const std::vector<Tensor>& xs) { return sub.Run(g, xs); },
        [sub, jvp](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
          std::vector<Tensor> pt = p;
          pt.insert(pt.end(), t.begin(), t.end());
          // The rule's outputs, then their tangents (checked to pair up one for one).
          const FlatFn rule = [jvp, k = p.size()](const std::vector<Tensor>& in) {
            const std::vector<Tensor> primals(in.begin(), in.begin() + k);
            auto [ys, y_dots] = jvp->Jvp(primals, std::vector<Tensor>(in.begin() + k, in.end()));
            if (jvp->checked()) {
              CheckRuleOutput(*jvp, jvp->out_avals(), "the custom_jvp rule", ys, primals);
            }
            CheckRuleTangents(*jvp, ys, y_dots);
            ys.insert(ys.end(), y_dots.begin(), y_dots.end());
            return ys;
          };
          std::vector<Tensor> out = sub.Run(rule, pt);
          const auto half = out.begin() + static_cast<std::ptrdiff_t>(out.size() / 2);
          return std::make_pair(std::vector<Tensor>(out.begin(), half),
                                std::vector<Tensor>(half, out.end()));
        },
        /*checked=*/false);
  }
  if (const auto* vjp = dynamic_cast<const CustomVjpFunction*>(&f)) {
    return std::make_shared<CustomVjpFunction>(
        vjp->name(),
        [sub, g = vjp->fn()](const std::vector<Tensor>& xs) { return sub.Run(g, xs); },
        [sub, vjp](const std::vector<Tensor>& xs) {
          // fwd's outputs, then its residuals.
          size_t num_outs = 0;
          const FlatFn fwd = [vjp, &num_outs](const std::vector<Tensor>& in) {
            auto [ys, residuals] = vjp->fwd()(in);
            if (vjp->checked()) CheckRuleOutput(*vjp, vjp->out_avals(), "fwd", ys, in);
            num_outs = ys.size();
            ys.insert(ys.end(), residuals.begin(), residuals.end());
            return ys;
          };
          std::vector<Tensor> out = sub.Run(fwd, xs);
          const auto split = out.begin() + static_cast<std::ptrdiff_t>(num_outs);
          return std::make_pair(std::vector<Tensor>(out.begin(), split),
                                std::vector<Tensor>(split, out.end()));
        },
        sub.VmappedBwd(vjp->bwd(), vjp->name()), /*checked=*/false);
  }
  return nullptr;
}

const std::string*& RuleAxis() {
  static thread_local const std::string* axis = nullptr;
  return axis;
}

// While alive, RuleAxisName() is `name`.
class RuleAxisScope {
 public:
  explicit RuleAxisScope(const std::string& name) : saved_(RuleAxis()) {
    RuleAxis() = &name;
  }
  ~RuleAxisScope() { RuleAxis() = saved_; }
  RuleAxisScope(const RuleAxisScope&) = delete;
  RuleAxisScope& operator=(const RuleAxisScope&) = delete;

 private:
  const std::string* saved_;
};

}  // namespace

const std::string& RuleAxisName() {
  static const std::string* const none = new std::string();
  return RuleAxis() != nullptr ? *RuleAxis() : *none;
}

BatchTracer::BatchTracer(const Interpreter& owner, Tensor value, int64_t bdim)
    : Tracer(owner, WithoutAxis(value.aval(), bdim)), value_(std::move(value)), bdim_(bdim) {}

Tensor BatchInterpreter::Pack(Tensor value, int64_t bdim) const {
  return Tensor(std::make_shared<BatchTracer>(*this, std::move(value), bdim));
}

Batched BatchInterpreter::Unpack(const Tensor& x) const {
  if (x.defined() && x.level() == level()) {
    const auto& tracer = static_cast<const BatchTracer&>(*x.node());
    if (tracer.trace_id() == trace_id()) return {tracer.value(), tracer.bdim()};
  }
  return {x, kNotMapped};
}

TensorList BatchInterpreter::Process(Primitive prim, absl::Span<const Tensor> inputs,
                                     const Params& params,
                                     absl::Span<const ShapedArray> out_avals) {
  const auto [values, bdims, any_batched] = Unzip(inputs);
  TensorList out;
  if (KindOf(prim) == PrimitiveKind::kCollective && named_axis() != nullptr &&
      std::find(params.axis_names.begin(), params.axis_names.end(), axis_.name) !=
          params.axis_names.end()) {
    BatchedList batched = AllRules()[prim].named_batch(values, bdims, params, axis_);
    for (size_t i = 0; i < batched.values.size(); ++i) {
      out.push_back(Pack(std::move(batched.values[i]), batched.bdims[i]));
    }
    return out;
  }
  if (!any_batched) {
    for (Tensor& y : Bind(prim, values, params)) out.push_back(Pack(std::move(y), kNotMapped));
    return out;
  }
  const BatchRule rule = AllRules()[prim].batch;
  if (rule == nullptr) {
    ThrowInvalid("vmap: primitive ", PrimitiveName(prim), " has no batching rule (operand ",
                 inputs[0].aval().ToString(), ")");
  }
  BatchedList batched;
  {
    RuleAxisScope scope(axis_.name);
    batched = rule(values, bdims, params);
  }
  for (size_t i = 0; i < batched.values.size(); ++i) {
    assert(WithoutAxis(batched.values[i].aval(), batched.bdims[i]) == out_avals[i] &&
           "batch rule changed the shape");
    out.push_back(Pack(std::move(batched.values[i]), batched.bdims[i]));
  }
  (void)out_avals;
  return out;
}

std::vector<Tensor> BatchInterpreter::ProcessCustom(const CustomFunction& f,
                                                    absl::Span<const Tensor> inputs) {
  auto [values, bdims, any_batched] = Unzip(inputs);
  if (!any_batched) {
    std::vector<Tensor> outs;
    for (Tensor& y : BindCustom(f, values)) outs.push_back(Pack(std::move(y), kNotMapped));
    return outs;
  }
  return ProcessCustomClosure(f, inputs);
}

std::vector<Tensor> BatchInterpreter::ProcessCustomClosure(const CustomFunction& f,
                                                           absl::Span<const Tensor> inputs) {
  auto [values, bdims, any_batched] = Unzip(inputs);
  const std::shared_ptr<CustomFunction> batched =
      Subtraced(f, BatchSubtrace(*this, bdims, std::string(f.name())));
  if (batched == nullptr) return Interpreter::ProcessCustom(f, inputs);
  std::vector<Tensor> outs;
  for (Tensor& y : BindCustom(*batched, values)) outs.push_back(Pack(std::move(y), 0));
  return outs;
}

Tensor BatchInterpreter::LowerClosedOver(const Tensor& x, const CustomFunction&) {
  // An unbatched value is a constant; a batched one makes this interpreter take the call.
  const auto& tracer = static_cast<const BatchTracer&>(*x.node());
  return tracer.bdim() == kNotMapped ? tracer.value() : Tensor();
}

std::vector<Tensor> VmapFlat(const FlatFn& f, const std::vector<Tensor>& args,
                             const std::vector<std::optional<int64_t>>& in_axes,
                             std::optional<int64_t> out_axis,
                             std::optional<int64_t> axis_size,
                             const std::vector<std::string>& input_names,
                             const std::string& axis_name) {
  return VmapFlat(f, args, in_axes, std::vector<std::optional<int64_t>>{out_axis}, axis_size,
                  input_names, axis_name);
}

std::vector<Tensor> VmapFlat(const FlatFn& f, const std::vector<Tensor>& args,
                             const std::vector<std::optional<int64_t>>& in_axes,
                             const std::vector<std::optional<int64_t>>& out_axes,
                             std::optional<int64_t> axis_size,
                             const std::vector<std::string>& input_names,
                             const std::string& axis_name, std::string_view caller) {
  CheckLiveTracers("vmap", args);
  if (axis_size && *axis_size < 0) ThrowInvalid("vmap: negative axis_size ", *axis_size);
  // The mapped size, checked across inputs.
  std::optional<int64_t> size = axis_size;
  int64_t size_from = -1;
  std::vector<int64_t> axes(args.size(), kNotMapped);
  for (size_t i = 0; i < args.size(); ++i) {
    if (!in_axes[i]) continue;
    const int64_t axis = *in_axes[i], rank = args[i].ndim();
    if (axis < -rank || axis >= rank) {
      ThrowInvalid("vmap: in_axes ", axis, " out of range for ", input_names[i], " of type ",
                   args[i].aval().ToString());
    }
    axes[i] = axis < 0 ? axis + rank : axis;
    const int64_t n = args[i].shape()[axes[i]];
    if (size && *size != n) {
      ThrowInvalid("vmap: mapped inputs have different sizes along their mapped axes: ",
                   size_from >= 0 ? input_names[size_from] : std::string("axis_size"), " has ",
                   *size, " but ", input_names[i], " (", args[i].aval().ToString(), ", axis ",
                   axes[i], ") has ", n);
    }
    if (!size) size_from = static_cast<int64_t>(i);
    size = n;
  }
  if (!size) ThrowInvalid("vmap: no input is mapped; pass axis_size to say how many to make");
  BatchInterpreter batch(*size, axis_name);
  std::vector<Tensor> outs;
  {
    InterpreterScope scope(batch);
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < args.size(); ++i) {
      inputs.push_back(axes[i] == kNotMapped ? args[i] : batch.Pack(args[i], axes[i]));
    }
    outs = f(inputs);
  }
  if (out_axes.size() != 1 && out_axes.size() != outs.size()) {
    ThrowInvalid("vmap: ", out_axes.size(), " out axes for ", outs.size(), " outputs");
  }
  std::vector<Tensor> results;
  for (size_t j = 0; j < outs.size(); ++j) {
    if (!outs[j].defined()) {  // a symbolic zero (a custom_vjp bwd's zero cotangent)
      results.push_back(Tensor());
      continue;
    }
    const std::optional<int64_t> out_axis = out_axes[out_axes.size() == 1 ? 0 : j];
    const Batched y = batch.Unpack(outs[j]);
    if (!out_axis) {
      if (y.bdim != kNotMapped && caller == "shard_map") {
        ThrowInvalid("shard_map: out_specs declare result ", j, " (",
                     WithoutAxis(y.value.aval(), y.bdim).ToString(),
                     ") replicated over mesh axis '", axis_name,
                     "', but it differs between the members of '", axis_name,
                     "' (name the axis in its spec, or combine the members, e.g. with psum)");
      }
      if (y.bdim != kNotMapped) {
        ThrowInvalid("vmap: out_axes is not mapped but output ", j, " (",
                     WithoutAxis(y.value.aval(), y.bdim).ToString(), ") depends on the mapped inputs");
      }
      results.push_back(y.value);
      continue;
    }
    const int64_t rank = y.value.ndim() - (y.bdim == kNotMapped ? 0 : 1) + 1;
    if (*out_axis < -rank || *out_axis >= rank) {
      ThrowInvalid("vmap: out_axes ", *out_axis, " out of range for output ", j, " of type ",
                   WithoutAxis(y.value.aval(), y.bdim).ToString(), " with a batch axis");
    }
    const int64_t to = *out_axis < 0 ? *out_axis + rank : *out_axis;
    results.push_back(rules::MaterializeBatch(y.value, y.bdim, *size, to));
  }
  return results;
}

}  // namespace cotangent
