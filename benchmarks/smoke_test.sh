#!/usr/bin/env bash
# Runs a benchmark binary (given with its flags) and fails unless it exits 0 and reports at
# least one benchmark: the CI smoke test of the benchmark suite.
set -euo pipefail
out=$("$@" 2>&1)
echo "$out"
# mpirun hands its children a pty, so Google Benchmark colours its rows: strip the escapes.
sed 's/\x1b\[[0-9;]*m//g' <<<"$out" | grep -q '^BM_' || { echo "no benchmark ran" >&2; exit 1; }
