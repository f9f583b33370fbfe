// File: core/rules/collective.cc
// Rules of the collectives over named axes (psum, pmax, pmin, all_gather, reduce_scatter,
// all_to_all, ppermute, axis_index, shard_map_in), with JAX's semantics (lax/parallel.py); one
// block per primitive. Under vmap with an axis name (the named_batch rules) a collective over
// that name is an operation along the batch axis, unbatched or batched as the members' results
// are; over other names it is bound again with the batch axis kept (the batch rules), for the
// interpreter that binds them.

#include <algorithm>
#include <numeric>

#include "absl/strings/str_join.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/eval.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/rules.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using rules::Def;
using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;
using Bdims = absl::Span<const int64_t>;

std::string NamesText(const Params& p) { return absl::StrJoin(p.axis_names, ", "); }

// The names are given and distinct; the collectives other than the reductions take one.
void CheckNames(Primitive prim, const Params& p, bool one) {
  std::vector<std::string> sorted = p.axis_names;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.empty() || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    ThrowInvalid(PrimitiveName(prim), ": axis names must be given and distinct, got (",
                 NamesText(p), ")");
  }
  if (one && p.axis_names.size() != 1) {
    ThrowInvalid(PrimitiveName(prim), ": takes one axis name, got (", NamesText(p), ")");
  }
}

// The axis the op runs over is the one vmap binds; params recorded under another binding of
// the name (a different size) do not apply.
void CheckSize(Primitive prim, const Params& p, const NamedAxis& axis) {
  if (p.axis_size != axis.size) {
    ThrowInvalid(PrimitiveName(prim), ": recorded for axis '", axis.name, "' of size ", p.axis_size,
                 " but it has size ", axis.size);
  }
}

// p over the names other than axis's (empty when it was the only one).
Params Others(const Params& p, const NamedAxis& axis) {
  Params q = p;
  q.axis_names.erase(std::find(q.axis_names.begin(), q.axis_names.end(), axis.name));
  return q;
}

// A collective over names this vmap does not bind: the same op on each member, batch axis kept.
template <Primitive prim>
Batched SameBatch(Span x, Bdims bdims, const Params& p) {
  return {Bind1(prim, {x[0]}, p), bdims[0]};
}

// x with the batch axis (bdim, or broadcast when unbatched) in front.
Tensor BatchInFront(const Tensor& x, int64_t bdim, int64_t size) {
  return rules::MaterializeBatch(x, bdim, size, 0);
}

// The reductions over the batch axis; then over the other names, if any.
Tensor ReduceMembers(Primitive prim, const Tensor& x, int64_t bdim, const Params& p,
                     const NamedAxis& axis) {
  Tensor y;
  if (bdim == kNotMapped) {  // every member holds x
    y = prim == Primitive::kPsum ? lax::mul(x, rules::Const(x, static_cast<double>(axis.size))) : x;
  } else if (prim == Primitive::kPsum) {
    y = lax::reduce_sum(x, {bdim});
  } else if (prim == Primitive::kPmax) {
    y = lax::reduce_max(x, {bdim});
  } else {
    y = rules::OrderReversed(lax::reduce_max(rules::OrderReversed(x), {bdim}));
  }
  const Params rest = Others(p, axis);
  return rest.axis_names.empty() ? y : Bind1(prim, {y}, rest);
}

template <Primitive prim>
Batched ReductionNamedBatch(Span x, Bdims bdims, const Params& p, const NamedAxis& axis) {
  return {ReduceMembers(prim, x[0], bdims[0], p, axis), kNotMapped};
}

template <Primitive prim>
ShapedArray ReductionAbstractEval(Avals in, const Params& p) {
  CheckNames(prim, p, /*one=*/false);
  return in[0];
}

// Each row's block, below.
template <Primitive prim>
constexpr Def kDef = {};

