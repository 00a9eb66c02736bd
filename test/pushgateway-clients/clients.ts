/**
 * Three Pushgateway clients no one here wrote, behind one small interface so a test can make the same calls
 * with each and compare: Python's prometheus_client (push.py in the venv install.sh makes), Go's client_golang
 * `prometheus/push` (go-push, built by install.sh) and Node's prom-client (an npm devDependency, run in this
 * process). Each call builds a fresh registry with the client's own metric types and hands it to the client's
 * own push function; what the client reports (success, or its error text) is returned as it is.
 *
 * Operations use the Pushgateway's verbs: `put` is push_to_gateway / Push / push, `post` pushadd_to_gateway /
 * Add / pushAdd, `delete` delete_from_gateway / Delete / delete.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Counter, Gauge, Histogram, Pushgateway, Registry, Summary } from "prom-client";
import { ROOT, startProcess } from "../harness";

export interface MetricSpec {
  type: "gauge" | "counter" | "summary" | "histogram";
  name: string;
  help?: string;
  labels?: Record<string, string>;
  /** Gauge: set to it; counter: incremented by it (from zero). */
  value?: number;
  /** Summary and histogram: observed in order. */
  observations?: number[];
  buckets?: number[];
}

export interface PushCall {
  op: "put" | "post" | "delete";
  /** Gateway URL, possibly with a path prefix (`http://host:port/namespaces/<ns>`). */
  gateway: string;
  job: string;
  grouping?: Record<string, string>;
  /** The token as a Basic password (each client's own Basic auth) or as a Bearer header. */
  auth?: { basic: { username: string; password: string } } | { bearer: string };
  /** Python and Node: gzip the body with the client's own option (the Go client has none). */
  gzip?: boolean;
  metrics?: MetricSpec[];
}

export interface PushResult {
  ok: boolean;
  /** The client's error report (empty on success). */
  error: string;
}

export interface PushClient {
  readonly name: "python" | "go" | "node";
  /** The library and version, for test names and reports. */
  readonly library: string;
  call(c: PushCall): Promise<PushResult>;
}

const HERE = join(ROOT, "test", "pushgateway-clients");

/** A pinned version, read where it is pinned (so test names and reports never go stale). */
function pinned(file: string, re: RegExp): string {
  const m = re.exec(readFileSync(join(ROOT, file), "utf8"));
  if (!m) throw new Error(`no version matching ${re} in ${file}`);
  return m[1]!;
}

/** Runs a program to completion, bounded; the harness supervises it like every other process. */
async function runProgram(name: string, cmd: string, args: string[], lifetimeSeconds = 120): Promise<{ code: number; output: string }> {
  const proc = startProcess(cmd, args, { name, lifetimeSeconds });
  const code = await proc.exited;
  await proc.stop();
  return { code, output: proc.output() };
}

let installed: Promise<{ python: string; go: string }> | undefined;

/** install.sh: the venv and go-push, from cache when present (cold: a pip install and a go build). */
export function installClients(): Promise<{ python: string; go: string }> {
  installed ??= runProgram("pushgateway-clients-install", "bash", [join(HERE, "install.sh")], 900).then(({ code, output }) => {
    const python = /^PUSHGATEWAY_PYTHON=(.+)$/m.exec(output)?.[1];
    const go = /^PUSHGATEWAY_GO=(.+)$/m.exec(output)?.[1];
    if (code !== 0 || !python || !go) throw new Error(`test/pushgateway-clients/install.sh failed (exit ${code}):\n${output}`);
    return { python, go };
  });
  return installed;
}

function specOf(c: PushCall, ops: Record<PushCall["op"], string>): Record<string, unknown> {
  const auth = c.auth === undefined ? {} : "basic" in c.auth ? { basicAuth: c.auth.basic } : { bearer: c.auth.bearer };
  return { op: ops[c.op], gateway: c.gateway, job: c.job, grouping: c.grouping ?? {}, metrics: c.metrics ?? [], ...auth };
}

export function pythonClient(python: string): PushClient {
  return {
    name: "python",
    library: `prometheus_client ${pinned("test/pushgateway-clients/python-requirements.txt", /^prometheus_client==(\S+)$/m)}`,
    async call(c) {
      const spec = { ...specOf(c, { put: "push", post: "pushadd", delete: "delete" }), ...(c.gzip ? { compression: "gzip" } : {}) };
      const r = await runProgram("push.py", python, [join(HERE, "push.py"), JSON.stringify(spec)]);
      return { ok: r.code === 0, error: r.output.trim() };
    },
  };
}

export function goClient(bin: string): PushClient {
  return {
    name: "go",
    library: `client_golang ${pinned("test/pushgateway-clients/go-push/go.mod", /github\.com\/prometheus\/client_golang (v\S+)/)} prometheus/push`,
    async call(c) {
      if (c.gzip) throw new Error("client_golang's push package has no compression option");
      const r = await runProgram("go-push", bin, [JSON.stringify(specOf(c, { put: "push", post: "add", delete: "delete" }))]);
      return { ok: r.code === 0, error: r.output.trim() };
    },
  };
}

export function nodeClient(): PushClient {
  return {
    name: "node",
    library: `prom-client ${pinned("node_modules/prom-client/package.json", /"version": "([^"]+)"/)}`,
    async call(c) {
      const registry = new Registry();
      const families = new Map<string, Gauge | Counter | Summary | Histogram>();
      for (const m of c.metrics ?? []) {
        const labels = m.labels ?? {};
        let f = families.get(m.name);
        if (!f) {
          const common = { name: m.name, help: m.help ?? m.name, labelNames: Object.keys(labels).sort(), registers: [registry] };
          if (m.type === "gauge") f = new Gauge(common);
          else if (m.type === "counter") f = new Counter(common);
          else if (m.type === "summary") f = new Summary({ ...common, percentiles: [0.5, 0.9] });
          else f = new Histogram({ ...common, ...(m.buckets ? { buckets: m.buckets } : {}) });
          families.set(m.name, f);
        }
        if (f instanceof Gauge) f.set(labels, m.value ?? 0);
        else if (f instanceof Counter) f.inc(labels, m.value ?? 0);
        else for (const o of m.observations ?? []) f.observe(labels, o);
      }
      const headers: Record<string, string> = {};
      if (c.gzip) headers["Content-Encoding"] = "gzip";
      if (c.auth && "bearer" in c.auth) headers.Authorization = `Bearer ${c.auth.bearer}`;
      // http.request's own `auth` option is how prom-client users send Basic credentials.
      const auth = c.auth && "basic" in c.auth ? { auth: `${c.auth.basic.username}:${c.auth.basic.password}` } : {};
      const gateway = new Pushgateway(c.gateway, { timeout: 30_000, headers, ...auth }, registry);
      const params = { jobName: c.job, groupings: c.grouping };
      try {
        if (c.op === "put") await gateway.push(params);
        else if (c.op === "post") await gateway.pushAdd(params);
        else await gateway.delete(params);
        return { ok: true, error: "" };
      } catch (e) {
        return { ok: false, error: (e as Error).message };
      }
    },
  };
}

/** All three clients, installed. */
export async function pushClients(): Promise<PushClient[]> {
  const { python, go } = await installClients();
  return [pythonClient(python), goClient(go), nodeClient()];
}
