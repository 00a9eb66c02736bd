/**
 * The status page in a real browser: Debian's Chromium driven by playwright-core against a real edge node (workerd
 * running the real bundle, public socket). A person's path through it: sign in with the read token, see values
 * written through the JSON API appear, see one with a short ttlSeconds expire, see a refused write and why, paste an
 * HPA and read the replica count, reload (the token stays in the tab, never in a URL or a cookie), sign out.
 *
 * Also measures the server's render time of GET / for a namespace of many series (figures printed at the end), and
 * takes the screenshot: with STATUS_PAGE_SCREENSHOT=<path> it is written there (docs/status-page.png is made so:
 * `STATUS_PAGE_SCREENSHOT=docs/status-page.png npx vitest run --project node test/node/status-page.test.ts`).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, ROOT, tempDir, waitFor, WorkerdNode } from "../harness";

/** Debian's chromium package (installed by .ci/run); never a browser downloaded by Playwright. */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];
const NS = "shop";

let node: WorkerdNode;
let context: BrowserContext;
let page: Page;
let writeToken: string;
const figures: Record<string, number> = {};

async function write(path: string, body: unknown): Promise<Response> {
  return fetch(node.base + path, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", authorization: `Bearer ${writeToken}` },
  });
}

async function writeOk(path: string, body: unknown): Promise<void> {
  const r = await write(path, body);
  expect(r.status, await r.text()).toBe(200);
}

/** Clicks the page's own Refresh link (the script reloads with the stored token) and waits for the new body. */
async function refresh(): Promise<void> {
  await page.evaluate(() => document.body.setAttribute("data-stale", ""));
  await page.click("text=Refresh");
  await page.waitForFunction(() => !document.body.hasAttribute("data-stale"), undefined, { timeout: 10_000 });
}

