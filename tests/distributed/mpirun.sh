#!/usr/bin/env bash
# Runs `mpirun -np N binary args...` the way the tests and CI need: as root too (CI runs as
# root, which Open MPI refuses unless told), over loopback TCP only (no shared-memory transport,
# which a Bazel sandbox may not allow), with its session files in the test's temporary
# directory, oversubscribed (more processes than cores is fine here), unbound (Open MPI binds
# each process to one core by default, which would leave a lone process's thread pool one
# core), and bounded in time.
set -euo pipefail
np=$1
shift
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_orte_tmpdir_base="${TEST_TMPDIR:-${TMPDIR:-/tmp}}"
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none
exec timeout "${MPIRUN_TIMEOUT:-300}" mpirun -np "$np" "$@"
