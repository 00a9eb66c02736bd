/**
 * A real HPA scaling on a metric that arrived by Prometheus remote write from a real sender: Prometheus 3 (built
 * from its Go module by test/senders/build-prometheus.sh) discovers the Deployment's pods through the control
 * plane's API (kubernetes_sd_configs, role pod — what a cluster's Prometheus does; Debian's 2.x package is built
 * without Kubernetes discovery), scrapes them with the usual Kubernetes relabelling and remote-writes (2.0) to
 * our edge node's public socket; kube-apiserver's aggregator proxies the HPA's reads to the edge node.
 *
 * No kubelet runs: pods are made Running through the status API with podIP 127.0.0.1, and the scrape address is
 * relabelled to a local server that answers for each pod by name (in a cluster: the pod's IP and port). Pending
 * pods have no IP, so service discovery gives Prometheus no target for them — as in a cluster.
 *
 * Expected replica counts follow the HPA's replica calculation (kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go `calcPlainMetricReplicas`, `groupPods`) with the default
 * tolerance τ = 0.1; each expectation is written next to its formula.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KUBERNETES_POD_RELABEL, Prometheus, prometheus3, remoteWrite, serveExposition, type ExpositionServer } from "../../harness";
import {
  apply, cluster, createNamespace, deleteNamespace, deployment, expectReplicasHeld, finish, hpa, kubectl, markRunning, renderedManifests,
  servingPki, startEdgeNode, supervised, Timings, waitApiServicesAvailable, waitFor, waitPods, waitReplicas, type Cluster, type EdgeNode,
} from "./lib";

const c: Cluster = cluster();
const t = new Timings();
const NS = "s-remote-write";
let edge: EdgeNode;
let target: ExpositionServer;
let prometheus: Prometheus;
let prometheusExe: string;
/** queue_depth each pod's /metrics reports, by pod name (pods not listed answer 404). */
const gauges = new Map<string, number>();
const started = Date.now();

const raw = async (path: string) => JSON.parse(await kubectl(c, ["get", "--raw", path]));

function render(path: string): string | null {
  const pod = /^\/pods\/([^/]+)\/metrics$/.exec(path)?.[1];
  const value = pod === undefined ? undefined : gauges.get(pod);
  if (value === undefined) return null;
  const seconds = (Date.now() - started) / 1000;
  return [
    "# TYPE queue_depth gauge",
    `queue_depth ${value}`,
    "# TYPE http_requests_total counter",
    `http_requests_total ${Math.floor(10 * seconds)}`,
    "",
  ].join("\n");
}

beforeAll(async () => {
  prometheusExe = prometheus3(); // cached; .ci/run builds it before the tests
  const dir = join(c.runDir, "remote-write");
  const pki = await servingPki(c, join(dir, "pki"));
  edge = await startEdgeNode(c, pki, dir);
  t.mark("edgeNodeStart");
  target = await serveExposition(render, 1_800_000);
  await apply(c, renderedManifests(pki.caPem, edge.aggregatorPort));
  await waitApiServicesAvailable(c);
  t.mark("apiServicesAvailable");
}, 40 * 60_000);

afterAll(async () => {
  await target?.close();
  await finish(c, t, "remote-write");
});

