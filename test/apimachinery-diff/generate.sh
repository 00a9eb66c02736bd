#!/usr/bin/env bash
# Builds the corpus generator against the k8s.io/apimachinery pinned in go.mod and rewrites corpus/, or checks
# that the committed corpus is exactly what the generator produces.
#
#   test/apimachinery-diff/generate.sh              regenerate corpus/ (same seed as the committed manifest)
#   test/apimachinery-diff/generate.sh --seed 7     regenerate with another seed
#   test/apimachinery-diff/generate.sh --check      regenerate into a temporary directory; fail if it differs
#
# The Go build and module caches stay where Go keeps them by default; nothing but corpus/ is written here.
# --check compares the manifest (seed, line counts and SHA-256 of every file's uncompressed lines) and then the
# gzip bytes. Should only the gzip bytes differ, the content is the same and another Go release's compress/flate
# produced them: that is reported but passes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
corpus="$here/corpus"
log() { printf '[apimachinery-diff] %s\n' "$*" >&2; }

check=false
seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=true ;;
    --seed) seed="${2:?--seed needs a number}"; shift ;;
    *) log "unknown argument: $1 (use --check or --seed N)"; exit 2 ;;
  esac
  shift
done
if [ -z "$seed" ]; then
  seed="$(sed -n 's/^  "seed": \([0-9]*\),$/\1/p' "$corpus/manifest.json" 2>/dev/null || true)"
  seed="${seed:-1}"
fi

command -v go >/dev/null || { log "go is required (the generator runs the real k8s.io/apimachinery)"; exit 1; }
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
t0=$SECONDS
(cd "$here" && timeout 1800 go build -trimpath -o "$tmp/generator" .)
t1=$SECONDS
mkdir "$tmp/corpus"
timeout 600 "$tmp/generator" -seed "$seed" -out "$tmp/corpus"
t2=$SECONDS
log "seed $seed: built in $((t1 - t0))s, generated in $((t2 - t1))s, $(du -sb "$tmp/corpus" | cut -f1) bytes"

if ! $check; then
  mkdir -p "$corpus"
  rm -f "$corpus"/*.jsonl.gz "$corpus/manifest.json"
  cp "$tmp"/corpus/* "$corpus/"
  log "wrote $corpus"
  exit 0
fi

# The committed gzip files must hold what the committed manifest says (a file edited by hand is caught even
# if the manifest was left alone) …
for f in "$corpus"/*.jsonl.gz; do
  name="$(basename "$f")"
  want="$(grep -A2 "\"$name\"" "$corpus/manifest.json" | sed -n 's/.*"sha256": "\([0-9a-f]*\)".*/\1/p')"
  have="$(gzip -dc "$f" | sha256sum | cut -d' ' -f1)"
  [ "$want" = "$have" ] || { log "FAIL: $name does not match the committed manifest"; exit 1; }
done
# … and the manifest and file set must be what the generator writes now.
if ! diff -u "$corpus/manifest.json" "$tmp/corpus/manifest.json" >&2 ||
   ! diff <(cd "$corpus" && ls) <(cd "$tmp/corpus" && ls) >&2; then
  log "FAIL: the committed corpus differs from what the generator produces; run test/apimachinery-diff/generate.sh"
  exit 1
fi
same=true
for f in "$tmp"/corpus/*.jsonl.gz; do
  cmp -s "$f" "$corpus/$(basename "$f")" || same=false
done
if $same; then
  log "OK: the committed corpus is byte-for-byte what the generator produces"
else
  log "OK: same content; only the gzip bytes differ (compress/flate of $(go env GOVERSION))"
fi
