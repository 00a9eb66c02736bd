#!/usr/bin/env bash
# Build (or reuse from cache) Prometheus 3.x from its Go module: the remote-write 2.0 sender of the sender tests
# (test/node/remote-write-senders.test.ts) and of the HPA scenario (test/k8s/scenarios/remote-write.test.ts).
# Go modules only: no release download.
#
#   test/senders/build-prometheus.sh      # prints PROMETHEUS3=<path of the binary> on stdout, logs on stderr
#
# Binary: ${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/prometheus/<version>/prometheus, with a .stamp
# hashing this script and the Go version: when it matches, nothing is built (well under a second).
#
# Trade-offs:
# - `go install <pkg>@<version>` builds with the module's own go.mod/go.sum (github.com/prometheus/prometheus
#   has no replace directives), so no tool module of ours has to track Prometheus' ~250 requirements.
# - `-tags remove_all_sd,enable_kubernetes_sd` are upstream's switches (plugins/plugin_*.go): every service
#   discovery but file, http and Kubernetes is left out, so the cold build skips the cloud SDKs. Kubernetes
#   discovery is what the HPA scenario scrapes with (Debian's package is built without it).
# - No `builtinassets`: the web UI is not compiled in (web/ui/ui.go); the HTTP API the tests query is.
set -euo pipefail

VERSION=v0.316.0 # Prometheus v3.16.0 (the Go module numbers v3.X.Y as v0.3XX.Y)
PKG=github.com/prometheus/prometheus/cmd/prometheus

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/prometheus/$VERSION"
log() { printf '[prometheus-build] %s\n' "$*" >&2; }

command -v go >/dev/null || { log "go is required to build Prometheus $VERSION from its Go module"; exit 1; }
export GOTOOLCHAIN=local
mkdir -p "$cache"
want="$( { cat "$here/build-prometheus.sh"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -d' ' -f1)"
exec {lockfd}>"$cache/.lock"
flock -w 3600 "$lockfd" || { log "timed out waiting for the build lock of $VERSION"; exit 1; }
if [ -x "$cache/prometheus" ] && [ -f "$cache/.stamp" ] && [ "$(cat "$cache/.stamp")" = "$want" ]; then
  log "$VERSION: cached in $cache"
  echo "PROMETHEUS3=$cache/prometheus"
  exit 0
fi
rm -f "$cache/.stamp"
tmp="$cache/.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
t0=$(date +%s)
minor="$(echo "$VERSION" | cut -d. -f2)"
semver="3.$(( 10#$minor - 300 )).$(echo "$VERSION" | cut -d. -f3)"
log "$VERSION: go install $PKG (Prometheus $semver; cold: several minutes on 2 cores)"
ldflags="-s -w -X github.com/prometheus/common/version.Version=$semver -X github.com/prometheus/common/version.Branch=release"
if ! GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -buildvcs=false -tags remove_all_sd,enable_kubernetes_sd -ldflags "$ldflags" "$PKG@$VERSION" >&2; then
  log "$VERSION: go install failed"; exit 1
fi
mv -f "$tmp/prometheus" "$cache/prometheus"
rmdir "$tmp"
echo "$want" > "$cache/.stamp"
log "$VERSION: built in $(( $(date +%s) - t0 ))s -> $cache/prometheus ($(du -h "$cache/prometheus" | cut -f1))"
echo "PROMETHEUS3=$cache/prometheus"
