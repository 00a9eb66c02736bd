/**
 * What the control-plane scenarios (test/k8s/scenarios/*.test.ts) share on top of the common harness
 * (test/harness): the cluster's environment, kubectl against it, workloads and HPAs, APIService checks, and the
 * edge node, bridge and wrangler dev wired to the cluster.
 *
 * The control plane (etcd + kube-apiserver + kube-controller-manager) is started by `test/k8s/run.sh` through
 * `test/k8s/control-plane.sh run <minor> -- vitest ...`, which exports its variables (KUBECONFIG, K8S_KUBECTL,
 * K8S_FRONT_PROXY_CA_FILE, K8S_LOG_DIR, ...) into this process. Everything we start ourselves (workerd edge node,
 * workerd bridge, wrangler dev) logs to $K8S_LOG_DIR/<name>.log (git-ignored, tailed by control-plane.sh on
 * failure) and records its process group in $K8S_RUN_DIR/pids/<name>.pid, so control-plane.sh's stop (its EXIT
 * trap, or its watchdog) kills it too even if this process dies without running afterAll.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { render } from "../../../cli/manifests";
import {
  cleanup, freePort, kubectl as runKubectl, makeTokens, ROOT, sleep, startWranglerDev, testPki, waitFor as poll, WorkerdNode,
  type Proc, type Run, type TestPki, type TokenDef, type WranglerDev,
} from "../../harness";

export { freePort, ROOT, sleep, type Proc };
export type Wrangler = WranglerDev;

// ---------------------------------------------------------------------------------------------- environment
export interface Cluster {
  runDir: string;
  version: string;
  kubeconfig: string;
  frontProxyCa: string;
  logDir: string;
}

export function cluster(): Cluster {
  const e = process.env;
  const need = ["K8S_RUN_DIR", "K8S_VERSION", "K8S_KUBECTL", "KUBECONFIG", "K8S_FRONT_PROXY_CA_FILE", "K8S_LOG_DIR"];
  const missing = need.filter((k) => !e[k]);
  if (missing.length) {
    throw new Error(`no control plane in the environment (${missing.join(", ")} unset): run \`npm run test:k8s\`, or\n` +
      `  test/k8s/control-plane.sh run 1.37 -- npx vitest run --config vitest.k8s.config.ts`);
  }
  return { runDir: e.K8S_RUN_DIR!, version: e.K8S_VERSION!, kubeconfig: e.KUBECONFIG!, frontProxyCa: e.K8S_FRONT_PROXY_CA_FILE!, logDir: e.K8S_LOG_DIR! };
}

/** Where a process we start logs, records its group for control-plane.sh, and how long it may live. */
export const supervised = (c: Cluster, name: string) => ({
  name,
  logFile: join(c.logDir, `${name}.log`),
  pidDir: join(c.runDir, "pids"),
  lifetimeSeconds: Number(process.env.K8S_MAX_LIFETIME ?? 1800),
});

/**
 * afterAll of a scenario file: unregisters our APIServices (the next file expects none pointing at a process that
 * is gone), stops everything this file started and writes its timeline.
 */
export async function finish(c: Cluster, t: Timings, file: string): Promise<void> {
  await kubectlRun(c, ["delete", "apiservice", ...APISERVICES, "--ignore-not-found"]);
  await cleanup();
  t.save(c, file);
}

/** Polls with the scenarios' defaults (90 s, every 500 ms: each poll runs kubectl). */
export const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 90_000, everyMs = 500) =>
  poll(what, fn, timeoutMs, { everyMs });

/** Timeline of the run (printed in afterAll and written to $K8S_RUN_DIR/timings-<file>.json). */
export class Timings {
  private t0 = performance.now();
  private last = this.t0;
  readonly marks: Record<string, number> = {};
  mark(name: string): void {
    const now = performance.now();
    this.marks[name] = Math.round(now - this.last);
    this.last = now;
  }
  total(): number {
    return Math.round(performance.now() - this.t0);
  }
  save(c: Cluster, file: string): void {
    const data = { version: c.version, totalMs: this.total(), stepsMs: this.marks };
    writeFileSync(join(c.runDir, `timings-${file}.json`), JSON.stringify(data, null, 2) + "\n");
    console.log(`[k8s ${c.version}] ${file}: ${JSON.stringify(data)}`);
  }
}

// ---------------------------------------------------------------------------------------------- kubectl
export type KubectlResult = Run;

