#!/usr/bin/env bash
# Runs the whole test suite twice: plain (-c opt with asserts) and under --config=asan
# (ASan + UBSan), then the tests tagged "tsan" (threads) under --config=tsan
# (ThreadSanitizer). Extra args go to every `bazel test` run. Last line: "N passed, N failed".
# First, two checks that fail the run at once: tools/check_layers.sh (includes point down the
# layers of design.md) and the line budget of core/ + interpreters/ (below).
# `tools/test.sh --checks-only` runs just those two (seconds, no Bazel).
# `tools/test.sh --sanitizers-only` skips the plain run: CI's choice (.ci/run), because
# tools/cmake_test.sh builds the plain configuration (CMake's Release is -c opt's -O2 with
# asserts) and its ctest runs what the ASan run leaves out (the tests tagged vulkan or mpi,
# under the same names: tools/check_build_lists.sh fails otherwise), so a plain Bazel run would
# test nothing new for about 11 minutes.
set -uo pipefail

# The most non-blank, non-comment lines core/ and interpreters/ may hold together (*.h, *.cc,
# *.def; a comment line is one whose first non-space characters are //). In tinygrad's spirit:
# the core stays small enough to read, and growing it is a decision, not a drift.
# 7000 until structured control flow (issue 15): cond, while and scan with every rule,
# checkpoint's partial evaluation, the program transformations they share and the executor's
# loops took about 1,650 lines; raised to 8000 for them and custom_vmap. Raised to 8600 for
# the rest of lax (issue 16), whose primitives each need a row and their rules here: argsort
# and the special functions took about 100 lines; windows, convolution and linear algebra
# are to come. Raised to 9100 for the collectives over named axes (issue 18): eight rows, their
# rules (about 330 lines) and the axis frames of Bind and vmap. Raised to 9400 for
# conv_general_dilated (issue 16): its row, params and printing, and its rules (about 230 lines:
# JAX's shape checks, both transposes and the batch rule's five cases). Raised to 9500 for
# scatter, scatter_mul, scatter_min and scatter_max (issue 16: four rows, their derivatives,
# about 110 lines) and the fusion planner's stale-dependence fix (about 25). Raised to 9600 for
# the integer dtypes u8, u32, i64 (issue 16): the dtype visitor and convert_element_type's
# value conversion moved into core from the CPU backend, which the Vulkan backend and the
# constants now share (about 45 lines), JAX's lattice, stable hash codes and the
# order-reversing map of min (about 30). Raised to 9650 for the bitwise primitives (issue 16:
# eight rows and two dtype classes, about 20 lines) and scan's hoisting of loop-invariant
# residuals out of the known loop (issue 15, about 30). Raised to 9900 for f16 and bf16 (issue
# 16, about 220 lines), to 9950 for fusing them (ComputeHalvesInF32 and the backends' check of
# it, about 60), to 10000 for bitcast_convert_type (a row, its rules, its view and copy,
# about 50), to 10030 for the incomplete gamma family (issue 16: four rows and their
# derivatives, about 30), and to 10150 for while_loop in rounds of guarded steps on Vulkan
# (issue 15: the guarded step's program, the round loop shared by jit and eager evaluation,
# about 110), and to 10200 for float0 (issue 16: the dtype, its refusal by every primitive and
# its zeros, and jvp's and vjp's float0 tangents of integers, about 40), and to 10730 for c64
# and c128 (issue 16, about 530: core/complex_eval.cc's every complex equation as real ones,
# about 300, the complex-part rows and their rules, the dtype classes, numpy's printing of
# complex numbers), and to 11020 for reduce_prod (issue 16: its row, JAX's product-tree
# derivative and its complex form, about 100) and complex Scalars (about 10), and to 11070 for
# the order of complex numbers (issue 16: max, min, reduce_max, argmax and argsort on the
# parts, and JAX's balanced max/min derivative, about 50), and to 11120 for exact numbers
# (issue 16: Number, the value of literals, fills and weak scalars, which keeps an i64 past
# 2^53 an integer where a double rounded it, about 45), and to 11140 for shard_map over
# processes (issue 18: the shard_map_in row, its rules and its identity at evaluation, about
# 20), and to 11210 for the complex scatters (issue 16: scatter_max, scatter_min and
# scatter_mul on the parts, and gather, pad and the scatters moved into jit's lowering, about
# 65), and to 11220 for vmap's float0 results (their zeros made at the batched shape, about
# 6), and to 11480 for custom_linear_solve (issue 16: its row, checks, evaluation, printing and
# jit inlining, about 80, its tracing and jvp, transpose and vmap rules, about 190), and to
# 11510 for preferred_element_type (issue 16: JAX's checks of the pair and the conversion of
# dot_general's and conv_general_dilated's operands in core/lax.cc, about 30).
LINE_BUDGET=11510

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# Non-blank, non-comment lines of the C++ sources under directory $1.
code_lines() {
  find "$1" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.def' \) -exec cat {} + |
    grep -cvE '^[[:space:]]*(//|$)'
}

