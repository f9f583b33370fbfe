// File: cotangent/einsum.h
// numpy's einsum: Einstein summation over operands whose axes are labelled by subscripts.
//   ct::einsum("ij,jk->ik", {a, b});        // matmul
//   ct::einsum("bij,bjk->bik", {x, y});     // batched matmul
//   ct::einsum("ii", {m});                  // trace (implicit output: no "->")
//   ct::einsum("...ij,...jk", {a, b});      // broadcast batch axes
// Labels are ASCII letters; "..." stands for the axes not labelled, broadcast across operands.
// Without "->" the output is the ellipsis axes, then the labels used once, alphabetically.
// A label repeated within an operand takes its diagonal; a label no other operand and not the
// output holds is summed at once; the rest is contracted two operands at a time as
// dot_general calls, in the order that a greedy search finds cheapest (at each step the pair
// whose contraction takes the fewest multiply-adds; opt_einsum's greedy strategy, which
// jnp.einsum uses past a few operands). Errors name the subscripts and the shapes.

#ifndef COTANGENT_COTANGENT_EINSUM_H_
#define COTANGENT_COTANGENT_EINSUM_H_

#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace cotangent {

Tensor einsum(std::string_view subscripts, const std::vector<Tensor>& operands);

}  // namespace cotangent

#endif  // COTANGENT_COTANGENT_EINSUM_H_
