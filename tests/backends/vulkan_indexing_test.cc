// File: tests/backends/vulkan_indexing_test.cc
// gather and the scatters on the Vulkan backend against the CPU backend: every dtype, strided
// and broadcast operands, both modes, out-of-bounds and repeated indices; scatter_add both
// ways, with atomics where the device has them (i32; f32 on lavapipe) and deterministic
// (Options::deterministic, and f64 on lavapipe, which has no f64 atomic add), the latter equal
// to the CPU bit for bit; and the sorted scatter that many index vectors take.

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/backends/vulkan_test_util.h"

namespace cotangent::vulkan_test {
namespace {

using cpu_test::LayoutName;
using cpu_test::Place;
using cpu_test::Random;

const Layout kLayouts[] = {Layout::kDense, Layout::kReversed, Layout::kSpread, Layout::kBroadcast0};

// Index vectors (start along axis 2, then axis 0) of a [4,3,5] operand: repeats, a negative
// and a too-large start.
Array Indices() { return Place(Host{{2, 3, 2}, {1, 0, 3, 2, 1, 0, -1, 1, 0, 6, 3, 2}}, i32); }

Params GatherParams(IndexMode mode) {
  Params p;
  p.index.window_dims = {2, 3};
  p.index.collapsed_dims = {0};
  p.index.start_index_map = {2, 0};
  p.slice_sizes = {1, 3, 2};
  p.mode = mode;
  p.fill_value = -3;
  return p;
}

TEST(VulkanIndexing, GatherMatchesCpu) {
  for (DType dtype : {bool_, i32, f32, f64}) {
    for (Layout layout : kLayouts) {
      for (IndexMode mode : {IndexMode::kClip, IndexMode::kFill}) {
        const Array x = Place(Random({4, 3, 5}, dtype, 3, layout), dtype, layout);
        ExpectMatchesCpu(Primitive::kGather, {x, Indices()}, GatherParams(mode),
                         {{2, 3, 3, 2}, dtype},
                         absl::StrCat("gather ", DTypeName(dtype), " ", LayoutName(layout)), 0);
      }
    }
  }
}

// The updates of GatherParams' windows, added back.
Params ScatterParams(IndexMode mode) {
  Params p = GatherParams(mode);
  p.slice_sizes.clear();
  p.fill_value = 0;
  return p;
}

TEST(VulkanIndexing, ScatterAddMatchesCpu) {
  for (DType dtype : {i32, f32, f64}) {
    for (Layout layout : kLayouts) {
      for (IndexMode mode : {IndexMode::kClip, IndexMode::kFill}) {
        const Array x = Place(Random({4, 3, 5}, dtype, 5, layout), dtype, layout);
        const Array u = Place(Random({2, 3, 3, 2}, dtype, 6), dtype,
                              layout == Layout::kReversed ? Layout::kReversed : Layout::kDense);
        // Atomic float sums may round in another order: the dtype's tolerance.
        ExpectMatchesCpu(Primitive::kScatterAdd, {x, Indices(), u}, ScatterParams(mode),
                         {{4, 3, 5}, dtype},
                         absl::StrCat("scatter_add ", DTypeName(dtype), " ", LayoutName(layout)));
      }
    }
  }
}

// scatter, scatter_mul, scatter_min and scatter_max always run the deterministic kernel: bit
// for bit the CPU's, repeats combined in index order (scatter keeps the last, as bits: bool
// too). NaN in the operand and the updates checks that min and max propagate it.
TEST(VulkanIndexing, CombiningScattersEqualCpuBitForBit) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (Primitive prim : {Primitive::kScatter, Primitive::kScatterMul, Primitive::kScatterMin,
                         Primitive::kScatterMax}) {
    for (DType dtype : {bool_, i32, f32, f64}) {
      if (dtype == bool_ && prim != Primitive::kScatter) continue;
      for (Layout layout : {Layout::kDense, Layout::kReversed, Layout::kBroadcast0}) {
        for (IndexMode mode : {IndexMode::kClip, IndexMode::kFill}) {
          Host x_host = Random({4, 3, 5}, dtype, 9, layout),
               u_host = Random({2, 3, 3, 2}, dtype, 10);
          if (dtype == f32 || dtype == f64) {
            x_host.v[1] = nan;
            u_host.v[4] = nan;
          }
          const Array x = Place(x_host, dtype, layout);
          const Array u = Place(u_host, dtype);
          ExpectMatchesCpu(
              prim, {x, Indices(), u}, ScatterParams(mode), {{4, 3, 5}, dtype},
              absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype), " ", LayoutName(layout)), 0);
        }
      }
    }
  }
}

