// File: examples/makemore.cc
// Karpathy's makemore, parts 1 and 2, on 8,849 English first names: a bigram model from
// counts, the same model as a one-layer network trained by gradient descent, then the MLP
// with learned character embeddings of Bengio et al. (2003) trained on minibatches with a
// decaying learning rate. Reports train and validation loss of each, samples names from each
// (random::, so runs are reproducible), and plots the MLP's training curve.
// Run: bash tools/setup.sh (fetches the names), then bash tools/run.sh //examples:makemore

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "cotangent/cotangent.h"
#include "examples/support/checkpoint.h"
#include "examples/support/cli.h"
#include "examples/support/data.h"
#include "examples/support/datasets.h"
#include "examples/support/names.h"
#include "examples/support/nn.h"
#include "examples/support/optim.h"
#include "examples/support/progress.h"

ABSL_FLAG(bool, smoke, false, "a few steps only (the CI smoke test)");
ABSL_FLAG(std::string, data_dir, cotangent::datasets::DataDir(),
          "holds names/*.txt (tools/setup.sh)");
ABSL_FLAG(std::string, out_dir, cotangent::cli::DefaultOutputDir(), "where the plot goes");
ABSL_FLAG(int64_t, seed, 42, "PRNG seed (split, init, batches, samples)");
ABSL_FLAG(bool, eager, false, "run the gradient steps eagerly instead of jit-compiled");
// Unset: a default that depends on --smoke (cli.h).
ABSL_FLAG(std::optional<int64_t>, bigram_steps, std::nullopt,
          "gradient-descent steps of the neural bigram (default 200, 10 with --smoke)");
ABSL_FLAG(std::optional<int64_t>, steps, std::nullopt,
          "MLP training steps (default 40000, 200 with --smoke)");
ABSL_FLAG(std::string, checkpoint, "",
          "the MLP's training checkpoint (.npz: parameters, step), written every "
          "--checkpoint_every steps and at the end (default: <out_dir>/makemore_checkpoint.npz)");
ABSL_FLAG(int64_t, checkpoint_every, 5000, "MLP steps between checkpoints");
ABSL_FLAG(bool, resume, false, "continue the MLP from --checkpoint instead of starting over");
ABSL_FLAG(std::optional<int64_t>, stop_after, std::nullopt,
          "stop after this many MLP steps, checkpointed, as an interrupted run (to test --resume)");
ABSL_FLAG(int64_t, batch_size, 64, "MLP minibatch size");
ABSL_FLAG(double, lr, 0.1, "MLP learning rate (x0.1 for the last quarter)");

namespace ct = cotangent;

