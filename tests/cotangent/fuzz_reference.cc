// File: tests/cotangent/fuzz_reference.cc
// The fuzz test's reference semantics (fuzz_reference.h): shapes in 128-bit arithmetic,
// values by plain loops over multi-indices.

#include "tests/cotangent/fuzz_reference.h"

#include <algorithm>
#include <cmath>

namespace cotangent::fuzz {
namespace {

constexpr Int kSaturated = Int{1} << 100;  // "more than int64 holds", kept from overflowing

Int SatMul(Int a, Int b) {
  if (a == 0 || b == 0) return 0;
  return a > kSaturated / b ? kSaturated : a * b;
}

}  // namespace

Int Elements(const Shape& shape) {
  Int n = 1;
  for (int64_t d : shape) n = SatMul(n, d);
  return n;
}

bool ValidShape(const Shape& shape, DType dtype) {
  Int bytes = DTypeSize(dtype);
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d > 0) bytes = SatMul(bytes, d);
  }
  return bytes <= kMax;
}

Ref Make(const Shape& shape, DType dtype, bool with_values) {
  Ref r{shape, dtype};
  r.has_values = with_values && Elements(shape) <= kSmallElements;
  if (r.has_values) r.v.assign(static_cast<size_t>(Elements(shape)), 0.0);
  return r;
}

double Round(double v, DType dtype) {
  switch (dtype) {
    case DType::kBool:
      return v != 0 ? 1 : 0;
    case DType::kI32:
      if (v != v) return 0;
      return std::trunc(std::clamp(v, -2147483648.0, 2147483647.0));
    case DType::kI64:
      if (v != v) return 0;
      return std::trunc(std::clamp(v, -0x1p63, 0x1p63));
    case DType::kU8:
      if (v != v) return 0;
      return std::trunc(std::clamp(v, 0.0, 255.0));
    case DType::kU32:
      if (v != v) return 0;
      return std::trunc(std::clamp(v, 0.0, 4294967295.0));
    case DType::kC64:     // not generated: the programs are real
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:
    case DType::kBF16:
      return ValueIn(dtype, v);
    case DType::kF32:
      return static_cast<float>(v);
    case DType::kF64:
      return v;
  }
  return v;
}

void Compute(Ref& out, const std::function<double(const std::vector<int64_t>&)>& at) {
  if (!out.has_values) return;
  for (size_t i = 0; i < out.v.size(); ++i) {
    out.v[i] = Round(at(Unravel(static_cast<int64_t>(i), out.shape)), out.dtype);
  }
}

Expect Invalid() { return Expect{}; }
Expect Result(Ref ref, bool allocates, double tolerance) {
  return Expect{Want::kResult, std::move(ref), tolerance, allocates};
}

std::optional<int64_t> Canonical(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<std::vector<int64_t>> ResolveAxes(const std::optional<std::vector<int64_t>>& axes,
                                                int64_t rank) {
  std::vector<int64_t> out;
  if (!axes) {
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : *axes) {
    const std::optional<int64_t> c = Canonical(a, rank);
    if (!c || std::find(out.begin(), out.end(), *c) != out.end()) return std::nullopt;
    out.push_back(*c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Ref Reduced(const Ref& x, const std::vector<int64_t>& axes, bool keepdims, DType dtype,
            const std::function<double(const std::vector<double>&)>& fold) {
  Shape kept, out_shape;
  for (int64_t a = 0; a < static_cast<int64_t>(x.shape.size()); ++a) {
    const bool reduced = std::find(axes.begin(), axes.end(), a) != axes.end();
    if (!reduced) out_shape.push_back(x.shape[a]);
    kept.push_back(reduced ? 1 : x.shape[a]);
  }
  Ref out = Make(keepdims ? kept : out_shape, dtype, x.has_values);
  if (!out.has_values) return out;
  std::vector<std::vector<double>> groups(out.v.size());
  for (size_t i = 0; i < x.v.size(); ++i) {
    std::vector<int64_t> index = Unravel(static_cast<int64_t>(i), x.shape);
    for (int64_t a : axes) index[a] = 0;
    groups[Ravel(index, kept)].push_back(x.v[i]);
  }
  for (size_t i = 0; i < out.v.size(); ++i) out.v[i] = Round(fold(groups[i]), dtype);
  return out;
}

Expect ReductionRef(const Ref& x, const std::vector<int64_t>& axes, bool keepdims, DType work,
                    DType dtype, const std::function<double(const std::vector<double>&)>& fold,
                    double tolerance) {
  if (!ValidShape(x.shape, work)) return Invalid();
  Ref out = Reduced(x, axes, keepdims, dtype, fold);
  if (!ValidShape(out.shape, dtype)) return Invalid();
  return Result(out, true, tolerance);
}

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}
double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double LogSumExp(const std::vector<double>& v) {
  if (v.empty()) return -INFINITY;
  const double m = Max(v);
  double s = 0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}
DType FloatOf(DType dtype) { return IsFloating(dtype) ? dtype : kDefaultFloat; }
double Tolerance(DType dtype) { return dtype == f64 ? 1e-12 : 1e-5; }

Expect ReshapeRef(const Ref& x, const Shape& shape) {
  Shape out = shape;
  int64_t inferred = -1;
  Int known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1 && inferred < 0) {
      inferred = static_cast<int64_t>(i);
    } else if (out[i] < 0) {
      return Invalid();
    } else {
      known = SatMul(known, out[i]);
    }
  }
  const Int size = Elements(x.shape);
  if (inferred >= 0) {
    if (known == 0 || known > kMax || size % known != 0) return Invalid();
    out[inferred] = static_cast<int64_t>(size / known);
  }
  if (!ValidShape(out, x.dtype) || Elements(out) != size) return Invalid();
  Ref r = Make(out, x.dtype, x.has_values);
  if (r.has_values) r.v = x.v;
  return Result(r, false);
}

Expect TransposeRef(const Ref& x, const std::optional<std::vector<int64_t>>& axes) {
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  std::vector<int64_t> perm;
  if (!axes) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  } else {
    if (static_cast<int64_t>(axes->size()) != rank) return Invalid();
    for (int64_t a : *axes) {
      const std::optional<int64_t> c = Canonical(a, rank);
      if (!c || std::find(perm.begin(), perm.end(), *c) != perm.end()) return Invalid();
      perm.push_back(*c);
    }
  }
  Shape shape;
  for (int64_t p : perm) shape.push_back(x.shape[p]);
  Ref r = Make(shape, x.dtype, x.has_values);
  Compute(r, [&](const std::vector<int64_t>& index) {
    std::vector<int64_t> in(rank);
    for (int64_t i = 0; i < rank; ++i) in[perm[i]] = index[i];
    return x.v[Ravel(in, x.shape)];
  });
  return Result(r, false);
}

