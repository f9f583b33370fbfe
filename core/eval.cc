// File: core/eval.cc
// Eager evaluation: views for transpose, broadcast_in_dim, slice and reshape of dense data
// (no copy, the buffer is shared: core/layout.h ViewOf), the backend for the rest. Committed
// operands on different devices are an error (moving data is explicit: device_put);
// uncommitted ones (library constants, core/array.h) move to the committed operands' backend.

#include "core/eval.h"

#include <optional>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "core/backend.h"
#include "core/complex_eval.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/interpreter.h"
#include "core/layout.h"

namespace cotangent {

Backend& TargetBackend(std::string_view op, absl::Span<const Array> arrays) {
  const Array* committed = nullptr;
  for (const Array& x : arrays) {
    if (!x.committed) continue;
    if (committed != nullptr && &x.backend() != &committed->backend()) {
      ThrowInvalid(op, ": operands ", committed->aval.ToString(), " on ",
                   committed->backend().name(), " and ", x.aval.ToString(), " on ",
                   x.backend().name(), " live on different devices; move one with device_put");
    }
    if (committed == nullptr) committed = &x;
  }
  if (committed != nullptr) return committed->backend();
  Backend& default_backend = DefaultBackend();
  for (const Array& x : arrays) {
    if (&x.backend() == &default_backend) return default_backend;
  }
  return arrays.front().backend();
}

TensorList RunOnProcessAxes(Primitive prim, absl::Span<const Tensor> in, const Params& params) {
  const std::shared_ptr<ProcessAxes> processes = CurrentProcessAxes();
  for (const std::string& name : params.axis_names) {
    if (processes == nullptr || processes->Size(name) == 0) {
      ThrowInvalid(PrimitiveName(prim), ": unbound axis name '", name, "'");
    }
  }
  if (prim == Primitive::kShardMapIn) return {in[0]};  // no exchange: the identity
  return processes->Run(prim, in, params);
}

namespace {

bool HasHalfFloat(Primitive prim, absl::Span<const Array> arrays,
                  absl::Span<const ShapedArray> out_avals) {
  if (ComputesOnHalfFloats(prim)) return false;
  for (const Array& x : arrays) {
    if (IsHalfFloat(x.aval.dtype)) return true;
  }
  for (const ShapedArray& aval : out_avals) {
    if (IsHalfFloat(aval.dtype)) return true;
  }
  return false;
}

// x's whole buffer as a dense vector of its dtype, when the buffer holds no more than x (x is
// dense, or a broadcast of a scalar or row): moving or converting the buffer once and viewing
// the result as x is viewed beats gathering x's elements.
std::optional<Array> WholeBuffer(const Array& x) {
  if (x.buffer->bytes() > x.aval.bytes()) return std::nullopt;
  return Array{x.buffer, {{x.buffer->bytes() / DTypeSize(x.aval.dtype)}, x.aval.dtype}, {1}, 0};
}

// x converted to dtype (a broadcast converts only its buffer's elements).
Array Converted(Backend& backend, const Array& x, DType dtype) {
  Params params;
  params.new_dtype = dtype;
  const std::optional<Array> whole = WholeBuffer(x);
  const Array& src = whole ? *whole : x;
  Array out;
  RunEquation(backend, Primitive::kConvert, {src}, params, {ShapedArray{src.aval.shape, dtype}},
              absl::MakeSpan(&out, 1));
  if (whole) out = Array{out.buffer, {x.aval.shape, dtype}, x.strides, x.offset};
  return out;
}

// RunEquation of a primitive with an f16 or bf16 operand or result, in f32.
void RunInF32(Backend& backend, Primitive prim, absl::Span<const Array> arrays,
              const Params& params, absl::Span<const ShapedArray> out_avals,
              absl::Span<Array> outs) {
  absl::InlinedVector<Array, 4> wide(arrays.begin(), arrays.end());
  for (Array& x : wide) {
    if (IsHalfFloat(x.aval.dtype)) x = Converted(backend, x, DType::kF32);
  }
  absl::InlinedVector<ShapedArray, 1> wide_avals(out_avals.begin(), out_avals.end());
  for (ShapedArray& aval : wide_avals) {
    if (IsHalfFloat(aval.dtype)) aval.dtype = DType::kF32;
  }
  RunEquation(backend, prim, wide, params, wide_avals, outs);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (IsHalfFloat(out_avals[i].dtype)) outs[i] = Converted(backend, outs[i], out_avals[i].dtype);
  }
}

}  // namespace

