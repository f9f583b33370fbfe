// File: core/rules/convolution.cc
// The block of conv_general_dilated. In canonical order (core/params.h, ConvDims), with m the
// batch, j the input and k the output features and the spatial axes left out, a convolution is
// the contraction [m, j] [j, k] -> [m, k], bilinear like dot_general, and transposes like it:
//   lhs: [m, k] [k, j] -> [m, j], a convolution of the cotangent with the spatially reversed
//        kernel, its strides becoming lhs dilation;
//   rhs: [j, m] [m, k] -> [j, k], a convolution of the lhs with the cotangent as kernel.
// Feature groups become batch groups in the rhs transpose and stay feature groups (moved into
// the kernel's output features) in the lhs one; batch groups the other way round. These are
// JAX's rules (jax/_src/lax/convolution.py), as is the batch rule, which folds the vmapped
// axis into the batch, the features or the groups.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "core/rules.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;

// 1 + d (s - 1) for s > 0: the extent of s elements with d - 1 holes between neighbours.
int64_t Dilated(int64_t s, int64_t d) { return s == 0 ? 0 : 1 + d * (s - 1); }

std::vector<int64_t> Take(const Shape& shape, const std::vector<int64_t>& axes) {
  std::vector<int64_t> out;
  for (int64_t a : axes) out.push_back(shape[a]);
  return out;
}

// Whether spec is a permutation of [0, rank).
bool IsPermutation(std::vector<int64_t> spec, int64_t rank) {
  if (static_cast<int64_t>(spec.size()) != rank) return false;
  std::sort(spec.begin(), spec.end());
  for (int64_t i = 0; i < rank; ++i) {
    if (spec[i] != i) return false;
  }
  return true;
}

ShapedArray ConvAbstractEval(Avals in, const Params& params) {
  const ShapedArray& lhs = in[0];
  const ShapedArray& rhs = in[1];
  const ConvDims& c = params.conv;
  const auto fail = [&](auto&&... why) {
    ThrowInvalid("conv_general_dilated: lhs ", lhs.ToString(), ", rhs ", rhs.ToString(), ": ",
                 why...);
  };
  if (lhs.dtype != rhs.dtype) fail("mismatched dtypes");
  const int64_t rank = lhs.rank();
  if (rank != rhs.rank() || rank < 2) fail("expected operands of one rank, at least 2");
  if (!IsPermutation(c.lhs_spec, rank) || !IsPermutation(c.rhs_spec, rank) ||
      !IsPermutation(c.out_spec, rank)) {
    fail("dimension numbers ", ShapeToString(c.lhs_spec), ", ", ShapeToString(c.rhs_spec), ", ",
         ShapeToString(c.out_spec), " are not permutations of the ", rank, " axes");
  }
  const size_t n = static_cast<size_t>(rank - 2);
  for (const auto* v :
       {&c.window_strides, &c.padding_low, &c.padding_high, &c.lhs_dilation, &c.rhs_dilation}) {
    if (v->size() != n) fail("expected ", n, " strides, paddings and dilations, got ", v->size());
  }
  for (size_t i = 0; i < n; ++i) {
    if (c.window_strides[i] < 1 || c.lhs_dilation[i] < 1 || c.rhs_dilation[i] < 1) {
      fail("strides ", ShapeToString(c.window_strides), " and dilations ",
           ShapeToString(c.lhs_dilation), ", ", ShapeToString(c.rhs_dilation), " must be positive");
    }
  }
  const int64_t g = c.feature_group_count, b = c.batch_group_count;
  if (g < 1 || b < 1) fail("group counts must be positive, got ", g, " and ", b);
  if (g > 1 && b > 1) fail("at most one of feature_group_count and batch_group_count may be > 1");
  const Shape l = Take(lhs.shape, c.lhs_spec), r = Take(rhs.shape, c.rhs_spec);
  if (l[1] % g != 0 || l[1] / g != r[1]) {
    fail("lhs features ", l[1], " / feature_group_count ", g, " must equal the rhs input features ",
         r[1]);
  }
  if (r[0] % g != 0 || r[0] % b != 0) {
    fail("rhs output features ", r[0], " must be a multiple of the group count ", std::max(g, b));
  }
  if (l[0] % b != 0) fail("batch_group_count ", b, " must divide the lhs batch ", l[0]);
  Shape out_c = {l[0] / b, r[0]};
  for (size_t i = 0; i < n; ++i) {
    const int64_t padded =
        Dilated(l[i + 2], c.lhs_dilation[i]) + c.padding_low[i] + c.padding_high[i];
    if (padded < 0) fail("padding crops spatial axis ", i, " below zero");
    const int64_t window = Dilated(r[i + 2], c.rhs_dilation[i]);
    out_c.push_back(padded < window ? 0 : (padded - window) / c.window_strides[i] + 1);
  }
  Shape out(rank);
  for (int64_t i = 0; i < rank; ++i) out[c.out_spec[i]] = out_c[i];
  return ShapedArray{std::move(out), lhs.dtype};
}

