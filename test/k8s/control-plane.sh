#!/usr/bin/env bash
# A real Kubernetes control plane on loopback: etcd + kube-apiserver + kube-controller-manager
# (no kubelet, no scheduler), with a generated PKI and the aggregation-layer flags.
#
#   test/k8s/control-plane.sh start [minor]   # e.g. 1.37 (default: newest pinned); prints `export K=V` lines
#   test/k8s/control-plane.sh stop            # kills every process group it started (idempotent)
#   test/k8s/control-plane.sh run [minor] -- CMD [ARGS...]
#                                             # start, run CMD with the env below, always stop;
#                                             # exit status is CMD's (tails of the logs on failure)
#   test/k8s/control-plane.sh status | logs
#
# State lives in $K8S_RUN_DIR (default test/k8s/.run/cp, git-ignored). After `start` it holds
#   env        shell `export` lines (source it)    env.json  the same as JSON (for Node)
#   kubeconfig admin (O=system:masters)           pki/      all certs and keys
#   logs/      etcd.log kube-apiserver.log kube-controller-manager.log
# Exported variables:
#   K8S_RUN_DIR K8S_VERSION K8S_BIN_DIR KUBECONFIG K8S_KUBECTL K8S_APISERVER_URL
#   K8S_CA_FILE (cluster CA)  K8S_FRONT_PROXY_CA_FILE (what an aggregated server must trust
#   for the front-proxy client cert)  K8S_FRONT_PROXY_CLIENT_CERT_FILE/_KEY_FILE (to call an
#   aggregated server as kube-apiserver would)  K8S_LOG_DIR K8S_ETCD_URL K8S_KCM_URL
#
# Tunables (env): K8S_RUN_DIR, K8S_VERSION (minor), K8S_MAX_LIFETIME (s, default 3600: a watchdog
# stops everything after it), K8S_HPA_SYNC_PERIOD (default 2s), K8S_APISERVER_EXTRA_ARGS,
# K8S_KCM_EXTRA_ARGS (space-separated extra flags), K8S_START_TIMEOUT (s, default 120).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="${K8S_RUN_DIR:-$here/.run/cp}"
PIDS="$RUN/pids"
LOGS="$RUN/logs"
PKI="$RUN/pki"
log() { printf '[k8s-cp] %s\n' "$*" >&2; }

# ---------------------------------------------------------------- stop / status / logs
# A process group is alive while it has a member that is not a zombie (orphans that exited
# stay zombies until PID 1 reaps them, and `kill -0` still succeeds on those).
pgid_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }

# kill_group NAME GRACE : SIGTERM the process group, SIGKILL after GRACE seconds
kill_group() {
  local f="$PIDS/$1.pid" pid deadline
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if pgid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    deadline=$(( $(date +%s) + $2 ))
    while pgid_alive "$pid"; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        log "SIGKILL $1 (pgid $pid)"; kill -KILL -- "-$pid" 2>/dev/null || true; sleep 0.2; break
      fi
      sleep 0.1
    done
  fi
  rm -f "$f"
}

stop_all() {
  local f
  [ -d "$PIDS" ] || return 0
  # First whatever a test recorded in pids/<name>.pid (its own process group: edge node,
  # bridge, ...), then the components in reverse start order (etcd last, so the apiserver
  # shuts down cleanly), then the watchdog (unless the watchdog is the caller).
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    case "$(basename "$f" .pid)" in watchdog|kube-controller-manager|kube-apiserver|etcd) continue ;; esac
    kill_group "$(basename "$f" .pid)" 10
  done
  kill_group kube-controller-manager 10
  kill_group kube-apiserver 15
  kill_group etcd 10
  if [ -f "$PIDS/watchdog.pid" ]; then
    if [ -n "${K8S_CP_FROM_WATCHDOG:-}" ]; then rm -f "$PIDS/watchdog.pid"; else kill_group watchdog 2; fi
  fi
  rm -f "$RUN/env" "$RUN/env.json"
  log "stopped (logs kept in $LOGS)"
}