// psum: d psum(x) = psum(dx); ct_x = psum(ct) (JAX treats psum as psum then pbroadcast, so
// its transpose sums over the members again: vmap of grad with a psum is the gradient of the
// members' total)
Tensor PsumJvp(Span, Span t, const Tensor&, const Params& p) {
  return Bind1(Primitive::kPsum, {t[0]}, p);
}
std::vector<Tensor> PsumTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  return {Bind1(Primitive::kPsum, {ct}, p)};
}
template <>
constexpr Def kDef<Primitive::kPsum> = {.abstract_eval = ReductionAbstractEval<Primitive::kPsum>,
                                        .tangent = PsumJvp,
                                        .transpose = PsumTranspose,
                                        .batch = SameBatch<Primitive::kPsum>,
                                        .named_batch = ReductionNamedBatch<Primitive::kPsum>};

// pmax, pmin: d pmax(x) = the mean of dx over the members attaining it (reduce_max's rule)
Tensor ExtremumJvp(Span x, Span t, const Tensor& out, const Params& p) {
  const Tensor mask = lax::convert_element_type(lax::eq(x[0], out), x[0].dtype());
  Params sum = p;
  return lax::div(Bind1(Primitive::kPsum, {lax::mul(t[0], mask)}, sum),
                  Bind1(Primitive::kPsum, {mask}, sum));
}
template <>
constexpr Def kDef<Primitive::kPmax> = {.abstract_eval = ReductionAbstractEval<Primitive::kPmax>,
                                        .tangent = ExtremumJvp,
                                        .batch = SameBatch<Primitive::kPmax>,
                                        .named_batch = ReductionNamedBatch<Primitive::kPmax>};
template <>
constexpr Def kDef<Primitive::kPmin> = {.abstract_eval = ReductionAbstractEval<Primitive::kPmin>,
                                        .tangent = ExtremumJvp,
                                        .batch = SameBatch<Primitive::kPmin>,
                                        .named_batch = ReductionNamedBatch<Primitive::kPmin>};

// A linear collective's tangent: the collective of the tangent.
template <Primitive prim>
Tensor LinearJvp(Span, Span t, const Tensor&, const Params& p) {
  return Bind1(prim, {t[0]}, p);
}

void CheckAxis(Primitive prim, const char* what, int64_t axis, int64_t rank, const ShapedArray& x) {
  if (axis < 0 || axis >= rank) {
    ThrowInvalid(PrimitiveName(prim), ": ", what, " ", axis, " out of range for ", x.ToString());
  }
}

// all_gather: linear; ct_x = reduce_scatter(ct) over the same axis (each member's block of the
// members' summed cotangents)
ShapedArray AllGatherAbstractEval(Avals in, const Params& p) {
  CheckNames(Primitive::kAllGather, p, /*one=*/true);
  ShapedArray out = in[0];
  CheckAxis(Primitive::kAllGather, "all_gather_dimension", p.dimension,
            out.rank() + (p.tiled ? 0 : 1), in[0]);
  if (p.tiled) {
    out.shape[p.dimension] *= p.axis_size;
  } else {
    out.shape.insert(out.shape.begin() + p.dimension, p.axis_size);
  }
  return out;
}
std::vector<Tensor> AllGatherTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  return {Bind1(Primitive::kReduceScatter, {ct}, p)};
}
Batched AllGatherBatch(Span x, Bdims bdims, const Params& p) {
  Params q = p;
  int64_t d = bdims[0];
  if (d <= p.dimension) {
    ++q.dimension;
  } else if (!p.tiled) {
    ++d;
  }
  return {Bind1(Primitive::kAllGather, {x[0]}, q), d};
}
// The members' x stacked (or concatenated) along `dimension`: the batch axis moved there.
Batched AllGatherNamedBatch(Span x, Bdims bdims, const Params& p, const NamedAxis& axis) {
  CheckSize(Primitive::kAllGather, p, axis);
  const Tensor y = rules::MoveBatchAxis(BatchInFront(x[0], bdims[0], axis.size), 0, p.dimension);
  return {p.tiled ? rules::FoldAxis(y, p.dimension) : y, kNotMapped};
}
template <>
constexpr Def kDef<Primitive::kAllGather> = {.abstract_eval = AllGatherAbstractEval,
                                             .tangent = LinearJvp<Primitive::kAllGather>,
                                             .transpose = AllGatherTranspose,
                                             .batch = AllGatherBatch,
                                             .named_batch = AllGatherNamedBatch};