namespace {

using Params = std::map<std::string, ct::Tensor>;

using ct::names::Vocab;

// (context, next character) pairs: for each name, every position's previous block_size
// tokens (padded with '.') and the token that follows, the final '.' included.
struct Examples {
  ct::data::HostArray<int32_t> x;  // [M, block_size]
  ct::data::HostArray<int32_t> y;  // [M]
};

Examples BuildExamples(const std::vector<std::string>& names, const Vocab& vocab,
                       int64_t block_size) {
  Examples ex;
  for (const std::string& name : names) {
    std::vector<int32_t> context(block_size, 0);
    for (size_t i = 0; i <= name.size(); ++i) {
      const int32_t next = i < name.size() ? vocab.Id(name[i]) : 0;
      ex.x.values.insert(ex.x.values.end(), context.begin(), context.end());
      ex.y.values.push_back(next);
      context.erase(context.begin());
      context.push_back(next);
    }
  }
  const int64_t m = static_cast<int64_t>(ex.y.values.size());
  ex.x.shape = {m, block_size};
  ex.y.shape = {m};
  return ex;
}

ct::Tensor All(const ct::data::HostArray<int32_t>& a) { return ct::from_vector(a.values, a.shape); }

// A name sampled token by token from next_logits(context ids) -> logits [V], until '.'.
template <typename NextLogits>
std::string Sample(const Vocab& vocab, int64_t block_size, const ct::random::Key& key,
                   const NextLogits& next_logits) {
  std::vector<int32_t> context(block_size, 0);
  std::string name;
  for (uint32_t i = 0; i < 64; ++i) {
    const ct::Tensor logits = next_logits(context);
    const int32_t id = ct::random::categorical(ct::random::fold_in(key, i), logits).item<int32_t>();
    if (id == 0) break;
    name.push_back(vocab.chars[id]);
    context.erase(context.begin());
    context.push_back(id);
  }
  return name;
}

// Prints n samples of the model next_logits, marking those not in the training set.
template <typename NextLogits>
void PrintSamples(const char* title, const Vocab& vocab, int64_t block_size,
                  const ct::random::Key& key, int n, const std::set<std::string>& train,
                  const NextLogits& next_logits) {
  ct::names::PrintSamples(title, key, n, train, [&](const ct::random::Key& k) {
    return Sample(vocab, block_size, k, next_logits);
  });
}

// ---- part 1: bigrams ----

// Mean negative log-likelihood of examples (block size 1) under log-probabilities log_p [V,V].
double BigramNll(const ct::Tensor& log_p, const Examples& ex) {
  const ct::Tensor rows = ct::nn::embedding(log_p, ct::squeeze(All(ex.x), 1));
  return -ct::mean(ct::sum(rows * ct::one_hot(All(ex.y), log_p.shape()[0]), -1)).item<double>();
}

// The neural bigram: logits = one_hot(x) @ W, plus Karpathy's 0.01 * mean(W^2) smoothing term.
ct::Tensor BigramLoss(const ct::Tensor& w, const ct::Tensor& x, const ct::Tensor& y) {
  const ct::Tensor logits = ct::nn::embedding(w, x);
  return ct::nn::cross_entropy(logits, y) + 0.01 * ct::mean(ct::square(w));
}

// ---- part 2: the MLP ----

struct MlpConfig {
  int64_t block_size = 3, embed = 10, hidden = 200;
};

// Embeddings C [V,E]; tanh hidden layer W1 [block*E, H]; output W2 [H, V]. W1 is scaled by
// 5/3 / sqrt(fan_in) (Kaiming for tanh) and W2 by 0.1 so the first loss is near log(V)
// rather than Karpathy's part-2 value of ~17 (his part 3 makes the same fix).
Params InitMlp(const ct::random::Key& key, const MlpConfig& cfg, int64_t vocab) {
  auto [kc, k1, k2] = ct::random::split<3>(key);
  const double fan_in = static_cast<double>(cfg.block_size * cfg.embed);
  return {{"C", ct::random::normal(kc, {vocab, cfg.embed})},
          {"W1", ct::random::normal(k1, {cfg.block_size * cfg.embed, cfg.hidden}) *
                     (5.0 / 3.0 / std::sqrt(fan_in))},
          {"b1", ct::zeros({cfg.hidden})},
          {"W2", ct::random::normal(k2, {cfg.hidden, vocab}) * 0.1},
          {"b2", ct::zeros({vocab})}};
}

// Logits [B,V] of contexts x [B, block] (i32).
ct::Tensor MlpLogits(const Params& p, const ct::Tensor& x) {
  const int64_t batch = x.shape()[0];
  const ct::Tensor emb = ct::nn::embedding(p.at("C"), x);  // [B, block, E]
  const ct::Tensor h = ct::tanh(ct::matmul(ct::reshape(emb, {batch, -1}), p.at("W1")) + p.at("b1"));
  return ct::matmul(h, p.at("W2")) + p.at("b2");
}

ct::Tensor MlpLoss(const Params& p, const ct::Tensor& x, const ct::Tensor& y) {
  return ct::nn::cross_entropy(MlpLogits(p, x), y);
}

int Run(int argc, char** argv) {
  ct::cli::ParseFlags(argc, argv, "makemore parts 1 and 2: bigram and MLP character models");
  const bool smoke = absl::GetFlag(FLAGS_smoke);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  const bool eager = absl::GetFlag(FLAGS_eager);
  const int64_t bigram_steps = absl::GetFlag(FLAGS_bigram_steps).value_or(smoke ? 10 : 200);
  const int64_t steps = absl::GetFlag(FLAGS_steps).value_or(smoke ? 200 : 40000);
  const int64_t last = std::min(steps, absl::GetFlag(FLAGS_stop_after).value_or(steps));
  const int64_t checkpoint_every = std::max<int64_t>(1, absl::GetFlag(FLAGS_checkpoint_every));
  const int64_t batch_size = absl::GetFlag(FLAGS_batch_size);
  const double lr = absl::GetFlag(FLAGS_lr);

  const std::vector<std::string> names = ct::datasets::LoadNames(data_dir);
  const Vocab vocab(names);
  const int64_t v = vocab.size();
  auto [split_key, init_key, train_key, sample_key] = ct::random::split<4>(ct::random::key(seed));
  const ct::names::Split split = ct::names::SplitNames(names, split_key);
  const std::set<std::string> train_names(split.train.begin(), split.train.end());
  std::cout << "makemore: " << names.size() << " names, vocabulary of " << v << " ('" << vocab.chars
            << "'), split " << split.train.size() << " train / " << split.val.size() << " val / "
            << split.test.size() << " test\n";

  // Part 1a: counts. N[a, b] = number of bigrams a -> b = one_hot(x)^T one_hot(y).
  const Examples bi_train = BuildExamples(split.train, vocab, 1);
  const Examples bi_val = BuildExamples(split.val, vocab, 1);
  const ct::Tensor x_bi = ct::squeeze(All(bi_train.x), 1), y_bi = All(bi_train.y);
  const ct::Tensor counts = ct::matmul(ct::transpose(ct::one_hot(x_bi, v)), ct::one_hot(y_bi, v));
  const ct::Tensor smoothed = counts + 1.0;  // add-one smoothing
  const ct::Tensor log_p = ct::log(smoothed / ct::sum(smoothed, 1, /*keepdims=*/true));
  const double count_val = BigramNll(log_p, bi_val);
  std::printf("\n[part 1] bigram from counts (%lld bigrams): train loss %.4f  val loss %.4f\n",
              static_cast<long long>(bi_train.y.rows()), BigramNll(log_p, bi_train), count_val);
  PrintSamples("samples", vocab, 1, ct::random::fold_in(sample_key, 0), 10, train_names,
               [&](const std::vector<int32_t>& c) { return log_p[c[0]]; });

  // Part 1b: the same model as a network, W ~ N(0, 1), trained by full-batch gradient descent.
  ct::Tensor w = ct::random::normal(ct::random::fold_in(init_key, 0), {v, v});
  const ct::optim::Sgd bigram_sgd({.learning_rate = 50.0});
  auto bigram_state = bigram_sgd.Init(w);
  // Gradient steps traced once and run compiled (docs/jit.md); --eager for comparison.
  const auto bigram_grad_eager = ct::value_and_grad(BigramLoss);
  const auto bigram_grad_jit = ct::jit(bigram_grad_eager, ct::jit_name("bigram_step"));
  const auto bigram_grad = [&](const ct::Tensor& w, const ct::Tensor& x, const ct::Tensor& y) {
    return eager ? bigram_grad_eager(w, x, y) : bigram_grad_jit(w, x, y);
  };
  double loss = 0;
  for (int64_t k = 0; k < bigram_steps; ++k) {
    auto [value, g] = bigram_grad(w, x_bi, y_bi);
    loss = value.item<double>();
    auto [updates, next] = bigram_sgd.Update(g, bigram_state);
    bigram_state = std::move(next);
    w = ct::optim::ApplyUpdates(w, updates);
  }
  const ct::Tensor log_p_net = ct::log_softmax(w, 1);
  std::printf(
      "\n[part 1] neural bigram, %lld gradient-descent steps (lr 50, last loss with "
      "regularization %.4f): train loss %.4f  val loss %.4f\n",
      static_cast<long long>(bigram_steps), loss, BigramNll(log_p_net, bi_train),
      BigramNll(log_p_net, bi_val));
  PrintSamples("samples", vocab, 1, ct::random::fold_in(sample_key, 1), 10, train_names,
               [&](const std::vector<int32_t>& c) { return log_p_net[c[0]]; });

  // Part 2: the MLP on minibatches; the rate drops tenfold for the last quarter of the steps.
  const MlpConfig cfg;
  const Examples train = BuildExamples(split.train, vocab, cfg.block_size);
  const Examples val = BuildExamples(split.val, vocab, cfg.block_size);
  Params params = InitMlp(ct::random::fold_in(init_key, 1), cfg, v);
  int64_t num_params = 0;
  for (const auto& [name, p] : params) num_params += p.size();
  std::printf(
      "\n[part 2] MLP: context %lld, embedding %lld, hidden %lld (tanh), %lld "
      "parameters; %lld training examples, batch %lld, %lld steps\n",
      static_cast<long long>(cfg.block_size), static_cast<long long>(cfg.embed),
      static_cast<long long>(cfg.hidden), static_cast<long long>(num_params),
      static_cast<long long>(train.y.rows()), static_cast<long long>(batch_size),
      static_cast<long long>(steps));
  // Plain SGD (optax.sgd without momentum: params - rate * grad), one jit-compiled step: the
  // gradient and the update in one program, the old parameters donated to the new ones. The
  // rate is an argument, not a constant, so the schedule's steps do not retrace.
  const ct::optim::Schedule rate = ct::optim::PiecewiseConstant(lr, {{steps * 3 / 4, 0.1}});
  const auto sgd_step = [](const Params& p, const ct::Tensor& x, const ct::Tensor& y,
                           const ct::Tensor& r) {
    auto [loss, grads] = ct::value_and_grad(MlpLoss)(p, x, y);
    return std::make_pair(
        loss, ct::TreeMap([&](const ct::Tensor& w, const ct::Tensor& g) { return w - r * g; }, p,
                          grads));
  };
  const auto sgd_step_jit = ct::jit(sgd_step, ct::donate_argnums({0}), ct::jit_name("mlp_step"));
  const auto step = [&](const Params& p, const ct::Tensor& x, const ct::Tensor& y, double r) {
    const ct::Tensor rt = ct::scalar(r, ct::f32);
    return eager ? sgd_step(p, x, y, rt) : sgd_step_jit(p, x, y, rt);
  };
  const ct::Tensor x_train = All(train.x), y_train = All(train.y);
  const ct::Tensor x_val = All(val.x), y_val = All(val.y);
  // Plain SGD has no state but its step count; the checkpoint holds that and the parameters.
  using State = ct::training::TrainState<Params, ct::optim::SgdState<Params>>;
  const std::string checkpoint = absl::GetFlag(FLAGS_checkpoint).empty()
                                     ? out_dir + "/makemore_checkpoint.npz"
                                     : absl::GetFlag(FLAGS_checkpoint);
  int64_t first = 0;
  if (absl::GetFlag(FLAGS_resume)) {
    const State restored = ct::training::LoadCheckpoint(checkpoint, State{params, {}, 0});
    params = restored.params;
    first = restored.step;
    std::printf("resumed from %s after step %lld\n", checkpoint.c_str(),
                static_cast<long long>(first));
  }
  ct::cli::MakeDirs(std::filesystem::path(checkpoint).parent_path().string());
  ct::names::LossCurves curves(steps, "MLP");
  ct::data::BatchStream batches(train_key, train.y.rows(), batch_size, first);
  for (int64_t k = first; k < last; ++k) {
    const std::vector<int32_t> rows = batches.Next();
    auto [value, next] = step(params, ct::data::TakeRows(train.x, rows),
                              ct::data::TakeRows(train.y, rows), rate(k));
    params = std::move(next);
    curves.Train(k, value.item<double>());
    if (curves.ValDue(k)) curves.Val(k, MlpLoss(params, x_val, y_val).item<double>());
    if ((k + 1) % checkpoint_every == 0 || k + 1 == last) {
      ct::training::SaveCheckpoint(checkpoint, State{params, {k + 1, std::nullopt}, k + 1});
    }
  }
  if (last < steps) {
    std::printf("stopped after step %lld; checkpoint %s (--resume continues)\n",
                static_cast<long long>(last), checkpoint.c_str());
    return 0;
  }
  curves.Finish();
  const double mlp_train = MlpLoss(params, x_train, y_train).item<double>();
  const double mlp_val = MlpLoss(params, x_val, y_val).item<double>();
  std::printf("[part 2] MLP: train loss %.4f  val loss %.4f  (bigram val loss %.4f)\n", mlp_train,
              mlp_val, count_val);
  PrintSamples("samples", vocab, cfg.block_size, ct::random::fold_in(sample_key, 2), 20,
               train_names, [&](const std::vector<int32_t>& c) {
                 const ct::Tensor x = ct::from_vector(c, {1, cfg.block_size});
                 return MlpLogits(params, x)[0];
               });

  ct::cli::MakeDirs(out_dir);
  const std::string path = out_dir + "/makemore.png";
  curves.Plot(path, "makemore MLP", "cross-entropy loss", count_val);
  if (!smoke && !(mlp_val < count_val)) {
    std::cerr << "error: the MLP's validation loss does not beat the bigram's\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ct::cli::Main(argc, argv, Run); }
