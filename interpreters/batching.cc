// File: interpreters/batching.cc
// The batching interpreter and VmapFlat: checking and placing the mapped axes, running f on
// batch tracers, and moving each result's batch axis to where it was asked.

#include "interpreters/batching.h"

#include <cassert>

#include "absl/container/inlined_vector.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/rules/helpers.h"
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

// A custom function whose function and rules are vmapped over leading batch axes of size n.
std::shared_ptr<CustomFunction> BatchedCustom(const CustomFunction& f, int64_t n) {
  const auto vmapped = [n](FlatFn g) {
    return [n, g = std::move(g)](const std::vector<Tensor>& xs) {
      return VmapFlat(g, xs, std::vector<std::optional<int64_t>>(xs.size(), 0), 0, n,
                      std::vector<std::string>(xs.size(), "custom function input"));
    };
  };
  if (const auto* jvp = dynamic_cast<const CustomJvpFunction*>(&f)) {
    const FlatFn fn = [g = jvp->fn()](const std::vector<Tensor>& xs) {
      return std::vector<Tensor>{g(xs)};
    };
    // The rule's inputs, primals then tangents, as one flat list.
    const FlatFn rule = [r = jvp->rule()](const std::vector<Tensor>& pt) {
      const size_t k = pt.size() / 2;
      auto [y, y_dot] = r(std::vector<Tensor>(pt.begin(), pt.begin() + k),
                          std::vector<Tensor>(pt.begin() + k, pt.end()));
      return std::vector<Tensor>{y, y_dot};
    };
    return std::make_shared<CustomJvpFunction>(
        jvp->name(), [bf = vmapped(fn)](const std::vector<Tensor>& xs) { return bf(xs)[0]; },
        [br = vmapped(rule)](const std::vector<Tensor>& p, const std::vector<Tensor>& t) {
          std::vector<Tensor> pt = p;
          pt.insert(pt.end(), t.begin(), t.end());
          const std::vector<Tensor> out = br(pt);
          return std::make_pair(out[0], out[1]);
        });
  }
  if (const auto* vjp = dynamic_cast<const CustomVjpFunction*>(&f)) {
    const FlatFn fn = [g = vjp->fn()](const std::vector<Tensor>& xs) {
      return std::vector<Tensor>{g(xs)};
    };
    const FlatFn fwd = [g = vjp->fwd()](const std::vector<Tensor>& xs) {
      auto [y, residuals] = g(xs);
      residuals.insert(residuals.begin(), y);
      return residuals;
    };
    // bwd's inputs: the residuals then the cotangent.
    const FlatFn bwd = [g = vjp->bwd()](const std::vector<Tensor>& rc) {
      return g(std::vector<Tensor>(rc.begin(), rc.end() - 1), rc.back());
    };
    return std::make_shared<CustomVjpFunction>(
        vjp->name(), [bf = vmapped(fn)](const std::vector<Tensor>& xs) { return bf(xs)[0]; },
        [bf = vmapped(fwd)](const std::vector<Tensor>& xs) {
          std::vector<Tensor> out = bf(xs);
          return std::make_pair(out[0], std::vector<Tensor>(out.begin() + 1, out.end()));
        },
        [bb = vmapped(bwd)](const std::vector<Tensor>& residuals, const Tensor& ct) {
          std::vector<Tensor> rc = residuals;
          rc.push_back(ct);
          return bb(rc);
        });
  }
  return nullptr;
}

}  // namespace

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

Tensor BatchInterpreter::Process(Primitive prim, absl::Span<const Tensor> inputs,
                                 const Params& params, const ShapedArray& out_aval) {
  const auto [values, bdims, any_batched] = Unzip(inputs);
  if (!any_batched) return Pack(Bind(prim, values, params), kNotMapped);
  const BatchRule rule = Rules()[prim].batch;
  if (rule == nullptr) {
    ThrowInvalid("vmap: primitive ", PrimitiveName(prim), " has no batching rule (operand ",
                 inputs[0].aval().ToString(), ")");
  }
  Batched out = rule(values, bdims, params);
  assert(WithoutAxis(out.value.aval(), out.bdim) == out_aval && "batch rule changed the shape");
  (void)out_aval;
  return Pack(std::move(out.value), out.bdim);
}

Tensor BatchInterpreter::ProcessCustom(const CustomFunction& f, absl::Span<const Tensor> inputs) {
  auto [values, bdims, any_batched] = Unzip(inputs);
  if (!any_batched) return Pack(BindCustom(f, values), kNotMapped);
  const std::shared_ptr<CustomFunction> batched = BatchedCustom(f, axis_size_);
  if (batched == nullptr) return Interpreter::ProcessCustom(f, inputs);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = rules::MaterializeBatch(values[i], bdims[i], axis_size_, 0);
  }
  return Pack(BindCustom(*batched, values), 0);
}

std::vector<Tensor> VmapFlat(const FlatFn& f, const std::vector<Tensor>& args,
                             const std::vector<std::optional<int64_t>>& in_axes,
                             std::optional<int64_t> out_axis,
                             std::optional<int64_t> axis_size,
                             const std::vector<std::string>& input_names) {
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
  BatchInterpreter batch(*size);
  std::vector<Tensor> outs;
  {
    InterpreterScope scope(batch);
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < args.size(); ++i) {
      inputs.push_back(axes[i] == kNotMapped ? args[i] : batch.Pack(args[i], axes[i]));
    }
    outs = f(inputs);
  }
  std::vector<Tensor> results;
  for (size_t j = 0; j < outs.size(); ++j) {
    const Batched y = batch.Unpack(outs[j]);
    if (!out_axis) {
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
