// File: core/program.cc
// Printing (jaxpr style), structural equality and hashing, verification and evaluation of
// programs.

#include "core/program.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ostream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/interpreter.h"
#include "core/rules.h"

namespace cotangent {
namespace {

// "a".."z", "ba".."zz", ... as JAX names variables.
std::string NameOf(int n) {
  std::string name;
  for (;; n = n / 26 - 1) {
    name.insert(name.begin(), static_cast<char>('a' + n % 26));
    if (n < 26) break;
  }
  return name;
}

// A literal as Python's repr prints it: 2.0, 0.1, 1e-05, 3, True, (2+0j) (a complex literal
// is real: value + 0i).
std::string LiteralText(const Atom& a) {
  switch (a.dtype) {
    case DType::kBool: return a.value.integer() != 0 ? "True" : "False";
    case DType::kU8:
    case DType::kU32:
    case DType::kI32:
    case DType::kI64: return absl::StrCat(a.value.integer());
    case DType::kF16:
    case DType::kBF16:
    case DType::kF32:
    case DType::kF64:
    case DType::kC64:
    case DType::kC128:
    case DType::kFloat0:  // never a literal (no primitive takes one)
      break;
  }
  const double v = a.value.to_double();
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
    const double back = std::strtod(buf, nullptr);
    if (ValueIn(a.dtype, back) == v) {
      break;
    }
  }
  std::string s = buf;
  if (IsComplex(a.dtype)) return absl::StrCat("(", s, "+0j)");
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

class Namer {
 public:
  explicit Namer(int* next) : next_(next) {}
  std::string Define(int32_t var) {
    std::string name = NameOf((*next_)++);
    names_[var] = name;
    return name;
  }
  std::string Declare(int32_t var, const Program& p) {
    return absl::StrCat(Define(var), ":", p.avals[var].ToString());
  }
  std::string Use(const Atom& a) const {
    if (a.is_literal()) return absl::StrCat(LiteralText(a), ":", ShapedArray{{}, a.dtype}.ToString());
    auto it = names_.find(a.var);
    return it == names_.end() ? absl::StrCat("<undefined v", a.var, ">") : it->second;
  }

 private:
  int* next_;
  absl::flat_hash_map<int32_t, std::string> names_;
};

// A tuple as JAX prints it: (), (0,), (0, 1).
const char* Bool(bool b) { return b ? "True" : "False"; }

std::string List(absl::Span<const int64_t> v) {
  return absl::StrCat("(", absl::StrJoin(v, ", "), v.size() == 1 ? ",)" : ")");
}

// Axis names as JAX prints a tuple of strings: ('i',), ('i', 'j').
std::string Names(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names) quoted.push_back(absl::StrCat("'", n, "'"));
  return absl::StrCat("(", absl::StrJoin(quoted, ", "), names.size() == 1 ? ",)" : ")");
}

std::string EquationText(const Program& p, const Equation& eqn, Namer& namer, int indent,
                         int* next) {
  std::vector<std::string> args, outs;
  for (const Atom& a : eqn.inputs) args.push_back(namer.Use(a));
  for (int32_t v : eqn.outputs) outs.push_back(namer.Declare(v, p));
  std::string op = PrimitiveName(eqn.prim);
  const std::string params = ParamsToString(eqn.prim, *eqn.params, indent, next);
  if (!params.empty()) absl::StrAppend(&op, "[", params, "]");
  return absl::StrCat(absl::StrJoin(outs, " "), " = ", op, args.empty() ? "" : " ",
                      absl::StrJoin(args, " "));
}

}  // namespace

// Params live in core/params.h (a header of the backend interface); what needs programs is
// defined here: comparison, hashing, printing and sharing.
std::shared_ptr<const Params> SharedParams(const Params& params) {
  // The static NoParams() outlives every program: shared with no owner and no copy.
  if (&params == &NoParams()) {
    return std::shared_ptr<const Params>(std::shared_ptr<void>(), &params);
  }
  return std::make_shared<const Params>(params);
}

