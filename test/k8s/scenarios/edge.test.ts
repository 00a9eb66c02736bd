/**
 * Edge-node topology on a real control plane: kube-apiserver's aggregator → ExternalName `localhost` → our
 * workerd edge node (aggregator socket: .svc certificate from our own CA, client certificates from the cluster's
 * front-proxy CA only) ← writes on the public socket. A real HPA controller (kube-controller-manager) reads the
 * metrics and scales real Deployments.
 *
 * Expected replica counts follow the HPA's replica calculation (kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go) with the default tolerance τ = 0.1; each expectation is
 * written next to its formula. No kubelet runs: where readiness matters, pod status is set
 * through the API (markRunning).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APISERVICES, apply, cluster, expectOpenApiAggregated, OPENAPI_RESYNC_MS, openApiLogProblems, createNamespace, delta, deleteNamespace, deployment, expectApiResourcesClean, expectReplicasHeld,
  hpa, hpaStatus, kubectl, kubectlRun, markRunning, renderedManifests, servingPki, sleep, finish, startEdgeNode, Timings,
  waitApiServicesAvailable, waitFor, waitPods, waitReplicas, type Cluster, type EdgeNode, type ServingPki,
} from "./lib";

const c: Cluster = cluster();
const t = new Timings();
let pki: ServingPki;
let edge: EdgeNode;
const namespaces: string[] = [];

/** kubectl get --raw through kube-apiserver (→ aggregator → edge node). */
const raw = async (path: string) => JSON.parse(await kubectl(c, ["get", "--raw", path]));

async function newNamespace(ns: string): Promise<string> {
  await createNamespace(c, ns);
  namespaces.push(ns);
  return ns;
}

beforeAll(async () => {
  const dir = join(c.runDir, "edge");
  pki = await servingPki(c, join(dir, "pki"));
  t.mark("pki");
  edge = await startEdgeNode(c, pki, dir);
  t.mark("edgeNodeStart");
}, 300_000);

afterAll(() => finish(c, t, "edge"));

