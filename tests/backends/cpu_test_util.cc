// File: tests/backends/cpu_test_util.cc
// Layouts as strides, host <-> buffer conversion and the comparison used by the CPU kernel
// tests.

#include "tests/backends/cpu_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "backends/cpu/cpu_backend.h"
#include "core/error.h"
#include "gtest/gtest.h"

namespace cotangent::cpu_test {
namespace {

void StoreElement(double x, DType dtype, char* dst) {
  VisitDType(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = ConvertValue<T, decltype(tag)::dtype>(Quantize(x, dtype));
    std::memcpy(dst, &v, sizeof(T));
  });
}

double LoadElement(const char* src, DType dtype) {
  return VisitDType(dtype, [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    T v;
    std::memcpy(&v, src, sizeof(T));
    return ConvertValue<double, DType::kF64>(v);
  });
}

// Physical element strides of a layout and the buffer size (in elements) it needs.
Strides LayoutStrides(const Shape& shape, Layout layout, int64_t& offset, int64_t& buffer_size) {
  const int64_t rank = shape.size();
  Strides strides(rank);
  offset = 0;
  buffer_size = NumElements(shape);
  switch (layout) {
    case Layout::kDense:
      return ContiguousStrides(shape);
    case Layout::kReversed: {
      int64_t s = 1;
      for (int64_t d = 0; d < rank; ++d) {
        strides[d] = s;
        s *= shape[d];
      }
      return strides;
    }
    case Layout::kSpread: {
      Shape physical(rank);
      for (int64_t d = 0; d < rank; ++d) physical[d] = 2 * shape[d] + 1;
      const Strides dense = ContiguousStrides(physical);
      for (int64_t d = 0; d < rank; ++d) {
        strides[d] = 2 * dense[d];
        offset += dense[d];
      }
      buffer_size = NumElements(physical);
      return strides;
    }
    case Layout::kOffset:
      offset = 3;
      buffer_size += offset;
      return ContiguousStrides(shape);
    case Layout::kBroadcast0:
    case Layout::kBroadcastLast:
    case Layout::kBroadcastAll: {
      Shape stored = shape;
      for (int64_t axis : BroadcastAxes(shape, layout)) stored[axis] = 1;
      strides = ContiguousStrides(stored);
      for (int64_t axis : BroadcastAxes(shape, layout)) strides[axis] = 0;
      buffer_size = NumElements(stored);
      return strides;
    }
  }
  return strides;
}

}  // namespace

Host Vec(std::vector<double> v) {
  const int64_t n = v.size();
  return Host{{n}, std::move(v)};
}

double Wrap(int64_t x) { return static_cast<int32_t>(static_cast<uint32_t>(x)); }

void ForEachIndex(const Shape& shape, const std::function<void(const Shape&, int64_t)>& fn) {
  const int64_t n = NumElements(shape);
  Shape index(shape.size(), 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    fn(index, flat);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

int64_t Flat(const Shape& shape, const Shape& index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}

double Quantize(double x, DType dtype) {
  if (dtype == DType::kBool) return x != 0 ? 1 : 0;
  return VisitDType(dtype, [&](auto tag) -> double {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      // Integers wrap modulo 2^bits (the values tests use fit in an int64_t).
      return static_cast<double>(
          static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<int64_t>(x))));
    } else {
      return ConvertValue<double, DType::kF64>(ConvertValue<T, decltype(tag)::dtype>(x));
    }
  });
}

std::vector<int64_t> BroadcastAxes(const Shape& shape, Layout layout) {
  const int64_t rank = shape.size();
  if (rank == 0) return {};
  if (layout == Layout::kBroadcast0) return {0};
  if (layout == Layout::kBroadcastLast) return {rank - 1};
  std::vector<int64_t> all;
  if (layout == Layout::kBroadcastAll) {
    for (int64_t d = 0; d < rank; ++d) all.push_back(d);
  }
  return all;
}

std::string LayoutName(Layout layout) {
  switch (layout) {
    case Layout::kDense:
      return "dense";
    case Layout::kReversed:
      return "reversed";
    case Layout::kSpread:
      return "spread";
    case Layout::kBroadcast0:
      return "broadcast0";
    case Layout::kBroadcastLast:
      return "broadcast_last";
    case Layout::kBroadcastAll:
      return "broadcast_all";
    case Layout::kOffset:
      return "offset";
  }
  return "?";
}

Backend& Cpu() { return CpuBackend::Get(); }

