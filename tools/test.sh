#!/usr/bin/env bash
# Runs the whole test suite twice: plain (-c opt with asserts) and under --config=asan
# (ASan + UBSan), then the tests tagged "tsan" (threads) under --config=tsan
# (ThreadSanitizer). Extra args go to every `bazel test` run. Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Bazel's summary lines look like "//pkg:target   (cached) PASSED in 0.1s".
summary='^//[^ ]+ +(\(cached\) )?'
bad='(FAILED|TIMEOUT|FLAKY|INCOMPLETE|NO STATUS|FAILED TO BUILD)'
passed=0
failed=0
for config in "" "--config=asan" "--config=tsan --build_tests_only --test_tag_filters=tsan"; do
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
