#!/usr/bin/env bash
# Smoke test of an example: runs the binary given as $1 (with the remaining args) and fails
# if it exits non-zero or prints nothing.
set -euo pipefail
out=$("$@")
[[ -n "$out" ]] || { echo "example printed nothing" >&2; exit 1; }
echo "$out" | tail -n 20
