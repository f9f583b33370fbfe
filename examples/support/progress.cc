// File: examples/support/progress.cc
// Drawing of the progress bar of progress.h.

#include "examples/support/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace cotangent::progress {
namespace {

constexpr int kWidth = 24;  // characters of the bar itself
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total)
    : ProgressBar(std::move(label), total, std::cerr, isatty(STDERR_FILENO) == 1) {}

ProgressBar::ProgressBar(std::string label, int64_t total, std::ostream& os, bool interactive)
    : label_(std::move(label)),
      total_(std::max<int64_t>(total, 1)),
      os_(os),
      interactive_(interactive),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - kRedrawInterval) {}

double ProgressBar::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string ProgressBar::Line(int64_t done, std::string_view status, bool final) const {
  const int filled = static_cast<int>(kWidth * std::min(done, total_) / total_);
  std::string line = label_ + " [" + std::string(filled, '#') + std::string(kWidth - filled, '.') +
                     "] " + std::to_string(done) + "/" + std::to_string(total_);
  if (!status.empty()) line += " " + std::string(status);
  const double seconds = elapsed();
  char rate[64];
  if (final) {
    std::snprintf(rate, sizeof(rate), "  %.1f it/s  %s", done / std::max(seconds, 1e-9),
                  FormatDuration(seconds).c_str());
  } else if (done > 0) {
    const double eta = seconds / done * (total_ - done);
    std::snprintf(rate, sizeof(rate), "  %.1f it/s  eta %s", done / std::max(seconds, 1e-9),
                  FormatDuration(eta).c_str());
  } else {
    rate[0] = '\0';
  }
  return line + rate;
}

void ProgressBar::Update(int64_t done, std::string_view status) {
  done_ = done;
  if (finished_) return;
  if (interactive_) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < kRedrawInterval && done < total_) return;
    last_draw_ = now;
    // Pad so a shorter line fully covers the previous one.
    os_ << "\r" << Line(done, status, false) << "   " << std::flush;
  } else {
    const int quarter = static_cast<int>(4 * std::min(done, total_) / total_);
    if (quarter <= last_quarter_ || quarter == 4) return;  // the last quarter is Finish's
    last_quarter_ = quarter;
    os_ << Line(done, status, false) << "\n" << std::flush;
  }
}

void ProgressBar::Finish(std::string_view status) {
  if (finished_) return;
  finished_ = true;
  os_ << (interactive_ ? "\r" : "") << Line(done_, status, true) << "   \n" << std::flush;
}

std::string FormatDuration(double seconds) {
  const int64_t total = static_cast<int64_t>(std::llround(std::max(seconds, 0.0)));
  const int64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
  char text[32];
  if (h > 0) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(s));
  } else {
    std::snprintf(text, sizeof(text), "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(s));
  }
  return text;
}

}  // namespace cotangent::progress