const series = (resource: string, name: string, metric: string) => page.locator(`section[data-namespace="${NS}"] tr[data-series="${resource}/${name}/${metric}"]`);

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium package`).toBe(true);
  node = await WorkerdNode.create({ mode: "edge", tokens: [{ name: "shop-pusher", namespaces: [NS, "bulk"] }] });
  await node.start();
  writeToken = node.tokens["shop-pusher"]!;
  const t0 = performance.now();
  context = await chromium.launchPersistentContext(tempDir("chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 1000 },
    timeout: 60_000,
  });
  figures.browserStartMs = Math.round(performance.now() - t0);
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  console.log(`status page figures: ${JSON.stringify(figures)}`);
  await context?.close();
  await cleanup();
});

describe("the status page in Chromium", () => {
  it("asks for a credential, and a wrong one is refused with the API's message", async () => {
    const res = await page.goto(`${node.base}/`);
    expect(res?.status()).toBe(401);
    await page.waitForSelector("form#login");
    await page.fill("#token", "not-a-token");
    await page.click("form#login button");
    await page.waitForSelector("#login-error:not([hidden])");
    expect(await page.textContent("#login-error")).toBe("the bearer token is not valid");
  });

  it("signs in with the read token; values written through the API appear", async () => {
    await page.fill("#token", node.readToken);
    await page.click("form#login button");
    await page.waitForSelector("h2#check");
    expect(await page.textContent("header .who")).toBe("as READ_TOKEN");

    await writeOk(`/write-metrics/namespaces/${NS}/pods/web-1/http_requests_per_second?objectLabels=app=web`, { value: "30", labels: { verb: "GET" }, ttlSeconds: 600 });
    await writeOk(`/write-metrics/namespaces/${NS}/pods/web-2/http_requests_per_second?objectLabels=app=web`, { value: "20", labels: { verb: "GET" }, ttlSeconds: 600 });
    await writeOk(`/write-metrics/namespaces/${NS}/deployments.apps/web/queue_latency_seconds`, { value: "1500m", ttlSeconds: 600 });
    await writeOk(`/write-external-metrics/namespaces/${NS}/queue_depth`, { value: "17", labels: { queue: "orders" }, ttlSeconds: 600 });
    await refresh();
    expect(await series("pods", "web-1", "http_requests_per_second").locator("td[data-value]").textContent()).toBe("30");
    expect(await series("pods", "web-2", "http_requests_per_second").locator("td[data-value]").textContent()).toBe("20");
    expect(await series("deployments.apps", "web", "queue_latency_seconds").locator("td[data-value]").textContent()).toBe("1500m");
    const row = series("", "", "queue_depth");
    expect(await row.locator("td[data-value]").textContent()).toBe("17");
    expect(await row.locator(".badge").getAttribute("data-state")).toBe("fresh");
    expect(await series("pods", "web-1", "http_requests_per_second").textContent()).toContain("shop-pusher");
    expect(await series("pods", "web-1", "http_requests_per_second").textContent()).toContain("app=web");
  });

  it("sees a short-lived value expire, and the HPA check says when", async () => {
    await writeOk(`/write-metrics/namespaces/${NS}/deployments.apps/worker/jobs_waiting`, { value: "9", ttlSeconds: 6 });
    await refresh();
    const row = series("deployments.apps", "worker", "jobs_waiting");
    expect(await row.locator(".badge").getAttribute("data-state")).toBe("fresh");
    const t0 = performance.now();
    const states = new Set<string>();
    // Expired values are listed until the store purges them (its alarm runs at the expiry), then they are gone.
    await waitFor("jobs_waiting expired", async () => {
      await refresh();
      if ((await row.count()) === 0) return true;
      const state = (await row.locator(".badge").getAttribute("data-state")) ?? "";
      states.add(state);
      return state === "expired";
    }, 20_000, { everyMs: 500 });
    figures.expiryNoticedAfterMs = Math.round(performance.now() - t0);
    expect(states.has("expiring") || states.has("expired")).toBe(true);
    expect(await series("pods", "web-1", "http_requests_per_second").locator(".badge").getAttribute("data-state")).toBe("fresh");

    await page.selectOption("select[name=type]", "Object");
    await page.fill("input[name=metric]", "jobs_waiting");
    await page.fill("input[name=objectKind]", "Deployment");
    await page.fill("input[name=objectApiVersion]", "apps/v1");
    await page.fill("input[name=objectName]", "worker");
    await page.fill("input[name=target]", "5");
    await page.selectOption("select[name=targetType]", "Value");
    await page.fill("input[name=namespace]", NS);
    await page.fill("input[name=replicas]", "2");
    await page.click("form#hpa-check button");
    await page.waitForSelector("#check-result");
    const outcome = await page.textContent("[data-outcome]");
    expect(outcome).toContain("unable to fetch metrics from custom metrics API: the server could not find the metric jobs_waiting for deployments.apps worker: its last value, 9");
    expect(outcome).toContain("expired at");
    // Back to the plain status view for what follows.
    await page.fill("input[name=metric]", "");
    await page.selectOption("select[name=type]", "");
  });

  it("lists a refused write with its reason", async () => {
    const r = await write(`/write-metrics/namespaces/${NS}/pods/web-3/http_requests_per_second`, "twelve");
    expect(r.status).toBe(400);
    await waitFor("the refusal listed", async () => {
      await refresh();
      return ((await page.locator("#refusals").textContent().catch(() => "")) ?? "").includes(`/write-metrics/namespaces/${NS}/pods/web-3/http_requests_per_second`);
    }, 15_000, { everyMs: 500 });
    expect(await page.locator("#refusals tr", { hasText: "web-3" }).textContent()).toContain("400 BadRequest");
  });

  it("runs the HPA check on a pasted HPA", async () => {
    const hpa = [
      "apiVersion: autoscaling/v2",
      "kind: HorizontalPodAutoscaler",
      `metadata: {name: web, namespace: ${NS}}`,
      "spec:",
      "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}",
      "  minReplicas: 1",
      "  maxReplicas: 10",
      "  metrics:",
      "  - type: Pods",
      "    pods:",
      "      metric: {name: http_requests_per_second}",
      '      target: {type: AverageValue, averageValue: "10"}',
      "  - type: Object",
      "    object:",
      "      describedObject: {apiVersion: apps/v1, kind: Deployment, name: web}",
      "      metric: {name: queue_latency_seconds}",
      '      target: {type: Value, value: "1"}',
    ].join("\n");
    await page.fill("textarea[name=hpa]", hpa);
    await page.fill("input[name=replicas]", "2");
    await page.fill("input[name=podSelector]", "app=web");
    await page.click("form#hpa-check button");
    await page.waitForSelector("#check-result");
    const requests = await page.locator("code[data-request]").evaluateAll((els) => els.map((e) => e.getAttribute("data-request")));
    expect(requests).toEqual([
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/pods/*/http_requests_per_second?labelSelector=app%3Dweb`,
      `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/deployments.apps/web/queue_latency_seconds`,
    ]);
    // Pods: average (30 + 20) / 2 = 25 against 10 → r = 2.5 → ⌈2.5 × 2⌉ = 5. Object Value: 1.5 / 1 → ⌈1.5 × 2⌉ = 3.
    expect(await page.getAttribute("[data-desired-replicas]", "data-desired-replicas")).toBe("5");
    expect(page.url()).toContain("check=1");
    expect(page.url()).not.toContain(node.readToken);
  });

  it("keeps the token for the tab only: a reload stays signed in, no cookie exists, sign out forgets it", async () => {
    await page.reload();
    await page.waitForSelector("#check-result");
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(["edge-metrics-adapter.read-token"]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await page.click("text=Refresh");
    await page.waitForSelector(`section[data-namespace="${NS}"]`);
    const shot = await page.screenshot({ type: "png" });
    expect([...shot.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    figures.screenshotBytes = shot.length;
    const target = process.env.STATUS_PAGE_SCREENSHOT;
    if (target) {
      const path = resolve(ROOT, target);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, shot);
    } else {
      writeFileSync(join(tempDir("screenshot"), "status-page.png"), shot);
    }

    await page.click("#logout");
    await page.waitForSelector("form#login");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("renders a namespace of 2000 series (figures: server time of GET /)", async () => {
    const n = 2000;
    const batch = Array.from({ length: n }, (_, i) => ({ namespace: "bulk", resource: "pods", name: `pod-${String(i).padStart(4, "0")}`, metric: "rps", value: String(i), ttlSeconds: 600 }));
    for (let i = 0; i < n; i += 1000) await writeOk("/write-metrics", batch.slice(i, i + 1000));
    const time = async (path: string) => {
      const samples: number[] = [];
      let bytes = 0;
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        const r = await fetch(node.base + path, { headers: { authorization: `Bearer ${node.readToken}` } });
        const body = await r.text();
        samples.push(performance.now() - t0);
        expect(r.status).toBe(200);
        bytes = body.length;
        if (path.includes("perNamespace=2000")) expect(body).toContain("pod-1999");
      }
      samples.sort((a, b) => a - b);
      return { ms: Math.round(samples[2]! * 10) / 10, bytes };
    };
    const d = await time("/");
    const all = await time("/?perNamespace=2000");
    Object.assign(figures, { renderMsDefault200PerNs: d.ms, pageBytesDefault: d.bytes, renderMs2000Series: all.ms, pageBytes2000Series: all.bytes });
    expect(all.ms).toBeLessThan(5_000);
  });
});

