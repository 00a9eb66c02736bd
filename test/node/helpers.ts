/**
 * Node-side test helpers: real processes (workerd, wrangler dev, kubectl, the CLI) on loopback, random free
 * ports, temporary directories, and a cleanup that kills whole process groups even when a test fails.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer, connect as netConnect } from "node:net";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkServerIdentity } from "node:tls";
import { buildBundle, OFFLINE_ENV } from "../../cli/lib/build";
import { createCA, issue, loadSigner } from "../../cli/lib/pki";
import { freePort, tcpOpen } from "../../cli/lib/net";
export { freePort, tcpOpen };

export const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const BIN = (name: string) => join(ROOT, "node_modules", ".bin", name);
export const SVC_NAME = "custom-metrics-apiserver.custom-metrics.svc";

// ---------------------------------------------------------------------------------------------- temp dirs
const tempDirs: string[] = [];
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `ema-${prefix}-`));
  tempDirs.push(d);
  return d;
}

// ---------------------------------------------------------------------------------------------- processes
export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  exited: Promise<number | null>;
}

const running = new Set<Proc>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole process group (wrangler spawns workerd children)
  } catch {
    /* already gone */
  }
}

/** Starts a command in its own process group; output is kept for diagnostics. */
export function start(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...OFFLINE_ENV, ...opts.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const proc: Proc = {
    child,
    output: () => out,
    exited,
    stop: async (signal = "SIGTERM") => {
      killGroup(child, signal);
      const t = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
      // wrangler's workerd children live in the same group; make sure none is left behind.
      killGroup(child, "SIGKILL");
      running.delete(proc);
    },
  };
  running.add(proc);
  return proc;
}

/** Kills every process started through `start` and removes temp dirs. Call from afterAll. */
export async function cleanup(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
process.on("exit", () => {
  for (const p of running) killGroup(p.child, "SIGKILL");
});


export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, proc?: Proc): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${what}: process exited (${proc.child.exitCode})\n${proc.output()}`);
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${String(last)}\n${proc?.output() ?? ""}`);
}


// ---------------------------------------------------------------------------------------------- bundle
let bundlePromise: Promise<string> | undefined;
/** Builds the real bundle once per test file into a temp dir (or uses EDGE_METRICS_TEST_BUNDLE). */
export function bundle(): Promise<string> {
  bundlePromise ??= Promise.resolve().then(() => process.env.EDGE_METRICS_TEST_BUNDLE ?? buildBundle(tempDir("dist")));
  return bundlePromise;
}

