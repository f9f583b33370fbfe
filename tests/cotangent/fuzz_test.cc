// File: tests/cotangent/fuzz_test.cc
// A randomized test of the public creation, movement and reduction functions, in the spirit of
// proptest and hypothesis: random ranks and dtypes, sizes (0, small, near and past the int64
// limit, negative), axes (valid, out of range, negative, repeated), strides, paddings and
// indices. Every call must give what a simple reference (fuzz_reference.h) says: a result of
// the same shape and dtype (and, when small, the same values), or a cotangent::Error with the
// expected code (InvalidArgument for a bad argument, ResourceExhausted for a valid size no
// machine holds). Never a crash, another exception type or a wrong shape.
//
// Large operands are broadcast views (no memory), and functions of them are traced with
// make_jaxpr (shapes only, no data), so that the run stays within seconds. Valid sizes that
// would allocate are either small or at least kHugeBytes, which no machine has.
//
// Deterministic: case k uses seed COTANGENT_FUZZ_SEED + k, and every failure, a crash too,
// prints that seed and the call. COTANGENT_FUZZ_CASES and COTANGENT_FUZZ_SECONDS bound the
// run. Rerun one case: bazel test --test_env=COTANGENT_FUZZ_SEED=<seed>
// --test_env=COTANGENT_FUZZ_CASES=1 //tests/cotangent:fuzz_test

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cotangent/cotangent.h"
#include "gtest/gtest.h"
#include "tests/cotangent/fuzz_reference.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
// UBSan's default is to _exit after a report, which no handler sees; abort instead, so that
// the SIGABRT handler names the case. UBSAN_OPTIONS from the environment still applies on top.
extern "C" const char* __ubsan_default_options() { return "abort_on_error=1"; }
#endif

namespace cotangent::fuzz {
namespace {

// ---- crash report: the case being run, printed by a fatal signal or sanitizer report ----

char current_case[2048];

void PrintCurrentCase() {
  const char prefix[] = "\nfuzz_test: crashed in ";
  (void)!write(2, prefix, sizeof(prefix) - 1);
  (void)!write(2, current_case, strnlen(current_case, sizeof(current_case)));
  (void)!write(2, "\n", 1);
}

void OnFatalSignal(int sig) {
  PrintCurrentCase();
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallCrashReport() {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reports SIGSEGV itself and then calls this back; UBSan (a runtime of its
  // own under GCC) aborts after its report (__ubsan_default_options below): SIGABRT.
  __sanitizer_set_death_callback(PrintCurrentCase);
  for (int sig : {SIGABRT, SIGFPE, SIGILL}) signal(sig, OnFatalSignal);
#else
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) signal(sig, OnFatalSignal);
#endif
}

// ---- the comparison ----

const char* WantName(Want want) {
  switch (want) {
    case Want::kResult: return "a result";
    case Want::kInvalid: return "InvalidArgument";
    case Want::kTooLarge: return "ResourceExhausted";
  }
  return "?";
}

bool Close(double got, double want, double tolerance) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want) || tolerance == 0) return got == want;
  return std::fabs(got - want) <= tolerance * std::max(1.0, std::fabs(want));
}

struct Stats {
  int64_t cases = 0, results = 0, compared = 0, errors = 0, skipped = 0;
};
Stats stats;

