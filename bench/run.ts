/**
 * `npm run bench`: one command, one run, one machine. Builds the bundle, starts a real workerd edge node
 * (plain-HTTP public socket) and Debian's prometheus-pushgateway (installed with apt-get if missing), drives
 * both with wrk at the same concurrency and duration, and writes bench/results/latest.{json,md,svg}.
 *
 * Every server binds 127.0.0.1, runs under `timeout` (it stops by itself even if this process dies) and is
 * stopped by its process-group id at the end. Every load loop is bounded in count and time.
 *
 * Reads go through the public socket with READ_TOKEN (`Authorization: Bearer`), writes with a scoped token
 * from WRITE_TOKENS: the aggregator socket needs a TLS client certificate, which wrk cannot send.
 *
 * Knobs (environment; defaults in brackets) are listed in bench/README.md.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { bin, cleanup, freePort, keepTempDir, ROOT, startProcess, tempDir, waitPorts, WorkerdNode, type Proc } from "../test/harness";
import { otlpBodies, OTLP_PROTOBUF_HEADERS, remoteWriteBodies, REMOTE_WRITE_HEADERS } from "./ingest-bodies";
import { Inspector, saveProfile } from "./profile";
import { GcLog } from "./gc-trace";
import { perfAvailable, SyncTracer } from "./sync-trace";
import { renderMarkdown, renderReadmeSection, renderSvg, updateReadme, type BenchResults, type ScenarioResult, type ScaleLevel, type WrkSummary } from "./report";

// ------------------------------------------------------------------------------------------- knobs
const env = process.env;
const num = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
const list = (name: string, fallback: number[]) => (env[name] ? env[name]!.split(",").filter(Boolean).map(Number) : fallback);
const KNOBS = {
  duration: num("BENCH_DURATION", 8),
  warmup: num("BENCH_WARMUP", 2),
  connections: num("BENCH_CONNECTIONS", 10),
  pods: list("BENCH_PODS", [100, 1000, 10000]),
  batchSizes: list("BENCH_BATCH_SIZES", [1, 100, 1000]),
  scale: list("BENCH_SCALE", [10_000, 100_000, 1_000_000]),
  scaleDuration: num("BENCH_SCALE_DURATION", 4),
  loadBatch: num("BENCH_LOAD_BATCH", 10_000),
  loadTimeoutS: num("BENCH_LOAD_TIMEOUT", 420),
  lifetimeS: num("BENCH_SERVER_LIFETIME", 1800),
  /** Scenario ids to CPU-profile (needs BENCH_INSPECTOR, a free port for workerd's inspector). */
  profile: new Set((env.BENCH_PROFILE ?? "").split(",").filter(Boolean)),
  only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(",")) : null,
  out: env.BENCH_OUT ?? join(ROOT, "bench", "results"),
  keep: env.BENCH_KEEP === "1",
  /** Trace workerd's fsync calls during every edge row (needs Linux perf). */
  trace: env.BENCH_TRACE === "1",
};
const want = (group: string) => KNOBS.only === null || KNOBS.only.has(group);
const WORK = tempDir("bench");
if (KNOBS.keep) keepTempDir(WORK);
const log = (...a: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);
/** Every server started, for its output when the run fails. */
const servers: Proc[] = [];
/** workerd's GC events when BENCH_V8_FLAGS has --trace-gc. */
const gcLog = (env.BENCH_V8_FLAGS ?? "").includes("--trace-gc") ? new GcLog() : null;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 600_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
}

/** user+system CPU seconds of a process (from /proc/<pid>/stat), or NaN. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
  } catch {
    return NaN;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

/** Number of `go build` processes running (other engineers' builds share the machine). */
function goBuilds(): number {
  return sh("ps", ["-eo", "args"]).split("\n").filter((l) => /\bgo build\b/.test(l)).length;
}

// ------------------------------------------------------------------------------------------- wrk
interface Req {
  method: "GET" | "POST" | "PUT";
  path: string;
  headers: Record<string, string>;
  /** Text (UTF-8) or bytes (the binary protocols' bodies). */
  body?: string | Uint8Array;
}