bool Params::operator==(const Params& o) const {
  // Numbers by their bits (Number::Identical), as the stable hash reads them: a NaN padding or
  // fill value is itself.
  const auto same = [](const std::shared_ptr<const Program>& a,
                       const std::shared_ptr<const Program>& b) {
    return a == b || (a != nullptr && b != nullptr && *a == *b);
  };
  if (programs.size() != o.programs.size()) return false;
  for (size_t i = 0; i < programs.size(); ++i) {
    if (!same(programs[i], o.programs[i])) return false;
  }
  return same(program, o.program) && num_carry == o.num_carry && length == o.length &&
         reverse == o.reverse && unroll == o.unroll && axes == o.axes && dimension == o.dimension &&
         descending == o.descending && linalg == o.linalg && permutation == o.permutation &&
         shape == o.shape && broadcast_dimensions == o.broadcast_dimensions && start == o.start &&
         limit == o.limit && stride == o.stride && low == o.low && high == o.high &&
         interior == o.interior && padding_value.Identical(o.padding_value) &&
         new_dtype == o.new_dtype && dot == o.dot && conv == o.conv && index == o.index &&
         slice_sizes == o.slice_sizes && mode == o.mode && fill_value.Identical(o.fill_value) &&
         name == o.name && object == o.object && num_consts == o.num_consts &&
         axis_names == o.axis_names && axis_size == o.axis_size && tiled == o.tiled &&
         concat_dimension == o.concat_dimension && k == o.k;
}

namespace {

// A dtype's number in stable hashes: the order dtypes were added in, not the enum's (which
// orders them by kind), so that adding a dtype keeps every key.
uint64_t StableCode(DType dtype) {
  switch (dtype) {
    case DType::kBool: return 0;
    case DType::kI32: return 1;
    case DType::kF32: return 2;
    case DType::kF64: return 3;
    case DType::kU8: return 4;
    case DType::kU32: return 5;
    case DType::kI64: return 6;
    case DType::kF16: return 7;
    case DType::kBF16: return 8;
    case DType::kFloat0: return 9;
    case DType::kC64: return 10;
    case DType::kC128: return 11;
  }
  return 12;
}

// A stable 64-bit hash: values mixed in order with splitmix64's finalizer.
class StableHasher {
 public:
  StableHasher& Add(uint64_t v) {
    h_ = Mix(h_ ^ (v + 0x9e3779b97f4a7c15ULL + (h_ << 6) + (h_ >> 2)));
    return *this;
  }
  StableHasher& Add(absl::Span<const int64_t> v) {
    Add(static_cast<uint64_t>(v.size()));
    for (int64_t x : v) Add(static_cast<uint64_t>(x));
    return *this;
  }
  StableHasher& Add(std::string_view s) {
    Add(static_cast<uint64_t>(s.size()));
    for (char c : s) Add(static_cast<uint64_t>(static_cast<unsigned char>(c)));
    return *this;
  }
  StableHasher& Add(const ShapedArray& a) {
    return Add(a.shape).Add(StableCode(a.dtype));
  }
  StableHasher& Add(const Atom& a) {
    return Add(static_cast<uint64_t>(static_cast<int64_t>(a.var)))
        .Add(StableCode(a.dtype))
        .Add(a.value.bits());
  }
  uint64_t value() const { return h_; }

 private:
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t h_ = 0;
};

StableHasher& AddVars(StableHasher& h, absl::Span<const int32_t> vars) {
  h.Add(static_cast<uint64_t>(vars.size()));
  for (int32_t v : vars) h.Add(static_cast<uint64_t>(v));
  return h;
}

}  // namespace

