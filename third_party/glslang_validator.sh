#!/usr/bin/env bash
# Forwards to the system glslangValidator (Debian glslang-tools) so Bazel rules can name it as
# the target //third_party:glslang_validator.
exec /usr/bin/glslangValidator "$@"
