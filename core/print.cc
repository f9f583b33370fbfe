// File: core/print.cc
// operator<< for Tensor, following numpy's str(): shortest round-trip digits (at most 8 after
// the point in arrays, as many as needed for a 0-d value), columns aligned, scientific
// notation when magnitudes span too much, nested brackets per axis, "..." summaries past 1000
// elements (reading back only the elements shown), "[]" for an empty array. An undefined
// tensor prints as "Tensor(undefined)", a tracer as "Traced<f32[2,2]>", an
// abstract value (eval_shape) as "Abstract<f32[2,2]>".

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/interpreter.h"
#include "core/lax.h"
#include "core/tensor.h"

namespace cotangent {
namespace {

constexpr int kMaxPrecision = 8;
constexpr int64_t kSummarizeThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr size_t kLineWidth = 75;

bool RoundTrips(const std::string& text, double v, DType dtype) {
  return ValueIn(dtype, std::strtod(text.c_str(), nullptr)) == ValueIn(dtype, v);
}

std::string Printf(const char* format, int digits, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, digits, v);
  return buf;
}

// Fewest digits (<= kMaxPrecision) after the point for which `format` round-trips v.
int ShortestDigits(const char* format, double v, DType dtype) {
  for (int d = 0; d < kMaxPrecision; ++d) {
    if (RoundTrips(Printf(format, d, v), v, dtype)) return d;
  }
  return kMaxPrecision;
}

// Formats every element of a floating array as numpy does, padded to a common width.
// With plus_sign, non-negative values carry a '+' (the imaginary parts of complex numbers).
class FloatFormatter {
 public:
  FloatFormatter(const std::vector<double>& values, DType dtype, bool plus_sign = false)
      : dtype_(dtype), plus_sign_(plus_sign) {
    double max_abs = 0, min_abs = INFINITY;
    for (double v : values) {
      if (!std::isfinite(v) || v == 0) continue;
      max_abs = std::max(max_abs, std::fabs(v));
      min_abs = std::min(min_abs, std::fabs(v));
    }
    scientific_ = max_abs >= 1e8 || (min_abs < 1e-4 || max_abs / min_abs > 1e3);
    if (max_abs == 0) scientific_ = false;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      digits_ = std::max(digits_, ShortestDigits(scientific_ ? "%.*e" : "%.*f", v, dtype_));
    }
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      const std::string s = Raw(v);
      const size_t int_len = s.find('.');
      int_width_ = std::max(int_width_, int_len);
      frac_width_ = std::max(frac_width_, s.size() - int_len);
    }
    // "nan" and "inf" are right-aligned in the full width, which may have to grow for them.
    for (double v : values) {
      const size_t size = Raw(v).size();
      if (!std::isfinite(v) && size > frac_width_) {
        int_width_ = std::max(int_width_, size - frac_width_);
      }
    }
  }

  std::string operator()(double v) const {
    std::string s = Raw(v);
    if (!std::isfinite(v)) return std::string(int_width_ + frac_width_ - s.size(), ' ') + s;
    const size_t point = s.find('.');
    const size_t int_len = point == std::string::npos ? s.size() : point;
    return std::string(int_width_ - int_len, ' ') + s +
           std::string(frac_width_ - (s.size() - int_len), ' ');
  }

 private:
  std::string Raw(double v) const {
    std::string s = Unsigned(v);
    return plus_sign_ && s[0] != '-' ? "+" + s : s;
  }
  std::string Unsigned(double v) const {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (scientific_) {
      std::string s = Printf("%.*e", digits_, v);
      if (digits_ == 0) s.insert(s.find('e'), ".");
      return s;
    }
    // Positional: each value with its own shortest digits (numpy's 'maxprec'), "1." for 1.
    // A value rounded at the 8-digit cap loses its trailing zeros, as numpy's trim: 2.0000000004
    // prints as "2.".
    std::string s = Printf("%.*f", ShortestDigits("%.*f", v, dtype_), v);
    if (s.find('.') == std::string::npos) s += ".";
    while (s.back() == '0') s.pop_back();
    return s;
  }

  DType dtype_;
  bool plus_sign_;
  bool scientific_ = false;
  int digits_ = 0;
  size_t int_width_ = 0, frac_width_ = 0;
};

