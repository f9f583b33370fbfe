# glsl_spirv_library: compiles GLSL compute shaders to SPIR-V at build time (system
# glslangValidator via //third_party:glslang_validator) and embeds them in a cc_library.
#
# Usage (BUILD.bazel):
#   load("//tools:glsl.bzl", "glsl_spirv_library")
#   glsl_spirv_library(
#       name = "kernels",                      # -> cc_library ":kernels", header "kernels.h"
#       srcs = ["add.comp", "reduce_sum.comp"],
#       defines = ["TILE=16"],                 # optional, -D for every shader
#   )
# C++:  #include "backends/vulkan/kernels.h"   (the package path + name + ".h")
#       cotangent::kernels::kAddSpirv          // std::span<const std::uint32_t>
# Symbols are k + PascalCase(file stem) + Spirv; `namespace` and `target_env` are optional.

def _pascal_case(stem):
    return "".join([part[:1].upper() + part[1:] for part in stem.replace("-", "_").split("_") if part])

def glsl_spirv_library(
        name,
        srcs,
        defines = [],
        namespace = "cotangent::kernels",
        target_env = "vulkan1.1",
        **kwargs):
    spvs = []
    args = []
    for src in srcs:
        stem = src.split("/")[-1].rsplit(".", 1)[0]
        spv = "%s_spv/%s.spv" % (name, stem)
        native.genrule(
            name = "%s_%s_spv" % (name, stem),
            srcs = [src],
            outs = [spv],
            tools = ["//third_party:glslang_validator"],
            # glslangValidator prints the file name on success; only show its output on failure.
            cmd = ("log=$$($(location //third_party:glslang_validator) -V --target-env %s %s " +
                   "-o $@ $< 2>&1) || { echo \"$$log\"; exit 1; }") %
                  (target_env, " ".join(["-D" + d for d in defines])),
        )
        spvs.append(spv)
        args.append("k%sSpirv=%s=$(location %s)" % (_pascal_case(stem), src, spv))

    header = name + ".h"
    source = name + "_spirv.cc"
    package = native.package_name()
    include = (package + "/" if package else "") + header
    native.genrule(
        name = name + "_embed",
        srcs = spvs,
        outs = [header, source],
        tools = ["//tools:embed_spirv"],
        cmd = "$(location //tools:embed_spirv) --header=$(location %s) --source=$(location %s) " %
              (header, source) +
              "--include=%s --namespace=%s " % (include, namespace) +
              " ".join(args),
    )
    native.cc_library(
        name = name,
        hdrs = [header],
        srcs = [source],
        **kwargs
    )
