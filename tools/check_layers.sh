#!/usr/bin/env bash
# Checks that #include lines point down the layers of design.md ("Layers"), per directory of
# the including file (C++ sources: *.h, *.cc, *.def):
#   examples/    -> cotangent/ (the public headers), distributed/'s public headers
#                   (distributed.h, shard_map.h), examples/
#   benchmarks/  -> cotangent/, distributed/'s public headers, benchmarks/
#   cotangent/   -> core/, interpreters/, cotangent/, and backends/registry.h alone (the
#                   registry's interface, which the public library links; see BUILD.bazel)
#   distributed/ -> core/, interpreters/, cotangent/, distributed/ (and mpi.h)
#   interpreters/-> core/, interpreters/
#   core/        -> core/; and the files of core's backend interface (BACKEND_INTERFACE in
#                   core/BUILD.bazel) only each other, so that a backend sees all it includes
#   backends/    -> core's backend interface, backends/, kernels/ (generated headers)
# Third-party includes ("absl/...", "gtest/...") are not layers and pass, except the device
# libraries (Vulkan, glslang, Highway, BLAS, LAPACK), which only backends/ may include (benchmarks:
# BLAS too, for their OpenBLAS reference). tests/ and tools/ may include anything.
# Bazel visibility enforces the same between targets; this catches what visibility cannot
# (headers reached through a dependency's dependencies). Prints each wrong-way include as
# "file:line: includes X (dir/ may include: ...)" and exits 1 if there is one.
set -uo pipefail
shopt -s extglob
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

# core's backend-interface stems, from the list in core/BUILD.bazel.
interface=$(awk '/^BACKEND_INTERFACE = \[/ {on = 1; next} on && /^\]/ {exit}
                 on {gsub(/[",[:space:]]/, ""); if ($0 != "") printf "%s ", $0}' core/BUILD.bazel)
if [[ -z "$interface" ]]; then
  echo "check_layers: no BACKEND_INTERFACE list in core/BUILD.bazel" >&2
  exit 1
fi
interface_headers="core/primitives.def"
for stem in $interface; do interface_headers+=" core/$stem.h"; done

# Whether `$2` (an include path) matches one of the patterns in `$1` (space-separated).
allowed() {
  local pattern patterns
  read -ra patterns <<<"$1"  # split on spaces, no pathname expansion
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2053  # the pattern is meant to glob
    [[ "$2" == $pattern ]] && return 0
  done
  return 1
}

project='@(core|interpreters|backends|cotangent|distributed|kernels|examples|benchmarks|tests|tools)/*'
device_libraries='@(vulkan|glslang|hwy)/* cblas.h lapack.h openblas*'
distributed_public='distributed/distributed.h distributed/shard_map.h'

# The layer rules: sets `rules`, the patterns (project paths) that file $1 may include, and
# `layer`, what to call its part of the tree in messages.
set_rules() {
  layer="${1%%/*}/"
  case "$1" in
    examples/*) rules="cotangent/*.h ${distributed_public} examples/*" ;;
    benchmarks/*) rules="cotangent/*.h ${distributed_public} benchmarks/*" ;;
    cotangent/*) rules="core/* interpreters/* cotangent/* backends/registry.h" ;;
    # The processes (MPI) over the public API and core's process axes.
    distributed/*) rules="core/* interpreters/* cotangent/* distributed/*" ;;
    interpreters/*) rules="core/* interpreters/*" ;;
    core/*)
      local stem=${1#core/}
      stem=${stem%.*}
      if [[ " $interface" == *" $stem "* ]]; then
        rules="$interface_headers"
        layer="core's backend interface"
      else
        rules="core/*"
      fi
      ;;
    backends/*) rules="$interface_headers backends/* kernels/*" ;;
  esac
}

files=0
bad=0
while IFS= read -r file; do
  files=$((files + 1))
  set_rules "$file"
  case "$file" in
    backends/*) device_ok=1 ;;
    *) device_ok=0 ;;
  esac
  while IFS=: read -r line text; do
    [[ "$text" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<]([^\"\>]+)[\"\>] ]] || continue
    inc=${BASH_REMATCH[1]}
    if allowed "$device_libraries" "$inc"; then
      if ((device_ok)) || [[ "$file" == benchmarks/* && "$inc" != @(vulkan|glslang|hwy)/* ]]; then
        continue
      fi
      echo "check_layers: $file:$line: includes $inc (device libraries are for backends/ only)"
      bad=$((bad + 1))
      continue
    fi
    allowed "$project" "$inc" || continue  # third party and the standard library
    allowed "$rules" "$inc" && continue
    echo "check_layers: $file:$line: includes \"$inc\" ($layer may include: $rules)"
    bad=$((bad + 1))
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file")
done < <(find examples benchmarks cotangent distributed interpreters core backends -type f \
              \( -name '*.h' -o -name '*.cc' -o -name '*.def' \) | sort)

if ((bad > 0)); then
  echo "check_layers: $bad wrong-way include(s) in $files files (design.md, \"Layers\")"
  exit 1
fi
echo "check_layers: $files files, every include points down the layers"