uint64_t Params::StableHash() const {
  StableHasher h;
  h.Add(axes).Add(static_cast<uint64_t>(dimension)).Add(permutation).Add(shape)
      .Add(broadcast_dimensions).Add(start).Add(limit).Add(stride).Add(low).Add(high)
      .Add(interior).Add(padding_value.bits()).Add(StableCode(new_dtype))
      .Add(dot.lhs_contracting).Add(dot.rhs_contracting).Add(dot.lhs_batch).Add(dot.rhs_batch)
      .Add(name).Add(static_cast<uint64_t>(object != nullptr))
      .Add(static_cast<uint64_t>(num_consts))
      .Add(program == nullptr ? uint64_t{0} : program->Hash());
  // The control-flow fields count only when set, so that the keys of programs without loops
  // stay what they were when the fields were added.
  if (!programs.empty() || num_carry != 0 || length != 0 || reverse || unroll != 1) {
    h.Add(static_cast<uint64_t>(num_carry)).Add(static_cast<uint64_t>(length))
        .Add(static_cast<uint64_t>(reverse)).Add(static_cast<uint64_t>(programs.size()))
        .Add(static_cast<uint64_t>(unroll));
    for (const auto& sub : programs) h.Add(sub == nullptr ? uint64_t{0} : sub->Hash());
  }
  if (!slice_sizes.empty() || !index.start_index_map.empty()) {  // likewise for indexing
    h.Add(index.window_dims).Add(index.collapsed_dims).Add(index.start_index_map)
        .Add(slice_sizes).Add(static_cast<uint64_t>(mode)).Add(fill_value.bits());
  }
  if (descending) h.Add(uint64_t{1});
  if (k >= 0) h.Add(uint64_t{2}).Add(static_cast<uint64_t>(k));
  if (!conv.lhs_spec.empty()) {  // likewise for convolutions
    h.Add(conv.lhs_spec).Add(conv.rhs_spec).Add(conv.out_spec).Add(conv.window_strides)
        .Add(conv.padding_low).Add(conv.padding_high).Add(conv.lhs_dilation)
        .Add(conv.rhs_dilation).Add(static_cast<uint64_t>(conv.feature_group_count))
        .Add(static_cast<uint64_t>(conv.batch_group_count));
  }
  if (!axis_names.empty()) {  // likewise for the collectives
    for (const std::string& axis : axis_names) h.Add(axis);
    h.Add(static_cast<uint64_t>(axis_size)).Add(static_cast<uint64_t>(tiled))
        .Add(static_cast<uint64_t>(concat_dimension));
  }
  if (linalg != LinalgOptions{}) {  // likewise for the linear algebra options
    const LinalgOptions& l = linalg;
    h.Add(static_cast<uint64_t>(l.left_side | l.lower << 1 | l.transpose_a << 2 |
                                l.unit_diagonal << 3 | l.full_matrices << 4 | l.conjugate_a << 5));
  }
  return h.value();
}

namespace {

// As JAX prints them: one parameter per line, the programs nested.
//   cond[branches=(...)]   while[body_jaxpr=... body_nconsts=... cond_jaxpr=... cond_nconsts=...]
//   scan[jaxpr=... length=... num_carry=... num_consts=... reverse=...]
std::string ControlFlowParams(Primitive prim, const Params& p, int indent, int* names) {
  const std::string pad(indent + 2, ' ');
  const auto program = [&](const std::shared_ptr<const Program>& sub, int column) {
    return sub ? PrintProgram(*sub, column, names) : std::string("None");
  };
  std::string out = "\n";
  if (prim == Primitive::kCond) {
    absl::StrAppend(&out, pad, "branches=(\n");
    for (const auto& branch : p.programs) {
      absl::StrAppend(&out, pad, "  ", program(branch, indent + 4), "\n");
    }
    absl::StrAppend(&out, pad, ")\n");
  } else if (prim == Primitive::kWhile && p.programs.size() == 2) {
    // The primitive's operands: cond's constants, body's constants, then the carry.
    const auto nconsts = [&](int k) {
      return static_cast<int64_t>(p.programs[k]->invars.size()) - p.num_carry;
    };
    absl::StrAppend(&out, pad, "body_jaxpr=", program(p.programs[1], indent + 2), "\n", pad,
                    "body_nconsts=", nconsts(1), "\n");
    absl::StrAppend(&out, pad, "cond_jaxpr=", program(p.programs[0], indent + 2), "\n", pad,
                    "cond_nconsts=", nconsts(0), "\n");
  } else if (prim == Primitive::kLinearSolve) {
    // custom_linear_solve[const_lengths=(matvec=1, solve=0) matvec=... solve=...]
    static constexpr const char* kNames[] = {"matvec", "solve", "vecmat", "transpose_solve"};
    const size_t num_b = p.programs.empty() ? 0 : p.programs[0]->outvars.size();
    std::vector<std::string> lengths;
    for (size_t k = 0; k < p.programs.size() && k < 4; ++k) {
      lengths.push_back(absl::StrCat(kNames[k], "=", p.programs[k]->invars.size() - num_b));
    }
    absl::StrAppend(&out, pad, "const_lengths=(", absl::StrJoin(lengths, ", "), ")\n");
    for (size_t k = 0; k < p.programs.size() && k < 4; ++k) {
      absl::StrAppend(&out, pad, kNames[k], "=", program(p.programs[k], indent + 2), "\n");
    }
  } else {
    absl::StrAppend(&out, pad, "jaxpr=", program(p.program, indent + 2), "\n");
    absl::StrAppend(&out, pad, "length=", p.length, "\n", pad, "num_carry=", p.num_carry, "\n",
                    pad, "num_consts=", p.num_consts, "\n", pad,
                    "reverse=", Bool(p.reverse), "\n", pad, "unroll=", p.unroll,
                    "\n");
  }
  return absl::StrCat(out, std::string(indent, ' '));
}

}  // namespace