// Runs `call` (which returns the result, or its aval when traced) and compares.
void Check(Expect expect, const std::function<std::pair<ShapedArray, Tensor>()>& call,
           bool traced) {
  if (expect.want == Want::kResult && expect.allocates && !traced) {
    const Int bytes = Elements(expect.ref.shape) * DTypeSize(expect.ref.dtype);
    if (bytes >= kHugeBytes) {
      expect.want = Want::kTooLarge;
    } else if (bytes > kSmallElements * 8) {
      ++stats.skipped;  // would really allocate gigabytes: not a unit test's business
      return;
    }
  }
  std::pair<ShapedArray, Tensor> got;
  try {
    got = call();
  } catch (const Error& e) {
    ++stats.errors;
    const absl::StatusCode want = expect.want == Want::kTooLarge
                                      ? absl::StatusCode::kResourceExhausted
                                      : absl::StatusCode::kInvalidArgument;
    if (expect.want == Want::kResult || e.code() != want) {
      ADD_FAILURE() << current_case << "\n  expected " << WantName(expect.want)
                    << (expect.want == Want::kResult
                            ? absl::StrCat(" ", DTypeName(expect.ref.dtype),
                                           ShapeToString(expect.ref.shape))
                            : "")
                    << ", got Error(" << absl::StatusCodeToString(e.code()) << "): " << e.what();
    }
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << current_case << "\n  threw " << typeid(e).name() << ": " << e.what();
    return;
  }
  ++stats.results;
  const ShapedArray& aval = got.first;
  if (expect.want != Want::kResult) {
    ADD_FAILURE() << current_case << "\n  expected " << WantName(expect.want) << ", got "
                  << aval.ToString();
    return;
  }
  const ShapedArray want_aval{expect.ref.shape, expect.ref.dtype};
  if (aval != want_aval) {
    ADD_FAILURE() << current_case << "\n  expected " << want_aval.ToString() << ", got "
                  << aval.ToString();
    return;
  }
  if (!expect.ref.has_values || traced) return;
  const Tensor& y = got.second;
  if (y.aval() != want_aval || y.size() != static_cast<int64_t>(expect.ref.v.size())) {
    ADD_FAILURE() << current_case << "\n  tensor " << y.aval().ToString() << " vs "
                  << want_aval.ToString();
    return;
  }
  ++stats.compared;
  const std::vector<double> values = y.to_vector<double>();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!Close(values[i], expect.ref.v[i], expect.tolerance)) {
      ADD_FAILURE() << current_case << "\n  element " << i << " is " << values[i]
                    << ", expected " << expect.ref.v[i] << "\n  got      ["
                    << absl::StrJoin(values, ", ") << "]\n  expected ["
                    << absl::StrJoin(expect.ref.v, ", ") << "]";
      return;
    }
  }
}

