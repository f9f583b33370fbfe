// File: core/rules/helpers.h
// Small pieces shared by the rule families: arithmetic on tangents that may be symbolic zeros
// (undefined tensors), and the builders for common rule shapes (linear, elementwise).

#ifndef COTANGENT_CORE_RULES_HELPERS_H_
#define COTANGENT_CORE_RULES_HELPERS_H_

#include <vector>

#include "core/constants.h"
#include "core/lax.h"
#include "core/tensor.h"

namespace cotangent::rules {

// a + b where an undefined operand is a zero.
inline Tensor AddTangents(const Tensor& a, const Tensor& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return lax::add(a, b);
}

// t, or a concrete zero of aval when t is a symbolic zero.
inline Tensor Instantiate(const Tensor& t, const ShapedArray& aval) {
  return t.defined() ? t : Full(aval, 0.0);
}

// t * factor, undefined when t is.
inline Tensor ScaleTangent(const Tensor& t, const Tensor& factor) {
  return t.defined() ? lax::mul(t, factor) : Tensor();
}

// A scalar constant broadcast to x's shape and dtype.
inline Tensor Const(const Tensor& like, double value) { return FullLike(like, value); }

// The cotangent list of a transpose rule: one undefined entry per operand.
inline std::vector<Tensor> NoCotangents(size_t n) { return std::vector<Tensor>(n); }

}  // namespace cotangent::rules

#endif  // COTANGENT_CORE_RULES_HELPERS_H_
