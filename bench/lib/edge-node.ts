/**
 * A self-hosted edge node for the bench scripts (fuzz, durability): builds the real bundle, issues a
 * throw-away PKI, renders the real workerd config (cli/lib/workerd.ts) with hashed write tokens, and starts,
 * stops (SIGTERM), kills (SIGKILL) and restarts workerd on the same state directory.
 *
 * Safety: everything binds 127.0.0.1; workerd runs under `timeout --signal=KILL <lifetime>` in its own
 * process group, so it stops by itself even if this process dies; `process.on("exit")` kills it as well.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect as netConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundle, OFFLINE_ENV } from "../../cli/lib/build";
import { createCA, issue, loadSigner, serviceDnsNames } from "../../cli/lib/pki";
import { wranglerCompat, writeWorkerdDir } from "../../cli/lib/workerd";
import { freePort, tcpOpen } from "../../cli/lib/net";
export { freePort, tcpOpen };

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const WORKERD = join(ROOT, "node_modules", ".bin", "workerd");
export const SERVICE = "custom-metrics-apiserver";
export const SERVICE_NAMESPACE = "custom-metrics";
export const SNI = `${SERVICE}.${SERVICE_NAMESPACE}.svc`;
export const UNIQUE_KEY = "edge-metrics-adapter-MetricsStore";

export interface TokenDef {
  name: string;
  namespaces: string[];
  metrics?: string[];
  operations?: ("write" | "delete" | "read")[];
}

export interface EdgeNodeOptions {
  /** Prefix of the temporary directory. */
  label: string;
  tokens: TokenDef[];
  vars?: Record<string, string>;
  defaultTtlSeconds?: number;
  /** Hard lifetime of each workerd process (timeout --signal=KILL). */
  lifetimeSeconds?: number;
  /** Use this bundle instead of building one (EDGE_METRICS_BUNDLE also works). */
  bundle?: string;
  log?: (line: string) => void;
}

export interface Pki {
  ca: string;
  clientCert: string;
  clientKey: string;
}

export const sha256Hex = (s: string) => createHash("sha256").update(s).digest("hex");



export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const live = new Set<EdgeNode>();
process.on("exit", () => {
  for (const n of live) n.killSync();
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const n of live) n.killSync();
    process.exit(130);
  });
}

export class EdgeNode {
  readonly dir: string;
  readonly stateDir: string;
  readonly config: string;
  readonly publicPort: number;
  readonly aggregatorPort: number;
  readonly tokens: Record<string, string>;
  readonly readToken: string;
  readonly pki: Pki;
  readonly startTimesMs: number[] = [];
  /** workerd log lines that mention an error (stack lines left out), across restarts. */
  readonly errorLines: string[] = [];
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #output = "";
  #lifetime: number;
  #log: (line: string) => void;

  private constructor(o: {
    dir: string; stateDir: string; config: string; publicPort: number; aggregatorPort: number;
    tokens: Record<string, string>; readToken: string; pki: Pki; lifetime: number; log: (l: string) => void;
  }) {
    this.dir = o.dir;
    this.stateDir = o.stateDir;
    this.config = o.config;
    this.publicPort = o.publicPort;
    this.aggregatorPort = o.aggregatorPort;
    this.tokens = o.tokens;
    this.readToken = o.readToken;
    this.pki = o.pki;
    this.#lifetime = o.lifetime;
    this.#log = o.log;
  }

