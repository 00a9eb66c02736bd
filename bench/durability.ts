/**
 * `npm run durability`: durability under faults on a real edge node (workerd + the real bundle + SQLite
 * Durable Objects on local disk).
 *
 * Several concurrent writers push to the public socket for DUR_SECONDS (default 75) while workerd is killed
 * with SIGKILL at random moments (DUR_KILLS, default 6, at least 5) and restarted on the same state dir.
 * Each writer mixes three kinds of write, and records every 2xx acknowledgement:
 *   - a unique object series per write (pods/<writer>-<seq>, value = seq): must be readable with that value;
 *   - a counter per writer (external metric, labels writer=<w>, value strictly increasing): the value read
 *     must be ≥ the last acknowledged one (a later, unacknowledged write may have landed too);
 *   - a batch of three unique series across two namespaces (two Durable Objects): all three must be readable.
 * After the load, workerd is killed once more and restarted, and everything is read back through the public
 * socket with the read token. Connection errors while workerd is down are expected and counted as failed.
 *
 * Exit code 0 only if lost = 0, at least DUR_KILLS kills happened and something was acknowledged after every
 * restart. Env: DUR_SECONDS, DUR_KILLS, DUR_WRITERS (default 8), DUR_SEED, EDGE_METRICS_BUNDLE.
 */
import { randomBytes } from "node:crypto";
import { canonicalizeQuantity, compareQuantities, parseQuantity } from "../src/apimachinery/quantity";
import { runMain, sleep, WorkerdNode } from "../test/harness";
import { seededRandom } from "./lib/random";