// reduce_scatter (psum_scatter): linear; ct_x = all_gather(ct) over the same axis
ShapedArray ReduceScatterAbstractEval(Avals in, const Params& p) {
  CheckNames(Primitive::kReduceScatter, p, /*one=*/true);
  ShapedArray out = in[0];
  CheckAxis(Primitive::kReduceScatter, "scatter_dimension", p.dimension, out.rank(), in[0]);
  const int64_t n = out.shape[p.dimension];
  if (p.tiled ? p.axis_size <= 0 || n % p.axis_size != 0 : n != p.axis_size) {
    ThrowInvalid("reduce_scatter: scatter_dimension ", p.dimension, " of ", in[0].ToString(),
                 p.tiled ? " must be divisible by" : " must equal", " the size ", p.axis_size,
                 " of axis '", NamesText(p), "'");
  }
  if (p.tiled) {
    out.shape[p.dimension] = n / p.axis_size;
  } else {
    out.shape.erase(out.shape.begin() + p.dimension);
  }
  return out;
}
std::vector<Tensor> ReduceScatterTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  return {Bind1(Primitive::kAllGather, {ct}, p)};
}
Batched ReduceScatterBatch(Span x, Bdims bdims, const Params& p) {
  Params q = p;
  int64_t d = bdims[0];
  if (d <= p.dimension) {
    ++q.dimension;
  } else if (!p.tiled) {
    --d;  // the scatter axis before it is removed
  }
  return {Bind1(Primitive::kReduceScatter, {x[0]}, q), d};
}
// The members' sum, whose blocks along `dimension` are the members' results: that axis
// becomes the batch axis.
Batched ReduceScatterNamedBatch(Span x, Bdims bdims, const Params& p, const NamedAxis& axis) {
  CheckSize(Primitive::kReduceScatter, p, axis);
  const Tensor sum =
      ReduceMembers(Primitive::kPsum, x[0], bdims[0], Params{.axis_names = {axis.name}}, axis);
  return {p.tiled ? rules::SplitAxis(sum, p.dimension, axis.size) : sum, p.dimension};
}
template <>
constexpr Def kDef<Primitive::kReduceScatter> = {.abstract_eval = ReduceScatterAbstractEval,
                                                 .tangent = LinearJvp<Primitive::kReduceScatter>,
                                                 .transpose = ReduceScatterTranspose,
                                                 .batch = ReduceScatterBatch,
                                                 .named_batch = ReduceScatterNamedBatch};

