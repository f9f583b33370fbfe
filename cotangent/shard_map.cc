// File: cotangent/shard_map.cc
// shard_map's blocks: an array cut by a PartitionSpec into one leading axis per mesh axis it
// names (mesh order) and the block, and put back together. Cutting axis d of size n over mesh
// axes (a1, ..., ak) (major first) is the reshape n -> (|a1|, ..., |ak|, n / (|a1|...|ak|)):
// member (i1, ..., ik) holds block i1 |a2|...|ak| + ... + ik, as JAX lays out a sharded axis.

#include "cotangent/shard_map.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/collectives.h"
#include "cotangent/numpy.h"

namespace cotangent::internal {
namespace {

int64_t MeshIndex(const LocalMesh& mesh, const std::string& axis) {
  for (size_t k = 0; k < mesh.axes.size(); ++k) {
    if (mesh.axes[k].first == axis) return static_cast<int64_t>(k);
  }
  return -1;
}

std::string MeshString(const LocalMesh& mesh) {
  std::string s = "{";
  for (size_t k = 0; k < mesh.axes.size(); ++k) {
    s += (k ? ", " : "") + mesh.axes[k].first + ": " + std::to_string(mesh.axes[k].second);
  }
  return s + "}";
}

// The array axes after the split: for each array axis d, its mesh axes' sizes, then its block.
// labels[i]: the mesh index of split axis i, or -1 - d for the block of array axis d.
struct Split {
  Shape shape;
  std::vector<int64_t> labels;
};

// Checks spec against an array of `shape` (whose name is `who`) and the mesh.
Split SplitOf(const Shape& shape, const P& spec, const LocalMesh& mesh, const std::string& who) {
  const std::vector<DimSpec>& dims = spec.dims();
  if (dims.size() > shape.size()) {
    ThrowInvalid("shard_map: the spec of ", who, " has ", dims.size(), " entries for an array of ",
                 "rank ", shape.size());
  }
  Split out;
  std::vector<bool> used(mesh.axes.size(), false);
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t parts = 1;
    if (d < dims.size()) {
      for (const std::string& axis : dims[d].axes) {
        const int64_t k = MeshIndex(mesh, axis);
        if (k < 0) {
          ThrowInvalid("shard_map: the spec of ", who, " names axis '", axis,
                       "', which is not in the mesh ", MeshString(mesh));
        }
        if (used[k]) {
          ThrowInvalid("shard_map: the spec of ", who, " names mesh axis '", axis, "' twice");
        }
        used[k] = true;
        parts *= mesh.axes[k].second;
        out.shape.push_back(mesh.axes[k].second);
        out.labels.push_back(k);
      }
    }
    if (shape[d] % parts != 0) {
      ThrowInvalid("shard_map: axis ", d, " of ", who, " has size ", shape[d],
                   ", which its mesh axes do not divide into ", parts, " blocks");
    }
    out.shape.push_back(shape[d] / parts);
    out.labels.push_back(-1 - static_cast<int64_t>(d));
  }
  return out;
}

// The shape of the whole array whose blocks have shape `block`: each axis the spec names
// times its mesh axes' sizes (names not in the mesh are left to SplitOf's check).
Shape WholeShape(Shape block, const P& spec, const LocalMesh& mesh) {
  for (size_t d = 0; d < spec.dims().size() && d < block.size(); ++d) {
    for (const std::string& axis : spec.dims()[d].axes) {
      const int64_t k = MeshIndex(mesh, axis);
      if (k >= 0) block[d] *= mesh.axes[k].second;
    }
  }
  return block;
}

// The order of the split axes with the mesh axes first (mesh order), then the blocks.
std::vector<int64_t> MeshFirst(const Split& split) {
  std::vector<int64_t> order(split.labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const int64_t la = split.labels[a], lb = split.labels[b];
    if ((la >= 0) != (lb >= 0)) return la >= 0;  // mesh axes first
    return la >= 0 && la < lb;                   // mesh axes in mesh order, blocks in place
  });
  return order;
}

}  // namespace