const SECONDS = Number(process.env.DUR_SECONDS ?? 75);
const KILLS = Math.max(5, Number(process.env.DUR_KILLS ?? 6));
const WRITERS = Number(process.env.DUR_WRITERS ?? 8);
const SEED = Number(process.env.DUR_SEED ?? randomBytes(4).readUInt32LE(0));
const NAMESPACES = ["dur-a", "dur-b", "dur-c", "dur-d"];
const t0 = performance.now();
const log = (s: string) => process.stderr.write(`[durability ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);

const rand = seededRandom(SEED);

interface Acked {
  namespace: string;
  name: string;
  value: string;
}

async function main(): Promise<number> {
  log(`seed ${SEED}, ${WRITERS} writers, ${SECONDS} s, ${KILLS} kills`);
  const node = await WorkerdNode.create({
    name: "durability-workerd",
    tokens: [{ name: "dur-writer", namespaces: ["*"], operations: ["write"] }],
    vars: { WRITE_RATE_LIMIT: "100000000/1" },
    defaultTtlSeconds: 86_400,
    start: { lifetimeSeconds: SECONDS + 600 },
  });
  const base = `http://127.0.0.1:${node.publicPort}`;
  const token = node.tokens["dur-writer"]!;
  let ok = false;
  try {
    await node.start();

    const unique: Acked[] = [];
    const lastCounter = new Map<string, bigint>(); // writer label → last acknowledged value
    const stats = { attempts: 0, acked: 0, ackedUnique: 0, ackedCounter: 0, ackedBatch: 0, failed: 0, refused: new Map<number, number>() };
    const ackTimes: number[] = [];
    const refusedSamples: string[] = [];
    let stopping = false;

    const post = async (path: string, body: string): Promise<number | "error"> => {
      stats.attempts++;
      try {
        const r = await fetch(`${base}${path}`, {
          method: "POST", body, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, signal: AbortSignal.timeout(5_000),
        });
        const text = await r.text();
        if (r.status !== 200) {
          stats.refused.set(r.status, (stats.refused.get(r.status) ?? 0) + 1);
          if (refusedSamples.length < 5) refusedSamples.push(`${r.status} POST ${path} ${body.slice(0, 100)} → ${text.slice(0, 200)}`);
        }
        return r.status;
      } catch {
        stats.failed++;
        return "error";
      }
    };

    const writer = async (w: number) => {
      const label = `w${w}`;
      const ns = NAMESPACES[w % NAMESPACES.length]!;
      let seq = 0;
      let counter = 0n;
      while (!stopping) {
        const r = rand();
        let status: number | "error";
        if (r < 0.45) {
          const s = ++seq;
          const name = `${label}-${s}`;
          status = await post(`/write-metrics/namespaces/${ns}/pods/${name}/dur_unique`, `"${s}"`);
          if (status === 200) {
            unique.push({ namespace: ns, name, value: canonicalizeQuantity(String(s)) });
            stats.ackedUnique++;
          }
        } else if (r < 0.85) {
          const v = ++counter;
          status = await post(`/write-external-metrics/namespaces/${ns}/dur_counter?labels=writer=${label}`, `"${v}"`);
          if (status === 200) {
            lastCounter.set(label, v);
            stats.ackedCounter++;
          }
        } else {
          const items = [0, 1, 2].map((k) => {
            const s = ++seq;
            return { namespace: k === 2 ? NAMESPACES[(w + 1) % NAMESPACES.length]! : ns, resource: "pods", name: `${label}-${s}`, metric: "dur_unique", value: String(s) };
          });
          status = await post("/write-metrics", JSON.stringify(items));
          if (status === 200) {
            for (const it of items) unique.push({ namespace: it.namespace, name: it.name, value: canonicalizeQuantity(it.value) });
            stats.ackedBatch++;
          }
        }
        if (status === 200) {
          stats.acked++;
          ackTimes.push(performance.now());
        } else await sleep(status === "error" ? 20 : 5); // down or refusing: do not spin
      }
    };

    // Kill schedule: KILLS moments spread over the run (random within equal slots, away from the edges).
    const start = performance.now();
    const slot = (SECONDS * 1000 - 6_000) / KILLS;
    const killAt = Array.from({ length: KILLS }, (_, i) => 3_000 + i * slot + rand() * (slot - 1_500));
    const kills: { atMs: number; downMs: number; restartMs: number; ackedBefore: number }[] = [];
    const killer = async () => {
      for (const at of killAt) {
        const wait = at - (performance.now() - start);
        if (wait > 0) await sleep(wait);
        const ackedBefore = stats.acked;
        const tKill = performance.now();
        await node.crash();
        const down = 100 + Math.floor(rand() * 1400);
        await sleep(down);
        const restartMs = await node.start();
        kills.push({ atMs: Math.round(tKill - start), downMs: Math.round(performance.now() - tKill), restartMs, ackedBefore });
        log(`kill ${kills.length}/${KILLS} at ${(tKill - start) / 1000 | 0}s: SIGKILL, down ${Math.round(performance.now() - tKill)} ms (restart ${restartMs} ms); acknowledged so far ${stats.acked}`);
      }
    };

    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const killing = killer();
    const progress = setInterval(() => log(`${stats.attempts} attempts, ${stats.acked} acknowledged, ${stats.failed} failed`), 10_000);
    await sleep(SECONDS * 1000);
    stopping = true;
    await killing;
    await Promise.all(writers);
    clearInterval(progress);
    const loadSeconds = (performance.now() - start) / 1000;

    // A final SIGKILL right after the load, so what is read back has survived a crash.
    await node.crash();
    await node.start();

    // Acknowledgements after each restart (the node really came back and took writes).
    const ackedAfterEachRestart = kills.map((k, i) => {
      const restartedAt = start + k.atMs + k.downMs;
      const nextKill = i + 1 < kills.length ? start + kills[i + 1]!.atMs : Infinity;
      return ackTimes.filter((t) => t > restartedAt && t < nextKill).length;
    });

    // ---- verify
    const read = async (path: string) => {
      const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${node.readToken}` }, signal: AbortSignal.timeout(60_000) });
      const text = await r.text();
      if (r.status === 404) return [];
      if (r.status !== 200) throw new Error(`read ${path} → ${r.status} ${text.slice(0, 300)}`);
      return (JSON.parse(text) as { items: Record<string, unknown>[] }).items;
    };
    const stored = new Map<string, string>(); // ns/name → value
    for (const ns of NAMESPACES) {
      for (const item of await read(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/*/dur_unique`)) {
        stored.set(`${ns}/${(item.describedObject as { name: string }).name}`, item.value as string);
      }
    }
    const counters = new Map<string, string>();
    for (const ns of NAMESPACES) {
      for (const item of await read(`/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/dur_counter`)) {
        counters.set((item.metricLabels as Record<string, string>).writer!, item.value as string);
      }
    }
    const lost: string[] = [];
    let lostCount = 0;
    for (const a of unique) {
      const v = stored.get(`${a.namespace}/${a.name}`);
      if (v !== a.value) {
        lostCount++;
        if (lost.length < 10) lost.push(`series ${a.namespace}/pods/${a.name}: acknowledged ${a.value}, read ${v ?? "nothing"}`);
      }
    }
    for (const [label, acked] of lastCounter) {
      const v = counters.get(label);
      if (v === undefined || compareQuantities(parseQuantity(v), parseQuantity(String(acked))) < 0) {
        lostCount++;
        if (lost.length < 10) lost.push(`counter ${label}: last acknowledged ${acked}, read ${v ?? "nothing"}`);
      }
    }
    const counterAhead = [...lastCounter].filter(([label, acked]) => {
      const v = counters.get(label);
      return v !== undefined && compareQuantities(parseQuantity(v), parseQuantity(String(acked))) > 0;
    }).length;

    // ---- report
    const refused = [...stats.refused].sort((a, b) => b[1] - a[1]);
    const refusedTotal = refused.reduce((s, [, n]) => s + n, 0);
    console.log("\n=== durability summary ===");
    console.log(`seed                  ${SEED}`);
    console.log(`load                  ${WRITERS} writers for ${loadSeconds.toFixed(1)} s against the public socket`);
    console.log(`attempts              ${stats.attempts}`);
    console.log(`acknowledged (2xx)    ${stats.acked} (${stats.ackedUnique} unique series, ${stats.ackedCounter} counter updates, ${stats.ackedBatch} batches of 3 across 2 objects) = ${unique.length} unique series + ${lastCounter.size} counters to verify`);
    console.log(`failed (no response)  ${stats.failed} (connection refused/reset while workerd was down or dying)`);
    console.log(`refused (non-2xx)     ${refusedTotal}${refused.length ? ` (${refused.map(([s, n]) => `${s}: ${n}`).join(", ")})` : ""}`);
    for (const l of refusedSamples) console.log(`    ${l}`);
    console.log(`kills (SIGKILL)       ${kills.length} + 1 after the load; at ${kills.map((k) => `${(k.atMs / 1000).toFixed(1)}s`).join(", ")}`);
    console.log(`downtime per kill     ${kills.map((k) => `${k.downMs} ms`).join(", ")} (restart to ready: ${node.startTimesMs.slice(1).join(", ")} ms)`);
    console.log(`acked after restarts  ${ackedAfterEachRestart.join(", ")}`);
    console.log(`read back             ${stored.size} series, ${counters.size} counters (${counterAhead} ahead of their last acknowledgement: an unacknowledged write landed)`);
    console.log(`lost                  ${lostCount}`);
    for (const l of lost) console.log(`    ${l}`);
    console.log(`total time            ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const failures: string[] = [];
    if (lostCount > 0) failures.push(`${lostCount} acknowledged writes were lost`);
    if (kills.length < KILLS) failures.push(`only ${kills.length} kills happened`);
    if (ackedAfterEachRestart.some((n) => n === 0)) failures.push("some restart was followed by no acknowledged write");
    if (stats.acked === 0) failures.push("nothing was acknowledged");
    console.log(failures.length ? `\nFAIL\n  ${failures.join("\n  ")}` : "\nPASS");
    ok = failures.length === 0;
    return ok ? 0 : 1;
  } finally {
    await node.dispose(!ok || !!process.env.DUR_KEEP, log);
  }
}

runMain(main);
