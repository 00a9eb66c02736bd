/**
 * The adapter's own metrics in Prometheus text format at `GET /metrics`: requests by API group/version,
 * method and status code, samples written, ingestion by protocol and outcome, refusals by reason — counters
 * that live in the isolate: exact on a self-hosted workerd (one process), per-isolate on Cloudflare (use
 * Workers analytics there for fleet-wide numbers); they also let tests see which custom-metrics version the HPA
 * used. And, from the store, each namespace's series count and last write, as its partition last reported them
 * (at most a heartbeat, 60 s, old).
 */
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { servedApiOf } from "../k8s/apis";
import type { AppEnv } from "./app-env";
import { authorize } from "./auth";

const requests = new Map<string, number>();
const samples = new Map<string, number>();
const started = Date.now();

const WRITE_APIS = ["write-metrics", "write-external-metrics"];

/** The `api` label: a served group/version, a write API, or "other". */
function apiOf(path: string): string {
  const served = servedApiOf(path);
  if (served) return served.groupVersion;
  const first = path.split("/")[1] ?? "";
  return WRITE_APIS.includes(first) ? first : "other";
}

const bump = (m: Map<string, number>, key: string, by = 1) => m.set(key, (m.get(key) ?? 0) + by);

export function countSamples(kind: "object" | "external", n: number): void {
  bump(samples, kind, n);
}

const refusals = new Map<string, number>();

/** A request refused with a 4xx, by Status reason. */
export function countRefusal(reason: string): void {
  bump(refusals, reason);
}

export type IngestProtocol = "remote-write" | "pushgateway" | "otlp";
const ingested = new Map<string, number>();

/** Samples an ingestion protocol received, by what became of them. */
export function countIngest(protocol: IngestProtocol, outcome: string, n: number): void {
  if (n > 0) bump(ingested, `${protocol}\u0000${outcome}`, n);
}

export function requestCounter(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    bump(requests, `${apiOf(c.req.path)}\u0000${c.req.method}\u0000${c.res.status}`);
  };
}

export function selfMetricsApp() {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    authorize(c, { operation: "read", namespace: null, metric: null });
    const stats = await c.get("store").namespaceStats().catch(() => null);
    const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    const lines = [
      "# HELP edge_metrics_http_requests_total HTTP requests served, by API group/version, method and status code.",
      "# TYPE edge_metrics_http_requests_total counter",
      ...[...requests].sort().map(([key, n]) => {
        const [api, method, code] = key.split("\u0000");
        return `edge_metrics_http_requests_total{api="${api}",method="${method}",code="${code}"} ${n}`;
      }),
      "# HELP edge_metrics_samples_written_total Samples acknowledged as durable, by kind.",
      "# TYPE edge_metrics_samples_written_total counter",
      ...[...samples].sort().map(([kind, n]) => `edge_metrics_samples_written_total{kind="${kind}"} ${n}`),
      "# HELP edge_metrics_ingested_samples_total Samples received by the ingestion protocols, by protocol and outcome (written, or why skipped).",
      "# TYPE edge_metrics_ingested_samples_total counter",
      ...[...ingested].sort().map(([key, n]) => {
        const [protocol, outcome] = key.split("\u0000");
        return `edge_metrics_ingested_samples_total{protocol="${protocol}",outcome="${outcome}"} ${n}`;
      }),
      "# HELP edge_metrics_refusals_total Requests refused with a 4xx, by Status reason.",
      "# TYPE edge_metrics_refusals_total counter",
      ...[...refusals].sort().map(([reason, n]) => `edge_metrics_refusals_total{reason="${reason}"} ${n}`),
      "# HELP edge_metrics_namespace_series Series stored per namespace (\"\" is cluster scope), as last reported.",
      "# TYPE edge_metrics_namespace_series gauge",
      ...(stats ?? []).map((s) => `edge_metrics_namespace_series{namespace="${esc(s.namespace)}"} ${s.series}`),
      "# HELP edge_metrics_namespace_last_write_timestamp_seconds When each namespace was last written.",
      "# TYPE edge_metrics_namespace_last_write_timestamp_seconds gauge",
      ...(stats ?? []).filter((s) => s.lastWriteAt !== null).map((s) => `edge_metrics_namespace_last_write_timestamp_seconds{namespace="${esc(s.namespace)}"} ${s.lastWriteAt! / 1000}`),
      "# HELP edge_metrics_process_start_time_seconds When this isolate started serving.",
      "# TYPE edge_metrics_process_start_time_seconds gauge",
      `edge_metrics_process_start_time_seconds ${Math.floor(started / 1000)}`,
    ];
    return c.text(lines.join("\n") + "\n", 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return app;
}