/** kubectl against the control plane (the harness finds its binary through K8S_KUBECTL). */
export function kubectlRun(c: Cluster, args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
  return runKubectl(args, { kubeconfig: c.kubeconfig, input, timeoutMs });
}

/** kubectl that must succeed; returns stdout. */
export async function kubectl(c: Cluster, args: string[], input?: string): Promise<string> {
  const r = await kubectlRun(c, args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} → exit ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export async function kubectlJson<T = any>(c: Cluster, args: string[]): Promise<T> {
  return JSON.parse(await kubectl(c, [...args, "-o", "json"])) as T;
}

export const apply = (c: Cluster, yaml: string, ns?: string) => kubectl(c, [...(ns ? ["-n", ns] : []), "apply", "-f", "-"], yaml);

// ---------------------------------------------------------------------------------------------- workloads
/** A Deployment whose pods never run (no kubelet, no scheduler): the HPA scales its spec.replicas. */
export function deployment(name: string, replicas: number, labels: Record<string, string> = { app: name }): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "app", image: "registry.invalid/none:0" }] },
      },
    },
  });
}

/**
 * HPA with behavior that lets any change happen on the next sync: no stabilization window, and policies that
 * allow any step (so the replica count jumps straight to what the HPA's replica calculation predicts: kubernetes/kubernetes
 * pkg/controller/podautoscaler/replica_calculator.go).
 */
export function hpa(name: string, target: string, metrics: object[], min = 1, max = 20): string {
  const policies = (percent: number) => [
    { type: "Percent", value: percent, periodSeconds: 1 },
    { type: "Pods", value: 100, periodSeconds: 1 },
  ];
  return JSON.stringify({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target },
      minReplicas: min,
      maxReplicas: max,
      metrics,
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: policies(1000) },
        scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: policies(100) },
      },
    },
  });
}

export async function replicas(c: Cluster, ns: string, name: string): Promise<number> {
  return Number(await kubectl(c, ["-n", ns, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}"]));
}

export interface HpaStatus {
  desiredReplicas?: number;
  currentReplicas?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  currentMetrics?: unknown[];
}
export async function hpaStatus(c: Cluster, ns: string, name: string): Promise<HpaStatus> {
  return (await kubectlJson(c, ["-n", ns, "get", "hpa", name])).status ?? {};
}

/** Waits until the Deployment's spec.replicas is `want`; on timeout, the error carries the HPA's status. */
export async function waitReplicas(c: Cluster, ns: string, deploy: string, want: number, hpaName = deploy, timeoutMs = 120_000): Promise<number> {
  const t0 = Date.now();
  try {
    await waitFor(`${ns}/${deploy} spec.replicas = ${want}`, async () => (await replicas(c, ns, deploy)) === want, timeoutMs, 500);
  } catch (e) {
    const st = await hpaStatus(c, ns, hpaName).catch((x: Error) => x.message);
    const ev = await kubectl(c, ["-n", ns, "get", "events", "--sort-by=.lastTimestamp"]).catch((x: Error) => x.message);
    throw new Error(`${(e as Error).message}\nreplicas now: ${await replicas(c, ns, deploy).catch(() => "?")}\nHPA status: ${JSON.stringify(st, null, 1)}\nevents:\n${ev.split("\n").slice(-25).join("\n")}`);
  }
  return Date.now() - t0;
}

/** Asserts spec.replicas stays `want` for `ms` (sampled every second). */
export async function expectReplicasHeld(c: Cluster, ns: string, deploy: string, want: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect(await replicas(c, ns, deploy), `${ns}/${deploy} replicas must stay ${want}`).toBe(want);
    await sleep(1000);
  }
}

export interface Pod {
  name: string;
  labels: Record<string, string>;
  phase: string;
}
export async function pods(c: Cluster, ns: string, selector: string): Promise<Pod[]> {
  const list = await kubectlJson(c, ["-n", ns, "get", "pods", "-l", selector]);
  return list.items
    .filter((p: any) => !p.metadata.deletionTimestamp)
    .map((p: any) => ({ name: p.metadata.name, labels: p.metadata.labels ?? {}, phase: p.status?.phase ?? "" }))
    .sort((a: Pod, b: Pod) => a.name.localeCompare(b.name));
}

export async function waitPods(c: Cluster, ns: string, selector: string, n: number): Promise<Pod[]> {
  return waitFor(`${n} pods ${ns}/${selector}`, async () => {
    const p = await pods(c, ns, selector);
    return p.length === n ? p : undefined;
  });
}

/**
 * No kubelet runs: make a pod Running and Ready through the status subresource, as a kubelet would report it;
 * with `podIP`, also the address a scraper's Kubernetes service discovery finds it at.
 */
export async function markRunning(c: Cluster, ns: string, pod: string, podIP?: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const status = {
    status: {
      phase: "Running",
      startTime: now,
      ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: now },
        { type: "Initialized", status: "True", lastTransitionTime: now },
        { type: "ContainersReady", status: "True", lastTransitionTime: now },
        { type: "Ready", status: "True", lastTransitionTime: now },
      ],
    },
  };
  await kubectl(c, ["-n", ns, "patch", "pod", pod, "--subresource=status", "--type=merge", "-p", JSON.stringify(status)]);
}

