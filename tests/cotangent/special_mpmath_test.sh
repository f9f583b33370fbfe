#!/usr/bin/env bash
# File: tests/cotangent/special_mpmath_test.sh
# Runs special_mpmath_test.py under Debian's Python (/usr/bin/python3, where python3-mpmath
# lives; a python3 earlier on PATH may lack it) with the special_mpmath_tool binary given as $1.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/special_mpmath_test.py" "$1"
