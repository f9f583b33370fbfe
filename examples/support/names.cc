// File: examples/support/names.cc
// The names models' vocabulary, split and sample printing.

#include "examples/support/names.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "examples/support/plot.h"

namespace cotangent::names {

Vocab::Vocab(const std::vector<std::string>& names) : chars(".") {
  std::set<char> seen;
  for (const std::string& name : names) seen.insert(name.begin(), name.end());
  chars.append(seen.begin(), seen.end());
}

Split SplitNames(const std::vector<std::string>& names, const random::Key& key) {
  const std::vector<int32_t> order =
      random::permutation(key, static_cast<int64_t>(names.size())).to_vector<int32_t>();
  const size_t n1 = names.size() * 8 / 10, n2 = names.size() * 9 / 10;
  Split split;
  for (size_t i = 0; i < order.size(); ++i) {
    (i < n1 ? split.train : i < n2 ? split.val : split.test).push_back(names[order[i]]);
  }
  return split;
}

void PrintSamples(const char* title, const random::Key& key, int n,
                  const std::set<std::string>& train,
                  const std::function<std::string(const random::Key&)>& sample_one) {
  std::cout << title << " (* = not in the training set):\n ";
  for (int i = 0; i < n; ++i) {
    const std::string name = sample_one(random::fold_in(key, static_cast<uint32_t>(i)));
    std::cout << " " << (name.empty() ? "(empty)" : name)
              << (name.empty() || train.count(name) ? "" : "*");
  }
  std::cout << "\n";
}

LossCurves::LossCurves(int64_t steps, const std::string& model)
    : steps_(steps),
      window_(std::max<int64_t>(1, steps / 100)),
      model_(model),
      bar_("training", steps) {}

void LossCurves::Train(int64_t k, double loss) {
  window_sum_ += loss;
  if ((k + 1) % window_ != 0) return;
  const double mean = window_sum_ / static_cast<double>(window_);
  train_x_.push_back(static_cast<double>(k + 1));
  train_y_.push_back(mean);
  char status[32];
  std::snprintf(status, sizeof(status), "loss %.3f", mean);
  window_sum_ = 0;
  bar_.Update(k + 1, status);
}

bool LossCurves::ValDue(int64_t k) const {
  return (k + 1) % std::max<int64_t>(1, steps_ / 10) == 0;
}

void LossCurves::Val(int64_t k, double loss) {
  val_x_.push_back(static_cast<double>(k + 1));
  val_y_.push_back(loss);
}

void LossCurves::Plot(const std::string& path, const std::string& title,
                      const std::string& y_label, double bigram_val) const {
  plot::Figure figure(760, 420);
  plot::Axes& axes = figure.AddAxes();
  axes.Plot(train_x_, train_y_,
            {.label = "train minibatch loss (mean of " + std::to_string(window_) + " steps)",
             .color = plot::kBlue,
             .line_width = 1.5});
  axes.Plot(val_x_, val_y_,
            {.label = model_ + " val loss",
             .color = plot::kOrange,
             .marker = plot::Marker::kCircle});
  axes.HLine(bigram_val,
             {.label = "bigram (counts) val loss", .color = plot::kGray, .dashed = true});
  axes.Title(title);
  axes.XLabel("step");
  axes.YLabel(y_label);
  axes.Legend();
  figure.Save(path);
  std::cout << "training curve written to " << path << "\n";
}

}  // namespace cotangent::names