std::string ParamsToString(Primitive prim, const Params& p, int indent, int* names) {
  switch (prim) {
    case Primitive::kReduceSum:
    case Primitive::kReduceMax:
    case Primitive::kReduceProd: return absl::StrCat("axes=", List(p.axes));
    case Primitive::kArgmax:
    case Primitive::kConcatenate:
      return absl::StrCat("dimension=", p.dimension);
    case Primitive::kArgsort:
      return absl::StrCat("dimension=", p.dimension, " descending=", Bool(p.descending),
                          p.k >= 0 ? absl::StrCat(" k=", p.k) : "");
    case Primitive::kTriangularSolve:
      return absl::StrCat("left_side=", Bool(p.linalg.left_side), " lower=", Bool(p.linalg.lower),
                          " transpose_a=", Bool(p.linalg.transpose_a),
                          " conjugate_a=", Bool(p.linalg.conjugate_a),
                          " unit_diagonal=", Bool(p.linalg.unit_diagonal));
    case Primitive::kQr:
    case Primitive::kSvd:
      return absl::StrCat("full_matrices=", Bool(p.linalg.full_matrices));
    case Primitive::kEigh:
      return absl::StrCat("lower=", Bool(p.linalg.lower));
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
                          axes.size() == 1 ? ",)" : ")",
                          " padding_value=", p.padding_value.ToString());
    }
    case Primitive::kConvert:
    case Primitive::kBitcastConvert:
      return absl::StrCat("new_dtype=", DTypeName(p.new_dtype));
    case Primitive::kGather:
      return absl::StrCat("dimension_numbers=GatherDimensionNumbers(offset_dims=",
                          List(p.index.window_dims), ", collapsed_slice_dims=",
                          List(p.index.collapsed_dims), ", start_index_map=",
                          List(p.index.start_index_map), ") slice_sizes=", List(p.slice_sizes),
                          " mode=", p.mode == IndexMode::kClip ? "clip" : "fill",
                          " fill_value=", p.fill_value.ToString());
    case Primitive::kScatterAdd:
    case Primitive::kScatter:
    case Primitive::kScatterMul:
    case Primitive::kScatterMin:
    case Primitive::kScatterMax:
      return absl::StrCat("dimension_numbers=ScatterDimensionNumbers(update_window_dims=",
                          List(p.index.window_dims), ", inserted_window_dims=",
                          List(p.index.collapsed_dims), ", scatter_dims_to_operand_dims=",
                          List(p.index.start_index_map), ") mode=",
                          p.mode == IndexMode::kClip ? "clip" : "drop");
    case Primitive::kPsum:
    case Primitive::kPmax:
    case Primitive::kPmin:
    case Primitive::kShardMapIn:
      return absl::StrCat("axes=", Names(p.axis_names));
    case Primitive::kAxisIndex:
      return absl::StrCat("axis_name=", Names(p.axis_names));
    case Primitive::kPpermute: {
      std::vector<std::string> pairs;  // JAX's (source, destination) pairs
      for (size_t j = 0; j < p.permutation.size(); ++j) {
        if (p.permutation[j] >= 0) pairs.push_back(List({p.permutation[j], int64_t(j)}));
      }
      return absl::StrCat("axis_name=", Names(p.axis_names), " perm=(",
                          absl::StrJoin(pairs, ", "), pairs.size() == 1 ? ",)" : ")");
    }
    case Primitive::kAllGather:
    case Primitive::kReduceScatter:
      return absl::StrCat(prim == Primitive::kAllGather ? "all_gather_dimension="
                                                          : "scatter_dimension=",
                          p.dimension, " axis_name=", Names(p.axis_names), " axis_size=",
                          p.axis_size, " tiled=", Bool(p.tiled));
    case Primitive::kAllToAll:
      return absl::StrCat("axis_name=", Names(p.axis_names), " split_axis=", p.dimension,
                          " concat_axis=", p.concat_dimension);
    case Primitive::kDotGeneral:
      return absl::StrCat("dimension_numbers=((", List(p.dot.lhs_contracting), ", ",
                          List(p.dot.rhs_contracting), "), (", List(p.dot.lhs_batch), ", ",
                          List(p.dot.rhs_batch), "))");
    case Primitive::kConvGeneralDilated: {
      const ConvDims& c = p.conv;
      std::vector<std::string> padding;
      for (size_t i = 0; i < c.padding_low.size(); ++i) {
        padding.push_back(List({c.padding_low[i], c.padding_high[i]}));
      }
      return absl::StrCat("batch_group_count=", c.batch_group_count,
                          " dimension_numbers=ConvDimensionNumbers(lhs_spec=", List(c.lhs_spec),
                          ", rhs_spec=", List(c.rhs_spec), ", out_spec=", List(c.out_spec),
                          ") feature_group_count=", c.feature_group_count,
                          " lhs_dilation=", List(c.lhs_dilation), " padding=(",
                          absl::StrJoin(padding, ", "), padding.size() == 1 ? ",)" : ")",
                          " rhs_dilation=", List(c.rhs_dilation),
                          " window_strides=", List(c.window_strides));
    }
    case Primitive::kClosedCall:
    case Primitive::kPjit:
    case Primitive::kCheckpoint:
    case Primitive::kCustomJvpCall:
    case Primitive::kCustomVjpCall:
    case Primitive::kCustomVmapCall: {
      // As JAX prints call primitives: one parameter per line, the program nested.
      const std::string pad(indent + 2, ' ');
      std::string out = "\n";
      if (!p.name.empty()) absl::StrAppend(&out, pad, "name=", p.name, "\n");
      absl::StrAppend(&out, pad, prim == Primitive::kPjit || prim == Primitive::kCheckpoint
                                        ? "jaxpr="
                                        : "call_jaxpr=",
                      p.program ? PrintProgram(*p.program, indent + 2, names) : "None", "\n");
      if (prim == Primitive::kPjit || prim == Primitive::kCheckpoint) {
        const std::string described = p.object ? p.object->Describe() : "";
        if (!described.empty()) absl::StrAppend(&out, pad, described, "\n");
      } else if (p.object != nullptr) {
        absl::StrAppend(&out, pad, p.object->Describe(), "\n", pad, "num_consts=", p.num_consts,
                        "\n");
      }
      return absl::StrCat(out, std::string(indent, ' '));
    }
    case Primitive::kCustomLin:
      return absl::StrCat(p.object ? p.object->Describe() : "None", " num_res=", p.num_consts);
    case Primitive::kName:
      return absl::StrCat("name=", p.name);
    case Primitive::kCond:
    case Primitive::kWhile:
    case Primitive::kScan:
    case Primitive::kLinearSolve:
      return ControlFlowParams(prim, p, indent, names);
    default:
      return "";
  }
}