// Whether an axis of n elements is shown as its first and last kEdgeItems around "...".
bool Elided(bool summarize, int64_t n) { return summarize && n > 2 * kEdgeItems; }

// The elements a summary shows: along each elided axis its first and last kEdgeItems, joined
// (numpy's _leading_trailing). Slices are views, and each axis is cut down before anything is
// joined, so only these elements (at most (2 * kEdgeItems)^rank) are copied and read back.
Tensor LeadingTrailing(const Tensor& x, size_t axis = 0) {
  const Shape& shape = x.shape();
  if (axis == shape.size()) return x;
  const int64_t n = shape[axis];
  if (!Elided(true, n)) return LeadingTrailing(x, axis + 1);
  std::vector<int64_t> start(shape.size(), 0), limit = shape;
  limit[axis] = kEdgeItems;
  const Tensor leading = LeadingTrailing(lax::slice(x, start, limit), axis + 1);
  start[axis] = n - kEdgeItems;
  limit[axis] = n;
  const Tensor trailing = LeadingTrailing(lax::slice(x, start, limit), axis + 1);
  return lax::concatenate({leading, trailing}, static_cast<int64_t>(axis));
}

struct Printer {
  const Shape& shape;              // of the array printed
  std::vector<std::string> cells;  // formatted, same width: the shown elements, row-major
  bool summarize;

  // Appends the sub-array at `axis` whose first shown element is cell `base`.
  void Print(std::string& out, size_t axis, int64_t base, const std::string& indent) const {
    if (axis == shape.size()) {
      out += cells[base];
      return;
    }
    const int64_t n = shape[axis];
    // Cells per step along this axis: the product of the shown sizes of the inner axes.
    int64_t stride = 1;
    for (size_t a = axis + 1; a < shape.size(); ++a) {
      stride *= Elided(summarize, shape[a]) ? 2 * kEdgeItems : shape[a];
    }
    const bool last_axis = axis + 1 == shape.size();
    // The indices shown along this axis; -1 stands for the "..." of a summary.
    // Indices count shown cells: an elided axis shows 0..kEdgeItems-1, "...", then the last
    // kEdgeItems, which are cells kEdgeItems..2*kEdgeItems-1.
    std::vector<int64_t> shown;
    for (int64_t i = 0; i < (Elided(summarize, n) ? 2 * kEdgeItems : n); ++i) {
      if (Elided(summarize, n) && i == kEdgeItems) shown.push_back(-1);
      shown.push_back(i);
    }
    out += "[";
    size_t line_start = out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1;
    for (size_t k = 0; k < shown.size(); ++k) {
      const std::string item_width_probe = shown[k] < 0 ? "..." : cells[base];
      if (k > 0 && last_axis) {
        // numpy's rule: wrap when the element would pass the line width, counting the closing
        // bracket after the last element.
        const size_t closing = k + 1 == shown.size() ? 1 : 0;
        if (out.size() - line_start + 1 + item_width_probe.size() + closing > kLineWidth) {
          out += absl::StrCat("\n", indent, " ");
          line_start = out.size() - indent.size() - 1;
        } else {
          out += " ";
        }
      } else if (k > 0) {
        out += std::string(shape.size() - axis - 1, '\n') + indent + " ";
      }
      if (shown[k] < 0) {
        out += "...";
      } else {
        Print(out, axis + 1, base + shown[k] * stride, indent + " ");
      }
    }
    out += "]";
  }
};

// A 0-d float as numpy prints it (str() of a 0-d array is str() of its scalar): the shortest
// digits that round-trip, with no cap on their number, "1.0" for integral values, and
// scientific notation ("1e-05") outside [1e-4, 1e16).
std::string FormatScalar(double v, DType dtype) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const double magnitude = std::fabs(v);
  const bool positional = magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e16);
  const char* format = positional ? "%.*f" : "%.*e";
  int digits = positional ? 1 : 0;
  while (digits < 40 && !RoundTrips(Printf(format, digits, v), v, dtype)) ++digits;
  return Printf(format, digits, v);
}

