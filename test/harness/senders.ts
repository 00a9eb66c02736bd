/**
 * Real, unmodified metric senders for the ingestion tests, the HPA scenario and the bench: where each comes from,
 * and how to run it.
 *  - Debian's `prometheus` (remote write 1.0), installed by `.ci/run`;
 *  - Prometheus 3.x built from its Go module by test/senders/build-prometheus.sh (remote write 2.0), cached
 *    outside the clone;
 *  - the Python OpenTelemetry SDK in a venv made by test/senders/otel-python.sh, cached outside the clone;
 *  - the OpenTelemetry JS SDK from node_modules (test/senders/otel-export.ts).
 * A missing sender is an error naming the command that installs it, never a skipped test.
 *
 * Prometheus runs as a supervised process (./process.ts: its own process group, under `timeout`), binds
 * 127.0.0.1 only, keeps its TSDB in a temp dir, and is asked through its HTTP API. Its scrape targets are served
 * by `serveExposition` (a Node HTTP server on 127.0.0.1 that closes itself after its lifetime), labelled with
 * the `__meta_kubernetes_*` labels Kubernetes service discovery would attach, so `podScrapeJob`'s relabelling is
 * the one a Kubernetes scrape config uses.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../cli/lib/net";
import { ROOT, startProcess, tempDir, type Proc, type StartOptions } from "./process";
import { waitFor, waitPorts } from "./wait";

// ------------------------------------------------------------------------------------------------ locating
function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

/** Debian's Prometheus 2.x (`apt-get install prometheus`), or `$PROMETHEUS`. */
export function debianPrometheus(): string {
  const p = process.env.PROMETHEUS ?? onPath("prometheus");
  if (!p) throw new Error("prometheus not found: apt-get install --no-install-recommends prometheus (.ci/run does), or set PROMETHEUS");
  return p;
}

/** Runs one of the cached-install scripts and returns the path it prints as `KEY=<path>`. */
function installed(script: string, key: string, timeoutMs: number): string {
  const r = spawnSync("bash", [join(ROOT, "test/senders", script)], { encoding: "utf8", timeout: timeoutMs });
  const path = new RegExp(`^${key}=(.+)$`, "m").exec(r.stdout ?? "")?.[1];
  if (r.status !== 0 || !path) throw new Error(`test/senders/${script} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ""}):\n${r.stderr}${r.stdout}`);
  return path;
}

/** Prometheus 3.x built from github.com/prometheus/prometheus (cached; a cold build takes ~5 CPU-minutes). */
export function prometheus3(): string {
  return process.env.PROMETHEUS3 ?? installed("build-prometheus.sh", "PROMETHEUS3", 30 * 60_000);
}

/** The Python interpreter of the OpenTelemetry venv (cached; a cold install takes ~20 s). */
export function otelPython(): string {
  return process.env.OTEL_PYTHON ?? installed("otel-python.sh", "OTEL_PYTHON", 10 * 60_000);
}

