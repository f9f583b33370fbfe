// File: examples/moons.cc
// micrograd's demo in Cotangent: a 2-16-16-1 MLP separates the two interleaving half-moons
// (made here with random::, as scikit-learn's make_moons), trained with the max-margin loss
// and plain SGD with a decaying rate, then the decision boundary drawn to a PNG.
// Run: bash tools/run.sh //examples:moons   (writes out/moons.png)

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <numbers>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "cotangent/cotangent.h"
#include "examples/support/cli.h"
#include "examples/support/optim.h"
#include "examples/support/plot.h"

ABSL_FLAG(int64_t, samples, 100, "number of points");
ABSL_FLAG(int64_t, steps, 100, "SGD steps (full batch)");
ABSL_FLAG(int64_t, seed, 0, "PRNG seed");
ABSL_FLAG(std::string, out_dir, cotangent::cli::DefaultOutputDir(), "where the plot goes");
ABSL_FLAG(bool, smoke, false, "accepted for uniformity: the full run already takes a second");

namespace ct = cotangent;

namespace {

// micrograd's MLP(2, [16, 16, 1]): ReLU hidden layers, a linear output (the score).
struct Mlp {
  ct::Tensor w1, b1, w2, b2, w3, b3;
};
auto tree_fields(Mlp& m) { return std::tie(m.w1, m.b1, m.w2, m.b2, m.w3, m.b3); }

// Weights uniform in [-1, 1) as micrograd's Neuron, biases 0.
Mlp InitMlp(const ct::random::Key& key) {
  auto [k1, k2, k3] = ct::random::split<3>(key);
  return {ct::random::uniform(k1, {2, 16}, ct::f32, -1, 1),  ct::zeros({16}),
          ct::random::uniform(k2, {16, 16}, ct::f32, -1, 1), ct::zeros({16}),
          ct::random::uniform(k3, {16, 1}, ct::f32, -1, 1),  ct::zeros({1})};
}

// Scores [N] of points x [N,2]: positive means the inner moon (label +1).
ct::Tensor Score(const Mlp& m, const ct::Tensor& x) {
  const ct::Tensor h1 = ct::relu(ct::matmul(x, m.w1) + m.b1);
  const ct::Tensor h2 = ct::relu(ct::matmul(h1, m.w2) + m.b2);
  return ct::squeeze(ct::matmul(h2, m.w3) + m.b3, 1);
}

// The max-margin (SVM) loss mean(relu(1 - y score)) plus micrograd's L2 penalty
// 1e-4 * sum(p^2) over every parameter.
ct::Tensor Loss(const Mlp& m, const ct::Tensor& x, const ct::Tensor& y) {
  ct::Tensor penalty = ct::scalar(0.0);
  for (const ct::Tensor& p : ct::TreeLeaves(m)) penalty = penalty + ct::sum(ct::square(p));
  return ct::mean(ct::relu(1.0 - y * Score(m, x))) + 1e-4 * penalty;
}

double Accuracy(const Mlp& m, const ct::Tensor& x, const ct::Tensor& y) {
  return ct::mean(ct::astype((Score(m, x) > 0.0) == (y > 0.0), ct::f32)).item<double>();
}

struct Moons {
  ct::Tensor x;  // [N,2]
  ct::Tensor y;  // [N], -1 (outer moon) or +1 (inner moon)
};

// scikit-learn's make_moons(n, noise): n/2 points on the upper half circle, n/2 on the lower
// one shifted right and down, plus Gaussian noise of standard deviation `noise`.
Moons MakeMoons(const ct::random::Key& key, int64_t n, double noise) {
  const int64_t n_out = n / 2, n_in = n - n_out;
  const ct::Tensor t_out = ct::linspace(0, std::numbers::pi, n_out);
  const ct::Tensor t_in = ct::linspace(0, std::numbers::pi, n_in);
  const ct::Tensor xs = ct::concatenate({ct::cos(t_out), 1.0 - ct::cos(t_in)});
  const ct::Tensor ys = ct::concatenate({ct::sin(t_out), 0.5 - ct::sin(t_in)});
  const ct::Tensor x = ct::stack({xs, ys}, 1) + noise * ct::random::normal(key, {n, 2});
  const ct::Tensor y = ct::concatenate({ct::full({n_out}, -1.0), ct::full({n_in}, 1.0)});
  return {x, y};
}

// The points over the classifier's decision regions (the sign of its score), with the decision
// boundary (score = 0) as a contour, written to path.
void PlotDecisionBoundary(const Mlp& m, const Moons& data, double accuracy,
                          const std::string& path) {
  namespace pl = ct::plot;
  pl::Figure figure(640, 520);
  pl::Axes& axes = figure.AddAxes();
  char title[64];
  std::snprintf(title, sizeof(title), "moons: %.0f%% training accuracy", 100 * accuracy);
  axes.Title(title);
  axes.XLabel("x0");
  axes.YLabel("x1");
  axes.XLim(-1.6, 2.6);
  axes.YLim(-1.2, 1.7);
  axes.Grid(false);
  // One forward pass over a grid with a cell per pixel of the plot area.
  const pl::Rect area = axes.PlotArea();
  pl::Field field{.rows = static_cast<int>(area.height),
                  .cols = static_cast<int>(area.width),
                  .x = {-1.6, 2.6},
                  .y = {-1.2, 1.7}};
  std::vector<float> grid;
  for (int r = 0; r < field.rows; ++r) {
    for (int c = 0; c < field.cols; ++c) {
      grid.push_back(static_cast<float>(field.X(c)));
      grid.push_back(static_cast<float>(field.Y(r)));
    }
  }
  const int64_t cells = static_cast<int64_t>(grid.size()) / 2;
  const std::vector<float> score = Score(m, ct::from_vector(grid, {cells, 2})).to_vector<float>();
  field.values.assign(score.begin(), score.end());
  const pl::Rgb outer = pl::kBlue, inner = pl::kRed;
  axes.Heatmap(field, [&](double s) { return pl::Mix(pl::kWhite, s > 0 ? inner : outer, 0.2); });
  axes.Contour(field, 0.0, {.label = "decision boundary", .color = pl::kBlack, .line_width = 1.5});
  std::vector<double> outer_x, outer_y, inner_x, inner_y;
  const std::vector<float> x = data.x.to_vector<float>(), y = data.y.to_vector<float>();
  for (size_t i = 0; i < y.size(); ++i) {
    (y[i] > 0 ? inner_x : outer_x).push_back(x[2 * i]);
    (y[i] > 0 ? inner_y : outer_y).push_back(x[2 * i + 1]);
  }
  axes.Scatter(outer_x, outer_y,
               {.label = "outer moon (y = \u22121)", .color = outer, .edge_width = 0.8});
  axes.Scatter(inner_x, inner_y,
               {.label = "inner moon (y = +1)", .color = inner, .edge_width = 0.8});
  axes.Legend();
  figure.Save(path);
}

int Run(int argc, char** argv) {
  ct::cli::ParseFlags(argc, argv, "the micrograd two-moons MLP, with a decision-boundary plot");
  const int64_t n = absl::GetFlag(FLAGS_samples);
  const int64_t steps = absl::GetFlag(FLAGS_steps);
  const int64_t seed = absl::GetFlag(FLAGS_seed);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);