export async function createNamespace(c: Cluster, ns: string): Promise<void> {
  await kubectl(c, ["create", "namespace", ns]);
  // Pods need the namespace's `default` ServiceAccount (made by the serviceaccount controller).
  await waitFor(`serviceaccount ${ns}/default`, async () => (await kubectlRun(c, ["-n", ns, "get", "serviceaccount", "default"])).status === 0, 60_000);
}

/** Deletes a namespace and waits until it is gone: fails if our APIServices block the namespace controller. */
export async function deleteNamespace(c: Cluster, ns: string, timeoutMs = 90_000): Promise<number> {
  const t0 = Date.now();
  await kubectl(c, ["delete", "namespace", ns, "--wait=false"]);
  try {
    await waitFor(`namespace ${ns} deleted`, async () => (await kubectlRun(c, ["get", "namespace", ns])).status !== 0, timeoutMs, 500);
  } catch (e) {
    const st = await kubectl(c, ["get", "namespace", ns, "-o", "jsonpath={.status}"]).catch((x: Error) => x.message);
    throw new Error(`${(e as Error).message}\nnamespace status: ${st}`);
  }
  return Date.now() - t0;
}

/** `kubectl api-resources` must exit 0 with nothing on stderr (no "unable to retrieve the complete list"). */
export async function expectApiResourcesClean(c: Cluster): Promise<string> {
  const r = await kubectlRun(c, ["api-resources"]);
  expect(r.stderr, "kubectl api-resources stderr").toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------- APIServices
export const APISERVICES = ["v1beta1.custom.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io", "v1beta1.external.metrics.k8s.io"];

export async function apiServiceAvailable(c: Cluster, name: string): Promise<{ status: string; reason: string; message: string; lastTransitionTime: string } | undefined> {
  const r = await kubectlRun(c, ["get", "apiservice", name, "-o", "json"]);
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout).status?.conditions?.find((x: { type: string }) => x.type === "Available");
}

export async function waitApiServicesAvailable(c: Cluster, names = APISERVICES, timeoutMs = 120_000): Promise<void> {
  for (const n of names) {
    await waitFor(`APIService ${n} Available=True`, async () => {
      const a = await apiServiceAvailable(c, n);
      if (a?.status === "True") return true;
      throw new Error(JSON.stringify(a));
    }, timeoutMs);
  }
}

/** The project's own manifests (cli/manifests.ts render of deploy/k8s) pointed at localhost:<port>. */
export function renderedManifests(caPem: string, port: number): string {
  const files = render({
    caPem,
    backend: { externalName: "localhost" },
    port,
    service: "custom-metrics-apiserver",
    namespace: "custom-metrics",
    externalMetrics: true,
    source: join(ROOT, "deploy/k8s"),
  });
  return files.get("all.yaml")!;
}

// ---------------------------------------------------------------------------------------------- OpenAPI
/** Lines of kube-apiserver's log so far (to look only at what comes after a point). */
export function apiserverLogLines(c: Cluster): string[] {
  const file = join(c.logDir, "kube-apiserver.log");
  return existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
}

/**
 * kube-apiserver's OpenAPI controllers reporting trouble with one of our APIServices, from line `since` on: a failed
 * load (kube-aggregator pkg/controllers/openapi{,v3}/controller.go "loading OpenAPI spec for %q failed with"), its
 * rate-limited requeue, a v3 item dropped, or a failed download when specs are merged (openapi/aggregator/aggregator.go).
 *
 * Callers look from the moment our documents were seen through kube-apiserver on: before that, the controllers'
 * first look (a second after an APIService is added) can meet the aggregator's own 503 for an APIService not yet
 * Available (pkg/apiserver/handler_proxy.go), logged in the same words although we were never asked. Both
 * controllers load again a minute after a success (successfulUpdateDelay), the v2 one with If-None-Match.
 */