export function versionOf(exe: string): string {
  const r = spawnSync(exe, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.split("\n")[0]!.trim();
}

// ------------------------------------------------------------------------------------------------ scrape target
export interface ExpositionServer {
  port: number;
  /** `127.0.0.1:<port>`, a scrape target address. */
  address: string;
  /** Scrapes served so far, by path. */
  scrapes: Map<string, number>;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 answering GET <path> with `render(path)` in the Prometheus text format (404 when
 * it returns null). It closes itself after `lifetimeMs`.
 */
export async function serveExposition(render: (path: string) => string | null, lifetimeMs = 900_000): Promise<ExpositionServer> {
  const scrapes = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const body = req.method === "GET" ? render(path) : null;
    if (body === null) {
      res.writeHead(404).end();
      return;
    }
    scrapes.set(path, (scrapes.get(path) ?? 0) + 1);
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(body);
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const port = (server.address() as { port: number }).port;
  const timer = setTimeout(() => server.close(), lifetimeMs);
  timer.unref();
  return {
    port,
    address: `127.0.0.1:${port}`,
    scrapes,
    close: () => {
      clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((res) => server.close(() => res()));
    },
  };
}

// ------------------------------------------------------------------------------------------------ configuration
export interface ScrapedPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** Path on the target that serves this pod's metrics. */
  path: string;
}

/**
 * The relabelling of the usual Kubernetes pod scrape job: the pod's namespace → `namespace`, its name → `pod`,
 * its labels through `labelmap`, which is what the adapter's mapping reads (src/ingest/mapping.ts).
 */
export const KUBERNETES_POD_RELABEL: readonly object[] = [
  { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
  { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
  { action: "labelmap", regex: "__meta_kubernetes_pod_label_(.+)" },
];

/**
 * A scrape job whose targets carry the labels Kubernetes service discovery (role: pod) gives a pod, and the
 * relabelling of the usual Kubernetes pod job: namespace → `namespace`, pod name → `pod`, pod labels through
 * `labelmap`. Every target is the same local server; the path tells the pods apart.
 */
export function podScrapeJob(o: { job: string; target: string; pods: ScrapedPod[]; interval?: string }): object {
  return {
    job_name: o.job,
    scrape_interval: o.interval ?? "1s",
    scrape_timeout: o.interval ?? "1s",
    static_configs: o.pods.map((p) => ({
      targets: [o.target],
      labels: {
        __metrics_path__: p.path,
        __meta_kubernetes_namespace: p.namespace,
        __meta_kubernetes_pod_name: p.name,
        ...Object.fromEntries(Object.entries(p.labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k}`, v])),
      },
    })),
    relabel_configs: KUBERNETES_POD_RELABEL,
  };
}

export interface RemoteWriteOptions {
  url: string;
  token: string;
  /** `basic`: the token as the basic_auth password; `bearer`: `authorization: {credentials}`. */
  auth: "basic" | "bearer";
  version: "1.0" | "2.0";
  /** Metric names to send (write_relabel_configs keep); all when absent. */
  keep?: string[];
  /** queue_config.max_samples_per_send (Prometheus' default is 2,000). */
  maxSamplesPerSend?: number;
}

/**
 * One `remote_write` entry; sends within about a second of a scrape (batch_send_deadline 1s). For 2.0,
 * metadata travels with the series (--enable-feature=metadata-wal-records), and Prometheus 3 warns at startup
 * unless the 1.0-only `metadata_config.send` is off.
 */
export function remoteWrite(o: RemoteWriteOptions): object {
  return {
    url: o.url,
    ...(o.version === "2.0" ? { protobuf_message: "io.prometheus.write.v2.Request", metadata_config: { send: false } } : {}),
    ...(o.auth === "basic" ? { basic_auth: { username: "prometheus", password: o.token } } : { authorization: { credentials: o.token } }),
    queue_config: { batch_send_deadline: "1s", min_backoff: "100ms", max_backoff: "2s", ...(o.maxSamplesPerSend ? { max_samples_per_send: o.maxSamplesPerSend } : {}) },
    ...(o.keep ? { write_relabel_configs: [{ source_labels: ["__name__"], regex: o.keep.join("|"), action: "keep" }] } : {}),
  };
}

// ------------------------------------------------------------------------------------------------ Prometheus
export interface PrometheusOptions extends Pick<StartOptions, "logFile" | "pidDir" | "lifetimeSeconds"> {
  exe: string;
  name: string;
  /** The configuration, as an object (written as YAML). */
  config: object;
  /** --enable-feature values. */
  features?: string[];
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class Prometheus {
  private constructor(
    readonly proc: Proc,
    readonly port: number,
    readonly configFile: string,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts Prometheus on 127.0.0.1 with its TSDB in a temp dir; ready when /-/ready answers 200. */
  static async start(o: PrometheusOptions): Promise<Prometheus> {
    const dir = tempDir(o.name);
    const configFile = join(dir, "prometheus.yml");
    writeFileSync(configFile, stringify(o.config));
    const port = await freePort();
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(o.features ?? []).map((f) => `--enable-feature=${f}`),
    ];
    const proc = startProcess(o.exe, args, { name: o.name, lifetimeSeconds: o.lifetimeSeconds ?? 600, logFile: o.logFile, pidDir: o.pidDir });
    await waitPorts(proc, [port], 60_000);
    const p = new Prometheus(proc, port, configFile);
    await waitFor(`${o.name} ready`, async () => (await fetch(`${p.base}/-/ready`, { signal: AbortSignal.timeout(2_000) })).status === 200, 60_000, { proc, everyMs: 200 });
    return p;
  }

  /** An instant query (`/api/v1/query`), at `time` (Unix seconds) or now. */
  async query(expr: string, time?: number): Promise<VectorSample[]> {
    const params = new URLSearchParams({ query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
    const r = await fetch(`${this.base}/api/v1/query?${params}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await r.json()) as { status: string; data?: { resultType: string; result: VectorSample[] }; error?: string };
    if (body.status !== "success" || body.data?.resultType !== "vector") throw new Error(`query ${expr}: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  /** The sum of Prometheus' own metric `name` (all label sets) from its /metrics. */
  async selfMetric(name: string): Promise<number> {
    const text = await (await fetch(`${this.base}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    let sum = 0;
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m && m[1] === name) sum += Number(m[3]);
    }
    return sum;
  }

  /** Its log lines at level warn or error (logfmt in 2.x, slog in 3.x). */
  problems(): string[] {
    return this.proc.output().split("\n").filter((l) => /level=(warn|error)/i.test(l));
  }

  stop(): Promise<void> {
    return this.proc.stop(10_000);
  }
}
