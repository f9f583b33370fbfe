#!/usr/bin/env bash
# File: examples/resume_test.sh
# An interrupted and resumed training run ends where an uninterrupted one does. Runs the example
# (the command after the first two arguments) straight; then with --stop_after=STOP, which
# checkpoints and stops; then with --resume from that checkpoint; and compares the last match
# of PATTERN (the final losses) in the straight and resumed outputs: any difference in the
# restored parameters, optimizer state, step count or data order changes them.
# Usage: resume_test.sh STOP PATTERN COMMAND...
set -euo pipefail
stop=$1
pattern=$2
shift 2
dir=${TEST_TMPDIR:-$(mktemp -d)}
straight=$("$@" --out_dir="$dir/straight" | grep -oE "$pattern" | tail -n 1)
"$@" --out_dir="$dir/resumed" --stop_after="$stop" | grep "stopped after"
output=$("$@" --out_dir="$dir/resumed" --resume)
grep "resumed from" <<<"$output"
resumed=$(grep -oE "$pattern" <<<"$output" | tail -n 1)
echo "straight: $straight"
echo "resumed:  $resumed"
[[ -n "$straight" && "$straight" == "$resumed" ]]
