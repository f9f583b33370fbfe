// File: tests/examples/progress_test.cc
// The progress bar's output when not on a terminal, and duration formatting.

#include "examples/support/progress.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cotangent::progress {
namespace {

using ::testing::HasSubstr;

TEST(ProgressBar, PrintsQuartersThenTheFinalLine) {
  std::ostringstream os;
  ProgressBar bar("epoch 1/2", 8, os, /*interactive=*/false);
  for (int i = 1; i <= 8; ++i) bar.Update(i, "loss 0.5");
  bar.Finish("done");
  const std::string out = os.str();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << out;  // 1/4, 2/4, 3/4, final
  EXPECT_THAT(out, HasSubstr("epoch 1/2 [######..................] 2/8 loss 0.5"));
  EXPECT_THAT(out, HasSubstr("[########################] 8/8 done"));
  EXPECT_THAT(out, HasSubstr("it/s"));
}

TEST(ProgressBar, InteractiveRedrawsOneLine) {
  std::ostringstream os;
  ProgressBar bar("train", 3, os, /*interactive=*/true);
  bar.Update(3);
  bar.Finish();
  const std::string out = os.str();
  EXPECT_EQ(out.front(), '\r');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(FormatDuration, MinutesAndHours) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(7.4), "0:07");
  EXPECT_EQ(FormatDuration(65), "1:05");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
}

}  // namespace
}  // namespace cotangent::progress
