// File: examples/support/cli.cc
// Flag parsing and the output directory of cli.h.

#include "examples/support/cli.h"

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "cotangent/cotangent.h"

namespace cotangent::cli {

Flags::Flags(int argc, const char* const* argv, std::string description)
    : program_(argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "example"),
      description_(std::move(description)) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      ThrowInvalid(program_, ": unexpected argument '", arg, "' (flags look like --name=value)");
    }
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    values_[name] = eq == std::string::npos ? "" : arg.substr(eq + 1);
    read_[name] = false;
  }
}

const std::string* Flags::Take(const std::string& name, const std::string& help,
                               const std::string& default_text) {
  help_lines_.push_back("  --" + name + (default_text.empty() ? "" : "=" + default_text) +
                        "\n      " + help);
  const auto it = values_.find(name);
  if (it == values_.end()) return nullptr;
  read_[name] = true;
  return &it->second;
}

bool Flags::Bool(const std::string& name, const std::string& help) {
  const std::string* value = Take(name, help, "");
  if (value == nullptr) return false;
  if (value->empty() || *value == "true" || *value == "1") return true;
  if (*value == "false" || *value == "0") return false;
  ThrowInvalid(program_, ": --", name, " takes true or false, got '", *value, "'");
}

int64_t Flags::Int(const std::string& name, int64_t default_value, const std::string& help) {
  const std::string* value = Take(name, help, std::to_string(default_value));
  if (value == nullptr) return default_value;
  size_t used = 0;
  int64_t parsed = 0;
  try {
    parsed = std::stoll(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value->empty() || used != value->size()) {
    ThrowInvalid(program_, ": --", name, " takes an integer, got '", *value, "'");
  }
  return parsed;
}

double Flags::Double(const std::string& name, double default_value, const std::string& help) {
  const std::string* value = Take(name, help, Cat(default_value));
  if (value == nullptr) return default_value;
  size_t used = 0;
  double parsed = 0;
  try {
    parsed = std::stod(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value->empty() || used != value->size()) {
    ThrowInvalid(program_, ": --", name, " takes a number, got '", *value, "'");
  }
  return parsed;
}

std::string Flags::String(const std::string& name, const std::string& default_value,
                          const std::string& help) {
  const std::string* value = Take(name, help, default_value.empty() ? "..." : default_value);
  return value == nullptr ? default_value : *value;
}

bool Flags::Finish() {
  if (help_) {
    std::cout << program_ << ": " << description_ << "\n\nflags:\n";
    for (const std::string& line : help_lines_) std::cout << line << "\n";
    return true;
  }
  for (const auto& [name, was_read] : read_) {
    if (!was_read) ThrowInvalid(program_, ": unknown flag --", name, " (see --help)");
  }
  return false;
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