  /** Builds the bundle, writes PKI + config into a fresh temp dir. Does not start workerd. */
  static async create(o: EdgeNodeOptions): Promise<EdgeNode> {
    const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    const dir = mkdtempSync(join(tmpdir(), `ema-${o.label}-`));
    let bundle = o.bundle ?? process.env.EDGE_METRICS_BUNDLE;
    if (!bundle) {
      const t0 = performance.now();
      bundle = buildBundle(join(dir, "dist"));
      log(`built bundle in ${Math.round(performance.now() - t0)} ms: ${bundle}`);
    }
    // PKI: project CA + serving cert for the Service name, a front-proxy CA + client cert (as kube-apiserver's).
    const pkiDir = join(dir, "pki");
    mkdirSync(pkiDir, { recursive: true });
    const ca = await createCA("edge-metrics-bench-ca");
    const server = await issue(await loadSigner(ca.certPem, ca.keyPem), { commonName: SNI, dnsNames: serviceDnsNames(SERVICE, SERVICE_NAMESPACE), usage: "server" });
    const fp = await createCA("bench-front-proxy-ca");
    const client = await issue(await loadSigner(fp.certPem, fp.keyPem), { commonName: "front-proxy-client", usage: "client" });
    const w = (name: string, text: string) => {
      writeFileSync(join(pkiDir, name), text);
      return join(pkiDir, name);
    };
    w("ca.crt", ca.certPem);
    const serverCert = w("server.crt", server.certPem);
    const serverKey = w("server.key", server.keyPem);
    const frontProxyCa = w("front-proxy-ca.crt", fp.certPem);
    w("front-proxy-client.crt", client.certPem);
    w("front-proxy-client.key", client.keyPem);

    const tokens: Record<string, string> = {};
    const specs = o.tokens.map((t) => {
      const token = `ema_${randomBytes(32).toString("base64url")}`;
      tokens[t.name] = token;
      return { name: t.name, sha256: sha256Hex(token), namespaces: t.namespaces, metrics: t.metrics ?? ["*"], operations: t.operations ?? ["write"] };
    });
    const readToken = `bench-read-${randomBytes(16).toString("hex")}`;
    const [aggregatorPort, publicPort] = [await freePort(), await freePort()];
    const stateDir = join(dir, "state");
    const compat = wranglerCompat(join(ROOT, "wrangler.toml"));
    const config = writeWorkerdDir({
      mode: "edge",
      outDir: join(dir, "workerd"),
      bundle,
      listen: "127.0.0.1",
      aggregatorPort,
      publicPort,
      serverCert,
      serverKey,
      frontProxyCa,
      stateDir,
      uniqueKey: UNIQUE_KEY,
      compatibilityDate: compat.date,
      compatibilityFlags: compat.flags,
      defaultTtlSeconds: String(o.defaultTtlSeconds ?? 86_400),
      readToken,
      readTokenEnv: "READ_TOKEN",
      writeTokens: JSON.stringify(specs),
      writeTokensEnv: "WRITE_TOKENS",
      vars: o.vars ?? {},
    });
    return new EdgeNode({
      dir, stateDir, config, publicPort, aggregatorPort, tokens, readToken, lifetime: o.lifetimeSeconds ?? 1200, log,
      pki: { ca: ca.certPem, clientCert: client.certPem, clientKey: client.keyPem },
    });
  }

  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  output(): string {
    return this.#output;
  }

  /** Starts workerd and waits until both ports accept connections and /healthz answers. */
  async start(timeoutMs = 30_000): Promise<number> {
    if (this.running) throw new Error("workerd is already running");
    const t0 = performance.now();
    const child = spawn("timeout", ["--signal=KILL", String(this.#lifetime), WORKERD, "serve", this.config], {
      cwd: this.dir, env: { ...process.env, ...OFFLINE_ENV }, detached: true, stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    const keep = (d: Buffer) => {
      const text = d.toString();
      this.#output += text;
      if (this.#output.length > 200_000) this.#output = this.#output.slice(-100_000);
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (/error|exception|failed/i.test(l) && !/^stack: /.test(l)) this.errorLines.push(l);
      if (this.errorLines.length > 200_000) this.errorLines.splice(0, 100_000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.#exited = new Promise((res) => child.on("exit", () => res()));
    this.#child = child;
    live.add(this);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`workerd exited during start:\n${this.#output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`workerd did not become ready in ${timeoutMs} ms:\n${this.#output.slice(-4000)}`);
      if ((await tcpOpen(this.publicPort)) && (await tcpOpen(this.aggregatorPort))) {
        try {
          const r = await fetch(`http://127.0.0.1:${this.publicPort}/healthz`, { signal: AbortSignal.timeout(2000) });
          await r.text();
          if (r.status === 200) break;
        } catch {
          /* not yet */
        }
      }
      await sleep(25);
    }
    const ms = Math.round(performance.now() - t0);
    this.startTimesMs.push(ms);
    return ms;
  }

  /** PID of workerd itself (the child of `timeout`). */
  workerdPid(): number | null {
    const pid = this.#child?.pid;
    if (pid === undefined || !this.running) return null;
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      return kids[0] ?? null;
    } catch {
      return null;
    }
  }

  /** SIGKILL to workerd itself (not a graceful stop); waits until the process group is gone. */
  async kill(): Promise<void> {
    const pid = this.workerdPid();
    if (pid !== null) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    } else this.killSync();
    await this.#waitExit(5000);
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const pid = this.workerdPid();
    if (pid !== null) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    await this.#waitExit(5000);
  }

  async #waitExit(graceMs: number): Promise<void> {
    if (!this.#child) return;
    const t = setTimeout(() => this.killSync(), graceMs);
    await this.#exited;
    clearTimeout(t);
    this.killSync();
    this.#child = null;
    live.delete(this);
  }

  /** Kills the whole process group (timeout + workerd) at once. */
  killSync(): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }

  /** Every SQLite file under the state dir (the Durable Objects' storage). */
  sqliteFiles(): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".sqlite")) out.push(p);
      }
    };
    walk(this.stateDir);
    return out.sort();
  }

  /** Removes the temp dir (call after stop). */
  remove(): void {
    if (this.running) this.killSync();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
