/**
 * Real workerd running the real bundle, the way `cli workerd-config` / `cli serve` configure it
 * (cli/lib/workerd.ts `writeWorkerdDir` with `defaultWorkerdOptions()`):
 *  - `startWorkerd(config, ports)` runs any rendered config (the node tests render theirs with the CLI);
 *  - `WorkerdNode` renders and runs an edge node (aggregator socket + public socket + Durable Objects on disk)
 *    or a bridge (aggregator socket forwarding reads to an upstream), and starts, stops, crashes (SIGKILL) and
 *    restarts it on the same state directory.
 *
 * Everything listens on 127.0.0.1 at ports the OS picked; processes are supervised by ./process.ts.
 * Secrets (READ_TOKEN, WRITE_TOKENS) go into the config, or with `secretsFromEnv` through the environment as a
 * production install would pass them.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePorts } from "../../cli/lib/net";
import { defaultWorkerdOptions, writeWorkerdDir } from "../../cli/lib/workerd";
import { bundle as defaultBundle } from "./bundle";
import { testPki, type TestPki } from "./pki";
import { bin, keepTempDir, startProcess, tempDir, type Proc, type StartOptions } from "./process";
import { makeTokens, type TokenDef } from "./tokens";
import { waitFor, waitPorts } from "./wait";

export type ProcessOptions = Pick<StartOptions, "lifetimeSeconds" | "logFile" | "pidDir" | "onLine" | "env">;

export interface WorkerdStartOptions extends ProcessOptions {
  name?: string;
  /** Extra `workerd serve` arguments (--verbose, --inspector-addr …). */
  args?: string[];
  /** A command to run workerd under (experiments: `eatmydata`). */
  wrapper?: string[];
  timeoutMs?: number;
  /** Where `ports` are probed (default 127.0.0.1). */
  host?: string;
}

/** `workerd serve <config>`, ready once every port in `ports` accepts connections. */
export async function startWorkerd(config: string, ports: number[], o: WorkerdStartOptions = {}): Promise<Proc & { startMs: number }> {
  const t0 = performance.now();
  const argv = [bin("workerd"), "serve", config, ...(o.args ?? [])];
  const [cmd, ...args] = [...(o.wrapper ?? []), ...argv] as [string, ...string[]];
  const proc = startProcess(cmd, args, { ...o, name: o.name ?? "workerd" });
  await waitPorts(proc, ports, o.timeoutMs ?? 30_000, o.host);
  return Object.assign(proc, { startMs: Math.round(performance.now() - t0) });
}

export interface WorkerdNodeOptions {
  mode?: "edge" | "bridge";
  /** Process name (log and pid files); default `<mode>-workerd`. */
  name?: string;
  /** Directory for the config, certificates and state (default: a temp dir). The state starts empty. */
  dir?: string;
  pki?: TestPki;
  /** Edge: write tokens to make (default: `writer`, every namespace, write only). */
  tokens?: TokenDef[];
  readToken?: string;
  secretsFromEnv?: boolean;
  vars?: Record<string, string>;
  defaultTtlSeconds?: number;
  /** Bridge: the Worker reads are forwarded to. */
  upstream?: string;
  /**
   * Address both sockets bind (default 127.0.0.1): another one is for a node in a network namespace of the
   * test's own (with `start.wrapper: ["ip", "netns", "exec", NAME]`), e.g. an EndpointSlice address.
   */
  listen?: string;
  upstreamTimeoutMs?: number;
  bundle?: string;
  /** V8 flags for diagnosis (e.g. `--trace-gc`: GC events in the process output). */
  v8Flags?: string[];
  start?: Omit<WorkerdStartOptions, "name" | "timeoutMs">;
}

export class WorkerdNode {
  readonly startTimesMs: number[] = [];
  proc: Proc | null = null;

  private constructor(
    readonly name: string,
    readonly mode: "edge" | "bridge",
    readonly dir: string,
    readonly config: string,
    readonly stateDir: string,
    readonly aggregatorPort: number,
    readonly publicPort: number,
    readonly pki: TestPki,
    /** Bearer tokens by name. */
    readonly tokens: Record<string, string>,
    /** The WRITE_TOKENS JSON (hashes). */
    readonly writeTokens: string,
    readonly readToken: string,
    private readonly startOptions: WorkerdStartOptions,
    /** The address the sockets bind and the tests dial. */
    readonly host: string,
  ) {}