// all_to_all: linear; ct_x = all_to_all(ct) with the split and concatenated axes swapped
ShapedArray AllToAllAbstractEval(Avals in, const Params& p) {
  CheckNames(Primitive::kAllToAll, p, /*one=*/true);
  ShapedArray out = in[0];
  CheckAxis(Primitive::kAllToAll, "split_axis", p.dimension, out.rank(), in[0]);
  CheckAxis(Primitive::kAllToAll, "concat_axis", p.concat_dimension, out.rank(), in[0]);
  if (p.axis_size <= 0 || out.shape[p.dimension] % p.axis_size != 0) {
    ThrowInvalid("all_to_all: split_axis ", p.dimension, " of ", in[0].ToString(),
                 " must be divisible by the size ", p.axis_size, " of axis '", NamesText(p), "'");
  }
  out.shape[p.dimension] /= p.axis_size;
  out.shape[p.concat_dimension] *= p.axis_size;
  return out;
}
std::vector<Tensor> AllToAllTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  Params q = p;
  std::swap(q.dimension, q.concat_dimension);
  return {Bind1(Primitive::kAllToAll, {ct}, q)};
}
Batched AllToAllBatch(Span x, Bdims bdims, const Params& p) {
  Params q = p;
  q.dimension = rules::AxisWithBatch(p.dimension, bdims[0]);
  q.concat_dimension = rules::AxisWithBatch(p.concat_dimension, bdims[0]);
  return {Bind1(Primitive::kAllToAll, {x[0]}, q), bdims[0]};
}
// Member j receives block j of every member k, concatenated in k order: with the members in
// front ([k, ...] and the split axis s as (j, c)), j goes to the front and k just before the
// concatenated axis, and the two fold into one.
Batched AllToAllNamedBatch(Span x, Bdims bdims, const Params& p, const NamedAxis& axis) {
  CheckSize(Primitive::kAllToAll, p, axis);
  const int64_t s = p.dimension, cat = p.concat_dimension,
                rank = x[0].ndim() - (bdims[0] == kNotMapped ? 0 : 1);
  const Tensor y = rules::SplitAxis(BatchInFront(x[0], bdims[0], axis.size), 1 + s, axis.size);
  // Axis of member-local axis a in y: the split one is its chunk part (after j at 1 + s).
  const auto at = [s](int64_t a) { return 1 + a + (a >= s ? 1 : 0); };
  std::vector<int64_t> perm = {1 + s};
  for (int64_t a = 0; a < rank; ++a) {
    if (a == cat) perm.push_back(0);
    perm.push_back(at(a));
  }
  return {rules::FoldAxis(lax::transpose(y, perm), 1 + cat), 0};
}
template <>
constexpr Def kDef<Primitive::kAllToAll> = {.abstract_eval = AllToAllAbstractEval,
                                            .tangent = LinearJvp<Primitive::kAllToAll>,
                                            .transpose = AllToAllTranspose,
                                            .batch = AllToAllBatch,
                                            .named_batch = AllToAllNamedBatch};

// ppermute: linear; ct_x = ppermute(ct) by the inverse permutation
ShapedArray PpermuteAbstractEval(Avals in, const Params& p) {
  CheckNames(Primitive::kPpermute, p, /*one=*/true);
  std::vector<bool> seen(p.permutation.size(), false);
  for (int64_t src : p.permutation) {
    if (src < -1 || src >= static_cast<int64_t>(p.permutation.size()) || (src >= 0 && seen[src])) {
      ThrowInvalid("ppermute: sources must be distinct members of axis '", NamesText(p), "' (size ",
                   p.permutation.size(), "), got (", absl::StrJoin(p.permutation, ", "), ")");
    }
    if (src >= 0) seen[src] = true;
  }
  return in[0];
}
std::vector<Tensor> PpermuteTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  Params q = p;
  std::fill(q.permutation.begin(), q.permutation.end(), -1);
  for (size_t dst = 0; dst < p.permutation.size(); ++dst) {
    if (p.permutation[dst] >= 0) q.permutation[p.permutation[dst]] = static_cast<int64_t>(dst);
  }
  return {Bind1(Primitive::kPpermute, {ct}, q)};
}
// Member j's value is member permutation[j]'s: a gather along the batch axis, with an index
// out of range (filled with zeros) where nothing is sent.
Batched PpermuteNamedBatch(Span x, Bdims bdims, const Params& p, const NamedAxis& axis) {
  const int64_t n = axis.size;
  if (static_cast<int64_t>(p.permutation.size()) != n) {
    ThrowInvalid("ppermute: a permutation of ", p.permutation.size(), " members for axis '",
                 axis.name, "' of size ", n);
  }
  const bool identity =
      std::all_of(p.permutation.begin(), p.permutation.end(),
                  [&, j = int64_t{0}](int64_t src) mutable { return src == j++; });
  const bool full =
      std::find(p.permutation.begin(), p.permutation.end(), -1) == p.permutation.end();
  if (identity || (full && bdims[0] == kNotMapped)) return {x[0], bdims[0]};  // every member alike
  const Tensor y = BatchInFront(x[0], bdims[0], n);
  const Tensor sources = Generate({n, 1}, DType::kI32, "ppermute", [&](int64_t j) {
    return static_cast<double>(p.permutation[j] < 0 ? n : p.permutation[j]);
  });
  IndexDims dims;
  for (int64_t a = 1; a < y.ndim(); ++a) dims.window_dims.push_back(a);
  dims.collapsed_dims = {0};
  dims.start_index_map = {0};
  std::vector<int64_t> window = y.shape();
  window[0] = 1;
  return {lax::gather(y, sources, dims, window, IndexMode::kFill, 0.0), 0};
}
template <>
constexpr Def kDef<Primitive::kPpermute> = {.abstract_eval = PpermuteAbstractEval,
                                            .tangent = LinearJvp<Primitive::kPpermute>,
                                            .transpose = PpermuteTranspose,
                                            .batch = SameBatch<Primitive::kPpermute>,
                                            .named_batch = PpermuteNamedBatch};

