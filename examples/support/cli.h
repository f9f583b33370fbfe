// File: examples/support/cli.h
// The examples' command line and run environment: Abseil flags parsed by ParseFlags (unknown
// flags are an error, --help lists the example's flags), the output directory, and main().
//
// An example defines its flags with ABSL_FLAG in its own .cc: each example is its own binary,
// so names never collide, and --help lists the flags of <program>.cc only. Run parses first:
//   ABSL_FLAG(bool, smoke, false, "a few steps only (the CI smoke test)");
//   ABSL_FLAG(std::optional<int64_t>, steps, std::nullopt, "steps (default 200, 10 with --smoke)");
//   int Run(int argc, char** argv) {
//     cli::ParseFlags(argc, argv, "character-level language models");
//     const bool smoke = absl::GetFlag(FLAGS_smoke);
//     const int64_t steps = absl::GetFlag(FLAGS_steps).value_or(smoke ? 10 : 200);
// A default that depends on --smoke (or on another flag) is always spelled that way: a
// std::optional flag, unset by default (`--steps=` unsets it again), whose help names the
// defaults (Abseil prints an unset flag's default as empty), resolved with value_or where Run
// reads it. A sentinel instead (0, -1) would be a value the user could not ask for.

#ifndef COTANGENT_EXAMPLES_SUPPORT_CLI_H_
#define COTANGENT_EXAMPLES_SUPPORT_CLI_H_

#include <string>
#include <string_view>

namespace cotangent::cli {

// Parses the ABSL_FLAGs of argv; `usage` (what the example does) heads the --help text. Abseil
// handles --help, --helpfull, an unknown flag and a malformed value itself: it prints and exits
// (--help with status 1 in Abseil 20220623, errors with 1). Throws cotangent::Error on a
// positional argument, which no example takes. Call it once per process.
void ParseFlags(int argc, char** argv, std::string_view usage);

// Where outputs (plots) go when --out_dir is not given: $BUILD_WORKSPACE_DIRECTORY/out under
// `bazel run`, $TEST_UNDECLARED_OUTPUTS_DIR under `bazel test`, else ./out.
std::string DefaultOutputDir();

// Creates dir (and its parents) if needed; throws cotangent::Error naming it on failure.
void MakeDirs(const std::string& dir);

// An example's main: returns run(argc, argv), or prints "error: <what>" and returns 1 when it
// throws (a positional argument, a missing dataset, a cotangent::Error).
int Main(int argc, char** argv, int (*run)(int, char**));

}  // namespace cotangent::cli

#endif  // COTANGENT_EXAMPLES_SUPPORT_CLI_H_