describe(`edge node on a real control plane (${c.version})`, () => {
  it("registers deploy/ rendered by our CLI and every APIService becomes Available", async () => {
    // APIService port = the aggregator socket's port; ExternalName `localhost`; caBundle = our CA.
    await apply(c, renderedManifests(pki.caPem, edge.aggregatorPort));
    await waitApiServicesAvailable(c);
    t.mark("apiServicesAvailable");
    const group = await raw("/apis/custom.metrics.k8s.io");
    expect(group.preferredVersion.version).toBe("v1beta2");
    await expectApiResourcesClean(c);
  });

  it("OpenAPI: kube-apiserver serves our v3 documents and merges our v2 spec, and logs no OpenAPI trouble with our APIServices", async () => {
    const ours = async (path: string) => {
      const r = await fetch(edge.node.base + path, { headers: { authorization: `Bearer ${edge.readToken}` } });
      expect(r.status, path).toBe(200);
      return r.json();
    };
    const { renamed, logLine } = await expectOpenApiAggregated(c, ours);
    console.log(`[k8s ${c.version}] OpenAPI definitions kube-aggregator renamed (differing shared copies): ${JSON.stringify(renamed)}`);
    t.mark("openApiAggregated");
    // The controllers load again a minute after a success, the v2 one with If-None-Match: those loads must succeed
    // too. Our request counters (api "other": nothing else reads outside the metrics APIs meanwhile) show them,
    // the revalidations as 304s.
    const before = await edge.counters();
    await sleep(OPENAPI_RESYNC_MS);
    const after = await edge.counters();
    expect(delta(before, after, "other", "304"), "v2 revalidations answered 304").toBeGreaterThanOrEqual(1);
    // The first scrape (GET /metrics) is itself counted as an "other" 200.
    expect(delta(before, after, "other", "200") - 1, "v3 root reloads").toBeGreaterThanOrEqual(1);
    expect(openApiLogProblems(c, logLine)).toEqual([]);
    t.mark("openApiResync");
  });

  it("(a) Object metric on deployments.apps, AverageValue target: scales up, down, and respects the tolerance", async () => {
    const ns = await newNamespace("s-object");
    await apply(c, deployment("web", 1), ns);
    // The README's first example write (the write path of the upstream custom-metrics-apiserver test adapter).
    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/requests_per_second`, "2300m");
    await apply(c, hpa("web", "web", [{
      type: "Object",
      object: {
        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        metric: { name: "requests_per_second" },
        target: { type: "AverageValue", averageValue: "500m" },
      },
    }]), ns);
    // Object AverageValue: r = value/(target × status.replicas) = 2.3/(0.5 × 1) = 4.6; |1−r| > 0.1
    //   → ⌈value/target⌉ = ⌈2.3/0.5⌉ = ⌈4.6⌉ = 5
    await waitReplicas(c, ns, "web", 5);
    t.mark("a.objectAverageValueUp");

    // Through kube-apiserver: both custom-metrics versions return our documents.
    const v2 = await raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/deployments.apps/web/requests_per_second`);
    expect(v2).toMatchObject({ kind: "MetricValueList", apiVersion: "custom.metrics.k8s.io/v1beta2" });
    expect(v2.items).toHaveLength(1);
    expect(v2.items[0]).toMatchObject({
      describedObject: { kind: "Deployment", namespace: ns, name: "web", apiVersion: "apps/v1" },
      metric: { name: "requests_per_second" },
      value: "2300m",
    });
    const v1 = await raw(`/apis/custom.metrics.k8s.io/v1beta1/namespaces/${ns}/deployments.apps/web/requests_per_second`);
    expect(v1).toMatchObject({ kind: "MetricValueList", apiVersion: "custom.metrics.k8s.io/v1beta1" });
    expect(v1.items[0]).toMatchObject({ metricName: "requests_per_second", value: "2300m" });
    const disc = await raw("/apis/custom.metrics.k8s.io/v1beta2");
    expect(disc.resources.map((r: { name: string }) => r.name)).toContain("deployments.apps/requests_per_second");

    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/requests_per_second`, "900m");
    // r = 0.9/(0.5 × 5) = 0.36; |1−r| > 0.1 → ⌈0.9/0.5⌉ = ⌈1.8⌉ = 2
    await waitReplicas(c, ns, "web", 2);
    t.mark("a.objectAverageValueDown");

    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/requests_per_second`, "1050m");
    // r = 1.05/(0.5 × 2) = 1.05; |1−r| = 0.05 ≤ 0.1 → keep status.replicas = 2 (⌈1.05/0.5⌉ = 3 would be wrong)
    // The HPA reports an Object AverageValue as value/replicas: 1050m/2 = 525m once it has read the new value.
    await waitFor("HPA to read 1050m (status averageValue 525m)", async () => JSON.stringify((await hpaStatus(c, ns, "web")).currentMetrics ?? []).includes('"averageValue":"525m"'), 60_000);
    await expectReplicasHeld(c, ns, "web", 2, 6_000);
    t.mark("a.objectAverageValueTolerance");
  });

  it("(a) Object metric, Value target: replicas = ⌈r × ready pods⌉ with pods made Running through the API", async () => {
    const ns = "s-object";
    await apply(c, deployment("api", 3), ns);
    const ps = await waitPods(c, ns, "app=api", 3);
    // Two of the three pods Running and Ready; the third stays Pending (not ready).
    await markRunning(c, ns, ps[0]!.name);
    await markRunning(c, ns, ps[1]!.name);
    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/api/queue_latency`, { value: "3" });
    await apply(c, hpa("api", "api", [{
      type: "Object",
      object: {
        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
        metric: { name: "queue_latency" },
        target: { type: "Value", value: "1" },
      },
    }]), ns);
    // Object Value: r = value/target = 3/1 = 3; |1−r| > 0.1 → ⌈r × readyPods⌉ = ⌈3 × 2⌉ = 6 (not ⌈3 × 3⌉ = 9).
    // Afterwards 4 pods are Pending, readyPods is still 2, so 6 is a fixed point.
    await waitReplicas(c, ns, "api", 6);
    await expectReplicasHeld(c, ns, "api", 6, 5_000);
    t.mark("a.objectValueReadyPods");
  });

  it("(b) Pods metric: the HPA averages only its own pods, although another app's pods carry the same metric", async () => {
    const ns = await newNamespace("s-pods");
    await apply(c, deployment("web", 3), ns);
    await apply(c, deployment("other", 2), ns);
    const web = await waitPods(c, ns, "app=web", 3);
    const other = await waitPods(c, ns, "app=other", 2);
    for (const p of [...web, ...other]) await markRunning(c, ns, p.name);
    // Per-pod values with the pods' real names and labels (objectLabels), in one batch write.
    const webValues = ["100", "200", "600"];
    await edge.write("/write-metrics", [
      ...web.map((p, i) => ({ namespace: ns, resource: "pods", name: p.name, metric: "http_requests", value: webValues[i], objectLabels: p.labels })),
      ...other.map((p) => ({ namespace: ns, resource: "pods", name: p.name, metric: "http_requests", value: "1000000", objectLabels: p.labels })),
    ]);
    const list = await raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/*/http_requests?labelSelector=app%3Dweb`);
    expect(list.items.map((i: any) => i.describedObject.name).sort()).toEqual(web.map((p) => p.name));
    await apply(c, hpa("web", "web", [{
      type: "Pods",
      pods: { metric: { name: "http_requests" }, target: { type: "AverageValue", averageValue: "100" } },
    }]), ns);
    // Pods AverageValue (request ?labelSelector=app=web): avg = (100+200+600)/3 = 300; r = 300/100 = 3;
    //   no missing/unready pods → ⌈r × readyPods⌉ = ⌈3 × 3⌉ = 9.
    // Had the other app's pods (1000000 each) been returned: avg = 2000900/5 ≈ 400180 → maxReplicas 20.
    // At 9 replicas the 6 new pods are Pending (unready, filled with 0 for a scale-up):
    //   r' = 900/(9 × 100) = 1 → within tolerance → 9 is a fixed point.
    await waitReplicas(c, ns, "web", 9);
    await expectReplicasHeld(c, ns, "web", 9, 5_000);
    t.mark("b.podsMetric");
  });

  it("(c) External metric with a label selector: sums only the matching series", async () => {
    const ns = await newNamespace("s-external");
    await apply(c, deployment("worker", 1), ns);
    await edge.write("/write-external-metrics", [
      { namespace: ns, metric: "queue_depth", value: "12", labels: { queue: "orders", region: "eu" } },
      { namespace: ns, metric: "queue_depth", value: "18", labels: { queue: "orders", region: "us" } },
      { namespace: ns, metric: "queue_depth", value: "900", labels: { queue: "billing", region: "eu" } },
      { namespace: ns, metric: "queue_depth", value: "5000", labels: { queue: "orders-archive" } },
    ]);
    const ext = await raw(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/queue_depth?labelSelector=queue%3Dorders`);
    expect(ext.kind).toBe("ExternalMetricValueList");
    expect(ext.items.map((i: any) => i.value).sort()).toEqual(["12", "18"]);
    await apply(c, hpa("worker", "worker", [{
      type: "External",
      external: {
        metric: { name: "queue_depth", selector: { matchLabels: { queue: "orders" } } },
        target: { type: "AverageValue", averageValue: "5" },
      },
    }]), ns);
    // External AverageValue: Σ = 12 + 18 = 30 (queue=orders only); r = 30/(5 × 1) = 6; |1−r| > 0.1
    //   → ⌈Σ/target⌉ = ⌈30/5⌉ = 6. (With billing/orders-archive: ⌈5930/5⌉ → maxReplicas 20.)
    await waitReplicas(c, ns, "worker", 6);
    t.mark("c.externalMetric");
  });

  it("(d) an expired metric is reported missing and the HPA holds replicas instead of scaling on it", async () => {
    const ns = await newNamespace("s-ttl");
    await apply(c, deployment("web", 1), ns);
    const ttlSeconds = 20;
    const w = await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/requests_per_second`, { value: "2", ttlSeconds });
    const expiresAt = Date.parse(w.expiresAt ?? new Date(Date.now() + ttlSeconds * 1000).toISOString());
    await apply(c, hpa("web", "web", [{
      type: "Object",
      object: {
        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        metric: { name: "requests_per_second" },
        target: { type: "AverageValue", averageValue: "500m" },
      },
    }]), ns);
    // Object AverageValue: ⌈2/0.5⌉ = 4 (r = 2/(0.5 × 1) = 4).
    await waitReplicas(c, ns, "web", 4);
    expect(Date.now(), "the HPA must scale before the value expires (raise ttlSeconds if this machine is slow)").toBeLessThan(expiresAt);
    t.mark("d.scaledBeforeExpiry");

    // After expiry: the adapter answers 404, the HPA sets ScalingActive=False / FailedGetObjectMetric.
    await sleep(Math.max(0, expiresAt - Date.now()) + 1500); // expiresAt has whole seconds
    const r = await kubectlRun(c, ["get", "--raw", `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/deployments.apps/web/requests_per_second`]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/NotFound|not find/i);
    const cond = await waitFor("ScalingActive=False (FailedGetObjectMetric)", async () => {
      const sa = (await hpaStatus(c, ns, "web")).conditions?.find((x) => x.type === "ScalingActive");
      return sa?.status === "False" && sa.reason === "FailedGetObjectMetric" ? sa : undefined;
    }, 60_000);
    expect(cond.message).toMatch(/requests_per_second/);
    const events = await kubectl(c, ["-n", ns, "get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler", "-o", "jsonpath={.items[*].reason}"]);
    expect(events.split(" ")).toContain("FailedGetObjectMetric");
    t.mark("d.reportedMissing");
    // Holds 4 ...
    await expectReplicasHeld(c, ns, "web", 4, 6_000);
    // ... and does not act on the dead value: scaled by hand to 2, it stays at 2 (a stale "2" would give ⌈2/0.5⌉ = 4).
    await kubectl(c, ["-n", ns, "scale", "deployment", "web", "--replicas=2"]);
    await expectReplicasHeld(c, ns, "web", 2, 6_000);
    t.mark("d.held");
  });

  it("(e) version choice: v1beta2 while both custom-metrics APIServices exist, v1beta1 when only it is registered", async () => {
    const ns = await newNamespace("s-version");
    await apply(c, deployment("web", 1), ns);
    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/rps`, "3");
    // Two metrics: `rps` drives scaling; `never_written` is always a 404 from us, and discovery/availability
    // probes never get 404s, so the 404 counter of each API version counts exactly the HPA's metric reads.
    const obj = (name: string) => ({
      type: "Object",
      object: {
        describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        metric: { name },
        target: { type: "AverageValue", averageValue: "1" },
      },
    });
    await apply(c, hpa("web", "web", [obj("rps"), obj("never_written")]), ns);
    // ⌈3/1⌉ = 3 (a scale-up is allowed although the other metric is invalid).
    await waitReplicas(c, ns, "web", 3);
    const a0 = await edge.counters();
    await sleep(8_000); // ≥ 3 HPA syncs (2 s)
    const a1 = await edge.counters();
    const bothV2 = delta(a0, a1, "custom.metrics.k8s.io/v1beta2", "404");
    const bothV1 = delta(a0, a1, "custom.metrics.k8s.io/v1beta1", "404");
    expect(bothV2, "HPA metric reads through v1beta2 with both registered").toBeGreaterThanOrEqual(2);
    expect(bothV1, "HPA metric reads through v1beta1 with both registered").toBe(0);
    t.mark("e.bothRegistered");

    await kubectl(c, ["delete", "apiservice", "v1beta2.custom.metrics.k8s.io"]);
    await waitFor("aggregator prefers v1beta1", async () => (await raw("/apis/custom.metrics.k8s.io")).preferredVersion.version === "v1beta1", 60_000);
    // The HPA's metrics client re-reads /apis every sync period: wait until its reads arrive on v1beta1.
    const b0 = await edge.counters();
    await waitFor("HPA reads on v1beta1", async () => delta(b0, await edge.counters(), "custom.metrics.k8s.io/v1beta1", "404") >= 1, 60_000, 1000);
    const c0 = await edge.counters();
    await edge.write(`/write-metrics/namespaces/${ns}/deployments.apps/web/rps`, "5");
    // ⌈5/1⌉ = 5, read through v1beta1 only.
    await waitReplicas(c, ns, "web", 5);
    await sleep(4_000);
    const c1 = await edge.counters();
    expect(delta(c0, c1, "custom.metrics.k8s.io/v1beta2"), "no request at all on v1beta2 once it is unregistered").toBe(0);
    expect(delta(c0, c1, "custom.metrics.k8s.io/v1beta1", "404"), "HPA metric reads through v1beta1").toBeGreaterThanOrEqual(2);
    expect(delta(c0, c1, "custom.metrics.k8s.io/v1beta1", "200"), "successful reads (rps) through v1beta1").toBeGreaterThanOrEqual(1);
    t.mark("e.onlyV1beta1");
    console.log(`[k8s ${c.version}] version choice: both registered: v1beta2 404 +${bothV2}, v1beta1 404 +${bothV1}; ` +
      `only v1beta1: v1beta1 404 +${delta(c0, c1, "custom.metrics.k8s.io/v1beta1", "404")}, v1beta1 200 +${delta(c0, c1, "custom.metrics.k8s.io/v1beta1", "200")}, v1beta2 any +0`);

    // Restore v1beta2 for what follows.
    await apply(c, renderedManifests(pki.caPem, edge.aggregatorPort));
    await waitApiServicesAvailable(c);
  });

  it("kubectl api-resources is clean and every scenario namespace deletes completely", async () => {
    await expectApiResourcesClean(c);
    const ms: Record<string, number> = {};
    await Promise.all(namespaces.map(async (ns) => (ms[ns] = await deleteNamespace(c, ns))));
    t.mark("namespacesDeleted");
    console.log(`[k8s ${c.version}] namespace deletion ms: ${JSON.stringify(ms)}`);
  });
});
