/**
 * Attack g of the suite: the storage under the edge node fails. A zeroed catalog file and a zeroed partition
 * file (written while workerd is stopped, as a wiped disk block would leave them), a full disk (a tmpfs the suite
 * mounts for one node's state and fills), and SIGKILL in the middle of batches that span namespaces. Each checks
 * the documented answer: the catalog is rebuilt and writes keep succeeding; only the broken namespace gets 503;
 * a full disk gets 507 with Retry-After while reads work; a batch is committed namespace by namespace and a retry
 * completes it.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { sleep, tlsRequest } from "../../test/harness";
import { fmtStatuses } from "./edge-attacks";
import { catalogFiles, partitionFile, zeroFile } from "./sqlite-files";
import { bounded, eventually, send, Tally } from "./traffic";
import type { AttackContext, AttackOutcome, Check } from "./types";

const json = { "content-type": "application/json" };

async function restart(x: AttackContext, between: () => void | Promise<void>): Promise<number> {
  const down = Date.now();
  await x.node.stop();
  await between();
  const ms = await x.node.start();
  x.downtime(down, Date.now());
  return ms;
}

async function discoveryNames(x: AttackContext): Promise<{ status: number; names: string[] }> {
  const r = await tlsRequest({ port: x.aggregatorPort, path: "/apis/custom.metrics.k8s.io/v1beta2", ...x.clientTls });
  const names = r.status === 200 ? ((JSON.parse(r.body ?? "{}").resources ?? []) as { name: string }[]).map((e) => e.name) : [];
  return { status: r.status ?? 0, names };
}

/** g1. The catalog's file is zeroed while workerd is stopped; after the restart discovery and writes keep working. */
export async function catalogZeroed(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const w = { authorization: `Bearer ${x.tokens.writer}`, ...json };
  for (const ns of ["cat-a", "cat-b"]) {
    tally.add(await send(`${x.base}/write-metrics/namespaces/${ns}/pods/p-0/${ns.replace("-", "_")}_load`, { method: "POST", headers: w, body: JSON.stringify({ value: "1", ttlSeconds: 86_400 }) }), `seed ${ns}`);
  }
  let zeroed = 0;
  const startMs = await restart(x, () => {
    for (const f of catalogFiles(x.node.stateDir)) zeroed += zeroFile(f) > 0 ? 1 : 0;
  });
  checks.push({ name: "the catalog file was found and zeroed", ok: zeroed >= 1, detail: `${zeroed} file(s)` });
  const t0 = Date.now();
  const first = await discoveryNames(x);
  checks.push({ name: "discovery answers 200 right after the restart", ok: first.status === 200, detail: `${first.status}, ${first.names.length} entries` });
  // Committed writes must never be answered 500: a burst over old and new namespaces right after the restart.
  const burst = new Tally();
  await bounded(4, 200, 20, async (i) => {
    const ns = ["cat-a", "cat-c", "hpa-side", "cat-d"][i % 4]!;
    burst.add(await send(`${x.base}/write-metrics/namespaces/${ns}/pods/p-${i}/after_restart`, { method: "POST", headers: w, body: JSON.stringify({ value: String(i), ttlSeconds: 86_400 }) }), `write ${ns}`);
  });
  tally.merge(burst);
  checks.push({ name: "every write after the restart succeeds (no 500)", ok: burst.count(200) === burst.requests, detail: fmtStatuses(burst) });
  const written = await eventually(10, async () => (await discoveryNames(x)).names.includes("pods/after_restart"));
  checks.push({ name: "metrics written after the restart are in discovery at once", ok: written, detail: written ? `within ${((Date.now() - t0) / 1000).toFixed(1)} s` : "not within 10 s" });
  // Untouched partitions re-report on their heartbeat: every 60 s, alarms rounded up to a 5 s grid.
  const untouched = await eventually(70, async () => (await discoveryNames(x)).names.includes("pods/cat_b_load"), 1000);
  const recoverS = (Date.now() - t0) / 1000;
  checks.push({ name: "an untouched namespace's metrics return to discovery within a heartbeat (60 s, 5 s alarm grid: ≤ 70 s)", ok: untouched, detail: `${untouched ? "after" : "not within"} ${recoverS.toFixed(1)} s` });
  return { tally, checks, restarts: true, figures: { "restart (ms)": startMs, "full discovery after (s)": Math.round(recoverS) } };
}