export function openApiLogProblems(c: Cluster, since: number): string[] {
  return apiserverLogLines(c).slice(since).filter((line) =>
    APISERVICES.some((name) => line.includes(name)) &&
    /loading OpenAPI spec|failed to download|Rate Limited Requeue|removed from the queue|OpenAPI.*(error|fail)/i.test(line));
}

/** How long to watch for the controllers' next loads after a success (successfulUpdateDelay = 1 min, plus slack). */
export const OPENAPI_RESYNC_MS = 65_000;

/** Every `$ref` of a schema, as definition names. */
const refsOf = (schema: unknown, prefix: string) => [...JSON.stringify(schema).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!.slice(prefix.length));

/**
 * Through kube-apiserver: the v3 root lists our group/versions with our hashed URLs, `/openapi/v3/apis/<g>/<v>` is our
 * document (byte for byte as JSON), and the merged /openapi/v2 holds our paths and definitions, every definition they
 * reference equal to ours (kube-aggregator keeps a same-named shared definition only when it is identical and renames
 * ours otherwise; either way the references must lead to our schemas). `ours` fetches a path from our adapter.
 */
export async function expectOpenApiAggregated(c: Cluster, ours: (path: string) => Promise<any>): Promise<{ renamed: string[]; logLine: number }> {
  const gvs = APISERVICES.map((n) => n.split(/\.(.*)/s)).map(([version, group]) => `apis/${group}/${version}`);
  const mine = await ours("/openapi/v3");
  let logLine = 0;
  const root = await waitFor("kube-apiserver /openapi/v3 to list our group/versions", async () => {
    logLine = apiserverLogLines(c).length;
    const r = JSON.parse(await kubectl(c, ["get", "--raw", "/openapi/v3"]));
    return gvs.every((gv) => r.paths?.[gv]?.serverRelativeURL === mine.paths[gv].serverRelativeURL) ? r : undefined;
  });
  for (const gv of gvs) {
    const doc = JSON.parse(await kubectl(c, ["get", "--raw", `/openapi/v3/${gv}`]));
    expect(doc, gv).toEqual(await ours(`/openapi/v3/${gv}`));
    const hashed = JSON.parse(await kubectl(c, ["get", "--raw", root.paths[gv].serverRelativeURL]));
    expect(hashed.openapi, gv).toBe("3.0.0");
  }
  const merged = JSON.parse(await kubectl(c, ["get", "--raw", "/openapi/v2"]));
  const ourV2 = await ours("/openapi/v2");
  for (const path of Object.keys(ourV2.paths)) expect(merged.paths[path], `merged /openapi/v2 path ${path}`).toBeDefined();
  const renamed: string[] = [];
  for (const name of Object.keys(ourV2.definitions).filter((n) => n.startsWith("io.k8s.metrics."))) {
    const theirs = merged.definitions[name];
    expect(theirs, `merged definition ${name}`).toBeDefined();
    const ourRefs = refsOf(ourV2.definitions[name], "#/definitions/");
    const mergedRefs = refsOf(theirs, "#/definitions/");
    expect(mergedRefs.length).toBe(ourRefs.length);
    mergedRefs.forEach((ref, i) => {
      expect(merged.definitions[ref], `${name} → ${ref}`).toEqual(ourV2.definitions[ourRefs[i]!]);
      if (ref !== ourRefs[i]) renamed.push(`${ourRefs[i]} → ${ref}`);
    });
  }
  return { renamed: [...new Set(renamed)], logLine };
}

// ---------------------------------------------------------------------------------------------- edge node / bridge / wrangler
export type ServingPki = TestPki;

/** Our own CA (the APIService caBundle) and the .svc serving certificate; the front-proxy CA is the cluster's. */
export function servingPki(c: Cluster, dir: string): Promise<ServingPki> {
  return testPki(dir, { frontProxyCa: c.frontProxyCa });
}

export interface EdgeNode {
  node: WorkerdNode;
  aggregatorPort: number;
  publicPort: number;
  readToken: string;
  writeToken: string;
  /** POST to the public socket with the write token; asserts 200. */
  write(path: string, body: unknown): Promise<any>;
  /** Counters from GET /metrics on the public socket (READ_TOKEN). */
  counters(): Promise<Map<string, number>>;
}