Expect BroadcastToRef(const Ref& x, const Shape& shape) {
  if (!ValidShape(shape, x.dtype)) return Invalid();
  const int64_t lead = static_cast<int64_t>(shape.size()) - static_cast<int64_t>(x.shape.size());
  if (lead < 0) return Invalid();
  for (size_t i = 0; i < x.shape.size(); ++i) {
    if (x.shape[i] != 1 && x.shape[i] != shape[lead + i]) return Invalid();
  }
  Ref r = Make(shape, x.dtype, x.has_values);
  Compute(r, [&](const std::vector<int64_t>& index) {
    std::vector<int64_t> in(x.shape.size());
    for (size_t i = 0; i < in.size(); ++i) in[i] = x.shape[i] == 1 ? 0 : index[lead + i];
    return x.v[Ravel(in, x.shape)];
  });
  return Result(r, false);
}

Expect SqueezeRef(const Ref& x, const std::optional<std::vector<int64_t>>& axes) {
  const std::optional<std::vector<int64_t>> listed = ResolveAxes(axes, x.shape.size());
  if (!listed) return Invalid();
  Shape shape;
  for (int64_t a = 0; a < static_cast<int64_t>(x.shape.size()); ++a) {
    const bool named = std::find(listed->begin(), listed->end(), a) != listed->end();
    if (named && x.shape[a] != 1 && axes) return Invalid();
    if (!named || x.shape[a] != 1) shape.push_back(x.shape[a]);
  }
  Ref r = Make(shape, x.dtype, x.has_values);
  if (r.has_values) r.v = x.v;
  return Result(r, false);
}

Expect ExpandDimsRef(const Ref& x, int64_t axis) {
  const std::optional<int64_t> a = Canonical(axis, x.shape.size() + 1);
  if (!a) return Invalid();
  Shape shape = x.shape;
  shape.insert(shape.begin() + *a, 1);
  Ref r = Make(shape, x.dtype, x.has_values);
  if (r.has_values) r.v = x.v;
  return Result(r, false);
}

Expect SliceRef(const Ref& x, const std::vector<int64_t>& start, const std::vector<int64_t>& limit,
                std::vector<int64_t> strides) {
  const size_t rank = x.shape.size();
  if (strides.empty()) strides.assign(start.size(), 1);
  if (start.size() != rank || limit.size() != rank || strides.size() != rank) return Invalid();
  Shape shape;
  for (size_t i = 0; i < rank; ++i) {
    if (start[i] < 0 || start[i] > limit[i] || limit[i] > x.shape[i] || strides[i] < 1) {
      return Invalid();
    }
    shape.push_back(static_cast<int64_t>((Int{limit[i]} - start[i] + strides[i] - 1) / strides[i]));
  }
  Ref r = Make(shape, x.dtype, x.has_values);
  Compute(r, [&](const std::vector<int64_t>& index) {
    std::vector<int64_t> in(rank);
    for (size_t i = 0; i < rank; ++i) in[i] = start[i] + index[i] * strides[i];
    return x.v[Ravel(in, x.shape)];
  });
  return Result(r, false);
}