// ---------------------------------------------------------------------------------------------- CLI
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(BIN("tsx"), [join(ROOT, "cli/main.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV, ...env }, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like `cli` but without blocking the event loop (needed when the endpoint is a server in this process). */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(BIN("tsx"), [join(ROOT, "cli/main.ts"), ...args], { cwd: ROOT, env: { ...process.env, ...OFFLINE_ENV, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const t = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (status) => {
      clearTimeout(t);
      res({ status, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------- PKI
export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  frontProxyCa: string;
  clientCert: string;
  clientKey: string;
  /** A CA the server does not trust, with a client certificate it signed. */
  rogueCa: string;
  rogueClientCert: string;
  rogueClientKey: string;
}

/** `cli pki --dev-front-proxy` plus a rogue CA and client certificate (file paths). */
export async function makePki(): Promise<TestPki> {
  const dir = tempDir("pki");
  const r = cli(["pki", "--out", dir, "--dev-front-proxy"]);
  if (r.status !== 0) throw new Error(`cli pki failed: ${r.stdout}${r.stderr}`);
  const rogue = await createCA("rogue-ca");
  const rogueClient = await issue(await loadSigner(rogue.certPem, rogue.keyPem), { commonName: "front-proxy-client", usage: "client" });
  writeFileSync(join(dir, "rogue-ca.crt"), rogue.certPem);
  writeFileSync(join(dir, "rogue-client.crt"), rogueClient.certPem);
  writeFileSync(join(dir, "rogue-client.key"), rogueClient.keyPem);
  return {
    dir,
    ca: join(dir, "ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    frontProxyCa: join(dir, "front-proxy-ca.crt"),
    clientCert: join(dir, "front-proxy-client.crt"),
    clientKey: join(dir, "front-proxy-client.key"),
    rogueCa: join(dir, "rogue-ca.crt"),
    rogueClientCert: join(dir, "rogue-client.crt"),
    rogueClientKey: join(dir, "rogue-client.key"),
  };
}

export const read = (p: string) => readFileSync(p, "utf8");

/** `cli token create` (the lead's command): returns the token and its WRITE_TOKENS entry. */
export function createToken(name: string, namespaces: string, extra: string[] = []): { token: string; spec: object } {
  const r = cli(["token", "create", "--name", name, "--namespaces", namespaces, ...extra]);
  const token = /token \(shown once\): (\S+)/.exec(r.stdout)?.[1];
  const entry = /WRITE_TOKENS entry: (.+)$/m.exec(r.stdout)?.[1];
  if (r.status !== 0 || !token || !entry) throw new Error(`cli token create failed: ${r.stdout}${r.stderr}`);
  return { token, spec: JSON.parse(entry) };
}

// ---------------------------------------------------------------------------------------------- TLS client
export interface TlsGet {
  port: number;
  path: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  servername?: string;
  ca?: string;
  cert?: string;
  key?: string;
}
export interface TlsResult {
  status?: number;
  body?: string;
  contentType?: string;
  error?: NodeJS.ErrnoException;
}
/** One HTTPS request from Node with explicit SNI, CA and client certificate (verification like Go: name = SNI). */
export function tlsRequest(o: TlsGet): Promise<TlsResult> {
  return new Promise((res) => {
    const servername = o.servername ?? SVC_NAME;
    const req = httpsRequest({
      host: "127.0.0.1",
      port: o.port,
      path: o.path,
      method: o.method ?? "GET",
      servername,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      agent: false,
      minVersion: "TLSv1.2",
      checkServerIdentity: (_h, cert) => checkServerIdentity(servername, cert),
      headers: { accept: "application/json", ...(o.headers ?? {}) },
      timeout: 10_000,
    });
    req.on("error", (error: NodeJS.ErrnoException) => res({ error }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("response", (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (c) => (body += c));
      r.on("end", () => res({ status: r.statusCode, body, contentType: String(r.headers["content-type"] ?? "") }));
    });
    req.end(o.body);
  });
}

// ---------------------------------------------------------------------------------------------- kubectl
export function kubeconfig(o: { server: string; ca: string; serverName: string; cert?: string; key?: string }): string {
  const b64 = (p: string) => Buffer.from(read(p)).toString("base64");
  const user = o.cert && o.key ? `    client-certificate-data: ${b64(o.cert)}\n    client-key-data: ${b64(o.key)}` : `    token: dummy-token`;
  const text = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: ${o.server}
    certificate-authority-data: ${b64(o.ca)}
    tls-server-name: ${o.serverName}
users:
- name: u
  user:
${user}
contexts:
- name: c
  context: {cluster: edge, user: u}
current-context: c
`;
  const path = join(tempDir("kubeconfig"), "config");
  writeFileSync(path, text);
  return path;
}

export function kubectl(config: string, args: string[]): Run {
  const r = spawnSync("/usr/bin/kubectl", ["--kubeconfig", config, "--request-timeout=10s", ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, HOME: tmpdir() } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------------------------- workerd / wrangler
export interface Workerd extends Proc {
  startMs: number;
}

/** Runs `workerd serve <config>` and waits until every given port accepts connections. */
export async function startWorkerd(config: string, ports: number[], env: NodeJS.ProcessEnv = {}): Promise<Workerd> {
  const t0 = performance.now();
  const p = start(BIN("workerd"), ["serve", config, "--verbose"], { env });
  for (const port of ports) await waitFor(`workerd port ${port}`, () => tcpOpen(port), 20_000, p);
  return Object.assign(p, { startMs: Math.round(performance.now() - t0) });
}

/** Runs `wrangler dev` (local, offline) and waits for /healthz. */
export async function startWranglerDev(o: { port: number; persistTo: string; vars?: Record<string, string>; https?: { key: string; cert: string }; healthCheck: () => Promise<boolean> }): Promise<Proc & { startMs: number }> {
  const t0 = performance.now();
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(o.port), "--persist-to", o.persistTo, "--inspector-port", String(await freePort()), "--log-level", "warn", "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push("--var", `${k}:${v}`);
  if (o.https) args.push("--local-protocol", "https", "--https-key-path", o.https.key, "--https-cert-path", o.https.cert);
  const p = start(BIN("wrangler"), args);
  await waitFor(`wrangler dev on ${o.port}`, o.healthCheck, 60_000, p);
  return Object.assign(p, { startMs: Math.round(performance.now() - t0) });
}
