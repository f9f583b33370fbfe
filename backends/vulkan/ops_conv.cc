// File: backends/vulkan/ops_conv.cc
// conv_general_dilated as a direct convolution generated per shape and configuration (compiled
// once by glslang and cached by its source, like the indexing kernels): one invocation per
// output element sums lhs x rhs over its group's input features and window, every size,
// stride, dilation and padding a constant of the kernel. Window elements that fall in padding
// or between dilated input elements are skipped by the loop bounds' tests, so no padded or
// dilated copy of the input exists. The sum is in the dtype's compute type, in window order
// (f32, f64; integers wrap as XLA's, u8 summed in uint and stored as its low byte).

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/vulkan/elementwise_kernels.h"
#include "backends/vulkan/generated_kernels.h"
#include "backends/vulkan/ops.h"

namespace cotangent::vulkan {
namespace {

std::string ConvSource(const ConvDims& c, const Array& lhs, const Array& rhs, const Array& out) {
  const int64_t rank = out.aval.rank(), spatial = rank - 2;
  const auto canonical = [](const Array& a, const std::vector<int64_t>& spec, bool strides) {
    std::vector<int64_t> v;
    for (int64_t axis : spec) v.push_back(strides ? a.strides[axis] : a.aval.shape[axis]);
    return v;
  };
  const std::vector<int64_t> l = canonical(lhs, c.lhs_spec, false);
  const std::vector<int64_t> ls = canonical(lhs, c.lhs_spec, true);
  const std::vector<int64_t> r = canonical(rhs, c.rhs_spec, false);
  const std::vector<int64_t> rs = canonical(rhs, c.rhs_spec, true);
  const std::vector<int64_t> o = canonical(out, c.out_spec, false);
  const int64_t groups = std::max(c.feature_group_count, c.batch_group_count);
  const int64_t group_features = r[0] / groups;
  // The output position's canonical coordinates: o0 (batch), o1 (feature), o2... (spatial).
  std::vector<std::vector<int64_t>> unit(rank, std::vector<int64_t>(rank, 0));
  std::vector<std::string> names;
  for (int64_t i = 0; i < rank; ++i) {
    unit[i][c.out_spec[i]] = 1;
    names.push_back(absl::StrCat("o", i));
  }
  const DType dtype = out.aval.dtype;
  const char* type = StorageType(dtype);
  const char* acc_type = ComputeType(dtype);
  std::string src = Header({dtype});
  absl::StrAppend(
      &src, "layout(std430, binding = 0) writeonly buffer Out { ", type, " out_data[]; };\n",
      "layout(std430, binding = 1) readonly buffer Lhs { ", type, " lhs[]; };\n",
      "layout(std430, binding = 2) readonly buffer Rhs { ", type, " rhs[]; };\n",
      "layout(push_constant) uniform Push { uint out_offset, lhs_offset, rhs_offset; } pc;\n",
      "void main() {\n  const uint step = gl_NumWorkGroups.x * gl_WorkGroupSize.x;\n",
      "  for (uint p = gl_GlobalInvocationID.x; p < ", out.aval.size(), "u; p += step) {\n");
  for (const std::string& name : names) absl::StrAppend(&src, "    uint ", name, " = 0u;\n");
  absl::StrAppend(&src, Decompose("p", out.aval.shape, unit, names), "    const uint group = o1 / ",
                  group_features, "u;\n");
  if (c.batch_group_count > 1) {
    absl::StrAppend(&src, "    const uint image = group * ", o[0], "u + o0, feature0 = 0u;\n");
  } else {
    absl::StrAppend(&src, "    const uint image = o0, feature0 = group * ", r[1], "u;\n");
  }
  absl::StrAppend(&src, "    ", acc_type, " acc = ", acc_type, "(0);\n",
                  "    for (uint i = 0u; i < ", r[1], "u; ++i) {\n",
                  "      const uint l0 = pc.lhs_offset + image * ", ls[0], "u + (feature0 + i) * ",
                  ls[1], "u;\n      const uint r0 = pc.rhs_offset + o1 * ", rs[0], "u + i * ",
                  rs[1], "u;\n");
  // One loop per spatial axis d over the window; q is the dilated-padded input coordinate.
  std::string indent = "      ";
  for (int64_t d = 0; d < spatial; ++d) {
    const size_t e = static_cast<size_t>(d);
    absl::StrAppend(&src, indent, "for (uint k", d, " = 0u; k", d, " < ", r[d + 2], "u; ++k", d,
                    ") {\n", indent, "  const int q", d, " = int(o", d + 2, " * ",
                    c.window_strides[e], "u + k", d, " * ", c.rhs_dilation[e], "u) - ",
                    c.padding_low[e], ";\n", indent, "  if (q", d, " < 0 || q", d, " % ",
                    c.lhs_dilation[e], " != 0 || q", d, " / ", c.lhs_dilation[e], " >= ", l[d + 2],
                    ") continue;\n", indent, "  const uint l", d + 1, " = l", d, " + uint(q", d,
                    " / ", c.lhs_dilation[e], ") * ", ls[d + 2], "u;\n", indent, "  const uint r",
                    d + 1, " = r", d, " + k", d, " * ", rs[d + 2], "u;\n");
    indent += "  ";
  }
  absl::StrAppend(&src, indent, "acc += ", LoadElement(dtype, absl::StrCat("lhs[l", spatial, "]")),
                  " * ", LoadElement(dtype, absl::StrCat("rhs[r", spatial, "]")), ";\n");
  for (int64_t d = spatial; d-- > 0;) {
    indent.resize(indent.size() - 2);
    absl::StrAppend(&src, indent, "}\n");
  }
  absl::StrAppend(&src, "    }\n    out_data[pc.out_offset + p] = ", StoreElement(dtype, "acc"),
                  ";\n  }\n}\n");
  return src;
}

}  // namespace

absl::Status ConvLaunch(KernelContext& ctx, Primitive, absl::Span<const Array> in,
                        const Params& params, const Array& out) {
  if (out.aval.size() == 0) return absl::OkStatus();
  const BufferUse uses[] = {
      {BufferOf(out), true}, {BufferOf(in[0]), false}, {BufferOf(in[1]), false}};
  const uint32_t push[] = {static_cast<uint32_t>(out.offset), static_cast<uint32_t>(in[0].offset),
                           static_cast<uint32_t>(in[1].offset)};
  return DispatchGenerated(ctx, ConvSource(params.conv, in[0], in[1], out), "conv_general_dilated",
                           uses, push, out.aval.size());
}

}  // namespace cotangent::vulkan
