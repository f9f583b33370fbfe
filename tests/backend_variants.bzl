# cc_test_all_backends: one test, compiled once, run once per backend, so that every
# transformation test also runs on the Vulkan backend (lavapipe, a CPU Vulkan device, in CI)
# with the same tolerances. Defines
#   <name>_objects the test's sources, compiled once (an alwayslink static archive: gtest
#                  registers tests from static initializers, which a plain library would drop)
#   <name>         a test linked from them on the default backend (cpu)
#   <name>_vulkan  the same objects with COTANGENT_BACKEND=vulkan (tagged "vulkan")
#   <name>_vulkan_fused  and with COTANGENT_VULKAN_FUSION=1 too: every elementwise chain, of
#                  any size, runs as fused kernels (backends/vulkan/fusion.h) (tagged "vulkan"
#                  too; tools/test.sh leaves both Vulkan variants out of the ASan run)
# Three cc_test targets over the same srcs would compile every source three times per build
# configuration (Bazel keeps objects per target); the test files are the slowest compiles in
# the tree, so that tripled a third of CI.
#
# Usage (BUILD.bazel):
#   load("//tests:backend_variants.bzl", "cc_test_all_backends")
#   cc_test_all_backends(name = "jvp_test", srcs = ["jvp_test.cc"], deps = [...])
# `bazel test --test_tag_filters=-vulkan //...` skips the Vulkan runs.

load("@rules_cc//cc:defs.bzl", "cc_library", "cc_test")

def cc_test_all_backends(name, srcs, deps = [], env = {}, tags = [], **kwargs):
    objects = name + "_objects"
    cc_library(
        name = objects,
        testonly = True,
        srcs = srcs,
        deps = deps,
        alwayslink = True,
        # An archive only: a shared library would need PIC objects beside the test
        # executable's non-PIC ones, compiling every source twice.
        linkstatic = True,
    )
    variants = [
        (name, {}, []),
        (name + "_vulkan", {"COTANGENT_BACKEND": "vulkan"}, ["vulkan"]),
        (name + "_vulkan_fused", {"COTANGENT_BACKEND": "vulkan", "COTANGENT_VULKAN_FUSION": "1"}, ["vulkan"]),
    ]
    for variant, variant_env, variant_tags in variants:
        cc_test(
            name = variant,
            deps = [":" + objects],
            env = dict(env, **variant_env),
            tags = tags + variant_tags,
            **kwargs
        )