std::vector<ShapedArray> Program::InAvals() const {
  std::vector<ShapedArray> out;
  for (int32_t v : invars) out.push_back(avals[v]);
  return out;
}

std::vector<ShapedArray> Program::OutAvals() const {
  std::vector<ShapedArray> out;
  for (const Atom& a : outvars) out.push_back(AvalOf(a));
  return out;
}

bool Program::operator==(const Program& o) const {
  return avals == o.avals && constvars == o.constvars && invars == o.invars && eqns == o.eqns &&
         outvars == o.outvars;
}

uint64_t Program::Hash() const {
  StableHasher h;
  h.Add(static_cast<uint64_t>(avals.size()));
  for (const ShapedArray& a : avals) h.Add(a);
  AddVars(h, constvars);
  AddVars(h, invars);
  h.Add(static_cast<uint64_t>(eqns.size()));
  for (const Equation& eqn : eqns) {
    // By name, not enum value: a row added to core/primitives.def keeps every other key.
    h.Add(std::string_view(PrimitiveName(eqn.prim))).Add(eqn.params->StableHash());
    h.Add(static_cast<uint64_t>(eqn.inputs.size()));
    for (const Atom& a : eqn.inputs) h.Add(a);
    AddVars(h, eqn.outputs);
  }
  h.Add(static_cast<uint64_t>(outvars.size()));
  for (const Atom& a : outvars) h.Add(a);
  return h.value();
}

bool ClosedProgram::operator==(const ClosedProgram& o) const {
  if (consts.size() != o.consts.size()) return false;
  for (size_t i = 0; i < consts.size(); ++i) {
    if (consts[i].node() != o.consts[i].node()) return false;
  }
  return program == o.program || (program && o.program && *program == *o.program);
}

std::vector<Tensor> ClosedProgram::operator()(absl::Span<const Tensor> args) const {
  return EvalProgram(*program, consts, args, "closed program");
}

