// The status page over the real app and Durable Object store: who may see it and what of it, what it shows of each
// series (freshness at a glance, writer, labels), refusals, truncation, and "What will my HPA see?" — whose answers
// must be the read API's own, miss explanations included.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/auth/tokens";
import type { Env } from "../../../src/env";
import { client, CM2, EM, testClock } from "../helpers";

const READ = "page-read-token";
const ADMIN = "ema_page_admin_token";
const TEAM = "ema_page_team_reader";
const WRITER = "ema_page_writer_only";
const bearer = (t: string) => ({ authorization: `Bearer ${t}`, accept: "text/html" });

async function deployed(): Promise<Partial<Env>> {
  return {
    DEPLOYMENT: "cloudflare",
    READ_TOKEN: READ,
    WRITE_TOKENS: JSON.stringify([
      { name: "admin", sha256: await sha256Hex(ADMIN), namespaces: ["*"], metrics: ["*"], operations: ["write", "read"] },
      { name: "team-reader", sha256: await sha256Hex(TEAM), namespaces: ["page-team"], metrics: ["*"], operations: ["read"] },
      { name: "writer-only", sha256: await sha256Hex(WRITER), namespaces: ["*"], metrics: ["*"], operations: ["write"] },
    ]),
  };
}

const text = async (r: Response | Promise<Response>) => {
  const res = await r;
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text(), headers: res.headers };
};
const decode = (html: string) => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

describe("who sees the page", async () => {
  const env = await deployed();

  it("no credential: the login form, 401, no data, never cached", async () => {
    const c = client(testClock(), env);
    await c.post("/write-metrics/namespaces/page-a/pods/web-1/rps", "5", { authorization: `Bearer ${ADMIN}` });
    const page = await text(c.get("/"));
    expect(page.status).toBe(401);
    expect(page.type).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.html).toMatch(/^<!DOCTYPE html>/);
    expect(page.html).toContain(`<form id="login"`);
    expect(page.html).not.toContain("page-a");
  });

  it("READ_TOKEN and a token with the read operation see everything; a wrong token is the API's 401 Status", async () => {
    const c = client(testClock(), env);
    await c.post("/write-metrics/namespaces/page-b/pods/web-1/rps", "5", { authorization: `Bearer ${ADMIN}` });
    for (const t of [READ, ADMIN]) {
      const page = await text(c.get("/", bearer(t)));
      expect(page.status).toBe(200);
      expect(page.html).toContain(`data-namespace="page-b"`);
    }
    const wrong = await c.json(c.get("/", bearer("nope")));
    expect([wrong.status, wrong.body.kind, wrong.body.message]).toEqual([401, "Status", "the bearer token is not valid"]);
  });

  it("a scoped reader sees only its namespaces (series, stats and refusals); a write-only token gets 403", async () => {
    const c = client(testClock(), env);
    await c.post("/write-metrics/namespaces/page-team/pods/web-1/rps", "7", { authorization: `Bearer ${ADMIN}` });
    await c.post("/write-metrics/namespaces/page-other/pods/web-1/rps", "8", { authorization: `Bearer ${ADMIN}` });
    await c.post("/write-metrics/namespaces/page-other/pods/web-1/rps", "not-a-number", { authorization: `Bearer ${ADMIN}` });
    const page = await text(c.get("/", bearer(TEAM)));
    expect(page.status).toBe(200);
    expect(page.html).toContain(`data-namespace="page-team"`);
    expect(page.html).not.toContain("page-other");
    expect(decode(page.html)).toContain(`token "team-reader"`);
    const denied = await text(c.get("/", bearer(WRITER)));
    expect(denied.status).toBe(403);
    expect(decode(denied.html)).toContain(`token "writer-only" does not allow the read operation`);
  });

  it("never on the aggregator socket: only metric reads are served there", async () => {
    const c = client(testClock(), { DEPLOYMENT: "edge", READ_TOKEN: READ });
    const res = await c.json(c.get("/", { "x-edge-metrics-socket": "aggregator" }));
    expect(res.status).toBe(403);
    expect(res.body.message).toContain("the aggregator socket serves only reads of the metrics APIs");
    expect((await c.get("/", { "x-edge-metrics-socket": "public", ...bearer(READ) })).status).toBe(200);
  });
});

