#!/usr/bin/env bash
# Build (or reuse from cache) kube-apiserver, kube-controller-manager, kubectl and etcd
# for one or more pinned Kubernetes minors, from Go modules only (no release downloads).
#
#   test/k8s/build.sh            # every pinned minor (test/k8s/tools/v*/)
#   test/k8s/build.sh 1.37       # one minor (also accepts v1.37, 1.37.2, v1.37.2)
#
# Binaries: ${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/k8s/v<X.Y.Z>/bin/
#   {kube-apiserver,kube-controller-manager,kubectl,etcd} and a .stamp file.
# The stamp hashes go.mod/go.sum of both tool modules, etcd's main.go, this script and the
# Go version: when it matches, nothing is built (a warm run takes well under a second).
# For each minor built it prints a line `K8S_BIN_DIR=<dir>` on stdout (logs go to stderr).
# Env: K8S_BUILD_LOG=<file> tees the go build output there as well.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$here/tools"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/k8s"
log() { printf '[k8s-build] %s\n' "$*" >&2; }
to_log() { if [ -n "${K8S_BUILD_LOG:-}" ]; then tee -a "$K8S_BUILD_LOG" >&2; else cat >&2; fi; }

# A tool module's go line may be newer than the machine's Go: then let the go command fetch
# that toolchain (go1.27.3) from the Go module proxy.
pick_toolchain() {
  local need have
  need="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$1/go.mod")"
  have="$(GOTOOLCHAIN=local go env GOVERSION)"; have="${have#go}"
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | tail -1)" != "$have" ]; then
    export GOTOOLCHAIN=go1.27.3
  else
    export GOTOOLCHAIN=local
  fi
}

build_minor() {
  local minor="$1" moddir="$tools/v$1" full bin stamp want major minornum ldflags tmp t0
  [ -f "$moddir/go.mod" ] || { log "no pinned module $moddir (have: $(ls "$tools" | grep '^v' | tr '\n' ' '))"; return 2; }
  full="$(sed -n 's#^require k8s.io/kubernetes \(v[0-9.]*\)$#\1#p' "$moddir/go.mod")"
  [ -n "$full" ] || { log "cannot read k8s.io/kubernetes version from $moddir/go.mod"; return 2; }
  bin="$cache_root/$full/bin"
  stamp="$bin/.stamp"
  pick_toolchain "$moddir"
  want="$(
    {
      cat "$moddir/go.mod" "$moddir/go.sum" "$tools/etcd/go.mod" "$tools/etcd/go.sum" "$tools/etcd/main.go" "$here/build.sh"
      go env GOVERSION GOOS GOARCH
    } | sha256sum | cut -d' ' -f1
  )"
  mkdir -p "$bin"
  # Serialise concurrent builds of the same version (a developer and CI on one machine).
  exec {lockfd}>"$cache_root/$full/.lock"
  flock -w 3600 "$lockfd" || { log "timed out waiting for the build lock of $full"; return 1; }
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
     [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kubectl" ] && [ -x "$bin/etcd" ]; then
    log "$full: cached in $bin"
    exec {lockfd}>&-
    echo "K8S_BIN_DIR=$bin"
    return 0
  fi
  rm -f "$stamp"
  major="${full#v}"; major="${major%%.*}"
  minornum="${full#v*.}"; minornum="${minornum%%.*}"
  # What hack/lib/version.sh stamps into release builds; without it the binaries say v0.0.0.
  local x pkg
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    for x in "gitVersion=$full" "gitMajor=$major" "gitMinor=$minornum" "gitTreeState=clean" \
             "gitCommit=0000000000000000000000000000000000000000" "buildDate=1970-01-01T00:00:00Z"; do
      ldflags+=" -X $pkg.$x"
    done
  done
  tmp="$bin/.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  t0=$(date +%s)
  log "$full: building kube-apiserver kube-controller-manager kubectl (GOTOOLCHAIN=$GOTOOLCHAIN; cold: many minutes on 2 cores)"
  if ! (
    cd "$moddir" &&
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kubectl
  ) 2>&1 | to_log; then
    log "$full: go build failed"; return 1
  fi
  log "$full: building etcd"
  if ! (
    pick_toolchain "$tools/etcd" && cd "$tools/etcd" &&
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$tmp/etcd" .
  ) 2>&1 | to_log; then
    log "$full: etcd build failed"; return 1
  fi
  mv -f "$tmp"/* "$bin/"
  rmdir "$tmp"
  echo "$want" > "$stamp"
  log "$full: built in $(( $(date +%s) - t0 ))s -> $bin ($(du -sh "$bin" | cut -f1))"
  exec {lockfd}>&-
  echo "K8S_BIN_DIR=$bin"
}

if [ $# -eq 0 ]; then
  set -- $(cd "$tools" && ls -d v*/ | tr -d / | sed 's/^v//' | sort -rV)
fi
for arg in "$@"; do
  a="${arg#v}"
  case "$a" in
    *.*.*) a="${a%.*}" ;;
  esac
  build_minor "$a"
done
