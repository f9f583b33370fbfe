#!/usr/bin/env bash
# Runs a benchmark binary (given with its flags) and fails unless it exits 0 and reports at
# least one benchmark: the CI smoke test of the benchmark suite.
set -euo pipefail
out=$("$@" 2>&1)
echo "$out"
# mpirun hands its children a pty, so Google Benchmark colours its rows: strip the escapes
# (into a variable: `sed | grep -q` would fail under pipefail when grep stops reading early).
plain=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$out")
grep -q '^BM_' <<<"$plain" || { echo "no benchmark ran" >&2; exit 1; }