/** g2. One namespace's file is zeroed: 503 naming it for that namespace, everything else works. */
export async function partitionZeroed(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const w = { authorization: `Bearer ${x.tokens.writer}`, ...json };
  const r = { authorization: `Bearer ${x.readToken}` };
  const write = (ns: string, v: string) => send(`${x.base}/write-metrics/namespaces/${ns}/pods/p-0/zero_load`, { method: "POST", headers: w, body: JSON.stringify({ value: v, ttlSeconds: 86_400 }) });
  const read = (ns: string) => send(`${x.base}/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/p-0/zero_load`, { headers: r });
  for (const ns of ["broken", "intact"]) tally.add(await write(ns, "1"), `seed ${ns}`);
  const file = partitionFile(x.node.stateDir, "ns:broken");
  await restart(x, () => void zeroFile(file));
  const answers = { readBroken: tally.add(await read("broken"), "read broken"), writeBroken: tally.add(await write("broken", "2"), "write broken") };
  for (const [what, a] of Object.entries(answers)) {
    checks.push({ name: `${what}: 503 naming ns:broken, with Retry-After`, ok: a.status === 503 && a.body.includes("ns:broken") && !!a.headers?.get("retry-after"), detail: `${a.status} ${a.body.slice(0, 160)}` });
  }
  const readIntact = tally.add(await read("intact"), "read intact");
  const writeIntact = tally.add(await write("intact", "2"), "write intact");
  checks.push({ name: "the other namespace reads and writes normally", ok: readIntact.status === 200 && writeIntact.status === 200, detail: `read ${readIntact.status}, write ${writeIntact.status}` });
  const d = await discoveryNames(x);
  checks.push({ name: "discovery answers 200", ok: d.status === 200, detail: String(d.status) });
  // The operator's repair: remove the file; the namespace starts empty and takes writes again.
  await restart(x, () => {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  });
  const again = tally.add(await write("broken", "3"), "write broken after removal");
  checks.push({ name: "after the operator removes the file, the namespace takes writes again", ok: again.status === 200, detail: `${again.status} ${again.body.slice(0, 120)}` });
  return { tally, checks, restarts: true, figures: {} };
}

/** g3. The state directory's filesystem is full: writes 507 + Retry-After, reads work, writes recover with space. */
export async function diskFull(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const w = { authorization: `Bearer ${x.tokens.writer}`, ...json };
  const filler = join(x.node.stateDir, "filler");
  let filled = 0;
  const fd = openSync(filler, "w");
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
          filled += size;
        } catch {
          break; // ENOSPC
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  // New series in a namespace that has a file (hpa), and in namespaces that would need a new one.
  const full = new Tally();
  const fresh = new Tally();
  await bounded(2, 40, 30, async (i) => {
    const namespace = i % 2 ? "hpa" : `full-new-${i}`;
    const items = Array.from({ length: 200 }, (_, k) => ({ namespace, resource: "pods", name: `p-${i}-${k}`, metric: "fill_load", value: "1", ttlSeconds: 86_400 }));
    (i % 2 ? full : fresh).add(await send(`${x.base}/write-metrics`, { method: "POST", headers: w, body: JSON.stringify(items) }), `write to ${namespace} on a full disk`);
  });
  tally.merge(fresh);
  tally.merge(full);
  const only507 = (t: Tally) => t.count(507) > 0 && t.count(507) === t.designed.get("507 disk full (Retry-After)") && t.count(507) + t.count(200) === t.requests;
  checks.push({ name: "new series in an existing namespace on a full disk: 507 with Retry-After", ok: only507(full), detail: fmtStatuses(full) });
  checks.push({ name: "a new namespace on a full disk: 507 with Retry-After", ok: only507(fresh), detail: fmtStatuses(fresh) });
  const pods = tally.add(await send(`${x.base}/apis/custom.metrics.k8s.io/v1beta2/namespaces/hpa/pods/*/http_requests?labelSelector=app%3Dweb`, { headers: { authorization: `Bearer ${x.readToken}` } }), "read while full");
  const d = await discoveryNames(x);
  checks.push({ name: "reads work while the disk is full (Pods read, discovery)", ok: pods.status === 200 && d.status === 200, detail: `pods ${pods.status}, discovery ${d.status}` });
  rmSync(filler);
  const recovered = await eventually(30, async () => {
    const a = tally.add(await send(`${x.base}/write-metrics/namespaces/full/pods/recovered/fill_load`, { method: "POST", headers: w, body: JSON.stringify({ value: "1", ttlSeconds: 86_400 }) }), "write after space returns");
    return a.status === 200;
  });
  checks.push({ name: "writes succeed again once space returns", ok: recovered, detail: recovered ? "yes" : "not within 30 s" });
  const refused = tally.add(await send(`${x.base}/write-metrics/namespaces/full-new-0/pods/again/fill_load`, { method: "POST", headers: w, body: JSON.stringify({ value: "1", ttlSeconds: 86_400 }) }), "write to a namespace refused while full");
  checks.push({ name: "a namespace whose first write was refused on the full disk takes writes once space returns", ok: refused.status === 200, detail: `${refused.status} ${refused.body.slice(0, 160)}` });
  checks.push({ name: "workerd stayed up on a full disk", ok: x.node.running, detail: x.node.running ? "yes" : "no" });
  return { tally, checks, figures: { "filler bytes": filled } };
}