bash tools/check_layers.sh || exit 1

core_lines=$(code_lines core)
interpreters_lines=$(code_lines interpreters)
lines=$((core_lines + interpreters_lines))
echo "line budget: ${lines} of ${LINE_BUDGET} (core ${core_lines}, interpreters ${interpreters_lines})"
if ((lines > LINE_BUDGET)); then
  echo "test: core/ + interpreters/ are $((lines - LINE_BUDGET)) lines over the budget" \
    "(LINE_BUDGET in tools/test.sh); make room before adding more"
  exit 1
fi
[[ "${1:-}" == --checks-only ]] && exit 0
# The ASan run leaves out the Vulkan variants of the all-backends tests and of the examples
# (tagged "vulkan": tests/backend_variants.bzl, examples/example_test.bzl): the same tests on
# lavapipe, which the plain runs (this script's first, CMake's ctest) keep running, while ASan
# covers the Vulkan backend through its own tests (tests/backends/vulkan_*, untagged). Those
# variants were 522 s of the ASan run's 908 s of tests, and the clean CI took 35 minutes of its
# 30 on a 2-core AMD EPYC at 2.1 GHz (27.8 on a 2.6 GHz Xeon the day before). Measured again
# on 2026-12-07 (AMD EPYC, 2 cores): under ASan their run times summed to 1317 s (the Vulkan
# backend's host code instrumented, jit_test_vulkan 127 s), about 660 s of CI's wall, against
# 207 s for ctest's plain run of them plus CMake's build of their binaries (about 185 s).
# It leaves out the MPI tests tagged "mpi" too (the Vulkan variants, the data-parallel example
# and the distributed benchmark, which run plainly); the CPU collectives and fault tests
# (tagged "mpirun", tests/distributed) run under ASan: their binaries keep Open MPI's
# libraries mapped, so that the suppressions of its allocations at exit match.
configs=("" "--config=asan --build_tests_only --test_tag_filters=-vulkan,-mpi"
         "--config=tsan --build_tests_only --test_tag_filters=tsan")
if [[ "${1:-}" == --sanitizers-only ]]; then
  configs=("${configs[@]:1}")
  shift
fi

bash tools/setup.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Bazel's summary lines look like "//pkg:target   (cached) PASSED in 0.1s".
summary='^//[^ ]+ +(\(cached\) )?'
bad='(FAILED|TIMEOUT|FLAKY|INCOMPLETE|NO STATUS|FAILED TO BUILD)'
passed=0
failed=0
for config in "${configs[@]}"; do
  echo "test: bazel test ${config:-(default)} //... $*"
  bazel test $config //... "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  passed=$((passed + $(grep -cE "${summary}PASSED" "$log")))
  run_failed=$(grep -cE "${summary}${bad}" "$log")
  # Exit code 4: the build succeeded but there are no test targets; not a failure. Any other
  # failure that left no summary line (e.g. a BUILD file error) still counts once.
  if ((rc != 0 && rc != 4 && run_failed == 0)); then
    echo "test: bazel exited with $rc before reporting tests; counted as 1 failure"
    run_failed=1
  fi
  failed=$((failed + run_failed))
done

echo "${passed} passed, ${failed} failed"
((failed == 0))
