// File: core/params.h
// The static parameters of a primitive application (axes, shapes, dtypes...). One flat struct
// so that rules, backends and printed programs share one spelling; each primitive reads only
// the fields listed here.

#ifndef COTANGENT_CORE_PARAMS_H_
#define COTANGENT_CORE_PARAMS_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/primitive.h"
#include "core/shape.h"

namespace cotangent {

// Dimension numbers of dot_general, as lax: contract lhs_contracting[i] with
// rhs_contracting[i], batch over lhs_batch[i] with rhs_batch[i]. The output is
// batch dims, then lhs free dims, then rhs free dims, each in operand order.
struct DotDims {
  std::vector<int64_t> lhs_contracting, rhs_contracting;
  std::vector<int64_t> lhs_batch, rhs_batch;
  bool operator==(const DotDims&) const = default;
};

// Dimension numbers of gather and scatter_add, as lax's (the index vector is the indices'
// last axis; its other axes are the batch axes). JAX's names for each are in the comments.
struct IndexDims {
  // gather's offset_dims: the output axes the slice's kept axes become, in operand order;
  // scatter_add's update_window_dims: the axes of updates that hold a window.
  std::vector<int64_t> window_dims;
  // collapsed_slice_dims / inserted_window_dims: operand axes the window spans one element of,
  // with no window axis for them.
  std::vector<int64_t> collapsed_dims;
  // start_index_map / scatter_dims_to_operand_dims: index component k is the window's start
  // along this operand axis (the window starts at 0 along the others).
  std::vector<int64_t> start_index_map;
  bool operator==(const IndexDims&) const = default;
};

// The window a scatter's updates cover along each of the operand's axes: 1 along an inserted
// (collapsed) axis, else the size of the updates axis, window_dims in order, that holds it.
inline std::vector<int64_t> ScatterWindow(int64_t operand_rank, const Shape& updates_shape,
                                          const IndexDims& d) {
  std::vector<int64_t> window(operand_rank, 1);
  size_t j = 0;
  for (int64_t a = 0; a < operand_rank; ++a) {
    const bool inserted =
        std::find(d.collapsed_dims.begin(), d.collapsed_dims.end(), a) != d.collapsed_dims.end();
    if (!inserted && j < d.window_dims.size()) window[a] = updates_shape[d.window_dims[j++]];
  }
  return window;
}

// The configuration of conv_general_dilated, as lax's. Each spec lists an operand's axes in
// the canonical order of the math: lhs (batch N, feature C, spatial...), rhs (output feature O,
// input feature I, spatial...), out (N, O, spatial...), spatial axes paired in order. The lhs
// is dilated (lhs_dilation - 1 zeros between elements), then padded (low, high; negative
// crops); output position o along a spatial axis reads the window element k at o * stride +
// k * rhs_dilation of that. feature_group_count G splits C and O into G groups (group major),
// group g of O reading group g of C; batch_group_count B splits N into B groups (group major)
// and O into B groups, the output having N / B. At most one of G and B exceeds 1.
struct ConvDims {
  std::vector<int64_t> lhs_spec, rhs_spec, out_spec;
  std::vector<int64_t> window_strides, padding_low, padding_high, lhs_dilation, rhs_dilation;
  int64_t feature_group_count = 1, batch_group_count = 1;
  bool operator==(const ConvDims&) const = default;
};

// Where a window reaches outside the operand (JAX's GatherScatterMode): kClip clamps its start
// so it fits (also what PROMISE_IN_BOUNDS runs); kFill fills a gathered window with
// fill_value and drops a scattered one (FILL_OR_DROP).
enum class IndexMode : uint8_t { kClip, kFill };

// The options of the linear algebra rows (core/primitives.def), as lax.linalg names them.
struct LinalgOptions {
  bool left_side = false;      // triangular_solve: op(a) x = b rather than x op(a) = b
  bool lower = true;           // triangular_solve, eigh: the triangle of a read
  bool transpose_a = false;    // triangular_solve: op(a) = a^T
  bool conjugate_a = false;    // triangular_solve: op(a) conjugated too (a complex a)
  bool unit_diagonal = false;  // triangular_solve: a's diagonal taken as ones
  bool full_matrices = false;  // qr, svd: square q, or square u and vt
  bool operator==(const LinalgOptions&) const = default;
};

class Program;
class Tensor;

// What a primitive carries in its params that is code, not data: a custom function with its
// rules (custom_jvp_call, custom_vjp_call), custom_lin's transpose. Compared and hashed by
// identity, printed as Describe() says.
class ParamObject {
 public:
  virtual ~ParamObject() = default;
  // "jvp=f_jvp", "bwd=clip_gradient": the parameters it stands for, as printed programs show.
  virtual std::string Describe() const = 0;
};

// custom_lin's rule: the transpose of the linear function a custom_vjp function recorded in
// reverse mode (its bwd over saved residuals).
class CustomLinearRule : public ParamObject {
 public:
  virtual const std::string& name() const = 0;
  // The types of the outputs (the tangents of the function's outputs).
  virtual std::vector<ShapedArray> OutAvals() const = 0;
  // The cotangents of the linear operands from the residuals and the output cotangents.
  virtual std::vector<Tensor> Transpose(const std::vector<Tensor>& residuals,
                                        const std::vector<Tensor>& cts) const = 0;
};

struct Params {
  std::vector<int64_t> axes;         // reduce_sum, _max, _prod: axes reduced (sorted, unique)
  int64_t dimension = 0;             // argmax, concatenate, argsort, collectives: the axis
  bool descending = false;           // argsort: largest first
  int64_t k = -1;                    // argsort: each line's first k indices (top_k); -1: all
  // transpose: output axis i is input axis permutation[i]; ppermute: member i receives from
  // member permutation[i] (-1: zeros)
  std::vector<int64_t> permutation;
  Shape shape;                       // reshape, broadcast_in_dim: the output shape
  std::vector<int64_t> broadcast_dimensions;  // broadcast_in_dim: output axis of input axis i
  std::vector<int64_t> start, limit, stride;  // slice (stride >= 1)
  std::vector<int64_t> low, high, interior;   // pad: edge and interior padding (edges may be < 0)
  Number padding_value;                       // pad
  DType new_dtype = DType::kF32;              // convert_element_type
  DotDims dot;                                // dot_general
  ConvDims conv;                              // conv_general_dilated
  IndexDims index;                            // gather, scatter_add
  std::vector<int64_t> slice_sizes;           // gather: the window, one size per operand axis
  IndexMode mode = IndexMode::kClip;          // gather, scatter_add
  Number fill_value;                          // gather with kFill
  LinalgOptions linalg;                       // triangular_solve, qr, eigh, svd
  // closed_call: the program applied (its constants are the call's leading operands) and the
  // name of the function it was traced from.
  std::shared_ptr<const Program> program;
  std::string name;
  // custom_lin: its CustomLinearRule; custom_jvp_call, custom_vjp_call: the custom function.
  std::shared_ptr<const ParamObject> object;
  // How many leading operands are not arguments: custom_lin's residuals (the rest are linear),
  // a custom call's closed-over constants (the rest are the function's arguments), scan's
  // constants, while's cond constants (its body constants follow).
  int64_t num_consts = 0;
  // cond: the branches; while: {cond, body}. Each takes the primitive's operands it reads
  // (core/primitives.def) as inputs and has no constvars.
  std::vector<std::shared_ptr<const Program>> programs;
  int64_t num_carry = 0;  // scan, while: the carried operands (scan's xs follow them)
  int64_t length = 0;     // scan: the iterations (the leading axis of xs and ys)
  bool reverse = false;   // scan: from the last element of xs to the first
  int64_t unroll = 1;     // scan: steps per iteration of its compiled loop (jit), >= 1
  // Collectives (core/primitives.def): the named axes they run over; all_gather and
  // reduce_scatter: the axes' total size and whether blocks tile an existing axis (dimension)
  // rather than stack on a new one; all_to_all: the axis blocks are concatenated along.
  std::vector<std::string> axis_names;
  int64_t axis_size = 0;
  bool tiled = false;
  int64_t concat_dimension = 0;