/** g4. SIGKILL while batches spanning 5 namespaces are in flight; what got stored, and whether retries complete it. */
export async function killDuringBatches(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const w = { authorization: `Bearer ${x.tokens.batcher}`, ...json };
  const nss = ["kill-0", "kill-1", "kill-2", "kill-3", "kill-4"];
  const batchOf = (s: number) => JSON.stringify(nss.map((ns) => ({ namespace: ns, resource: "pods", name: `b-${s}`, metric: "batch_seq", value: String(s), ttlSeconds: 86_400 })));
  const acked = new Set<number>();
  const sent = new Set<number>();
  let seq = 0;
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const s = seq++;
      sent.add(s);
      const a = await send(`${x.base}/write-metrics`, { method: "POST", headers: w, body: batchOf(s), timeoutMs: 5_000 });
      if (a.status !== 0) tally.add(a, "batch");
      if (a.status === 200) acked.add(s);
      if (a.status === 0) await sleep(20);
    }
  };
  const writers = Array.from({ length: 4 }, writer);
  const kills = 3;
  for (let k = 0; k < kills; k++) {
    await sleep(1_500 + Math.random() * 1_500);
    const down = Date.now();
    await x.node.crash();
    await sleep(200);
    await x.node.start();
    x.downtime(down, Date.now());
  }
  await sleep(1_000);
  stop = true;
  await Promise.all(writers);
  const stored = async () => {
    const where = new Map<number, number>();
    for (const ns of nss) {
      const a = await send(`${x.base}/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/*/batch_seq`, { headers: { authorization: `Bearer ${x.readToken}` } });
      for (const it of a.status === 200 ? (JSON.parse(a.body).items as { describedObject: { name: string } }[]) : []) {
        const s = Number(it.describedObject.name.slice(2));
        where.set(s, (where.get(s) ?? 0) + 1);
      }
    }
    return where;
  };
  const where = await stored();
  const full = [...sent].filter((s) => where.get(s) === nss.length);
  const partial = [...sent].filter((s) => (where.get(s) ?? 0) > 0 && where.get(s)! < nss.length);
  const none = [...sent].filter((s) => !where.has(s));
  const lostAcked = [...acked].filter((s) => where.get(s) !== nss.length);
  checks.push({ name: "every acknowledged batch is stored in all 5 namespaces", ok: lostAcked.length === 0, detail: `${acked.size} acknowledged, ${lostAcked.length} incomplete` });
  for (const s of partial) tally.add(await send(`${x.base}/write-metrics`, { method: "POST", headers: w, body: batchOf(s) }), "retry of a partial batch");
  const after = await stored();
  const completed = partial.filter((s) => after.get(s) === nss.length);
  checks.push({ name: "retrying a partially stored batch completes it (idempotent)", ok: completed.length === partial.length, detail: `${partial.length} partial, ${completed.length} completed by a retry` });
  return {
    tally, checks, restarts: true,
    figures: { "SIGKILLs": kills, "batches sent": sent.size, "acknowledged": acked.size, "stored whole": full.length, "stored partially": partial.length, "not stored": none.length },
  };
}
