// File: cotangent/collectives.h
// Collectives over named axes, JAX's lax.psum, pmean, pmax, pmin, all_gather, psum_scatter,
// all_to_all, ppermute and axis_index: inside vmap(f, in_axes, out_axes, axis_name("i"))
// they combine the values of f's mapped calls (the members of axis "i"), differentiate and
// batch with JAX's rules and compose with jit. An unbound name is an Error. docs/distributed.md.

#ifndef COTANGENT_COTANGENT_COLLECTIVES_H_
#define COTANGENT_COTANGENT_COLLECTIVES_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace cotangent {

// One axis name or several: psum(x, "i"), psum(x, {"i", "j"}).
class AxisNames {
 public:
  AxisNames(const char* name) : names_{name} {}             // NOLINT
  AxisNames(std::string name) : names_{std::move(name)} {}  // NOLINT
  AxisNames(std::initializer_list<std::string> names) : names_(names) {}
  AxisNames(std::vector<std::string> names) : names_(std::move(names)) {}  // NOLINT
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

// The sum over the members of the named axes (bool becomes i32), the mean (as f32 for
// integers), the maximum and the minimum; each member gets the result.
Tensor psum(const Tensor& x, const AxisNames& axes);
Tensor pmean(const Tensor& x, const AxisNames& axes);
Tensor pmax(const Tensor& x, const AxisNames& axes);
Tensor pmin(const Tensor& x, const AxisNames& axes);

// Every member's x stacked along a new axis `axis` of the output (tiled: concatenated along
// x's axis `axis`), members in index order (the first name major).
Tensor all_gather(const Tensor& x, const AxisNames& axes, int64_t axis = 0, bool tiled = false);

// psum(x), of which member k keeps block k along scatter_dimension: that axis must have the
// axis's size and is removed (tiled: divisible by it, blocks kept as an axis).
Tensor psum_scatter(const Tensor& x, const std::string& name, int64_t scatter_dimension = 0,
                    bool tiled = false);

// Member j receives block j of every member's x split along split_axis (whose size must be
// the axis's), stacked in member order as a new axis at concat_axis of the output (tiled: x's
// split_axis divisible by the size, the blocks concatenated along x's concat_axis).
Tensor all_to_all(const Tensor& x, const std::string& name, int64_t split_axis, int64_t concat_axis,
                  bool tiled = false);

// x sent along (source, destination) pairs of member indices, sources and destinations each
// distinct; a member no pair sends to gets zeros.
Tensor ppermute(const Tensor& x, const std::string& name,
                const std::vector<std::pair<int64_t, int64_t>>& perm);
// ppermute where member i receives from member perm[i] (a permutation of 0..n-1).
Tensor pshuffle(const Tensor& x, const std::string& name, const std::vector<int64_t>& perm);

// This member's index along the named axes (i32; several: row-major, the first name major).
Tensor axis_index(const AxisNames& axes);
// The number of members of the named axes (JAX's psum(1, axes)).
int64_t axis_size(const AxisNames& axes);

namespace internal {

// x, as one process's copy of a value that every member of the named axes holds whole: a
// process mesh's shard_map arguments (distributed/shard_map.h). The identity, whose transpose
// averages the copies' cotangents (primitive shard_map_in, core/primitives.def).
Tensor shard_map_in(const Tensor& x, const AxisNames& axes);

}  // namespace internal

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_COLLECTIVES_H_