// d conv(l, r) = conv(dl, r) + conv(l, dr)
Tensor ConvJvp(Span x, Span t, const Tensor&, const Params& p) {
  const Tensor dl = t[0].defined() ? lax::conv_general_dilated(t[0], x[1], p.conv) : Tensor();
  const Tensor dr = t[1].defined() ? lax::conv_general_dilated(x[0], t[1], p.conv) : Tensor();
  return rules::AddTangents(dl, dr);
}

// JAX's _reshape_axis_into: axis src moved to position dst (counted without src) and merged,
// as the major part, into the axis there.
Tensor ReshapeAxisInto(const Tensor& x, int64_t src, int64_t dst) {
  return rules::FoldAxis(rules::MoveBatchAxis(x, src, dst), dst);
}

// x reversed along each of `axes`: a gather of the indices n - 1, ..., 0.
Tensor Reverse(const Tensor& x, const std::vector<int64_t>& axes) {
  Tensor out = x;
  for (int64_t a : axes) {
    const int64_t n = out.shape()[a];
    if (n <= 1) continue;
    IndexDims d;
    for (int64_t i = 0; i < out.ndim(); ++i) {
      if (i != a) d.window_dims.push_back(i);
    }
    d.collapsed_dims = {a};
    d.start_index_map = {a};
    std::vector<int64_t> sizes = out.shape();
    sizes[a] = 1;
    const Tensor indices =
        Generate({n, 1}, DType::kI32, "conv_general_dilated", [n](int64_t i) { return n - 1 - i; });
    out = lax::gather(out, indices, d, sizes, IndexMode::kClip, 0);
  }
  return out;
}

std::vector<int64_t> SpatialAxes(const std::vector<int64_t>& spec) {
  return {spec.begin() + 2, spec.end()};
}

std::vector<int64_t> SwapFirstTwo(std::vector<int64_t> spec) {
  std::swap(spec[0], spec[1]);
  return spec;
}

