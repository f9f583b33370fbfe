#!/usr/bin/env bash
# File: tools/cmake_test.sh
# The CMake side of CI (.ci/run runs it after tools/test.sh): checks that the Bazel and CMake
# builds list the same sources and tests (tools/check_build_lists.sh), builds everything with
# CMake (-j2), runs ctest, checks that the generated kernel files are byte for byte Bazel's,
# and runs the consumer checks (tools/consumers.sh: install, find_package, pkg-config, and a
# Bazel workspace through local_repository). Last line: "N passed, N failed" (ctest tests plus
# consumer checks). The sanitizer runs stay Bazel's (tools/test.sh).
# Usage: tools/cmake_test.sh [BUILD_DIR]   default: build (ignored by git and Bazel);
#        extra ctest arguments in $CTEST_ARGS (e.g. CTEST_ARGS="-LE vulkan"); the targets to
#        build in $CMAKE_TARGETS (default: all; CI's "cotangent_distributed vulkan_tests
#        mpi_tests" builds the installed libraries and the binaries of the tests labelled
#        vulkan or mpi, the only ones its ctest runs: cmake/targets.cmake makes a
#        <label>_tests target per label).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

build_dir=${1:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

bash tools/setup.sh >/dev/null || { echo "cmake_test: tools/setup.sh failed" >&2; exit 1; }

# summary PASSED FAILED: the closing line CI reads.
summary() {
  echo "${1} passed, ${2} failed"
  ((${2} == 0))
  exit
}

start=$SECONDS
echo "cmake_test: cmake -S . -B $build_dir"
cmake -S . -B "$build_dir" >"$log" 2>&1 || { cat "$log"; summary 0 1; }
bash tools/check_build_lists.sh "$build_dir" || summary 0 1

targets=()
for target in ${CMAKE_TARGETS:-}; do targets+=(--target "$target"); done
echo "cmake_test: cmake --build $build_dir -j2 ${targets[*]}"
if ! cmake --build "$build_dir" -j2 "${targets[@]}" >"$log" 2>&1; then
  grep -v '^\[' "$log" | tail -n 80   # the errors, without the progress lines
  summary 0 1
fi
build_s=$((SECONDS - start))

# The SPIR-V and GLSL text Bazel embeds, when a Bazel build has made them.
for f in kernels.h kernels_spirv.cc glsl_sources.h glsl_sources_glsl.cc; do
  bazel_file=bazel-bin/kernels/$f
  if [[ -f "$bazel_file" ]] && ! cmp "$bazel_file" "$build_dir/kernels/$f"; then
    echo "cmake_test: $build_dir/kernels/$f differs from Bazel's $bazel_file"
    summary 0 1
  fi
done

echo "cmake_test: ctest --test-dir $build_dir -j2 ${CTEST_ARGS:-}"
start=$SECONDS
# shellcheck disable=SC2086  # CTEST_ARGS are words
ctest --test-dir "$build_dir" -j2 --output-on-failure ${CTEST_ARGS:-} 2>&1 | tee "$log"
ctest_s=$((SECONDS - start))
# ctest's summary: "100% tests passed, 0 tests failed out of 120".
read -r total failed_tests < <(
  sed -nE 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2 \1/p' "$log")
if [[ -z "${total:-}" ]]; then
  echo "cmake_test: ctest reported no summary; counted as 1 failure"
  total=1
  failed_tests=1
fi
passed=$((total - failed_tests))
failed=$failed_tests
echo "cmake_test: build ${build_s}s, ctest ${ctest_s}s"

bash tools/consumers.sh "$build_dir" 2>&1 | tee "$log"
read -r c_passed c_failed < <(
  sed -nE 's/^consumers: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$log")
passed=$((passed + ${c_passed:-0}))
failed=$((failed + ${c_failed:-1}))
summary "$passed" "$failed"
