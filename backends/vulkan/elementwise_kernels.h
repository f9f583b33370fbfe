// File: backends/vulkan/elementwise_kernels.h
// GLSL for the elementwise primitives (unary, binary, compare, select, convert), generated per
// primitive, dtypes and indexing mode around kernels/elementwise.glsl and compiled at run time
// (one pipeline per combination actually used, cached). The math of each primitive on each
// dtype matches the CPU backend (backends/cpu/kernels_elementwise.cc): wrapping integer
// arithmetic, XLA's integer division, NaN-propagating max/min, saturating float -> integer
// conversion, and
// f64 transcendentals from kernels/math_f64.glsl and special_f64.glsl (never computed in f32).

#ifndef COTANGENT_BACKENDS_VULKAN_ELEMENTWISE_KERNELS_H_
#define COTANGENT_BACKENDS_VULKAN_ELEMENTWISE_KERNELS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/dtype.h"
#include "core/primitive.h"

namespace cotangent::vulkan {

struct ElementwiseSpec {
  Primitive prim;
  DType in;    // the operands' dtype (select: of on_true/on_false; convert: the source)
  DType out;   // the result's dtype
  // > 1: a flat space of contiguous (aligned) or broadcast operands, moved `width` elements
  // at a time with vector loads and stores (which operands are broadcast is a push constant).
  int width = 1;
};

// A name that identifies the kernel: "elementwise.add.f32.f32" or "elementwise.add.f32.f32.v4".
std::string ElementwiseKernelName(const ElementwiseSpec& spec);

// The complete GLSL source; InvalidArgument for a primitive that is not elementwise or a dtype
// it does not accept.
absl::StatusOr<std::string> ElementwiseSource(const ElementwiseSpec& spec);

// One primitive's math as a GLSL function `name` from and to compute types (for kernels that
// chain several: fusion.cc): `code` defines it, `helper` holds functions it calls (several
// functions may need the same helper), and `math` says it calls the math library of `in`.
struct ElementwiseFunction {
  std::string code;
  std::string helper;
  bool math = false;
};
absl::StatusOr<ElementwiseFunction> ElementwiseFunctionSource(const ElementwiseSpec& spec,
                                                              std::string_view name);

// GLSL types of a dtype: in buffers (bool and u8 are one byte) and in arithmetic (bool and u8
// compute as uint, u8 results masked to their byte).
const char* StorageType(DType dtype);
const char* ComputeType(DType dtype);
// An element of dtype in a buffer (`ref`, of StorageType) as its compute value, and a compute
// value `v` as the element stored: f16 and bf16 widen exactly and round to nearest even
// (functions that HelperFunctions defines), bool and u8 widen to uint and store their byte.
std::string LoadElement(DType dtype, std::string_view ref);
std::string StoreElement(DType dtype, std::string_view v);
// A compute value `v` rounded to f16 or bf16, held as the f32 it equals (no 16-bit
// temporaries: 16-bit storage alone does not allow them).
std::string RoundedHalf(DType dtype, std::string_view v);
// The GLSL functions that LoadElement and StoreElement call for these dtypes.
std::string HelperFunctions(absl::Span<const DType> dtypes);
// The #extension lines a shader over these dtypes needs: 8-bit storage for bool and u8, 64-bit
// integer arithmetic for i64 (the device's shaderInt64: KernelContext::Require).
std::string TypeExtensions(absl::Span<const DType> dtypes);
// Operands of an elementwise primitive, and the dtype of operand k (select's predicate is
// bool, every other operand has dtype `in`).
int NumInputs(Primitive prim);
DType InputDType(const ElementwiseSpec& spec, int k);

// The GLSL math library of a kernel computing in `compute` (f32 or f64): math_common.glsl,
// then kernels/math_<p>.glsl (the elementary functions) and special_<p>.glsl (the special
// functions, which use them).
std::string MathLibrary(DType compute);

// sin and cos kernels bind one more buffer after their operands: the bits of 2/pi for their
// argument reduction (kernels/math_common.glsl), these 42 words, uploaded once per backend.
bool UsesTwoOverPi(Primitive prim);
absl::Span<const uint32_t> TwoOverPiWords();

}  // namespace cotangent::vulkan

#endif  // COTANGENT_BACKENDS_VULKAN_ELEMENTWISE_KERNELS_H_
