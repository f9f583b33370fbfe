// File: core/params.h
// The static parameters of a primitive application (axes, shapes, dtypes...). One flat struct
// so that rules, backends and printed programs share one spelling; each primitive reads only
// the fields listed here.

#ifndef COTANGENT_CORE_PARAMS_H_
#define COTANGENT_CORE_PARAMS_H_

#include <cstdint>
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

struct Params {
  std::vector<int64_t> axes;         // reduce_sum, reduce_max: axes reduced (sorted, unique)
  int64_t dimension = 0;             // argmax, concatenate: the axis
  std::vector<int64_t> permutation;  // transpose: output axis i is input axis permutation[i]
  Shape shape;                       // reshape, broadcast_in_dim: the output shape
  std::vector<int64_t> broadcast_dimensions;  // broadcast_in_dim: output axis of input axis i
  std::vector<int64_t> start, limit, stride;  // slice (stride >= 1)
  std::vector<int64_t> low, high, interior;   // pad: edge and interior padding (edges may be < 0)
  double padding_value = 0;                   // pad
  DType new_dtype = DType::kF32;              // convert_element_type
  DotDims dot;                                // dot_general

  bool operator==(const Params&) const = default;
};

// The fields this primitive reads, as "axes=[0,1]" etc., for printed programs and messages.
std::string ParamsToString(Primitive prim, const Params& params);

}  // namespace cotangent

#endif  // COTANGENT_CORE_PARAMS_H_
