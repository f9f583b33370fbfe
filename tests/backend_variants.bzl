# cc_test_all_backends: one test binary run once per backend, so that every transformation
# test also runs on the Vulkan backend (lavapipe, a CPU Vulkan device, in CI) with the same
# tolerances. Defines
#   <name>         the default backend (cpu)
#   <name>_vulkan  the same binary with COTANGENT_BACKEND=vulkan (tagged "vulkan")
#   <name>_vulkan_fused  and with COTANGENT_VULKAN_FUSION=1 too: every elementwise chain, of
#                  any size, runs as fused kernels (backends/vulkan/fusion.h)
#
# Usage (BUILD.bazel):
#   load("//tests:backend_variants.bzl", "cc_test_all_backends")
#   cc_test_all_backends(name = "jvp_test", srcs = ["jvp_test.cc"], deps = [...])
# `bazel test --test_tag_filters=-vulkan //...` skips the Vulkan runs.

load("@rules_cc//cc:defs.bzl", "cc_test")

def cc_test_all_backends(name, env = {}, tags = [], **kwargs):
    cc_test(name = name, env = env, tags = tags, **kwargs)
    vulkan_env = dict(env)
    vulkan_env["COTANGENT_BACKEND"] = "vulkan"
    cc_test(name = name + "_vulkan", env = vulkan_env, tags = tags + ["vulkan"], **kwargs)
    fused_env = dict(vulkan_env)
    fused_env["COTANGENT_VULKAN_FUSION"] = "1"
    cc_test(name = name + "_vulkan_fused", env = fused_env, tags = tags + ["vulkan"], **kwargs)
