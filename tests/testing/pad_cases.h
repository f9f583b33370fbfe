// File: tests/testing/pad_cases.h
// pad's cases, shared by the layout test (core/layout.h PadPlacement) and the backends' pad
// tests: edge padding, negative edges that crop, interior padding, and both together, down to
// every element cropped away, of a [4, 5] operand.

#ifndef COTANGENT_TESTS_TESTING_PAD_CASES_H_
#define COTANGENT_TESTS_TESTING_PAD_CASES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/params.h"
#include "core/shape.h"

namespace cotangent::testing {

struct PadCase {
  std::vector<int64_t> low, high, interior;

  // pad's params, padding with `value`.
  Params params(double value) const {
    Params p;
    p.low = low;
    p.high = high;
    p.interior = interior;
    p.padding_value = value;
    return p;
  }
  // The output shape for an operand of `shape`: low + high + n + (n - 1) * interior per axis.
  Shape OutShape(const Shape& shape) const {
    Shape out(shape.size());
    for (size_t d = 0; d < shape.size(); ++d) {
      out[d] = low[d] + high[d] + shape[d] + (shape[d] - 1) * interior[d];
    }
    return out;
  }
  std::string ToString() const {
    return absl::StrCat("low ", ShapeToString(low), " high ", ShapeToString(high), " interior ",
                        ShapeToString(interior));
  }
};

inline const Shape kPadShape = {4, 5};

inline const std::vector<PadCase> kPadCases = {
    {{1, 2}, {0, 3}, {0, 0}},   {{-1, 0}, {-2, 1}, {0, 0}}, {{0, 1}, {0, 1}, {2, 1}},
    {{-2, -3}, {-1, 2}, {1, 2}}, {{-2, 0}, {-2, 0}, {0, 0}}, {{-9, 0}, {3, 0}, {1, 0}}};

}  // namespace cotangent::testing

#endif  // COTANGENT_TESTS_TESTING_PAD_CASES_H_