// axis_index: i32, derivative zero; under the vmap binding the name, 0, 1, ... along the batch
ShapedArray AxisIndexAbstractEval(Avals, const Params& p) {
  CheckNames(Primitive::kAxisIndex, p, /*one=*/true);
  return ShapedArray{{}, DType::kI32};
}
Batched AxisIndexNamedBatch(Span, Bdims, const Params&, const NamedAxis& axis) {
  return {Generate({axis.size}, DType::kI32, "axis_index",
                   [](int64_t i) { return static_cast<double>(i); }),
          0};
}
template <>
constexpr Def kDef<Primitive::kAxisIndex> = {.abstract_eval = AxisIndexAbstractEval,
                                             .named_batch = AxisIndexNamedBatch};

// shard_map_in: the identity; ct_x = pmean(ct) over its axes (the primitive's comment in
// core/primitives.def). Under the vmap of one of its names the members hold their own values
// and it is the identity over that name.
std::vector<Tensor> ShardMapInTranspose(const Tensor& ct, Span, Avals, const Params& p) {
  const double n = static_cast<double>(NamedAxesSize("shard_map_in", p.axis_names));
  return {lax::div(Bind1(Primitive::kPsum, {ct}, p), rules::Const(ct, n))};
}
Batched ShardMapInNamedBatch(Span x, Bdims bdims, const Params& p, const NamedAxis& axis) {
  const Params rest = Others(p, axis);
  if (rest.axis_names.empty()) return {x[0], bdims[0]};
  return {Bind1(Primitive::kShardMapIn, {x[0]}, rest), bdims[0]};
}
template <>
constexpr Def kDef<Primitive::kShardMapIn> = {
    .abstract_eval = ReductionAbstractEval<Primitive::kShardMapIn>,
    .tangent = LinearJvp<Primitive::kShardMapIn>,
    .transpose = ShardMapInTranspose,
    .batch = SameBatch<Primitive::kShardMapIn>,
    .named_batch = ShardMapInNamedBatch};

// Evaluation, when no vmap binds the axes: across processes (core/interpreter.h ProcessAxes).
template <Primitive prim>
TensorList CollectiveImpl(Span in, const Params& p) {
  return RunOnProcessAxes(prim, in, p);
}

}  // namespace

void RegisterCollectiveRules(RuleTable& table) {
  ForEachPrimitive([&]<Primitive prim>() {
    if constexpr (KindOf(prim) == PrimitiveKind::kCollective) {
      rules::Define<prim, kDef<prim>>(table);
      table[prim].impl = CollectiveImpl<prim>;
    }
  });
}

}  // namespace cotangent
