/**
 * Attacks on the edge node's public socket by credential holders (a, b, c, d, e, h of the suite; storage in
 * ./storage-attacks.ts, the bridge in ./bridge-attacks.ts). Each is a bounded burst of requests plus the checks
 * that say whether the node answered as designed; ./main.ts wraps each one with the memory, disk and HPA
 * measurements. Every loop is bounded in count and in time.
 */
import { createGzip, gzipSync } from "node:zlib";
import { tlsRequest } from "../../test/harness";
import { bounded, eventually, send, Tally, type Answer, type SendInit } from "./traffic";
import type { AttackContext, AttackOutcome, Check } from "./types";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const json = { "content-type": "application/json" };

let bombCache: Buffer | null = null;
/** gzip of 1 GiB of zeros (about 1 MiB), made once by streaming so the suite never holds the GiB. */
export async function gzipBomb(): Promise<Buffer> {
  if (bombCache) return bombCache;
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on("data", (c: Buffer) => parts.push(c));
  const done = new Promise((res) => gz.on("end", res));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await new Promise((res) => gz.once("drain", res));
  gz.end();
  await done;
  return (bombCache = Buffer.concat(parts));
}

/** a. 8 concurrent 1 MiB → 1 GiB gzip bodies, with a read-only token and with a write token. */
export async function gzipBombs(x: AttackContext): Promise<AttackOutcome> {
  const bomb = await gzipBomb();
  const tally = new Tally();
  const checks: Check[] = [];
  const targets = [
    { path: "/write-metrics", type: "application/json" },
    { path: "/v1/metrics", type: "application/x-protobuf" },
  ];
  const byToken: Record<string, Tally> = {};
  let unasked = 0;
  for (const who of ["reader", "writer"] as const) {
    const t = (byToken[who] = new Tally());
    await bounded(8, 48, 60, async (i) => {
      const { path, type } = targets[i % targets.length]!;
      // The read-only token asks before sending (Expect: 100-continue), so a refusal is seen to come before the body.
      const a = await send(`${x.base}${path}`, {
        method: "POST", body: bomb, headers: { authorization: `Bearer ${x.tokens[who]}`, "content-type": type, "content-encoding": "gzip" }, expectContinue: who === "reader",
      });
      if (who === "reader" && a.bodySent) unasked++;
      tally.add(a, `${who} bomb ${path}`);
      t.add(a, `${who} bomb ${path}`);
    });
  }
  const only = (t: Tally, allowed: string[]) => [...t.statuses.keys()].every((k) => allowed.includes(k));
  checks.push({
    name: "read-only token: 403 before the body is sent (429 past 2 large bodies in flight)",
    ok: only(byToken.reader!, ["403", "429"]) && byToken.reader!.count(403) > 0 && unasked === 0,
    detail: `${fmtStatuses(byToken.reader!)}; bodies the server asked for: ${unasked}`,
  });
  checks.push({ name: "write token: 413 once 8 MiB are inflated (or 429 past 2 large bodies in flight)", ok: only(byToken.writer!, ["413", "429"]) && byToken.writer!.count(413) > 0, detail: fmtStatuses(byToken.writer!) });
  return { tally, checks, figures: { "bomb bytes (compressed)": bomb.length, "bomb bytes (inflated)": 1024 ** 3 } };
}

