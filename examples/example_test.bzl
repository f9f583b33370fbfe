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
