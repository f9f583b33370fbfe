// File: cotangent/collectives.cc
// The public collectives: each binds its primitive (core/primitives.def) with the named axes'
// sizes in its params; several names decompose into one-name collectives where the primitive
// takes one.

#include "cotangent/collectives.h"

#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/params.h"
#include "cotangent/numpy.h"

namespace cotangent {
namespace {

Tensor Collective(Primitive prim, const Tensor& x, Params p) { return Bind1(prim, {x}, p); }

Params Over(const std::vector<std::string>& names, const char* op) {
  Params p;
  p.axis_names = names;
  p.axis_size = NamedAxesSize(op, names);
  return p;
}

int64_t Canonical(const char* op, const char* what, int64_t axis, int64_t rank, const Tensor& x) {
  if (axis < -rank || axis >= rank) {
    ThrowInvalid(op, ": ", what, " ", axis, " out of range for ", x.aval().ToString());
  }
  return axis < 0 ? axis + rank : axis;
}

}  // namespace

Tensor psum(const Tensor& x, const AxisNames& axes) {
  const Tensor v = x.dtype() == DType::kBool ? lax::convert_element_type(x, DType::kI32) : x;
  return Collective(Primitive::kPsum, v, Over(axes.names(), "psum"));
}

Tensor pmean(const Tensor& x, const AxisNames& axes) {
  const Tensor v = IsFloating(x.dtype()) ? x : lax::convert_element_type(x, DType::kF32);
  const Tensor sum = Collective(Primitive::kPsum, v, Over(axes.names(), "pmean"));
  return lax::div(sum, FullLike(sum, static_cast<double>(axis_size(axes))));
}

Tensor pmax(const Tensor& x, const AxisNames& axes) {
  return Collective(Primitive::kPmax, x, Over(axes.names(), "pmax"));
}

Tensor pmin(const Tensor& x, const AxisNames& axes) {
  return Collective(Primitive::kPmin, x, Over(axes.names(), "pmin"));
}

Tensor all_gather(const Tensor& x, const AxisNames& axes, int64_t axis, bool tiled) {
  const std::vector<std::string>& names = axes.names();
  if (names.empty()) ThrowInvalid("all_gather: no axis names");
  const int64_t a = Canonical("all_gather", "axis", axis, x.ndim() + (tiled ? 0 : 1), x);
  // Over (i, j): gathered over j, then over i, so that i is the major index.
  Tensor y = x;
  for (auto name = names.rbegin(); name != names.rend(); ++name) {
    Params p = Over({*name}, "all_gather");
    p.dimension = a;
    p.tiled = tiled;
    y = Collective(Primitive::kAllGather, y, p);
  }
  if (!tiled && names.size() > 1) {  // [n_i, n_j, ...] at a: one axis, i major
    Shape shape = y.shape();
    const int64_t n = axis_size(axes);
    shape.erase(shape.begin() + a, shape.begin() + a + static_cast<int64_t>(names.size()));
    shape.insert(shape.begin() + a, n);
    y = lax::reshape(y, std::move(shape));
  }
  return y;
}

Tensor psum_scatter(const Tensor& x, const std::string& name, int64_t scatter_dimension,
                    bool tiled) {
  Params p = Over({name}, "psum_scatter");
  p.dimension = Canonical("psum_scatter", "scatter_dimension", scatter_dimension, x.ndim(), x);
  p.tiled = tiled;
  return Collective(Primitive::kReduceScatter, x, p);
}

Tensor all_to_all(const Tensor& x, const std::string& name, int64_t split_axis, int64_t concat_axis,
                  bool tiled) {
  Params p = Over({name}, "all_to_all");
  int64_t split = Canonical("all_to_all", "split_axis", split_axis, x.ndim(), x);
  int64_t concat = Canonical("all_to_all", "concat_axis", concat_axis, x.ndim(), x);
  if (tiled) {
    p.dimension = split;
    p.concat_dimension = concat;
    return Collective(Primitive::kAllToAll, x, p);
  }
  if (x.shape()[split] != p.axis_size) {
    ThrowInvalid("all_to_all: split_axis ", split, " of ", x.aval().ToString(),
                 " must have the size ", p.axis_size, " of axis '", name, "'");
  }
  // The primitive keeps the rank: a unit axis receives the members' blocks at concat_axis of
  // the output, and the split axis (now of size 1) goes.
  Tensor y = x;
  if (split < concat) {
    y = expand_dims(y, ++concat);
  } else if (split > concat) {
    y = expand_dims(y, concat);
    ++split;
  }
  p.dimension = split;
  p.concat_dimension = concat;
  y = Collective(Primitive::kAllToAll, y, p);
  return split == concat ? y : squeeze(y, {split});
}

Tensor ppermute(const Tensor& x, const std::string& name,
                const std::vector<std::pair<int64_t, int64_t>>& perm) {
  Params p = Over({name}, "ppermute");
  p.permutation.assign(p.axis_size, -1);
  for (const auto& [src, dst] : perm) {
    if (src < 0 || src >= p.axis_size || dst < 0 || dst >= p.axis_size || p.permutation[dst] >= 0) {
      ThrowInvalid("ppermute: pair (", src, ", ", dst, ") is out of range for axis '", name,
                   "' of size ", p.axis_size, " or repeats a destination");
    }
    p.permutation[dst] = src;
  }
  return Collective(Primitive::kPpermute, x, p);
}

Tensor pshuffle(const Tensor& x, const std::string& name, const std::vector<int64_t>& perm) {
  std::vector<std::pair<int64_t, int64_t>> pairs;
  std::vector<bool> seen(perm.size(), false);
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(perm.size()) || seen[perm[i]]) {
      ThrowInvalid("pshuffle: perm is not a permutation of 0..", perm.size() - 1);
    }
    seen[perm[i]] = true;
    pairs.emplace_back(perm[i], static_cast<int64_t>(i));
  }
  return ppermute(x, name, pairs);
}

Tensor axis_index(const AxisNames& axes) {
  // Row-major over the names: index = sum_k index_k * (sizes of the names after k).
  Tensor index;
  int64_t inner = 1;
  const std::vector<std::string>& names = axes.names();
  if (names.empty()) ThrowInvalid("axis_index: no axis names");
  for (auto name = names.rbegin(); name != names.rend(); ++name) {
    Params p = Over({*name}, "axis_index");
    Tensor i = Bind1(Primitive::kAxisIndex, {}, p);
    if (inner != 1) i = lax::mul(i, FullLike(i, static_cast<double>(inner)));
    index = index.defined() ? lax::add(index, i) : i;
    inner *= p.axis_size;
  }
  return index;
}

int64_t axis_size(const AxisNames& axes) { return NamedAxesSize("axis_size", axes.names()); }

Tensor internal::shard_map_in(const Tensor& x, const AxisNames& axes) {
  return Collective(Primitive::kShardMapIn, x, Over(axes.names(), "shard_map"));
}

}  // namespace cotangent
