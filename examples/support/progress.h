// File: examples/support/progress.h
// A one-line progress bar for training loops, redrawn in place on a terminal:
//   epoch 1/3 [##########..........] 234/468 loss 0.412  41.3 it/s  eta 0:05
// When the stream is not a terminal (logs, bazel test) it prints a line at every quarter
// instead, so logs stay short.

#ifndef COTANGENT_EXAMPLES_SUPPORT_PROGRESS_H_
#define COTANGENT_EXAMPLES_SUPPORT_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace cotangent::progress {

class ProgressBar {
 public:
  // total: the number of steps. interactive: redraw one line with '\r' (default: whether
  // stderr is a terminal, for os = std::cerr).
  ProgressBar(std::string label, int64_t total);
  ProgressBar(std::string label, int64_t total, std::ostream& os, bool interactive);

  // Records that `done` steps are complete and shows `status` (e.g. "loss 0.41").
  void Update(int64_t done, std::string_view status = "");
  // Completes the bar's line with the total time; the line is final.
  void Finish(std::string_view status = "");

  // Seconds since the bar was created.
  double elapsed() const;

 private:
  // The bar's text for `done` steps.
  std::string Line(int64_t done, std::string_view status, bool final) const;

  std::string label_;
  int64_t total_;
  std::ostream& os_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  int last_quarter_ = 0;
  int64_t done_ = 0;
  bool finished_ = false;
};

// "0:07", "1:05", "1:02:03".
std::string FormatDuration(double seconds);

}  // namespace cotangent::progress

#endif  // COTANGENT_EXAMPLES_SUPPORT_PROGRESS_H_