// The cotangent of the lhs: the cotangent convolved with the reversed kernel (feature groups
// moved into the kernel's output features; batch groups become feature groups and the result's
// features are moved back into its batch).
Tensor ConvTransposeLhs(const Tensor& ct, const Tensor& rhs, const ShapedArray& lhs,
                        const ConvDims& c) {
  const Shape l = Take(lhs.shape, SpatialAxes(c.lhs_spec));
  const Shape r = Take(rhs.shape(), SpatialAxes(c.rhs_spec));
  const Shape o = Take(ct.shape(), SpatialAxes(c.out_spec));
  const int64_t groups = std::max(c.feature_group_count, c.batch_group_count);
  Tensor kernel = rhs;
  if (groups > 1) {
    kernel = ReshapeAxisInto(rules::SplitAxis(kernel, c.rhs_spec[0], groups), c.rhs_spec[0],
                             c.rhs_spec[1]);
  }
  ConvDims t;
  t.lhs_spec = c.out_spec;
  t.rhs_spec = SwapFirstTwo(c.rhs_spec);
  t.out_spec = c.lhs_spec;
  t.window_strides = c.lhs_dilation;
  t.lhs_dilation = c.window_strides;
  t.rhs_dilation = c.rhs_dilation;
  t.feature_group_count = groups;
  for (size_t i = 0; i < l.size(); ++i) {
    const int64_t before = Dilated(r[i], c.rhs_dilation[i]) - c.padding_low[i] - 1;
    t.padding_low.push_back(before);
    t.padding_high.push_back(Dilated(l[i], c.lhs_dilation[i]) + Dilated(r[i], c.rhs_dilation[i]) -
                             1 - Dilated(o[i], c.window_strides[i]) - before);
  }
  Tensor out = lax::conv_general_dilated(ct, Reverse(kernel, SpatialAxes(c.rhs_spec)), t);
  if (c.batch_group_count > 1) {
    out = ReshapeAxisInto(rules::SplitAxis(out, c.lhs_spec[1], c.batch_group_count), c.lhs_spec[1],
                          c.lhs_spec[0]);
  }
  return out;
}

// The cotangent of the rhs: the lhs convolved with the cotangent as its kernel, batch and
// feature axes exchanged (feature groups become batch groups and the other way round).
Tensor ConvTransposeRhs(const Tensor& ct, const Tensor& lhs, const ShapedArray& rhs,
                        const ConvDims& c) {
  const Shape l = Take(lhs.shape(), SpatialAxes(c.lhs_spec));
  const Shape r = Take(rhs.shape, SpatialAxes(c.rhs_spec));
  const Shape o = Take(ct.shape(), SpatialAxes(c.out_spec));
  ConvDims t;
  t.lhs_spec = SwapFirstTwo(c.lhs_spec);
  t.rhs_spec = SwapFirstTwo(c.out_spec);
  t.out_spec = SwapFirstTwo(c.rhs_spec);
  t.window_strides = c.rhs_dilation;
  t.lhs_dilation = c.lhs_dilation;
  t.rhs_dilation = c.window_strides;
  t.feature_group_count = c.batch_group_count;
  t.batch_group_count = c.feature_group_count;
  for (size_t i = 0; i < l.size(); ++i) {
    t.padding_low.push_back(c.padding_low[i]);
    t.padding_high.push_back(Dilated(o[i], c.window_strides[i]) - Dilated(l[i], c.lhs_dilation[i]) +
                             Dilated(r[i], c.rhs_dilation[i]) - c.padding_low[i] - 1);
  }
  return lax::conv_general_dilated(lhs, ct, t);
}

std::vector<Tensor> ConvTranspose(const Tensor& ct, Span x, Avals avals, const Params& p) {
  if (!x[0].defined()) return {ConvTransposeLhs(ct, x[1], avals[0], p.conv), Tensor()};
  if (ct.aval().size() == 0) return {Tensor(), Full(avals[1], 0.0)};
  return {Tensor(), ConvTransposeRhs(ct, x[0], avals[1], p.conv)};
}