// A 0-d complex as Python's repr of a complex: (1+2j), (1.5-0j), 2j for a +0 real part; the
// parts as repr prints floats, without a ".0" on integral values.
std::string FormatComplexScalar(std::complex<double> z, DType dtype) {
  const auto part = [&](double v) {
    std::string s = FormatScalar(v, RealPart(dtype));
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    return s;
  };
  std::string im = part(z.imag());
  if (z.real() == 0 && !std::signbit(z.real())) return im + "j";
  if (im[0] != '-') im = "+" + im;
  return absl::StrCat("(", part(z.real()), im, "j)");
}

// The shown elements (all of them, or those of LeadingTrailing when summarize) of x as cells
// of one width: floats as FloatFormatter, integers exactly (read as int64_t: every u32 and
// i64 value), bools as True / False.
std::vector<std::string> Cells(const Tensor& shown, DType dtype) {
  std::vector<std::string> cells;
  if (IsComplex(dtype)) {  // numpy: the real parts' column, then the signed imaginary parts + j
    std::vector<double> re, im;
    for (const std::complex<double>& z : shown.to_vector<std::complex<double>>()) {
      re.push_back(z.real());
      im.push_back(z.imag());
    }
    FloatFormatter real(re, RealPart(dtype)), imag(im, RealPart(dtype), /*plus_sign=*/true);
    for (size_t i = 0; i < re.size(); ++i) {
      std::string i_text = imag(im[i]);
      const size_t end = i_text.find_last_not_of(' ') + 1;  // the j before the padding
      cells.push_back(real(re[i]) + i_text.insert(end, "j"));
    }
    return cells;
  }
  if (IsFloating(dtype)) {
    const std::vector<double> values = shown.to_vector<double>();
    FloatFormatter format(values, dtype);
    for (double v : values) cells.push_back(format(v));
    return cells;
  }
  size_t width = 0;
  for (int64_t v : shown.to_vector<int64_t>()) {
    cells.push_back(dtype == DType::kBool ? (v != 0 ? "True" : "False") : absl::StrCat(v));
    width = std::max(width, cells.back().size());
  }
  for (std::string& c : cells) c = std::string(width - c.size(), ' ') + c;
  return cells;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& x) {
  if (!x.defined()) return os << "Tensor(undefined)";
  if (x.level() == kAbstractLevel) return os << "Abstract<" << x.aval().ToString() << ">";
  if (!x.is_concrete()) {
    os << "Traced<" << x.aval().ToString() << ">";
    if (const char* transform = TransformationOf(x)) os << "with<" << transform << ">";
    return os;
  }
  if (static_cast<const ArrayNode&>(*x.node()).deleted()) {
    return os << "Deleted<" << x.aval().ToString() << ">";
  }
  // numpy prints every empty array, f32[0] or f32[2,0,3], as "[]".
  if (x.size() == 0) return os << "[]";
  const bool summarize = x.size() > kSummarizeThreshold;
  std::vector<std::string> cells;
  if (x.dtype() == DType::kFloat0) {  // numpy's b'' for each (empty) element
    int64_t shown = 1;
    for (int64_t d : x.shape()) shown *= summarize && Elided(true, d) ? 2 * kEdgeItems : d;
    cells.assign(shown, "b''");
  } else {
    const Tensor shown = summarize ? LeadingTrailing(x) : x;
    if (x.ndim() == 0 && IsFloating(x.dtype())) {
      return os << FormatScalar(shown.item<double>(), x.dtype());
    }
    if (x.ndim() == 0 && IsComplex(x.dtype())) {
      return os << FormatComplexScalar(shown.item<std::complex<double>>(), x.dtype());
    }
    cells = Cells(shown, x.dtype());
  }
  if (x.ndim() == 0) return os << cells[0];
  Printer printer{x.shape(), std::move(cells), summarize};
  std::string out;
  printer.Print(out, 0, 0, "");
  return os << out;
}

}  // namespace cotangent
