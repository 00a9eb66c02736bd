/**
 * `npm run fuzz`: a long fuzz run against a real edge node (workerd + the real bundle + SQLite Durable Objects on
 * disk).
 *
 *  0. front end: a probe worker on the same socket configuration proves the front-end table (./shapes.ts), on
 *     its examples and on FUZZ_PROBE_REQUESTS generated requests, before anything is counted against it;
 *  1. baseline: a few valid writes with a long TTL (nothing expires mid-run), then stop workerd and take a
 *     canonical dump of every SQLite file under the state dir (./state-dump.ts);
 *  2. fuzz: ≥ 100,000 malformed requests (FUZZ_REQUESTS) at the public socket, and some at the aggregator socket
 *     with a valid client certificate, over raw TCP/TLS (./client.ts, ./generators.ts);
 *  3. stop workerd, dump again: must be identical to the baseline dump;
 *  4. control: an idle restart changes nothing; one changed value (same timestamp and TTL) and one new series are
 *     each detected by the dump (proof that a real difference would be seen).
 *
 * Exit code 0 only if: requests ≥ the target, no 5xx except those the front-end table accounts for by request
 * shape, no 2xx to a request that could write, state identical, workerd never died, and both control changes
 * were detected. Env: FUZZ_REQUESTS (default 120000), FUZZ_CONCURRENCY (16), FUZZ_SEED (random), FUZZ_MAX_SECONDS
 * (900), FUZZ_PROBE_REQUESTS (2000), FUZZ_KEEP (keep the state dir), EDGE_METRICS_BUNDLE (skip the build).
 */
import { randomBytes } from "node:crypto";
import { clientTls, runMain, WorkerdNode } from "../../test/harness";
import { generate } from "./generators";
import type { Ctx } from "./inputs";
import { runLoad } from "./load";
import { checkRequests, checkRows, startProbe } from "./probe";
import { reseed } from "./random";
import { WORKERD_FRONT_END } from "./shapes";
import { blankContent, diffLines, dumpState } from "./state-dump";
import { printSummary } from "./summary";

