// File: tests/backends/cpu_test_util.h
// Test helpers for the CPU kernels: Host (a logical array as doubles), Place (upload it in a
// strided Layout: transposed, sliced with an offset, broadcast with stride 0), Exec (run a
// primitive through CpuBackend::Execute and fetch the result) and ExpectMatches.

#ifndef COTANGENT_TESTS_BACKENDS_CPU_TEST_UTIL_H_
#define COTANGENT_TESTS_BACKENDS_CPU_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/array.h"
#include "core/backend.h"
#include "core/params.h"
#include "core/primitive.h"
#include "core/shape.h"

namespace cotangent::cpu_test {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr int32_t kIntMin = std::numeric_limits<int32_t>::min();
inline constexpr int32_t kIntMax = std::numeric_limits<int32_t>::max();

// A logical array: row-major values as doubles (exact for every dtype used here).
struct Host {
  Shape shape;
  std::vector<double> v;
};

// A rank-1 Host.
Host Vec(std::vector<double> v);

// Calls fn(index, flat) for every multi-index of shape in row-major order.
void ForEachIndex(const Shape& shape, const std::function<void(const Shape&, int64_t)>& fn);

// The row-major position of a multi-index.
int64_t Flat(const Shape& shape, const Shape& index);

// A double rounded to what dtype can hold, as the backend stores it (i32 wraps mod 2^32).
double Quantize(double x, DType dtype);

// x modulo 2^32 as an i32 value: the reference for wrapping integer arithmetic.
double Wrap(int64_t x);

// How a logical array is laid out in its buffer.
enum class Layout {
  kDense,          // row-major from offset 0
  kReversed,       // axes stored in reverse order (a transposed view)
  kSpread,         // every other element of a larger buffer, from a nonzero offset (a slice)
  kBroadcast0,     // axis 0 has stride 0 (values must be constant along axis 0)
  kBroadcastLast,  // the last axis has stride 0 (values constant along it)
  kBroadcastAll,   // every stride 0: one stored value (a broadcast scalar)
  kOffset,         // row-major strides from a nonzero offset (a trailing slice)
};

// The axes a broadcast layout repeats along (none for the others).
std::vector<int64_t> BroadcastAxes(const Shape& shape, Layout layout);

std::string LayoutName(Layout layout);

// The CPU backend.
Backend& Cpu();

// Uploads h as dtype in the given layout; unused buffer elements hold a sentinel.
Array Place(const Host& h, DType dtype, Layout layout = Layout::kDense);

// Downloads an array (any layout) as a Host.
Host Fetch(const Array& a);

// Runs prim through CpuBackend::Execute, checks the output is a dense out_aval and fetches it.
Host Exec(Primitive prim, const std::vector<Array>& in, const Params& params,
          const ShapedArray& out_aval);

// Elementwise equality within a dtype-dependent relative tolerance; NaN matches NaN.
// A tolerance >= 0 overrides the dtype's.
void ExpectMatches(const Host& actual, const Host& expected, DType dtype, const std::string& what,
                   double tolerance = -1);

// Random values of dtype; floats include NaN, infinities and -0, i32 its extremes. For a
// broadcast layout the values are constant along its axis.
Host Random(const Shape& shape, DType dtype, uint32_t seed, Layout layout = Layout::kDense);

}  // namespace cotangent::cpu_test

#endif  // COTANGENT_TESTS_BACKENDS_CPU_TEST_UTIL_H_
