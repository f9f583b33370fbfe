// File: tests/backends/vulkan_reduce_test.cc
// reduce_sum, reduce_max, reduce_prod and argmax on the Vulkan backend against the CPU backend:
// every dtype and axis set on strided inputs, the one-invocation-per-output and
// workgroup-per-output paths, two-pass reductions of long axes, high ranks, with and without
// subgroup shuffles, empty axes, NaN, infinities and i32 extremes.

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent::vulkan_test {
namespace {

using cpu_test::LayoutName;
using cpu_test::Place;
using cpu_test::Random;

Shape Without(const Shape& shape, const std::vector<int64_t>& axes) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) out.push_back(shape[d]);
  }
  return out;
}

// Values where NaN/inf make float sums trivial are replaced.
Host Finite(Host x) {
  for (double& v : x.v) v = std::isfinite(v) ? v : 1.5;
  return x;
}

TEST(VulkanReduce, SumAndMaxOverAxisSets) {
  const std::vector<std::vector<int64_t>> axis_sets = {{},     {0},    {1},      {2},
                                                       {0, 2}, {1, 2}, {0, 1, 2}};
  for (Primitive prim : {Primitive::kReduceSum, Primitive::kReduceMax}) {
    for (DType dtype : {bool_, i32, f32, f64}) {
      if (prim == Primitive::kReduceSum && dtype == DType::kBool) continue;
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread,
                            Layout::kBroadcastLast}) {
        for (const Shape& shape : {Shape{3, 4, 5}, Shape{2, 0, 3}, Shape{40, 33, 64}}) {
          // The large shape (several workgroups per output) with two layouts keeps this quick.
          if (shape[0] == 40 && (layout == Layout::kSpread || layout == Layout::kBroadcastLast)) {
            continue;
          }
          Host x = Random(shape, dtype, 7, layout);
          if (prim == Primitive::kReduceSum) x = Finite(x);
          for (const auto& axes : axis_sets) {
            Params params;
            params.axes = axes;
            ExpectMatchesCpu(prim, {Place(x, dtype, layout)}, params,
                             {Without(shape, axes), dtype},
                             absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype),
                                          ShapeToString(shape), " axes ", ShapeToString(axes),
                                          " ", LayoutName(layout)),
                             dtype == DType::kF64 ? 1e-11 : -1);
          }
        }
      }
    }
  }
}

// Factors whose products neither overflow nor vanish: floats near 1, odd integers (a product
// of even ones wraps to 0 after 32 factors of 2; odd ones wrap to odd values).
Host ForProducts(Host x, DType dtype) {
  for (double& v : x.v) {
    if (IsFloating(dtype)) {
      v = std::isfinite(v) ? 1 + v / 1024 : 1.5;
    } else {
      v = static_cast<double>(static_cast<int64_t>(v) | 1);
    }
  }
  return x;
}

TEST(VulkanReduce, ProdOverAxisSetsAndTwoPassesWithAndWithoutSubgroups) {
  VulkanBackend::Options options;
  options.disable_subgroups = true;
  std::unique_ptr<VulkanBackend> no_subgroups = *VulkanBackend::Create(options);
  const std::vector<std::vector<int64_t>> axis_sets = {{}, {0}, {1}, {0, 1}};
  for (VulkanBackend* backend : {&Vulkan(), no_subgroups.get()}) {
    for (DType dtype : {i32, i64, u8, f32, f64}) {
      // Short rows (one invocation per output), [3, 1000] (a workgroup per output), [8, 65536]
      // (two passes), and an empty axis (the product of nothing is 1).
      for (const Shape& shape : {Shape{7, 5}, Shape{3, 1000}, Shape{8, 65536}, Shape{4, 0}}) {
        const Host x = ForProducts(Random(shape, dtype, 13, Layout::kReversed), dtype);
        for (const auto& axes : axis_sets) {
          Params params;
          params.axes = axes;
          const ShapedArray out{Without(shape, axes), dtype};
          const std::vector<Array> in = {Place(x, dtype, Layout::kReversed)};
          // f32 multiplies in f32 here and in double on the CPU.
          cpu_test::ExpectMatches(
              RunOn(*backend, Primitive::kReduceProd, in, params, out),
              RunOn(cpu_test::Cpu(), Primitive::kReduceProd, in, params, out), dtype,
              absl::StrCat("reduce_prod ", DTypeName(dtype), ShapeToString(shape), " axes ",
                           ShapeToString(axes), backend == &Vulkan() ? "" : " no subgroups"),
              dtype == DType::kF32   ? 1e-4
              : dtype == DType::kF64 ? 1e-12
                                     : 0);
        }
      }
    }
  }
}

