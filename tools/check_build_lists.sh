#!/usr/bin/env bash
# File: tools/check_build_lists.sh
# Checks that the Bazel build and the CMake build (CMakeLists.txt) agree: the same C++ sources
# (.cc, .h, .def of every target; generated files aside), the same tests (ctest names are
# Bazel labels) with the same vulkan and mpi tags (ctest labels), and that no C++ source of the
# tree is in neither build. Prints each difference
# as "only in bazel: X", "only in cmake: X" or "in neither build: X" and exits 1 if there is
# one. Bazel's side is `bazel query` (a second with a running server); CMake's is the list
# cmake/source_list.cmake writes when configuring, and `ctest -N`.
# Usage: tools/check_build_lists.sh [BUILD_DIR]   a configured CMake build directory; without
#        one, a scratch build is configured (a few seconds, nothing compiled).
# tests/consumers/ holds the consumer projects of tools/consumers.sh: in neither build.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

build_dir=${1:-}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [[ -z "$build_dir" ]]; then
  build_dir=$scratch/build
  if ! cmake -S . -B "$build_dir" >"$scratch/configure.log" 2>&1; then
    cat "$scratch/configure.log"
    echo "check_build_lists: cmake configure failed" >&2
    exit 1
  fi
fi
if [[ ! -f "$build_dir/cotangent_sources.txt" ]]; then
  echo "check_build_lists: $build_dir is not a configured Cotangent CMake build" >&2
  exit 1
fi

# Bazel: the source files among the srcs/hdrs/textual_hdrs of every target, as paths.
query='kind("source file", labels(srcs, //...) + labels(hdrs, //...) + labels(textual_hdrs, //...))'
if ! bazel query --noshow_progress "$query" >"$scratch/bazel_labels" 2>"$scratch/bazel.log"; then
  cat "$scratch/bazel.log"
  echo "check_build_lists: bazel query failed" >&2
  exit 1
fi
grep -E '\.(cc|h|def)$' "$scratch/bazel_labels" | sed -E 's|^//:?||; s|:|/|' |
  sort -u >"$scratch/bazel_sources"
sort -u "$build_dir/cotangent_sources.txt" | grep -v '^$' >"$scratch/cmake_sources"

# Every C++ source of the tree that git sees (tracked or not ignored), consumers aside.
git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' '*.def' |
  grep -v '^tests/consumers/' | while read -r f; do [[ -e "$f" ]] && echo "$f"; done |
  sort -u >"$scratch/tree_sources"

if ! bazel query --noshow_progress 'tests(//...)' 2>"$scratch/bazel.log" |
    sort -u >"$scratch/bazel_tests"; then
  cat "$scratch/bazel.log"
  echo "check_build_lists: bazel query failed" >&2
  exit 1
fi
ctest --test-dir "$build_dir" -N | sed -n 's/^ *Test *#[0-9]*: //p' | sort -u \
  >"$scratch/cmake_tests"
# The tests tagged vulkan or mpi (Bazel) and labelled so (ctest): CI runs those in ctest and
# every other one under ASan (.ci/run), so a test tagged in one build only would run in neither.
if ! bazel query --noshow_progress 'attr(tags, "[\[ ,](vulkan|mpi)[,\]]", tests(//...))' \
    2>"$scratch/bazel.log" | sort -u >"$scratch/bazel_tagged"; then
  cat "$scratch/bazel.log"
  echo "check_build_lists: bazel query failed" >&2
  exit 1
fi
ctest --test-dir "$build_dir" -N -L '^(vulkan|mpi)$' | sed -n 's/^ *Test *#[0-9]*: //p' |
  sort -u >"$scratch/cmake_tagged"

status=0
report() {  # report WHAT: prints comm's one-sided lines with a prefix
  local prefix=$1 file=$2
  if [[ -s "$file" ]]; then
    sed "s|^|check_build_lists: $prefix: |" "$file"
    status=1
  fi
}
comm -23 "$scratch/bazel_sources" "$scratch/cmake_sources" >"$scratch/d1"
comm -13 "$scratch/bazel_sources" "$scratch/cmake_sources" >"$scratch/d2"
sort -u "$scratch/bazel_sources" "$scratch/cmake_sources" |
  comm -23 "$scratch/tree_sources" - >"$scratch/d3"
comm -23 "$scratch/bazel_tests" "$scratch/cmake_tests" >"$scratch/d4"
comm -13 "$scratch/bazel_tests" "$scratch/cmake_tests" >"$scratch/d5"
report "only in bazel (add it to the CMakeLists.txt beside its BUILD.bazel)" "$scratch/d1"
report "only in cmake (add it to BUILD.bazel)" "$scratch/d2"
report "in neither build" "$scratch/d3"
report "test only in bazel" "$scratch/d4"
report "test only in cmake" "$scratch/d5"
comm -3 "$scratch/bazel_tagged" "$scratch/cmake_tagged" | sed 's/^\t//' >"$scratch/d6"
report "tagged vulkan/mpi in one build only (tests/backend_variants.bzl, cmake/targets.cmake)" \
  "$scratch/d6"
if ((status == 0)); then
  echo "check_build_lists: bazel and cmake agree: $(wc -l <"$scratch/bazel_sources") sources," \
    "$(wc -l <"$scratch/bazel_tests") tests, $(wc -l <"$scratch/bazel_tagged") of them tagged" \
    "vulkan or mpi"
fi
exit $status
