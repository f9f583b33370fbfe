// File: tests/examples/checkpoint_test.cc
// examples/support/checkpoint.h: training interrupted by a save and resumed from the file ends
// bit for bit where uninterrupted training does (Adam with a schedule, SGD with and without
// momentum); the file's names are readable; a checkpoint of another model is an Error.

#include "examples/support/checkpoint.h"

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "examples/support/optim.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/oracles.h"

namespace cotangent {
namespace {

using Params = std::map<std::string, Tensor>;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// gtest's TempDir is $TEST_TMPDIR (or /tmp), with a trailing slash.
std::string TempPath(const std::string& name) { return ::testing::TempDir() + name; }

Params Init() {
  return {{"w", tensor({0.5, -1.0, 2.0}, {3})}, {"b", scalar(0.25)}};
}

// A least-squares loss whose gradient changes every step.
Params Grads(const Params& p, int64_t step) {
  const Tensor x = tensor({1.0, 2.0 + step, -1.0}, {3});
  return grad([&](const Params& q) { return square(sum(q.at("w") * x) + q.at("b") - 1.0); })(p);
}

// `steps` updates from state (params, opt) as a run would take them.
template <typename Opt, typename S>
training::TrainState<Params, S> Train(const Opt& opt, training::TrainState<Params, S> t,
                                        int64_t steps) {
  for (int64_t i = 0; i < steps; ++i, ++t.step) {
    auto [updates, next] = opt.Update(Grads(t.params, t.step), t.opt);
    t.params = optim::ApplyUpdates(t.params, updates);
    t.opt = std::move(next);
  }
  return t;
}

template <typename Opt>
void ExpectResumesExactly(const Opt& opt, const std::string& name) {
  using S = decltype(opt.Init(Init()));
  const training::TrainState<Params, S> start{Init(), opt.Init(Init()), 0};
  const auto straight = Train(opt, start, 10);
  const std::string path = TempPath(name + ".npz");
  training::SaveCheckpoint(path, Train(opt, start, 4));
  // A fresh process would only have the initial structure to load into.
  const auto resumed = Train(opt, training::LoadCheckpoint(path, start), 6);
  EXPECT_EQ(resumed.step, 10);
  EXPECT_EQ(resumed.opt.count, straight.opt.count);
  for (const std::string key : {"w", "b"}) {
    const Tensor got = resumed.params.at(key), want = straight.params.at(key);
    EXPECT_EQ(got.to_vector<float>(), want.to_vector<float>()) << name << " " << key;
  }
}

TEST(Checkpoint, ResumedTrainingMatchesUninterruptedBitForBit) {
  ExpectResumesExactly(optim::Adam({.learning_rate = optim::CosineDecay(0.1, 10)}), "adam");
  ExpectResumesExactly(optim::Sgd({.learning_rate = 0.05, .momentum = 0.9}), "momentum");
  ExpectResumesExactly(optim::Sgd({.learning_rate = 0.05}), "sgd");
}

TEST(Checkpoint, NamesAreReadableAndModelsMustMatch) {
  const optim::Adam adam({});
  const training::TrainState<Params, optim::AdamState<Params>> state{Init(), adam.Init(Init()),
                                                                       3};
  const std::string path = TempPath("names.npz");
  training::SaveCheckpoint(path, state);
  std::vector<std::string> names;
  for (const auto& [name, x] : load_npz(path)) names.push_back(name);
  EXPECT_THAT(names, ElementsAre("params/b", "params/w", "opt/mu/b", "opt/mu/w", "opt/nu/b",
                                 "opt/nu/w", "step"));
  auto other = state;
  other.params["w"] = zeros({4});
  other.opt = adam.Init(other.params);
  EXPECT_THAT(testing::ErrorOf([&] { training::LoadCheckpoint(path, other); }),
              HasSubstr("'params/w' in " + path + " is f32[3], expected f32[4]"));
}

}  // namespace
}  // namespace cotangent