/** b. 8 readers of never-written namespaces, valid and invalid names: no state created, READ_RATE_LIMIT holds. */
export async function ghostReads(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const invalid = new Tally();
  const valid = new Tally();
  const before = x.disk();
  const longNs = "a".repeat(3000);
  const unicode = ["ünïcödé", "名前空間", "ns-😀", "ＡＢＣ"];
  const rand = () => `ghost-${Math.random().toString(36).slice(2, 10)}`;
  const t0 = Date.now();
  // Until READ_RATE_LIMIT has visibly bitten (200 refusals), bounded by count and time.
  await bounded(8, 40_000, 45, async (i) => {
    const kind = i % 10;
    let path: string;
    let bad = false;
    if (kind < 4) path = `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${rand()}/pods/*/http_requests?labelSelector=app%3Dweb`;
    else if (kind < 7) path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/${rand()}/queue_depth`;
    else {
      bad = true;
      const ns = kind === 7 ? longNs : encodeURIComponent(unicode[i % unicode.length]!);
      path = i % 2 ? `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/queue_depth` : `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/*/m`;
    }
    const a = await send(`${x.base}${path}`, { headers: { authorization: `Bearer ${x.tokens.tenantReader}` } });
    tally.add(a, `GET ${path.slice(0, 120)}`);
    (bad ? invalid : valid).add(a, path.slice(0, 120));
  }, () => tally.count(429) >= 200);
  const seconds = (Date.now() - t0) / 1000;
  const after = x.disk();
  const limit = x.readRateLimit;
  const admitted = tally.requests - tally.count(429);
  // A token bucket: the burst, plus the refill over the run, plus requests already in flight when it ran dry.
  const allowance = limit.requests + (limit.requests / limit.periodSeconds) * seconds + 16;
  const checks: Check[] = [
    { name: "no new .sqlite files (reads never create Durable Objects)", ok: after.sqliteFiles === before.sqliteFiles, detail: `${before.sqliteFiles} → ${after.sqliteFiles}` },
    { name: `429 past READ_RATE_LIMIT (${limit.requests}/${limit.periodSeconds}s)`, ok: tally.count(429) > 0 && admitted <= allowance, detail: `${admitted} admitted in ${seconds.toFixed(1)} s (allowance ${Math.round(allowance)}), ${tally.count(429)} × 429` },
    { name: "valid never-written namespaces: 404 (or 429)", ok: [...valid.statuses.keys()].every((k) => k === "404" || k === "429"), detail: fmtStatuses(valid) },
    { name: "invalid namespaces (3,000 chars, unicode): 400 (or 429), never looked up", ok: [...invalid.statuses.keys()].every((k) => k === "400" || k === "429") && invalid.count(400) > 0, detail: fmtStatuses(invalid) },
  ];
  return { tally, checks, figures: { "reads per second": Math.round(tally.requests / seconds) } };
}

/** c. Quantities of 1M and 3M digits written singly, and an 8.3M-digit batch with a read-only token. */
export async function hugeQuantities(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const slowest: number[] = [];
  const expect = async (what: string, status: number, url: string, init: SendInit) => {
    const answers: Answer[] = [];
    for (let k = 0; k < 3; k++) answers.push(tally.add(await send(url, init), what));
    slowest.push(Math.max(...answers.map((a) => a.ms)));
    // A refusal of a body sent at once may reach the client as a reset while it is still sending (status 0):
    // workerd closes the connection on the unread body.
    const ok = answers.every((a) => a.status === status || (status === 403 && a.status === 0));
    checks.push({ name: `${what} → ${status}`, ok, detail: `${answers.map((a) => a.status).join(", ")}; slowest ${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms; ${answers[0]!.body.slice(0, 160)}` });
  };
  const digits = (n: number) => `1${"0".repeat(n - 1)}`;
  const w = { authorization: `Bearer ${x.tokens.writer}`, ...json };
  for (const n of [1_000_000, 3_000_000]) {
    await expect(`${n.toLocaleString("en-US")}-digit object write`, 400, `${x.base}/write-metrics/namespaces/quantities/pods/p-0/http_requests`, { method: "POST", headers: w, body: JSON.stringify(digits(n)) });
    await expect(`${n.toLocaleString("en-US")}-digit external write`, 400, `${x.base}/write-external-metrics/namespaces/quantities/queue_depth`, { method: "POST", headers: w, body: JSON.stringify({ value: digits(n) }) });
  }
  const batch = JSON.stringify([{ namespace: "quantities", resource: "pods", name: "p-1", metric: "http_requests", value: digits(8_300_000) }]);
  const ro = { method: "POST", headers: { authorization: `Bearer ${x.tokens.reader}`, ...json }, body: batch };
  await expect("8,300,000-digit batch, read-only token, Expect: 100-continue", 403, `${x.base}/write-metrics`, { ...ro, expectContinue: true });
  const sent = checks.at(-1)!;
  const asked = (await Promise.all([0, 1, 2].map(() => send(`${x.base}/write-metrics`, { ...ro, expectContinue: true })))).filter((a) => a.bodySent).length;
  sent.ok &&= asked === 0;
  sent.detail += `; the server asked for the body ${asked} of 3 times`;
  await expect("8,300,000-digit batch, read-only token, sent at once (or a reset mid-upload)", 403, `${x.base}/write-metrics`, ro);
  await expect("8,300,000-digit batch, write token", 400, `${x.base}/write-metrics`, { method: "POST", headers: w, body: batch });
  const gz = gzipSync(Buffer.from(batch));
  await expect("8,300,000-digit batch gzipped, write token", 400, `${x.base}/write-metrics`, { method: "POST", headers: { ...w, "content-encoding": "gzip" }, body: gz });
  return { tally, checks, figures: { "slowest refusal (ms)": Math.round(Math.max(...slowest)), "8.3M batch bytes": batch.length, "gzipped": gz.length } };
}

/** d. One namespace-scoped token writing 100k distinct metric names while 8 clients fetch discovery. */
export async function discoveryFlood(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const fetches = new Tally();
  const headers = { authorization: `Bearer ${x.tokens.flood}`, ...json };
  let stop = false;
  let maxDoc = 0;
  let slowestDiscovery = 0;
  const discovery = async () => {
    while (!stop) {
      const t0 = performance.now();
      const r = await tlsRequest({ port: x.aggregatorPort, path: "/apis/custom.metrics.k8s.io/v1beta2", ...x.clientTls });
      slowestDiscovery = Math.max(slowestDiscovery, performance.now() - t0);
      fetches.add({ status: r.status ?? 0, body: r.body ?? "", headers: null, ms: 0, error: r.error?.message }, "discovery");
      maxDoc = Math.max(maxDoc, Buffer.byteLength(r.body ?? ""));
    }
  };
  const fetchers = Array.from({ length: 8 }, discovery);
  let names = 0;
  // Singles from 16 concurrent clients (the in-flight cap of one credential) until the namespace is full and the
  // rate limit bites (bounded by time), then 10,000-name batches.
  await bounded(16, 20_000, 20, async (i) => {
    names++;
    tally.add(await send(`${x.base}/write-metrics/namespaces/flood/pods/p-0/flood_m${i}`, { method: "POST", headers, body: '"1"' }), "single");
  });
  const singles = names;
  for (let b = 0; names < 100_000 + singles && b < 12; b++) {
    const items = Array.from({ length: 10_000 }, (_, k) => ({ namespace: "flood", resource: "pods", name: "p-0", metric: `flood_b${b}_${k}`, value: "1" }));
    names += items.length;
    tally.add(await send(`${x.base}/write-metrics`, { method: "POST", headers, body: JSON.stringify(items) }), "batch");
  }
  stop = true;
  await Promise.all(fetchers);
  const doc = await tlsRequest({ port: x.aggregatorPort, path: "/apis/custom.metrics.k8s.io/v1beta2", ...x.clientTls });
  const entries = (JSON.parse(doc.body ?? "{}").resources ?? []) as { name: string }[];
  const flood = entries.filter((e) => e.name.startsWith("pods/flood_")).length;
  const checks: Check[] = [
    { name: `at most MAX_METRICS_PER_NAMESPACE (${x.maxMetricsPerNamespace}) of the names stored`, ok: tally.count(200) <= x.maxMetricsPerNamespace && flood <= x.maxMetricsPerNamespace, detail: `${tally.count(200)} writes accepted, ${flood} in discovery` },
    { name: "past the limits: 422 (limit named) or 429 (rate), nothing else", ok: [...tally.statuses.keys()].every((k) => ["200", "422", "429"].includes(k)) && tally.count(422) > 0, detail: fmtStatuses(tally) },
    { name: "discovery answered 200 throughout", ok: fetches.requests > 0 && fetches.count(200) === fetches.requests, detail: `${fetches.requests} fetches: ${fmtStatuses(fetches)}; slowest ${slowestDiscovery.toFixed(0)} ms` },
  ];
  return {
    tally, checks,
    figures: { "distinct names attempted": names, "discovery document max bytes": maxDoc, "discovery entries": entries.length, "discovery fetches": fetches.requests },
  };
}

/** e. Tenant A claims a CRD as namespaced with a 7-day TTL; a @cluster writer is refused until the claim lapses. */
export async function scopeSquatting(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const hold = x.scopeClaimHoldSeconds;
  const a = { authorization: `Bearer ${x.tokens.tenantA}`, ...json };
  const c = { authorization: `Bearer ${x.tokens.clusterWriter}`, ...json };
  const claim = tally.add(await send(`${x.base}/write-metrics/namespaces/tenant-a/gadgets.example.com/g1/gadget_load`, { method: "POST", headers: a, body: JSON.stringify({ value: "1", ttlSeconds: 604_800 }) }), "tenant A claim");
  const lastWrite = Date.now();
  checks.push({ name: "tenant A writes gadgets.example.com namespaced with a 7-day TTL", ok: claim.status === 200, detail: `${claim.status} ${claim.body.slice(0, 120)}` });
  const cluster = () => send(`${x.base}/write-metrics/gadgets.example.com/g1/gadget_load`, { method: "POST", headers: c, body: '"2"' });
  const refused = tally.add(await cluster(), "@cluster write while claimed");
  const retryAt = Date.parse(/retry after (\S+Z)/.exec(refused.body)?.[1] ?? "");
  checks.push({
    name: `@cluster writer refused with 409 naming when the claim lapses (SCOPE_CLAIM_HOLD_SECONDS=${hold})`,
    ok: refused.status === 409 && Math.abs(retryAt - (lastWrite + hold * 1000)) < 2_000,
    detail: `${refused.status}; lapses ${Number.isNaN(retryAt) ? "?" : `${((retryAt - lastWrite) / 1000).toFixed(1)} s`} after A's write: ${refused.body.slice(0, 200)}`,
  });
  const wait = (until: number) => new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
  await wait(lastWrite + (hold - 2) * 1000);
  const early = tally.add(await cluster(), "@cluster write 2 s before the lapse");
  checks.push({ name: "still 409 two seconds before the lapse", ok: early.status === 409, detail: String(early.status) });
  await wait(lastWrite + (hold + 1) * 1000);
  const later = tally.add(await cluster(), "@cluster write after the lapse");
  checks.push({ name: "the @cluster write succeeds once the claim lapsed", ok: later.status === 200, detail: `${later.status} ${later.body.slice(0, 120)}` });
  const back = tally.add(await send(`${x.base}/write-metrics/namespaces/tenant-a/gadgets.example.com/g1/gadget_load`, { method: "POST", headers: a, body: '"3"' }), "tenant A after losing the claim");
  checks.push({ name: "tenant A is now the one refused (409)", ok: back.status === 409, detail: String(back.status) });
  const listed = await eventually(5, async () => {
    const d = await tlsRequest({ port: x.aggregatorPort, path: "/apis/custom.metrics.k8s.io/v1beta2", ...x.clientTls });
    return ((JSON.parse(d.body ?? "{}").resources ?? []) as { name: string; namespaced: boolean }[]).some((r) => r.name === "gadgets.example.com/gadget_load" && !r.namespaced);
  });
  checks.push({ name: "discovery lists gadgets.example.com as cluster-scoped", ok: listed, detail: listed ? "yes" : "no" });
  return { tally, checks, figures: { "claim hold (s)": hold } };
}

/** h. A late retry carrying an older timestamp: 2xx with `skipped`, the newer value kept. */
export async function lateRetry(x: AttackContext): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const w = { authorization: `Bearer ${x.tokens.writer}`, ...json };
  const now = Date.now();
  const path = "/write-metrics/namespaces/late/pods/p-0/http_requests";
  tally.add(await send(`${x.base}${path}`, { method: "POST", headers: w, body: JSON.stringify({ value: "10", timestamp: iso(now) }) }), "newer");
  const old = tally.add(await send(`${x.base}${path}`, { method: "POST", headers: w, body: JSON.stringify({ value: "5", timestamp: iso(now - 30_000) }) }), "older retry");
  checks.push({ name: "older single write: 200 with skipped 1", ok: old.status === 200 && JSON.parse(old.body).skipped === 1 && JSON.parse(old.body).written === 0, detail: old.body.slice(0, 160) });
  const batch = [
    { namespace: "late", resource: "pods", name: "p-0", metric: "http_requests", value: "4", timestamp: iso(now - 20_000) },
    { namespace: "late", resource: "pods", name: "p-1", metric: "http_requests", value: "7", timestamp: iso(now) },
  ];
  const b = tally.add(await send(`${x.base}/write-metrics`, { method: "POST", headers: w, body: JSON.stringify(batch) }), "batch retry");
  checks.push({ name: "batch with one older sample: 200, written 1, skipped 1", ok: b.status === 200 && JSON.parse(b.body).written === 1 && JSON.parse(b.body).skipped === 1, detail: b.body.slice(0, 160) });
  const read = tally.add(await send(`${x.base}/apis/custom.metrics.k8s.io/v1beta2/namespaces/late/pods/p-0/http_requests`, { headers: { authorization: `Bearer ${x.readToken}` } }), "read back");
  const value = read.status === 200 ? JSON.parse(read.body).items?.[0]?.value : null;
  checks.push({ name: "the newer value (10) is kept", ok: value === "10", detail: `read ${read.status} value ${value}` });
  return { tally, checks, figures: {} };
}

export function fmtStatuses(t: Tally): string {
  return [...t.statuses].sort().map(([k, v]) => `${k}×${v}`).join(" ") || "none";
}