  auto [data_key, init_key] = ct::random::split<2>(ct::random::key(seed));
  const Moons data = MakeMoons(data_key, n, 0.1);
  Mlp mlp = InitMlp(init_key);
  std::cout << "moons: " << n << " points, MLP 2-16-16-1 with " << [&] {
    int64_t count = 0;
    for (const ct::Tensor& p : ct::TreeLeaves(mlp)) count += p.size();
    return count;
  }() << " parameters, SVM max-margin loss, SGD\n";

  // micrograd's schedule: learning rate 1.0 - 0.9 * k / steps.
  const ct::optim::Sgd sgd({.learning_rate = ct::optim::Schedule([steps](int64_t k) {
                              return 1.0 -
                                     0.9 * static_cast<double>(k) / static_cast<double>(steps);
                            })});
  auto state = sgd.Init(mlp);
  const auto loss_and_grad = ct::value_and_grad(Loss);
  for (int64_t k = 0; k < steps; ++k) {
    auto [loss, grads] = loss_and_grad(mlp, data.x, data.y);
    if (k % 10 == 0) {
      std::printf("step %3lld  loss %.4f  accuracy %5.1f%%\n", static_cast<long long>(k),
                  loss.item<double>(), 100 * Accuracy(mlp, data.x, data.y));
    }
    auto [updates, next] = sgd.Update(grads, state);
    state = std::move(next);
    mlp = ct::optim::ApplyUpdates(mlp, updates);
  }
  const double accuracy = Accuracy(mlp, data.x, data.y);
  std::printf("step %3lld  loss %.4f  accuracy %5.1f%%\n", static_cast<long long>(steps),
              Loss(mlp, data.x, data.y).item<double>(), 100 * accuracy);
  ct::cli::MakeDirs(out_dir);
  const std::string path = out_dir + "/moons.png";
  PlotDecisionBoundary(mlp, data, accuracy, path);
  std::printf("decision boundary written to %s\n", path.c_str());
  if (accuracy < 1.0) {
    std::cerr << "error: expected 100% training accuracy\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ct::cli::Main(argc, argv, Run); }
