// File: cotangent/convolution.cc
// The public spellings of conv_general_dilated: letters to the primitive's axis permutations
// (jax.lax.conv_general_permutations' rules), defaults filled in, string padding resolved;
// conv_transpose as lax's (strides as lhs dilation, its own padding rule).

#include "cotangent/convolution.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "core/error.h"
#include "core/lax.h"
#include "cotangent/indexing.h"

namespace cotangent {
namespace {

constexpr const char* kOp = "conv_general_dilated";

// The axis permutation spec names: the two special letters' axes, then the spatial axes in the
// order of the rhs's letters.
std::vector<int64_t> Permutation(const std::string& spec, char first, char second,
                                 const std::string& rhs) {
  std::vector<int64_t> perm = {static_cast<int64_t>(spec.find(first)),
                               static_cast<int64_t>(spec.find(second))};
  std::vector<int64_t> spatial;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != first && spec[i] != second) spatial.push_back(static_cast<int64_t>(i));
  }
  std::sort(spatial.begin(), spatial.end(),
            [&](int64_t a, int64_t b) { return rhs.find(spec[a]) < rhs.find(spec[b]); });
  perm.insert(perm.end(), spatial.begin(), spatial.end());
  return perm;
}

void CheckSpec(const std::string& spec, char first, char second, int64_t rank,
               const ConvDimensionNumbers& dn) {
  const auto fail = [&](const char* why) {
    ThrowInvalid(kOp, ": dimension numbers (\"", dn.lhs, "\", \"", dn.rhs, "\", \"", dn.out,
                 "\") for operands of rank ", rank, ": \"", spec, "\" ", why);
  };
  if (static_cast<int64_t>(spec.size()) != rank) fail("does not name every axis once");
  if (std::count(spec.begin(), spec.end(), first) != 1 ||
      std::count(spec.begin(), spec.end(), second) != 1) {
    fail(first == 'N' ? "must contain N and C once each" : "must contain O and I once each");
  }
  if (std::set<char>(spec.begin(), spec.end()).size() != spec.size()) fail("repeats a letter");
}

std::set<char> Spatial(const std::string& spec, char first, char second) {
  std::set<char> out(spec.begin(), spec.end());
  out.erase(first);
  out.erase(second);
  return out;
}

ConvDims DimsOf(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& window_strides,
                const std::vector<std::pair<int64_t, int64_t>>& padding, const ConvOptions& o) {
  if (!lhs.defined() || !rhs.defined()) ThrowInvalid(kOp, ": an operand is an undefined tensor");
  const int64_t rank = lhs.ndim();
  if (rank != rhs.ndim() || rank < 2) {
    ThrowInvalid(kOp, ": lhs ", lhs.aval().ToString(), " and rhs ", rhs.aval().ToString(),
                 " must have one rank, at least 2");
  }
  ConvDims c;
  const ConvDimensionNumbers& dn = o.dimension_numbers;
  if (dn.lhs.empty() && dn.rhs.empty() && dn.out.empty()) {
    for (int64_t i = 0; i < rank; ++i) c.lhs_spec.push_back(i);
    c.rhs_spec = c.out_spec = c.lhs_spec;
  } else {
    CheckSpec(dn.lhs, 'N', 'C', rank, dn);
    CheckSpec(dn.rhs, 'O', 'I', rank, dn);
    CheckSpec(dn.out, 'N', 'C', rank, dn);
    if (Spatial(dn.lhs, 'N', 'C') != Spatial(dn.rhs, 'O', 'I') ||
        Spatial(dn.out, 'N', 'C') != Spatial(dn.rhs, 'O', 'I')) {
      ThrowInvalid(kOp, ": dimension numbers (\"", dn.lhs, "\", \"", dn.rhs, "\", \"", dn.out,
                   "\") must share their spatial letters");
    }
    c.lhs_spec = Permutation(dn.lhs, 'N', 'C', dn.rhs);
    c.rhs_spec = Permutation(dn.rhs, 'O', 'I', dn.rhs);
    c.out_spec = Permutation(dn.out, 'N', 'C', dn.rhs);
  }
  const size_t n = static_cast<size_t>(rank - 2);
  const auto per_axis = [&](const std::vector<int64_t>& v, const char* what) {
    if (v.empty()) return std::vector<int64_t>(n, 1);
    if (v.size() != n) {
      ThrowInvalid(kOp, ": ", what, " ", ShapeToString(v), " for lhs ", lhs.aval().ToString(),
                   " needs one entry per spatial axis (", n, ")");
    }
    return v;
  };
  c.window_strides = per_axis(window_strides, "window_strides");
  c.lhs_dilation = per_axis(o.lhs_dilation, "lhs_dilation");
  c.rhs_dilation = per_axis(o.rhs_dilation, "rhs_dilation");
  if (padding.size() != n) {
    ThrowInvalid(kOp, ": ", padding.size(), " padding pairs for lhs ", lhs.aval().ToString(),
                 " (one per spatial axis: ", n, ")");
  }
  for (const auto& [low, high] : padding) {
    c.padding_low.push_back(low);
    c.padding_high.push_back(high);
  }
  c.feature_group_count = o.feature_group_count;
  c.batch_group_count = o.batch_group_count;
  return c;
}

// TensorFlow's layouts, lax.conv_transpose's defaults, by the number of spatial axes.
ConvDimensionNumbers TransposeDefaults(const Tensor& lhs, const ConvDimensionNumbers& dn) {
  if (!dn.lhs.empty() || !dn.rhs.empty() || !dn.out.empty()) return dn;
  switch (lhs.defined() ? lhs.ndim() : 0) {
    case 2:
      return {"NC", "IO", "NC"};
    case 3:
      return {"NHC", "HIO", "NHC"};
    case 4:
      return {"NHWC", "HWIO", "NHWC"};
    case 5:
      return {"NHWDC", "HWDIO", "NHWDC"};
    default:
      ThrowInvalid("conv_transpose: no default dimension numbers for lhs ",
                   lhs.defined() ? lhs.aval().ToString() : "(undefined)",
                   " (ranks 2 to 5 have them)");
  }
}

