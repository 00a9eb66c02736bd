/**
 * Durable-commit syscalls of workerd during one measured run (`BENCH_TRACE=1`), with `perf trace` (Linux perf;
 * tracepoints, so the traced process is barely slowed, unlike ptrace-based strace).
 *
 * Why it matters: workerd runs a Durable Object's SQLite commit — including its fsync — on the one thread that
 * also runs every isolate, so while the disk syncs no request of any kind makes progress. The trace gives, per
 * scenario, how many syncs ran, how long the thread was blocked in them, and the longest single block, which is
 * what the tail latencies are set against in bench/results/stalls.md.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export interface SyncTrace {
  /** fsync/fdatasync calls that finished during the run. */
  syncs: number;
  /** Of those, calls made on workerd's main thread (the one running the isolates). */
  onMainThread: number;
  /** Milliseconds spent inside them, summed. */
  blockedMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function perfAvailable(): boolean {
  return spawnSync("perf", ["--version"], { encoding: "utf8" }).status === 0;
}

export class SyncTracer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly file: string,
    private readonly pid: number,
  ) {}

  /** Starts tracing every thread of `pid`; bounded by `maxSeconds` even if stop() is never called. */
  static start(pid: number, file: string, maxSeconds: number): SyncTracer {
    const child = spawn("timeout", ["-s", "INT", String(maxSeconds), "perf", "trace", "-p", String(pid), "-e", "fsync,fdatasync", "--duration", "0", "-o", file], {
      stdio: "ignore",
    });
    return new SyncTracer(child, file, pid);
  }

  async stop(): Promise<SyncTrace> {
    if (this.child.exitCode === null) {
      const exited = new Promise((res) => this.child.once("exit", res));
      this.child.kill("SIGINT"); // perf writes its buffered events on SIGINT
      await exited;
    }
    return summarise(readFileSync(this.file, "utf8"), this.pid);
  }
}

/** Parses `perf trace` lines such as `13.637 (10.467 ms): workerd/10474 fsync(fd: 40) = 0`. */
export function summarise(text: string, mainTid: number): SyncTrace {
  const durations: number[] = [];
  let onMainThread = 0;
  for (const line of text.split("\n")) {
    const m = /\(\s*([\d.]+) ms\): [^/]+\/(\d+) f(?:data)?sync\(/.exec(line);
    if (!m) continue;
    durations.push(Number(m[1]));
    if (Number(m[2]) === mainTid) onMainThread++;
  }
  durations.sort((a, b) => a - b);
  const at = (q: number) => (durations.length ? durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]! : 0);
  return {
    syncs: durations.length,
    onMainThread,
    blockedMs: durations.reduce((a, b) => a + b, 0),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: durations.length ? durations[durations.length - 1]! : 0,
  };
}