TEST(VulkanIndexing, DeterministicScatterAddEqualsCpuBitForBit) {
  VulkanBackend::Options options;
  options.deterministic = true;
  absl::StatusOr<std::unique_ptr<VulkanBackend>> backend = VulkanBackend::Create(options);
  ASSERT_TRUE(backend.ok()) << backend.status();
  for (DType dtype : {i32, f32, f64}) {
    const Array x = Place(Random({4, 3, 5}, dtype, 7), dtype);
    const Array u = Place(Random({2, 3, 3, 2}, dtype, 8), dtype);
    const Host want = cpu_test::Exec(Primitive::kScatterAdd, {x, Indices(), u},
                                     ScatterParams(IndexMode::kFill), {{4, 3, 5}, dtype});
    const Host got = RunOn(**backend, Primitive::kScatterAdd, {x, Indices(), u},
                           ScatterParams(IndexMode::kFill), {{4, 3, 5}, dtype});
    cpu_test::ExpectMatches(got, want, dtype, absl::StrCat("deterministic ", DTypeName(dtype)), 0);
  }
}

// Many index vectors into a larger operand take the sorted scatter (ops_indexing.cc
// SortedPays: 2000 vectors into 300 rows of 4): destinations stably sorted, then each output
// element's run combined. Bit for bit the CPU's, in index order, for every combining scatter
// (scatter_add on the deterministic backend), with repeats (about 14 per row) and
// out-of-bounds starts, both modes. Windows of 2 rows overlap, so one output element takes
// different window positions of different vectors; with the window axes before the vectors'
// axis of the updates, an element's row-major position is then not its index order.
TEST(VulkanIndexing, SortedScatterEqualsCpuBitForBit) {
  VulkanBackend::Options options;
  options.deterministic = true;
  absl::StatusOr<std::unique_ptr<VulkanBackend>> backend = VulkanBackend::Create(options);
  ASSERT_TRUE(backend.ok()) << backend.status();
  constexpr int64_t kVectors = 2000, kRows = 300;
  Host starts{{kVectors, 1}, {}};
  uint32_t s = 17;
  for (int64_t i = 0; i < kVectors; ++i) {
    s = s * 1664525u + 1013904223u;
    starts.v.push_back(static_cast<double>((s >> 8) % (kRows + 3)) - 2);  // -2 to kRows
  }
  const Array indices = Place(starts, i32);
  for (const bool window_first : {true, false}) {
    Params p;
    p.index.window_dims = window_first ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{1, 2};
    p.index.start_index_map = {0};
    const Shape updates_shape = window_first ? Shape{2, 4, kVectors} : Shape{kVectors, 2, 4};
    for (Primitive prim : {Primitive::kScatterAdd, Primitive::kScatter, Primitive::kScatterMul,
                           Primitive::kScatterMin, Primitive::kScatterMax}) {
      for (DType dtype : {i32, f32, f64}) {
        for (IndexMode mode : {IndexMode::kClip, IndexMode::kFill}) {
          p.mode = mode;
          const Array x = Place(Random({kRows, 4}, dtype, 21), dtype, Layout::kReversed);
          const Array u = Place(Random(updates_shape, dtype, 22), dtype);
          const Host want = cpu_test::Exec(prim, {x, indices, u}, p, {{kRows, 4}, dtype});
          const Host got = RunOn(**backend, prim, {x, indices, u}, p, {{kRows, 4}, dtype});
          cpu_test::ExpectMatches(
              got, want, dtype,
              absl::StrCat(PrimitiveName(prim), " ", DTypeName(dtype), " window first ",
                           window_first, " fill ", mode == IndexMode::kFill),
              0);
        }
      }
    }
  }
}

}  // namespace
}  // namespace cotangent::vulkan_test