let reqFileSeq = 0;
function writeRequests(reqs: Req[]): string {
  const chunks: Buffer[] = [];
  for (const r of reqs) {
    const body = typeof r.body === "string" || r.body === undefined ? Buffer.from(r.body ?? "", "utf8") : Buffer.from(r.body);
    const head = `${r.method} ${r.path} ${body.length}\n${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\n`).join("")}\n`;
    chunks.push(Buffer.from(head, "utf8"), body);
  }
  const path = join(WORK, `requests-${++reqFileSeq}.txt`);
  writeFileSync(path, Buffer.concat(chunks));
  return path;
}

function runWrk(url: string, requestsFile: string, seconds: number, connections: number): Promise<WrkSummary> {
  return new Promise((res, rej) => {
    const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", join(ROOT, "bench", "wrk.lua"), url];
    const child = spawn("wrk", args, { env: { ...process.env, BENCH_REQUESTS: requestsFile }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const kill = setTimeout(() => child.kill("SIGKILL"), (seconds + 30) * 1000);
    child.on("exit", () => {
      clearTimeout(kill);
      const line = /BENCH_RESULT (\{.*\})/.exec(out)?.[1];
      if (!line) return rej(new Error(`wrk produced no result:\n${out}`));
      res(JSON.parse(line) as WrkSummary);
    });
  });
}

// ------------------------------------------------------------------------------------------- setup
interface Target {
  url: string;
  pid: () => number;
}

async function startEdge(): Promise<Target & { stateDir: string; readToken: string; writeToken: string; restart(): Promise<number> }> {
  if (env.BENCH_BUNDLE) log(`using the prebuilt bundle ${env.BENCH_BUNDLE} (BENCH_BUNDLE)`);
  // BENCH_WORKERD_WRAPPER (e.g. "eatmydata", which turns fsync into a no-op) is for experiments only.
  const wrapper = (env.BENCH_WORKERD_WRAPPER ?? "").split(" ").filter(Boolean);
  const node = await WorkerdNode.create({
    dir: join(WORK, "edge"),
    tokens: [{ name: "bench", namespaces: ["*"], operations: ["write", "delete", "read"] }],
    vars: { WRITE_RATE_LIMIT: "100000000/1", MAX_SERIES_PER_NAMESPACE: "5000000" },
    defaultTtlSeconds: 3600,
    bundle: env.BENCH_BUNDLE,
    // BENCH_V8_FLAGS (e.g. "--trace-gc") is for diagnosis: workerd's output is saved as workerd-output.txt.
    ...(env.BENCH_V8_FLAGS ? { v8Flags: env.BENCH_V8_FLAGS.split(" ").filter(Boolean) } : {}),
    start: {
      lifetimeSeconds: KNOBS.lifetimeS,
      ...(gcLog ? { onLine: gcLog.line } : {}),
      args: env.BENCH_INSPECTOR ? ["--inspector-addr", `127.0.0.1:${env.BENCH_INSPECTOR}`] : [],
      wrapper,
    },
  });
  await node.start();
  servers.push(node.proc!);
  return {
    url: node.base,
    pid: () => node.pid() ?? NaN,
    stateDir: node.stateDir,
    readToken: node.readToken,
    writeToken: node.tokens.bench!,
    /** Stops workerd (SIGTERM) and starts it on the same state; resolves with ms until /healthz answers. */
    restart: async () => {
      await node.stop();
      const ms = await node.start();
      servers.push(node.proc!);
      return ms;
    },
  };
}

/** BENCH_OUT as recorded in the results: relative to the repository, never a path of this machine. */
function shownOut(): string {
  const rel = relative(ROOT, KNOBS.out);
  return rel.startsWith("..") || isAbsolute(rel) ? "<BENCH_OUT>" : rel || ".";
}

/** The path of `cmd`, installed from Debian's `pkg` with apt-get if it is missing (needs root). */
function ensureCommand(cmd: string, pkg: string): string {
  const which = () => sh("sh", ["-c", `command -v ${cmd} || true`]);
  if (which()) return which();
  log(`${cmd} missing: apt-get install -y ${pkg}`);
  if (process.getuid?.() !== 0) throw new Error(`${cmd} is not installed and this is not root; run: sudo apt-get install -y ${pkg}`);
  sh("apt-get", ["update"]);
  const out = spawnSync("apt-get", ["install", "-y", pkg], { encoding: "utf8", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (out.status !== 0 || !which()) throw new Error(`apt-get install ${pkg} failed:\n${out.stdout}${out.stderr}`);
  return which();
}

async function startPushgateway(variant: "default" | "nocheck" | "fresh"): Promise<Target & { command: string }> {
  const exe = ensureCommand("prometheus-pushgateway", "prometheus-pushgateway");
  const port = await freePort();
  // Debian's defaults, except that the persistence file (written every 5 min) lives in the run's temp dir.
  const args = [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${join(WORK, `pushgateway-${variant}.data`)}`, "--log.level=warn"];
  if (variant === "nocheck") args.push("--push.disable-consistency-check");
  const proc = startProcess(exe, args, { name: `pushgateway-${variant}`, lifetimeSeconds: KNOBS.lifetimeS });
  servers.push(proc);
  await waitPorts(proc, [port]);
  // Recorded without this machine's paths and ports.
  const command = ["prometheus-pushgateway", ...args].join(" ").replaceAll(WORK, "<tmp>").replace(`127.0.0.1:${port}`, "127.0.0.1:<port>");
  return { url: `http://127.0.0.1:${port}`, pid: () => proc.pid() ?? NaN, command };
}