void RunEquation(Backend& backend, Primitive prim, absl::Span<const Array> arrays,
                 const Params& params, absl::Span<const ShapedArray> out_avals,
                 absl::Span<Array> outs) {
  // Complex equations are lowered to real ones, but for the factorizations (LAPACK's c and z
  // routines run them whole).
  if (KindOf(prim) != PrimitiveKind::kLinalg && InvolvesComplex(arrays, out_avals)) {
    RunComplex(backend, prim, arrays, params, out_avals, outs);
    return;
  }
  if (HasHalfFloat(prim, arrays, out_avals)) {
    RunInF32(backend, prim, arrays, params, out_avals, outs);
    return;
  }
  if (KindOf(prim) == PrimitiveKind::kCollective) {  // over process axes: no kernel
    absl::InlinedVector<Tensor, 1> in;
    for (const Array& x : arrays) in.push_back(Tensor(x));
    TensorList out = RunOnProcessAxes(prim, in, params);
    for (size_t i = 0; i < outs.size(); ++i) outs[i] = out[i].array();
    return;
  }
  if (arrays.size() == 1 && out_avals.size() == 1) {
    if (std::optional<Array> view = ViewOf(prim, arrays[0], params, out_avals[0])) {
      outs[0] = *std::move(view);
      return;
    }
  }
  const absl::Status status = backend.Execute(prim, arrays, params, out_avals, outs);
  if (absl::IsResourceExhausted(status)) {
    ThrowAllocationFailure(PrimitiveName(prim), out_avals[0], status);
  }
  ThrowIfError(status);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i].buffer == nullptr) {
      ThrowInvalid(PrimitiveName(prim), ": the ", backend.name(), " backend did not produce ",
                   out_avals[i].ToString(), " for output ", i);
    }
  }
}

absl::StatusOr<Array> TransferArray(const Array& x, Backend& dst) {
  // The whole buffer (keeping the view), or the view's elements densely.
  const std::optional<Array> whole = WholeBuffer(x);
  const Array& src = whole ? *whole : x;
  absl::StatusOr<std::vector<char>> staged = HostVector<char>("device transfer", src.aval.bytes());
  if (!staged.ok()) return staged.status();
  std::vector<char>& bytes = *staged;
  if (!bytes.empty()) {
    if (absl::Status s = x.backend().Download(src, bytes.data()); !s.ok()) return s;
  }
  absl::StatusOr<std::shared_ptr<Buffer>> buffer = dst.Allocate(bytes.size());
  if (!buffer.ok()) return buffer.status();
  if (!bytes.empty()) {
    if (absl::Status s = dst.Upload(bytes.data(), bytes.size(), **buffer); !s.ok()) return s;
  }
  Array out = whole ? Array{*std::move(buffer), x.aval, x.strides, x.offset}
                    : DenseArray(*std::move(buffer), x.aval);
  out.committed = x.committed;
  out.constant = x.constant;
  return out;
}

TensorList EvalPrimitive(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                         absl::Span<const ShapedArray> out_avals) {
  if (inputs.empty()) ThrowInvalid(PrimitiveName(prim), ": no operands");
  absl::InlinedVector<Array, 4> arrays;
  arrays.reserve(inputs.size());
  bool mixed = false, committed = false;
  for (const Tensor& x : inputs) {
    arrays.push_back(x.array());
    mixed = mixed || &arrays.back().backend() != &arrays.front().backend();
    committed = committed || arrays.back().committed;
  }
  if (mixed) {
    Backend& target = TargetBackend(PrimitiveName(prim), arrays);
    for (Array& x : arrays) {
      if (&x.backend() != &target) x = ValueOrThrow(TransferArray(x, target));
    }
  }
  absl::InlinedVector<Array, 1> outs(out_avals.size());
  RunEquation(arrays.front().backend(), prim, arrays, params, out_avals, absl::MakeSpan(outs));
  TensorList tensors;
  for (Array& out : outs) {
    out.committed = committed;  // results of library constants alone stay movable
    tensors.push_back(Tensor(std::move(out)));
  }
  return tensors;
}

}  // namespace cotangent