TEST(VulkanReduce, LongReductionsTakeTwoPasses) {
  // 2^19 elements: a full reduction, and rows of 2^16 (few outputs, long axis), both split
  // into chunks; and many short columns (one invocation per output).
  const Shape shape = {8, 65536};
  for (DType dtype : {i32, f32, f64}) {
    Host x = Finite(Random(shape, dtype, 9));
    for (Primitive prim : {Primitive::kReduceSum, Primitive::kReduceMax}) {
      for (const std::vector<int64_t>& axes : {std::vector<int64_t>{0, 1}, {1}, {0}}) {
        Params params;
        params.axes = axes;
        ExpectMatchesCpu(prim, {Place(x, dtype)}, params, {Without(shape, axes), dtype},
                         absl::StrCat("long ", PrimitiveName(prim), " ", DTypeName(dtype),
                                      " axes ", ShapeToString(axes)),
                         dtype == DType::kF32 ? 1e-5 : dtype == DType::kF64 ? 1e-12 : 0);
      }
    }
  }
}

TEST(VulkanReduce, HighRanksAreCopiedDenselyFirst) {
  // Reversed layouts keep all 6 kept (and 6 reduced) axes apart: more than the kernel holds.
  const Shape shape = {2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3};
  const Host x = Finite(Random(shape, f32, 21));
  Params params;
  params.axes = {0, 2, 4, 6, 8, 10};
  ExpectMatchesCpu(Primitive::kReduceSum, {Place(x, f32, Layout::kReversed)}, params,
                   {Without(shape, params.axes), f32}, "rank-12 reduce_sum");
}

TEST(VulkanReduce, EmptyAxesAndNaN) {
  Params params;
  params.axes = {1};
  const Host empty{{2, 0}, {}};
  for (DType dtype : {bool_, i32, f32, f64}) {
    ExpectMatchesCpu(Primitive::kReduceMax, {Place(empty, dtype)}, params, {{2}, dtype},
                     std::string("max of nothing ") + DTypeName(dtype), 0);
  }
  ExpectMatchesCpu(Primitive::kReduceSum, {Place(empty, f64)}, params, {{2}, f64}, "sum of nothing");
  Params all;
  all.axes = {0};
  Host x{{50000}, std::vector<double>(50000, 1.0)};
  x.v[31337] = cpu_test::kNaN;
  ExpectMatchesCpu(Primitive::kReduceMax, {Place(x, f32)}, all, {{}, f32}, "max with a NaN");
  ExpectMatchesCpu(Primitive::kReduceSum, {Place(x, f32)}, all, {{}, f32}, "sum with a NaN");
}

// Rows of length n for reductions over the last axis: for floats one +inf among ones, one -inf,
// both (a NaN sum), a NaN, two of the largest finite value (a sum that overflows), all -inf,
// all +inf; for i32 all INT32_MIN (the identity of max), INT32_MIN with one INT32_MAX, all
// INT32_MAX (sums wrap).
Host ExtremeRows(int64_t n, DType dtype) {
  std::vector<std::vector<double>> rows;
  const auto row = [&](double fill, std::vector<std::pair<int64_t, double>> at) {
    rows.emplace_back(n, fill);
    for (const auto& [j, v] : at) rows.back()[j] = v;
  };
  const int64_t mid = n / 2, last = n - 1;
  if (dtype == DType::kI32) {
    row(cpu_test::kIntMin, {});
    row(cpu_test::kIntMin, {{mid, cpu_test::kIntMax}});
    row(cpu_test::kIntMax, {});
  } else {
    const double big = dtype == DType::kF32 ? std::numeric_limits<float>::max()
                                            : std::numeric_limits<double>::max();
    const double inf = cpu_test::kInf;
    row(1, {{mid, inf}});
    row(1, {{last, -inf}});
    row(1, {{0, inf}, {last, -inf}});
    row(1, {{n / 3, cpu_test::kNaN}});
    row(1, {{0, big}, {mid, big}});
    row(-inf, {});
    row(inf, {});
  }
  Host h{{static_cast<int64_t>(rows.size()), n}, {}};
  for (const std::vector<double>& r : rows) h.v.insert(h.v.end(), r.begin(), r.end());
  return h;
}