std::string ClosedProgram::ToString() const { return PrintProgram(*program); }

std::ostream& operator<<(std::ostream& os, const ClosedProgram& p) { return os << p.ToString(); }

std::string PrintProgram(const Program& p, int indent, int* names) {
  int counter = 0;
  int* next = names != nullptr ? names : &counter;
  Namer namer(next);
  std::vector<std::string> consts, ins, outs;
  for (int32_t v : p.constvars) consts.push_back(namer.Declare(v, p));
  for (int32_t v : p.invars) ins.push_back(namer.Declare(v, p));
  std::string body;
  const std::string eqn_pad(indent + 4, ' ');
  for (const Equation& eqn : p.eqns) {
    absl::StrAppend(&body, eqn_pad, EquationText(p, eqn, namer, indent + 4, next), "\n");
  }
  for (const Atom& a : p.outvars) outs.push_back(namer.Use(a));
  const std::string results = absl::StrCat("(", absl::StrJoin(outs, ", "),
                                           outs.size() == 1 ? ",)" : ")");
  const std::string head = absl::StrCat("{ lambda ", absl::StrJoin(consts, " "), "; ",
                                        absl::StrJoin(ins, " "), ". let");
  if (p.eqns.empty()) return absl::StrCat(head, "  in ", results, " }");
  return absl::StrCat(head, "\n", body, std::string(indent + 2, ' '), "in ", results, " }");
}

std::shared_ptr<Program> ExtractProgram(const Program& p, absl::Span<const int32_t> constvars,
                                        absl::Span<const int32_t> invars,
                                        const std::vector<bool>& keep,
                                        absl::Span<const Atom> outvars) {
  auto out = std::make_shared<Program>();
  // Sized once from exact counts, not grown piecemeal (each growth past a kilobyte is a
  // large-bin allocation, on which glibc consolidates its fast free lists).
  const int64_t kept = std::count(keep.begin(), keep.end(), true);
  out->eqns.reserve(kept);
  int64_t vars = constvars.size() + invars.size();
  for (size_t e = 0; e < p.eqns.size(); ++e) vars += keep[e] ? p.eqns[e].outputs.size() : 0;
  out->avals.reserve(vars);
  std::vector<int32_t> id(p.avals.size(), -1);
  const auto define = [&](int32_t v) { return id[v] = out->NewVar(p.avals[v]); };
  const auto rename = [&](Atom a) {
    if (!a.is_literal()) a.var = id[a.var];
    return a;
  };
  for (int32_t v : constvars) out->constvars.push_back(define(v));
  for (int32_t v : invars) out->invars.push_back(define(v));
  for (size_t e = 0; e < p.eqns.size(); ++e) {
    if (!keep[e]) continue;
    const Equation& eqn = p.eqns[e];
    Equation copy{eqn.prim, eqn.params, {}, {}};
    for (const Atom& a : eqn.inputs) copy.inputs.push_back(rename(a));
    for (int32_t v : eqn.outputs) copy.outputs.push_back(define(v));
    out->eqns.push_back(std::move(copy));
  }
  for (const Atom& a : outvars) out->outvars.push_back(rename(a));
  return out;
}

void VerifyProgram(const Program& p, std::string_view op) {
  const auto fail = [&](const std::string& why, const Equation* eqn) {
    ThrowInvalid(op, ": ill-typed program: ", why,
                 eqn != nullptr ? absl::StrCat(" in equation ", PrimitiveName(eqn->prim)) : "",
                 "\n", PrintProgram(p));
  };
  const int32_t n = static_cast<int32_t>(p.avals.size());
  std::vector<bool> defined(n, false);
  const auto define = [&](int32_t v, const Equation* eqn) {
    if (v < 0 || v >= n) fail(absl::StrCat("variable id ", v, " out of range"), eqn);
    if (defined[v]) fail(absl::StrCat("variable id ", v, " defined twice"), eqn);
    defined[v] = true;
  };
  const auto read = [&](const Atom& a, const Equation* eqn) {
    if (a.is_literal()) return;
    if (a.var >= n || !defined[a.var]) {
      fail(absl::StrCat("variable id ", a.var, " read before it is defined"), eqn);
    }
  };
  for (int32_t v : p.constvars) define(v, nullptr);
  for (int32_t v : p.invars) define(v, nullptr);
  for (const Equation& eqn : p.eqns) {
    std::vector<ShapedArray> in;
    for (const Atom& a : eqn.inputs) {
      read(a, &eqn);
      in.push_back(p.AvalOf(a));
    }
    AvalList out;
    try {
      out = AbstractEval(eqn.prim, in, *eqn.params);
    } catch (const Error& e) {
      fail(e.what(), &eqn);
    }
    if (out.size() != eqn.outputs.size()) {
      fail(absl::StrCat(eqn.outputs.size(), " outputs declared, ", out.size(), " computed"), &eqn);
    }
    for (size_t i = 0; i < out.size(); ++i) {
      define(eqn.outputs[i], &eqn);
      if (p.avals[eqn.outputs[i]] != out[i]) {
        fail(absl::StrCat("output ", i, " declared ", p.avals[eqn.outputs[i]].ToString(),
                          " but computed ", out[i].ToString()),
             &eqn);
      }
    }
  }
  for (const Atom& a : p.outvars) read(a, nullptr);
}

