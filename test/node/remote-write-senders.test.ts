/**
 * Remote write from real, unmodified Prometheus servers to a real edge node, read back through the aggregator
 * socket with kubectl as kube-apiserver would proxy it:
 *  - Debian's Prometheus 2.x (remote write 1.0, the token as the basic_auth password, write_relabel_configs
 *    keeping the two metrics the token is scoped to);
 *  - Prometheus 3.x built from its Go module (remote write 2.0, `protobuf_message: io.prometheus.write.v2.Request`,
 *    the token as `authorization.credentials`, everything it scrapes, `up` and `scrape_*` included).
 * Both scrape the same local target — three "pods" with the `__meta_kubernetes_*` labels Kubernetes service
 * discovery gives them, relabelled as a Kubernetes pod job does — into namespaces of their own.
 *
 * The counter's `_per_second` must agree with what the same Prometheus answers for `rate(x[1m])`
 * (prometheus/prometheus promql/functions.go extrapolatedRate) at the same moment: both look at the last minute
 * of the same scrapes, which the counter's rate step at STEP_S makes uneven. The comparison waits for a full
 * window: over a younger series PromQL extrapolates the end of the window (query time − last sample), which the
 * adapter, evaluating at the newest sample, never does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanup, debianPrometheus, kubeconfig, kubectl, podScrapeJob, Prometheus, prometheus3, remoteWrite, serveExposition, sleep, SVC_NAME,
  versionOf, waitFor, WorkerdNode, type ExpositionServer, type ScrapedPod,
} from "../harness";

/** The counters' rate changes this many seconds after the target starts. */
const STEP_S = 20;
/** Per pod: gauge value, counter rate before and after STEP_S (per second). */
const PODS = [
  { name: "web-0", app: "web", gauge: 12, rates: [5, 15] },
  { name: "web-1", app: "web", gauge: 30, rates: [2, 8] },
  { name: "other-0", app: "other", gauge: 1000, rates: [30, 30] },
] as const;
const V1_METRICS = ["queue_depth", "http_requests_total"];

const senders = {
  v1: { ns: "rw-v1", label: "Debian Prometheus, remote write 1.0" },
  v2: { ns: "rw-v2", label: "Prometheus 3 (Go module), remote write 2.0" },
} as const;
type Sender = keyof typeof senders;

let node: WorkerdNode;
let target: ExpositionServer;
let cfg: string;
let targetStart = 0;
let firstScrapeAt = 0;
const prom: Partial<Record<Sender, Prometheus>> = {};
const figures: Record<string, unknown> = {};

function counterValue(rates: readonly [number, number], seconds: number): number {
  return Math.floor(rates[0] * Math.min(seconds, STEP_S) + rates[1] * Math.max(0, seconds - STEP_S));
}

function render(path: string): string | null {
  const pod = PODS.find((p) => path === `/pods/${p.name}/metrics`);
  if (!pod) return null;
  firstScrapeAt ||= Date.now();
  const t = (Date.now() - targetStart) / 1000;
  return [
    "# HELP queue_depth Jobs waiting in the pod's queue.",
    "# TYPE queue_depth gauge",
    `queue_depth ${pod.gauge}`,
    "# HELP http_requests_total Requests served.",
    "# TYPE http_requests_total counter",
    `http_requests_total{code="200"} ${counterValue(pod.rates, t)}`,
    "",
  ].join("\n");
}

const raw = async (path: string) => {
  const r = await kubectl(["get", "--raw", path], { kubeconfig: cfg, requestTimeout: "10s" });
  if (r.status !== 0) throw new Error(`kubectl get --raw ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const custom = (ns: string, rest: string) => raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/${rest}`);
const external = (ns: string, rest: string) => raw(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/${rest}`);

beforeAll(async () => {
  const exe = { v1: debianPrometheus(), v2: prometheus3() };
  figures.versions = { v1: versionOf(exe.v1), v2: versionOf(exe.v2) };
  node = await WorkerdNode.create({
    name: "rw-senders-edge",
    tokens: [
      { name: "prometheus-v1", namespaces: [senders.v1.ns], metrics: V1_METRICS },
      { name: "prometheus-v2", namespaces: [senders.v2.ns] },
    ],
  });
  await node.start();
  cfg = kubeconfig({ server: `https://127.0.0.1:${node.aggregatorPort}`, ca: node.pki.ca, serverName: SVC_NAME, cert: node.pki.clientCert, key: node.pki.clientKey });
  targetStart = Date.now();
  target = await serveExposition(render, 600_000);
  const scrapeConfig = (ns: string) => {
    const pods: ScrapedPod[] = PODS.map((p) => ({ namespace: ns, name: p.name, labels: { app: p.app }, path: `/pods/${p.name}/metrics` }));
    return { global: { scrape_interval: "1s", evaluation_interval: "1s" }, scrape_configs: [podScrapeJob({ job: "kubernetes-pods", target: target.address, pods })] };
  };
  [prom.v1, prom.v2] = await Promise.all([
    Prometheus.start({
      exe: exe.v1,
      name: "prometheus-debian",
      lifetimeSeconds: 400,
      config: {
        ...scrapeConfig(senders.v1.ns),
        remote_write: [remoteWrite({ url: `${node.base}/api/v1/write`, token: node.tokens["prometheus-v1"]!, auth: "basic", version: "1.0", keep: V1_METRICS })],
      },
    }),
    Prometheus.start({
      exe: exe.v2,
      name: "prometheus-3",
      lifetimeSeconds: 400,
      features: ["metadata-wal-records"],
      config: {
        ...scrapeConfig(senders.v2.ns),
        remote_write: [remoteWrite({ url: `${node.base}/api/v1/write`, token: node.tokens["prometheus-v2"]!, auth: "bearer", version: "2.0" })],
      },
    }),
  ]);
}, 40 * 60_000);

