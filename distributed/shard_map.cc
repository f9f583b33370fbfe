// File: distributed/shard_map.cc
// The process mesh's place for shard_map (distributed/shard_map.h): its axes, this process's
// coordinates, and the check that the mesh is still the one bound.

#include "distributed/shard_map.h"

#include <memory>

#include "core/error.h"
#include "core/interpreter.h"

namespace cotangent::distributed::internal {

MeshPlace PlaceOf(const Mesh& mesh) {
  MeshPlace place;
  place.axes.axes = mesh.axes();
  for (const auto& [name, size] : mesh.axes()) place.coordinates.push_back(mesh.index(name));
  const std::shared_ptr<ProcessAxes> bound = CurrentProcessAxes();
  if (bound == nullptr) ThrowInvalid("shard_map: the mesh is not bound");
  place.key = bound->Key();
  return place;
}

void CheckBound(const MeshPlace& place) {
  const std::shared_ptr<ProcessAxes> bound = CurrentProcessAxes();
  if (bound == nullptr || bound->Key() != place.key) {
    ThrowInvalid("shard_map: its mesh (", place.key, ") is no longer the processes' mesh (",
                 bound == nullptr ? std::string("none") : bound->Key(), ")");
  }
}

}  // namespace cotangent::distributed::internal