// vmap: the batch axis folded into the lhs batch (or its batch groups), the rhs output
// features (within each group), or, both batched, the features as extra groups.
Batched ConvBatch(Span x, absl::Span<const int64_t> bdims, const Params& p) {
  const ConvDims& c = p.conv;
  const Tensor& lhs = x[0];
  const Tensor& rhs = x[1];
  const int64_t lb = bdims[0], rb = bdims[1];
  const int64_t size = rules::BatchSize(x, bdims);
  ConvDims q = c;
  if (size == 0) {  // nothing to fold into: zeros of the unbatched result's shape
    const auto unbatched = [](const Tensor& v, int64_t bdim) {
      Shape shape = v.shape();
      if (bdim != kNotMapped) shape.erase(shape.begin() + bdim);
      return ShapedArray{std::move(shape), v.dtype()};
    };
    ShapedArray out = ConvAbstractEval({unbatched(lhs, lb), unbatched(rhs, rb)}, p);
    out.shape.insert(out.shape.begin(), 0);
    return {Full(out, 0.0), 0};
  }
  if (lb != kNotMapped && rb != kNotMapped) {
    Tensor new_lhs;
    if (c.batch_group_count > 1) {
      new_lhs = ReshapeAxisInto(lhs, lb, c.lhs_spec[0]);
      q.batch_group_count *= size;
    } else {
      new_lhs = ReshapeAxisInto(lhs, lb, c.lhs_spec[1]);
      q.feature_group_count *= size;
    }
    const Tensor out =
        lax::conv_general_dilated(new_lhs, ReshapeAxisInto(rhs, rb, c.rhs_spec[0]), q);
    return {rules::SplitAxis(out, c.out_spec[1], size), c.out_spec[1]};
  }
  if (lb != kNotMapped) {
    Tensor new_lhs;
    if (c.batch_group_count == 1) {
      new_lhs = ReshapeAxisInto(lhs, lb, c.lhs_spec[0]);
    } else {
      // Groups stay outermost: split them off the batch, fold the vmapped axis into what
      // remains, then merge the groups back in front.
      new_lhs =
          rules::SplitAxis(lhs, c.lhs_spec[0] + (lb <= c.lhs_spec[0] ? 1 : 0), c.batch_group_count);
      new_lhs = ReshapeAxisInto(new_lhs, lb + (c.lhs_spec[0] < lb ? 1 : 0), c.lhs_spec[0] + 1);
      new_lhs = ReshapeAxisInto(new_lhs, c.lhs_spec[0], c.lhs_spec[0]);
    }
    const Tensor out = lax::conv_general_dilated(new_lhs, rhs, q);
    return {rules::SplitAxis(out, c.out_spec[0], size), c.out_spec[0]};
  }
  if (c.feature_group_count == 1 && c.batch_group_count == 1) {
    const Tensor out = lax::conv_general_dilated(lhs, ReshapeAxisInto(rhs, rb, c.rhs_spec[0]), q);
    return {rules::SplitAxis(out, c.out_spec[1], size), c.out_spec[1]};
  }
  const int64_t groups = std::max(c.feature_group_count, c.batch_group_count);
  Tensor new_rhs = rules::SplitAxis(rhs, c.rhs_spec[0] + (rb <= c.rhs_spec[0] ? 1 : 0), groups);
  new_rhs = ReshapeAxisInto(new_rhs, rb + (c.rhs_spec[0] < rb ? 1 : 0), c.rhs_spec[0] + 1);
  new_rhs = ReshapeAxisInto(new_rhs, c.rhs_spec[0], c.rhs_spec[0]);
  Tensor out = lax::conv_general_dilated(lhs, new_rhs, q);
  out = rules::SplitAxis(out, c.out_spec[1], groups);
  out = rules::SplitAxis(out, c.out_spec[1] + 1, size);
  return {ReshapeAxisInto(out, c.out_spec[1], c.out_spec[1] + 1), c.out_spec[1]};
}

template <Primitive prim>
constexpr rules::Def kDef = {};
template <>
constexpr rules::Def kDef<Primitive::kConvGeneralDilated> = {.abstract_eval = ConvAbstractEval,
                                                             .tangent = ConvJvp,
                                                             .transpose = ConvTranspose,
                                                             .batch = ConvBatch};

}  // namespace

void RegisterConvolutionRules(RuleTable& table) {
  rules::Define<Primitive::kConvGeneralDilated, kDef<Primitive::kConvGeneralDilated>>(table);
}

}  // namespace cotangent
