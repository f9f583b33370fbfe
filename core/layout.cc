// File: core/layout.cc
// Views, pad placement, concatenate windows, flat reads and coalescing (the math is stated in
// core/layout.h).

#include "core/layout.h"

#include <algorithm>

namespace cotangent {

Array ComplexPairs(const Array& z) {
  Array r = z;
  r.aval = {z.aval.shape, RealPart(z.aval.dtype)};
  r.aval.shape.push_back(2);
  for (int64_t& s : r.strides) s *= 2;
  r.strides.push_back(1);
  r.offset = 2 * z.offset;
  r.constant.reset();
  return r;
}

std::optional<Array> ViewOf(Primitive prim, const Array& x, const Params& p,
                            const ShapedArray& out_aval) {
  Array view{x.buffer, out_aval, {}, x.offset, x.committed, x.constant};
  switch (prim) {
    case Primitive::kTranspose:
      for (int64_t axis : p.permutation) view.strides.push_back(x.strides[axis]);
      return view;
    case Primitive::kBroadcastInDim:
      view.strides.assign(out_aval.shape.size(), 0);
      for (size_t j = 0; j < p.broadcast_dimensions.size(); ++j) {
        if (x.aval.shape[j] != 1) view.strides[p.broadcast_dimensions[j]] = x.strides[j];
      }
      return view;
    case Primitive::kSlice:
      for (size_t d = 0; d < x.strides.size(); ++d) {
        view.offset += p.start[d] * x.strides[d];
        view.strides.push_back(out_aval.shape[d] > 1 ? x.strides[d] * p.stride[d] : 0);
      }
      return view;
    case Primitive::kReshape:
      if (!x.IsContiguous()) return std::nullopt;
      view.strides = ContiguousStrides(out_aval.shape);
      return view;
    case Primitive::kConvert:
      if (p.new_dtype != x.aval.dtype) return std::nullopt;
      return x;
    case Primitive::kBitcastConvert: {
      // x's dense bytes, when its first one starts an element of the new dtype.
      const int64_t from = DTypeSize(x.aval.dtype), to = DTypeSize(out_aval.dtype);
      if (!x.IsContiguous() || (x.offset * from) % to != 0) return std::nullopt;
      view.offset = x.offset * from / to;
      view.strides = ContiguousStrides(out_aval.shape);
      return view;
    }
    case Primitive::kStopGradient:
      return x;
    default:
      return std::nullopt;
  }
}

std::optional<StridedCopy> PadPlacement(const Array& x, const Params& p, const Array& out) {
  Shape kept;
  Strides src_strides, dst_strides;
  int64_t src_offset = x.offset, dst_offset = out.offset;
  for (int64_t d = 0; d < x.aval.rank(); ++d) {
    const int64_t n = x.aval.shape[d], low = p.low[d], step = p.interior[d] + 1;
    const int64_t room = out.aval.shape[d] - low;  // out positions from low to the end
    const int64_t first = low >= 0 ? 0 : -(low + 1) / step + 1;
    const int64_t last = room > 0 ? std::min(n, (room - 1) / step + 1) : 0;
    if (last <= first) return std::nullopt;
    kept.push_back(last - first);
    src_offset += first * x.strides[d];
    src_strides.push_back(x.strides[d]);
    dst_offset += (low + first * step) * out.strides[d];
    dst_strides.push_back(last - first > 1 ? step * out.strides[d] : 0);  // no overflow
  }
  const ShapedArray aval{std::move(kept), x.aval.dtype};
  return StridedCopy{Array{x.buffer, aval, std::move(src_strides), src_offset},
                     Array{out.buffer, aval, std::move(dst_strides), dst_offset}};
}

absl::InlinedVector<StridedCopy, 2> ConcatenateWindows(absl::Span<const Array> in,
                                                       const Params& p, const Array& out) {
  absl::InlinedVector<StridedCopy, 2> copies;
  int64_t begin = 0;
  for (const Array& x : in) {
    copies.push_back({x, Array{out.buffer, x.aval, out.strides,
                               out.offset + begin * out.strides[p.dimension]}});
    begin += x.aval.shape[p.dimension];
  }
  return copies;
}

std::optional<MovementPlan> PlanMovement(Primitive prim, absl::Span<const Array> in,
                                         const Params& p, const Array& out) {
  MovementPlan plan;
  const Array& x = in[0];
  switch (prim) {
    case Primitive::kReshape:
    case Primitive::kStopGradient:
      plan.copies.push_back(
          {x, Array{out.buffer, x.aval, ContiguousStrides(x.aval.shape), out.offset}});
      return plan;
    case Primitive::kBitcastConvert:  // x's elements, dense, in out's bytes (a new buffer)
      plan.copies.push_back(
          {x, Array{out.buffer, x.aval, ContiguousStrides(x.aval.shape),
                    out.offset * DTypeSize(out.aval.dtype) / DTypeSize(x.aval.dtype)}});
      return plan;
    case Primitive::kTranspose:
    case Primitive::kBroadcastInDim:
    case Primitive::kSlice:
      plan.copies.push_back({*ViewOf(prim, x, p, out.aval), out});
      return plan;
    case Primitive::kPad:
      plan.fill = p.padding_value;
      if (std::optional<StridedCopy> copy = PadPlacement(x, p, out)) {
        plan.copies.push_back(*std::move(copy));
      }
      return plan;
    case Primitive::kConcatenate:
      plan.copies = ConcatenateWindows(in, p, out);
      return plan;
    default:
      return std::nullopt;
  }
}

std::optional<FlatRead> FlatReadOf(const Array& x) {
  if (x.IsContiguous()) return x.aval.size() == 1 ? FlatRead::kRepeated : FlatRead::kDense;
  if (std::all_of(x.strides.begin(), x.strides.end(), [](int64_t s) { return s == 0; })) {
    return FlatRead::kRepeated;
  }
  return std::nullopt;
}

StridedSpace Coalesce(absl::Span<const int64_t> shape,
                      absl::Span<const absl::Span<const int64_t>> strides,
                      absl::Span<const int64_t> offsets) {
  const size_t n = strides.size();
  StridedSpace space;
  space.offsets.assign(n, 0);
  if (!offsets.empty()) space.offsets.assign(offsets.begin(), offsets.end());
  space.strides.resize(n);
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !space.shape.empty() && shape[d] != 0 && space.shape.back() != 0;
    for (size_t k = 0; k < n && merge; ++k) {
      merge = space.strides[k].back() == strides[k][d] * shape[d];
    }
    if (merge) {
      space.shape.back() *= shape[d];
      for (size_t k = 0; k < n; ++k) space.strides[k].back() = strides[k][d];
    } else {
      space.shape.push_back(shape[d]);
      for (size_t k = 0; k < n; ++k) space.strides[k].push_back(strides[k][d]);
    }
  }
  if (space.shape.empty()) {
    space.shape.push_back(1);
    for (size_t k = 0; k < n; ++k) space.strides[k].push_back(0);
  }
  return space;
}

}  // namespace cotangent
