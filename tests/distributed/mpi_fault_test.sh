#!/usr/bin/env bash
# mpi_fault_test under mpirun -np 2 (tests/distributed/mpirun.sh): the job fails, names the
# fault, and ends within 60 s whether process 1 diverges or dies.
set -uo pipefail
mpirun_sh=$1 binary=$2
for mode in diverge die; do
  start=$(date +%s)
  output=$(MPIRUN_TIMEOUT=60 "$mpirun_sh" 2 "$binary" "$mode" 2>&1)
  status=$?
  elapsed=$(($(date +%s) - start))
  echo "--- $mode: exit $status after ${elapsed} s"
  echo "$output" | head -20
  if ((status == 0 || status == 124 || elapsed >= 60)); then
    echo "FAIL: $mode: the job must fail, and within 60 s" >&2
    exit 1
  fi
  if [[ "$mode" == diverge ]] &&
    ! grep -q "psum over axis 'data': no answer from the other 1 processes after 3 s" <<<"$output"; then
    echo "FAIL: diverge: process 0 did not report the timeout" >&2
    exit 1
  fi
  if [[ "$mode" == die ]] && ! grep -qE "failed cleanly|exited|exiting|terminated|aborted" <<<"$output"; then
    echo "FAIL: die: nothing names the failed process" >&2
    exit 1
  fi
done
echo "PASS"
