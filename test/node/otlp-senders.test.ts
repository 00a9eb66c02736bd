/**
 * OTLP/HTTP from the real OpenTelemetry SDKs to a real edge node, read back through the aggregator socket with
 * kubectl: the JS SDK (@opentelemetry/sdk-metrics) with the JSON exporter (exporter-metrics-otlp-http) and with
 * the protobuf one (exporter-metrics-otlp-proto), and the Python SDK with opentelemetry-exporter-otlp-proto-http.
 * The programs (test/senders/otel-export.{ts,py}) are configured only through the SDKs' standard OTEL_*
 * environment, as a user would configure an application.
 *
 * Each SDK runs twice, in a namespace of its own: as pod web-0 of Deployment web (resource attributes
 * k8s.namespace.name, k8s.deployment.name, k8s.pod.name), read as a Pods metric, and as Deployment web itself
 * (no k8s.pod.name), read as an Object metric; every series is also an External metric. The Python deployment
 * exports delta temporality, so both of the adapter's rate paths meet a real SDK: cumulative sums as PromQL
 * rate() over RATE_WINDOW_SECONDS (10 here, so a run of ~20 s fills the window), delta sums as increase over
 * their own interval. The rates are read while the senders still run: the export at shutdown covers a
 * fraction of an interval, too short to measure a delta rate to 10%.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, cleanup, kubeconfig, kubectl, otelPython, ROOT, sleep, startProcess, SVC_NAME, waitFor, WorkerdNode, type Proc } from "../harness";

const RATE_WINDOW_SECONDS = 10;
const SENDER_SECONDS = 20;

interface Variant {
  id: string;
  ns: string;
  run: () => [string, string[]];
  /** Exporter environment (endpoint, protocol) besides the shared OTEL_* lines. */
  env: (base: string) => Record<string, string>;
  deploymentTemporality: "cumulative" | "delta";
}

