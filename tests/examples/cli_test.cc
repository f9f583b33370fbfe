// File: tests/examples/cli_test.cc
// cli::ParseFlags: values, the optional-flag spelling of --smoke-dependent defaults, and the
// exits for unknown or malformed flags and stray arguments. Each parse runs in a death-test
// child (style "threadsafe": a fresh process), since a process parses its flags only once.

#include "examples/support/cli.h"

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(bool, smoke, false, "help");
ABSL_FLAG(std::optional<int64_t>, epochs, std::nullopt, "help (default 3, 1 with --smoke)");
ABSL_FLAG(int64_t, steps, 3, "help");
ABSL_FLAG(double, lr, 0.1, "help");
ABSL_FLAG(std::string, out, "x", "help");

namespace cotangent::cli {
namespace {

// Main(ParseFlags) on args after the program name: prints the resolved flags to stderr (where
// death tests look) and returns 0, or exits as Abseil does, or returns Main's 1 on an error.
int ParseAndPrint(std::vector<std::string> args) {
  args.insert(args.begin(), "/path/to/example");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return Main(static_cast<int>(argv.size()), argv.data(), [](int argc, char** argv) {
    ParseFlags(argc, argv, "a test");
    const bool smoke = absl::GetFlag(FLAGS_smoke);
    std::cerr << "smoke=" << smoke
              << " epochs=" << absl::GetFlag(FLAGS_epochs).value_or(smoke ? 1 : 3)
              << " steps=" << absl::GetFlag(FLAGS_steps) << " lr=" << absl::GetFlag(FLAGS_lr)
              << " out=" << absl::GetFlag(FLAGS_out) << "\n";
    return 0;
  });
}

class ParseFlagsDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

using ::testing::ExitedWithCode;

TEST_F(ParseFlagsDeathTest, ParsesValuesAndDefaults) {
  EXPECT_EXIT(std::exit(ParseAndPrint({})), ExitedWithCode(0),
              "smoke=0 epochs=3 steps=3 lr=0.1 out=x");
  EXPECT_EXIT(std::exit(ParseAndPrint({"--smoke", "--steps=12", "--lr=0.5", "--out=a/b"})),
              ExitedWithCode(0), "smoke=1 epochs=1 steps=12 lr=0.5 out=a/b");
  EXPECT_EXIT(std::exit(ParseAndPrint({"--smoke", "--epochs=7", "--steps", "12"})),
              ExitedWithCode(0), "smoke=1 epochs=7 steps=12");
  // An empty value unsets an optional flag: the --smoke default again.
  EXPECT_EXIT(std::exit(ParseAndPrint({"--epochs=7", "--smoke", "--epochs="})),
              ExitedWithCode(0), "smoke=1 epochs=1");
}

TEST_F(ParseFlagsDeathTest, RejectsUnknownAndMalformedFlags) {
  EXPECT_EXIT(ParseAndPrint({"--stpes=12"}), ExitedWithCode(1),
              "Unknown command line flag 'stpes'");
  EXPECT_EXIT(ParseAndPrint({"--steps=twelve"}), ExitedWithCode(1),
              "Illegal value 'twelve' specified for flag 'steps'");
}

TEST_F(ParseFlagsDeathTest, RejectsPositionalArguments) {
  EXPECT_EXIT(std::exit(ParseAndPrint({"--smoke", "data.txt"})), ExitedWithCode(1),
              "error: example: unexpected argument 'data.txt'");
}

}  // namespace
}  // namespace cotangent::cli
