/**
 * Attack f of the suite: the bridge in front of an upstream that misbehaves. The upstream here is a small Node
 * HTTP server on 127.0.0.1 that plays the Worker on Cloudflare: it checks the bridge's read token, answers the
 * HPA's Pods read correctly throughout, and for discovery switches between a good APIResourceList, 2xx garbage of
 * several kinds, and a 512 MB body; a metric read of one path always answers 512 MB. The bridge must keep its
 * memory bounded, relay at most its byte cap, and never cache garbage: discovery keeps answering the last good
 * document (src/bridge/bridge.ts).
 */
import { createServer, type Server } from "node:http";
import { request } from "node:https";
import { checkServerIdentity } from "node:tls";
import { freePort, SVC_NAME, tlsRequest } from "../../test/harness";
import { fmtStatuses } from "./edge-attacks";
import { Tally } from "./traffic";
import type { AttackOutcome, Check } from "./types";

export const HPA_PODS_PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/hpa/pods/*/http_requests?labelSelector=app%3Dweb";
export const BRIDGE_HPA_ITEMS = 10;
const DISCOVERY = "/apis/custom.metrics.k8s.io/v1beta2";
const HUGE_PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/attack/pods/*/huge";
const HUGE_BYTES = 512 * 1024 * 1024;

type Mode = "good" | "garbage-bytes" | "garbage-json" | "garbage-kind" | "garbage-group" | "garbage-truncated" | "huge";

function resourceList(metrics: string[]): string {
  return JSON.stringify({
    kind: "APIResourceList", apiVersion: "v1", groupVersion: "custom.metrics.k8s.io/v1beta2",
    resources: metrics.map((m) => ({ name: `pods/${m}`, singularName: "", namespaced: true, kind: "MetricValueList", verbs: ["get"] })),
  });
}

function podsList(): string {
  const items = Array.from({ length: BRIDGE_HPA_ITEMS }, (_, i) => ({
    describedObject: { kind: "Pod", namespace: "hpa", name: `web-${i}`, apiVersion: "/v1" },
    metric: { name: "http_requests", selector: { matchLabels: { app: "web" } } }, timestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"), value: "10",
  }));
  return JSON.stringify({ kind: "MetricValueList", apiVersion: "custom.metrics.k8s.io/v1beta2", metadata: {}, items });
}

export class FakeUpstream {
  mode: Mode = "good";
  good = resourceList(["http_requests"]);
  hits = 0;
  private constructor(readonly server: Server, readonly port: number) {}

  static async start(readToken: string): Promise<FakeUpstream> {
    const port = await freePort();
    let self: FakeUpstream;
    const server = createServer((req, res) => {
      self.hits++;
      if (req.headers.authorization !== `Bearer ${readToken}`) return void res.writeHead(401).end();
      const path = req.url ?? "/";
      if (path === HPA_PODS_PATH) return void res.writeHead(200, { "content-type": "application/json" }).end(podsList());
      if (path === HUGE_PATH || (path.startsWith("/apis/") && path.split("/").length === 4 && self.mode === "huge")) return streamHuge(res);
      if (path === DISCOVERY) {
        const bodies: Record<Exclude<Mode, "huge">, string> = {
          good: self.good,
          "garbage-bytes": "\u0000\u00ff<html>oops</html>",
          "garbage-json": '{"not":"a resource list"}',
          "garbage-kind": self.good.replace("APIResourceList", "Status"),
          "garbage-group": self.good.replace("custom.metrics.k8s.io/v1beta2", "evil.example.com/v1"),
          "garbage-truncated": self.good.slice(0, self.good.length - 10),
        };
        return void res.writeHead(200, { "content-type": "application/json" }).end(bodies[self.mode as Exclude<Mode, "huge">]);
      }
      res.writeHead(404, { "content-type": "application/json" }).end('{"kind":"Status","code":404}');
    });
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((res) => server.listen(port, "127.0.0.1", res));
    self = new FakeUpstream(server, port);
    setTimeout(() => server.close(), 1_800_000).unref();
    return self;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}

/** 512 MB of a JSON-looking body, streamed with backpressure and no Content-Length. */
function streamHuge(res: import("node:http").ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  let sent = 0;
  res.write('{"kind":"APIResourceList","pad":"');
  const pump = () => {
    while (sent < HUGE_BYTES) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end('"}');
  };
  res.on("close", () => (sent = HUGE_BYTES));
  pump();
}

/** Reads a path through the bridge, counting the bytes that arrive (the body is not kept). */
function readThrough(port: number, tls: { ca: string; cert: string; key: string }, path: string): Promise<{ status: number; bytes: number; ended: boolean }> {
  return new Promise((resolve) => {
    const req = request({
      host: "127.0.0.1", port, path, servername: SVC_NAME, ...tls, agent: false, timeout: 60_000,
      checkServerIdentity: (_h, cert) => checkServerIdentity(SVC_NAME, cert),
    });
    req.on("error", () => resolve({ status: 0, bytes: 0, ended: false }));
    req.on("response", (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, bytes, ended: false }));
      res.on("aborted", () => resolve({ status: res.statusCode ?? 0, bytes, ended: false }));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, ended: true }));
    });
    req.end();
  });
}