// ---- random arguments ----

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <typename T>
  T Pick(std::initializer_list<T> items) {
    return items.begin()[Int(0, static_cast<int64_t>(items.size()) - 1)];
  }
  DType Type() { return Pick<DType>({bool_, i32, f32, f64}); }

  // A size: mostly 0..4, sometimes huge (near or past int64's limit) or negative.
  int64_t Dim() {
    if (Chance(0.85)) return Int(0, 4);
    return Pick<int64_t>({-1, -3, kMin, int64_t{1} << 31, int64_t{1} << 32, int64_t{1} << 40,
                          int64_t{1} << 46, int64_t{1} << 62, kMax - 1, kMax});
  }
  Shape Dims(int64_t rank) {
    Shape s;
    for (int64_t i = 0; i < rank; ++i) s.push_back(Dim());
    return s;
  }
  // An axis for rank: usually valid (either sign), sometimes just out of range or wild.
  int64_t Axis(int64_t rank) {
    if (rank > 0 && Chance(0.85)) return Int(-rank, rank - 1);
    return Pick<int64_t>({rank, -rank - 1, 5, -7, kMax, kMin});
  }
  // Offsets of slices and paddings: small either side of [0, n], or far out.
  int64_t Offset(int64_t n) {
    if (Chance(0.85)) return Int(-2, n + 2);
    return Pick<int64_t>({kMin, kMin + 1, -(int64_t{1} << 62), int64_t{1} << 62, kMax - 1, kMax});
  }
  // Edge padding: small either sign, or far out.
  int64_t Padding() {
    if (Chance(0.85)) return Int(-2, 2);
    return Pick<int64_t>({kMin, kMin + 1, -(int64_t{1} << 62), int64_t{1} << 62, kMax - 1, kMax});
  }
  // Values exact in every dtype.
  double Value(DType dtype) {
    return dtype == bool_ ? static_cast<double>(Int(0, 1)) : static_cast<double>(Int(-3, 3));
  }
  // A small shape: rank 0..3, sizes 0..4.
  Shape SmallShape() {
    Shape s;
    for (int64_t i = Int(0, 3); i > 0; --i) s.push_back(Int(0, 4));
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

std::string Str(const std::vector<int64_t>& v) { return ShapeToString(v); }

// ---- operands ----

struct Operand {
  Tensor x;
  Ref ref;
  bool huge = false;  // a broadcast view too large to compute with: functions are traced
  std::string name;
};

// A small concrete tensor with random values: dense, a transposed view or a broadcast view.
Operand SmallOperand(Gen& g, const Shape& shape, DType dtype) {
  Ref r = Make(shape, dtype, true);
  for (double& v : r.v) v = g.Value(dtype);
  std::vector<double> values = r.v;
  const int kind = static_cast<int>(g.Int(0, 2));
  Tensor x;
  std::string how = "dense";
  if (kind == 1 && shape.size() >= 2) {
    // transpose of the reversed-axes array holding the same elements
    Shape reversed(shape.rbegin(), shape.rend());
    std::vector<double> t(values.size());
    for (size_t i = 0; i < t.size(); ++i) {
      std::vector<int64_t> index = Unravel(static_cast<int64_t>(i), reversed);
      std::reverse(index.begin(), index.end());
      t[i] = values[Ravel(index, shape)];
    }
    x = transpose(tensor(t, reversed, dtype));
    how = "transposed view";
  } else if (kind == 2 && !shape.empty() && !r.v.empty()) {
    // every row equal: a broadcast of the first row
    const Shape row(shape.begin() + 1, shape.end());
    const int64_t n = static_cast<int64_t>(Elements(row));
    for (size_t i = 0; i < r.v.size(); ++i) r.v[i] = r.v[i % n];
    x = broadcast_to(tensor(std::vector<double>(r.v.begin(), r.v.begin() + n), row, dtype),
                     shape);
    how = "broadcast view";
  } else {
    x = tensor(values, shape, dtype);
  }
  return {x, r, false, absl::StrCat(DTypeName(dtype), Str(shape), " ", how)};
}

// A broadcast view of at least kHugeBytes (valid: its bytes fit in int64).
Operand HugeOperand(Gen& g) {
  const DType dtype = g.Type();
  for (;;) {
    Shape shape;
    for (int64_t i = g.Int(1, 4); i > 0; --i) {
      shape.push_back(g.Pick<int64_t>({1, 2, 3, int64_t{1} << 20, int64_t{1} << 24,
                                       int64_t{1} << 31, int64_t{1} << 40}));
    }
    const Int bytes = Elements(shape) * DTypeSize(dtype);
    if (!ValidShape(shape, dtype) || bytes < kHugeBytes) continue;
    const Tensor x = broadcast_to(ones(Shape(shape.size(), 1), dtype), shape);
    return {x, Make(shape, dtype, false), true,
            absl::StrCat(DTypeName(dtype), Str(shape), " broadcast view")};
  }
}

// ---- the cases ----

using Fn = std::function<Tensor(const Tensor&)>;

// Applies f to the operand: directly when small, traced when huge.
void CheckOn(const Operand& x, const Expect& expect, const Fn& f) {
  Check(
      expect,
      [&]() -> std::pair<ShapedArray, Tensor> {
        if (!x.huge) {
          Tensor y = f(x.x);
          return {y.aval(), y};
        }
        ShapedArray aval;
        make_jaxpr([&](const Tensor& t) {
          Tensor y = f(t);
          aval = y.aval();
          return y;
        })(x.x);
        return {aval, Tensor()};
      },
      x.huge);
}

// Checks a call that makes a concrete tensor (creation).
void CheckMade(const Expect& expect, const std::function<Tensor()>& make) {
  Check(
      expect,
      [&]() -> std::pair<ShapedArray, Tensor> {
        const Tensor y = make();
        return {y.aval(), y};
      },
      false);
}

void SetCase(uint64_t seed, const std::string& what) {
  const std::string text = absl::StrCat("seed ", seed, ": ", what);
  std::snprintf(current_case, sizeof(current_case), "%s", text.c_str());
}

void CreationCase(Gen& g, uint64_t seed) {
  const DType dtype = g.Type();
  const std::string t = DTypeName(dtype);
  switch (g.Int(0, 6)) {
    case 0: {
      const Shape shape = g.Dims(g.Int(0, 3));
      const double value = g.Pick<double>({0, 1, -2, 2.5, NAN, 1e10});
      const int which = static_cast<int>(g.Int(0, 2));
      const char* name = which == 0 ? "zeros" : which == 1 ? "ones" : "full";
      const double v = which == 0 ? 0 : which == 1 ? 1 : value;
      SetCase(seed, absl::StrCat(name, "(", Str(shape), ", ", v, ", ", t, ")"));
      const Expect want = Representable(v, dtype)
                              ? Created(shape, dtype, [&](int64_t) { return v; })
                              : Invalid();
      CheckMade(want, [&] {
        return which == 0 ? zeros(shape, dtype) : which == 1 ? ones(shape, dtype)
                                                             : full(shape, v, dtype);
      });
      return;
    }
    case 1: {
      const int64_t n = g.Chance(0.8) ? g.Int(-1, 6) : g.Dim();
      SetCase(seed, absl::StrCat("arange(", n, ", ", t, ")"));
      const auto value = [](int64_t i) { return static_cast<double>(i); };
      const Expect want = n < 0 ? Invalid() : SequenceRef(n, dtype, value);
      CheckMade(want, [&] { return arange(n, dtype); });
      return;
    }
    case 2: {
      const double start = g.Pick<double>({0, -3, 1.5, 2, -1e300, 1e18});
      const double stop = g.Pick<double>({0, 4, -2, 3.5, 1e300, 1e19});
      const double step = g.Pick<double>({1, 1, -1, 0.5, 2, 0, 1e-300, INFINITY});
      SetCase(seed, absl::StrCat("arange(", start, ", ", stop, ", ", step, ", ", t, ")"));
      Expect want = Invalid();
      if (step != 0 && std::isfinite(step)) {
        const double count = std::ceil((stop - start) / step);
        if (count < 0x1p63) {
          want = SequenceRef(count > 0 ? static_cast<int64_t>(count) : 0, dtype,
                             [&](int64_t i) { return start + static_cast<double>(i) * step; });
        }
      }
      CheckMade(want, [&] { return arange(start, stop, step, dtype); });
      return;
    }
    case 3: {
      const double start = g.Pick<double>({0, -1, 2, -1e308});
      const double stop = g.Pick<double>({1, 4, -2, 1e308});
      const int64_t num = g.Chance(0.8) ? g.Int(-1, 6) : g.Dim();
      SetCase(seed, absl::StrCat("linspace(", start, ", ", stop, ", ", num, ", ", t, ")"));
      Expect want = Invalid();
      if (num >= 0) {
        const double intervals = static_cast<double>(std::max<int64_t>(num - 1, 1));
        double step = (stop - start) / intervals;
        if (std::isinf(step)) step = stop / intervals - start / intervals;
        want = SequenceRef(num, dtype, [&](int64_t i) {
          return i == num - 1 && num > 1 ? stop : start + static_cast<double>(i) * step;
        });
      }
      CheckMade(want, [&] { return linspace(start, stop, num, dtype); });
      return;
    }
    case 4: {
      const int64_t n = g.Chance(0.8) ? g.Int(-1, 5) : g.Dim();
      const int64_t m = g.Chance(0.8) ? g.Int(-1, 5) : g.Dim();
      SetCase(seed, absl::StrCat("eye(", n, ", ", m, ", ", t, ")"));
      const Expect want =
          n < 0 || m < 0 ? Invalid()
                         : Created({n, m}, dtype, [&](int64_t i) { return i / m == i % m; });
      CheckMade(want, [&] { return eye(n, m, dtype); });
      return;
    }
    default: {
      const Shape shape = g.Dims(g.Int(0, 3));
      const size_t count = static_cast<size_t>(g.Int(0, 6));
      std::vector<double> values;
      for (size_t i = 0; i < count; ++i) values.push_back(g.Value(dtype));
      SetCase(seed, absl::StrCat("tensor(", count, " values, ", Str(shape), ", ", t, ")"));
      Expect want = Invalid();
      if (ValidShape(shape, dtype) && Elements(shape) == static_cast<Int>(count)) {
        want = Created(shape, dtype, [&](int64_t i) { return values[i]; });
      }
      CheckMade(want, [&] { return tensor(values, shape, dtype); });
      return;
    }
  }
}

// Another operand for concatenate or stack: x's shape with the axis resized, or anything.
Operand Partner(Gen& g, const Operand& x, int64_t axis) {
  if (x.huge) return x;
  Shape shape = x.ref.shape;
  if (g.Chance(0.2) || shape.empty()) {
    shape = g.SmallShape();
  } else if (const std::optional<int64_t> a = Canonical(axis, shape.size()); a && g.Chance(0.7)) {
    shape[*a] = g.Int(0, 3);
  }
  return SmallOperand(g, shape, g.Chance(0.7) ? x.ref.dtype : g.Type());
}

std::optional<std::vector<int64_t>> RandomAxes(Gen& g, int64_t rank) {
  if (g.Chance(0.3)) return std::nullopt;
  std::vector<int64_t> axes;
  for (int64_t i = g.Int(0, 3); i > 0; --i) axes.push_back(g.Axis(rank));
  return axes;
}

Axes AsAxes(const std::optional<std::vector<int64_t>>& axes) {
  return axes ? Axes(*axes) : Axes();
}

std::string AxesStr(const std::optional<std::vector<int64_t>>& axes) {
  return axes ? Str(*axes) : "all";
}

void OperandCase(Gen& g, uint64_t seed, const Operand& x) {
  const Ref& r = x.ref;
  const int64_t rank = static_cast<int64_t>(r.shape.size());
  const std::string on = x.name;
  switch (g.Int(0, 17)) {
    case 0: {
      Shape shape = g.Dims(g.Int(0, 4));
      if (g.Chance(0.5)) shape = {static_cast<int64_t>(std::min<Int>(Elements(r.shape), kMax))};
      if (!shape.empty() && g.Chance(0.5)) shape[g.Int(0, shape.size() - 1)] = -1;
      if (g.Chance(0.1)) shape.push_back(g.Pick<int64_t>({-1, -2}));
      SetCase(seed, absl::StrCat("reshape(", on, ", ", Str(shape), ")"));
      return CheckOn(x, ReshapeRef(r, shape), [&](const Tensor& t) { return reshape(t, shape); });
    }
    case 1: {
      std::optional<std::vector<int64_t>> axes;
      if (g.Chance(0.7)) {
        axes.emplace();
        std::vector<int64_t> perm(rank);
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), std::mt19937_64(seed));
        for (int64_t p : perm) axes->push_back(g.Chance(0.5) ? p : p - rank);
        if (g.Chance(0.2)) axes->push_back(g.Axis(rank));
        if (!axes->empty() && g.Chance(0.1)) (*axes)[0] = g.Axis(rank);
      }
      SetCase(seed, absl::StrCat("transpose(", on, ", ", AxesStr(axes), ")"));
      return CheckOn(x, TransposeRef(r, axes), [&](const Tensor& t) {
        return axes ? transpose(t, *axes) : transpose(t);
      });
    }
    case 2: {
      Shape shape = g.Dims(g.Int(0, 2));
      for (int64_t d : r.shape) shape.push_back(d == 1 && g.Chance(0.5) ? g.Dim() : d);
      if (!shape.empty() && g.Chance(0.15)) shape[g.Int(0, shape.size() - 1)] = g.Dim();
      SetCase(seed, absl::StrCat("broadcast_to(", on, ", ", Str(shape), ")"));
      return CheckOn(x, BroadcastToRef(r, shape),
                     [&](const Tensor& t) { return broadcast_to(t, shape); });
    }
    case 3: {
      const std::optional<std::vector<int64_t>> axes = RandomAxes(g, rank);
      SetCase(seed, absl::StrCat("squeeze(", on, ", ", AxesStr(axes), ")"));
      return CheckOn(x, SqueezeRef(r, axes),
                     [&](const Tensor& t) { return squeeze(t, AsAxes(axes)); });
    }
    case 4: {
      const int64_t axis = g.Axis(rank + 1);
      SetCase(seed, absl::StrCat("expand_dims(", on, ", ", axis, ")"));
      return CheckOn(x, ExpandDimsRef(r, axis),
                     [&](const Tensor& t) { return expand_dims(t, axis); });
    }
    case 5: {
      std::vector<int64_t> start, limit, strides;
      for (int64_t d : r.shape) {
        start.push_back(g.Offset(std::min<int64_t>(d, 4)));
        limit.push_back(g.Chance(0.3) ? d : g.Offset(std::min<int64_t>(d, 4)));
      }
      if (g.Chance(0.7)) {
        for (int64_t i = 0; i < rank; ++i) {
          strides.push_back(g.Pick<int64_t>({1, 1, 2, 3, kMax, kMax - 1, 0, -1}));
        }
      }
      if (g.Chance(0.05)) start.push_back(0);
      SetCase(seed, absl::StrCat("slice(", on, ", ", Str(start), ", ", Str(limit), ", ",
                                 Str(strides), ")"));
      return CheckOn(x, SliceRef(r, start, limit, strides),
                     [&](const Tensor& t) { return slice(t, start, limit, strides); });
    }
    case 6: {
      const int64_t n = rank > 0 ? std::min<int64_t>(r.shape[0], 4) : 1;
      const int64_t i = g.Chance(0.9) ? g.Int(-n - 1, n) : g.Pick<int64_t>({kMax, kMin});
      SetCase(seed, absl::StrCat(on, "[", i, "]"));
      return CheckOn(x, IndexRef(r, i), [&](const Tensor& t) { return t[i]; });
    }
    case 7:
    case 8: {
      const bool stacking = g.Chance(0.5);
      const int64_t axis = g.Axis(rank + (stacking ? 1 : 0));
      std::vector<Operand> ops = {x};
      for (int64_t k = g.Int(0, 2); k > 0; --k) ops.push_back(Partner(g, x, axis));
      std::vector<Ref> refs;
      std::string names;
      for (const Operand& o : ops) {
        refs.push_back(o.ref);
        absl::StrAppend(&names, names.empty() ? "" : ", ", o.name);
      }
      SetCase(seed, absl::StrCat(stacking ? "stack" : "concatenate", "({", names, "}, ", axis,
                                 ")"));
      const Expect want = stacking ? StackRef(refs, axis) : ConcatenateRef(refs, axis);
      return CheckOn(x, want, [&](const Tensor& t) {
        std::vector<Tensor> ts = {t};
        for (size_t k = 1; k < ops.size(); ++k) ts.push_back(ops[k].huge ? t : ops[k].x);
        return stacking ? stack(ts, axis) : concatenate(ts, axis);
      });
    }
    case 9: {
      std::vector<int64_t> low, high, interior;
      for (int64_t i = 0; i < rank; ++i) {
        low.push_back(g.Padding());
        high.push_back(g.Padding());
        interior.push_back(g.Pick<int64_t>({0, 0, 1, 2, -1, kMax - 1, kMax}));
      }
      if (g.Chance(0.2)) interior.clear();
      if (g.Chance(0.05)) low.push_back(0);
      const double value = g.Pick<double>({0, 1, -2.5, 7, NAN});
      SetCase(seed, absl::StrCat("pad(", on, ", ", value, ", ", Str(low), ", ", Str(high),
                                 ", ", Str(interior), ")"));
      return CheckOn(x, PadRef(r, value, low, high, interior), [&](const Tensor& t) {
        return lax::pad(t, value, low, high, interior);
      });
    }
    case 10:
    case 11:
    case 12:
    case 13:
    case 14: {
      static const char* const kNames[] = {"sum", "mean", "max", "min", "logsumexp"};
      const int which = static_cast<int>(g.Int(0, 4));
      const std::optional<std::vector<int64_t>> axes = RandomAxes(g, rank);
      const bool keepdims = g.Chance(0.3);
      SetCase(seed, absl::StrCat(kNames[which], "(", on, ", ", AxesStr(axes), ", keepdims=",
                                 keepdims, ")"));
      Expect want = Invalid();
      if (const std::optional<std::vector<int64_t>> resolved = ResolveAxes(axes, rank)) {
        bool empty = false;
        for (int64_t a : *resolved) empty = empty || r.shape[a] == 0;
        const DType floating = FloatOf(r.dtype), summed = r.dtype == bool_ ? i32 : r.dtype;
        const auto mean_of = [](const std::vector<double>& v) {
          return v.empty() ? NAN : Sum(v) / static_cast<double>(v.size());
        };
        switch (which) {
          case 0:
            want = ReductionRef(r, *resolved, keepdims, summed, summed, Sum);
            break;
          case 1:
            want = ReductionRef(r, *resolved, keepdims, floating, floating, mean_of,
                                Tolerance(floating));
            break;
          case 2:
          case 3:
            if (!empty) {
              want = ReductionRef(r, *resolved, keepdims, r.dtype, r.dtype,
                                  which == 2 ? Max : Min);
            }
            break;
          default:
            want = ReductionRef(r, *resolved, keepdims, floating, floating, LogSumExp,
                                Tolerance(floating));
        }
      }
      return CheckOn(x, want, [&](const Tensor& t) {
        const Axes a = AsAxes(axes);
        switch (which) {
          case 0: return sum(t, a, keepdims);
          case 1: return mean(t, a, keepdims);
          case 2: return max(t, a, keepdims);
          case 3: return min(t, a, keepdims);
          default: return logsumexp(t, a, keepdims);
        }
      });
    }
    case 15: {
      const int64_t axis = g.Axis(rank);
      SetCase(seed, absl::StrCat("argmax(", on, ", ", axis, ")"));
      Expect want = Invalid();
      if (const std::optional<int64_t> a = Canonical(axis, rank); a && r.shape[*a] > 0) {
        want = ReductionRef(r, {*a}, false, r.dtype, i32, [](const std::vector<double>& v) {
          return static_cast<double>(std::max_element(v.begin(), v.end()) - v.begin());
        });
      }
      return CheckOn(x, want, [&](const Tensor& t) { return argmax(t, axis); });
    }
    case 16: {
      const int64_t axis = g.Axis(rank);
      const bool log = g.Chance(0.5);
      SetCase(seed, absl::StrCat(log ? "log_softmax(" : "softmax(", on, ", ", axis, ")"));
      Expect want = Invalid();
      if (const std::optional<int64_t> a = Canonical(axis, rank);
          a && ValidShape(r.shape, FloatOf(r.dtype))) {
        const DType dtype = FloatOf(r.dtype);
        const Ref lse = Reduced(r, {*a}, true, f64, LogSumExp);
        Ref out = Make(r.shape, dtype, r.has_values);
        Compute(out, [&](std::vector<int64_t> index) {
          const double v = r.v[Ravel(index, r.shape)];
          index[*a] = 0;
          const double l = lse.v[Ravel(index, lse.shape)];
          return log ? v - l : std::exp(v - l);
        });
        want = Result(out, true, Tolerance(dtype));
      }
      return CheckOn(x, want, [&](const Tensor& t) {
        return log ? log_softmax(t, axis) : softmax(t, axis);
      });
    }
    default: {
      // Printing: never throws and, for a summary, reads only the elements shown.
      SetCase(seed, absl::StrCat("operator<<(", on, ")"));
      try {
        std::ostringstream os;
        os << x.x;
        if (os.str().empty()) ADD_FAILURE() << current_case << "\n  printed nothing";
      } catch (const std::exception& e) {
        ADD_FAILURE() << current_case << "\n  threw " << typeid(e).name() << ": " << e.what();
      }
      return;
    }
  }
}

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoll(value, nullptr, 10) : fallback;
}