describe("what the page shows", () => {
  it("each series: value, labels, object labels, written, expires (fresh → expiring → expired), writer; stats per namespace", async () => {
    const clock = testClock();
    const env = await deployed();
    const c = client(clock, env);
    const auth = { authorization: `Bearer ${ADMIN}` };
    await c.post("/write-metrics/namespaces/page-show/pods/web-1/rps?objectLabels=app=web", { value: "1500m", labels: { verb: "GET" }, ttlSeconds: 100 }, auth);
    await c.post("/write-external-metrics/namespaces/page-show/queue_depth", { value: "42", labels: { queue: "orders" }, ttlSeconds: 100 }, auth);
    const section = async () => {
      const html = decode((await text(c.get("/", bearer(READ)))).html);
      const start = html.indexOf(`<section id="ns-page-show"`);
      return html.slice(start, html.indexOf("</section>", start));
    };
    const s = await section();
    expect(s).toContain("<h4>pods / rps</h4>");
    expect(s).toContain("<h4>external: queue_depth</h4>");
    expect(s).toContain(`data-value="1500m"`);
    expect(s).toContain("<span>verb=GET</span>");
    expect(s).toContain("<span>app=web</span>");
    expect(s).toContain("<td>admin</td>");
    expect(s).toContain(`data-state="fresh"`);
    expect(s).toContain("in 1m 40s");
    clock.advance(80_000);
    expect(await section()).toContain(`data-state="expiring"`);
    clock.advance(30_000);
    const expired = await section();
    expect(expired).toContain(`data-state="expired"`);
    expect(expired).toContain("10s ago");
    expect(expired).not.toContain(`data-state="fresh"`);
  });

  it("recent refusals with their reason; a namespace over the limit says it is truncated", async () => {
    const c = client();
    await c.post("/write-metrics/namespaces/page-refused/pods/web-1/rps", "12 apples");
    for (const p of ["a", "b", "c"]) await c.post(`/write-metrics/namespaces/page-trunc/pods/${p}/m`, "1");
    let html = "";
    for (let i = 0; i < 50 && !html.includes("page-refused"); i++) {
      html = decode((await text(c.get("/?perNamespace=2"))).html);
      if (!html.includes("page-refused")) await new Promise((r) => setTimeout(r, 20));
    }
    const refusals = html.slice(html.indexOf(`<table id="refusals"`));
    expect(refusals).toContain("POST /write-metrics/namespaces/page-refused/pods/web-1/rps");
    expect(refusals).toContain("400 BadRequest");
    const trunc = html.slice(html.indexOf(`<section id="ns-page-trunc"`));
    expect(trunc.slice(0, trunc.indexOf("</section>"))).toContain("Showing the first 2 series of this namespace; it holds more.");
    expect(html).toMatch(/<tr data-namespace="page-trunc"><td><a href="#ns-page-trunc">page-trunc<\/a><\/td><td data-series-count="\d+">/);
  });
});