TEST(VulkanReduce, InfinitiesAndExtremesMatchTheCpu) {
  // Regression: a Kahan sum reaching inf computed its compensation as inf - inf, so the sum
  // of [inf, 1] was NaN. Rows of 5 (one invocation per output), 1000 (a workgroup per output)
  // and 70000 (two passes), dense and transposed, with and without subgroup shuffles.
  VulkanBackend::Options options;
  options.disable_subgroups = true;
  std::unique_ptr<VulkanBackend> no_subgroups = *VulkanBackend::Create(options);
  for (VulkanBackend* backend : {&Vulkan(), no_subgroups.get()}) {
    for (int64_t n : {5, 1000, 70000}) {
      for (DType dtype : {i32, f32, f64}) {
        const Host x = ExtremeRows(n, dtype);
        for (Layout layout : {Layout::kDense, Layout::kReversed}) {
          const std::vector<Array> in = {Place(x, dtype, layout)};
          for (Primitive prim : {Primitive::kReduceSum, Primitive::kReduceMax,
                                 Primitive::kArgmax}) {
            Params params;
            params.axes = {1};
            params.dimension = 1;
            const ShapedArray out{{x.shape[0]}, prim == Primitive::kArgmax ? i32 : dtype};
            cpu_test::ExpectMatches(
                RunOn(*backend, prim, in, params, out),
                RunOn(cpu_test::Cpu(), prim, in, params, out), out.dtype,
                absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype), " rows of ", n, " ",
                             LayoutName(layout), backend == &Vulkan() ? "" : " no subgroups"));
          }
        }
      }
    }
  }
}

TEST(VulkanArgmax, FirstMaximumWithNaNWinning) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kSpread}) {
      for (const Shape& shape : {Shape{5}, Shape{4, 7, 3}, Shape{200, 300}, Shape{3, 70000}}) {
        if (shape.size() == 2 && layout == Layout::kSpread) continue;  // the large ones: 2 layouts
        Host x = Random(shape, dtype, 11, layout);
        for (double& v : x.v) {  // ties are common: small integers
          if (std::isfinite(v) && dtype != DType::kBool) v = std::round(v);
        }
        for (int64_t axis = 0; axis < static_cast<int64_t>(shape.size()); ++axis) {
          Params params;
          params.dimension = axis;
          ExpectMatchesCpu(Primitive::kArgmax, {Place(x, dtype, layout)}, params,
                           {Without(shape, {axis}), i32},
                           absl::StrCat("argmax ", DTypeName(dtype), ShapeToString(shape),
                                        " axis ", axis, " ", LayoutName(layout)));
        }
      }
    }
  }
}

TEST(VulkanReduce, WithoutSubgroupShuffles) {
  VulkanBackend::Options options;
  options.disable_subgroups = true;
  std::unique_ptr<VulkanBackend> backend = *VulkanBackend::Create(options);
  {
    const Shape shape = {6, 5000};
    for (DType dtype : {i32, f32, f64}) {
      const Host x = Finite(Random(shape, dtype, 5, Layout::kReversed));
      for (Primitive prim : {Primitive::kReduceSum, Primitive::kReduceMax, Primitive::kArgmax}) {
        Params params;
        params.axes = {1};
        params.dimension = 1;
        const ShapedArray out{{6}, prim == Primitive::kArgmax ? i32 : dtype};
        const std::vector<Array> in = {Place(x, dtype, Layout::kReversed)};
        cpu_test::ExpectMatches(RunOn(*backend, prim, in, params, out),
                                RunOn(cpu_test::Cpu(), prim, in, params, out), out.dtype,
                                absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype)),
                                dtype == DType::kF64 ? 1e-12 : -1);
      }
    }
  }
}

}  // namespace
}  // namespace cotangent::vulkan_test
