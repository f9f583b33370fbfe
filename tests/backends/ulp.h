// File: tests/backends/ulp.h
// Distances between floats in units in the last place, for the SIMD tests and the ulp table:
// OrderedBits maps each float to its position in the order of all floats (adjacent floats
// differ by 1, -0 and +0 share 0), so |OrderedBits(a) - OrderedBits(b)| counts the floats
// between a and b.

#ifndef COTANGENT_TESTS_BACKENDS_ULP_H_
#define COTANGENT_TESTS_BACKENDS_ULP_H_

#include <cstdint>
#include <cstring>

namespace cotangent::cpu_test {

template <typename T>
int64_t OrderedBits(T x) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  if constexpr (sizeof(T) == 4) {
    int32_t i;
    std::memcpy(&i, &x, 4);
    return i < 0 ? -static_cast<int64_t>(i & 0x7fffffff) : i;
  } else {
    int64_t i;
    std::memcpy(&i, &x, 8);
    return i < 0 ? -(i & 0x7fffffffffffffff) : i;
  }
}

// The float at position k of that order (the inverse of OrderedBits, +0 for 0).
template <typename T>
T FromOrderedBits(int64_t k) {
  T x;
  if constexpr (sizeof(T) == 4) {
    const uint32_t i = k < 0 ? static_cast<uint32_t>(-k) | 0x80000000u : static_cast<uint32_t>(k);
    std::memcpy(&x, &i, 4);
  } else {
    const uint64_t i = k < 0 ? static_cast<uint64_t>(-k) | (uint64_t{1} << 63)
                             : static_cast<uint64_t>(k);
    std::memcpy(&x, &i, 8);
  }
  return x;
}

}  // namespace cotangent::cpu_test

#endif  // COTANGENT_TESTS_BACKENDS_ULP_H_
