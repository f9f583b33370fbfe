#!/usr/bin/env bash
# Runs a benchmark binary (given with its flags) and fails unless it exits 0 and reports at
# least one benchmark: the CI smoke test of the benchmark suite.
set -euo pipefail
out=$("$@" 2>&1)
echo "$out"
grep -q '^BM_' <<<"$out" || { echo "no benchmark ran" >&2; exit 1; }
