// File: examples/support/cli.cc
// Flag parsing, the output directory and main() of cli.h.

#include "examples/support/cli.h"

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/string_view.h"
#include "cotangent/cotangent.h"

namespace cotangent::cli {

void ParseFlags(int argc, char** argv, std::string_view usage) {
  absl::SetProgramUsageMessage(absl::string_view(usage.data(), usage.size()));
  // Element 0 is the program; the rest are arguments that are not flags (or follow `--`).
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    ThrowInvalid(std::filesystem::path(positional[0]).filename().string(),
                 ": unexpected argument '", positional[1], "' (flags look like --name=value)");
  }
}

std::string DefaultOutputDir() {
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY"); ws != nullptr && *ws) {
    return std::string(ws) + "/out";
  }
  if (const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR"); dir != nullptr && *dir) {
    return dir;
  }
  return "out";
}

void MakeDirs(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) ThrowInvalid("cannot create directory ", dir, ": ", error.message());
}

int Main(int argc, char** argv, int (*run)(int, char**)) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace cotangent::cli
