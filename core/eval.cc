// File: core/eval.cc
// Eager evaluation: views for transpose, broadcast_in_dim, slice and reshape of dense data
// (no copy, the buffer is shared), the backend for the rest. Operands on different devices are
// an error: moving data is always explicit (device_put).

#include "core/eval.h"

#include <optional>

#include "absl/container/inlined_vector.h"
#include "core/backend.h"
#include "core/error.h"

namespace cotangent {
namespace {

// The view that computes prim without touching data, if there is one.
std::optional<Array> TryView(Primitive prim, const Array& x, const Params& p,
                             const ShapedArray& out_aval) {
  Array view{x.buffer, out_aval, {}, x.offset};
  switch (prim) {
    case Primitive::kTranspose:
      for (int64_t axis : p.permutation) view.strides.push_back(x.strides[axis]);
      return view;
    case Primitive::kBroadcastInDim:
      view.strides.assign(out_aval.shape.size(), 0);
      for (size_t i = 0; i < p.broadcast_dimensions.size(); ++i) {
        if (x.aval.shape[i] != 1) view.strides[p.broadcast_dimensions[i]] = x.strides[i];
      }
      return view;
    case Primitive::kSlice:
      for (size_t i = 0; i < x.strides.size(); ++i) {
        view.offset += p.start[i] * x.strides[i];
        view.strides.push_back(x.strides[i] * p.stride[i]);
      }
      return view;
    case Primitive::kReshape:
      if (!x.IsContiguous()) return std::nullopt;
      view.strides = ContiguousStrides(out_aval.shape);
      return view;
    case Primitive::kConvert:
      if (p.new_dtype != x.aval.dtype) return std::nullopt;
      return x;
    case Primitive::kStopGradient:
      return x;
    default:
      return std::nullopt;
  }
}

}  // namespace

Tensor EvalPrimitive(Primitive prim, absl::Span<const Tensor> inputs, const Params& params,
                     const ShapedArray& out_aval) {
  absl::InlinedVector<Array, 4> arrays;
  arrays.reserve(inputs.size());
  for (const Tensor& x : inputs) {
    arrays.push_back(x.array());
    if (&arrays.back().backend() != &arrays.front().backend()) {
      ThrowInvalid(PrimitiveName(prim), ": operands ", arrays.front().aval.ToString(), " on ",
                   arrays.front().backend().name(), " and ", arrays.back().aval.ToString(),
                   " on ", arrays.back().backend().name(),
                   " live on different devices; move one with device_put");
    }
  }
  if (arrays.size() == 1) {
    if (std::optional<Array> view = TryView(prim, arrays[0], params, out_aval)) {
      return Tensor(*std::move(view));
    }
  }
  if (arrays.empty()) ThrowInvalid(PrimitiveName(prim), ": no operands");
  Backend& backend = arrays.front().backend();
  return Tensor(ValueOrThrow(backend.Execute(prim, arrays, params, out_aval)));
}

}  // namespace cotangent
