#!/usr/bin/env bash
# Builds Cotangent's benchmark suite and its C++ peers (LibTorch, ADOL-C) in the default
# configuration (-c opt, as .bazelrc sets: the default build is the fast build, no
# --config=bench, no -march=native) and runs benchmarks/compare.py: Cotangent, LibTorch's C++
# API, functorch and ADOL-C on W1-W5 at 1 and 2 threads, medians of 5 repetitions, then
# benchmarks/compare_lax.py: gathers, scatters and a convolution against LibTorch. Rewrites
# their sections of docs/benchmarks.md and docs/benchmarks_rosenbrock.png.
# Usage: bash benchmarks/compare.sh [--quick] [--no-doc]   (--quick: a fast run that only
# proves everything works; --no-doc: print the section instead of writing the doc)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Installs the peers when run as root; otherwise a missing peer shows as "n/a".
bash tools/setup.sh --bench >&2 || echo "compare: setup.sh --bench failed; going on" >&2
bindir=$(bazel info bazel-bin 2>/dev/null)/benchmarks
# One target per build, so that a peer that fails to build is just a missing binary; its stale
# binary from an earlier build is removed first so it cannot stand in for it.
for target in hessian_benchmark torch_benchmark adolc_benchmark lax_benchmark torch_lax_benchmark; do
  if ! bazel build --ui_event_filters=-info --noshow_progress "//benchmarks:$target" >&2; then
    echo "compare: //benchmarks:$target failed to build" >&2
    rm -f "$bindir/$target"
  fi
done
/usr/bin/python3 benchmarks/compare.py --bin "$bindir" --doc docs/benchmarks.md "$@"
# Gather, scatter and convolution against LibTorch, with the machine's limits.
/usr/bin/python3 benchmarks/compare_lax.py --bin "$bindir" --doc docs/benchmarks.md "$@"
