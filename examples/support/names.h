// File: examples/support/names.h
// What the character-level name models share (examples/makemore.cc, examples/makemore_gru.cc):
// the vocabulary, Karpathy's 80/10/10 split, and printing sampled names against the training
// set.

#ifndef COTANGENT_EXAMPLES_SUPPORT_NAMES_H_
#define COTANGENT_EXAMPLES_SUPPORT_NAMES_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cotangent/cotangent.h"
#include "examples/support/progress.h"

namespace cotangent::names {

// Characters <-> token ids; '.' (id 0) marks both the start and the end of a name.
struct Vocab {
  std::string chars;  // chars[id]

  explicit Vocab(const std::vector<std::string>& names);
  int64_t size() const { return static_cast<int64_t>(chars.size()); }
  int32_t Id(char c) const { return static_cast<int32_t>(chars.find(c)); }
};

struct Split {
  std::vector<std::string> train, val, test;
};

// Karpathy's 80/10/10 split of the names shuffled by key.
Split SplitNames(const std::vector<std::string>& names, const random::Key& key);

// Prints n names from sample_one(fold_in(key, i)), marking those not in the training set.
void PrintSamples(const char* title, const random::Key& key, int n,
                  const std::set<std::string>& train,
                  const std::function<std::string(const random::Key&)>& sample_one);

// A names model's training record: minibatch losses averaged over windows of steps / 100 (shown
// on a progress bar), validation losses every steps / 10, and their plot beside the bigram's
// validation loss.
class LossCurves {
 public:
  // `model`: the legend's name of the model ("MLP", "GRU").
  LossCurves(int64_t steps, const std::string& model);
  // The minibatch loss of step k (0-based).
  void Train(int64_t k, double loss);
  // Whether step k ends a tenth of the run (then record a validation loss with Val).
  bool ValDue(int64_t k) const;
  void Val(int64_t k, double loss);
  void Finish() { bar_.Finish(); }
  // Writes the plot to `path` with the bigram's validation loss as a line.
  void Plot(const std::string& path, const std::string& title, const std::string& y_label,
            double bigram_val) const;

 private:
  int64_t steps_, window_;
  std::string model_;
  double window_sum_ = 0;
  std::vector<double> train_x_, train_y_, val_x_, val_y_;  // the curves: step, loss
  progress::ProgressBar bar_;
};

}  // namespace cotangent::names

#endif  // COTANGENT_EXAMPLES_SUPPORT_NAMES_H_
