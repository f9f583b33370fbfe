// File: core/dtype.h
// The element types of Cotangent arrays and the one type-promotion lattice shared by every op.
// Start with DType and PromoteTypes; docs/errors.md and docs/architecture.md describe the rules.

#ifndef COTANGENT_CORE_DTYPE_H_
#define COTANGENT_CORE_DTYPE_H_

#include <cstdint>
#include <string_view>

namespace cotangent {

// Element type of an array. The order is the promotion lattice: bool < i32 < f32 < f64.
enum class DType : uint8_t { kBool, kI32, kF32, kF64 };

inline constexpr DType bool_ = DType::kBool;
inline constexpr DType i32 = DType::kI32;
inline constexpr DType f32 = DType::kF32;
inline constexpr DType f64 = DType::kF64;

// The dtype of floating literals and of tensors built from doubles without a dtype, as in JAX.
inline constexpr DType kDefaultFloat = DType::kF32;

// Short name used in messages and printing: "bool", "i32", "f32", "f64".
const char* DTypeName(DType dtype);

// Bytes per element (bool is stored as one byte).
int64_t DTypeSize(DType dtype);

inline bool IsFloating(DType dtype) { return dtype == DType::kF32 || dtype == DType::kF64; }

// Binary promotion of two tensors: the larger of the two in the lattice bool < i32 < f32 < f64.
DType PromoteTypes(DType a, DType b);

// Promotion of a tensor with a C++ double literal (a "weak" float, as JAX's Python scalars):
// a floating tensor keeps its dtype; an integer or bool tensor becomes the default float.
DType PromoteWithScalar(DType tensor_dtype);

// A C++ type that maps to a dtype, for to_vector<T>, item<T> and typed creation.
template <typename T>
struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kI32; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::kF32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kF64; };

}  // namespace cotangent

#endif  // COTANGENT_CORE_DTYPE_H_