tail_logs() {
  local f
  for f in "$LOGS"/*.log; do
    [ -f "$f" ] || continue
    printf '\n===== tail -n %s %s =====\n' "${1:-40}" "$f" >&2
    tail -n "${1:-40}" "$f" >&2
  done
}

status() {
  local f any=
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    if pgid_alive "$(cat "$f")"; then echo "$(basename "$f" .pid): running (pgid $(cat "$f"))"; any=1
    else echo "$(basename "$f" .pid): dead"; fi
  done
  [ -n "$any" ]
}

# ---------------------------------------------------------------- helpers
# free_ports N : N distinct free ports on 127.0.0.1 (cli/lib/net.ts, the harness's one implementation)
free_ports() { "$here/../../node_modules/.bin/tsx" "$here/free-ports.ts" "$1"; }

# spawn NAME CMD... : own session/process group, output to logs/NAME.log, pid file = pgid
spawn() {
  local name="$1"; shift
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# wait_until TIMEOUT DESCRIPTION PIDNAME CMD... : poll CMD until success; fail fast if PIDNAME died
wait_until() {
  local timeout="$1" what="$2" pname="$3" deadline; shift 3
  deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pname" ] && ! pgid_alive "$(cat "$PIDS/$pname.pid")"; then
      log "$pname exited while waiting for $what"; return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then log "timed out after ${timeout}s waiting for $what"; return 1; fi
    sleep 0.5
  done
}

gen_pki() {
  mkdir -p "$PKI"
  local d="$PKI" days=3650
  ossl() { openssl "$@" 2>>"$LOGS/openssl.log"; }
  # CA: cluster CA (client certs + apiserver serving cert) and the front-proxy CA.
  for ca in ca front-proxy-ca; do
    ossl req -x509 -newkey rsa:2048 -nodes -sha256 -days $days \
      -keyout "$d/$ca.key" -out "$d/$ca.crt" -subj "/CN=edge-metrics-adapter-test-$ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
  done
  # leaf NAME CA SUBJECT EKU [SAN]
  leaf() {
    local name="$1" ca="$2" subj="$3" eku="$4" san="${5:-}" ext="$d/$1.ext"
    {
      echo "basicConstraints=critical,CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=$eku"
      [ -n "$san" ] && echo "subjectAltName=$san"
    } >"$ext"
    ossl req -new -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" -subj "$subj"
    ossl x509 -req -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -CAcreateserial \
      -days $days -sha256 -extfile "$ext" -out "$d/$name.crt"
    rm -f "$d/$name.csr" "$ext"
  }
  leaf apiserver ca "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  leaf admin ca "/O=system:masters/CN=kubernetes-admin" clientAuth
  leaf kube-controller-manager ca "/CN=system:kube-controller-manager" clientAuth
  leaf front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
  # Service-account token signing key pair.
  ossl genrsa -out "$d/sa.key" 2048
  ossl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub"
  chmod 600 "$d"/*.key
}

write_kubeconfig() { # FILE USER CERT KEY
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $APISERVER_URL
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $3
    client-key: $4
contexts:
- name: local
  context: {cluster: local, user: $2}
current-context: local
EOF
}

# Controller names were renamed in 1.28 (e.g. deployment -> deployment-controller); the old
# names are still accepted as aliases, but use whichever --help lists.
pick_controllers() {
  local help want=() c
  help="$("$BIN/kube-controller-manager" --help 2>&1 || true)"
  if grep -q 'horizontal-pod-autoscaler-controller' <<<"$help"; then
    want=(horizontal-pod-autoscaler-controller deployment-controller replicaset-controller
          serviceaccount-controller serviceaccount-token-controller namespace-controller
          garbage-collector-controller root-ca-certificate-publisher-controller)
  else
    want=(horizontalpodautoscaling deployment replicaset serviceaccount serviceaccount-token
          namespace garbagecollector root-ca-cert-publisher)
  fi
  for c in "${want[@]}"; do grep -q -- "$c" <<<"$help" || log "warning: controller $c not listed in --help"; done
  (IFS=,; echo "${want[*]}")
}

# ---------------------------------------------------------------- start
start() {
  local minor="${1:-${K8S_VERSION:-}}" timeout="${K8S_START_TIMEOUT:-120}" t0 line
  t0=$(date +%s%N)
  if [ -d "$PIDS" ] && status >/dev/null 2>&1; then log "a control plane is already running in $RUN: stopping it"; stop_all; fi
  # Binaries (cached: a no-op when warm).
  line="$("$here/build.sh" ${minor:+"$minor"} | grep '^K8S_BIN_DIR=' | head -1)"
  BIN="${line#K8S_BIN_DIR=}"
  [ -x "$BIN/kube-apiserver" ] || { log "no binaries (build.sh output: $line)"; return 1; }
  VERSION="$(basename "$(dirname "$BIN")")"
  rm -rf "$RUN"; mkdir -p "$PIDS" "$LOGS" "$RUN/apiserver-certs" "$RUN/kcm-certs"; mkdir -m 700 "$RUN/etcd-data"

  gen_pki
  local etcd_port etcd_peer api_port kcm_port
  read -r etcd_port etcd_peer api_port kcm_port <<<"$(free_ports 4 | tr '\n' ' ')"
  [ -n "$kcm_port" ] || { log "could not pick free ports (npm ci?)"; return 1; }
  APISERVER_URL="https://127.0.0.1:$api_port"
  local ETCD_URL="http://127.0.0.1:$etcd_port"
  write_kubeconfig "$RUN/kubeconfig" kubernetes-admin "$PKI/admin.crt" "$PKI/admin.key"
  write_kubeconfig "$RUN/kcm.kubeconfig" system:kube-controller-manager "$PKI/kube-controller-manager.crt" "$PKI/kube-controller-manager.key"
  export KUBECONFIG="$RUN/kubeconfig"

  # Watchdog: bounded lifetime even if the caller forgets to stop (or is killed).
  K8S_CP_FROM_WATCHDOG=1 K8S_RUN_DIR="$RUN" spawn watchdog \
    bash -c 'sleep "$1"; echo "[k8s-cp] max lifetime ($1s) reached: stopping"; exec "$2" stop' _ "${K8S_MAX_LIFETIME:-3600}" "$here/control-plane.sh"

  log "$VERSION: starting etcd on $ETCD_URL"
  spawn etcd "$BIN/etcd" --name cp --data-dir "$RUN/etcd-data" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "cp=http://127.0.0.1:$etcd_peer" --initial-cluster-state new \
    --unsafe-no-fsync --log-level warn
  wait_until "$timeout" "etcd /health" etcd curl -fsS "$ETCD_URL/health"

  log "$VERSION: starting kube-apiserver on $APISERVER_URL"
  # shellcheck disable=SC2086
  spawn kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --etcd-servers="$ETCD_URL" \
    --cert-dir="$RUN/apiserver-certs" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --endpoint-reconciler-type=none \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --profiling=false \
    ${K8S_APISERVER_EXTRA_ARGS:-}
  wait_until "$timeout" "kube-apiserver /readyz" kube-apiserver "$BIN/kubectl" get --raw /readyz

  log "$VERSION: starting kube-controller-manager"
  # shellcheck disable=SC2086
  spawn kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$RUN/kcm.kubeconfig" \
    --authentication-kubeconfig="$RUN/kcm.kubeconfig" --authorization-kubeconfig="$RUN/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" --cert-dir="$RUN/kcm-certs" \
    --leader-elect=false \
    --controllers="$(pick_controllers)" \
    --use-service-account-credentials=true \
    --root-ca-file="$PKI/ca.crt" \
    --service-account-private-key-file="$PKI/sa.key" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --horizontal-pod-autoscaler-sync-period="${K8S_HPA_SYNC_PERIOD:-2s}" \
    --profiling=false \
    ${K8S_KCM_EXTRA_ARGS:-}
  wait_until "$timeout" "kube-controller-manager /healthz" kube-controller-manager \
    curl -fsSk "https://127.0.0.1:$kcm_port/healthz"
  # The serviceaccount controller must have made `default` before pods can be admitted.
  wait_until "$timeout" "serviceaccount default/default" kube-controller-manager \
    "$BIN/kubectl" -n default get serviceaccount default

  # Proof: an admin can list namespaces and do anything.
  "$BIN/kubectl" get ns >&2
  [ "$("$BIN/kubectl" auth can-i '*' '*' --all-namespaces)" = yes ] || { log "kubectl auth can-i: admin is not allowed"; return 1; }

  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  {
    echo "export K8S_RUN_DIR='$RUN'"
    echo "export K8S_VERSION='$VERSION'"
    echo "export K8S_BIN_DIR='$BIN'"
    echo "export KUBECONFIG='$RUN/kubeconfig'"
    echo "export K8S_KUBECTL='$BIN/kubectl'"
    echo "export K8S_APISERVER_URL='$APISERVER_URL'"
    echo "export K8S_CA_FILE='$PKI/ca.crt'"
    echo "export K8S_FRONT_PROXY_CA_FILE='$PKI/front-proxy-ca.crt'"
    echo "export K8S_FRONT_PROXY_CLIENT_CERT_FILE='$PKI/front-proxy-client.crt'"
    echo "export K8S_FRONT_PROXY_CLIENT_KEY_FILE='$PKI/front-proxy-client.key'"
    echo "export K8S_LOG_DIR='$LOGS'"
    echo "export K8S_ETCD_URL='$ETCD_URL'"
    echo "export K8S_KCM_URL='https://127.0.0.1:$kcm_port'"
  } >"$RUN/env"
  # JSON twin for Node (values contain no quotes/backslashes: paths under the repo and URLs).
  sed -E "s/^export ([A-Z0-9_]+)='(.*)'$/\"\1\": \"\2\"/" "$RUN/env" | paste -sd, - | sed 's/^/{/; s/$/}/' >"$RUN/env.json"
  log "$VERSION: control plane ready in ${ms}ms; source $RUN/env"
  cat "$RUN/env"
}

# ---------------------------------------------------------------- main
cmd="${1:-}"; [ $# -gt 0 ] && shift
case "$RUN" in
  ""|/|"$HOME"|"$here"|/tmp) log "refusing K8S_RUN_DIR=$RUN (it is wiped on start)"; exit 2 ;;
esac
case "$cmd" in
  start)
    # On any failure before the end of start (set -e, a timeout, a signal): tails + stop.
    trap 'rc=$?; if [ -z "${CP_READY:-}" ]; then log "start failed (exit $rc)"; tail_logs 40; stop_all; fi' EXIT
    trap 'exit 130' INT TERM
    start "$@"
    CP_READY=1
    ;;
  stop) stop_all ;;
  status) status ;;
  logs) tail_logs "${1:-100}" 2>&1 ;;
  run)
    minor=""
    if [ $# -gt 0 ] && [ "$1" != "--" ]; then minor="$1"; shift; fi
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { log "usage: $0 run [minor] -- CMD [ARGS...]"; exit 2; }
    cmd_pid=""
    trap 'rc=$?; if [ "$rc" != 0 ]; then log "failed (exit $rc)"; tail_logs 40; fi; stop_all' EXIT
    # A signal ends CMD's process group too, then the EXIT trap stops the control plane.
    trap 'if [ -n "$cmd_pid" ]; then kill -TERM -- "-$cmd_pid" 2>/dev/null; fi; exit 143' TERM
    trap 'if [ -n "$cmd_pid" ]; then kill -INT -- "-$cmd_pid" 2>/dev/null; fi; exit 130' INT
    start $minor >/dev/null
    # shellcheck disable=SC1091
    source "$RUN/env"
    # CMD runs in its own process group in the background so that `wait` (unlike a foreground
    # child) returns as soon as a signal arrives and the traps run at once.
    setsid "$@" &
    cmd_pid=$!
    rc=0; wait "$cmd_pid" || rc=$?
    cmd_pid=""
    exit "$rc"
    ;;
  *)
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
