// File: tests/cotangent/fuzz_reference.h
// The reference fuzz_test.cc checks the library against: for each public creation, movement
// and reduction function, what a call should give (a result, InvalidArgument, or
// ResourceExhausted for a valid size no machine holds), with shapes computed in exact 128-bit
// arithmetic and, for small results, the values as doubles. Written from numpy's and JAX's
// semantics plus the library's one shape rule (core/shape.h CheckShape), independently of the
// library's code.

#ifndef COTANGENT_TESTS_COTANGENT_FUZZ_REFERENCE_H_
#define COTANGENT_TESTS_COTANGENT_FUZZ_REFERENCE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"
#include "tests/testing/oracles.h"

namespace cotangent::fuzz {

using Int = __int128;  // exact arithmetic on int64 sizes
inline constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
// Results up to this many elements are compared value by value.
inline constexpr int64_t kSmallElements = 256;
// Valid sizes that would allocate are either small or at least this many bytes (64 TiB): more
// than any machine has, so they fail at once instead of taking minutes or the OOM killer.
inline constexpr Int kHugeBytes = Int{1} << 46;

// A reference array: its shape and dtype and, when small, its row-major values.
struct Ref {
  Shape shape;
  DType dtype = f32;
  bool has_values = false;
  std::vector<double> v;
};

// The number of elements, saturating far above int64 instead of overflowing.
Int Elements(const Shape& shape);
// CheckShape's rule: no negative dimension; the non-zero dimensions times the element size
// fit in int64.
bool ValidShape(const Shape& shape, DType dtype);
// A reference array of a valid shape, with zeroed values when with_values and small.
Ref Make(const Shape& shape, DType dtype, bool with_values);
// v as stored in dtype (as convert_element_type: i32 truncates, saturates, NaN -> 0).
double Round(double v, DType dtype);
using testing::Ravel;  // row-major multi-indices (tests/testing/oracles.h)
using testing::Unravel;
// Fills out.v (when out keeps values) from the value at each output index, rounded.
void Compute(Ref& out, const std::function<double(const std::vector<int64_t>&)>& at);

// What a call should give.
enum class Want { kResult, kInvalid, kTooLarge };
struct Expect {
  Want want = Want::kInvalid;
  Ref ref;
  double tolerance = 0;    // relative, for float results of composites (exact when 0)
  bool allocates = false;  // the result is computed into new memory (not a view)
};
Expect Invalid();
Expect Result(Ref ref, bool allocates, double tolerance = 0);

// An axis of rank made non-negative, or nullopt when out of range.
std::optional<int64_t> Canonical(int64_t axis, int64_t rank);
// The axes of a reduction, sorted: all when nullopt; nullopt when one is out of range or
// repeated.
std::optional<std::vector<int64_t>> ResolveAxes(const std::optional<std::vector<int64_t>>& axes,
                                                int64_t rank);

// Folds of a reduction's groups.
double Sum(const std::vector<double>& v);
double Max(const std::vector<double>& v);
double Min(const std::vector<double>& v);
double LogSumExp(const std::vector<double>& v);  // -inf when empty
DType FloatOf(DType dtype);                      // the dtype transcendental functions use
double Tolerance(DType dtype);                   // for composites computed in dtype

// The groups of x along axes, each folded, as an array of dtype (keepdims: axes kept as 1).
Ref Reduced(const Ref& x, const std::vector<int64_t>& axes, bool keepdims, DType dtype,
            const std::function<double(const std::vector<double>&)>& fold);
// A reduction computed in `work` (sum of bool in i32, mean of integers in f32) giving dtype:
// the converted operand and the result must both be arrays that can exist.
Expect ReductionRef(const Ref& x, const std::vector<int64_t>& axes, bool keepdims, DType work,
                    DType dtype, const std::function<double(const std::vector<double>&)>& fold,
                    double tolerance = 0);

// One per public function, with the same arguments.
Expect ReshapeRef(const Ref& x, const Shape& shape);  // one -1 inferred, as numpy
Expect TransposeRef(const Ref& x, const std::optional<std::vector<int64_t>>& axes);
Expect BroadcastToRef(const Ref& x, const Shape& shape);
Expect SqueezeRef(const Ref& x, const std::optional<std::vector<int64_t>>& axes);
Expect ExpandDimsRef(const Ref& x, int64_t axis);
Expect SliceRef(const Ref& x, const std::vector<int64_t>& start, const std::vector<int64_t>& limit,
                std::vector<int64_t> strides);
Expect IndexRef(const Ref& x, int64_t i);
Expect ConcatenateRef(const std::vector<Ref>& xs, int64_t axis);
Expect StackRef(const std::vector<Ref>& xs, int64_t axis);
// lax.pad, with the library's rule that every partial sum of the sizes fits in int64.
Expect PadRef(const Ref& x, double value, const std::vector<int64_t>& low,
              const std::vector<int64_t>& high, std::vector<int64_t> interior);
// A creation function's array of shape with element i = value(i).
Expect Created(const Shape& shape, DType dtype, const std::function<double(int64_t)>& value);
// arange and linspace: n values of a monotonic sequence, of which creation checks the first,
// second and last (i32: integral and in range) before allocating.
Expect SequenceRef(int64_t n, DType dtype, const std::function<double(int64_t)>& value);
// Whether creation accepts v for dtype (i32: integral and in range).
bool Representable(double v, DType dtype);

}  // namespace cotangent::fuzz

#endif  // COTANGENT_TESTS_COTANGENT_FUZZ_REFERENCE_H_
