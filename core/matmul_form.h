// File: core/matmul_form.h
// dot_general as a batched matmul, the form both backends compute it in: the lhs as
// [batch, M, K] (batch, free, contracting dimensions) and the rhs as [batch, K, N] (batch,
// contracting, free), out[b, i, j] = sum_k lhs[b, i, k] rhs[b, k, j]. Each operand is read
// through its own strides when every dimension group steps with one stride (a transposed
// or sliced operand costs nothing), and is gathered densely in group order otherwise.

#ifndef COTANGENT_CORE_MATMUL_FORM_H_
#define COTANGENT_CORE_MATMUL_FORM_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "core/array.h"
#include "core/params.h"

namespace cotangent {

// The dimensions of one operand by role, each group in the order dot_general pairs them: for
// the lhs, rows are the free dimensions and cols the contracting ones; for the rhs the other
// way round.
struct MatmulGroups {
  std::vector<int64_t> batch, rows, cols;
};

// The dimensions of an operand of rank `rank` that are neither batch nor contracting, in order.
std::vector<int64_t> FreeDims(int64_t rank, absl::Span<const int64_t> batch,
                              absl::Span<const int64_t> contracting);

struct MatmulForm {
  MatmulGroups lhs, rhs;
  int64_t batch = 1, m = 1, k = 1, n = 1;
};

MatmulForm MatmulFormOf(const ShapedArray& lhs, const ShapedArray& rhs, const DotDims& dims);

// x as [batch, rows, cols]: element (b, i, j) at offset + b sb + i si + j sj.
struct MatmulOperandStrides {
  int64_t offset, sb, si, sj;
};

// The strides of x as [batch, rows, cols] when each group steps with one stride (size-1
// dimensions ignored; 0 for an empty group); nullopt when x must be gathered first.
std::optional<MatmulOperandStrides> GroupedStrides(const Array& x, const MatmulGroups& g);

// The view of x with its dimensions reordered as batch, rows, cols (the same elements): what
// a backend copies into a dense [batch, rows, cols] buffer when GroupedStrides has none.
Array GroupedView(const Array& x, const MatmulGroups& g);

// The strides of a dense [batch, rows, cols] gather of x.
MatmulOperandStrides DenseGroupedStrides(const Array& x, const MatmulGroups& g);

}  // namespace cotangent

#endif  // COTANGENT_CORE_MATMUL_FORM_H_
