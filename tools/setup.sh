#!/usr/bin/env bash
# Installs the Debian 12 packages Cotangent builds against (Bazel, compiler, system libraries,
# lavapipe). Idempotent: a fast no-op when everything is present. Run as root to install.
# --bench also installs what benchmarks/compare.sh needs: its peers (PyTorch with functorch,
# LibTorch's C++ API, ADOL-C) and matplotlib.
set -euo pipefail

PACKAGES=(
  g++ git
  bazel-bootstrap bazel-rules-java           # Bazel 4.2.3; @rules_java for the WORKSPACE
  cmake pkg-config                           # the CMake build; tools/consumers.sh (cotangent.pc)
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev                            # the CPU backend's f32/f64 matrix products
  liblapacke-dev                             # lapack.h: LAPACK's declarations (OpenBLAS runs it)
  libhwy-dev                                 # Highway: SIMD kernels with run-time dispatch
  libvulkan-dev glslang-dev glslang-tools spirv-tools
  mesa-vulkan-drivers vulkan-tools           # lavapipe (CPU Vulkan device); vulkaninfo
  zlib1g-dev dataset-fashion-mnist           # .npz and gzip; Fashion-MNIST for the examples
  libeigen3-dev                              # cotangent/eigen.h and its test (header-only)
  nlohmann-json3-dev                         # safetensors headers (cotangent/safetensors.cc)
  python3-numpy                              # tests/cotangent:io_numpy_test, the .npz oracle
  python3-mpmath                             # tests/cotangent:special_mpmath_test's oracle
  libcairo2-dev fonts-dejavu-core            # examples' plots (PNG, SVG); DejaVu Sans text
  libopenmpi-dev openmpi-bin                 # //distributed: MPI, and mpirun for its tests
)
if [[ "${1:-}" == --bench ]]; then
  PACKAGES+=(python3-torch python3-matplotlib libtorch-dev libadolc-dev)  # the peers, plot
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages installed"
  exec bash "$(dirname "${BASH_SOURCE[0]}")/fetch_datasets.sh"  # datasets Debian lacks
fi

echo "setup: missing packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "setup: error: not root; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "setup: apt-get update"
apt-get update -qq
echo "setup: apt-get install ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
exec bash "$(dirname "${BASH_SOURCE[0]}")/fetch_datasets.sh"
