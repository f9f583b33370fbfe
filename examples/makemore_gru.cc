// File: examples/makemore_gru.cc
// makemore's recurrent model in spirit: a character-level GRU language model of English first
// names, the recurrence over each name written as one scan (so the gradient is a scan and its
// reverse, compiled once by jit, however long the names). Trains with Adam on minibatches of
// padded names (a mask drops the padding from the loss), reports train and validation loss
// per character beside the bigram's, samples names, and plots the loss curve.
// Run: bash tools/setup.sh (fetches the names), then bash tools/run.sh //examples:makemore_gru

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
// Unset: a default that depends on --smoke (cli.h).
ABSL_FLAG(std::optional<int64_t>, steps, std::nullopt,
          "training steps (default 1500, 20 with --smoke)");
ABSL_FLAG(int64_t, batch_size, 64, "names per minibatch");
ABSL_FLAG(double, lr, 0.005, "Adam's learning rate (x0.1 for the last fifth)");
ABSL_FLAG(int64_t, embed, 16, "embedding size");
ABSL_FLAG(int64_t, hidden, 128, "GRU state size");
ABSL_FLAG(std::string, checkpoint, "",
          "the training checkpoint (.npz: parameters, Adam's state, step), written every "
          "--checkpoint_every steps and at the end "
          "(default: <out_dir>/makemore_gru_checkpoint.npz)");
ABSL_FLAG(int64_t, checkpoint_every, 250, "steps between checkpoints");
ABSL_FLAG(bool, resume, false, "continue from --checkpoint instead of starting over");
ABSL_FLAG(std::optional<int64_t>, stop_after, std::nullopt,
          "stop after this many steps, checkpointed, as an interrupted run (to test --resume)");

namespace ct = cotangent;

