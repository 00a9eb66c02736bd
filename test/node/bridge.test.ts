/**
 * Bridge: real workerd in bridge mode (config from `cli workerd-config --mode bridge`) in front of a real
 * `wrangler dev` upstream standing in for the Worker on Cloudflare. Reads pass through byte for byte; with the
 * upstream gone, discovery still answers 200 within 5 s, OpenAPI is answered by the bridge itself, and metric reads
 * fail fast with a 503 Status.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundle, cleanup, cli, clientTls, freePort, makeTokens, startWorkerd, startWranglerDev, tempDir, testPki, tlsRequest, waitFor,
  type TestPkiWithClient, type WranglerDev,
} from "../harness";

const TOKEN = "bridge-read-token-5678";
const GVS = ["custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2", "external.metrics.k8s.io/v1beta1"];
const METRIC_PATH = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests?labelSelector=app%3Dweb";
let pki: TestPkiWithClient;
let upPort: number;
let upstream: WranglerDev;
let bridgePort: number;
let upstreamState: string;
let writeToken: string;
let writeTokens: string;
const figures: Record<string, number> = {};

const good = () => clientTls(pki);
const up = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${upPort}${path}`, init);

async function bridgeFor(upstreamUrl: string): Promise<number> {
  const port = await freePort();
  const r = await cli([
    "workerd-config", "--mode", "bridge", "--out", tempDir("bridge"), "--bundle", bundle(), "--pki", pki.dir,
    "--aggregator-port", String(port), "--upstream", upstreamUrl, "--read-token", TOKEN, "--upstream-timeout-ms", "2000",
  ]);
  expect(r.status, r.stderr).toBe(0);
  const w = await startWorkerd(r.stdout.trim(), [port], { name: "bridge-workerd", args: ["--verbose"] });
  figures.bridgeStartMs = w.startMs;
  return port;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, Math.round(performance.now() - t0)];
}

beforeAll(async () => {
  pki = await testPki(tempDir("pki"));
  upPort = await freePort();
  const t = await makeTokens([{ name: "bridge-test-writer", namespaces: ["default"] }]);
  writeToken = t.token["bridge-test-writer"]!;
  writeTokens = t.writeTokens;
  upstreamState = tempDir("upstream-state");
  upstream = await startWranglerDev({ port: upPort, persistTo: upstreamState, vars: { READ_TOKEN: TOKEN, DEPLOYMENT: "cloudflare", WRITE_TOKENS: writeTokens } });
  figures.wranglerDevStartMs = upstream.startMs;
  for (const [name, v] of [["web-0", "10"], ["web-1", "2500m"]] as const) {
    const w = await up(`/write-metrics/namespaces/default/pods/${name}/http_requests?objectLabels=app=web`, { method: "POST", body: JSON.stringify(v), headers: { "content-type": "application/json", authorization: `Bearer ${writeToken}` } });
    expect(w.status, await w.text()).toBe(200);
  }
  const e = await up("/write-external-metrics/namespaces/default/queue_messages", { method: "POST", body: '"17"', headers: { "content-type": "application/json", authorization: `Bearer ${writeToken}` } });
  expect(e.status).toBe(200);
  bridgePort = await bridgeFor(`http://127.0.0.1:${upPort}`);
});

afterAll(async () => {
  console.log(`bridge figures: ${JSON.stringify(figures)}`);
  await cleanup();
});

describe("bridge in front of wrangler dev", () => {
  it("upstream refuses reads without the token (so the bridge's credential is what opens them)", async () => {
    expect((await up(METRIC_PATH)).status).toBe(401);
  });

  it("discovery passes through byte for byte", async () => {
    for (const gv of GVS) {
      const direct = await up(`/apis/${gv}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const via = await tlsRequest({ port: bridgePort, path: `/apis/${gv}`, ...good() });
      expect(via.status).toBe(direct.status);
      expect(via.contentType).toBe(direct.headers.get("content-type"));
      expect(via.body).toBe(await direct.text());
      expect(JSON.parse(via.body!).resources.length).toBeGreaterThan(0);
    }
  });

  it("metric reads (path and query) pass through byte for byte", async () => {
    for (const path of [METRIC_PATH, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/web-1/http_requests", "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages"]) {
      const direct = await up(path, { headers: { authorization: `Bearer ${TOKEN}` } });
      const via = await tlsRequest({ port: bridgePort, path, ...good() });
      expect(via.status, path).toBe(200);
      expect(direct.status).toBe(200);
      expect(via.contentType).toBe(direct.headers.get("content-type"));
      expect(via.body).toBe(await direct.text());
    }
    const items = JSON.parse((await tlsRequest({ port: bridgePort, path: METRIC_PATH, ...good() })).body!).items;
    expect(items.map((i: { value: string }) => i.value)).toEqual(["10", "2500m"]);
  });

  it("an upstream 404 Status passes through with its status and body", async () => {
    const path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-0/no_such_metric";
    const direct = await up(path, { headers: { authorization: `Bearer ${TOKEN}` } });
    const via = await tlsRequest({ port: bridgePort, path, ...good() });
    expect(direct.status).toBe(404);
    expect(via.status).toBe(404);
    expect(via.body).toBe(await direct.text());
  });

  it("OpenAPI: the bridge answers the Worker's own documents itself, with kube-openapi's validators and hashed URLs", async () => {
    for (const path of ["/openapi/v2", "/openapi/v3", "/openapi/v3/apis/external.metrics.k8s.io/v1beta1"]) {
      const direct = await up(path, { headers: { authorization: `Bearer ${TOKEN}` } });
      const via = await tlsRequest({ port: bridgePort, path, ...good() });
      expect(via.status, path).toBe(200);
      expect(via.body, path).toBe(await direct.text());
      expect(via.headers?.etag, path).toBe(direct.headers.get("etag"));
    }
    const etag = (await tlsRequest({ port: bridgePort, path: "/openapi/v2", ...good() })).headers!.etag as string;
    expect((await tlsRequest({ port: bridgePort, path: "/openapi/v2", headers: { "if-none-match": etag }, ...good() })).status).toBe(304);
    const discovery = JSON.parse((await tlsRequest({ port: bridgePort, path: "/openapi/v3", ...good() })).body!);
    const url: string = discovery.paths["apis/custom.metrics.k8s.io/v1beta2"].serverRelativeURL;
    const doc = await tlsRequest({ port: bridgePort, path: url, ...good() });
    expect([doc.status, JSON.parse(doc.body!).openapi, doc.headers?.["cache-control"]]).toEqual([200, "3.0.0", "public, immutable"]);
    const stale = await tlsRequest({ port: bridgePort, path: "/openapi/v3/apis/custom.metrics.k8s.io/v1beta2?hash=00", ...good() });
    expect([stale.status, stale.headers?.location]).toEqual([301, url]);
  });

  it("the Worker (wrangler dev) serves the status page behind the read token; the bridge does not serve it", async () => {
    const login = await up("/");
    expect([login.status, login.headers.get("content-type")]).toEqual([401, "text/html; charset=utf-8"]);
    expect(await login.text()).toContain(`<form id="login"`);
    const page = await up("/", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`data-namespace="default"`);
    const via = await tlsRequest({ port: bridgePort, path: "/", ...good() });
    expect(via.status).toBe(404);
  });

  it("refuses writes (403 Status) and answers /apis with 404 Status locally", async () => {
    const w = await tlsRequest({ port: bridgePort, method: "POST", path: "/write-metrics/namespaces/default/pods/web-0/http_requests", body: '"1"', ...good() });
    expect(w.status).toBe(403);
    expect(JSON.parse(w.body!)).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403 });
    const apis = await tlsRequest({ port: bridgePort, path: "/apis", ...good() });
    expect(apis.status).toBe(404);
    expect(JSON.parse(apis.body!)).toMatchObject({ kind: "Status", code: 404 });
  });

  it("the bridge's aggregator socket refuses a client without a certificate", async () => {
    const r = await tlsRequest({ port: bridgePort, path: "/apis/custom.metrics.k8s.io/v1beta1", ca: good().ca });
    expect(r.status).toBeUndefined();
  });

  it("upstream stopped: discovery 200 from cache within 5 s, metric reads 503 Status fast, check still passes", async () => {
    const cached = new Map<string, string>();
    for (const gv of GVS) cached.set(gv, (await tlsRequest({ port: bridgePort, path: `/apis/${gv}`, ...good() })).body!);
    await upstream.proc.stop();
    expect((await fetch(`http://127.0.0.1:${upPort}/healthz`).catch(() => null))?.status).toBeUndefined();

    for (const [i, gv] of GVS.entries()) {
      const [r, ms] = await timed(() => tlsRequest({ port: bridgePort, path: `/apis/${gv}`, ...good() }));
      expect(r.status).toBe(200);
      expect(r.body).toBe(cached.get(gv));
      expect(ms).toBeLessThan(5000);
      figures[`discoveryFromCacheMs_${i}`] = ms;
    }
    const [m, ms] = await timed(() => tlsRequest({ port: bridgePort, path: METRIC_PATH, ...good() }));
    expect(m.status).toBe(503);
    expect(m.contentType).toContain("application/json");
    expect(JSON.parse(m.body!)).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "ServiceUnavailable", code: 503 });
    expect(ms).toBeLessThan(2500);
    figures.metricRead503Ms = ms;

    const c = await cli(["check", `https://127.0.0.1:${bridgePort}`, "--ca", pki.ca, "--client-cert", pki.clientCert, "--client-key", pki.clientKey]);
    expect(c.status, c.stdout).toBe(0);
  });

  it("upstream back: metric reads recover without restarting the bridge", async () => {
    upstream = await startWranglerDev({ port: upPort, persistTo: upstreamState, vars: { READ_TOKEN: TOKEN, DEPLOYMENT: "cloudflare", WRITE_TOKENS: writeTokens } });
    const t0 = performance.now();
    const r = await waitFor("bridge recovery", async () => {
      const x = await tlsRequest({ port: bridgePort, path: METRIC_PATH, ...good() });
      return x.status === 200 ? x : undefined;
    }, 15_000, { everyMs: 50 });
    figures.recoveryAfterUpstreamBackMs = Math.round(performance.now() - t0);
    expect(JSON.parse(r.body!).items).toHaveLength(2);
  });
});

describe("bridge whose upstream never answered", () => {
  let blackhole: Server;
  const sockets = new Set<Socket>();
  let port: number;

  beforeAll(async () => {
    // Accepts connections and never answers: the worst case (a blackholed network), not a fast refusal.
    blackhole = createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    const holePort = await freePort();
    await new Promise<void>((r) => blackhole.listen(holePort, "127.0.0.1", r));
    port = await bridgeFor(`http://127.0.0.1:${holePort}`);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackhole.close(r));
  });

  it("discovery answers a valid empty APIResourceList within 5 s for every registered API", async () => {
    for (const [i, gv] of GVS.entries()) {
      const [r, ms] = await timed(() => tlsRequest({ port, path: `/apis/${gv}`, ...good() }));
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body!)).toEqual({ kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources: [] });
      expect(ms).toBeLessThan(5000);
      figures[`discoveryPlaceholderBlackholeMs_${i}`] = ms;
    }
  });

  it("OpenAPI is still answered: the aggregator's first look must not find it missing", async () => {
    const [v3, ms] = await timed(() => tlsRequest({ port, path: "/openapi/v3", ...good() }));
    expect(v3.status).toBe(200);
    expect(Object.keys(JSON.parse(v3.body!).paths).sort()).toEqual(GVS.map((gv) => `apis/${gv}`).sort());
    expect(ms).toBeLessThan(1000);
  });

  it("metric reads fail with 503 Status instead of hanging", async () => {
    const [r, ms] = await timed(() => tlsRequest({ port, path: "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages", ...good() }));
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body!)).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", code: 503 });
    expect(ms).toBeLessThan(3000);
    figures.metricRead503BlackholeMs = ms;
  });
});
