#!/usr/bin/env bash
# Install (or reuse from cache) the Pushgateway client programs the tests drive, each an unmodified client
# library from its registry:
#   - a virtualenv with prometheus_client from PyPI (python-requirements.txt), for push.py;
#   - go-push, built from go-push/ with client_golang's prometheus/push package (Go module proxy).
# prom-client, the third client, is an npm devDependency and needs nothing here.
#
#   test/pushgateway-clients/install.sh   # prints PUSHGATEWAY_PYTHON=<python> and PUSHGATEWAY_GO=<binary>
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/pushgateway-clients/{python,go}-<key>/, the key a
# hash of what the result is made from (requirements or go.mod/go.sum/main.go, this script, the interpreter's or
# Go's version), so any change makes a new one and an unchanged one is reused in well under a second. A `flock`
# serialises concurrent installs (a developer and CI on one machine). PYTHON names the interpreter (python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/pushgateway-clients"
log() { printf '[pushgateway-clients] %s\n' "$*" >&2; }
mkdir -p "$root"
exec {lockfd}>"$root/.lock"
flock -w 900 "$lockfd" || { log "timed out waiting for the install lock"; exit 1; }

python_venv() {
  local py="${PYTHON:-python3}" version key venv t0
  command -v "$py" >/dev/null || { log "$py not found (Debian: apt-get install python3 python3-venv)"; return 1; }
  version="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  key="$( { cat "$here/python-requirements.txt" "$here/install.sh"; echo "$version"; } | sha256sum | cut -c1-16)"
  venv="$root/python-$key"
  if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
    log "prometheus_client: cached in $venv (Python $version)"
  else
    rm -rf "$venv"
    t0=$(date +%s)
    log "prometheus_client: creating $venv (Python $version)"
    "$py" -m venv "$venv" >&2 || { log "$py -m venv failed (Debian: apt-get install python3-venv)"; return 1; }
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/python-requirements.txt" >&2
    "$venv/bin/python" -c 'import prometheus_client.exposition' >&2
    touch "$venv/.complete"
    log "prometheus_client: installed in $(( $(date +%s) - t0 ))s"
  fi
  echo "PUSHGATEWAY_PYTHON=$venv/bin/python"
}

go_push() {
  local src="$here/go-push" key dir t0
  command -v go >/dev/null || { log "go not found: it builds go-push (client_golang) from Go modules"; return 1; }
  export GOTOOLCHAIN=local
  key="$( { cat "$src/go.mod" "$src/go.sum" "$src/main.go" "$here/install.sh"; go env GOVERSION GOOS GOARCH; } | sha256sum | cut -c1-16)"
  dir="$root/go-$key"
  if [ -x "$dir/go-push" ]; then
    log "go-push: cached in $dir"
  else
    rm -rf "$dir"; mkdir -p "$dir"
    t0=$(date +%s)
    log "go-push: building client_golang's push client into $dir"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$dir/go-push.tmp" .) >&2
    mv "$dir/go-push.tmp" "$dir/go-push"
    log "go-push: built in $(( $(date +%s) - t0 ))s"
  fi
  echo "PUSHGATEWAY_GO=$dir/go-push"
}

python_venv
go_push