const tsx = (): [string, string[]] => [bin("tsx"), [join(ROOT, "test/senders/otel-export.ts")]];
const VARIANTS: Variant[] = [
  {
    id: "node-json",
    ns: "otlp-node-json",
    run: tsx,
    env: (base) => ({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/json", OTEL_EXPORTER_OTLP_ENDPOINT: base }),
    deploymentTemporality: "cumulative",
  },
  {
    id: "node-protobuf",
    ns: "otlp-node-proto",
    run: tsx,
    // Prometheus' path for its OTLP receiver, for exporters already pointed at one.
    env: (base) => ({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf", OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${base}/api/v1/otlp/v1/metrics` }),
    deploymentTemporality: "cumulative",
  },
  {
    id: "python-protobuf",
    ns: "otlp-python",
    run: () => [otelPython(), [join(ROOT, "test/senders/otel-export.py")]],
    env: (base) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: base }),
    deploymentTemporality: "delta",
  },
];

/** What each process measures: the gauge's value and the counter's rate per second. */
const POD = { gauge: 12, rate: 40 };
const DEPLOYMENT = { gauge: 7, rate: 250 };

interface Sender {
  variant: Variant;
  role: "pod" | "deployment";
  proc: Proc;
  lines: string[];
}

let node: WorkerdNode;
let cfg: string;
const senders: Sender[] = [];
const rates: Record<string, { pod: number; deployment: number }> = {};
const figures: Record<string, unknown> = {};

const raw = async (path: string) => {
  const r = await kubectl(["get", "--raw", path], { kubeconfig: cfg, requestTimeout: "10s" });
  if (r.status !== 0) throw new Error(`kubectl get --raw ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const custom = (ns: string, rest: string) => raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/${rest}`);
const external = (ns: string, rest: string) => raw(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/${rest}`);
const events = (s: Sender) => s.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });

function quantity(q: string): number {
  const m = /^(-?[0-9.]+)(m|k|M|)$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * { m: 1e-3, "": 1, k: 1e3, M: 1e6 }[m[2] as "m" | "" | "k" | "M"];
}

beforeAll(async () => {
  const python = otelPython(); // installs the venv now, not inside a timed phase
  expect(python).toMatch(/python/);
  node = await WorkerdNode.create({
    name: "otlp-senders-edge",
    tokens: [{ name: "otel", namespaces: VARIANTS.map((v) => v.ns), metrics: ["app_*"] }],
    vars: { RATE_WINDOW_SECONDS: String(RATE_WINDOW_SECONDS) },
  });
  await node.start();
  cfg = kubeconfig({ server: `https://127.0.0.1:${node.aggregatorPort}`, ca: node.pki.ca, serverName: SVC_NAME, cert: node.pki.clientCert, key: node.pki.clientKey });
  for (const variant of VARIANTS) {
    for (const role of ["pod", "deployment"] as const) {
      const resource = [`k8s.namespace.name=${variant.ns}`, "k8s.deployment.name=web", ...(role === "pod" ? ["k8s.pod.name=web-0"] : [])];
      const what = role === "pod" ? POD : DEPLOYMENT;
      const env = {
        OTEL_SERVICE_NAME: "checkout",
        OTEL_RESOURCE_ATTRIBUTES: resource.join(","),
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${node.tokens.otel}`,
        OTEL_METRIC_EXPORT_INTERVAL: "1000",
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: role === "deployment" ? variant.deploymentTemporality : "cumulative",
        ...variant.env(node.base),
        SENDER_GAUGE: String(what.gauge),
        SENDER_RATE: String(what.rate),
        SENDER_SECONDS: String(SENDER_SECONDS),
      };
      const [cmd, args] = variant.run();
      const lines: string[] = [];
      const proc = startProcess(cmd, args, { name: `${variant.id}-${role}`, env, lifetimeSeconds: SENDER_SECONDS + 60, onLine: (l) => lines.push(l) });
      senders.push({ variant, role, proc, lines });
    }
  }
  for (const s of senders) {
    await waitFor(`${s.proc.name} started`, async () => events(s).some((e) => e.event === "started"), 60_000, { proc: s.proc });
  }
  // A full rate window of exports, then the rates, read while the senders still export.
  await sleep((RATE_WINDOW_SECONDS + 2) * 1000);
  await Promise.all(VARIANTS.map(async (v) => {
    const [pod, deployment] = await Promise.all([custom(v.ns, "pods/web-0/app_requests_per_second"), custom(v.ns, "deployments.apps/web/app_requests_per_second")]);
    rates[v.id] = { pod: quantity(pod.items[0].value), deployment: quantity(deployment.items[0].value) };
  }));
  figures.rates = rates;
  await Promise.all(senders.map((s) => s.proc.exited));
}, 180_000);

afterAll(async () => {
  console.log(`otlp senders: ${JSON.stringify(figures)}`);
  await cleanup();
});

describe.each(VARIANTS.map((v) => [v.id, v] as const))("%s", (_id, v) => {
  it("each exporter reported every export a success, and the SDK logged nothing else", () => {
    for (const s of senders.filter((x) => x.variant === v)) {
      expect(s.proc.child.exitCode, `${s.proc.name}:\n${s.proc.tail()}`).toBe(0);
      const done = events(s).find((e) => e.event === "done") as { exports: { success: number; failure: number } } | undefined;
      expect(done, s.proc.tail()).toBeDefined();
      expect(done!.exports.failure).toBe(0);
      expect(done!.exports.success).toBeGreaterThanOrEqual(SENDER_SECONDS - 2);
      expect(s.lines.filter((l) => l.trim() !== "" && !l.startsWith("{")), `${s.proc.name} printed`).toEqual([]);
    }
  });

  it("the pod's gauge is a Pods metric, selected by its labels; its cumulative counter is what the SDK counted", async () => {
    const pods = await custom(v.ns, "pods/*/app_queue_depth?labelSelector=k8s_deployment_name%3Dweb");
    expect(pods.items.map((i: any) => [i.describedObject.kind, i.describedObject.name, i.value])).toEqual([["Pod", "web-0", String(POD.gauge)]]);
    // No pod matches: the adapter answers 404, as for a metric nobody wrote.
    const none = await kubectl(["get", "--raw", `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${v.ns}/pods/*/app_queue_depth?labelSelector=k8s_deployment_name%3Dother`], { kubeconfig: cfg });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/NotFound/);
    const pod = senders.find((s) => s.variant === v && s.role === "pod")!;
    const emitted = events(pod).find((e) => e.event === "done")?.emitted;
    expect(typeof emitted).toBe("number");
    const counter = await custom(v.ns, "pods/web-0/app_requests_total");
    expect(counter.items.map((i: any) => i.value)).toEqual([String(emitted)]);
  });

  it("the deployment's gauge is an Object metric of deployments.apps/web", async () => {
    const obj = await custom(v.ns, "deployments.apps/web/app_queue_depth");
    expect(obj.items).toHaveLength(1);
    expect(obj.items[0]).toMatchObject({ describedObject: { kind: "Deployment", apiVersion: "apps/v1", name: "web", namespace: v.ns }, value: String(DEPLOYMENT.gauge) });
  });

  it("every series is an External metric, selected by its labels", async () => {
    expect((await external(v.ns, "app_queue_depth")).items.map((i: any) => i.value).sort()).toEqual([String(POD.gauge), String(DEPLOYMENT.gauge)].sort());
    const pod = await external(v.ns, "app_queue_depth?labelSelector=k8s_pod_name%3Dweb-0,job%3Dcheckout");
    expect(pod.items.map((i: any) => i.value)).toEqual([String(POD.gauge)]);
  });

  it(`the counters' _per_second are within 10% of the rate the SDK counted at (deployment: ${v.deploymentTemporality})`, () => {
    const r = rates[v.id]!;
    expect(Math.abs(r.pod - POD.rate) / POD.rate, `pod: ${r.pod}/s, counted ${POD.rate}/s`).toBeLessThanOrEqual(0.1);
    expect(Math.abs(r.deployment - DEPLOYMENT.rate) / DEPLOYMENT.rate, `deployment: ${r.deployment}/s, counted ${DEPLOYMENT.rate}/s`).toBeLessThanOrEqual(0.1);
  });
});