// lax's _conv_transpose_padding: the transposed convolution's (low, high) padding along an
// axis from the forward one's padding type, the dilated kernel size k and the stride s.
std::pair<int64_t, int64_t> TransposePadding(int64_t k, int64_t s, Padding padding) {
  int64_t length, low;
  if (padding == Padding::kSame) {
    length = k + s - 2;
    low = s > k - 1 ? k - 1 : (length + 1) / 2;
  } else {
    length = k + s - 2 + std::max<int64_t>(k - s, 0);
    low = k - 1;
  }
  return {low, length - low};
}

// conv_transpose with its padding resolved (the string form passes it as a function of the
// resolved axes).
Tensor ConvTranspose(const Tensor& lhs, Tensor rhs, const std::vector<int64_t>& strides,
                     const std::optional<Padding>& type,
                     std::vector<std::pair<int64_t, int64_t>> padding,
                     const ConvTransposeOptions& options) {
  if (!lhs.defined() || !rhs.defined())
    ThrowInvalid("conv_transpose: an operand is an undefined tensor");
  if (lhs.ndim() < 2 || rhs.ndim() != lhs.ndim()) {
    ThrowInvalid("conv_transpose: lhs ", lhs.aval().ToString(), " and rhs ", rhs.aval().ToString(),
                 " must have one rank, at least 2");
  }
  ConvOptions o{.rhs_dilation = options.rhs_dilation,
                .dimension_numbers = TransposeDefaults(lhs, options.dimension_numbers),
                .preferred_element_type = options.preferred_element_type};
  const int64_t spatial = lhs.ndim() - 2;
  if (static_cast<int64_t>(strides.size()) != spatial) {
    ThrowInvalid("conv_transpose: strides ", ShapeToString(strides), " for lhs ",
                 lhs.aval().ToString(), " need one entry per spatial axis (", spatial, ")");
  }
  const ConvDims c = DimsOf(lhs, rhs, std::vector<int64_t>(spatial, 1),
                            std::vector<std::pair<int64_t, int64_t>>(spatial), o);
  if (type) {
    padding.clear();
    for (int64_t d = 0; d < spatial; ++d) {
      const int64_t k = rhs.shape()[c.rhs_spec[d + 2]];
      const int64_t dilated = k == 0 ? 0 : 1 + c.rhs_dilation[d] * (k - 1);
      padding.push_back(TransposePadding(dilated, strides[d], *type));
    }
  }
  if (options.transpose_kernel) {
    rhs = rev(rhs, {c.rhs_spec.begin() + 2, c.rhs_spec.end()});
    std::vector<int64_t> swap(rhs.ndim());
    for (int64_t i = 0; i < rhs.ndim(); ++i) swap[i] = i;
    std::swap(swap[c.rhs_spec[0]], swap[c.rhs_spec[1]]);
    rhs = lax::transpose(rhs, swap);
  }
  o.lhs_dilation = strides;
  return conv_general_dilated(lhs, rhs, std::vector<int64_t>(spatial, 1), padding, o);
}

}  // namespace

Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs,
                            const std::vector<int64_t>& window_strides,
                            const std::vector<std::pair<int64_t, int64_t>>& padding,
                            const ConvOptions& options) {
  return lax::conv_general_dilated(lhs, rhs, DimsOf(lhs, rhs, window_strides, padding, options),
                                   options.preferred_element_type);
}

Tensor conv_general_dilated(const Tensor& lhs, const Tensor& rhs,
                            const std::vector<int64_t>& window_strides, Padding padding,
                            const ConvOptions& options) {
  if (!lhs.defined() || !rhs.defined()) ThrowInvalid(kOp, ": an operand is an undefined tensor");
  const int64_t spatial = std::max<int64_t>(lhs.ndim() - 2, 0);
  // The canonical order, with placeholder padding, resolves the axes; then the input's spatial
  // sizes and the dilated kernel's give the padding, as lax.padtype_to_pads.
  const ConvDims c =
      DimsOf(lhs, rhs, window_strides, std::vector<std::pair<int64_t, int64_t>>(spatial), options);
  Shape in, window;
  for (int64_t d = 0; d < spatial; ++d) {
    in.push_back(lhs.shape()[c.lhs_spec[d + 2]]);
    const int64_t k = rhs.shape()[c.rhs_spec[d + 2]];
    window.push_back(k == 0 ? 0 : 1 + c.rhs_dilation[d] * (k - 1));
  }
  return conv_general_dilated(lhs, rhs, window_strides,
                              padtype_to_pads(in, window, c.window_strides, padding), options);
}

Tensor conv(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& window_strides,
            Padding padding, std::optional<DType> preferred_element_type) {
  return conv_general_dilated(lhs, rhs, window_strides, padding,
                              {.preferred_element_type = preferred_element_type});
}

Tensor conv_transpose(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& strides,
                      Padding padding, const ConvTransposeOptions& options) {
  return ConvTranspose(lhs, rhs, strides, padding, {}, options);
}

Tensor conv_transpose(const Tensor& lhs, const Tensor& rhs, const std::vector<int64_t>& strides,
                      const std::vector<std::pair<int64_t, int64_t>>& padding,
                      const ConvTransposeOptions& options) {
  return ConvTranspose(lhs, rhs, strides, std::nullopt, padding, options);
}

}  // namespace cotangent
