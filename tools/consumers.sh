#!/usr/bin/env bash
# File: tools/consumers.sh
# Uses Cotangent the three ways a project outside this tree can, and checks each computes a
# gradient right (the programs compare with closed forms):
#   install   `cmake --install BUILD_DIR` into a scratch prefix: headers, library, package
#             files, and nothing else (no shader file: the SPIR-V is inside the library); the
#             installed headers compile from the prefix alone
#   cmake     tests/consumers/cmake, configured against the prefix (find_package(cotangent
#             COMPONENTS distributed)), its grad_check run on the CPU and on Vulkan (lavapipe
#             in CI) and its psum_check across two processes (tests/distributed/mpirun.sh 2)
#   pkgconfig the same programs compiled with `pkg-config --cflags --libs cotangent` and
#             `cotangent-distributed`
#   bazel     tests/consumers/bazel, a workspace of its own depending on this tree through
#             local_repository: `bazel run //:grad_check`
# Usage: tools/consumers.sh [BUILD_DIR]   a built CMake tree (default: build); `--no-bazel`
#        skips the Bazel consumer. Last line: "consumers: N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$(pwd)

build_dir=build
run_bazel=1
for arg in "$@"; do
  case "$arg" in
    --no-bazel) run_bazel=0 ;;
    *) build_dir=$arg ;;
  esac
done
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  echo "consumers: $build_dir is not a CMake build directory (cmake -S . -B build first)" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix
passed=0
failed=0

# step NAME COMMAND...: runs one check, its output indented, and counts it.
step() {
  local name=$1
  shift
  echo "consumers: $name"
  if "$@" >"$scratch/step.log" 2>&1; then
    sed 's/^/  /' "$scratch/step.log"
    echo "consumers: $name PASSED"
    passed=$((passed + 1))
  else
    sed 's/^/  /' "$scratch/step.log"
    echo "consumers: $name FAILED"
    failed=$((failed + 1))
  fi
}

install_package() {
  cmake --install "$build_dir" --prefix "$prefix" >/dev/null || return 1
  (cd "$prefix" && find . -type f -o -type l | sort) >"$scratch/installed"
  sed -E 's|^\./||; s|^([^/]+/[^/]+)/.*|\1|' "$scratch/installed" | uniq -c   # per directory
  # Headers, the library and its package files: anything else (a .spv, a .comp) means the
  # library needs files beside it at run time.
  local expected='^\./(include/(cotangent|core|interpreters)/.*\.(h|def)'
  expected+='|include/distributed/(distributed|shard_map)\.h'
  expected+='|lib/libcotangent(_distributed)?\.(so[.0-9]*|a)'
  expected+='|lib/cmake/cotangent/cotangent[A-Za-z-]*\.cmake'
  expected+='|lib/pkgconfig/cotangent(-distributed)?\.pc)$'
  if grep -vE "$expected" "$scratch/installed"; then
    echo "unexpected files in the install tree (above)"
    return 1
  fi
  # Every installed header, from the prefix alone (eigen.h also needs Eigen's headers).
  (cd "$prefix/include" && find . -name '*.h' | sort | sed 's|^\./\(.*\)|#include "\1"|') \
    >"$scratch/all_headers.cc"
  # The project's warning flags (CMakeLists.txt), the headers as non-system includes.
  g++ -std=c++20 -fsyntax-only -Wall -Wextra -Wno-missing-field-initializers -Werror \
    -isystem /usr/include/eigen3 -I "$prefix/include" "$scratch/all_headers.cc" || return 1
  echo "$(grep -c . "$scratch/all_headers.cc") installed headers compile from the prefix alone"
}

# run_grad_check BINARY: on the CPU, then on Vulkan (it must really run there).
run_grad_check() {
  "$1" || return 1
  COTANGENT_BACKEND=vulkan "$1" | tee "$scratch/vulkan.log" || return 1
  grep -q "on vulkan: ok" "$scratch/vulkan.log"
}

# run_psum_check BINARY: across two processes, each printing its own "ok".
run_psum_check() {
  tests/distributed/mpirun.sh 2 "$1" | tee "$scratch/psum.log" || return 1
  [[ $(grep -c "of 2: \[3 6 9\] ok" "$scratch/psum.log") == 2 ]]
}

cmake_consumer() {
  # A copy outside the tree, so that nothing of the tree can be reached by a relative path.
  local src=$scratch/cmake_consumer_src dir=$scratch/cmake_consumer
  cp -r tests/consumers/cmake "$src"
  cmake -S "$src" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null || return 1
  cmake --build "$dir" -j2 || return 1
  # Built from the prefix, not from this tree or its build directory.
  if grep -n "$root" "$dir/compile_commands.json" "$dir/CMakeFiles/grad_check.dir/link.txt"; then
    echo "the consumer's compile or link command names the source tree"
    return 1
  fi
  # A shared libcotangent must be the installed one (a static one leaves no trace in ldd).
  ldd "$dir/grad_check" >"$scratch/ldd"
  if grep libcotangent "$scratch/ldd" && ! grep -q "$prefix/lib/libcotangent" "$scratch/ldd"; then
    echo "grad_check loads a libcotangent outside the prefix"
    return 1
  fi
  run_grad_check "$dir/grad_check" || return 1
  run_psum_check "$dir/psum_check"
}

pkgconfig_consumer() {
  local flags static=()
  # A static libcotangent.a lists its private dependencies for --static only.
  [[ -f "$prefix/lib/libcotangent.a" ]] && static=(--static)
  flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config "${static[@]}" --cflags --libs \
    cotangent) || return 1
  echo "pkg-config ${static[*]} --cflags --libs cotangent: $flags"
  # shellcheck disable=SC2086  # the flags are words
  g++ -std=c++20 -O1 tests/consumers/cmake/grad_check.cc -o "$scratch/grad_check_pc" $flags \
    -Wl,-rpath,"$prefix/lib" || return 1
  run_grad_check "$scratch/grad_check_pc" || return 1
  flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config "${static[@]}" --cflags --libs \
    cotangent-distributed) || return 1
  echo "pkg-config ${static[*]} --cflags --libs cotangent-distributed: $flags"
  # shellcheck disable=SC2086  # the flags are words
  g++ -std=c++20 -O1 tests/consumers/cmake/psum_check.cc -o "$scratch/psum_check_pc" $flags \
    -Wl,-rpath,"$prefix/lib" || return 1
  run_psum_check "$scratch/psum_check_pc"
}

bazel_consumer() {
  # --symlink_prefix=/: no bazel-* links inside this tree; the server is shut down after.
  # -c fastbuild over the workspace's -c opt: this checks the wiring (the workspace, the
  # public target, the kernels' genrules in the host configuration), which does not depend on
  # the optimization level, and -O0 compiles the library from source in less of CI's time.
  (cd tests/consumers/bazel &&
    bazel run --noshow_progress --symlink_prefix=/ -c fastbuild //:grad_check)
  local rc=$?
  (cd tests/consumers/bazel && bazel shutdown)
  return $rc
}

step install install_package
step cmake cmake_consumer
step pkgconfig pkgconfig_consumer
if ((run_bazel)); then
  step bazel bazel_consumer
fi

echo "consumers: ${passed} passed, ${failed} failed"
((failed == 0))
