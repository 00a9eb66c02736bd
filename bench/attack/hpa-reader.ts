/**
 * The "HPA" of the attack suite: a separate Node process (so the attackers' CPU work in the suite's own event
 * loop never delays its clock) that reads through an aggregator socket the way kube-apiserver does for the HPA
 * controller — HTTPS on kept-alive connections, the front-proxy client certificate, SNI `<svc>.<ns>.svc` verified
 * against the serving CA — alternating discovery and a Pods read, each on its own loop every `everyMs`.
 *
 * Each answer is one JSON line on stdout: `{"t":<epoch ms at start>,"k":"discovery"|"pods","ms":<latency>,
 * "s":<status or 0>,"ok":<right answer>,"e":<why not>}`. A Pods read is right when it is a 200 MetricValueList
 * with `expectItems` items; discovery when it is a 200 APIResourceList. The process stops by itself after
 * `lifetimeSeconds` (and the harness runs it under `timeout` as well).
 *
 * Usage: node --import tsx bench/attack/hpa-reader.ts '<json options>'
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { checkServerIdentity } from "node:tls";

export interface ReaderOptions {
  port: number;
  servername: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  discoveryPath: string;
  podsPath: string;
  expectItems: number;
  everyMs: number;
  lifetimeSeconds: number;
}

export interface Sample {
  t: number;
  k: "discovery" | "pods";
  ms: number;
  s: number;
  ok: boolean;
  e?: string;
}

function get(agent: Agent, o: ReaderOptions, path: string): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({
      host: "127.0.0.1", port: o.port, path, method: "GET", agent, servername: o.servername,
      checkServerIdentity: (_h, cert) => checkServerIdentity(o.servername, cert),
      headers: { accept: "application/json", "user-agent": "kube-controller-manager/attack-suite (hpa)" },
      timeout: 10_000,
    });
    req.on("timeout", () => req.destroy(new Error("timeout after 10 s")));
    req.on("error", (e) => resolve({ status: 0, body: "", error: e.message }));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (e) => resolve({ status: res.statusCode ?? 0, body: "", error: e.message }));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.end();
  });
}

function verdict(kind: Sample["k"], status: number, body: string, expectItems: number): string | undefined {
  if (status !== 200) return `status ${status}: ${body.slice(0, 200)}`;
  let doc: { kind?: string; items?: unknown[]; resources?: unknown[] };
  try {
    doc = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 100)}`;
  }
  if (kind === "discovery") return doc.kind === "APIResourceList" && Array.isArray(doc.resources) ? undefined : `not an APIResourceList: ${body.slice(0, 100)}`;
  if (doc.kind !== "MetricValueList" || !Array.isArray(doc.items)) return `not a MetricValueList: ${body.slice(0, 100)}`;
  return doc.items.length === expectItems ? undefined : `${doc.items.length} items, expected ${expectItems}`;
}

async function loop(agent: Agent, o: ReaderOptions, kind: Sample["k"], until: number): Promise<void> {
  const path = kind === "discovery" ? o.discoveryPath : o.podsPath;
  while (Date.now() < until) {
    const t = Date.now();
    const t0 = performance.now();
    const r = await get(agent, o, path);
    const ms = performance.now() - t0;
    const e = r.error ?? verdict(kind, r.status, r.body, o.expectItems);
    const sample: Sample = { t, k: kind, ms: Math.round(ms * 10) / 10, s: r.status, ok: e === undefined, ...(e ? { e } : {}) };
    process.stdout.write(`${JSON.stringify(sample)}\n`);
    await new Promise((res) => setTimeout(res, Math.max(0, o.everyMs - ms)));
  }
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? "{}") as ReaderOptions;
  const agent = new Agent({
    keepAlive: true, maxSockets: 2, ca: readFileSync(o.caFile), cert: readFileSync(o.certFile), key: readFileSync(o.keyFile), minVersion: "TLSv1.2",
  });
  const until = Date.now() + o.lifetimeSeconds * 1000;
  await Promise.all([loop(agent, o, "discovery", until), loop(agent, o, "pods", until)]);
  agent.destroy();
}

if (process.argv[1]?.endsWith("hpa-reader.ts")) void main();
