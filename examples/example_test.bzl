# example_smoke_tests: an example's smoke test, run once per backend. Defines
#   <binary>_test         the example on the default backend (cpu)
#   <binary>_vulkan_test  the same run with COTANGENT_BACKEND=vulkan (lavapipe in CI; tagged
#                         "vulkan"), elementwise fusion at its default threshold
# Each runs examples/run_example_test.sh: the example must exit 0 and print something.

def example_smoke_tests(binary, args = []):
    for suffix, env, tags in [
        ("_test", {}, []),
        ("_vulkan_test", {"COTANGENT_BACKEND": "vulkan"}, ["vulkan"]),
    ]:
        native.sh_test(
            name = binary + suffix,
            size = "medium",
            srcs = ["run_example_test.sh"],
            args = ["$(location :%s)" % binary] + args,
            data = [":" + binary],
            env = env,
            tags = tags,
        )

# example_flags_test: <binary>_flags_test runs examples/flags_test.sh on an example that parses
# Abseil flags (cli::ParseFlags): --help lists its flags, and an unknown flag or a positional
# argument stops it with a nonzero exit before it does any work. small_flag is the example's
# flag for a short run (--smoke; the cookbook's is --fast): --help must list it, and the bad
# command lines carry it, so that an example which wrongly accepted one would not run long.
def example_flags_test(binary, small_flag = "--smoke"):
    native.sh_test(
        name = binary + "_flags_test",
        size = "small",
        srcs = ["flags_test.sh"],
        args = ["$(location :%s)" % binary, small_flag],
        data = [":" + binary],
    )