void CheckMesh(const LocalMesh& mesh) {
  if (mesh.axes.empty()) ThrowInvalid("shard_map: the mesh has no axes");
  for (size_t k = 0; k < mesh.axes.size(); ++k) {
    const auto& [name, size] = mesh.axes[k];
    if (name.empty() || size < 1) {
      ThrowInvalid("shard_map: mesh axis ", k, " needs a name and a positive size, got '", name,
                   "' of size ", size);
    }
    if (MeshIndex(mesh, name) != static_cast<int64_t>(k)) {
      ThrowInvalid("shard_map: the mesh names axis '", name, "' twice");
    }
  }
}

std::vector<P> SpecsFor(const char* what, const std::vector<P>& specs, size_t n) {
  if (specs.size() == 1) return std::vector<P>(n, specs[0]);
  if (specs.size() != n) {
    ThrowInvalid("shard_map: ", what, " has ", specs.size(), " entries for ", n,
                 std::string(what) == "in_specs" ? " arguments" : " results");
  }
  return specs;
}

bool Names(const P& spec, const std::string& axis) {
  for (const DimSpec& d : spec.dims()) {
    if (std::find(d.axes.begin(), d.axes.end(), axis) != d.axes.end()) return true;
  }
  return false;
}

Tensor CutBlocks(const Tensor& x, const P& spec, const LocalMesh& mesh, const std::string& who,
                 std::vector<bool>& mapped) {
  if (!x.defined()) ThrowInvalid("shard_map: ", who, " is an undefined tensor");
  const Split split = SplitOf(x.shape(), spec, mesh, who);
  for (int64_t label : split.labels) {
    if (label >= 0) mapped[label] = true;
  }
  return transpose(reshape(x, split.shape), MeshFirst(split));
}

Tensor JoinBlocks(const Tensor& y, const P& spec, const LocalMesh& mesh, const std::string& who) {
  // y is (mesh axes named, in mesh order) + block; the block's shape gives the array's rank.
  int64_t named = 0;
  for (const auto& [axis, size] : mesh.axes) named += Names(spec, axis) ? 1 : 0;
  const Shape full = WholeShape(Shape(y.shape().begin() + named, y.shape().end()), spec, mesh);
  const Split split = SplitOf(full, spec, mesh, who);
  const std::vector<int64_t> order = MeshFirst(split);
  std::vector<int64_t> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<int64_t>(i);
  return reshape(transpose(y, inverse), full);
}

Tensor MemberBlock(const Tensor& x, const P& spec, const LocalMesh& mesh,
                   const std::vector<int64_t>& coordinates, const std::string& who) {
  if (!x.defined()) ThrowInvalid("shard_map: ", who, " is an undefined tensor");
  const Split split = SplitOf(x.shape(), spec, mesh, who);
  std::vector<std::string> names;
  for (const auto& [axis, size] : mesh.axes) names.push_back(axis);
  const Tensor held = internal::shard_map_in(x, names);
  // Axis d's block index: row-major over its mesh axes' coordinates, the first major.
  std::vector<int64_t> start(x.ndim(), 0), limit = x.shape();
  int64_t block = 0;
  for (size_t i = 0; i < split.labels.size(); ++i) {
    const int64_t label = split.labels[i];
    if (label >= 0) {
      block = block * mesh.axes[label].second + coordinates[label];
      continue;
    }
    const int64_t d = -1 - label, size = split.shape[i];
    start[d] = block * size;
    limit[d] = start[d] + size;
    block = 0;
  }
  return lax::slice(held, start, limit);
}

Tensor GatherMembers(const Tensor& y, const P& spec, const LocalMesh& mesh,
                     const std::string& who) {
  if (spec.dims().size() > static_cast<size_t>(y.ndim())) {
    ThrowInvalid("shard_map: the spec of ", who, " has ", spec.dims().size(),
                 " entries for an array of rank ", y.ndim());
  }
  SplitOf(WholeShape(y.shape(), spec, mesh), spec, mesh, who);  // checks the names
  Tensor whole = y;
  for (size_t d = 0; d < spec.dims().size(); ++d) {
    if (!spec.dims()[d].axes.empty()) {
      whole = all_gather(whole, spec.dims()[d].axes, static_cast<int64_t>(d), /*tiled=*/true);
    }
  }
  return whole;
}

}  // namespace cotangent::internal