namespace {

using Params = std::map<std::string, ct::Tensor>;

// From --embed and --hidden.
struct Config {
  int64_t embed, hidden;
};

// Each name as inputs '.' c1 .. cn and targets c1 .. cn '.', padded to `length` with '.'
// (mask 0 on the padding).
struct Sequences {
  ct::data::HostArray<int32_t> x, y;  // [N, T]
  ct::data::HostArray<float> mask;    // [N, T]
};

Sequences Encode(const std::vector<std::string>& names, const ct::names::Vocab& vocab,
                 int64_t length) {
  Sequences s;
  for (const std::string& name : names) {
    for (int64_t t = 0; t < length; ++t) {
      const auto at = static_cast<size_t>(t);
      s.x.values.push_back(t == 0 || at > name.size() ? 0 : vocab.Id(name[at - 1]));
      s.y.values.push_back(at < name.size() ? vocab.Id(name[at]) : 0);
      s.mask.values.push_back(at <= name.size() ? 1.0f : 0.0f);
    }
  }
  const int64_t n = static_cast<int64_t>(names.size());
  s.x.shape = s.y.shape = s.mask.shape = {n, length};
  return s;
}

// Embeddings C [V,E]; the GRU's gates z, r and candidate n over [x, h] ([E+H, H] each, with
// biases); the readout [H, V]. Gate weights scaled by 1/sqrt(fan_in).
Params Init(const ct::random::Key& key, const Config& cfg, int64_t vocab) {
  auto [kc, kz, kr, kn, ko] = ct::random::split<5>(key);
  const double scale = 1.0 / std::sqrt(static_cast<double>(cfg.embed + cfg.hidden));
  const ct::Shape gate = {cfg.embed + cfg.hidden, cfg.hidden};
  return {{"C", ct::random::normal(kc, {vocab, cfg.embed})},
          {"Wz", ct::random::normal(kz, gate) * scale}, {"bz", ct::zeros({cfg.hidden})},
          {"Wr", ct::random::normal(kr, gate) * scale}, {"br", ct::zeros({cfg.hidden})},
          {"Wn", ct::random::normal(kn, gate) * scale}, {"bn", ct::zeros({cfg.hidden})},
          {"Wo", ct::random::normal(ko, {cfg.hidden, vocab}) * 0.1},
          {"bo", ct::zeros({vocab})}};
}

// One GRU step: z = s(W_z [x, h]), r = s(W_r [x, h]), n = tanh(W_n [x, r h]),
// h' = (1 - z) n + z h.
ct::Tensor Cell(const Params& p, const ct::Tensor& h, const ct::Tensor& x) {
  const ct::Tensor xh = ct::concatenate({x, h}, -1);
  const ct::Tensor z = ct::sigmoid(ct::matmul(xh, p.at("Wz")) + p.at("bz"));
  const ct::Tensor r = ct::sigmoid(ct::matmul(xh, p.at("Wr")) + p.at("br"));
  const ct::Tensor n =
      ct::tanh(ct::matmul(ct::concatenate({x, r * h}, -1), p.at("Wn")) + p.at("bn"));
  return (1.0 - z) * n + z * h;
}

// Logits [T, B, V] of token ids x [B, T]: the GRU scanned over time from h = 0.
ct::Tensor Logits(const Params& p, const ct::Tensor& x, int64_t hidden) {
  const ct::Tensor emb = ct::transpose(ct::nn::embedding(p.at("C"), x), {1, 0, 2});  // [T,B,E]
  const ct::Tensor h0 = ct::zeros({x.shape()[0], hidden});
  auto [h, hs] = ct::scan(
      [&](const ct::Tensor& h, const ct::Tensor& e) {
        const ct::Tensor next = Cell(p, h, e);
        return std::pair{next, next};
      },
      h0, emb);
  return ct::matmul(hs, p.at("Wo")) + p.at("bo");
}

// Mean negative log-likelihood per character (padding masked out).
ct::Tensor Loss(const Params& p, const ct::Tensor& x, const ct::Tensor& y, const ct::Tensor& mask,
                int64_t hidden) {
  const ct::Tensor logp = ct::log_softmax(Logits(p, x, hidden), -1);            // [T,B,V]
  const ct::Tensor onehot = ct::one_hot(ct::transpose(y, {1, 0}), logp.shape()[2]);
  const ct::Tensor nll = -ct::sum(logp * onehot, -1);                           // [T,B]
  const ct::Tensor m = ct::transpose(mask, {1, 0});
  return ct::sum(nll * m) / ct::sum(m);
}

// A name drawn character by character, the GRU state carried.
std::string Sample(const Params& p, const ct::names::Vocab& vocab, int64_t hidden,
                   const ct::random::Key& key) {
  ct::Tensor h = ct::zeros({1, hidden});
  int32_t id = 0;
  std::string name;
  for (uint32_t i = 0; i < 32; ++i) {
    const ct::Tensor x = ct::nn::embedding(p.at("C"), ct::from_vector(std::vector<int32_t>{id}, {1}));
    h = Cell(p, h, x);
    const ct::Tensor logits = (ct::matmul(h, p.at("Wo")) + p.at("bo"))[0];
    id = ct::random::categorical(ct::random::fold_in(key, i), logits).item<int32_t>();
    if (id == 0) break;
    name.push_back(vocab.chars[id]);
  }
  return name;
}

int Run(int argc, char** argv) {
  ct::cli::ParseFlags(argc, argv, "a GRU character model of names, with scan");
  const bool smoke = absl::GetFlag(FLAGS_smoke);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  const int64_t steps = absl::GetFlag(FLAGS_steps).value_or(smoke ? 20 : 1500);
  const int64_t batch_size = absl::GetFlag(FLAGS_batch_size);
  const double lr = absl::GetFlag(FLAGS_lr);
  const Config cfg = {.embed = absl::GetFlag(FLAGS_embed),
                      .hidden = absl::GetFlag(FLAGS_hidden)};
  const std::string checkpoint = absl::GetFlag(FLAGS_checkpoint).empty()
                                     ? out_dir + "/makemore_gru_checkpoint.npz"
                                     : absl::GetFlag(FLAGS_checkpoint);
  const int64_t checkpoint_every = std::max<int64_t>(1, absl::GetFlag(FLAGS_checkpoint_every));
  const int64_t last = std::min(steps, absl::GetFlag(FLAGS_stop_after).value_or(steps));

  const std::vector<std::string> all = ct::datasets::LoadNames(data_dir);
  const ct::names::Vocab vocab(all);
  auto [split_key, init_key, train_key, sample_key] = ct::random::split<4>(ct::random::key(seed));
  const ct::names::Split split = ct::names::SplitNames(all, split_key);
  size_t longest = 0;
  for (const std::string& name : all) longest = std::max(longest, name.size());
  const auto length = static_cast<int64_t>(longest + 1);
  const Sequences train = Encode(split.train, vocab, length);
  const Sequences val = Encode(split.val, vocab, length);
  Params params = Init(ct::random::fold_in(init_key, 0), cfg, vocab.size());
  int64_t num_params = 0;
  for (const auto& [name, p] : params) num_params += p.size();
  std::printf("makemore_gru: %zu names (%zu train / %zu val), %lld steps per name (padded), "
              "embedding %lld, GRU %lld, %lld parameters, batch %lld, %lld steps\n",
              all.size(), split.train.size(), split.val.size(), static_cast<long long>(length),
              static_cast<long long>(cfg.embed), static_cast<long long>(cfg.hidden),
              static_cast<long long>(num_params), static_cast<long long>(batch_size),
              static_cast<long long>(steps));

  // The bigram from counts on the same split, per character, as the baseline.
  ct::Tensor counts = ct::ones({vocab.size(), vocab.size()});  // add-one smoothing
  {
    std::vector<float> c(static_cast<size_t>(vocab.size() * vocab.size()), 1.0f);
    for (const std::string& name : split.train) {
      int32_t prev = 0;
      for (size_t i = 0; i <= name.size(); ++i) {
        const int32_t next = i < name.size() ? vocab.Id(name[i]) : 0;
        c[static_cast<size_t>(prev * vocab.size() + next)] += 1.0f;
        prev = next;
      }
    }
    counts = ct::from_vector(c, {vocab.size(), vocab.size()});
  }
  const ct::Tensor log_p = ct::log(counts / ct::sum(counts, 1, /*keepdims=*/true));
  double bigram_nll = 0, chars = 0;
  for (const std::string& name : split.val) {
    int32_t prev = 0;
    for (size_t i = 0; i <= name.size(); ++i) {
      const int32_t next = i < name.size() ? vocab.Id(name[i]) : 0;
      bigram_nll -= log_p[prev][next].item<double>();
      chars += 1;
      prev = next;
    }
  }
  const double bigram_val = bigram_nll / chars;

  const auto loss = [&](const Params& p, const ct::Tensor& x, const ct::Tensor& y,
                        const ct::Tensor& m) { return Loss(p, x, y, m, cfg.hidden); };
  const auto grad_step = ct::jit(ct::value_and_grad(loss), ct::jit_name("gru_step"));
  const auto evaluate = ct::jit(loss, ct::jit_name("gru_loss"));
  const ct::optim::Adam adam(
      {.learning_rate = ct::optim::PiecewiseConstant(lr, {{steps * 4 / 5, 0.1}})});
  auto state = adam.Init(params);
  int64_t first = 0;  // the first step to take
  if (absl::GetFlag(FLAGS_resume)) {
    const auto restored = ct::training::LoadCheckpoint(
        checkpoint, ct::training::TrainState<Params, decltype(state)>{params, state, 0});
    params = restored.params;
    state = restored.opt;
    first = restored.step;
    std::printf("resumed from %s after step %lld\n", checkpoint.c_str(),
                static_cast<long long>(first));
  }
  ct::cli::MakeDirs(std::filesystem::path(checkpoint).parent_path().string());
  const auto all_of = [](const auto& a) { return ct::from_vector(a.values, a.shape); };
  const ct::Tensor x_val = all_of(val.x), y_val = all_of(val.y), m_val = all_of(val.mask);
  ct::names::LossCurves curves(steps, "GRU");
  ct::data::BatchStream batches(train_key, train.y.rows(), batch_size, first);
  for (int64_t k = first; k < last; ++k) {
    const std::vector<int32_t> rows = batches.Next();
    auto [value, grads] = grad_step(params, ct::data::TakeRows(train.x, rows),
                                    ct::data::TakeRows(train.y, rows),
                                    ct::data::TakeRows(train.mask, rows));
    auto [updates, next] = adam.Update(grads, state);
    state = std::move(next);
    params = ct::optim::ApplyUpdates(params, updates);
    curves.Train(k, value.item<double>());
    if (curves.ValDue(k)) curves.Val(k, evaluate(params, x_val, y_val, m_val).item<double>());
    if ((k + 1) % checkpoint_every == 0 || k + 1 == last) {
      ct::training::SaveCheckpoint(checkpoint, ct::training::TrainState<Params, decltype(state)>{
                                                   params, state, k + 1});
    }
  }
  if (last < steps) {
    std::printf("stopped after step %lld; checkpoint %s (--resume continues)\n",
                static_cast<long long>(last), checkpoint.c_str());
    return 0;
  }
  curves.Finish();
  const double train_loss =
      evaluate(params, all_of(train.x), all_of(train.y), all_of(train.mask)).item<double>();
  const double val_loss = evaluate(params, x_val, y_val, m_val).item<double>();
  std::printf("GRU: train loss %.4f  val loss %.4f per character  (bigram val loss %.4f)\n",
              train_loss, val_loss, bigram_val);
  const std::set<std::string> train_names(split.train.begin(), split.train.end());
  ct::names::PrintSamples("samples", sample_key, 20, train_names, [&](const ct::random::Key& k) {
    return Sample(params, vocab, cfg.hidden, k);
  });

  ct::cli::MakeDirs(out_dir);
  const std::string path = out_dir + "/makemore_gru.png";
  curves.Plot(path, "makemore GRU (scan)", "cross-entropy loss per character", bigram_val);
  if (!smoke && !(val_loss < bigram_val)) {
    std::cerr << "error: the GRU's validation loss does not beat the bigram's\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ct::cli::Main(argc, argv, Run); }
