// File: tests/cotangent/shard_map_test.cc
// shard_map over a mesh in one process, against the unsharded computation it stands for (JAX's
// semantics on a mesh of that many devices): blockwise sums and products combined by psum,
// specs over two mesh axes and over two axes of one array, replicated arguments and results,
// the member layout of a cut axis (JAX's: major mesh axis first), gradients, jit and an outer
// vmap through it, and clear errors for specs that do not fit.

#include <cstdint>
#include <vector>

#include "cotangent/cotangent.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using ::testing::ElementsAre;
using testing::ErrorOf;
using ::testing::HasSubstr;
using testing::Random;

// sum(x) as four blocks of a cut vector, each summed, then psum over the members.
TEST(ShardMapTest, PsumOfBlockSumsIsTheSum) {
  const Tensor x = Random({8}, 1);
  const auto f = shard_map([](const Tensor& b) { return psum(sum(b), "i"); }, LocalMesh{{{"i", 4}}},
                           {P{"i"}}, {P{}});
  EXPECT_TRUE(AllClose(f(x), sum(x), 1e-14, 1e-14));
}

// A product with its contraction cut over "i": each member multiplies its columns of x by its
// rows of w, and psum adds the partial products. The replicated argument b is whole in every
// member.
TEST(ShardMapTest, CutContractionMatchesTheProduct) {
  const Tensor x = Random({4, 8}, 2), w = Random({8, 3}, 3), b = Random({3}, 4);
  const auto f = [](const Tensor& xb, const Tensor& wb, const Tensor& bias) {
    return psum(matmul(xb, wb), "i") + bias;
  };
  const auto sharded =
      shard_map(f, LocalMesh{{{"i", 4}}}, {P{std::nullopt, "i"}, P{"i"}, P{}}, {P{}});
  EXPECT_TRUE(AllClose(sharded(x, w, b), matmul(x, w) + b, 1e-14, 1e-14));
}

// Members along both mesh axes and along both array axes: each block gets its member's index.
TEST(ShardMapTest, TwoMeshAxesCutTwoArrayAxes) {
  const LocalMesh mesh{{{"i", 2}, {"j", 3}}};
  const auto f = shard_map(
      [](const Tensor& b) {
        return b * 0.0 + astype(axis_index({"i", "j"}), f64);
      },
      mesh, {P{"i", "j"}}, {P{"i", "j"}});
  const Tensor out = f(zeros({4, 6}, f64));
  // Rows 0-1 are i = 0, rows 2-3 i = 1; column pairs are j = 0, 1, 2; the index is 3 i + j.
  EXPECT_THAT(out.to_vector<double>(),
              ElementsAre(0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5));
}

// One array axis cut over both mesh axes: block i * 2 + j, JAX's layout (major axis first);
// and the same axis over ("j", "i"): block j * 2 + i.
TEST(ShardMapTest, AnAxisCutOverTwoMeshAxesIsMajorFirst) {
  const LocalMesh mesh{{{"i", 2}, {"j", 2}}};
  const auto index_of = [](const Tensor& b) {
    return b * 0.0 + astype(axis_index("i") * 10 + axis_index("j"), f64);
  };
  const Tensor x = zeros({8}, f64);
  EXPECT_THAT(shard_map(index_of, mesh, {P{{"i", "j"}}}, {P{{"i", "j"}}})(x).to_vector<double>(),
              ElementsAre(0, 0, 1, 1, 10, 10, 11, 11));
  EXPECT_THAT(shard_map(index_of, mesh, {P{{"j", "i"}}}, {P{{"j", "i"}}})(x).to_vector<double>(),
              ElementsAre(0, 0, 10, 10, 1, 1, 11, 11));
}

// all_gather inside gives every member the whole array: a replicated result equal to x.
TEST(ShardMapTest, AllGatherRebuildsTheArray) {
  const Tensor x = Random({6, 2}, 5);
  const auto f = shard_map([](const Tensor& b) { return all_gather(b, "i", 0, true); },
                           LocalMesh{{{"i", 3}}}, {P{"i"}}, {P{}});
  EXPECT_TRUE(AllClose(f(x), x, 0, 0));
}

