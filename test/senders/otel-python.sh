#!/usr/bin/env bash
# Create (or reuse from cache) the virtualenv of the Python OTLP sender: opentelemetry-sdk and
# opentelemetry-exporter-otlp-proto-http from PyPI, pinned in otel-python-requirements.txt.
#
#   test/senders/otel-python.sh     # prints OTEL_PYTHON=<the venv's python> on stdout, logs on stderr
#
# Venv: ${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/otel-python/<hash>/, the hash covering the
# requirements, this script and the interpreter's version, so a change of any of them makes a new venv and an
# unchanged one is reused in well under a second. PYTHON names the interpreter (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
log() { printf '[otel-python] %s\n' "$*" >&2; }

command -v "$py" >/dev/null || { log "$py not found (Debian: apt-get install python3 python3-venv)"; exit 1; }
version="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
key="$( { cat "$here/otel-python-requirements.txt" "$here/otel-python.sh"; echo "$version"; } | sha256sum | cut -c1-16)"
root="${XDG_CACHE_HOME:-$HOME/.cache}/edge-metrics-adapter/otel-python"
venv="$root/$key"
mkdir -p "$root"
exec {lockfd}>"$root/.lock"
flock -w 600 "$lockfd" || { log "timed out waiting for the venv lock"; exit 1; }
if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
  log "cached in $venv (Python $version)"
  echo "OTEL_PYTHON=$venv/bin/python"
  exit 0
fi
rm -rf "$venv"
t0=$(date +%s)
log "creating $venv (Python $version)"
"$py" -m venv "$venv" >&2 || { log "$py -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/otel-python-requirements.txt" >&2
"$venv/bin/python" -c 'import opentelemetry.sdk.metrics, opentelemetry.exporter.otlp.proto.http.metric_exporter' >&2
touch "$venv/.complete"
log "installed in $(( $(date +%s) - t0 ))s"
echo "OTEL_PYTHON=$venv/bin/python"
