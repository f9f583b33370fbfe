// File: tests/distributed/mpi_collectives_test.cc
// The collectives across processes (distributed/distributed.h), run under mpirun with any
// number of processes (CI: 1 and 2): each process's result against the same function under a
// named vmap over every process's input, which each process computes alone (vmap is the oracle
// of MPI); eagerly, under jit, grad, jvp and an outer vmap, on the default backend (CI runs it
// on Vulkan too); psum's deterministic order bit for bit; and the errors.

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "distributed/distributed.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using testing::AllClose;
using testing::ErrorOf;
using testing::Random;
namespace dist = distributed;

int Rank() { return dist::process_index(); }
int64_t Processes() { return dist::process_count(); }

// Process k's input: the same on every process that asks.
Tensor InputOf(int64_t k, const Shape& shape) {
  return Random(shape, 100 + static_cast<uint32_t>(k));
}

// Every process's input stacked along a new axis 0.
Tensor Stacked(const Shape& shape) {
  std::vector<Tensor> all;
  for (int64_t k = 0; k < Processes(); ++k) all.push_back(InputOf(k, shape));
  return stack(all);
}

struct Case {
  const char* name;
  Shape shape;  // per process; axis 0 is divisible by the number of processes where needed
  std::function<Tensor(Tensor)> f;
};

std::vector<Case> Cases() {
  const int64_t n = Processes();
  std::vector<std::pair<int64_t, int64_t>> ring;
  for (int64_t k = 0; k < n; ++k) ring.emplace_back(k, (k + 1) % n);
  return {
      {"psum", {3, 4}, [](Tensor x) { return sin(x) * psum(x * x, "data"); }},
      {"pmean", {5}, [](Tensor x) { return pmean(exp(x), "data") * x; }},
      {"pmax", {2, 3}, [](Tensor x) { return pmax(x, "data") * x; }},
      {"pmin", {2, 3}, [](Tensor x) { return pmin(x, "data") + x; }},
      {"all_gather", {3}, [](Tensor x) { return all_gather(sin(x), "data", 1) * x[0]; }},
      {"all_gather tiled", {2, 2}, [](Tensor x) { return all_gather(x * x, "data", 0, true); }},
      {"psum_scatter", {n, 3}, [](Tensor x) { return psum_scatter(x * x, "data"); }},
      {"psum_scatter tiled",
       {2, 2 * n},
       [](Tensor x) { return psum_scatter(sin(x), "data", 1, true); }},
      {"all_to_all", {n, 2}, [](Tensor x) { return all_to_all(x * x, "data", 0, 1); }},
      {"all_to_all tiled",
       {3, 2 * n},
       [](Tensor x) { return all_to_all(sin(x), "data", 1, 0, true); }},
      {"ppermute", {4}, [ring](Tensor x) { return ppermute(x * x, "data", ring); }},
      {"ppermute to one",
       {4},
       [](Tensor x) {
         return ppermute(sin(x), "data", {{0, 0}});
       }},
      {"axis_index", {3}, [](Tensor x) { return x * astype(axis_index("data"), f64); }},
  };
}

// The member Rank() of f under a vmap named "data" over every process's input.
Tensor Oracle(const std::function<Tensor(Tensor)>& g, const Shape& shape) {
  return vmap(g, 0, 0, axis_name("data"))(Stacked(shape))[Rank()];
}

class MpiCollectivesTest : public ::testing::Test {
 protected:
  dist::Mesh mesh_{{{"data", Processes()}}};
};

TEST_F(MpiCollectivesTest, EveryCollectiveMatchesTheNamedVmap) {
  for (const Case& c : Cases()) {
    const Tensor x = InputOf(Rank(), c.shape);
    EXPECT_TRUE(AllClose(c.f(x), Oracle(c.f, c.shape), 1e-12, 1e-12)) << c.name;
    EXPECT_TRUE(AllClose(jit(c.f)(x), Oracle(c.f, c.shape), 1e-12, 1e-12)) << c.name << " jit";
  }
}