// A normalization by the global sum: gradients, jit and an outer vmap agree with the
// unsharded function.
TEST(ShardMapTest, ComposesWithGradJitAndVmap) {
  const auto sharded = shard_map([](const Tensor& b) { return b / psum(sum(b * b), "i"); },
                                 LocalMesh{{{"i", 4}}}, {P{"i"}}, {P{"i"}});
  const auto plain = [](const Tensor& x) { return x / sum(x * x); };
  const Tensor x = Random({8}, 6, 0.5, 1.5);
  EXPECT_TRUE(AllClose(sharded(x), plain(x), 1e-14, 1e-14));
  const auto loss = [&](const auto& g) { return [g](const Tensor& v) { return sum(sin(g(v))); }; };
  EXPECT_TRUE(AllClose(grad(loss(sharded))(x), grad(loss(plain))(x), 1e-13, 1e-13));
  EXPECT_TRUE(AllClose(jit(grad(loss(sharded)))(x), grad(loss(plain))(x), 1e-13, 1e-13));
  const Tensor xs = Random({3, 8}, 7, 0.5, 1.5);
  const Tensor batched = vmap(sharded)(xs);
  for (int64_t r = 0; r < 3; ++r) EXPECT_TRUE(AllClose(batched[r], plain(xs[r]), 1e-14, 1e-14));
}

// Containers: one spec per argument applies to all of its tensors; results get one spec each.
TEST(ShardMapTest, SpecsApplyToContainersAndResults) {
  const Tensor a = Random({4}, 8), b = Random({4, 2}, 9);
  const auto f = shard_map(
      [](const std::vector<Tensor>& xs) {
        return std::pair{psum(sum(xs[0]) + sum(xs[1]), "i"), xs[1] * 2.0};
      },
      LocalMesh{{{"i", 2}}}, {P{"i"}}, {P{}, P{"i"}});
  const auto [total, doubled] = f(std::vector<Tensor>{a, b});
  EXPECT_TRUE(AllClose(total, sum(a) + sum(b), 1e-14, 1e-14));
  EXPECT_TRUE(AllClose(doubled, b * 2.0, 0, 0));
}

TEST(ShardMapTest, SpecsThatDoNotFitAreClearErrors) {
  const Tensor x = zeros({6}, f64);
  const LocalMesh mesh{{{"i", 4}}};
  const auto id = [](const Tensor& b) { return b; };
  EXPECT_THAT(ErrorOf([&] { shard_map(id, mesh, {P{"i"}}, {P{"i"}})(x); }),
              HasSubstr("shard_map: axis 0 of argument 0 has size 6, which its mesh axes do not "
                        "divide into 4 blocks"));
  EXPECT_THAT(ErrorOf([&] { shard_map(id, mesh, {P{"k"}}, {P{"k"}})(zeros({4})); }),
              HasSubstr("names axis 'k', which is not in the mesh {i: 4}"));
  EXPECT_THAT(ErrorOf([&] {
                shard_map(id, mesh, {P{"i", "i"}}, {P{}})(zeros({4, 4}));
              }),
              HasSubstr("names mesh axis 'i' twice"));
  EXPECT_THAT(ErrorOf([&] {
                shard_map(id, mesh, {P{"i", std::nullopt}}, {P{}})(zeros({4}));
              }),
              HasSubstr("the spec of argument 0 has 2 entries for an array of rank 1"));
  EXPECT_THAT(ErrorOf([&] {
                shard_map(id, LocalMesh{{{"i", 0}}}, {P{}}, {P{}});
              }),
              HasSubstr("mesh axis 0 needs a name and a positive size"));
  EXPECT_THAT(ErrorOf([&] {
                shard_map(id, mesh, {P{}, P{}}, {P{}})(x);
              }),
              HasSubstr("in_specs has 2 entries for 1 arguments"));
}

TEST(ShardMapTest, AReplicatedResultThatDiffersIsAnErrorNamingShardMap) {
  const auto id = [](const Tensor& b) { return b; };
  const LocalMesh mesh{{{"i", 4}}};
  // A result declared replicated that differs between members (JAX's check_vma): the error
  // names shard_map, the result and the mesh axis (it was vmap's out_axes message).
  EXPECT_EQ(ErrorOf([&] { shard_map(id, mesh, {P{"i"}}, {P{}})(zeros({4})); }),
            "shard_map: out_specs declare result 0 (f32[1]) replicated over mesh axis 'i', but "
            "it differs between the members of 'i' (name the axis in its spec, or combine the "
            "members, e.g. with psum)");
  const LocalMesh grid{{{"i", 2}, {"j", 2}}};
  EXPECT_THAT(ErrorOf([&] { shard_map(id, grid, {P{"i", "j"}}, {P{"i"}})(zeros({2, 2})); }),
              HasSubstr("replicated over mesh axis 'j'"));
}

}  // namespace
}  // namespace cotangent
