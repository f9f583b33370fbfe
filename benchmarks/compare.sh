#!/usr/bin/env bash
# Builds the benchmark suite optimized and runs benchmarks/compare_functorch.py: Cotangent and
# PyTorch's functorch on the same workloads, same thread count, same run. Rewrites the table in
# docs/benchmarks.md and the plot docs/benchmarks_rosenbrock.png.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup.sh --bench >&2
bazel build --config=bench --ui_event_filters=-info --noshow_progress //benchmarks:hessian_benchmark
binary=$(bazel info --config=bench bazel-bin)/benchmarks/hessian_benchmark
/usr/bin/python3 benchmarks/compare_functorch.py "$binary" docs/benchmarks.md
