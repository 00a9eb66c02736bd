#!/usr/bin/env bash
# `npm run test:k8s`: the HPA scenarios (test/k8s/scenarios, vitest.k8s.config.ts) on a real control plane,
# once per pinned Kubernetes minor (test/k8s/tools/v*), newest first.
#
#   npm run test:k8s                          # every pinned minor
#   K8S_VERSIONS="1.37" npm run test:k8s      # a subset (space-separated minors)
#   npm run test:k8s -- -t "version choice"   # extra arguments go to vitest
#
# For each minor: build.sh builds kube-apiserver, kube-controller-manager, kubectl and etcd if the cache
# (~/.cache/edge-metrics-adapter/k8s/<version>/bin) is cold, then control-plane.sh starts etcd +
# kube-apiserver + kube-controller-manager on loopback, runs vitest with the control plane's environment and
# always stops everything (process groups, watchdog). Logs of every component, ours included (edge-workerd,
# bridge-workerd, wrangler-dev), stay in test/k8s/.run/v<minor>/logs (git-ignored); their tails are printed
# on failure. Exit status: non-zero if any build or any scenario failed on any version.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if [ -n "${K8S_VERSIONS:-}" ]; then
  read -r -a versions <<<"$K8S_VERSIONS"
else
  mapfile -t versions < <(find "$here/tools" -maxdepth 1 -type d -name 'v[0-9]*' -printf '%f\n' | sed 's/^v//' | sort -rV)
fi
[ "${#versions[@]}" -gt 0 ] || { echo "[test:k8s] no pinned Kubernetes versions under $here/tools" >&2; exit 2; }

declare -A result secs
failed=0
t_all=$(date +%s)
for v in "${versions[@]}"; do
  t0=$(date +%s)
  echo "[test:k8s] ===== Kubernetes $v =====" >&2
  if ! "$here/build.sh" "$v" >/dev/null; then
    result[$v]="BUILD FAILED"; secs[$v]=$(( $(date +%s) - t0 )); failed=1; continue
  fi
  tb=$(( $(date +%s) - t0 ))
  run_dir="$here/.run/v$v"
  # In the background + wait, so that a TERM/INT to this script reaches control-plane.sh at once (its traps
  # stop vitest's process group, our processes recorded in $run_dir/pids, and the control plane).
  K8S_RUN_DIR="$run_dir" K8S_MAX_LIFETIME="${K8S_MAX_LIFETIME:-1800}" \
    "$here/control-plane.sh" run "$v" -- "$root/node_modules/.bin/vitest" run --config "$root/vitest.k8s.config.ts" "$@" &
  cp_pid=$!
  trap 'kill -TERM "$cp_pid" 2>/dev/null; wait "$cp_pid"; exit 143' TERM
  trap 'kill -INT "$cp_pid" 2>/dev/null; wait "$cp_pid"; exit 130' INT
  rc=0; wait "$cp_pid" || rc=$?
  trap - TERM INT
  secs[$v]=$(( $(date +%s) - t0 ))
  if [ "$rc" = 0 ]; then result[$v]="passed"; else result[$v]="FAILED (exit $rc)"; failed=1; fi
  echo "[test:k8s] Kubernetes $v: ${result[$v]} in ${secs[$v]}s (build/cache check ${tb}s); logs: $run_dir/logs" >&2
done

echo "[test:k8s] ===== summary ($(( $(date +%s) - t_all ))s) =====" >&2
for v in "${versions[@]}"; do echo "[test:k8s] Kubernetes $v: ${result[$v]} (${secs[$v]}s)" >&2; done
exit "$failed"
