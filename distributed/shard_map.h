// File: distributed/shard_map.h
// shard_map over the processes of a distributed::Mesh (JAX's jax.shard_map in a multi-process
// run): every process calls it with the whole (global) arguments, runs f on its own block of
// each (cut as in_specs say, by its coordinates in the mesh), and gets back the whole results
// (the processes' blocks gathered as out_specs say). Inside f the collectives over the mesh's
// names run across the processes; grad, jvp, vmap and jit compose with it, and its results and
// derivatives are those of shard_map over a LocalMesh of the same axes (cotangent/shard_map.h),
// which runs the members in one process. docs/distributed.md.

#ifndef COTANGENT_DISTRIBUTED_SHARD_MAP_H_
#define COTANGENT_DISTRIBUTED_SHARD_MAP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cotangent/shard_map.h"
#include "distributed/distributed.h"

namespace cotangent {

namespace distributed::internal {

// The mesh as shard_map needs it: its axes, this process's coordinate along each, and the
// process axes' key (core/interpreter.h ProcessAxes::Key) while it was bound.
struct MeshPlace {
  LocalMesh axes;
  std::vector<int64_t> coordinates;
  std::string key;
};
MeshPlace PlaceOf(const Mesh& mesh);
// Throws unless the processes' mesh is still one of these axes (the Mesh was not replaced).
void CheckBound(const MeshPlace& place);

}  // namespace distributed::internal

// shard_map(f, mesh, in_specs, out_specs)(args...) across processes: the arguments are the
// global arrays, the same on every process (an argument that differs gives each process its
// block of its own value); the specs are shard_map's (cotangent/shard_map.h). A result spec
// that leaves a mesh axis out declares the result the same on every process along it, which
// is not checked across processes (JAX's check_vma=False): check f with a LocalMesh. The
// Mesh must outlive the calls; each call checks that it is still the processes' mesh.
template <typename F>
auto shard_map(F f, const distributed::Mesh& mesh, std::vector<P> in_specs,
               std::vector<P> out_specs) {
  return [f, place = distributed::internal::PlaceOf(mesh), in_specs,
          out_specs](const auto&... args)
         requires std::is_invocable_v<const F&, decltype(args)...> {
    using Out = internal::ResultOf<F, std::decay_t<decltype(args)>...>;
    distributed::internal::CheckBound(place);
    internal::FlatArgs<std::decay_t<decltype(args)>...> flat(args...);
    constexpr size_t kArgs = sizeof...(args);
    const std::vector<P> arg_specs = internal::SpecsFor("in_specs", in_specs, kArgs);
    std::vector<Tensor> blocks;
    for (size_t a = 0; a < kArgs; ++a) {
      for (size_t i = flat.offsets[a]; i < flat.offsets[a + 1]; ++i) {
        blocks.push_back(internal::MemberBlock(flat.leaves[i], arg_specs[a], place.axes,
                                               place.coordinates, "argument " + std::to_string(a)));
      }
    }
    std::optional<Out> out_like;
    const std::vector<Tensor> ys = internal::CallFlat(f, flat.Rebuild(blocks), out_like);
    const std::vector<P> result_specs = internal::SpecsFor("out_specs", out_specs, ys.size());
    std::vector<Tensor> results;
    for (size_t j = 0; j < ys.size(); ++j) {
      results.push_back(internal::GatherMembers(ys[j], result_specs[j], place.axes,
                                                "result " + std::to_string(j)));
    }
    return TreeUnflatten(*out_like, results);
  };
}

}  // namespace cotangent

#endif  // COTANGENT_DISTRIBUTED_SHARD_MAP_H_