  /** Renders the config (and, unless given, a PKI and tokens); does not start workerd. */
  static async create(o: WorkerdNodeOptions = {}): Promise<WorkerdNode> {
    const mode = o.mode ?? "edge";
    const name = o.name ?? `${mode}-workerd`;
    const dir = o.dir ?? tempDir(name);
    const pki = o.pki ?? (await testPki(join(dir, "pki")));
    const tokens = await makeTokens(mode === "edge" ? (o.tokens ?? [{ name: "writer", namespaces: ["*"] }]) : []);
    const readToken = o.readToken ?? `read-${randomBytes(16).toString("hex")}`;
    const [aggregatorPort, publicPort = 0] = await freePorts(mode === "edge" ? 2 : 1);
    const stateDir = join(dir, "state");
    rmSync(stateDir, { recursive: true, force: true });
    const defaults = defaultWorkerdOptions();
    const host = o.listen ?? defaults.listen;
    const config = writeWorkerdDir({
      ...defaults,
      listen: host,
      mode,
      outDir: join(dir, "workerd"),
      bundle: o.bundle ?? defaultBundle(),
      aggregatorPort,
      publicPort,
      serverCert: pki.serverCert,
      serverKey: pki.serverKey,
      frontProxyCa: pki.frontProxyCa,
      stateDir,
      ...(o.defaultTtlSeconds !== undefined ? { defaultTtlSeconds: String(o.defaultTtlSeconds) } : {}),
      readToken: o.secretsFromEnv ? undefined : readToken,
      writeTokens: o.secretsFromEnv ? undefined : tokens.writeTokens,
      vars: o.vars ?? {},
      upstream: o.upstream,
      ...(o.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: o.upstreamTimeoutMs } : {}),
      ...(o.v8Flags ? { v8Flags: o.v8Flags } : {}),
    });
    const env = o.secretsFromEnv ? { READ_TOKEN: readToken, WRITE_TOKENS: tokens.writeTokens } : {};
    const start = { ...o.start, name, env: { ...o.start?.env, ...env } };
    return new WorkerdNode(name, mode, dir, config, stateDir, aggregatorPort, publicPort, pki, tokens.token, tokens.writeTokens, readToken, start, host);
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** Base URL of the public socket (edge). */
  get base(): string {
    return `http://${this.host}:${this.publicPort}`;
  }

  /** Starts workerd; ready when its ports accept connections and (edge) the public socket answers /healthz. */
  async start(timeoutMs = 30_000): Promise<number> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const t0 = performance.now();
    const ports = this.mode === "edge" ? [this.aggregatorPort, this.publicPort] : [this.aggregatorPort];
    const proc = await startWorkerd(this.config, ports, { ...this.startOptions, timeoutMs, host: this.host });
    this.proc = proc;
    if (this.mode === "edge") {
      await waitFor(`${this.name} GET /healthz`, async () => {
        const r = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await r.text();
        return r.status === 200;
      }, timeoutMs, { proc, everyMs: 25 });
    }
    const ms = Math.round(performance.now() - t0);
    this.startTimesMs.push(ms);
    return ms;
  }

  /** SIGTERM (SIGKILL after 5 s). */
  async stop(): Promise<void> {
    await this.proc?.stop(5_000);
  }

  /** SIGKILL to workerd itself: a crash, not a shutdown. */
  async crash(): Promise<void> {
    await this.proc?.crash();
  }

  /** PID of workerd itself (for /proc figures), while it runs. */
  pid(): number | null {
    return this.proc?.pid() ?? null;
  }

  output(): string {
    return this.proc?.output() ?? "";
  }

  /** Stops workerd; with `keep`, its directory (config, state) outlives the run's cleanup. */
  async dispose(keep: boolean, log: (line: string) => void = console.error): Promise<void> {
    if (this.running) await this.stop();
    if (!keep) return;
    keepTempDir(this.dir);
    log(`state kept in ${this.dir}`);
  }
}