Expect IndexRef(const Ref& x, int64_t i) {
  if (x.shape.empty() || i < -x.shape[0] || i >= x.shape[0]) return Invalid();
  const int64_t row = i < 0 ? i + x.shape[0] : i;
  Ref r = Make(Shape(x.shape.begin() + 1, x.shape.end()), x.dtype, x.has_values);
  if (r.has_values) {
    const size_t n = r.v.size();
    r.v.assign(x.v.begin() + row * n, x.v.begin() + (row + 1) * n);
  }
  return Result(r, false);
}

Expect ConcatenateRef(const std::vector<Ref>& xs, int64_t axis) {
  if (xs.empty()) return Invalid();
  DType dtype = xs[0].dtype;
  for (const Ref& x : xs) {
    if (x.shape.empty()) return Invalid();
    dtype = PromoteTypes(dtype, x.dtype);
  }
  const int64_t rank = static_cast<int64_t>(xs[0].shape.size());
  const std::optional<int64_t> a = Canonical(axis, rank);
  if (!a) return Invalid();
  Shape shape = xs[0].shape;
  Int total = 0;
  bool values = true;
  for (const Ref& x : xs) {
    if (static_cast<int64_t>(x.shape.size()) != rank) return Invalid();
    for (int64_t i = 0; i < rank; ++i) {
      if (i != *a && x.shape[i] != shape[i]) return Invalid();
    }
    total += x.shape[*a];
    values = values && x.has_values;
  }
  if (total > kMax) return Invalid();
  shape[*a] = static_cast<int64_t>(total);
  if (!ValidShape(shape, dtype)) return Invalid();
  Ref r = Make(shape, dtype, values);
  Compute(r, [&](std::vector<int64_t> index) {
    size_t k = 0;
    while (index[*a] >= xs[k].shape[*a]) index[*a] -= xs[k++].shape[*a];
    return xs[k].v[Ravel(index, xs[k].shape)];
  });
  return Result(r, xs.size() > 1);
}

Expect StackRef(const std::vector<Ref>& xs, int64_t axis) {
  if (xs.empty()) return Invalid();
  for (const Ref& x : xs) {
    if (x.shape != xs[0].shape) return Invalid();
  }
  const std::optional<int64_t> a = Canonical(axis, xs[0].shape.size() + 1);
  if (!a) return Invalid();
  std::vector<Ref> expanded;
  for (const Ref& x : xs) expanded.push_back(ExpandDimsRef(x, *a).ref);
  return ConcatenateRef(expanded, *a);
}

Expect PadRef(const Ref& x, double value, const std::vector<int64_t>& low,
              const std::vector<int64_t>& high, std::vector<int64_t> interior) {
  const size_t rank = x.shape.size();
  if (interior.empty()) interior.assign(low.size(), 0);
  if (low.size() != rank || high.size() != rank || interior.size() != rank) return Invalid();
  Shape shape;
  for (size_t i = 0; i < rank; ++i) {
    const Int d = x.shape[i];
    if (interior[i] < 0) return Invalid();
    const Int dilated = d + (d > 1 ? (d - 1) * interior[i] : 0);
    const Int total = dilated + low[i] + high[i];
    for (Int part : {Int{interior[i]} + 1, dilated, dilated + low[i], dilated + high[i], total}) {
      if (part > kMax || part < kMin) return Invalid();
    }
    if (total < 0) return Invalid();
    shape.push_back(static_cast<int64_t>(total));
  }
  if (!ValidShape(shape, x.dtype)) return Invalid();
  Ref r = Make(shape, x.dtype, x.has_values);
  Compute(r, [&](const std::vector<int64_t>& index) {
    std::vector<int64_t> in(rank);
    for (size_t i = 0; i < rank; ++i) {
      const Int t = Int{index[i]} - low[i], step = Int{interior[i]} + 1;
      if (t < 0 || t % step != 0 || t / step >= x.shape[i]) return value;
      in[i] = static_cast<int64_t>(t / step);
    }
    return x.v[Ravel(in, x.shape)];
  });
  return Result(r, true);
}

// Size checks of the creation functions (core/constants.h): a shape that cannot exist is
// invalid; a valid one is computed when small, and too large when at least kHugeBytes.
Expect Created(const Shape& shape, DType dtype, const std::function<double(int64_t)>& value) {
  if (!ValidShape(shape, dtype)) return Invalid();
  Ref r = Make(shape, dtype, true);
  for (size_t i = 0; i < r.v.size(); ++i) r.v[i] = Round(value(i), dtype);
  return Result(r, true);
}

bool Representable(double v, DType dtype) {
  return dtype != i32 || (v >= -2147483648.0 && v <= 2147483647.0 && v == std::trunc(v));
}

Expect SequenceRef(int64_t n, DType dtype, const std::function<double(int64_t)>& value) {
  if (n > 0) {
    for (int64_t i : {int64_t{0}, std::min<int64_t>(1, n - 1), n - 1}) {
      if (!Representable(value(i), dtype)) return Invalid();
    }
  }
  return Created({n}, dtype, value);
}

}  // namespace cotangent::fuzz