describe(`remote write from Prometheus 3 on a real control plane (${c.version})`, () => {
  it("Pods metric scraped through Kubernetes service discovery: the HPA scales up and down as its formula predicts", async () => {
    await createNamespace(c, NS);
    await apply(c, deployment("web", 2), NS);
    await apply(c, deployment("other", 1, { app: "other" }), NS);
    const web = await waitPods(c, NS, "app=web", 2);
    const other = await waitPods(c, NS, "app=other", 1);
    for (const p of [...web, ...other]) await markRunning(c, NS, p.name, "127.0.0.1");
    gauges.set(web[0]!.name, 150).set(web[1]!.name, 250).set(other[0]!.name, 100_000);

    prometheus = await Prometheus.start({
      exe: prometheusExe,
      ...supervised(c, "prometheus"),
      features: ["metadata-wal-records"],
      config: {
        global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
        scrape_configs: [{
          job_name: "kubernetes-pods",
          kubernetes_sd_configs: [{ role: "pod", kubeconfig_file: c.kubeconfig, namespaces: { names: [NS] } }],
          relabel_configs: [
            { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
            // In a cluster: the pod's IP and the port of its prometheus.io/port annotation.
            { target_label: "__address__", replacement: target.address },
            { source_labels: ["__meta_kubernetes_pod_name"], target_label: "__metrics_path__", replacement: "/pods/$1/metrics" },
            ...KUBERNETES_POD_RELABEL,
          ],
        }],
        remote_write: [remoteWrite({ url: `${edge.node.base}/api/v1/write`, token: edge.writeToken, auth: "bearer", version: "2.0" })],
      },
    });
    t.mark("prometheusStart");

    // Through kube-apiserver: the pods' labels (labelmap) select exactly the web pods.
    const list = await waitFor("web pods' queue_depth through the aggregator", async () => {
      const l = await raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/queue_depth?labelSelector=app%3Dweb`);
      return l.items.length === 2 ? l : undefined;
    }, 90_000, 1000);
    expect(list.items.map((i: any) => [i.describedObject.name, i.value]).sort()).toEqual([[web[0]!.name, "150"], [web[1]!.name, "250"]].sort());
    const rates = await waitFor("web pods' http_requests_per_second", async () => {
      const l = await raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/http_requests_per_second?labelSelector=app%3Dweb`);
      return l.items.length === 2 ? l : undefined;
    }, 60_000, 1000);
    expect(rates.items.every((i: any) => Number.parseFloat(i.value) > 0)).toBe(true);
    t.mark("remoteWritten");

    await apply(c, hpa("web", "web", [{
      type: "Pods",
      pods: { metric: { name: "queue_depth" }, target: { type: "AverageValue", averageValue: "50" } },
    }]), NS);
    // Pods AverageValue over the web pods only (?labelSelector=app=web): avg = (150+250)/2 = 200; r = 200/50 = 4;
    //   no unready or missing pods → ⌈r × readyPods⌉ = ⌈4 × 2⌉ = 8. (With the other pod's 100000: 20, maxReplicas.)
    // At 8 the 6 new pods are Pending (unready; Prometheus has no target for them): scale-up with unready pods
    //   fills them with 0 → r' = 400/(8 × 50) = 1.0, within tolerance → 8 is a fixed point.
    await waitReplicas(c, NS, "web", 8);
    await expectReplicasHeld(c, NS, "web", 8, 5_000);
    t.mark("scaledUp");

    gauges.set(web[0]!.name, 20).set(web[1]!.name, 30);
    // avg = (20+30)/2 = 25; r = 25/50 = 0.5 < 1, so the Pending pods are left out (no scale-up with unready):
    //   ⌈0.5 × readyPods⌉ = ⌈0.5 × 2⌉ = 1. The ReplicaSet removes Pending pods first, then one Running pod,
    //   whose target disappears and whose series Prometheus marks stale; the survivor reads 20 or 30:
    //   r = 0.4 or 0.6 → ⌈r × 1⌉ = 1, a fixed point.
    await waitReplicas(c, NS, "web", 1);
    await expectReplicasHeld(c, NS, "web", 1, 5_000);
    t.mark("scaledDown");

    for (const m of ["prometheus_remote_storage_samples_failed_total", "prometheus_remote_storage_samples_retried_total"]) {
      expect(await prometheus.selfMetric(m), m).toBe(0);
    }
    expect(await prometheus.selfMetric("prometheus_remote_storage_samples_total")).toBeGreaterThan(0);
    expect(prometheus.problems(), "Prometheus logged at warn or error").toEqual([]);
  });

  it("the namespace deletes completely", async () => {
    await prometheus?.stop();
    await deleteNamespace(c, NS);
    t.mark("namespaceDeleted");
  });
});