describe("What will my HPA see?", () => {
  const hpa = (ns: string) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: ${ns}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 8
  metrics:
  - type: Pods
    pods:
      metric: {name: rps, selector: {matchLabels: {verb: GET}}}
      target: {type: AverageValue, averageValue: "10"}
  - type: Object
    object:
      describedObject: {apiVersion: apps/v1, kind: Deployment, name: web}
      metric: {name: queue}
      target: {type: Value, value: "100"}
  - type: External
    external:
      metric: {name: backlog, selector: {matchLabels: {queue: orders}}}
      target: {type: AverageValue, averageValue: "5"}
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}`;

  it("the exact requests, the read API's answers and the HPA's replica count", async () => {
    const c = client();
    const ns = "page-hpa";
    for (const [pod, v] of [["web-1", "30"], ["web-2", "20"]]) {
      await c.post(`/write-metrics/namespaces/${ns}/pods/${pod}/rps?objectLabels=app=web`, { value: v, labels: { verb: "GET" } });
    }
    await c.post(`/write-metrics/namespaces/${ns}/deployments.apps/web/queue`, "150");
    await c.post(`/write-external-metrics/namespaces/${ns}/backlog`, { value: "12", labels: { queue: "orders" } });
    const q = new URLSearchParams({ check: "1", hpa: hpa(ns), replicas: "2", podSelector: "app=web" });
    const html = decode((await text(c.get(`/?${q}`))).html);
    const requests = [...html.matchAll(/<code data-request="[^"]*">GET ([^<]+)<\/code>/g)].map((m) => m[1]);
    expect(requests).toEqual([
      `${CM2}/namespaces/${ns}/pods/*/rps?labelSelector=app%3Dweb&metricLabelSelector=verb%3DGET`,
      `${CM2}/namespaces/${ns}/deployments.apps/web/queue`,
      `${EM}/namespaces/${ns}/backlog?labelSelector=queue%3Dorders`,
    ]);
    // Each answer is what the API answers for that path.
    for (const path of requests) {
      const direct = await c.json(c.get(path!));
      expect(html).toContain(JSON.stringify(direct.body, null, 2));
    }
    expect(html).toContain("Resource metrics come from metrics.k8s.io");
    // Pods: avg 25 / 10 = 2.5 → ⌈2.5 × 2⌉ = 5; Object Value: 150/100 = 1.5 → ⌈1.5 × 2 ready⌉ = 3;
    // External AverageValue: 12 / (5 × 2) = 1.2 → ⌈12/5⌉ = 3. Largest: 5; within [1, 8]; first step max(2+4, 4) = 6 ≥ 5.
    expect(html).toContain("Metrics propose <strong>5</strong> replicas (largest proposal: rps)");
    expect(html).toContain(`Desired replicas: <strong data-desired-replicas="5">5</strong>`);
    expect(html).toContain("r = 150 / 100 = 1.5; ⌈r × 2 ready pods⌉ = 3");
  });

  it("a missing metric shows the HPA's error and the API's explanation of the miss", async () => {
    const c = client();
    const ns = "page-hpa-miss";
    await c.post(`/write-metrics/namespaces/${ns}/pods/web-1/latency`, "1");
    const q = new URLSearchParams({ check: "1", type: "Object", metric: "queue", objectKind: "Deployment", objectApiVersion: "apps/v1", objectName: "web", targetType: "Value", target: "10", namespace: ns, replicas: "3" });
    const html = decode((await text(c.get(`/?${q}`))).html);
    expect(html).toContain(`GET ${CM2}/namespaces/${ns}/deployments.apps/web/queue`);
    const direct = await c.json(c.get(`${CM2}/namespaces/${ns}/deployments.apps/web/queue`));
    expect(direct.status).toBe(404);
    expect(html).toContain(`The HPA reports: unable to fetch metrics from custom metrics API: ${direct.body.message}`);
    expect(html).toContain("No replica count: invalid metrics (1 invalid out of 1)");
  });

  it("input mistakes are said plainly", async () => {
    const c = client();
    const bad = async (params: Record<string, string>) => decode((await text(c.get(`/?${new URLSearchParams({ check: "1", ...params })}`))).html);
    expect(await bad({ hpa: "kind: Deployment", replicas: "1" })).toContain("paste a HorizontalPodAutoscaler");
    expect(await bad({ hpa: "a: [", replicas: "1" })).toContain("the YAML does not parse");
    expect(await bad({ type: "Pods", metric: "m", target: "10", replicas: "x" })).toContain("enter the current replica count");
    expect(await bad({ type: "Pods", metric: "m", target: "ten", replicas: "1" })).toContain(`target "ten"`);
    expect(await bad({ type: "Pods", metric: "m", target: "1", replicas: "1", podSelector: "app in" })).toMatch(/id="check-error">[^<]*expected/);
  });
});
