// File: examples/support/cli.h
// The examples' command line and run environment: --name=value flags (unknown ones are an
// error, --help lists them) and the directory plots are written to.

#ifndef COTANGENT_EXAMPLES_SUPPORT_CLI_H_
#define COTANGENT_EXAMPLES_SUPPORT_CLI_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cotangent::cli {

// Flags of the form --name=value, or --name for a bool. Read each with a getter (which records
// its help line), then call Finish(): it rejects flags nobody read and handles --help.
//   Flags flags(argc, argv, "makemore: character-level language models");
//   const bool smoke = flags.Bool("smoke", "a few steps only (the CI smoke test)");
//   flags.Finish();
class Flags {
 public:
  Flags(int argc, const char* const* argv, std::string description);

  bool Bool(const std::string& name, const std::string& help);
  int64_t Int(const std::string& name, int64_t default_value, const std::string& help);
  double Double(const std::string& name, double default_value, const std::string& help);
  std::string String(const std::string& name, const std::string& default_value,
                     const std::string& help);

  // True when --help was given (Finish has printed the flags; the program should exit 0).
  // Throws cotangent::Error naming any flag that no getter read, or a malformed value.
  bool Finish();

 private:
  // The raw value of a flag, or nullptr; marks it as read.
  const std::string* Take(const std::string& name, const std::string& help,
                          const std::string& default_text);

  std::string program_;
  std::string description_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> read_;
  std::vector<std::string> help_lines_;
  bool help_ = false;
};

// Where outputs (plots) go when --out_dir is not given: $BUILD_WORKSPACE_DIRECTORY/out under
// `bazel run`, $TEST_UNDECLARED_OUTPUTS_DIR under `bazel test`, else ./out.
std::string DefaultOutputDir();

// Creates dir (and its parents) if needed; throws cotangent::Error naming it on failure.
void MakeDirs(const std::string& dir);

// An example's main: returns run(argc, argv), or prints "error: <what>" and returns 1 when it
// throws (a bad flag, a missing dataset, a cotangent::Error).
int Main(int argc, char** argv, int (*run)(int, char**));

}  // namespace cotangent::cli

#endif  // COTANGENT_EXAMPLES_SUPPORT_CLI_H_