const TARGET = Number(process.env.FUZZ_REQUESTS ?? 120_000);
const MIN_REQUIRED = Math.min(100_000, TARGET);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 16);
const SEED = Number(process.env.FUZZ_SEED ?? randomBytes(4).readUInt32LE(0));
const MAX_SECONDS = Number(process.env.FUZZ_MAX_SECONDS ?? 900);
const PROBE_REQUESTS = Number(process.env.FUZZ_PROBE_REQUESTS ?? 2000);
const t0 = performance.now();
const log = (s: string) => process.stderr.write(`[fuzz ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);
const fmt = (n: number) => n.toLocaleString("en-US");

/** Proves the front-end table on this workerd; returns problems (none = the table holds). */
async function checkFrontEnd(ctx: Ctx): Promise<string[]> {
  const probe = await startProbe();
  try {
    const problems = await checkRows(probe);
    reseed(SEED ^ 0x5bd1e995); // a sample of its own, so the main sequence stays the one FUZZ_SEED names
    const sample = Array.from({ length: PROBE_REQUESTS }, (_, i) => generate(ctx, i));
    const checked = await checkRequests(probe, sample);
    const rows = WORKERD_FRONT_END.map((r) => `${r.shape} ${r.status}: ${checked.tally.get(r.shape)?.frontEnd ?? 0}`).join(", ");
    log(`front-end table: ${WORKERD_FRONT_END.length} rows hold on their examples; ${fmt(PROBE_REQUESTS)} generated requests at a probe worker: ${rows}; ` +
      `${checked.tally.get("other")?.worker ?? 0} others reached the Worker; ${checked.problems.length} disagreements`);
    return [...problems, ...checked.problems.slice(0, 10)];
  } finally {
    await probe.stop();
  }
}

async function main(): Promise<number> {
  const deadline = Date.now() + MAX_SECONDS * 1000;
  log(`seed ${SEED}, target ${fmt(TARGET)} requests, concurrency ${CONCURRENCY}`);
  const errorLines: string[] = [];
  const node = await WorkerdNode.create({
    name: "fuzz-workerd",
    tokens: [
      { name: "fuzz-writer", namespaces: ["*"], operations: ["write"] },
      { name: "fuzz-scoped", namespaces: ["fz-scoped"], metrics: ["fz_ok_*"], operations: ["write"] },
      { name: "control", namespaces: ["*"], operations: ["write"] },
    ],
    vars: { WRITE_RATE_LIMIT: "100000000/1" },
    defaultTtlSeconds: 604_800,
    start: {
      lifetimeSeconds: MAX_SECONDS + 300,
      onLine: (l) => {
        if (/error|exception|failed/i.test(l) && !/^stack: /.test(l) && errorLines.length < 200_000) errorLines.push(l);
      },
    },
  });
  const ctx: Ctx = { publicPort: node.publicPort, writer: node.tokens["fuzz-writer"]!, scoped: node.tokens["fuzz-scoped"]!, readToken: node.readToken };
  const failures: string[] = [];
  const post = async (path: string, body: string) => {
    const r = await fetch(`${node.base}${path}`, { method: "POST", body, headers: { authorization: `Bearer ${node.tokens.control}` } });
    return { status: r.status, text: await r.text() };
  };
  try {
    const frontEnd = await checkFrontEnd(ctx);
    if (frontEnd.length) {
      console.log(`\nFAIL\n  the front-end table does not match this workerd:\n    ${frontEnd.join("\n    ")}`);
      return 1;
    }
    reseed(SEED);

    // ---- what a Durable Object holds when it was only read (a read of an unseen namespace instantiates one)
    await node.start();
    const read = await fetch(`${node.base}/apis/custom.metrics.k8s.io/v1beta2/namespaces/fz-blank-probe/pods/*/m`, { headers: { authorization: `Bearer ${node.readToken}` } });
    await read.text();
    if (read.status !== 404) throw new Error(`blank read → ${read.status}`);
    await node.stop();
    const blank = blankContent(node.stateDir);

    // ---- baseline
    await node.start();
    const ts = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000).toISOString().replace(".000Z", "Z");
    const value = (v: string, extra: Record<string, unknown> = {}) => JSON.stringify({ value: v, timestamp: ts, ttlSeconds: 604_800, ...extra });
    const baseline: [string, string][] = [
      ["/write-metrics/namespaces/fz-a/pods/web-0/http_requests", value("42", { objectLabels: { app: "web" } })],
      ["/write-metrics/namespaces/fz-a/pods/web-1/http_requests", value("1500m", { objectLabels: { app: "web" }, labels: { verb: "GET" } })],
      ["/write-metrics/namespaces/fz-a/deployments.apps/web/requests_per_second", value("3")],
      ["/write-metrics/namespaces/fz-b/services/api/queue_depth", value("1Gi", { windowSeconds: 60 })],
      ["/write-metrics/namespaces/fz-b/widgets.example.com/w1/queue_depth", value("12")],
      ["/write-metrics/namespaces/fz-scoped/pods/web-0/fz_ok_rps", value("5")],
      ["/write-metrics/nodes/node-1/temperature", value("70")],
      ["/write-metrics/namespaces/default/metrics/http_requests", value("9")],
      ["/write-external-metrics/namespaces/fz-a/queue_depth", value("100", { labels: { queue: "orders" } })],
      ["/write-external-metrics/namespaces/default/backlog", value("3k")],
      ["/write-metrics", JSON.stringify([{ namespace: "kube-system", resource: "pods", name: "a.b.c", metric: "http_requests", value: "1", timestamp: ts, ttlSeconds: 604_800 }, { resource: "nodes", name: "web-1", metric: "queue_depth", value: "2", timestamp: ts, ttlSeconds: 604_800 }])],
    ];
    for (const [path, body] of baseline) {
      const r = await post(path, body);
      if (r.status !== 200) throw new Error(`baseline write ${path} → ${r.status} ${r.text}`);
    }
    await node.stop();
    const before = dumpState(node.stateDir, blank);
    log(`baseline: ${before.rows} rows in ${before.files} SQLite files (${before.blankFiles} blank), sha256 ${before.sha256.slice(0, 16)}…`);

    // ---- idle restart must not change the dump (otherwise the comparison below would mean nothing)
    await node.start();
    await node.stop();
    const idle = dumpState(node.stateDir, blank);
    const idleSame = idle.sha256 === before.sha256;
    if (!idleSame) failures.push(`an idle restart changed the state dump:\n    ${diffLines(before, idle).join("\n    ")}`);

    // ---- fuzz
    await node.start();
    const endpoints = { public: { port: node.publicPort }, aggregator: { port: node.aggregatorPort, tls: clientTls(node.pki) } };
    const load = await runLoad(ctx, { target: TARGET, concurrency: CONCURRENCY, deadline, endpoints, alive: () => node.running, log });
    const workerdDied = load.stoppedEarly || !node.running;
    await node.stop();
    const after = dumpState(node.stateDir, blank);
    const identical = after.sha256 === before.sha256;

    // ---- control: prove the dump sees a single changed value, and a new series
    await node.start();
    const c1 = (await post("/write-metrics/namespaces/fz-a/pods/web-0/http_requests", value("43"))).status; // same timestamp and TTL
    await node.stop();
    const changed = dumpState(node.stateDir, blank);
    await node.start();
    const c2 = (await post("/write-metrics/namespaces/fz-a/pods/web-9/http_requests", value("1"))).status;
    await node.stop();
    const added = dumpState(node.stateDir, blank);
    const valueDiff = diffLines(after, changed);
    const detectsValue = c1 === 200 && changed.sha256 !== after.sha256 && valueDiff.length === 2 && valueDiff.every((l) => l.includes("web-0"));
    const detectsRow = c2 === 200 && added.sha256 !== changed.sha256 && added.rows > changed.rows;

    printSummary({
      seed: SEED, concurrency: CONCURRENCY, load, errorLines, before, after, idleSame, workerdDied, startTimesMs: node.startTimesMs,
      control: { detectsValue, detectsRow, c1, c2, valueDiff, rowsChanged: changed.rows, rowsAdded: added.rows },
      totalSeconds: (performance.now() - t0) / 1000,
    });

    if (load.done < MIN_REQUIRED) failures.push(`only ${load.done} requests were sent (need ${MIN_REQUIRED}); raise FUZZ_MAX_SECONDS`);
    if (load.fiveXX > 0) failures.push(`${load.fiveXX} responses were 5xx outside the front-end table`);
    if (load.writes2xx > 0) failures.push(`${load.writes2xx} malformed mutating requests were answered 2xx`);
    if (!identical) failures.push("the stored state changed");
    if (workerdDied) failures.push("workerd died during the run");
    if (!detectsValue) failures.push("control: the dump did not detect a single changed value");
    if (!detectsRow) failures.push("control: the dump did not detect a new series");
    console.log(failures.length ? `\nFAIL\n  ${failures.join("\n  ")}` : "\nPASS");
    return failures.length ? 1 : 0;
  } finally {
    await node.dispose(failures.length > 0 || !!process.env.FUZZ_KEEP, log);
  }
}

runMain(main);
