#!/usr/bin/env bash
# File: tests/cotangent/io_numpy_test.sh
# Runs io_numpy_test.py under Debian's Python (/usr/bin/python3, where python3-numpy lives; a
# python3 earlier on PATH may lack numpy) with the io_numpy_tool binary given as $1.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/io_numpy_test.py" "$1"
