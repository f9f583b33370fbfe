// File: cotangent/transforms.cc
// The non-template helpers of the Jacobian transformations.

#include "cotangent/transforms.h"

#include "absl/strings/str_cat.h"
#include "core/constants.h"
#include "core/error.h"
#include "core/lax.h"
#include "interpreters/backward.h"

namespace cotangent::internal {

Tensor BasisStack(const ShapedArray& aval) {
  const int64_t n = aval.size();
  // eye(n) made on the device in one pass: n ones with n zeros padded after each one
  // (interior padding), giving n * n + n elements whose first n * n are the identity.
  const Tensor ones = Full(ShapedArray{{n}, aval.dtype}, 1.0);
  const Tensor strip = lax::pad(ones, 0.0, {0}, {n}, {n});
  return lax::reshape(lax::slice(strip, {0}, {n * n}), JoinShapes({n}, aval.shape));
}

void CheckAvals(const char* op, const char* what, const std::vector<Tensor>& xs,
                const char* against, const std::vector<Tensor>& ys) {
  if (xs.size() != ys.size()) {
    ThrowInvalid(op, ": got ", xs.size(), " ", what, "s for ", ys.size(), " ", against, "s");
  }
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].aval() != ys[i].aval()) {
      ThrowInvalid(op, ": ", what, " ", xs[i].aval().ToString(), " does not match ", against, " ",
                   ys[i].aval().ToString());
    }
  }
}

std::vector<Tensor> TransposeLinear(const ClosedProgram& program,
                                    const std::vector<ShapedArray>& in_avals,
                                    const std::vector<Tensor>& cts) {
  const std::vector<ShapedArray> out = program.program->OutAvals();
  if (cts.size() != out.size()) {
    ThrowInvalid("linear_transpose: got ", cts.size(), " cotangents for ", out.size(), " outputs");
  }
  for (size_t i = 0; i < cts.size(); ++i) {
    if (!cts[i].defined() || cts[i].aval() != out[i]) {
      ThrowInvalid("linear_transpose: cotangent ", i, " has type ",
                   cts[i].defined() ? cts[i].aval().ToString() : "undefined",
                   " but the function's output has type ", out[i].ToString());
    }
  }
  std::vector<Tensor> r =
      BackwardPass(*program.program, program.consts, std::vector<Tensor>(in_avals.size()), cts);
  for (size_t i = 0; i < r.size(); ++i) {
    if (!r[i].defined()) r[i] = Full(in_avals[i], 0.0);
  }
  return r;
}

void CheckLinearTypes(const std::vector<ShapedArray>& in, const std::vector<ShapedArray>& out) {
  bool inexact = true, integer = true;
  for (const auto* avals : {&in, &out}) {
    for (const ShapedArray& a : *avals) {
      inexact = inexact && IsInexact(a.dtype);
      integer = integer && IsInteger(a.dtype);
    }
  }
  if (inexact || integer) return;
  ThrowInvalid(
      "linear_transpose: only floating or complex -> floating or complex, and integer "
      "-> integer functions can be transposed, got ",
      AvalsToString(in), " -> ", AvalsToString(out));
}

std::vector<Tensor> FloatTangents(const char* op, const char* what, const std::vector<Tensor>& ts,
                                  const char* against, const std::vector<Tensor>& values) {
  if (ts.size() != values.size()) {
    ThrowInvalid(op, ": got ", ts.size(), " ", what, "s for ", values.size(), " ", against, "s");
  }
  std::vector<Tensor> floating;
  for (size_t i = 0; i < ts.size(); ++i) {
    const ShapedArray want = TangentAval(values[i].aval());
    if (ts[i].aval() != want) {
      ThrowInvalid(op, ": ", what, " ", ts[i].aval().ToString(), " does not match ", against, " ",
                   values[i].aval().ToString(),
                   want.dtype == DType::kFloat0
                       ? absl::StrCat(": the ", what, " of an integer or bool is ", want.ToString(),
                                      ", as JAX's")
                       : "");
    }
    if (want.dtype != DType::kFloat0) floating.push_back(ts[i]);
  }
  return floating;
}

std::vector<Tensor> WithFloat0Tangents(const std::vector<Tensor>& values,
                                       std::vector<Tensor> tangents) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!IsInexact(values[i].dtype())) tangents[i] = ZeroTangent(values[i].aval());
  }
  return tangents;
}

std::vector<Tensor> WithFloat0(const std::vector<Tensor>& floating,
                               const std::vector<Tensor>& values) {
  std::vector<Tensor> all;
  size_t k = 0;
  for (const Tensor& v : values) {
    all.push_back(IsInexact(v.dtype()) ? floating[k++] : ZeroTangent(v.aval()));
  }
  return all;
}

Shape JoinShapes(const Shape& a, const Shape& b) {
  Shape out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace cotangent::internal