TEST(FuzzTest, CreationMovementAndReductionsGiveResultsOrErrors) {
  InstallCrashReport();
  const uint64_t first_seed = static_cast<uint64_t>(EnvInt("COTANGENT_FUZZ_SEED", 20240611));
  // About 0.6 s plain and 6 s under ASan + UBSan here; the time budget caps a loaded machine.
  const int64_t cases = EnvInt("COTANGENT_FUZZ_CASES", 40000);
  const auto budget = std::chrono::seconds(EnvInt("COTANGENT_FUZZ_SECONDS", 8));
  const auto start = std::chrono::steady_clock::now();
  for (int64_t k = 0; k < cases && std::chrono::steady_clock::now() - start < budget; ++k) {
    const uint64_t seed = first_seed + static_cast<uint64_t>(k);
    Gen g(seed);
    ++stats.cases;
    const int64_t family = g.Int(0, 9);
    if (family < 3) {
      CreationCase(g, seed);
    } else {
      SetCase(seed, "making the operand");
      const Operand x = family < 8 ? SmallOperand(g, g.SmallShape(), g.Type()) : HugeOperand(g);
      OperandCase(g, seed, x);
    }
  }
  std::cout << "fuzz_test: " << stats.cases << " cases from seed " << first_seed << ": "
            << stats.results << " results (" << stats.compared << " compared by value), "
            << stats.errors << " errors, " << stats.skipped
            << " skipped (sizes between small and impossible)\n";
  EXPECT_GT(stats.cases, 100) << "too few cases ran";
}

}  // namespace
}  // namespace cotangent::fuzz
