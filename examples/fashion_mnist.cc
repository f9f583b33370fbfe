// File: examples/fashion_mnist.cc
// A small CNN on Fashion-MNIST (Debian's dataset-fashion-mnist): two 3x3 convolutions with
// max pooling, two dense layers, softmax cross-entropy; minibatch training with Adam (or SGD
// with momentum) as pure functions over a parameter struct; a progress bar while training;
// a PNG of the loss and accuracy curves and of sample predictions at the end.
// conv2d is lax.conv_general_dilated in NHWC, max_pool2d a reshape and a max
// (examples/support/nn.h); docs/examples.md has their measurements.
// Data parallel over MPI: the step is shard_map over the processes' mesh (axis "data"): each
// process computes the loss of its part of every batch, and the gradients come back
// all-reduced inside the jitted step: mpirun -np 2 ... --data_parallel reproduces the
// single-process run (docs/distributed.md).
// Run: bash tools/run.sh //examples:fashion_mnist   (writes out/fashion_mnist.png)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "cotangent/cotangent.h"
#include "distributed/distributed.h"
#include "distributed/shard_map.h"
#include "examples/support/checkpoint.h"
#include "examples/support/cli.h"
#include "examples/support/data.h"
#include "examples/support/datasets.h"
#include "examples/support/nn.h"
#include "examples/support/optim.h"
#include "examples/support/plot.h"
#include "examples/support/progress.h"

ABSL_FLAG(bool, smoke, false, "512 training and 500 test images, one epoch (CI)");
// Unset: a default that depends on --smoke or --optimizer (cli.h).
ABSL_FLAG(std::optional<int64_t>, epochs, std::nullopt,
          "passes over the training set (default 3, 1 with --smoke)");
ABSL_FLAG(std::optional<int64_t>, batch_size, std::nullopt,
          "minibatch size (default 128, 64 with --smoke)");
ABSL_FLAG(std::string, optimizer, "adam", "adam or sgd (momentum 0.9)");
ABSL_FLAG(std::optional<double>, lr, std::nullopt,
          "peak learning rate (default: adam 2e-3, sgd 0.05)");
ABSL_FLAG(int64_t, seed, 0, "PRNG seed (init and batches)");
ABSL_FLAG(bool, eager, false, "run the steps eagerly instead of jit-compiled");
ABSL_FLAG(std::string, data_dir, cotangent::datasets::kFashionMnistDir, "the IDX files");
ABSL_FLAG(std::string, out_dir, cotangent::cli::DefaultOutputDir(), "where the plot goes");
ABSL_FLAG(std::string, checkpoint, "",
          "the training checkpoint (.npz: parameters, optimizer state, step), written after "
          "every epoch (default: <out_dir>/fashion_mnist_checkpoint.npz)");
ABSL_FLAG(bool, resume, false, "continue from --checkpoint instead of starting over");
ABSL_FLAG(bool, data_parallel, false,
          "split each batch across the MPI processes (run under mpirun -np N): the step is "
          "shard_map over them, each computes the loss of its part, and the gradients come "
          "back all-reduced inside the jitted step");
ABSL_FLAG(std::string, loss_log, "", "write each step's training loss to this file");
ABSL_FLAG(std::string, dtype, "f32", "the parameters' and activations' dtype: f32 or f64");
ABSL_FLAG(std::optional<int64_t>, stop_after, std::nullopt,
          "stop after this many epochs, checkpointed, as an interrupted run (to test --resume)");

namespace ct = cotangent;

