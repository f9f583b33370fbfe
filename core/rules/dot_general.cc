// File: core/rules/dot_general.cc
// The block of dot_general, the batched contraction every matmul, dot and einsum-like product
// lowers to: out[b, i, j] = sum_k lhs[b, i, k] * rhs[b, k, j] with named dimension groups.
// Bilinear: d (l . r) = dl . r + l . dr, transposed in one operand with the other constant.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "core/rules.h"
#include "core/lax.h"
#include "core/matmul_form.h"
#include "core/rules/helpers.h"

namespace cotangent {
namespace {

using Span = absl::Span<const Tensor>;
using Avals = absl::Span<const ShapedArray>;

ShapedArray DotGeneralAbstractEval(Avals in, const Params& params) {
  const ShapedArray& lhs = in[0];
  const ShapedArray& rhs = in[1];
  const DotDims& dims = params.dot;
  const auto fail = [&](std::string_view why) {
    ThrowInvalid("dot_general: cannot contract ", lhs.ToString(), " and ", rhs.ToString(),
                 " (contracting ", ShapeToString(dims.lhs_contracting), " with ",
                 ShapeToString(dims.rhs_contracting), ", batch ", ShapeToString(dims.lhs_batch),
                 " with ", ShapeToString(dims.rhs_batch), "): ", why);
  };
  if (lhs.dtype != rhs.dtype) fail("mismatched dtypes");
  if (dims.lhs_contracting.size() != dims.rhs_contracting.size() ||
      dims.lhs_batch.size() != dims.rhs_batch.size()) {
    fail("dimension lists differ in length");
  }
  std::vector<bool> lhs_used(lhs.rank(), false), rhs_used(rhs.rank(), false);
  const auto use = [&](int64_t d, std::vector<bool>& used) {
    if (d < 0 || d >= static_cast<int64_t>(used.size()) || used[d]) {
      fail("dimension out of range or repeated");
    }
    used[d] = true;
  };
  Shape out;
  for (size_t i = 0; i < dims.lhs_batch.size(); ++i) {
    use(dims.lhs_batch[i], lhs_used);
    use(dims.rhs_batch[i], rhs_used);
    if (lhs.shape[dims.lhs_batch[i]] != rhs.shape[dims.rhs_batch[i]]) fail("batch sizes differ");
    out.push_back(lhs.shape[dims.lhs_batch[i]]);
  }
  for (size_t i = 0; i < dims.lhs_contracting.size(); ++i) {
    use(dims.lhs_contracting[i], lhs_used);
    use(dims.rhs_contracting[i], rhs_used);
    if (lhs.shape[dims.lhs_contracting[i]] != rhs.shape[dims.rhs_contracting[i]]) {
      fail("contracting sizes differ");
    }
  }
  for (int64_t i = 0; i < lhs.rank(); ++i) {
    if (!lhs_used[i]) out.push_back(lhs.shape[i]);
  }
  for (int64_t i = 0; i < rhs.rank(); ++i) {
    if (!rhs_used[i]) out.push_back(rhs.shape[i]);
  }
  return ShapedArray{std::move(out), lhs.dtype};
}

// d (l . r) = dl . r + l . dr
Tensor DotGeneralJvp(Span x, Span t, const Tensor&, const Params& p) {
  const Tensor dl = t[0].defined() ? lax::dot_general(t[0], x[1], p.dot) : Tensor();
  const Tensor dr = t[1].defined() ? lax::dot_general(x[0], t[1], p.dot) : Tensor();
  return rules::AddTangents(dl, dr);
}

// The cotangent of one operand ("this") of out = dot_general(lhs, rhs), the other one constant:
// contract ct's axes that belong to the other operand's free axes with them, batch over the
// batch axes, and permute the result (batch, this free, this contracting) into this's layout.
Tensor DotGeneralTransposeOperand(const Tensor& ct, const Tensor& other, const ShapedArray& self,
                                  const DotDims& dims, bool self_is_lhs) {
  const auto& self_batch = self_is_lhs ? dims.lhs_batch : dims.rhs_batch;
  const auto& other_batch = self_is_lhs ? dims.rhs_batch : dims.lhs_batch;
  const auto& self_contract = self_is_lhs ? dims.lhs_contracting : dims.rhs_contracting;
  const auto& other_contract = self_is_lhs ? dims.rhs_contracting : dims.lhs_contracting;
  const std::vector<int64_t> self_free = FreeDims(self.rank(), self_batch, self_contract);
  const std::vector<int64_t> other_free = FreeDims(other.ndim(), other_batch, other_contract);
  const int64_t nb = static_cast<int64_t>(self_batch.size());
  // ct = [batch, lhs free, rhs free]: where the other operand's free axes sit in it.
  const int64_t other_start = self_is_lhs ? nb + static_cast<int64_t>(self_free.size()) : nb;
  DotDims d;
  for (int64_t i = 0; i < nb; ++i) d.lhs_batch.push_back(i);
  d.rhs_batch = other_batch;
  for (size_t i = 0; i < other_free.size(); ++i) d.lhs_contracting.push_back(other_start + i);
  d.rhs_contracting = other_free;
  // Result axes: batch, ct's remaining axes (this operand's free axes), then the other's
  // remaining axes: its contracting axes in increasing order, each paired with one of ours.
  std::vector<int64_t> result_to_self(self_batch.begin(), self_batch.end());
  result_to_self.insert(result_to_self.end(), self_free.begin(), self_free.end());
  std::vector<int64_t> sorted_other = other_contract;
  std::sort(sorted_other.begin(), sorted_other.end());
  for (int64_t r : sorted_other) {
    const size_t k = std::find(other_contract.begin(), other_contract.end(), r) - other_contract.begin();
    result_to_self.push_back(self_contract[k]);
  }
  const Tensor result = lax::dot_general(ct, other, d);
  std::vector<int64_t> perm(self.rank());
  for (size_t i = 0; i < result_to_self.size(); ++i) perm[result_to_self[i]] = i;
  return lax::transpose(result, perm);
}

// dot_general with one constant operand: the cotangent of the linear one (see above)
std::vector<Tensor> DotGeneralTranspose(const Tensor& ct, Span x, Avals avals, const Params& p) {
  if (!x[0].defined()) return {DotGeneralTransposeOperand(ct, x[1], avals[0], p.dot, true), Tensor()};
  return {Tensor(), DotGeneralTransposeOperand(ct, x[0], avals[1], p.dot, false)};
}

// ---- batch rule ----

std::vector<int64_t> ShiftedAround(const std::vector<int64_t>& axes, int64_t bdim) {
  std::vector<int64_t> out;
  for (int64_t a : axes) out.push_back(rules::AxisWithBatch(a, bdim));
  return out;
}

// Both operands batched: the vmapped axis becomes one more dot_general batch dimension (the
// first, so it leads the output). One batched: it is a free axis of that operand, and the
// output keeps it where dot_general puts that operand's free axes.
Batched DotGeneralBatch(Span x, absl::Span<const int64_t> bdims, const Params& p) {
  const DotDims& d = p.dot;
  if (bdims[0] != kNotMapped && bdims[1] != kNotMapped) {
    const Tensor lhs = rules::MoveBatchAxis(x[0], bdims[0], 0);
    const Tensor rhs = rules::MoveBatchAxis(x[1], bdims[1], 0);
    DotDims q;
    q.lhs_batch = ShiftedAround(d.lhs_batch, 0);
    q.rhs_batch = ShiftedAround(d.rhs_batch, 0);
    q.lhs_batch.insert(q.lhs_batch.begin(), 0);
    q.rhs_batch.insert(q.rhs_batch.begin(), 0);
    q.lhs_contracting = ShiftedAround(d.lhs_contracting, 0);
    q.rhs_contracting = ShiftedAround(d.rhs_contracting, 0);
    return {lax::dot_general(lhs, rhs, q), 0};
  }
  const bool lhs_batched = bdims[0] != kNotMapped;
  const int64_t b = lhs_batched ? bdims[0] : bdims[1];
  DotDims q = d;
  auto& batch = lhs_batched ? q.lhs_batch : q.rhs_batch;
  auto& contracting = lhs_batched ? q.lhs_contracting : q.rhs_contracting;
  batch = ShiftedAround(batch, b);
  contracting = ShiftedAround(contracting, b);
  // Output axes: batch dims, lhs free dims, rhs free dims; find where axis b lands.
  const int64_t lhs_rank = x[0].ndim(), rhs_rank = x[1].ndim();
  const std::vector<int64_t> lhs_free = FreeDims(lhs_rank, q.lhs_batch, q.lhs_contracting);
  const std::vector<int64_t> rhs_free = FreeDims(rhs_rank, q.rhs_batch, q.rhs_contracting);
  const std::vector<int64_t>& free = lhs_batched ? lhs_free : rhs_free;
  int64_t out_bdim = static_cast<int64_t>(q.lhs_batch.size());
  if (!lhs_batched) out_bdim += static_cast<int64_t>(lhs_free.size());
  out_bdim += std::find(free.begin(), free.end(), b) - free.begin();
  return {lax::dot_general(x[0], x[1], q), out_bdim};
}

template <Primitive prim>
constexpr rules::Def kDef = {};
template <> constexpr rules::Def kDef<Primitive::kDotGeneral> = {
    .abstract_eval = DotGeneralAbstractEval, .tangent = DotGeneralJvp,
    .transpose = DotGeneralTranspose, .batch = DotGeneralBatch};

}  // namespace

void RegisterDotGeneralRules(RuleTable& table) {
  rules::Define<Primitive::kDotGeneral, kDef<Primitive::kDotGeneral>>(table);
}

}  // namespace cotangent
