/**
 * Shared harness for the control-plane scenarios (test/k8s/scenarios/*.test.ts).
 *
 * The control plane (etcd + kube-apiserver + kube-controller-manager) is started by `test/k8s/run.sh` through
 * `test/k8s/control-plane.sh run <minor> -- vitest ...`, which exports its variables (KUBECONFIG, K8S_KUBECTL,
 * K8S_FRONT_PROXY_CA_FILE, K8S_LOG_DIR, ...) into this process. Everything we start ourselves (workerd edge node,
 * workerd bridge, wrangler dev) runs in its own process group, logs to $K8S_LOG_DIR/<name>.log (git-ignored, tailed
 * by control-plane.sh on failure) and records its pgid in $K8S_RUN_DIR/pids/<name>.pid, so control-plane.sh's
 * stop (its EXIT trap, or its watchdog) kills it too even if this process dies without running afterAll.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { buildBundle, bundleIsStale, OFFLINE_ENV } from "../../../cli/lib/build";
import { render } from "../../../cli/manifests";
import { createCA, issue, loadSigner, serviceDnsNames } from "../../../cli/lib/pki";
import { wranglerCompat, writeWorkerdDir } from "../../../cli/lib/workerd";
import { createToken, freePort, ROOT, tcpOpen } from "../../node/helpers";

export { freePort, ROOT };

// ---------------------------------------------------------------------------------------------- environment
export interface Cluster {
  runDir: string;
  version: string;
  kubectlBin: string;
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
  return {
    runDir: e.K8S_RUN_DIR!,
    version: e.K8S_VERSION!,
    kubectlBin: e.K8S_KUBECTL!,
    kubeconfig: e.KUBECONFIG!,
    frontProxyCa: e.K8S_FRONT_PROXY_CA_FILE!,
    logDir: e.K8S_LOG_DIR!,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
export interface KubectlResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl asynchronously (the event loop must keep serving while we wait). */
export function kubectlRun(c: Cluster, args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(c.kubectlBin, ["--request-timeout=30s", ...args], {
      env: { ...process.env, KUBECONFIG: c.kubeconfig },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
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

/** Polls fn until it returns a truthy value; the error names what was awaited and the last value seen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}

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
 * allow any step (so the replica count jumps straight to what §2c predicts).
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

/** No kubelet runs: make a pod Running and Ready through the status subresource, as a kubelet would report it. */
export async function markRunning(c: Cluster, ns: string, pod: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const status = {
    status: {
      phase: "Running",
      startTime: now,
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
    externalName: "localhost",
    port,
    service: "custom-metrics-apiserver",
    namespace: "custom-metrics",
    externalMetrics: true,
    source: join(ROOT, "deploy/k8s"),
  });
  return files.get("all.yaml")!;
}

// ---------------------------------------------------------------------------------------------- PKI, tokens, bundle
export const SVC = "custom-metrics-apiserver.custom-metrics.svc";

export interface ServingPki {
  caPem: string;
  ca: string;
  cert: string;
  key: string;
}

/** Our own CA (the APIService caBundle) and a serving certificate for custom-metrics-apiserver.custom-metrics.svc. */
export async function servingPki(dir: string): Promise<ServingPki> {
  mkdirSync(dir, { recursive: true });
  const ca = await createCA("edge-metrics-adapter k8s-scenarios CA");
  const leaf = await issue(await loadSigner(ca.certPem, ca.keyPem), {
    commonName: SVC,
    dnsNames: serviceDnsNames("custom-metrics-apiserver", "custom-metrics"),
    usage: "server",
  });
  const p = { caPem: ca.certPem, ca: join(dir, "ca.crt"), cert: join(dir, "server.crt"), key: join(dir, "server.key") };
  writeFileSync(p.ca, ca.certPem);
  writeFileSync(p.cert, leaf.certPem);
  writeFileSync(p.key, leaf.keyPem, { mode: 0o600 });
  return p;
}

/** A write token made by the project's CLI (`token create`): the token and the WRITE_TOKENS JSON. */
export function writeToken(name: string): { token: string; writeTokens: string } {
  const t = createToken(name, "*");
  return { token: t.token, writeTokens: JSON.stringify([t.spec]) };
}

/** The Worker bundle, built once into test/k8s/.run/bundle and reused while src/ is unchanged. */
export function bundlePath(): string {
  const dir = join(ROOT, "test/k8s/.run/bundle");
  if (bundleIsStale(dir)) buildBundle(dir);
  return join(dir, "index.js");
}

// ---------------------------------------------------------------------------------------------- processes
export interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
  tail(lines?: number): string;
}

const running = new Set<Proc>();

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* gone */
  }
}

/**
 * Starts CMD in its own process group, stdout+stderr appended to $K8S_LOG_DIR/<name>.log, pgid recorded in
 * $K8S_RUN_DIR/pids/<name>.pid (control-plane.sh stop kills it if we do not).
 */
export function startProc(c: Cluster, name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const log = join(c.logDir, `${name}.log`);
  writeFileSync(log, `# ${new Date().toISOString()} ${cmd} ${args.join(" ")}\n`, { flag: "a" });
  const fd = openSync(log, "a");
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV, ...env }, detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const pidFile = join(c.runDir, "pids", `${name}.pid`);
  if (child.pid !== undefined && existsSync(join(c.runDir, "pids"))) writeFileSync(pidFile, `${child.pid}\n`);
  const exited = new Promise<number | null>((res) => child.on("exit", (code, sig) => res(code ?? (sig ? -1 : null))));
  const proc: Proc = {
    name,
    child,
    log,
    exited,
    tail: (lines = 40) => (existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-lines).join("\n") : ""),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child.pid, "SIGTERM");
        const t = setTimeout(() => killGroup(child.pid, "SIGKILL"), 8000);
        await exited;
        clearTimeout(t);
      }
      killGroup(child.pid, "SIGKILL"); // stragglers in the group (wrangler's workerd)
      rmSync(pidFile, { force: true });
      running.delete(proc);
    },
  };
  running.add(proc);
  return proc;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
