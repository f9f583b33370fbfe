// File: core/complex_eval.h
// c64 and c128 on every backend without a complex kernel: an equation with a complex operand
// or result runs as equations on real arrays. A complex array stores (real, imaginary) pairs
// as std::complex does, so its parts are strided views of its buffer as the part dtype (f32,
// f64) with no copy: the parts of element i at 2 i and 2 i + 1, and the whole array as a real
// array of one more axis of size 2. Movement, reductions, select and the collectives act on
// that view; arithmetic is written on the parts (mul: (ac - bd, ad + bc)), and so is the
// lexicographic order of max, min, argmax and argsort (real part, then imaginary part); a
// complex result is assembled by one concatenate of its parts. Complex arrays are always dense
// (no backend copies or strides a 16-byte element). Under jit the same formulas rewrite a
// program before fusion (LowerComplex), so a complex chain fuses as real equations do.

#ifndef COTANGENT_CORE_COMPLEX_EVAL_H_
#define COTANGENT_CORE_COMPLEX_EVAL_H_

#include "absl/types/span.h"
#include "core/array.h"
#include "core/backend.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/program.h"

namespace cotangent {

// Whether prim on these operands and results involves a complex dtype.
bool InvolvesComplex(absl::Span<const Array> arrays, absl::Span<const ShapedArray> out_avals);

// core/eval.h RunEquation of such an equation: prim is one of the primitives whose dtype
// column admits complex operands (its abstract evaluation passed), run on real arrays.
void RunComplex(Backend& backend, Primitive prim, absl::Span<const Array> arrays,
                const Params& params, absl::Span<const ShapedArray> out_avals,
                absl::Span<Array> outs);

// jit's lowering of complex arithmetic (core/executable.cc, before fusion is planned):
// `program` with its equations on complex values (elementwise arithmetic and functions,
// eq and ne, max and min, select, conversions, real/imag/conj/complex, dot_general, the
// reductions reduce_sum, reduce_prod, reduce_max and argmax, argsort, and the movement rows
// reshape, transpose, broadcast_in_dim, slice, concatenate where their operands are parts
// already: on a whole array they stay views of it) rewritten as real equations on the values'
// parts, so that a complex chain fuses as real ones do; a complex
// value that another equation or the output reads whole is joined there by one `complex`
// equation, and a whole one split by `real` and `imag` (views). The rest (gather, scatter,
// pad, collectives, linear algebra, control flow) stays complex: RunComplex runs it. The
// program itself when it has no complex variable.
Program LowerComplex(Program program);

// The complex array of dtype ComplexOf(re's dtype) with parts re and im (real arrays of one
// shape and dtype, on one backend), dense.
Array ComplexFromParts(const Array& re, const Array& im);

}  // namespace cotangent

#endif  // COTANGENT_CORE_COMPLEX_EVAL_H_
