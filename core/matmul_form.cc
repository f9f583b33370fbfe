// File: core/matmul_form.cc
// The canonical [batch, M, K] x [batch, K, N] form of dot_general (matmul_form.h).

#include "core/matmul_form.h"

#include <algorithm>

#include "absl/types/span.h"

namespace cotangent {
namespace {

int64_t GroupSize(const Shape& shape, absl::Span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= shape[d];
  return n;
}

// The one stride that steps through `dims` of x in row-major order of the group, if the
// layout has one (size-1 dimensions ignored; 0 for an empty group).
std::optional<int64_t> GroupStride(const Array& x, absl::Span<const int64_t> dims) {
  std::optional<int64_t> stride;
  int64_t expected = 0;
  for (size_t i = dims.size(); i-- > 0;) {
    const int64_t size = x.aval.shape[dims[i]], s = x.strides[dims[i]];
    if (size == 1) continue;
    if (stride && s != expected) return std::nullopt;
    if (!stride) stride = s;
    expected = s * size;
  }
  return stride.value_or(0);
}

}  // namespace

std::vector<int64_t> FreeDims(int64_t rank, absl::Span<const int64_t> batch,
                              absl::Span<const int64_t> contracting) {
  std::vector<int64_t> free;
  for (int64_t d = 0; d < rank; ++d) {
    if (std::find(batch.begin(), batch.end(), d) == batch.end() &&
        std::find(contracting.begin(), contracting.end(), d) == contracting.end()) {
      free.push_back(d);
    }
  }
  return free;
}

MatmulForm MatmulFormOf(const ShapedArray& lhs, const ShapedArray& rhs, const DotDims& dims) {
  MatmulForm form;
  form.lhs = {dims.lhs_batch, FreeDims(lhs.rank(), dims.lhs_batch, dims.lhs_contracting),
              dims.lhs_contracting};
  form.rhs = {dims.rhs_batch, dims.rhs_contracting,
              FreeDims(rhs.rank(), dims.rhs_batch, dims.rhs_contracting)};
  form.batch = GroupSize(lhs.shape, form.lhs.batch);
  form.m = GroupSize(lhs.shape, form.lhs.rows);
  form.k = GroupSize(lhs.shape, form.lhs.cols);
  form.n = GroupSize(rhs.shape, form.rhs.cols);
  return form;
}

std::optional<MatmulOperandStrides> GroupedStrides(const Array& x, const MatmulGroups& g) {
  const auto sb = GroupStride(x, g.batch), si = GroupStride(x, g.rows), sj = GroupStride(x, g.cols);
  if (!sb || !si || !sj) return std::nullopt;
  return MatmulOperandStrides{x.offset, *sb, *si, *sj};
}

Array GroupedView(const Array& x, const MatmulGroups& g) {
  Shape shape;
  Strides strides;
  for (const auto* group : {&g.batch, &g.rows, &g.cols}) {
    for (int64_t d : *group) {
      shape.push_back(x.aval.shape[d]);
      strides.push_back(x.strides[d]);
    }
  }
  return Array{x.buffer, {shape, x.aval.dtype}, strides, x.offset};
}

MatmulOperandStrides DenseGroupedStrides(const Array& x, const MatmulGroups& g) {
  const int64_t rows = GroupSize(x.aval.shape, g.rows), cols = GroupSize(x.aval.shape, g.cols);
  return {0, rows * cols, cols, 1};
}

}  // namespace cotangent