// ------------------------------------------------------------------------------------------- data
const JSON_CT = "application/json";
const PG_CT = "text/plain; version=0.0.4";
const CUSTOM = "/apis/custom.metrics.k8s.io/v1beta2";

function sample(namespace: string, name: string, metric: string, objectLabels?: Record<string, string>) {
  return objectLabels
    ? { namespace, resource: "pods", name, metric, value: "42", objectLabels }
    : { namespace, resource: "pods", name, metric, value: "42" };
}

async function post(url: string, path: string, token: string, body: string): Promise<void> {
  const r = await fetch(url + path, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": JSON_CT }, body });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`POST ${path} → ${r.status}: ${text.slice(0, 500)}`);
}

/** Loads samples in batches of KNOBS.loadBatch (two requests in flight); bounded by KNOBS.loadTimeoutS. */
async function load(url: string, token: string, samples: AsyncIterable<object[]> | Iterable<object[]>): Promise<{ samples: number; seconds: number }> {
  const t0 = performance.now();
  const deadline = Date.now() + KNOBS.loadTimeoutS * 1000;
  let n = 0;
  const inflight = new Set<Promise<void>>();
  for await (const batch of samples) {
    if (Date.now() > deadline) throw new Error(`loading exceeded BENCH_LOAD_TIMEOUT=${KNOBS.loadTimeoutS}s after ${n} samples`);
    const p: Promise<void> = post(url, "/write-metrics", token, JSON.stringify(batch)).then(() => {
      n += batch.length;
      inflight.delete(p);
    });
    inflight.add(p);
    if (inflight.size >= 2) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  return { samples: n, seconds: (performance.now() - t0) / 1000 };
}

function* chunks<T>(items: Iterable<T>, size: number): Iterable<T[]> {
  let buf: T[] = [];
  for (const it of items) {
    buf.push(it);
    if (buf.length === size) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length) yield buf;
}

function* range(from: number, to: number): Iterable<number> {
  for (let i = from; i < to; i++) yield i;
}

async function getJson(url: string, path: string, token: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: r.status, body };
}

/**
 * Sends one body of an ingestion row before it is measured: it must be answered `status` with an empty body (no
 * partial_success) and every one of its samples must read back as a pod of `namespace`, so the row measures
 * writes and not refusals.
 */
async function acceptedWhole(edge: { url: string; writeToken: string; readToken: string }, path: string, headers: Record<string, string>, body: Uint8Array, status: number, namespace: string, samples: number): Promise<void> {
  const r = await fetch(edge.url + path, { method: "POST", headers: { authorization: `Bearer ${edge.writeToken}`, ...headers }, body: Buffer.from(body) });
  const answer = new Uint8Array(await r.arrayBuffer());
  if (r.status !== status || answer.length !== 0) throw new Error(`POST ${path} → ${r.status} (${answer.length} bytes): ${new TextDecoder().decode(answer).slice(0, 300)}`);
  const read = await getJson(edge.url, `${CUSTOM}/namespaces/${namespace}/pods/*/batch_metric`, edge.readToken);
  if (read.status !== 200 || read.body.items?.length !== samples) throw new Error(`${namespace}: ${read.status}, ${read.body.items?.length} items after one ${path} body of ${samples}`);
}

// ------------------------------------------------------------------------------------------- scenarios
interface Scenario {
  id: string;
  group: string;
  label: string;
  target: "edge" | "pushgateway" | "pushgateway-nocheck";
  requests: Req[];
  samplesPerRequest: number;
  connections?: number;
  compareTo?: string;
  duration?: number;
}

async function measure(s: Scenario, t: Target): Promise<ScenarioResult> {
  const file = writeRequests(s.requests);
  const connections = s.connections ?? KNOBS.connections;
  const duration = s.duration ?? KNOBS.duration;
  if (KNOBS.warmup > 0) await runWrk(t.url, file, KNOBS.warmup, connections);
  const pid = t.pid();
  const profiler = KNOBS.profile.has(s.id) && s.target === "edge" && env.BENCH_INSPECTOR ? await Inspector.connect(Number(env.BENCH_INSPECTOR)) : null;
  await profiler?.start();
  const tracer = KNOBS.trace && s.target === "edge" ? SyncTracer.start(pid, join(WORK, `${s.id}.perf-trace.txt`), duration + 30) : null;
  if (tracer) await new Promise((res) => setTimeout(res, 300)); // perf attaches to every thread before the run
  const cpu0 = cpuSeconds(pid);
  const wall0 = Date.now();
  const w = await runWrk(t.url, file, duration, connections);
  const cpu1 = cpuSeconds(pid);
  const gcTrace = gcLog && s.target === "edge" ? gcLog.between(wall0, Date.now()) : undefined;
  const syncTrace = await tracer?.stop();
  if (profiler) {
    mkdirSync(KNOBS.out, { recursive: true });
    const text = saveProfile(await profiler.stop(), join(KNOBS.out, s.id));
    profiler.close();
    log(`profile of ${s.id}:\n${text.split("\n").slice(0, 30).join("\n")}`);
  }
  const seconds = w.durationUs / 1e6;
  const ok = w.requests - w.errors.status;
  // A row whose requests fail measures nothing (and its ratios would flatter or slander the other side).
  if (w.errors.status > 0 && !env.BENCH_ALLOW_ERRORS) {
    throw new Error(`${s.id}: ${w.errors.status} of ${w.requests} answers were not 2xx (BENCH_ALLOW_ERRORS=1 records the row anyway); check the requests with curl against ${t.url}`);
  }
  const r: ScenarioResult = {
    id: s.id,
    group: s.group,
    label: s.label,
    target: s.target,
    connections,
    durationS: duration,
    samplesPerRequest: s.samplesPerRequest,
    reqPerS: w.requests / seconds,
    samplesPerS: (ok * s.samplesPerRequest) / seconds,
    p50Ms: w.latencyUs.p50 / 1000,
    p90Ms: w.latencyUs.p90 / 1000,
    p99Ms: w.latencyUs.p99 / 1000,
    maxMs: w.latencyUs.max / 1000,
    errors: w.errors,
    serverCpu: (cpu1 - cpu0) / seconds,
    serverCpuUsPerRequest: ((cpu1 - cpu0) * 1e6) / Math.max(1, w.requests),
    serverRssBytes: rssBytes(pid),
    compareTo: s.compareTo,
    wrk: w,
    ...(syncTrace ? { syncTrace } : {}),
    ...(gcTrace ? { gcTrace } : {}),
  };
  log(
    `${s.id.padEnd(28)} ${r.reqPerS.toFixed(0).padStart(7)} req/s ${r.samplesPerS.toFixed(0).padStart(8)} samples/s ` +
      `p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms cpu ${(r.serverCpu * 100).toFixed(0)}% ${r.serverCpuUsPerRequest.toFixed(0)} µs/req` +
      (gcTrace ? ` gc ${gcTrace.scavenges}+${gcTrace.markCompacts} max ${gcTrace.maxPauseMs.toFixed(1)} ms (${gcTrace.maxPauseKind})` : "") +
      (syncTrace ? ` fsync ${syncTrace.syncs} (${(syncTrace.blockedMs / 10 / seconds).toFixed(0)}% of the time, max ${syncTrace.maxMs.toFixed(1)} ms)` : "") +
      (w.errors.status || w.errors.timeout || w.errors.connect ? ` ERRORS ${JSON.stringify(w.errors)}` : ""),
  );
  return r;
}

/**
 * The Pushgateway API (PUT /metrics/job/…, as push_to_gateway and client_golang's Push send it) next to Debian's
 * Pushgateway: the same path, the same text body, so the ratio is like for like. One group, replaced by every
 * push; `pod` labels map the 1,000-metric body to 1,000 pods here, the Pushgateway keeps it in memory.
 */
async function pushgatewayApiScenarios(run: (s: Scenario) => Promise<unknown>, token: string): Promise<void> {
  for (const size of [1, 1000]) {
    const path = `/metrics/job/bench-pg-api/namespace/bench-pg-api/instance/size-${size}`;
    // Names no other row pushes: the Pushgateway checks a push against every group it holds, and the batch rows
    // pushed `batch_metric` untyped.
    const name = size === 1 ? "pg_api_requests" : "pg_api_metric";
    const lines = size === 1 ? [`${name} 42`] : [...range(0, size)].map((i) => `${name}{pod="pod-${i}"} 42`);
    const body = `# TYPE ${name} gauge\n${lines.join("\n")}\n`;
    const what = size === 1 ? "1 metric" : `${size} metrics`;
    await run({
      id: `pg-api-ref-${size}`, group: "pushgateway", label: `Pushgateway: PUT /metrics/job/…, ${what}, one group`, target: "pushgateway",
      requests: [{ method: "PUT", path, headers: { "content-type": PG_CT }, body }], samplesPerRequest: size,
    });
    await run({
      id: `pg-api-${size}`, group: "pushgateway", label: `Pushgateway API: the same PUT, ${what}`, target: "edge",
      requests: [{ method: "PUT", path, headers: { "content-type": PG_CT, authorization: `Bearer ${token}` }, body }], samplesPerRequest: size,
      compareTo: `pg-api-ref-${size}`,
    });
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "?",
    memBytes: totalmem(),
    os: sh("sh", ["-c", ". /etc/os-release && echo $PRETTY_NAME"]),
    kernel: sh("uname", ["-r"]),
    loadavgStart: loadavg(),
    goBuildsStart: goBuilds(),
  };
  ensureCommand("wrk", "wrk");
  if (KNOBS.trace) ensureCommand("perf", "linux-perf");
  if (KNOBS.trace && !perfAvailable()) throw new Error("BENCH_TRACE=1 needs a working `perf trace` (linux-perf, and root or kernel.perf_event_paranoid ≤ 1)");
  const versions = {
    node: process.version,
    wrk: sh("wrk", ["-v"]).split("\n")[0] ?? "?",
    workerd: sh(bin("workerd"), ["--version"]),
    wrangler: JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version as string,
    pushgateway: "",
  };
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadavgStart.map((l) => l.toFixed(2)).join(" ")}, go builds ${machine.goBuildsStart}`);

  const edge = await startEdge();
  const pg = await startPushgateway("default");
  const pgFast = await startPushgateway("nocheck");
  versions.pushgateway = sh("prometheus-pushgateway", ["--version"]).split("\n")[0] ?? "?";
  const W = { authorization: `Bearer ${edge.writeToken}`, "content-type": JSON_CT };
  const R = { authorization: `Bearer ${edge.readToken}` };
  const results: ScenarioResult[] = [];
  const run = async (s: Scenario) => results.push(await measure(s, s.target === "edge" ? edge : s.target === "pushgateway" ? pg : pgFast));

  // ---- floor and discovery
  if (want("floor")) {
    await run({ id: "floor", group: "floor", label: "GET /healthz (constant route)", target: "edge", requests: [{ method: "GET", path: "/healthz", headers: {} }], samplesPerRequest: 0 });
  }

  // ---- single-sample writes: the one-value write path vs a Pushgateway push of one metric, over 1,000 series each
  if (want("single")) {
    const n = 1000;
    await run({
      id: "pg-single-1",
      group: "single",
      label: "Pushgateway: POST /metrics/job/bench (1 metric, one group)",
      target: "pushgateway",
      requests: [{ method: "POST", path: `/metrics/job/bench`, headers: { "content-type": PG_CT }, body: "http_requests 42\n" }],
      samplesPerRequest: 1,
    });
    await run({
      id: "pg-nocheck-single-1",
      group: "single",
      label: "Pushgateway --push.disable-consistency-check: same push",
      target: "pushgateway-nocheck",
      requests: [{ method: "POST", path: `/metrics/job/bench`, headers: { "content-type": PG_CT }, body: "http_requests 42\n" }],
      samplesPerRequest: 1,
    });
    await run({
      id: "pg-single",
      group: "single",
      label: "Pushgateway: POST /metrics/job/bench/instance/{pod} (1 metric, 1,000 groups)",
      target: "pushgateway",
      requests: [...range(0, n)].map((i) => ({ method: "POST", path: `/metrics/job/bench/instance/pod-${i}`, headers: { "content-type": PG_CT }, body: "http_requests 42\n" })),
      samplesPerRequest: 1,
    });
    await run({
      id: "single",
      group: "single",
      label: "POST /write-metrics/namespaces/{ns}/pods/{pod}/{metric} \"42\"",
      target: "edge",
      requests: [...range(0, n)].map((i) => ({ method: "POST", path: `/write-metrics/namespaces/bench-single/pods/pod-${i}/http_requests`, headers: W, body: '"42"' })),
      samplesPerRequest: 1,
      compareTo: "pg-single-1",
    });
    await run({
      id: "single-c1",
      group: "single",
      label: "Same write, 1 connection (latency without queueing)",
      target: "edge",
      requests: [...range(0, n)].map((i) => ({ method: "POST", path: `/write-metrics/namespaces/bench-single/pods/pod-${i}/http_requests`, headers: W, body: '"42"' })),
      samplesPerRequest: 1,
      connections: 1,
    });
    // Experiment: the same writes spread over 10 namespaces (10 Durable Objects, 10 SQLite files committing independently).
    await run({
      id: "single-spread-10",
      group: "single",
      label: "Same write over 10 namespaces (10 objects)",
      target: "edge",
      requests: [...range(0, n)].map((i) => ({ method: "POST", path: `/write-metrics/namespaces/bench-spread-${i % 10}/pods/pod-${i}/http_requests`, headers: W, body: '"42"' })),
      samplesPerRequest: 1,
      compareTo: "pg-single-1",
    });
  }

  // ---- batch writes (one namespace = one object), vs Pushgateway pushing the same number of metrics per request
  if (want("batch")) {
    const series = 10_000;
    for (const size of KNOBS.batchSizes) {
      const bodies = Math.max(1, Math.min(100, Math.floor(series / size)));
      const ours: Req[] = [];
      const theirs: Req[] = [];
      for (let b = 0; b < bodies; b++) {
        const names = [...range(b * size, (b + 1) * size)].map((i) => `pod-${i % series}`);
        ours.push({ method: "POST", path: "/write-metrics", headers: W, body: JSON.stringify(names.map((p) => sample("bench-batch", p, "batch_metric"))) });
        theirs.push({
          method: "POST",
          path: `/metrics/job/bench-batch/instance/b${b}`,
          headers: { "content-type": PG_CT },
          body: names.map((p) => `batch_metric{pod="${p}"} 42\n`).join(""),
        });
      }
      await run({ id: `pg-batch-${size}`, group: "batch", label: `Pushgateway: ${size} metric(s) per push`, target: "pushgateway", requests: theirs, samplesPerRequest: size });
      if (size === Math.max(...KNOBS.batchSizes)) {
        await run({ id: `pg-nocheck-batch-${size}`, group: "batch", label: `Pushgateway --push.disable-consistency-check: ${size} metrics per push`, target: "pushgateway-nocheck", requests: theirs, samplesPerRequest: size });
      }
      await run({ id: `batch-${size}`, group: "batch", label: `POST /write-metrics, ${size} sample(s) per request`, target: "edge", requests: ours, samplesPerRequest: size, compareTo: `pg-batch-${size}` });
    }
    // The ingestion protocols over the same 10,000 series, in the request size their senders use by default, on 2
    // connections: a request is ~0.1 s of work, so 10 would measure mostly queueing (throughput is the same).
    const perRequest = 2000;
    const auth = { authorization: `Bearer ${edge.writeToken}` };
    const rw = remoteWriteBodies("bench-remote-write", "batch_metric", series, perRequest);
    await acceptedWhole(edge, "/api/v1/write", REMOTE_WRITE_HEADERS, rw[0]!, 204, "bench-remote-write", perRequest);
    await run({
      id: `remote-write-${perRequest}`, group: "batch", label: `POST /api/v1/write, remote write 1.0 (snappy), ${perRequest} samples per request, 2 connections`, target: "edge", connections: 2,
      requests: rw.map((body) => ({ method: "POST", path: "/api/v1/write", headers: { ...auth, ...REMOTE_WRITE_HEADERS }, body })), samplesPerRequest: perRequest,
    });
    const otlp = otlpBodies("bench-otlp", "batch_metric", series, perRequest);
    await acceptedWhole(edge, "/v1/metrics", OTLP_PROTOBUF_HEADERS, otlp[0]!, 200, "bench-otlp", perRequest);
    await run({
      id: `otlp-${perRequest}`, group: "batch", label: `POST /v1/metrics, OTLP/HTTP protobuf (gzip), ${perRequest} data points (one pod resource each) per request, 2 connections`, target: "edge", connections: 2,
      requests: otlp.map((body) => ({ method: "POST", path: "/v1/metrics", headers: { ...auth, ...OTLP_PROTOBUF_HEADERS }, body })), samplesPerRequest: perRequest,
    });
  }

  if (want("pushgateway")) {
    // A fresh Pushgateway (Debian defaults) for these rows: the one above holds the thousands of groups the other
    // rows pushed, and checks every push against all of them, which is not the one-group case measured here.
    const pgApi = await startPushgateway("fresh");
    const runApi = async (s: Scenario) => results.push(await measure(s, s.target === "edge" ? edge : pgApi));
    await pushgatewayApiScenarios(runApi, edge.writeToken);
  }

  // ---- reads: Pods (pods/* with a selector) over N pods, Object, discovery
  if (want("reads")) {
    for (const n of KNOBS.pods) {
      const ns = `bench-pods-${n}`;
      await load(edge.url, edge.writeToken, chunks([...range(0, n)].map((i) => sample(ns, `web-${i}`, "http_requests", { app: "web" })), KNOBS.loadBatch));
      const path = `${CUSTOM}/namespaces/${ns}/pods/*/http_requests?labelSelector=app%3Dweb`;
      const check = await getJson(edge.url, path, edge.readToken);
      if (check.status !== 200 || check.body.items?.length !== n) throw new Error(`Pods read over ${n} pods: ${check.status}, ${check.body.items?.length} items`);
      await run({ id: `pods-${n}`, group: "reads", label: `Pods read (pods/* ?labelSelector=app=web), ${n} pods`, target: "edge", requests: [{ method: "GET", path, headers: R }], samplesPerRequest: n });
      if (n === 1000) {
        await run({ id: `pods-${n}-c1`, group: "reads", label: `Pods read, ${n} pods, 1 connection (one HPA)`, target: "edge", requests: [{ method: "GET", path, headers: R }], samplesPerRequest: n, connections: 1 });
      }
    }
    const objNs = `bench-pods-${KNOBS.pods[Math.min(1, KNOBS.pods.length - 1)]}`;
    const objN = KNOBS.pods[Math.min(1, KNOBS.pods.length - 1)]!;
    await run({
      id: "object",
      group: "reads",
      label: `Object read (pods/{pod}/{metric}), over ${objN} pods`,
      target: "edge",
      requests: [...range(0, objN)].map((i) => ({ method: "GET", path: `${CUSTOM}/namespaces/${objNs}/pods/web-${i}/http_requests`, headers: R })),
      samplesPerRequest: 1,
    });
    // The floor again, right before discovery: the ratio compares two runs under the same conditions (heap, load).
    await run({ id: "floor-2", group: "reads", label: "GET /healthz again (floor for discovery)", target: "edge", requests: [{ method: "GET", path: "/healthz", headers: {} }], samplesPerRequest: 0 });
    const disc = await getJson(edge.url, CUSTOM, edge.readToken);
    if (disc.status !== 200) throw new Error(`discovery: ${disc.status}`);
    await run({ id: "discovery", group: "reads", label: `Discovery (GET ${CUSTOM}, ${disc.body.resources.length} resources)`, target: "edge", requests: [{ method: "GET", path: CUSTOM, headers: R }], samplesPerRequest: 0 });
  }

  // ---- series-count scaling in one namespace (one object): 100 probe pods + background pods with 10 metrics each
  const scale: ScaleLevel[] = [];
  if (want("scale")) {
    const ns = "bench-scale";
    const probePods = 100;
    await load(edge.url, edge.writeToken, chunks([...range(0, probePods)].map((i) => sample(ns, `web-${i}`, "http_requests", { app: "web" })), KNOBS.loadBatch));
    let stored = probePods;
    const BG_METRICS = ["http_requests", ...[...range(1, 10)].map((k) => `bg_metric_${k}`)];
    for (const level of KNOBS.scale) {
      const from = stored;
      const add = Math.max(0, level - stored);
      // Background: pod bg-{p} carries the 10 metrics; 1 in 10 of its series is http_requests (same metric as the probe, other pods).
      function* background(): Iterable<object> {
        for (let k = from; k < from + add; k++) {
          const seriesIndex = k - probePods;
          const pod = Math.floor(seriesIndex / BG_METRICS.length);
          yield sample(ns, `bg-${pod}`, BG_METRICS[seriesIndex % BG_METRICS.length]!, { app: "bg", shard: `s${pod % 100}` });
        }
      }
      const loaded = await load(edge.url, edge.writeToken, chunks(background(), KNOBS.loadBatch));
      stored += loaded.samples;
      log(`scale: ${stored} series stored (+${loaded.samples} in ${loaded.seconds.toFixed(1)} s = ${(loaded.samples / loaded.seconds).toFixed(0)} samples/s)`);
      const readPath = `${CUSTOM}/namespaces/${ns}/pods/*/http_requests?labelSelector=app%3Dweb`;
      const check = await getJson(edge.url, readPath, edge.readToken);
      if (check.status !== 200 || check.body.items?.length !== probePods) throw new Error(`scale read: ${check.status}, ${check.body.items?.length} items`);
      const d = KNOBS.scaleDuration;
      const write = await measure({
        id: `scale-${level}-write`, group: "scale", label: `single write at ${level} series`, target: "edge", duration: d,
        requests: [...range(0, probePods)].map((i) => ({ method: "POST", path: `/write-metrics/namespaces/${ns}/pods/web-${i}/http_requests`, headers: W, body: '"42"' })),
        samplesPerRequest: 1,
      }, edge);
      const read = await measure({ id: `scale-${level}-read`, group: "scale", label: `Pods read of 100 pods at ${level} series`, target: "edge", duration: d, requests: [{ method: "GET", path: readPath, headers: R }], samplesPerRequest: probePods }, edge);
      const objectRead = await measure({
        id: `scale-${level}-object`, group: "scale", label: `Object read at ${level} series`, target: "edge", duration: d,
        requests: [...range(0, probePods)].map((i) => ({ method: "GET", path: `${CUSTOM}/namespaces/${ns}/pods/web-${i}/http_requests`, headers: R })),
        samplesPerRequest: 1,
      }, edge);
      scale.push({
        series: stored,
        loadSamplesPerS: loaded.samples / loaded.seconds,
        loadSeconds: loaded.seconds,
        write,
        read,
        objectRead,
        storageBytes: dirBytes(edge.stateDir),
        workerdRssBytes: rssBytes(edge.pid()),
      });
    }
    // The first answers after a restart at the largest level: SQLite is the only state that survives, so the
    // partition object starts cold and its in-memory views are rebuilt by the first reads.
    if (scale.length) {
      const readPath = `${CUSTOM}/namespaces/${ns}/pods/*/http_requests?labelSelector=app%3Dweb`;
      const timed = async (what: string, f: () => Promise<{ status: number }>) => {
        const t0 = performance.now();
        const r = await f();
        if (r.status !== 200) throw new Error(`after restart, ${what}: ${r.status}`);
        return performance.now() - t0;
      };
      const readyMs = await edge.restart();
      const firstReadMs = await timed("first Pods read", () => getJson(edge.url, readPath, edge.readToken));
      const secondReadMs = await timed("second Pods read", () => getJson(edge.url, readPath, edge.readToken));
      const firstObjectReadMs = await timed("first Object read", () => getJson(edge.url, `${CUSTOM}/namespaces/${ns}/pods/web-1/http_requests`, edge.readToken));
      const firstWriteMs = await timed("first write", () => fetch(`${edge.url}/write-metrics/namespaces/${ns}/pods/web-1/http_requests`, { method: "POST", headers: W, body: '"43"' }).then(async (r) => (await r.text(), r)));
      const restart = { readyMs, firstReadMs, secondReadMs, firstObjectReadMs, firstWriteMs, rssBytes: rssBytes(edge.pid()) };
      log(`restart at ${stored} series: ready ${readyMs} ms, first Pods read ${firstReadMs.toFixed(0)} ms (then ${secondReadMs.toFixed(1)} ms), first Object read ${firstObjectReadMs.toFixed(1)} ms, first write ${firstWriteMs.toFixed(1)} ms, RSS ${(restart.rssBytes / 2 ** 20).toFixed(0)} MiB`);
      scale[scale.length - 1]!.restart = restart;
    }
  }

  if (gcLog) {
    mkdirSync(KNOBS.out, { recursive: true });
    writeFileSync(join(KNOBS.out, "workerd-gc.txt"), `${gcLog.notable()}\n`);
  }
  const finished = new Date();
  const out: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    machine: { ...machine, loadavgEnd: loadavg(), goBuildsEnd: goBuilds() },
    versions,
    knobs: { ...KNOBS, out: shownOut(), profile: [...KNOBS.profile], only: KNOBS.only ? [...KNOBS.only] : null },
    commands: {
      bench: [...["BENCH_TRACE", "BENCH_V8_FLAGS", "BENCH_ONLY", "BENCH_PODS", "BENCH_SCALE", "BENCH_DURATION", "BENCH_CONNECTIONS"].filter((k) => env[k]).map((k) => `${k}=${env[k]}`), "npm run bench"].join(" "),
      wrk: `wrk -t1 -c${KNOBS.connections} -d${KNOBS.duration}s --timeout 10s -s bench/wrk.lua <url>  (after a ${KNOBS.warmup}s warm-up with the same requests)`,
      workerd: `workerd serve <tmp>/edge/workerd/config.capnp  (cli/lib/workerd.ts writeWorkerdDir, mode edge, public socket plain HTTP)`,
      pushgateway: pg.command,
      "pushgateway-nocheck": pgFast.command,
    },
    scenarios: results,
    scale,
  };
  mkdirSync(KNOBS.out, { recursive: true });
  writeFileSync(join(KNOBS.out, "latest.json"), JSON.stringify(out, null, 2) + "\n");
  writeFileSync(join(KNOBS.out, "latest.md"), renderMarkdown(out));
  writeFileSync(join(KNOBS.out, "latest.svg"), renderSvg(out));
  // The README section follows only full runs written to the default place.
  if (!env.BENCH_OUT && KNOBS.only === null) updateReadme(join(ROOT, "README.md"), renderReadmeSection(out));
  log(`wrote ${join(KNOBS.out, "latest.{json,md,svg}")} (${((finished.getTime() - started.getTime()) / 1000).toFixed(0)} s)`);
}

main()
  .catch((e) => {
    console.error(e);
    for (const p of servers) if (!p.running) console.error(`--- ${p.name} output:\n${p.tail(60)}`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
