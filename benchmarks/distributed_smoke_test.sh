#!/usr/bin/env bash
# distributed_benchmark's smoke test: the two 1 KiB rows under mpirun -np 2, through
# smoke_test.sh (exits 0, reports a benchmark; it strips the colour that mpirun's pty brings).
set -euo pipefail
mpirun_sh=$1 binary=$2
here=$(dirname "${BASH_SOURCE[0]}")
bash "$here/smoke_test.sh" "$mpirun_sh" 2 "$binary" --benchmark_filter='/1024/'
