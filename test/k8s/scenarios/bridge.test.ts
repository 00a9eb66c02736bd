/**
 * Bridge topology on a real control plane: kube-apiserver's aggregator → ExternalName `localhost` → a workerd
 * bridge (aggregator socket only) → `wrangler dev` standing in for the Worker on Cloudflare (DEPLOYMENT=cloudflare,
 * READ_TOKEN and WRITE_TOKENS vars). Writes go to wrangler dev. Then the upstream stops: the APIServices stay
 * Available, namespace deletion completes and the HPA holds its replicas; it starts again on the same
 * --persist-to directory and scaling resumes.
 *
 * Expected replica counts: the HPA's replica calculation (kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go), default tolerance τ = 0.1.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  APISERVICES, apiServiceAvailable, apiserverLogLines, apply, cluster, expectOpenApiAggregated, openApiLogProblems, createNamespace, deleteNamespace, deployment, expectApiResourcesClean,
  expectReplicasHeld, freePort, hpa, hpaStatus, kubectl, kubectlRun, postWrite, renderedManifests, servingPki, sleep,
  finish, startBridge, startWrangler, Timings, waitApiServicesAvailable, waitFor, waitReplicas, writeToken,
  type Cluster, type Proc, type ServingPki, type Wrangler,
} from "./lib";

const c: Cluster = cluster();
const t = new Timings();
const NS = "b-scale";
let pki: ServingPki;
let upstream: Wrangler;
let upstreamPort: number;
let persistTo: string;
let vars: Record<string, string>;
let token: string;
let bridgePort: number;
let bridge: { proc: Proc; port: number };
let logFrom = 0;

const raw = async (path: string) => JSON.parse(await kubectl(c, ["get", "--raw", path]));
const write = (path: string, body: unknown) => postWrite(upstream.base, token, path, body);
const objectMetric = (name: string, averageValue: string) => ({
  type: "Object",
  object: {
    describedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
    metric: { name },
    target: { type: "AverageValue", averageValue },
  },
});

beforeAll(async () => {
  const dir = join(c.runDir, "bridge");
  pki = await servingPki(c, join(dir, "pki"));
  const readToken = `k8s-bridge-read-${Math.random().toString(36).slice(2)}`;
  const w = await writeToken("k8s-scenarios-bridge");
  token = w.token;
  vars = { DEPLOYMENT: "cloudflare", READ_TOKEN: readToken, WRITE_TOKENS: w.writeTokens };
  upstreamPort = await freePort();
  persistTo = join(dir, "wrangler-state");
  rmSync(persistTo, { recursive: true, force: true }); // fresh at the start; kept across the restart below
  upstream = await startWrangler(c, upstreamPort, persistTo, vars);
  t.mark("wranglerDevStart");
  bridge = await startBridge(c, pki, dir, upstream.base, readToken);
  bridgePort = bridge.port;
  t.mark("bridgeStart");
}, 300_000);

afterAll(() => finish(c, t, "bridge"));

describe(`bridge → wrangler dev on a real control plane (${c.version})`, () => {
  it("deploy/ re-rendered for the bridge's port: every APIService becomes Available", async () => {
    logFrom = apiserverLogLines(c).length;
    await apply(c, renderedManifests(pki.caPem, bridgePort));
    await waitApiServicesAvailable(c);
    t.mark("apiServicesAvailable");
    await expectApiResourcesClean(c);
  });

  it("OpenAPI through the bridge: kube-apiserver serves our documents, no OpenAPI trouble logged for our APIServices", async () => {
    const ours = async (path: string) => {
      const r = await fetch(upstream.base + path, { headers: { authorization: `Bearer ${vars.READ_TOKEN}` } });
      expect(r.status, path).toBe(200);
      return r.json();
    };
    const { logLine } = await expectOpenApiAggregated(c, ours);
    await sleep(3_000);
    expect(openApiLogProblems(c, Math.max(logFrom, logLine))).toEqual([]);
    t.mark("openApiAggregated");
  });

  it("writes to wrangler dev scale Deployments through the bridge (Object and External)", async () => {
    await createNamespace(c, NS);
    await apply(c, deployment("web", 1), NS);
    await apply(c, deployment("worker", 1), NS);
    await write(`/write-metrics/namespaces/${NS}/deployments.apps/web/requests_per_second`, "2");
    await write("/write-external-metrics", [
      { namespace: NS, metric: "queue_depth", value: "12", labels: { queue: "orders" } },
      { namespace: NS, metric: "queue_depth", value: "900", labels: { queue: "billing" } },
    ]);
    const v2 = await raw(`/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/deployments.apps/web/requests_per_second`);
    expect(v2.items[0]).toMatchObject({ describedObject: { kind: "Deployment", name: "web" }, value: "2" });
    await apply(c, hpa("web", "web", [objectMetric("requests_per_second", "500m")]), NS);
    await apply(c, hpa("worker", "worker", [{
      type: "External",
      external: { metric: { name: "queue_depth", selector: { matchLabels: { queue: "orders" } } }, target: { type: "AverageValue", averageValue: "4" } },
    }]), NS);
    // Object AverageValue: r = 2/(0.5 × 1) = 4 → ⌈2/0.5⌉ = 4.
    await waitReplicas(c, NS, "web", 4);
    // External AverageValue (queue=orders only): r = 12/(4 × 1) = 3 → ⌈12/4⌉ = 3.
    await waitReplicas(c, NS, "worker", 3);
    t.mark("scaledThroughBridge");
  });

  it("upstream stopped: APIServices stay Available, namespace deletion completes, the HPA holds its replicas", async () => {
    const before = new Map<string, string>();
    for (const n of APISERVICES) before.set(n, (await apiServiceAvailable(c, n))!.lastTransitionTime);
    await upstream.proc.stop();
    expect(await fetch(`${upstream.base}/healthz`).then(() => "up", () => "down")).toBe("down");
    t.mark("upstreamStopped");

    // The HPA sees the outage (the bridge answers metric reads with 503) ...
    const cond = await waitFor("web: ScalingActive=False (FailedGetObjectMetric)", async () => {
      const sa = (await hpaStatus(c, NS, "web")).conditions?.find((x) => x.type === "ScalingActive");
      return sa?.status === "False" && sa.reason === "FailedGetObjectMetric" ? sa : undefined;
    }, 60_000);
    expect(cond.message).toMatch(/requests_per_second/);
    // ... and holds the replica counts.
    await expectReplicasHeld(c, NS, "web", 4, 6_000);
    expect(await (async () => Number(await kubectl(c, ["-n", NS, "get", "deployment", "worker", "-o", "jsonpath={.spec.replicas}"])))()).toBe(3);

    // Force a fresh availability probe of every APIService (an update triggers the availability controller)
    // and check they stay Available=True without a transition: discovery comes from the bridge's cache.
    const stamp = String(Date.now());
    for (const n of APISERVICES) await kubectl(c, ["annotate", "apiservice", n, `edge-metrics-adapter.test/probe=${stamp}`, "--overwrite"]);
    await sleep(8_000);
    for (const n of APISERVICES) {
      const a = await apiServiceAvailable(c, n);
      expect(a?.status, `${n}: ${JSON.stringify(a)}`).toBe("True");
      expect(a?.lastTransitionTime, `${n} must not have flapped`).toBe(before.get(n));
    }
    await expectApiResourcesClean(c);

    // Namespace deletion needs complete discovery (the namespace controller lists every namespaced resource).
    await createNamespace(c, "b-scratch");
    await kubectl(c, ["-n", "b-scratch", "create", "configmap", "x", "--from-literal=a=b"]);
    const ms = await deleteNamespace(c, "b-scratch", 60_000);
    console.log(`[k8s ${c.version}] namespace deletion with the upstream down: ${ms} ms`);
    await expectReplicasHeld(c, NS, "web", 4, 2_000);
    t.mark("outageChecks");
  });

  it("upstream back (same --persist-to): the stored value is served again and scaling resumes", async () => {
    upstream = await startWrangler(c, upstreamPort, persistTo, vars);
    t.mark("wranglerDevRestart");
    // The value written before the outage survived in the persisted Durable Object state.
    const v2 = await waitFor("metric read through the bridge again", async () => {
      const r = await kubectlRun(c, ["get", "--raw", `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${NS}/deployments.apps/web/requests_per_second`]);
      return r.status === 0 ? JSON.parse(r.stdout) : undefined;
    }, 60_000, 1000);
    expect(v2.items[0].value).toBe("2");
    await write(`/write-metrics/namespaces/${NS}/deployments.apps/web/requests_per_second`, "3500m");
    // r = 3.5/(0.5 × 4) = 1.75 → ⌈3.5/0.5⌉ = 7.
    await waitReplicas(c, NS, "web", 7);
    await waitFor("web: ScalingActive=True", async () =>
      (await hpaStatus(c, NS, "web")).conditions?.find((x) => x.type === "ScalingActive")?.status === "True", 60_000);
    t.mark("scalingResumed");
    await deleteNamespace(c, NS);
    t.mark("namespaceDeleted");
  });

  it("control: the probe used above does detect a dead backend (bridge stopped → Available=False)", async () => {
    // Proves the outage check has teeth: the same forced re-probe flips the APIServices once nothing answers.
    await bridge.proc.stop();
    const stamp = String(Date.now());
    for (const n of APISERVICES) await kubectl(c, ["annotate", "apiservice", n, `edge-metrics-adapter.test/probe=${stamp}`, "--overwrite"]);
    for (const n of APISERVICES) {
      const a = await waitFor(`${n} Available=False`, async () => {
        const x = await apiServiceAvailable(c, n);
        return x?.status === "False" ? x : undefined;
      }, 60_000);
      expect(a.reason).toBe("FailedDiscoveryCheck");
    }
    t.mark("controlBridgeDown");
  });
});
