/**
 * Process supervision for everything the tests, benchmarks and the fuzz start (workerd, wrangler dev, the CLI,
 * Pushgateways): each process runs in its own process group under `timeout`, so it stops by itself even when the
 * Node process that started it dies without cleaning up; stopping signals the whole group (wrangler's workerd
 * children included); an exit or SIGINT/SIGTERM of this process kills every group still running.
 *
 * Output goes either to memory (the last ~200 kB, plus an optional per-line callback) or, for the control-plane
 * scenarios, straight to a log file (it survives this process). With `pidDir`, the group id is written to
 * `<pidDir>/<name>.pid`, which test/k8s/control-plane.sh's stop (and its watchdog) kill as well.
 *
 * Temporary directories made with `tempDir` are removed by `cleanup()` (and on a signal), unless kept.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OFFLINE_ENV, projectRoot } from "../../cli/lib/build";

export const ROOT = projectRoot();
export const bin = (name: string) => join(ROOT, "node_modules", ".bin", name);

export interface StartOptions {
  /** Names the log and pid files, and the process in error messages. */
  name: string;
  cwd?: string;
  /** Added to process.env and wrangler's offline switches. */
  env?: NodeJS.ProcessEnv;
  /** `timeout` sends SIGTERM after this many seconds, SIGKILL 10 s later (default 900). */
  lifetimeSeconds?: number;
  /** Append stdout+stderr to this file instead of keeping them in memory. */
  logFile?: string;
  /** Write the process group id to <pidDir>/<name>.pid while it runs. */
  pidDir?: string;
  /** Called for each complete output line (in-memory output only). */
  onLine?: (line: string) => void;
}

const OUTPUT_KEEP = 200_000;

export class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (a signal gives -1) once the process has exited. */
  readonly exited: Promise<number>;
  #out = "";
  #logFile?: string;
  #pidFile?: string;

  constructor(cmd: string, args: string[], o: StartOptions) {
    this.name = o.name;
    this.#logFile = o.logFile;
    let stdio: ("ignore" | "pipe" | number)[] = ["ignore", "pipe", "pipe"];
    let fd: number | undefined;
    if (o.logFile) {
      writeFileSync(o.logFile, `# ${new Date().toISOString()} ${cmd} ${args.join(" ")}\n`, { flag: "a" });
      fd = openSync(o.logFile, "a");
      stdio = ["ignore", fd, fd];
    }
    const lifetime = String(o.lifetimeSeconds ?? 900);
    this.child = spawn("timeout", ["-k", "10", lifetime, cmd, ...args], {
      cwd: o.cwd ?? ROOT,
      env: { ...process.env, ...OFFLINE_ENV, ...o.env },
      detached: true, // a new process group: stop() reaches every descendant
      stdio,
    });
    if (fd !== undefined) closeSync(fd);
    const keep = () => {
      let partial = ""; // per stream: stdout and stderr interleave at chunk boundaries, not at line ends
      return (d: Buffer) => {
        const text = d.toString();
        this.#out += text;
        if (this.#out.length > OUTPUT_KEEP) this.#out = this.#out.slice(-OUTPUT_KEEP / 2);
        if (!o.onLine) return;
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const l of lines) o.onLine(l);
      };
    };
    this.child.stdout?.on("data", keep());
    this.child.stderr?.on("data", keep());
    this.exited = new Promise((res) => this.child.on("exit", (code) => res(code ?? -1)));
    if (o.pidDir && this.child.pid !== undefined && existsSync(o.pidDir)) {
      this.#pidFile = join(o.pidDir, `${o.name}.pid`);
      writeFileSync(this.#pidFile, `${this.child.pid}\n`);
    }
    running.add(this);
    installExitHandlers();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process printed (in memory), or the log file's content. */
  output(): string {
    if (this.#logFile) return existsSync(this.#logFile) ? readFileSync(this.#logFile, "utf8") : "";
    return this.#out;
  }

  tail(lines = 40): string {
    return this.output().split("\n").slice(-lines).join("\n");
  }

  /** PID of the command itself (the child of `timeout`), for /proc figures and for killing it alone. */
  pid(): number | null {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return null;
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      return kids.length ? Number(kids[0]) : null;
    } catch {
      return null;
    }
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the group leader has exited. */
  async stop(graceMs = 8_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.running) {
      this.signalGroup(signal);
      const t = setTimeout(() => this.signalGroup("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(t);
    }
    this.signalGroup("SIGKILL"); // stragglers in the group (wrangler's workerd, for one)
    this.#forget();
  }

  /** SIGKILL to the command alone (a crash, not a shutdown); `timeout` then exits and the group goes. */
  async crash(): Promise<void> {
    const pid = this.pid();
    if (pid !== null) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await this.stop(5_000, "SIGKILL");
  }

  /** SIGKILL to the whole group, without waiting (for exit handlers). */
  killNow(): void {
    this.signalGroup("SIGKILL");
    this.#forget();
  }

  signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      /* already gone */
    }
  }

  #forget(): void {
    if (this.#pidFile) rmSync(this.#pidFile, { force: true });
    running.delete(this);
  }
}

const running = new Set<Proc>();
const tempDirs = new Set<string>();

export function startProcess(cmd: string, args: string[], o: StartOptions): Proc {
  return new Proc(cmd, args, o);
}

/** A fresh directory under the system temp dir, removed by `cleanup()` unless `keepTempDir` is called. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `ema-${prefix}-`));
  tempDirs.add(d);
  return d;
}

export function keepTempDir(dir: string): void {
  tempDirs.delete(dir);
}

/** Stops every process started here and removes the temp dirs. Tests call it from afterAll. */
export async function cleanup(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** Runs a script's main: its exit code, or 2 after printing an exception; cleans up processes and temp dirs first. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (e) => {
      console.error(e);
      await cleanup();
      process.exit(2);
    },
  );
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const killAll = () => {
    for (const p of [...running]) p.killNow();
  };
  process.on("exit", killAll);
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    process.on(sig, () => {
      killAll();
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
      process.exit(code);
    });
  }
}