std::vector<Tensor> EvalProgram(const Program& p, absl::Span<const Tensor> consts,
                                absl::Span<const Tensor> args, std::string_view op) {
  if (consts.size() != p.constvars.size() || args.size() != p.invars.size()) {
    ThrowInvalid(op, ": the program takes ", p.constvars.size(), " constants and ",
                 p.invars.size(), " arguments, got ", consts.size(), " and ", args.size());
  }
  // The index of the last equation reading each variable (outputs: past the end), so that
  // values die as soon as they are consumed.
  constexpr int kForever = std::numeric_limits<int>::max();
  std::vector<int> last_use(p.avals.size(), -1);
  for (size_t e = 0; e < p.eqns.size(); ++e) {
    for (const Atom& a : p.eqns[e].inputs) {
      if (!a.is_literal()) last_use[a.var] = static_cast<int>(e);
    }
  }
  for (const Atom& a : p.outvars) {
    if (!a.is_literal()) last_use[a.var] = kForever;
  }
  std::vector<Tensor> env(p.avals.size());
  for (size_t i = 0; i < consts.size(); ++i) env[p.constvars[i]] = consts[i];
  for (size_t i = 0; i < args.size(); ++i) {
    const ShapedArray& want = p.avals[p.invars[i]];
    if (!args[i].defined() || args[i].aval() != want) {
      ThrowInvalid(op, ": argument ", i, " has type ",
                   args[i].defined() ? args[i].aval().ToString() : "(undefined)",
                   " but the program takes ", want.ToString());
    }
    env[p.invars[i]] = args[i];
  }
  const auto value = [&](const Atom& a) { return a.is_literal() ? Literal(a.value, a.dtype) : env[a.var]; };
  TensorList in;
  for (size_t e = 0; e < p.eqns.size(); ++e) {
    const Equation& eqn = p.eqns[e];
    in.clear();
    for (const Atom& a : eqn.inputs) in.push_back(value(a));
    TensorList out = Bind(eqn.prim, in, *eqn.params);
    for (size_t i = 0; i < eqn.outputs.size(); ++i) env[eqn.outputs[i]] = std::move(out[i]);
    for (const Atom& a : eqn.inputs) {
      if (!a.is_literal() && last_use[a.var] == static_cast<int>(e)) env[a.var] = Tensor();
    }
  }
  std::vector<Tensor> result;
  for (const Atom& a : p.outvars) result.push_back(value(a));
  return result;
}

