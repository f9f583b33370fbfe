// File: interpreters/batching.h
// vmap's interpreter. A BatchTracer holds a value with one extra axis, the batch axis (bdim),
// or an unbatched value (kNotMapped); each primitive's batch rule (core/rules) maps it over the
// batch without a loop, keeping the batch axis where it is cheapest. Unbatched operands cost
// nothing: a primitive with no batched operand is bound as is.

#ifndef COTANGENT_INTERPRETERS_BATCHING_H_
#define COTANGENT_INTERPRETERS_BATCHING_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/interpreter.h"
#include "core/rules.h"
#include "interpreters/autodiff.h"

namespace cotangent {

class BatchTracer final : public Tracer {
 public:
  // aval is value's without the batch axis.
  BatchTracer(const Interpreter& owner, Tensor value, int64_t bdim);
  const Tensor& value() const { return value_; }
  int64_t bdim() const { return bdim_; }

 private:
  Tensor value_;
  int64_t bdim_;
};

class BatchInterpreter final : public Interpreter {
 public:
  // axis_name: the name collectives use for the batch axis (empty: unnamed).
  explicit BatchInterpreter(int64_t axis_size, std::string axis_name = "")
      : Interpreter("vmap"), axis_{std::move(axis_name), axis_size} {}

  int64_t axis_size() const { return axis_.size; }
  const std::string& axis_name() const { return axis_.name; }
  const NamedAxis* named_axis() const override { return axis_.name.empty() ? nullptr : &axis_; }
  Tensor Pack(Tensor value, int64_t bdim) const;
  // The value and batch axis of a result; kNotMapped for values that are not this
  // interpreter's tracers (constants).
  Batched Unpack(const Tensor& x) const;

  Tensor Lift(const Tensor& x) override { return Pack(x, kNotMapped); }
  TensorList Process(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                     absl::Span<const ShapedArray> out_avals) override;
  // A collective over this interpreter's name runs its named_batch rule, batched or not.
  // Custom functions keep their rules under vmap: the function and its rules run inside this
  // interpreter (BatchSubtrace, batching.cc), also when they close over its tracers.
  std::vector<Tensor> ProcessCustom(const CustomFunction& f,
                                    absl::Span<const Tensor> inputs) override;
  std::vector<Tensor> ProcessCustomClosure(const CustomFunction& f,
                                           absl::Span<const Tensor> inputs) override;
  // An unbatched closed-over tracer is its value; a batched one: undefined (take the call).
  Tensor LowerClosedOver(const Tensor& x, const CustomFunction& f) override;

 private:
  NamedAxis axis_;
};

// The axis name of the batch interpreter whose batching rule is running on this thread (empty:
// none, or an unnamed vmap). Rules that vmap a sub-program again (calls, loops, custom
// functions) pass it on, so that collectives inside reach the same axis.
const std::string& RuleAxisName();

// f mapped over axis in_axes[i] of input i (negative from the end; nullopt: the input is
// shared), every output stacked along out_axis (nullopt: outputs must not depend on the
// mapped inputs).
// input_names[i] names input i in messages ("argument 0"). axis_size is required when no
// input is mapped. axis_name names the mapped axis for collectives (empty: unnamed).
std::vector<Tensor> VmapFlat(const FlatFn& f, const std::vector<Tensor>& args,
                             const std::vector<std::optional<int64_t>>& in_axes,
                             std::optional<int64_t> out_axis,
                             std::optional<int64_t> axis_size,
                             const std::vector<std::string>& input_names,
                             const std::string& axis_name = "");
// The same with an out axis per output (shard_map: an output replicated over the axis is not
// mapped, one split by it is). out_axes is read after f returns, so f may fill it. caller names
// the transformation in the error for an unmapped output that depends on the mapped inputs
// ("shard_map": a result out_specs declares replicated over mesh axis axis_name).
std::vector<Tensor> VmapFlat(const FlatFn& f, const std::vector<Tensor>& args,
                             const std::vector<std::optional<int64_t>>& in_axes,
                             const std::vector<std::optional<int64_t>>& out_axes,
                             std::optional<int64_t> axis_size,
                             const std::vector<std::string>& input_names,
                             const std::string& axis_name = "", std::string_view caller = "vmap");

}  // namespace cotangent

#endif  // COTANGENT_INTERPRETERS_BATCHING_H_
