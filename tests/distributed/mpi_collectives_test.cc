// File: tests/distributed/mpi_collectives_test.cc
// The collectives across processes (distributed/distributed.h), run under mpirun with any
// number of processes (CI: 1 and 2): each process's result against the same function under a
// named vmap over every process's input, which each process computes alone (vmap is the oracle
// of MPI); eagerly, under jit, grad, jvp and an outer vmap, on the default backend (CI runs it
// on Vulkan too); psum's deterministic order bit for bit; shard_map over the processes against
// shard_map over a LocalMesh of the same axes; and the errors.

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cotangent/cotangent.h"
#include "distributed/distributed.h"
#include "distributed/shard_map.h"
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

// shard_map over the processes: global arguments in, global results out, against the same
// shard_map over a LocalMesh of the same axes, which runs every member in this process.
struct ShardCase {
  const char* name;
  Shape x, y;  // global; the axes the specs cut are divisible by the mesh
  std::vector<P> in_specs, out_specs;
  std::function<std::vector<Tensor>(Tensor, Tensor)> f;
};

std::vector<ShardCase> ShardCases(const std::string& a, const std::string& b) {
  const int64_t n = Processes();
  return {
      {"a block each, summed",
       {2 * n, 3},
       {3},
       {P{a}, P{}},
       {P{}},
       [a](Tensor x, Tensor y) { return std::vector<Tensor>{psum(sin(x) * y, a)}; }},
      {"replicated weights, rows cut",
       {4 * n, 3},
       {3, 2},
       {P{{a, b}}, P{}},
       {P{{a, b}}},
       [](Tensor x, Tensor w) { return std::vector<Tensor>{tanh(matmul(x, w))}; }},
      {"two results, columns cut",
       {3, 2 * n},
       {2 * n, 3},
       {P{std::nullopt, b}, P{a}},
       {P{std::nullopt, b}, P{}},
       [a, b](Tensor x, Tensor y) {
         return std::vector<Tensor>{exp(x) * astype(axis_index(b), f64),
                                    pmean(sum(x * x) + sum(y), {a, b})};
       }},
      {"gathered inside",
       {n, 2},
       {2},
       {P{b}, P{}},
       {P{b}},
       [b](Tensor x, Tensor y) { return std::vector<Tensor>{all_gather(x * y, b, 1) * x[0][0]}; }},
  };
}

// Every case across the processes and over the LocalMesh of the same axes: values, jit,
// grad of the results' total with respect to both arguments, jvp, and an outer vmap.
void ExpectShardMapsAgree(const dist::Mesh& mesh, const std::string& a, const std::string& b) {
  using V = const std::vector<Tensor>&;
  for (const ShardCase& c : ShardCases(a, b)) {
    const std::vector<Tensor> xs = {InputOf(7, c.x), InputOf(8, c.y)};
    const auto across_xy = shard_map(c.f, mesh, c.in_specs, c.out_specs);
    const auto local_xy = shard_map(c.f, LocalMesh{mesh.axes()}, c.in_specs, c.out_specs);
    const auto across = [&](V v) { return across_xy(v[0], v[1]); };
    const auto local = [&](V v) { return local_xy(v[0], v[1]); };
    const auto expect_all_close = [&](V got, V want, const char* how) {
      ASSERT_EQ(got.size(), want.size()) << c.name << how;
      for (size_t j = 0; j < got.size(); ++j) {
        EXPECT_TRUE(AllClose(got[j], want[j], 1e-12, 1e-12)) << c.name << how << " " << j;
      }
    };
    expect_all_close(across(xs), local(xs), "");
    expect_all_close(jit(across)(xs), local(xs), " jit");
    const auto total = [](const auto& g) {
      return [g](V v) {
        Tensor t = scalar(0.0);
        for (const Tensor& y : g(v)) t = t + sum(y * y);
        return t;
      };
    };
    expect_all_close(grad(total(across))(xs), grad(total(local))(xs), " grad");
    expect_all_close(jit(grad(total(across)))(xs), grad(total(local))(xs), " jit(grad)");
    const std::vector<Tensor> ts = {cos(xs[0]), sin(xs[1])};
    expect_all_close(jvp(across, std::make_tuple(xs), std::make_tuple(ts)).second,
                     jvp(local, std::make_tuple(xs), std::make_tuple(ts)).second, " jvp");
    const std::vector<Tensor> batch = {stack({xs[0], 2.0 * xs[0]}), stack({xs[1], -xs[1]})};
    expect_all_close(vmap(across)(batch), vmap(local)(batch), " vmap");
  }
}