  // Structural: programs compare by their equations, not by identity. Defined with programs
  // (core/program.cc), as are StableHash and ParamsToString.
  bool operator==(const Params& other) const;
  // Stable across runs and machines (no pointers, no per-process seed): a key for caches of
  // compiled programs, in memory or on disk. A ParamObject counts by its presence only.
  uint64_t StableHash() const;
  template <typename H>
  friend H AbslHashValue(H h, const Params& p) {
    return H::combine(std::move(h), p.StableHash());
  }
};

// The fields this primitive reads, as "axes=(0, 1)" etc. (JAX's spelling), for printed programs
// and messages. A sub-program prints nested under an equation at column `indent`, continuing
// the enclosing program's variable names (`names`: the next to give; see PrintProgram).
// The params of a primitive that has none: the default of Bind (one shared object, so that
// binding costs no construction of this large struct).
inline const Params& NoParams() {
  static const Params* const none = new Params();
  return *none;
}

// params as an immutable shared object: NoParams() itself is shared without a copy (most
// equations have no params), anything else is copied once.
std::shared_ptr<const Params> SharedParams(const Params& params);

std::string ParamsToString(Primitive prim, const Params& params, int indent = 0,
                           int* names = nullptr);

}  // namespace cotangent

#endif  // COTANGENT_CORE_PARAMS_H_