namespace {

bool IsCall(Primitive prim) {
  return prim == Primitive::kClosedCall || prim == Primitive::kPjit ||
         prim == Primitive::kCheckpoint || prim == Primitive::kCustomJvpCall ||
         prim == Primitive::kCustomVjpCall || prim == Primitive::kCustomVmapCall;
}

// Whether p (or a program it calls) holds a while_loop or a collective.
bool HoldsLoopOrCollective(const Program& p) {
  for (const Equation& eqn : p.eqns) {
    if (eqn.prim == Primitive::kWhile || KindOf(eqn.prim) == PrimitiveKind::kCollective) {
      return true;
    }
    if (eqn.params->program != nullptr && HoldsLoopOrCollective(*eqn.params->program)) return true;
    for (const auto& sub : eqn.params->programs) {
      if (HoldsLoopOrCollective(*sub)) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Atom> InlineInto(const Program& p, absl::Span<const Atom> ins, Program& out) {
  std::vector<Atom> env(p.avals.size());
  for (size_t i = 0; i < ins.size(); ++i) env[p.invars[i]] = ins[i];
  const auto map = [&](const Atom& a) { return a.is_literal() ? a : env[a.var]; };
  for (const Equation& eqn : p.eqns) {
    std::vector<Atom> args;
    args.reserve(eqn.inputs.size());
    for (const Atom& a : eqn.inputs) args.push_back(map(a));
    if (IsCall(eqn.prim)) {
      const std::vector<Atom> outs = InlineInto(*eqn.params->program, args, out);
      for (size_t i = 0; i < outs.size(); ++i) env[eqn.outputs[i]] = outs[i];
      continue;
    }
    if (eqn.prim == Primitive::kLinearSolve) {  // its solve, on its constants and b
      const LinearSolveOperands n = SplitLinearSolve(args.size(), *eqn.params);
      std::vector<Atom> solve_in(args.begin() + n.offsets[1], args.begin() + n.offsets[2]);
      solve_in.insert(solve_in.end(), args.begin() + n.offsets.back(), args.end());
      const std::vector<Atom> outs = InlineInto(*eqn.params->programs[1], solve_in, out);
      for (size_t i = 0; i < outs.size(); ++i) env[eqn.outputs[i]] = outs[i];
      continue;
    }
    if (eqn.prim == Primitive::kName) {  // a marker for reverse mode: the value itself
      env[eqn.outputs[0]] = args[0];
      continue;
    }
    Equation e;
    e.prim = eqn.prim;
    e.params = eqn.params;
    e.inputs = std::move(args);
    for (int32_t v : eqn.outputs) {
      const int32_t nv = out.NewVar(p.avals[v]);
      env[v] = Atom::Var(nv);
      e.outputs.push_back(nv);
    }
    out.eqns.push_back(std::move(e));
  }
  std::vector<Atom> result;
  for (const Atom& a : p.outvars) result.push_back(map(a));
  return result;
}

std::optional<Program> GuardedWhileStep(const Program& cond, const Program& body,
                                        size_t num_cond_consts) {
  if (HoldsLoopOrCollective(cond) || HoldsLoopOrCollective(body)) return std::nullopt;
  Program out;
  const auto input = [&](const ShapedArray& aval) {
    const int32_t v = out.NewVar(aval);
    out.invars.push_back(v);
    return Atom::Var(v);
  };
  const auto emit = [&](Primitive prim, std::vector<Atom> ins, const Params& params,
                        ShapedArray aval) {
    Equation e;
    e.prim = prim;
    e.params = SharedParams(params);
    e.inputs = std::move(ins);
    e.outputs = {out.NewVar(std::move(aval))};
    out.eqns.push_back(std::move(e));
    return Atom::Var(out.eqns.back().outputs[0]);
  };
  const size_t num_carry = cond.invars.size() - num_cond_consts;
  const size_t num_body_consts = body.invars.size() - num_carry;
  std::vector<Atom> cond_in, body_in;
  for (size_t i = 0; i < num_cond_consts; ++i) cond_in.push_back(input(cond.avals[cond.invars[i]]));
  for (size_t i = 0; i < num_body_consts; ++i) body_in.push_back(input(body.avals[body.invars[i]]));
  const ShapedArray flag{{}, DType::kBool};
  const Atom pred = input(flag);
  std::vector<Atom> carry;
  for (size_t i = num_body_consts; i < body.invars.size(); ++i) {
    carry.push_back(input(body.avals[body.invars[i]]));
  }
  body_in.insert(body_in.end(), carry.begin(), carry.end());
  const std::vector<Atom> next = InlineInto(body, body_in, out);
  std::vector<Atom> kept;
  for (size_t i = 0; i < num_carry; ++i) {
    const ShapedArray aval = out.AvalOf(carry[i]);
    Atom guard = pred;
    if (!aval.shape.empty()) {
      Params b;
      b.shape = aval.shape;
      guard = emit(Primitive::kBroadcastInDim, {pred}, b, {aval.shape, DType::kBool});
    }
    kept.push_back(emit(Primitive::kSelect, {guard, next[i], carry[i]}, NoParams(), aval));
  }
  cond_in.insert(cond_in.end(), kept.begin(), kept.end());
  const Atom again = InlineInto(cond, cond_in, out)[0];
  out.outvars = {emit(Primitive::kAnd, {pred, again}, NoParams(), flag)};
  out.outvars.insert(out.outvars.end(), kept.begin(), kept.end());
  return out;
}

}  // namespace cotangent
