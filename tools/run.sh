#!/usr/bin/env bash
# Builds and runs one target optimized: tools/run.sh //examples:foo [args...]. Bazel's own
# progress output is hidden; its errors and warnings, and the program's output, are not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if (($# < 1)); then
  echo "usage: tools/run.sh TARGET [args...]" >&2
  exit 2
fi
target=$1
shift
bash tools/setup.sh >&2
exec bazel run -c opt --ui_event_filters=-info,-stdout,-stderr --noshow_progress \
  "$target" -- "$@"
