#!/usr/bin/env bash
# Smoke proof of the loopback control plane (no kubelet, no adapter):
#   1. a Deployment gets a ReplicaSet and its Pods (Pending: nothing runs them);
#   2. the HPA controller processes an HPA (status.conditions + events);
#   3. an APIService -> ExternalName Service `localhost` on a port where nothing listens
#      becomes Available=False (FailedDiscoveryCheck) with a clear message;
#   4. namespace deletion completes once that APIService is gone.
# Needs the env of a running control plane:
#   test/k8s/control-plane.sh run [minor] -- test/k8s/smoke.sh
# or, with one already started: source test/k8s/.run/cp/env && test/k8s/smoke.sh
set -uo pipefail
: "${KUBECONFIG:?source the control plane env first}" "${K8S_KUBECTL:?}"
k() { "$K8S_KUBECTL" "$@"; }
ns="smoke-$$"
apisvc="v1beta1.external.metrics.k8s.io"
passed=0; failed=0
ok()   { passed=$((passed+1)); printf 'ok   - %s\n' "$*"; }
fail() { failed=$((failed+1)); printf 'FAIL - %s\n' "$*"; }
# poll TIMEOUT DESCRIPTION CMD... : until CMD succeeds
poll() {
  local timeout="$1" what="$2" deadline; shift 2
  deadline=$(( $(date +%s) + timeout ))
  until "$@"; do
    [ "$(date +%s)" -ge "$deadline" ] && { fail "$what (timeout ${timeout}s)"; return 1; }
    sleep 1
  done
  ok "$what"
}
cleanup() { k delete apiservice "$apisvc" --ignore-not-found --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

t0=$(date +%s)
echo "# smoke: $(k version -o json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log("client", v.clientVersion.gitVersion, "server", v.serverVersion.gitVersion)')"

# --- 1. Deployment -> ReplicaSet -> Pods
k create namespace "$ns" >/dev/null
k -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.k8s.io/pause:3.10, resources: {requests: {cpu: 10m}}}]
EOF
rs_exists() { [ -n "$(k -n "$ns" get rs -l app=web -o name 2>/dev/null)" ]; }
pods_pending() { [ "$(k -n "$ns" get pods -l app=web --field-selector=status.phase=Pending -o name 2>/dev/null | wc -l)" = 2 ]; }
poll 60 "deployment controller created a ReplicaSet" rs_exists
poll 60 "replicaset controller created 2 Pods (Pending: no kubelet)" pods_pending

# --- 2. HPA processed by the HPA controller (no metrics API yet -> ScalingActive=False)
k -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: External
    external:
      metric: {name: queue_depth, selector: {matchLabels: {queue: jobs}}}
      target: {type: AverageValue, averageValue: "10"}
EOF
hpa_conditions() {
  k -n "$ns" get hpa web -o jsonpath='{range .status.conditions[*]}{.type}={.status}:{.reason}{"\n"}{end}' 2>/dev/null | grep -q '^ScalingActive=False:FailedGetExternalMetric$'
}
hpa_event() { k -n "$ns" get events --field-selector involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=web -o jsonpath='{.items[*].reason}' 2>/dev/null | grep -q FailedGetExternalMetric; }
poll 60 "HPA controller set ScalingActive=False/FailedGetExternalMetric" hpa_conditions
poll 30 "HPA controller emitted a FailedGetExternalMetric event" hpa_event
k -n "$ns" get hpa web -o jsonpath='{range .status.conditions[*]}  {.type}={.status} {.reason}: {.message}{"\n"}{end}'

# --- 3. APIService -> ExternalName localhost:<port nobody listens on>
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=$("$here/../../node_modules/.bin/tsx" "$here/free-ports.ts" 1)
k -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: edge-metrics}
spec: {type: ExternalName, externalName: localhost}
EOF
k apply -f - >/dev/null <<EOF
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: $apisvc}
spec:
  group: external.metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
  service: {namespace: $ns, name: edge-metrics, port: $port}
EOF
apisvc_unavailable() {
  [ "$(k get apiservice "$apisvc" -o jsonpath='{.status.conditions[?(@.type=="Available")].status}:{.status.conditions[?(@.type=="Available")].reason}' 2>/dev/null)" = "False:FailedDiscoveryCheck" ]
}
poll 60 "APIService $apisvc Available=False/FailedDiscoveryCheck (nothing on localhost:$port)" apisvc_unavailable
msg="$(k get apiservice "$apisvc" -o jsonpath='{.status.conditions[?(@.type=="Available")].message}')"
echo "  message: $msg"
case "$msg" in
  *"localhost:$port"*"connection refused"*) ok "message names https://localhost:$port and 'connection refused'" ;;
  *) fail "unexpected message: $msg" ;;
esac
if out="$(k get --raw /apis/external.metrics.k8s.io/v1beta1 2>&1)"; then
  fail "GET /apis/external.metrics.k8s.io/v1beta1 should fail while unavailable: $out"
else
  case "$out" in
    *"unable to handle the request"*|*"service unavailable"*|*"ServiceUnavailable"*) ok "proxied GET answers 503 while unavailable" ;;
    *) fail "unexpected error from the proxied GET: $out" ;;
  esac
fi
hpa_sees_503() {
  k -n "$ns" get hpa web -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")].message}' 2>/dev/null |
    grep -q 'the server is currently unable to handle the request'
}
poll 30 "HPA now reports 'the server is currently unable to handle the request' (aggregator 503)" hpa_sees_503

# --- 4. Namespace deletion (namespace + garbage collector controllers) after the APIService is gone
k delete apiservice "$apisvc" >/dev/null
k delete namespace "$ns" --wait=false >/dev/null
ns_gone() { ! k get namespace "$ns" >/dev/null 2>&1; }
poll 90 "namespace $ns deleted (pods, replicasets, HPA cleaned up)" ns_gone

echo "# smoke took $(( $(date +%s) - t0 ))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