TEST(MpiShardMapTest, AcrossProcessesEqualsTheLocalMesh) {
  dist::Mesh one_axis({{"data", Processes()}, {"model", 1}});
  ExpectShardMapsAgree(one_axis, "model", "data");
}

TEST(MpiShardMapTest, TheMeshLayoutCutsTheBlocks) {
  {
    dist::Mesh major({{"a", Processes()}, {"b", 1}});
    ExpectShardMapsAgree(major, "b", "a");
  }
  {
    dist::Mesh minor({{"a", 1}, {"b", Processes()}});
    ExpectShardMapsAgree(minor, "a", "b");
  }
  // Both axes above 1 (mpirun -np 4, by hand: CI runs 1 and 2 processes).
  if (Processes() % 2 == 0 && Processes() > 2) {
    dist::Mesh grid({{"a", 2}, {"b", Processes() / 2}});
    ExpectShardMapsAgree(grid, "a", "b");
    ExpectShardMapsAgree(grid, "b", "a");
  }
}

TEST(MpiShardMapTest, DataParallelGradientIsTheWholeBatchsGradient) {
  // The loss of a linear model on the whole batch; each process's part is a mean over its
  // rows, averaged over the processes inside; replicated weights: their gradient comes back
  // all-reduced, the whole batch's, as grad of the same loss computed alone.
  const int64_t n = Processes();
  const Tensor w = InputOf(1, {4, 2}), x = InputOf(2, {8 * n, 4}), y = InputOf(3, {8 * n, 2});
  const auto loss = [](const Tensor& w, const Tensor& x, const Tensor& y) {
    return mean(square(matmul(x, w) - y));
  };
  dist::Mesh mesh({{"data", n}});
  const auto part = [&loss](const Tensor& w, const Tensor& x, const Tensor& y) {
    return pmean(loss(w, x, y), "data");
  };
  const auto sharded = jit(shard_map(part, mesh, {P{}, P{"data"}, P{"data"}}, {P{}}));
  const int64_t calls = mesh.stats().calls;
  EXPECT_TRUE(AllClose(grad(sharded)(w, x, y), grad(loss)(w, x, y), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(jit(grad(sharded))(w, x, y), grad(loss)(w, x, y), 1e-12, 1e-12));
  EXPECT_TRUE(AllClose(sharded(w, x, y), loss(w, x, y), 1e-12, 1e-12));
  EXPECT_GT(mesh.stats().calls, calls);
}

TEST(MpiShardMapTest, ErrorsNameTheSpecAndTheMesh) {
  std::optional<dist::Mesh> mesh;
  mesh.emplace(std::vector<std::pair<std::string, int64_t>>{{"data", Processes()}});
  const auto f = shard_map([](Tensor x) { return x; }, *mesh, {P{"data"}}, {P{"data"}});
  EXPECT_THAT(ErrorOf([&] {
                shard_map([](Tensor x) { return x; }, *mesh, {P{"model"}}, {P{}})(ones({2}));
              }),
              ::testing::HasSubstr("shard_map: the spec of argument 0 names axis 'model', which "
                                   "is not in the mesh {data: " +
                                   std::to_string(Processes()) + "}"));
  if (Processes() > 1) {
    EXPECT_THAT(ErrorOf([&] { f(ones({2 * Processes() + 1})); }),
                ::testing::HasSubstr("shard_map: axis 0 of argument 0 has size"));
  }
  mesh.reset();
  mesh.emplace(std::vector<std::pair<std::string, int64_t>>{{"rows", Processes()}});
  EXPECT_THAT(ErrorOf([&] { f(ones({2 * Processes()})); }),
              ::testing::HasSubstr("shard_map: its mesh (data=" + std::to_string(Processes()) +
                                   ") is no longer the processes' mesh (rows="));
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