process.on("exit", () => {
  for (const p of running) killGroup(p.child.pid, "SIGKILL");
});

export async function waitPort(p: Proc, port: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(`${p.name} listening on ${port}`, async () => {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited (${p.child.exitCode}):\n${p.tail()}`);
    return tcpOpen(port);
  }, timeoutMs, 200);
}

// ---------------------------------------------------------------------------------------------- edge node / bridge / wrangler
export interface EdgeNode {
  proc: Proc;
  aggregatorPort: number;
  publicPort: number;
  readToken: string;
  writeToken: string;
  /** POST to the public socket with the write token; asserts 200. */
  write(path: string, body: unknown): Promise<any>;
  /** Counters from GET /metrics on the public socket (READ_TOKEN). */
  counters(): Promise<Map<string, number>>;
}

const compat = () => wranglerCompat(join(ROOT, "wrangler.toml"));

/** What the edge node and the bridge configs share: the bundle, the .svc keypair, the front-proxy CA, settings. */
function sharedWorkerdOptions(c: Cluster, pki: ServingPki) {
  const { date, flags } = compat();
  return {
    bundle: bundlePath(),
    listen: "127.0.0.1",
    serverCert: pki.cert,
    serverKey: pki.key,
    frontProxyCa: c.frontProxyCa,
    uniqueKey: "edge-metrics-adapter-MetricsStore",
    compatibilityDate: date,
    compatibilityFlags: flags,
    defaultTtlSeconds: "300",
    readTokenEnv: "READ_TOKEN",
    writeTokensEnv: "WRITE_TOKENS",
    vars: {},
  };
}

/**
 * Our edge node: real workerd with the config `writeWorkerdDir` renders (the same as `cli workerd-config
 * --mode edge`): aggregator socket with the .svc certificate and the cluster's front-proxy CA; public socket for
 * writes and token reads; Durable Objects on local disk. READ_TOKEN and WRITE_TOKENS come from the environment.
 */
export async function startEdgeNode(c: Cluster, pki: ServingPki, dir: string): Promise<EdgeNode> {
  rmSync(join(dir, "state"), { recursive: true, force: true }); // a fresh store: no values from an earlier run
  const [aggregatorPort, publicPort] = [await freePort(), await freePort()];
  const readToken = `k8s-read-${Math.random().toString(36).slice(2)}`;
  const w = writeToken("k8s-scenarios-edge");
  const config = writeWorkerdDir({
    ...sharedWorkerdOptions(c, pki),
    mode: "edge",
    outDir: join(dir, "workerd"),
    aggregatorPort,
    publicPort,
    stateDir: join(dir, "state"),
  });
  const proc = startProc(c, "edge-workerd", join(ROOT, "node_modules/.bin/workerd"), ["serve", config, "--verbose"], {
    READ_TOKEN: readToken,
    WRITE_TOKENS: w.writeTokens,
  });
  await waitPort(proc, aggregatorPort);
  await waitPort(proc, publicPort);
  const base = `http://127.0.0.1:${publicPort}`;
  return {
    proc,
    aggregatorPort,
    publicPort,
    readToken,
    writeToken: w.token,
    write: (path, body) => postWrite(base, w.token, path, body),
    counters: () => scrapeCounters(base, readToken),
  };
}

export async function postWrite(base: string, token: string, path: string, body: unknown): Promise<any> {
  const r = await fetch(base + path, {
    method: "POST",
    body: JSON.stringify(body), // "2300m" → "\"2300m\"" (a JSON string, as the seed's curl -d '"1.5"')
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

export interface Wrangler {
  proc: Proc;
  port: number;
  base: string;
}

/** `wrangler dev` standing in for the Worker on Cloudflare (DEPLOYMENT=cloudflare), state in persistTo. */
export async function startWrangler(c: Cluster, port: number, persistTo: string, vars: Record<string, string>): Promise<Wrangler> {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--inspector-port", String(await freePort()), "--log-level", "warn", "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const proc = startProc(c, "wrangler-dev", join(ROOT, "node_modules/.bin/wrangler"), args);
  const base = `http://127.0.0.1:${port}`;
  await waitFor("wrangler dev /healthz", async () => {
    if (proc.child.exitCode !== null) throw new Error(`wrangler dev exited (${proc.child.exitCode}):\n${proc.tail()}`);
    return (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200;
  }, 120_000, 300);
  return { proc, port, base };
}

/** The bridge: workerd with the aggregator socket only, forwarding reads to `upstream` with the read token. */
export async function startBridge(c: Cluster, pki: ServingPki, dir: string, upstream: string, readToken: string): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const config = writeWorkerdDir({
    ...sharedWorkerdOptions(c, pki),
    mode: "bridge",
    outDir: join(dir, "bridge"),
    aggregatorPort: port,
    publicPort: 0,
    stateDir: join(dir, "bridge-state-unused"),
    upstream,
    upstreamTimeoutMs: 2000,
  });
  const proc = startProc(c, "bridge-workerd", join(ROOT, "node_modules/.bin/workerd"), ["serve", config, "--verbose"], { READ_TOKEN: readToken });
  await waitPort(proc, port);
  return { proc, port };
}

/** Makes sure a test fails loudly if `cmd` is missing rather than with an obscure spawn error. */
export function requireBinary(path: string): void {
  if (!existsSync(path)) throw new Error(`missing ${path} (npm ci?)`);
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${path} --version failed: ${r.stderr}`);
}