TEST_F(MpiCollectivesTest, DerivativesMatchTheNamedVmap) {
  for (const Case& c : Cases()) {
    const auto total = [f = c.f](Tensor x) { return sum(f(x)); };
    const Tensor x = InputOf(Rank(), c.shape);
    // vmap(grad(f)) with psum's transpose psum: the gradient of the processes' total.
    EXPECT_TRUE(AllClose(grad(total)(x), Oracle(grad(total), c.shape), 1e-12, 1e-12)) << c.name;
    EXPECT_TRUE(AllClose(jit(grad(total))(x), Oracle(grad(total), c.shape), 1e-12, 1e-12))
        << c.name << " jit(grad)";
    const auto tangent = [f = c.f](Tensor x) { return jvp(f, {x}, {cos(x)}).second; };
    EXPECT_TRUE(AllClose(tangent(x), Oracle(tangent, c.shape), 1e-12, 1e-12)) << c.name;
  }
}

TEST_F(MpiCollectivesTest, AVmapAroundPassesTheCollectivesThrough) {
  for (const Case& c : Cases()) {
    Shape batched = c.shape;
    batched.insert(batched.begin(), 2);
    const Tensor xs = InputOf(Rank(), batched);
    // Member k of the oracle: vmap over the processes of vmap over the batch.
    const Tensor want = vmap(vmap(c.f), 0, 0, axis_name("data"))(Stacked(batched))[Rank()];
    EXPECT_TRUE(AllClose(vmap(c.f)(xs), want, 1e-12, 1e-12)) << c.name;
  }
}

TEST_F(MpiCollectivesTest, AMeshAxisAndAVmapAxisTogether) {
  // psum over a process axis and a vmap axis: the sum over both.
  const Tensor xs = InputOf(Rank(), {3, 2});
  const Tensor got = vmap(
      [](Tensor x) {
        return psum(x, {"data", "i"});
      },
      0, 0, axis_name("i"))(xs);
  const Tensor want = broadcast_to(sum(Stacked({3, 2}), {0, 1}, true)[0], {3, 2});
  EXPECT_TRUE(AllClose(got, want, 1e-12, 1e-12));
  EXPECT_EQ(axis_size("data"), Processes());
  EXPECT_EQ(axis_index("data").item<int32_t>(), Rank());
}

TEST(MpiMeshTest, DeviceOperandsAreStagedThroughTheHostAndCounted) {
  dist::Mesh mesh({{"data", Processes()}});
  const Tensor y = psum(ones({256}), "data");
  EXPECT_EQ(y.to_vector<float>()[0], static_cast<float>(Processes()));
  const dist::MeshStats s = mesh.stats();
  EXPECT_EQ(s.calls, 1);
  EXPECT_EQ(s.bytes_sent, 1024);
  // The Vulkan run (COTANGENT_BACKEND=vulkan) downloads the operand and uploads the result.
  const char* backend = std::getenv("COTANGENT_BACKEND");
  const int64_t staged = backend != nullptr && std::string(backend) == "vulkan" ? 1024 : 0;
  EXPECT_EQ(s.bytes_staged_down, staged);
  EXPECT_EQ(s.bytes_staged_up, staged);
}

TEST(MpiMeshTest, DeterministicSumsAddInProcessOrder) {
  dist::Mesh mesh({{"data", Processes()}}, {.deterministic = true});
  const Tensor x = InputOf(Rank(), {7}) * 1e3;
  Tensor want = InputOf(0, {7}) * 1e3;
  for (int64_t k = 1; k < Processes(); ++k) want = want + InputOf(k, {7}) * 1e3;
  EXPECT_EQ(psum(x, "data").to_vector<double>(), want.to_vector<double>());
}

TEST(MpiMeshTest, ErrorsNameTheAxis) {
  EXPECT_THAT(ErrorOf([] { psum(scalar(1.0), "data"); }),
              ::testing::HasSubstr("psum: unbound axis name 'data'"));
  EXPECT_THAT(ErrorOf([] {
                dist::Mesh mesh({{"data", Processes() + 1}});
              }),
              ::testing::HasSubstr("mesh: axes (data=" + std::to_string(Processes() + 1) + ")"));
  dist::Mesh mesh({{"data", Processes()}, {"model", 1}});
  EXPECT_THAT(ErrorOf([] {
                dist::Mesh other({{"data", Processes()}});
              }),
              ::testing::HasSubstr("Mesh: another mesh is alive"));
  EXPECT_EQ(mesh.index("model"), 0);
  EXPECT_EQ(mesh.index("data"), Rank());
}

}  // namespace
}  // namespace cotangent

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  cotangent::distributed::Initialize();
  // One process reports; the others' failures still fail the run (their exit codes).
  if (cotangent::distributed::process_index() != 0) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  return RUN_ALL_TESTS();
}
