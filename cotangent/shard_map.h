// File: cotangent/shard_map.h
// shard_map (JAX's jax.shard_map) over a mesh of named axes in one process: f runs on the
// blocks of its arguments that in_specs cut out, once per member of the mesh, and its results
// are put together as out_specs say. The members run as one named vmap per mesh axis (on the
// default device, batched), so the collectives of cotangent/collectives.h over the mesh's
// names combine the blocks, and grad, jvp, vmap and jit compose with it as with any vmap.
// Results are those of JAX's shard_map on a mesh of that many devices. docs/distributed.md.

#ifndef COTANGENT_COTANGENT_SHARD_MAP_H_
#define COTANGENT_COTANGENT_SHARD_MAP_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cotangent/transforms.h"
#include "interpreters/batching.h"

namespace cotangent {

// The axes of a mesh, major first: {{"data", 4}, {"model", 2}} is 8 members, row-major.
struct LocalMesh {
  std::vector<std::pair<std::string, int64_t>> axes;
};

// One array axis of a PartitionSpec: the mesh axes that cut it into blocks (major first), or
// none (std::nullopt): the axis is whole in every block.
struct DimSpec {
  DimSpec(std::nullopt_t) {}                                  // NOLINT: P{std::nullopt, "i"}
  DimSpec(const char* axis) : axes{axis} {}                   // NOLINT: P{"i"}
  DimSpec(std::string axis) : axes{std::move(axis)} {}        // NOLINT
  DimSpec(std::initializer_list<std::string> a) : axes(a) {}  // P{{"i", "j"}}: both cut axis 0
  std::vector<std::string> axes;
};

// JAX's PartitionSpec: how an array is cut over the mesh, one DimSpec per leading array axis
// (axes past the spec are whole). A mesh axis the spec does not name replicates the array
// over it: every member along it gets the same block (in_specs), or the result must be the
// same on every member along it (out_specs: a value that varies is an Error, as JAX's
// check_vma). P{} is replicated over the whole mesh.
class P {
 public:
  P(std::initializer_list<DimSpec> dims) : dims_(dims) {}
  const std::vector<DimSpec>& dims() const { return dims_; }

 private:
  std::vector<DimSpec> dims_;
};

namespace internal {

// The specs of a function's inputs or outputs: one for all, or one per entry.
std::vector<P> SpecsFor(const char* what, const std::vector<P>& specs, size_t n);
// Checks spec against x and the mesh (op names who), and cuts x: the result has one leading
// axis per mesh axis the spec names, in mesh order, then the block. mapped[k]: mesh axis k
// is one of them.
Tensor CutBlocks(const Tensor& x, const P& spec, const LocalMesh& mesh, const std::string& who,
                 std::vector<bool>& mapped);
// The inverse: y has a leading axis per mesh axis spec names (mesh order), then the block.
Tensor JoinBlocks(const Tensor& y, const P& spec, const LocalMesh& mesh, const std::string& who);
// The block of x that the member at `coordinates` (one index per mesh axis) holds: x after
// shard_map_in over every mesh axis, sliced along each axis the spec names (checked as
// CutBlocks does). A process mesh's shard_map (distributed/shard_map.h) cuts its arguments so.
Tensor MemberBlock(const Tensor& x, const P& spec, const LocalMesh& mesh,
                   const std::vector<int64_t>& coordinates, const std::string& who);
// The whole array of the members' blocks y: all_gather, tiled, over the mesh axes of each
// array axis the spec names; over the others y is taken as the same on every member.
Tensor GatherMembers(const Tensor& y, const P& spec, const LocalMesh& mesh, const std::string& who);
// Whether spec names mesh axis `axis`.
bool Names(const P& spec, const std::string& axis);
void CheckMesh(const LocalMesh& mesh);

}  // namespace internal

// shard_map(f, mesh, in_specs, out_specs)(args...): in_specs has one P per argument (a
// container's tensors all use its argument's), or one for all; out_specs one per result
// tensor, or one for all. Inside f, collectives over the mesh's names see every member.
template <typename F>
auto shard_map(F f, LocalMesh mesh, std::vector<P> in_specs, std::vector<P> out_specs) {
  internal::CheckMesh(mesh);
  return [f, mesh, in_specs, out_specs](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    using Out = internal::ResultOf<F, std::decay_t<decltype(args)>...>;
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    constexpr size_t kArgs = sizeof...(args);
    const std::vector<P> arg_specs = internal::SpecsFor("in_specs", in_specs, kArgs);
    const size_t nk = mesh.axes.size();
    // Each leaf cut into blocks, and which mesh axes it is mapped over.
    std::vector<Tensor> cut;
    std::vector<std::vector<bool>> mapped;
    std::vector<std::string> names;
    for (size_t a = 0; a < kArgs; ++a) {
      for (size_t i = flat.offsets[a]; i < flat.offsets[a + 1]; ++i) {
        names.push_back("argument " + std::to_string(a));
        mapped.emplace_back(nk, false);
        cut.push_back(
            internal::CutBlocks(flat.leaves[i], arg_specs[a], mesh, names.back(), mapped.back()));
      }
    }
    std::optional<Out> out_like;
    std::vector<P> result_specs;
    // Level k maps mesh axis k; the innermost calls f on the blocks.
    std::function<std::vector<Tensor>(size_t, const std::vector<Tensor>&)> level =
        [&](size_t k, const std::vector<Tensor>& leaves) -> std::vector<Tensor> {
      if (k == nk) {
        std::vector<Tensor> ys = internal::CallFlat(f, flat.Rebuild(leaves), out_like);
        result_specs = internal::SpecsFor("out_specs", out_specs, ys.size());
        return ys;
      }
      std::vector<std::optional<int64_t>> in_axes, out_axes;
      for (const std::vector<bool>& m : mapped) {
        in_axes.push_back(m[k] ? std::optional<int64_t>(0) : std::nullopt);
      }
      // The results' specs are known once f has run: VmapFlat reads out_axes after calling
      // this, which fills it then (a result split over axis k is mapped, one replicated is not).
      const FlatFn inner = [&, k](const std::vector<Tensor>& xs) {
        std::vector<Tensor> ys = level(k + 1, xs);
        for (const P& s : result_specs) {
          const bool split = internal::Names(s, mesh.axes[k].first);
          out_axes.push_back(split ? std::optional<int64_t>(0) : std::nullopt);
        }
        return ys;
      };
      return VmapFlat(inner, leaves, in_axes, out_axes, mesh.axes[k].second, names,
                      mesh.axes[k].first, "shard_map");
    };
    const std::vector<Tensor> stacked = level(0, cut);
    std::vector<Tensor> results;
    for (size_t j = 0; j < stacked.size(); ++j) {
      results.push_back(
          internal::JoinBlocks(stacked[j], result_specs[j], mesh, "result " + std::to_string(j)));
    }
    return TreeUnflatten(*out_like, results);
  };
}

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_SHARD_MAP_H_