Array Place(const Host& h, DType dtype, Layout layout) {
  int64_t offset = 0, buffer_size = 0;
  const Strides strides = LayoutStrides(h.shape, layout, offset, buffer_size);
  const int64_t size = DTypeSize(dtype);
  std::vector<char> bytes(buffer_size * size);
  for (int64_t i = 0; i < buffer_size; ++i) StoreElement(77, dtype, &bytes[i * size]);
  ForEachIndex(h.shape, [&](const Shape& index, int64_t flat) {
    int64_t at = offset;
    for (size_t d = 0; d < index.size(); ++d) at += index[d] * strides[d];
    StoreElement(h.v[flat], dtype, &bytes[at * size]);
  });
  std::shared_ptr<Buffer> buffer = ValueOrThrow(Cpu().Allocate(bytes.size()));
  ThrowIfError(Cpu().Upload(bytes.data(), bytes.size(), *buffer));
  return Array{buffer, ShapedArray{h.shape, dtype}, strides, offset};
}

Host Fetch(const Array& a) {
  const int64_t size = DTypeSize(a.aval.dtype);
  std::vector<char> bytes(a.aval.size() * size);
  ThrowIfError(Cpu().Download(a, bytes.data()));
  Host h{a.aval.shape, std::vector<double>(a.aval.size())};
  for (int64_t i = 0; i < a.aval.size(); ++i) h.v[i] = LoadElement(&bytes[i * size], a.aval.dtype);
  return h;
}

Host Exec(Primitive prim, const std::vector<Array>& in, const Params& params,
          const ShapedArray& out_aval) {
  absl::StatusOr<Array> out = Cpu().Execute1(prim, in, params, out_aval);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return Host{};
  EXPECT_EQ(out->aval, out_aval);
  EXPECT_TRUE(out->IsContiguous());
  return Fetch(*out);
}

void ExpectMatches(const Host& actual, const Host& expected, DType dtype, const std::string& what,
                   double tolerance) {
  ASSERT_EQ(actual.shape, expected.shape) << what;
  const double tol = tolerance >= 0         ? tolerance
                     : dtype == DType::kF32 ? 2e-6
                     : dtype == DType::kF64 ? 1e-13
                                            : 0;
  int failures = 0;
  for (size_t i = 0; i < expected.v.size() && failures < 5; ++i) {
    const double a = actual.v[i], e = Quantize(expected.v[i], dtype);
    if (std::isnan(a) && std::isnan(e)) continue;
    if (a == e) continue;
    if (std::abs(a - e) <= tol * std::max(1.0, std::abs(e))) continue;
    ADD_FAILURE() << what << ": element " << i << " is " << a << ", expected " << e;
    ++failures;
  }
}

Host Random(const Shape& shape, DType dtype, uint32_t seed, Layout layout) {
  std::mt19937 rng(seed);
  const std::vector<int64_t> axes = BroadcastAxes(shape, layout);
  Shape gen_shape = shape;
  for (int64_t axis : axes) gen_shape[axis] = 1;
  Host g{gen_shape, std::vector<double>(NumElements(gen_shape))};
  std::uniform_real_distribution<double> real(-3, 3);
  std::uniform_int_distribution<int> integer(-20, 20);
  std::vector<double> specials;
  switch (dtype) {
    case DType::kBool:
      for (double& x : g.v) x = rng() % 2;
      break;
    case DType::kI32:
      for (double& x : g.v) x = integer(rng);
      specials = {kIntMin, kIntMax, 0, -1, 1, kIntMin, -1};
      break;
    case DType::kI64:
      for (double& x : g.v) x = integer(rng);
      specials = {kIntMin, kIntMax, 0, -1, 1, kIntMin, -1};  // no wrap: exact in doubles
      break;
    case DType::kU8:
    case DType::kU32:
      for (double& x : g.v) x = Quantize(integer(rng), dtype);
      specials = {0, Quantize(-1, dtype), 1, Quantize(-2, dtype), 128};
      break;
    case DType::kC64:     // no kernel computes on complex (core/complex_eval.h)
    case DType::kC128:
    case DType::kFloat0:  // no values: no primitive takes it
    case DType::kF16:
    case DType::kBF16:
    case DType::kF32:
    case DType::kF64:
      for (double& x : g.v) x = Quantize(real(rng), dtype);
      specials = {kNaN, kInf, -kInf, 0.0, -0.0};
      break;
  }
  for (size_t i = 0; i < specials.size() && i * 7 < g.v.size(); ++i) g.v[i * 7] = specials[i];
  if (gen_shape == shape) return g;
  Host h{shape, std::vector<double>(NumElements(shape))};
  ForEachIndex(shape, [&](const Shape& index, int64_t flat) {
    Shape at = index;
    for (int64_t axis : axes) at[axis] = 0;
    h.v[flat] = g.v[Flat(gen_shape, at)];
  });
  return h;
}

}  // namespace cotangent::cpu_test
