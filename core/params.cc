// File: core/params.cc
// Printing of primitive parameters (the part of a printed program between the brackets).

#include "core/params.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cotangent {
namespace {

std::string List(absl::Span<const int64_t> v) { return absl::StrCat("(", absl::StrJoin(v, ","), ")"); }

}  // namespace

std::string ParamsToString(Primitive prim, const Params& p) {
  switch (prim) {
    case Primitive::kReduceSum:
    case Primitive::kReduceMax:
      return absl::StrCat("axes=", List(p.axes));
    case Primitive::kArgmax:
    case Primitive::kConcatenate:
      return absl::StrCat("dimension=", p.dimension);
    case Primitive::kTranspose:
      return absl::StrCat("permutation=", List(p.permutation));
    case Primitive::kReshape:
      return absl::StrCat("new_sizes=", List(p.shape));
    case Primitive::kBroadcastInDim:
      return absl::StrCat("shape=", List(p.shape), " broadcast_dimensions=",
                          List(p.broadcast_dimensions));
    case Primitive::kSlice:
      return absl::StrCat("start=", List(p.start), " limit=", List(p.limit),
                          " stride=", List(p.stride));
    case Primitive::kPad:
      return absl::StrCat("low=", List(p.low), " high=", List(p.high), " interior=",
                          List(p.interior), " value=", p.padding_value);
    case Primitive::kConvert:
      return absl::StrCat("new_dtype=", DTypeName(p.new_dtype));
    case Primitive::kDotGeneral:
      return absl::StrCat("contract=(", List(p.dot.lhs_contracting), ",",
                          List(p.dot.rhs_contracting), ") batch=(", List(p.dot.lhs_batch), ",",
                          List(p.dot.rhs_batch), ")");
    default:
      return "";
  }
}

}  // namespace cotangent