/**
 * Our edge node: real workerd with the config `cli workerd-config --mode edge` renders: aggregator socket with the
 * .svc certificate and the cluster's front-proxy CA; public socket for writes and token reads; Durable Objects on
 * local disk (a fresh store). READ_TOKEN and WRITE_TOKENS come from the environment, as in production. With
 * `listen` and `wrapper` it runs on another address, e.g. inside a network namespace (test/harness/netns.ts);
 * `operations` are the write token's (default: write).
 */
export async function startEdgeNode(
  c: Cluster, pki: ServingPki, dir: string, o: { listen?: string; wrapper?: string[]; operations?: TokenDef["operations"] } = {},
): Promise<EdgeNode> {
  const node = await WorkerdNode.create({
    mode: "edge",
    dir,
    pki,
    tokens: [{ name: "k8s-scenarios-edge", namespaces: ["*"], ...(o.operations ? { operations: o.operations } : {}) }],
    secretsFromEnv: true,
    listen: o.listen,
    start: { ...supervised(c, "edge-workerd"), args: ["--verbose"], wrapper: o.wrapper },
  });
  await node.start(60_000);
  const writeToken = node.tokens["k8s-scenarios-edge"]!;
  return {
    node,
    aggregatorPort: node.aggregatorPort,
    publicPort: node.publicPort,
    readToken: node.readToken,
    writeToken,
    write: (path, body) => postWrite(node.base, writeToken, path, body),
    counters: () => scrapeCounters(node.base, node.readToken),
  };
}

export async function postWrite(base: string, token: string, path: string, body: unknown): Promise<any> {
  const r = await fetch(base + path, {
    method: "POST",
    body: JSON.stringify(body), // "2300m" → "\"2300m\"" (a JSON string, as in the README's curl -d '"1.5"')
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
  });
  const text = await r.text();
  expect(r.status, `POST ${path} ${JSON.stringify(body)} → ${text}`).toBe(200);
  return JSON.parse(text);
}

/** `edge_metrics_http_requests_total{api,method,code}` → value, keyed "api code" (GET only). */
export async function scrapeCounters(base: string, readToken: string): Promise<Map<string, number>> {
  const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${readToken}` } });
  const text = await r.text();
  expect(r.status, text).toBe(200);
  const m = new Map<string, number>();
  for (const line of text.split("\n")) {
    const x = /^edge_metrics_http_requests_total\{api="([^"]+)",method="GET",code="(\d+)"\} (\d+)$/.exec(line);
    if (x) m.set(`${x[1]} ${x[2]}`, Number(x[3]));
  }
  return m;
}

/** Sum of counters whose key starts with `api` (and has `code`, if given), as the difference b − a. */
export function delta(a: Map<string, number>, b: Map<string, number>, api: string, code?: string): number {
  let d = 0;
  for (const [k, v] of b) {
    const [kApi, kCode] = k.split(" ");
    if (kApi === api && (code === undefined || kCode === code)) d += v - (a.get(k) ?? 0);
  }
  return d;
}

/** `wrangler dev` standing in for the Worker on Cloudflare (DEPLOYMENT=cloudflare), state in persistTo. */
export function startWrangler(c: Cluster, port: number, persistTo: string, vars: Record<string, string>): Promise<WranglerDev> {
  return startWranglerDev({ ...supervised(c, "wrangler-dev"), port, persistTo, vars });
}

/** The bridge: workerd with the aggregator socket only, forwarding reads to `upstream` with the read token. */
export async function startBridge(c: Cluster, pki: ServingPki, dir: string, upstream: string, readToken: string): Promise<{ proc: Proc; port: number }> {
  const node = await WorkerdNode.create({
    mode: "bridge",
    dir: join(dir, "bridge"),
    pki,
    readToken,
    secretsFromEnv: true,
    upstream,
    upstreamTimeoutMs: 2000,
    start: { ...supervised(c, "bridge-workerd"), args: ["--verbose"] },
  });
  await node.start(60_000);
  return { proc: node.proc!, port: node.aggregatorPort };
}

/** A write token made as `cli token create` makes it: the token and the WRITE_TOKENS JSON. */
export async function writeToken(name: string): Promise<{ token: string; writeTokens: string }> {
  const t = await makeTokens([{ name, namespaces: ["*"] }]);
  return { token: t.token[name]!, writeTokens: t.writeTokens };
}
