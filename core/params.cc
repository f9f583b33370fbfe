// File: core/params.cc
// Printing, comparing and hashing primitive parameters (the part of a printed program between
// the brackets). Tuples print as JAX prints them: (), (0,), (0, 1).

#include "core/params.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/program.h"

namespace cotangent {
namespace {

std::string List(absl::Span<const int64_t> v) {
  return absl::StrCat("(", absl::StrJoin(v, ", "), v.size() == 1 ? ",)" : ")");
}

}  // namespace

bool Params::operator==(const Params& o) const {
  const bool programs_equal = program == o.program ||
                              (program != nullptr && o.program != nullptr && *program == *o.program);
  return programs_equal && axes == o.axes && dimension == o.dimension &&
         permutation == o.permutation && shape == o.shape &&
         broadcast_dimensions == o.broadcast_dimensions && start == o.start &&
         limit == o.limit && stride == o.stride && low == o.low && high == o.high &&
         interior == o.interior && padding_value == o.padding_value &&
         new_dtype == o.new_dtype && dot == o.dot && name == o.name &&
         custom_linear == o.custom_linear && num_residuals == o.num_residuals;
}

size_t Params::ProgramHash(const Program* program) {
  return program == nullptr ? 0 : program->Hash();
}

std::string ParamsToString(Primitive prim, const Params& p, int indent, int* names) {
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
      return absl::StrCat("start_indices=", List(p.start), " limit_indices=", List(p.limit),
                          " strides=", List(p.stride));
    case Primitive::kPad:
    {
      // JAX's padding_config: one (low, high, interior) per axis.
      std::vector<std::string> axes;
      for (size_t i = 0; i < p.low.size(); ++i) {
        axes.push_back(List({p.low[i], p.high[i], p.interior[i]}));
      }
      return absl::StrCat("padding_config=(", absl::StrJoin(axes, ", "),
                          axes.size() == 1 ? ",)" : ")", " padding_value=", p.padding_value);
    }
    case Primitive::kConvert:
      return absl::StrCat("new_dtype=", DTypeName(p.new_dtype));
    case Primitive::kDotGeneral:
      return absl::StrCat("dimension_numbers=((", List(p.dot.lhs_contracting), ", ",
                          List(p.dot.rhs_contracting), "), (", List(p.dot.lhs_batch), ", ",
                          List(p.dot.rhs_batch), "))");
    case Primitive::kClosedCall: {
      // As JAX prints call primitives: one parameter per line, the program nested.
      const std::string pad(indent + 2, ' ');
      std::string out = "\n";
      if (!p.name.empty()) absl::StrAppend(&out, pad, "name=", p.name, "\n");
      absl::StrAppend(&out, pad, "call_jaxpr=",
                      p.program ? PrintProgram(*p.program, indent + 2, names) : "None", "\n",
                      std::string(indent, ' '));
      return out;
    }
    case Primitive::kCustomLin:
      return absl::StrCat("bwd=", p.custom_linear ? p.custom_linear->name() : "None",
                          " num_res=", p.num_residuals);
    default:
      return "";
  }
}

}  // namespace cotangent