afterAll(async () => {
  console.log(`remote-write senders: ${JSON.stringify(figures)}`);
  await cleanup();
  await target?.close();
});

describe.each(["v1", "v2"] as const)("%s sender", (sender) => {
  const { ns, label } = senders[sender];

  it(`${label}: the gauge is a Pods metric selected by the HPA's labelSelector (app=web)`, async () => {
    const list = await waitFor(`${ns} pods/*/queue_depth`, async () => {
      const l = await custom(ns, "pods/*/queue_depth?labelSelector=app%3Dweb");
      return l.items.length === 2 ? l : undefined;
    }, 60_000, { everyMs: 500 });
    expect(list.kind).toBe("MetricValueList");
    expect(list.items.map((i: any) => [i.describedObject.kind, i.describedObject.name, i.value]).sort()).toEqual([["Pod", "web-0", "12"], ["Pod", "web-1", "30"]]);
    const other = await custom(ns, "pods/*/queue_depth?labelSelector=app%3Dother");
    expect(other.items.map((i: any) => [i.describedObject.name, i.value])).toEqual([["other-0", "1k"]]);
    // The scrape labels stay metric labels: the series can still be told apart by instance and job.
    const one = await custom(ns, "pods/web-0/queue_depth?metricLabelSelector=job%3Dkubernetes-pods");
    expect(one.items).toHaveLength(1);
  });

  it(`${label}: the external metric with a label selector sums only its series`, async () => {
    const web = await external(ns, "queue_depth?labelSelector=app%3Dweb");
    expect(web.kind).toBe("ExternalMetricValueList");
    expect(web.items.map((i: any) => i.value).sort()).toEqual(["12", "30"]);
    const one = await external(ns, "queue_depth?labelSelector=pod%3Dother-0,app%3Dother");
    expect(one.items.map((i: any) => i.value)).toEqual(["1k"]);
  });

  it(`${label}: the counter's _per_second is within 10% of rate(x[1m]) from the same Prometheus`, async () => {
    // A full window after the first scrape, plus the send delay.
    await sleep(Math.max(0, firstScrapeAt + 66_000 - Date.now()));
    const p = prom[sender]!;
    const errors: Record<string, { ours: number; prometheus: number; atOurTimestamp: number; error: number }> = {};
    for (const pod of PODS) {
      const [ours, theirs] = await Promise.all([
        custom(ns, `pods/${pod.name}/http_requests_per_second`),
        p.query(`rate(http_requests_total{pod="${pod.name}"}[1m])`),
      ]);
      expect(ours.items, `${pod.name} rate`).toHaveLength(1);
      expect(theirs, `Prometheus rate for ${pod.name}`).toHaveLength(1);
      const mine = quantity(ours.items[0].value);
      const reference = Number(theirs[0]!.value[1]);
      // The same query at the adapter's sample time (whole seconds): the remaining difference is the window's edges.
      const atTs = Number((await p.query(`rate(http_requests_total{pod="${pod.name}"}[1m])`, Date.parse(ours.items[0].timestamp) / 1000))[0]?.value[1]);
      errors[pod.name] = { ours: mine, prometheus: reference, atOurTimestamp: atTs, error: Number(((mine - reference) / reference).toFixed(4)) };
      expect(Math.abs(mine - reference) / reference, `${pod.name}: ours ${mine}/s, Prometheus ${reference}/s`).toBeLessThanOrEqual(0.1);
    }
    figures[`rate-${sender}`] = errors;
  }, 180_000);

  it(`${label}: sent everything, nothing failed or was retried, nothing logged at warn or error`, async () => {
    const p = prom[sender]!;
    expect(await p.selfMetric("prometheus_remote_storage_samples_total"), "samples sent").toBeGreaterThan(0);
    // A 2.0 sender counts a 2xx without X-Prometheus-Remote-Write-Samples-Written as failed (queue_manager.go).
    for (const m of ["prometheus_remote_storage_samples_failed_total", "prometheus_remote_storage_samples_retried_total"]) {
      expect(await p.selfMetric(m), m).toBe(0);
    }
    // Debian's sender drops what its write_relabel_configs do not keep, and counts that as dropped.
    if (sender === "v2") expect(await p.selfMetric("prometheus_remote_storage_samples_dropped_total")).toBe(0);
    expect(p.problems()).toEqual([]);
  });
});

describe("the edge node's own account", () => {
  it("counted the remote-write samples as written", async () => {
    const text = await (await fetch(`${node.base}/metrics`, { headers: { authorization: `Bearer ${node.readToken}` } })).text();
    const written = Number(/^edge_metrics_ingested_samples_total\{protocol="remote-write",outcome="written"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    expect(written).toBeGreaterThan(0);
    figures.edgeWritten = written;
  });
});

/** A Kubernetes quantity as a number ("12500m" → 12.5). */
function quantity(q: string): number {
  const m = /^(-?[0-9.]+)(m|k|M|G|)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9 }[m[2] as "m" | "" | "k" | "M" | "G"];
}