namespace {

// conv 3x3 1->16, pool -> conv 3x3 16->32, pool -> dense 1568->128 -> dense 128->10.
struct Cnn {
  ct::Tensor conv1, bias1, conv2, bias2, w3, b3, w4, b4;
};
auto tree_fields(Cnn& m) {
  return std::tie(m.conv1, m.bias1, m.conv2, m.bias2, m.w3, m.b3, m.w4, m.b4);
}

constexpr int64_t kC1 = 16, kC2 = 32, kHidden = 128, kClasses = 10;

// He initialization: weights ~ N(0, 2 / fan_in), biases 0.
Cnn InitCnn(const ct::random::Key& key, ct::DType dtype) {
  auto [k1, k2, k3, k4] = ct::random::split<4>(key);
  const auto he = [dtype](const ct::random::Key& k, const ct::Shape& shape, double fan_in) {
    return ct::random::normal(k, shape, dtype) * std::sqrt(2.0 / fan_in);
  };
  return {he(k1, {3, 3, 1, kC1}, 9),
          ct::zeros({kC1}, dtype),
          he(k2, {3, 3, kC1, kC2}, 9 * kC1),
          ct::zeros({kC2}, dtype),
          he(k3, {7 * 7 * kC2, kHidden}, 7 * 7 * kC2),
          ct::zeros({kHidden}, dtype),
          he(k4, {kHidden, kClasses}, kHidden),
          ct::zeros({kClasses}, dtype)};
}

// Logits [B,10] of images [B,28,28,1]. Pooling comes before the bias and the ReLU: max
// commutes with adding a per-channel constant and with any increasing function, so the
// result is the same and the elementwise work is four times smaller.
ct::Tensor Logits(const Cnn& m, const ct::Tensor& images) {
  const ct::Tensor x = ct::astype(images, m.conv1.dtype());  // the images are f32
  ct::Tensor h = ct::relu(ct::nn::max_pool2d(ct::nn::conv2d(x, m.conv1)) + m.bias1);  // 14x14
  h = ct::relu(ct::nn::max_pool2d(ct::nn::conv2d(h, m.conv2)) + m.bias2);             // 7x7
  h = ct::relu(ct::matmul(ct::reshape(h, {x.shape()[0], -1}), m.w3) + m.b3);
  return ct::matmul(h, m.w4) + m.b4;
}

// (loss, logits): the logits ride along as value_and_grad's aux output.
std::pair<ct::Tensor, ct::Tensor> LossAndLogits(const Cnn& m, const ct::Tensor& x,
                                                const ct::Tensor& y) {
  ct::Tensor logits = Logits(m, x);
  return {ct::nn::cross_entropy(logits, y), logits};
}

// Multiply-adds x 2 of one example's forward pass; a training step costs about 3x that
// (forward, and a matmul per operand in the backward pass).
double ForwardFlops() {
  return 2.0 * (28 * 28 * 9 * 1 * kC1 + 14 * 14 * 9 * kC1 * kC2 + 7 * 7 * kC2 * kHidden +
                kHidden * kClasses);
}

struct Evaluation {
  double loss = 0, accuracy = 0;
};

Evaluation Evaluate(const Cnn& m, const ct::datasets::ImageSet& set) {
  Evaluation e;
  for (const std::vector<int32_t>& rows : ct::data::SequentialBatches(set.labels.rows(), 1000)) {
    const ct::Tensor y = ct::data::TakeRows(set.labels, rows);
    const auto [loss, logits] = LossAndLogits(m, ct::data::TakeRows(set.images, rows), y);
    e.loss += loss.item<double>() * static_cast<double>(rows.size());
    e.accuracy += ct::nn::accuracy(logits, y) * static_cast<double>(rows.size());
  }
  const double n = static_cast<double>(set.labels.rows());
  return {e.loss / n, e.accuracy / n};
}

// The first `n` examples of a set (for the smoke test).
ct::datasets::ImageSet Head(const ct::datasets::ImageSet& set, int64_t n) {
  std::vector<int32_t> rows(std::min(n, set.labels.rows()));
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int32_t>(i);
  return {ct::data::SelectRows(set.images, rows), ct::data::SelectRows(set.labels, rows)};
}

// A training curve: epochs (fractional for the running means) and values.
struct Curve {
  std::vector<double> x, y;
};

// The loss and accuracy curves, and beside them twelve test images titled with their predicted
// class, green when right and red when wrong; written to path.
void PlotTraining(const std::string& path, const Curve& train_loss, const Curve& test_loss,
                  const Curve& train_acc, const Curve& test_acc, const Cnn& m,
                  const ct::datasets::ImageSet& test) {
  namespace pl = ct::plot;
  pl::Figure figure(1340, 440);
  const auto curves = [&](pl::Rect frame, const char* title, const char* y_label,
                          const Curve& train, const Curve& tested) {
    pl::Axes& axes = figure.AddAxes(frame);
    axes.Plot(train.x, train.y,
              {.label = "train (running mean)", .color = pl::kBlue, .line_width = 1.5});
    axes.Plot(tested.x, tested.y,
              {.label = "test", .color = pl::kOrange, .marker = pl::Marker::kCircle});
    axes.Title(title);
    axes.XLabel("epoch");
    axes.YLabel(y_label);
    axes.Legend();
  };
  curves({0, 0, 480, 440}, "loss", "cross-entropy", train_loss, test_loss);
  curves({480, 0, 480, 440}, "accuracy", "accuracy (%)", train_acc, test_acc);

  const int cols = 4, rows = 3;
  const double left = 960, top = 34, cell_w = 95, cell_h = (440 - top - 6) / rows;
  figure.Text(left + cols * cell_w / 2, 10, "test predictions");
  std::vector<int32_t> pick;
  for (int i = 0; i < cols * rows && i < test.labels.rows(); ++i) pick.push_back(i * 7);
  const std::vector<int32_t> predicted =
      ct::argmax(Logits(m, ct::data::TakeRows(test.images, pick)), -1).to_vector<int32_t>();
  for (size_t k = 0; k < pick.size(); ++k) {
    pl::Axes& axes = figure.AddAxes({left + static_cast<double>(k % cols) * cell_w,
                                     top + static_cast<double>(k / cols) * cell_h, cell_w, cell_h});
    const auto pixels = test.images.values.begin() + static_cast<ptrdiff_t>(pick[k]) * 784;
    pl::Field image{.rows = 28, .cols = 28, .x = {0, 28}, .y = {0, 28}};
    image.values.assign(pixels, pixels + 784);
    axes.Heatmap(image, [](double ink) { return pl::Mix(pl::kWhite, pl::kBlack, ink); });
    const bool right = predicted[k] == test.labels.values[pick[k]];
    axes.Title(ct::datasets::FashionMnistClasses()[predicted[k]], right ? pl::kGreen : pl::kRed,
               12);
    axes.AxisOff();
    axes.EqualAspect();
  }
  figure.Save(path);
}

// The optimizer chosen by --optimizer; both are pure init/update pairs (optim.h).
using Optimizer = std::variant<ct::optim::Adam, ct::optim::Sgd>;
using OptState = std::variant<ct::optim::AdamState<Cnn>, ct::optim::SgdState<Cnn>>;

int Run(int argc, char** argv) {
  ct::cli::ParseFlags(argc, argv, "a CNN on Fashion-MNIST, with training curves as a PNG");
  const bool smoke = absl::GetFlag(FLAGS_smoke);
  const int64_t epochs = absl::GetFlag(FLAGS_epochs).value_or(smoke ? 1 : 3);
  const int64_t batch_size = absl::GetFlag(FLAGS_batch_size).value_or(smoke ? 64 : 128);
  const std::string opt_name = absl::GetFlag(FLAGS_optimizer);
  const std::optional<double> lr = absl::GetFlag(FLAGS_lr);
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  const bool eager = absl::GetFlag(FLAGS_eager);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  const std::string checkpoint = absl::GetFlag(FLAGS_checkpoint).empty()
                                     ? out_dir + "/fashion_mnist_checkpoint.npz"
                                     : absl::GetFlag(FLAGS_checkpoint);
  if (opt_name != "adam" && opt_name != "sgd") {
    ct::ThrowInvalid("fashion_mnist: --optimizer must be adam or sgd, got '", opt_name, "'");
  }
  // Data parallel: the processes form a mesh with one axis, "data"; process 0 reports.
  const bool data_parallel = absl::GetFlag(FLAGS_data_parallel);
  std::optional<ct::distributed::Mesh> mesh;
  int64_t processes = 1, rank = 0;
  if (data_parallel) {
    ct::distributed::Initialize();
    processes = ct::distributed::process_count();
    rank = ct::distributed::process_index();
    mesh.emplace(std::vector<std::pair<std::string, int64_t>>{{"data", processes}});
    // The processes on this machine share its cores.
    ct::set_cpu_threads(std::max(1, ct::cpu_threads() / ct::distributed::local_process_count()));
    if (batch_size % processes != 0) {
      ct::ThrowInvalid("fashion_mnist: --batch_size ", batch_size, " does not split over ",
                       processes, " processes");
    }
    if (rank != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) return 1;
  }
  std::ostream quiet(nullptr);  // the progress bars of processes other than 0
  std::FILE* loss_log = nullptr;
  if (const std::string path = absl::GetFlag(FLAGS_loss_log); !path.empty() && rank == 0) {
    loss_log = std::fopen(path.c_str(), "w");
    if (loss_log == nullptr) ct::ThrowInvalid("fashion_mnist: cannot write ", path);
  }

  const auto t_load = std::chrono::steady_clock::now();
  ct::datasets::FashionMnist data = ct::datasets::LoadFashionMnist(data_dir);
  if (smoke) data = {Head(data.train, 512), Head(data.test, 500)};
  const ct::datasets::ImageSet& train = data.train;
  const ct::datasets::ImageSet& test = data.test;
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const int64_t steps_per_epoch = train.labels.rows() / batch_size;
  const int64_t total_steps = epochs * steps_per_epoch;
  std::printf(
      "fashion_mnist: %lld train / %lld test images (loaded in %.1f s); %lld epochs of "
      "%lld steps, batch %lld, %s\n",
      static_cast<long long>(train.labels.rows()), static_cast<long long>(test.labels.rows()),
      load_s, static_cast<long long>(epochs), static_cast<long long>(steps_per_epoch),
      static_cast<long long>(batch_size), opt_name.c_str());

  auto [init_key, batch_key] = ct::random::split<2>(ct::random::key(seed));
  const std::string dtype_name = absl::GetFlag(FLAGS_dtype);
  if (dtype_name != "f32" && dtype_name != "f64") {
    ct::ThrowInvalid("fashion_mnist: --dtype must be f32 or f64, got '", dtype_name, "'");
  }
  Cnn cnn = InitCnn(init_key, dtype_name == "f64" ? ct::f64 : ct::f32);
  // Cosine decay to 10% of the peak rate over the whole run.
  const Optimizer opt =
      opt_name == "adam"
          ? Optimizer(ct::optim::Adam(
                {.learning_rate = ct::optim::CosineDecay(lr.value_or(2e-3), total_steps, 0.1)}))
          : Optimizer(ct::optim::Sgd(
                {.learning_rate = ct::optim::CosineDecay(lr.value_or(0.05), total_steps, 0.1),
                 .momentum = 0.9}));
  OptState state = std::visit([&](const auto& o) { return OptState(o.Init(cnn)); }, opt);
  // Checkpoints hold the parameters, the optimizer's state and the steps taken, at epoch ends.
  const auto checkpoint_of = [&](const auto& s, int64_t step) {
    return ct::training::TrainState<Cnn, std::decay_t<decltype(s)>>{cnn, s, step};
  };
  int64_t first_epoch = 0;
  if (absl::GetFlag(FLAGS_resume)) {
    int64_t step = 0;
    std::visit(
        [&](auto& s) {
          const auto restored = ct::training::LoadCheckpoint(checkpoint, checkpoint_of(s, 0));
          cnn = restored.params;
          s = restored.opt;
          step = restored.step;
        },
        state);
    if (step % steps_per_epoch != 0) {
      ct::ThrowInvalid("fashion_mnist: ", checkpoint, " was saved after step ", step,
                       ", not at the end of an epoch of ", steps_per_epoch, " steps");
    }
    first_epoch = step / steps_per_epoch;
    std::printf("resumed from %s after epoch %lld\n", checkpoint.c_str(),
                static_cast<long long>(first_epoch));
  }
  const int64_t last_epoch = std::min(epochs, absl::GetFlag(FLAGS_stop_after).value_or(epochs));
  ct::cli::MakeDirs(std::filesystem::path(checkpoint).parent_path().string());
  // The gradient step traced once and run compiled (docs/jit.md); --eager for comparison.
  const auto grad_fn = ct::value_and_grad(LossAndLogits, ct::has_aux);
  const auto jit_grad_fn = ct::jit(grad_fn, ct::jit_name("train_step"));
  using Step = std::function<
      std::invoke_result_t<decltype(grad_fn), const Cnn&, const ct::Tensor&, const ct::Tensor&>(
          const Cnn&, const ct::Tensor&, const ct::Tensor&)>;
  Step step_fn = eager ? Step(grad_fn) : Step(jit_grad_fn);
  if (data_parallel) {
    // The loss over the processes' mesh: each process's part of the batch (P{"data"}: rows
    // cut over the processes) gives its loss, whose mean over the processes is the whole
    // batch's (equal parts), and every part's logits are gathered. The parameters are
    // replicated (P{}): their gradient comes back as the processes' mean (shard_map's
    // transpose all-reduces it), so every process applies the same update.
    const auto part = [](const Cnn& m, const ct::Tensor& x, const ct::Tensor& y) {
      const auto [loss, logits] = LossAndLogits(m, x, y);
      return std::make_pair(ct::pmean(loss, "data"), logits);
    };
    const auto dp_grad_fn =
        ct::value_and_grad(ct::shard_map(part, *mesh, {ct::P{}, ct::P{"data"}, ct::P{"data"}},
                                         {ct::P{}, ct::P{"data"}}),
                           ct::has_aux);
    step_fn = eager ? Step(dp_grad_fn) : Step(ct::jit(dp_grad_fn, ct::jit_name("train_step")));
  }

  Curve train_loss, test_loss, train_acc, test_acc;
  const auto record_test = [&](double epoch) {
    const Evaluation e = Evaluate(cnn, test);
    test_loss.x.push_back(epoch);
    test_loss.y.push_back(e.loss);
    test_acc.x.push_back(epoch);
    test_acc.y.push_back(100 * e.accuracy);
    return e;
  };

  const int64_t window = std::max<int64_t>(1, steps_per_epoch / 20);
  double train_seconds = 0;
  Evaluation final_eval;
  for (int64_t epoch = first_epoch; epoch < last_epoch; ++epoch) {
    const auto batches =
        ct::data::ShuffledBatches(ct::random::fold_in(batch_key, static_cast<uint32_t>(epoch)),
                                  train.labels.rows(), batch_size, /*drop_remainder=*/true);
    const std::string label = "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs);
    ct::progress::ProgressBar bar =
        rank == 0 ? ct::progress::ProgressBar(label, steps_per_epoch)
                  : ct::progress::ProgressBar(label, steps_per_epoch, quiet, false);
    double sum_loss = 0, sum_acc = 0, win_loss = 0, win_acc = 0;
    char status[48] = "";
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      // The whole batch on every process (shard_map gives each its part).
      const ct::Tensor x = ct::data::TakeRows(train.images, batches[s]);
      const ct::Tensor y = ct::data::TakeRows(train.labels, batches[s]);
      auto [value, grads] = step_fn(cnn, x, y);
      std::visit(
          [&](const auto& o) {
            using State = std::decay_t<decltype(o.Init(cnn))>;
            auto [updates, next] = o.Update(grads, std::get<State>(state));
            state = std::move(next);
            cnn = ct::optim::ApplyUpdates(cnn, updates);
          },
          opt);
      const double loss = value.first.item<double>();
      const double acc = ct::nn::accuracy(value.second, y);
      if (loss_log != nullptr) std::fprintf(loss_log, "%.17g\n", loss);
      sum_loss += loss, sum_acc += acc, win_loss += loss, win_acc += acc;
      if ((s + 1) % window == 0) {
        const double at = static_cast<double>(epoch) + static_cast<double>(s + 1) / steps_per_epoch;
        train_loss.x.push_back(at);
        train_loss.y.push_back(win_loss / window);
        train_acc.x.push_back(at);
        train_acc.y.push_back(100 * win_acc / window);
        win_loss = win_acc = 0;
      }
      std::snprintf(status, sizeof(status), "loss %.3f acc %.1f%%", sum_loss / (s + 1),
                    100 * sum_acc / (s + 1));
      bar.Update(s + 1, status);
    }
    bar.Finish(status);
    const double epoch_seconds = bar.elapsed();
    train_seconds += epoch_seconds;
    const auto t_eval = std::chrono::steady_clock::now();
    final_eval = record_test(static_cast<double>(epoch + 1));
    std::printf(
        "epoch %lld: train loss %.4f acc %.2f%% | test loss %.4f acc %.2f%% | "
        "%.1f s training (%.0f ms/step), %.1f s test\n",
        static_cast<long long>(epoch + 1), sum_loss / steps_per_epoch,
        100 * sum_acc / steps_per_epoch, final_eval.loss, 100 * final_eval.accuracy, epoch_seconds,
        1000 * epoch_seconds / steps_per_epoch,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_eval).count());
    if (rank == 0) {
      std::visit(
          [&](const auto& s) {
            ct::training::SaveCheckpoint(checkpoint,
                                         checkpoint_of(s, (epoch + 1) * steps_per_epoch));
          },
          state);
    }
  }
  if (last_epoch < epochs) {
    std::printf("stopped after epoch %lld; checkpoint %s (--resume continues)\n",
                static_cast<long long>(last_epoch), checkpoint.c_str());
    return 0;
  }
  if (first_epoch >= last_epoch) final_eval = record_test(static_cast<double>(epochs));
  const int64_t steps_run = (last_epoch - first_epoch) * steps_per_epoch;
  const double step_flops = 3 * ForwardFlops() * static_cast<double>(batch_size);
  std::printf(
      "test accuracy %.2f%% after %lld epochs; training took %s (%.0f ms/step, "
      "%.2f GFLOP/step, %.1f GFLOP/s)\n",
      100 * final_eval.accuracy, static_cast<long long>(epochs),
      ct::progress::FormatDuration(train_seconds).c_str(),
      1000 * train_seconds / std::max<int64_t>(steps_run, 1), step_flops / 1e9,
      step_flops * static_cast<double>(steps_run) / std::max(train_seconds, 1e-9) / 1e9);

  if (loss_log != nullptr) std::fclose(loss_log);
  if (data_parallel) {
    std::printf("data parallel: %lld processes, %lld images each per step\n",
                static_cast<long long>(processes), static_cast<long long>(batch_size / processes));
  }
  if (rank == 0) {
    ct::cli::MakeDirs(out_dir);
    const std::string path = out_dir + "/fashion_mnist.png";
    PlotTraining(path, train_loss, test_loss, train_acc, test_acc, cnn, test);
    std::cout << "curves written to " << path << "\n";
  }
  if (!smoke && final_eval.accuracy < 0.88) {
    std::cerr << "error: test accuracy below the 88% target\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ct::cli::Main(argc, argv, Run); }