export async function bridgeUpstreamAttacks(b: { port: number; tls: { ca: string; cert: string; key: string }; upstream: FakeUpstream }): Promise<AttackOutcome> {
  const tally = new Tally();
  const checks: Check[] = [];
  const discovery = async () => {
    const r = await tlsRequest({ port: b.port, path: DISCOVERY, ...b.tls });
    tally.add({ status: r.status ?? 0, body: r.body ?? "", headers: null, ms: 0 }, "discovery via the bridge");
    return r;
  };
  b.upstream.mode = "good";
  const primed = await discovery();
  checks.push({ name: "a good document passes through and is cached", ok: primed.status === 200 && primed.body === b.upstream.good, detail: `${primed.status}, ${primed.body?.length} bytes` });

  const huge = await Promise.all(Array.from({ length: 4 }, () => readThrough(b.port, b.tls, HUGE_PATH)));
  const maxRelayed = Math.max(...huge.map((h) => h.bytes));
  checks.push({ name: "a 512 MB metric answer is cut at the bridge's 32 MiB cap", ok: huge.every((h) => h.bytes <= 32 * 1024 * 1024 + 65_536 && !h.ended), detail: `4 concurrent reads: ${huge.map((h) => `${h.status}/${(h.bytes / 1048576).toFixed(1)} MiB${h.ended ? " complete" : " cut"}`).join(", ")}` });

  const modes: Mode[] = ["huge", "garbage-bytes", "garbage-json", "garbage-kind", "garbage-group", "garbage-truncated"];
  const kept: string[] = [];
  for (const mode of modes) {
    b.upstream.mode = mode;
    for (let k = 0; k < 3; k++) {
      const r = await discovery();
      if (!(r.status === 200 && r.body === b.upstream.good)) kept.push(`${mode}: ${r.status} ${r.body?.slice(0, 80)}`);
    }
  }
  checks.push({ name: "discovery keeps the last good document through 512 MB and 2xx garbage answers", ok: kept.length === 0, detail: kept.length ? kept.slice(0, 3).join("; ") : `${modes.length} kinds × 3 fetches: all the cached document` });

  b.upstream.mode = "good";
  b.upstream.good = resourceList(["http_requests", "queue_depth"]);
  let refreshed = false;
  for (let k = 0; k < 20 && !refreshed; k++) {
    const r = await discovery();
    refreshed = r.body === b.upstream.good;
    if (!refreshed) await new Promise((res) => setTimeout(res, 500));
  }
  checks.push({ name: "a good document replaces the cache once the upstream recovers", ok: refreshed, detail: refreshed ? "yes" : "no" });
  return { tally, checks, figures: { "bytes relayed per 512 MB read (max)": maxRelayed, "discovery statuses": fmtStatuses(tally) } };
}
