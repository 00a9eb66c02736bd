/**
 * `push`: one metric value to the public write API, the smallest possible writer. When the POST fails before
 * any HTTP answer, it finds out why a person would have got it wrong — usually the URL of the edge node's
 * aggregator socket (TLS, kube-apiserver only) instead of its public socket — rather than showing Node's
 * `fetch failed`.
 */
import { readFileSync } from "node:fs";
import { CliError, parse, UsageError } from "./lib/args.js";
import { speaksTls } from "./lib/probe.js";

export const help = `
Usage: cli push <url> <namespace>/<resource>/<name>/<metric> <value> [options]
       cli push --external <url> <namespace>/<metric> <value> [options]

Writes one metric value to the public write API (the Worker on Cloudflare, wrangler dev, or an edge node's public
socket), e.g.
  npm run cli -- push http://127.0.0.1:8080 default/pods/web-0/http_requests 42
  npm run cli -- push https://edge-metrics-adapter.example.workers.dev default/deployments.apps/web/queue_depth 1500m

<value> is a Kubernetes quantity (42, 1500m, 2k). <resource> is the plural resource, with group for non-core kinds
(pods, services, deployments.apps).

Options:
  --labels k=v[,k=v]    metric labels of the series
  --object-labels k=v   labels of the described object (what an HPA's labelSelector matches; object metrics only)
  --ttl SECONDS         freshness of this value (default: the server's DEFAULT_TTL_SECONDS)
  --token T             Authorization: Bearer T (default: env EDGE_METRICS_WRITE_TOKEN, if set)
  --ca FILE             extra CA for an https URL with a private certificate
  --external            write an external metric (<namespace>/<metric>)
`;

export const options = {
  labels: { type: "string" },
  "object-labels": { type: "string" },
  ttl: { type: "string" },
  token: { type: "string" },
  ca: { type: "string" },
  external: { type: "boolean" },
} as const;

export function parseLabels(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const out: Record<string, string> = {};
  for (const part of text.split(",").filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new UsageError(`--labels: expected k=v, got ${part}`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** The write path for a target `ns/resource/name/metric` (or `ns/metric` with external). */
export function writePath(target: string, external: boolean): string {
  const parts = target.split("/");
  const enc = parts.map((p) => encodeURIComponent(p));
  if (external) {
    if (parts.length !== 2 || parts.some((p) => !p)) throw new UsageError(`external target must be <namespace>/<metric>, got ${target}`);
    return `/write-external-metrics/namespaces/${enc[0]}/${enc[1]}`;
  }
  if (parts.length !== 4 || parts.some((p) => !p)) throw new UsageError(`target must be <namespace>/<resource>/<name>/<metric>, got ${target}`);
  return `/write-metrics/namespaces/${enc.join("/")}`;
}

export async function run(argv: string[]): Promise<number> {
  const a = parse(argv, options, help, { positionals: ["<url>", "<target>", "<value>"] });
  if (!a) return 0;
  const [base, target, value] = a.positionals;
  if (!base || !target || value === undefined) throw new UsageError("expected <url> <target> <value>");
  let parsedBase: URL;
  try {
    parsedBase = new URL(base);
  } catch {
    throw new UsageError(`not a URL: ${base} (e.g. http://127.0.0.1:8080)`);
  }
  if (parsedBase.protocol !== "http:" && parsedBase.protocol !== "https:") throw new UsageError(`the URL must be http:// or https://, got ${base}`);
  const labels = parseLabels(a.values.labels);
  const objectLabels = parseLabels(a.values["object-labels"]);
  if (objectLabels && a.values.external) throw new UsageError("--object-labels do not apply to external metrics");
  const ttl = a.values.ttl !== undefined ? Number(a.values.ttl) : undefined;
  if (ttl !== undefined && !(ttl > 0)) throw new UsageError("--ttl must be a positive number of seconds");
  // The simplest body is the quantity as a JSON string; labels/ttl need the object form.
  const body =
    labels || objectLabels || ttl !== undefined
      ? JSON.stringify({ value, ...(labels ? { labels } : {}), ...(objectLabels ? { objectLabels } : {}), ...(ttl !== undefined ? { ttlSeconds: ttl } : {}) })
      : JSON.stringify(value);
  const url = base.replace(/\/+$/, "") + writePath(target, !!a.values.external);
  const token = a.values.token ?? process.env.EDGE_METRICS_WRITE_TOKEN;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (a.values.ca) {
    // Node's fetch has no per-request CA option; NODE_EXTRA_CA_CERTS is read at start-up, so re-exec is needed.
    if (!process.env.NODE_EXTRA_CA_CERTS) {
      process.env.NODE_EXTRA_CA_CERTS = a.values.ca;
      readFileSync(a.values.ca); // fail early if missing
      const { spawnSync } = await import("node:child_process");
      const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit", env: process.env });
      return r.status ?? 1;
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
    throw new CliError(`POST ${url} failed: ${await explainFailure(parsedBase, e as Error, cause)}`);
  }
  const text = await res.text();
  process.stdout.write(`${res.status} ${res.statusText}  POST ${url}\n${text}${text.endsWith("\n") ? "" : "\n"}`);
  return res.ok ? 0 : 1;
}

/** Why a POST got no HTTP answer, in the user's terms. */
async function explainFailure(base: URL, e: Error, cause: NodeJS.ErrnoException | undefined): Promise<string> {
  const port = Number(base.port || (base.protocol === "https:" ? 443 : 80));
  const host = base.hostname.replace(/^\[|\]$/g, "");
  const raw = `${e.message}${cause ? ` (${cause.code ?? cause.message})` : ""}`;
  if (cause?.code === "ECONNREFUSED") return `${raw}: nothing listens on ${host}:${port}; is the edge node running, and is this its public port (--public-port, default 8080)?`;
  if (cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN") return `${raw}: ${host} does not resolve`;
  const aggregator =
    `this looks like the edge node's aggregator socket, which serves only kube-apiserver (TLS with the front-proxy ` +
    `client certificate, reads only). Writes go to the public socket: the port given with --public-port (default 8080), e.g. http://${base.hostname}:8080`;
  if (base.protocol === "http:") {
    // A TLS server answers plain HTTP by closing the connection: Node says "other side closed".
    if (await speaksTls(host, port)) return `${host}:${port} speaks TLS, not plain HTTP: ${aggregator}`;
    return raw;
  }
  const code = `${cause?.code ?? ""} ${cause?.message ?? ""}`;
  if (/CERTIFICATE_REQUIRED|certificate required|UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify|self.signed|ALTNAME/i.test(code)) {
    return `${raw}: the server's certificate is not trusted here, or it demands a client certificate; if ${host}:${port} is the aggregator socket, ${aggregator}`;
  }
  return raw;
}
