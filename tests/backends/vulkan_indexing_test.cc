// File: tests/backends/vulkan_indexing_test.cc
// gather and the scatters on the Vulkan backend against the CPU backend: every dtype, strided
// and broadcast operands, both modes, out-of-bounds and repeated indices; scatter_add both
// ways, with atomics where the device has them (i32; f32 on lavapipe) and deterministic
// (Options::deterministic, and f64 on lavapipe, which has no f64 atomic add), the latter equal
// to the CPU bit for bit.

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

}  // namespace
}  // namespace cotangent::vulkan_test
