/**
 * The EndpointSlice variant on a kube-apiserver with aggregator routing on (`--enable-aggregator-routing=true`,
 * the default of k3s and RKE2): kube-apiserver resolves the APIService's Service to an endpoint itself
 * (k8s.io/apiserver pkg/util/proxy/proxy.go ResolveEndpoint), refuses an ExternalName Service, and dials the
 * EndpointSlice's address with the same SNI `<service>.<namespace>.svc`.
 *
 * EndpointSlices refuse loopback addresses, so the edge node runs in a network namespace this file creates,
 * reached over a veth pair (test/harness/netns.ts), and removes after. Routing is a kube-apiserver flag, so this
 * file starts a control plane of its own (test/k8s/control-plane.ts, the same version) next to the one
 * run.sh started, and stops it at the end.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../control-plane";
import { cli, createNetnsHost, type NetnsHost } from "../../harness";
import {
  apply, apiServiceAvailable, APISERVICES, cluster, createNamespace, deployment, finish, hpa, kubectl, kubectlRun, renderedManifests,
  servingPki, startEdgeNode, Timings, waitApiServicesAvailable, waitFor, waitReplicas, type Cluster, type EdgeNode, type ServingPki,
} from "./lib";

const main: Cluster = cluster();
const minor = /^v?(\d+\.\d+)/.exec(main.version)![1]!;
const t = new Timings();
let cp: ControlPlane;
let c: Cluster;
let host: NetnsHost;
let pki: ServingPki;
let edge: EdgeNode;

beforeAll(async () => {
  host = createNetnsHost("k8s");
  t.mark("netns");
  cp = await startControlPlane({
    version: minor,
    runDir: `${main.runDir}-aggregator-routing`,
    env: { K8S_APISERVER_EXTRA_ARGS: "--enable-aggregator-routing=true", K8S_MAX_LIFETIME: process.env.K8S_MAX_LIFETIME ?? "1800" },
  });
  c = { runDir: cp.env.K8S_RUN_DIR, version: cp.env.K8S_VERSION, kubeconfig: cp.env.KUBECONFIG, frontProxyCa: cp.env.K8S_FRONT_PROXY_CA_FILE, logDir: cp.env.K8S_LOG_DIR };
  t.mark("controlPlaneWithRouting");
  const dir = join(c.runDir, "edge");
  pki = await servingPki(c, join(dir, "pki"));
  edge = await startEdgeNode(c, pki, dir, { listen: host.peer, wrapper: ["ip", "netns", "exec", host.name] });
  t.mark("edgeNodeInNetns");
}, 600_000);

afterAll(async () => {
  try {
    if (c) await finish(c, t, "endpoint-slice");
    if (cp) await cp.stop();
  } finally {
    host?.remove();
  }
});

describe(`EndpointSlice variant with aggregator routing on (${main.version})`, () => {
  it("the edge node answers on its namespace address, not on loopback", async () => {
    expect(edge.node.base).toBe(`http://${host.peer}:${edge.publicPort}`);
    expect((await fetch(`${edge.node.base}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${edge.publicPort}/healthz`)).rejects.toThrow();
  });

  it("an ExternalName Service is refused by kube-apiserver (why the variant exists)", async () => {
    await apply(c, renderedManifests(pki.caPem, edge.aggregatorPort));
    const a = await waitFor("v1beta1.custom.metrics.k8s.io to fail its discovery check", async () => {
      const s = await apiServiceAvailable(c, "v1beta1.custom.metrics.k8s.io");
      return s?.status === "False" && s.reason === "FailedDiscoveryCheck" ? s : undefined;
    }, 60_000);
    expect(a.message).toBe(`unsupported service type "ExternalName"`);
    await kubectl(c, ["delete", "apiservice", ...APISERVICES, "--ignore-not-found"]);
    await kubectl(c, ["-n", "custom-metrics", "delete", "service", "custom-metrics-apiserver"]);
    t.mark("externalNameRefused");
  });

  it("cli manifests --endpoint-ip: every APIService becomes Available, dialled at the EndpointSlice address", async () => {
    const out = join(c.runDir, "rendered-endpoint-slice");
    const r = await cli(["manifests", "--out", out, "--ca", pki.ca, "--endpoint-ip", host.peer, "--port", String(edge.aggregatorPort)]);
    expect(r.status, r.stderr).toBe(0);
    const applied = await kubectlRun(c, ["apply", "-k", out]);
    expect(applied.status, applied.stderr).toBe(0);
    const slice = JSON.parse(await kubectl(c, ["-n", "custom-metrics", "get", "endpointslice", "custom-metrics-apiserver-edge", "-o", "json"]));
    expect(slice.endpoints[0].addresses).toEqual([host.peer]);
    await waitApiServicesAvailable(c);
    t.mark("apiServicesAvailable");
    // The aggregator's requests arrived on the aggregator socket with its front-proxy certificate (SNI .svc:
    // the edge node has no other certificate), from the other side of the veth pair.
    const counters = await edge.counters();
    expect([...counters].filter(([k]) => k.endsWith(" 200")).reduce((n, [, v]) => n + v, 0)).toBeGreaterThan(0);
  });

  it("a metric written to the edge node reaches kubectl and scales a Deployment through the HPA", async () => {
    const ns = "slice-object";
    await createNamespace(c, ns);
    await apply(c, deployment("web", 1), ns);
    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/requests_per_second`, "2300m");
    const v2 = JSON.parse(await kubectl(c, ["get", "--raw", `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/deployments.apps/web/requests_per_second`]));
    expect(v2.items[0]).toMatchObject({ describedObject: { kind: "Deployment", name: "web" }, value: "2300m" });
    await apply(c, hpa("web", "web", [{
      type: "Object",
      object: {
        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        metric: { name: "requests_per_second" },
        target: { type: "AverageValue", averageValue: "500m" },
      },
    }]), ns);
    // Object AverageValue (kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go):
    // ⌈value/target⌉ = ⌈2.3/0.5⌉ = ⌈4.6⌉ = 5
    await waitReplicas(c, ns, "web", 5);
    t.mark("hpaScaled");
  });
});
