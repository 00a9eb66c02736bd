/**
 * Bounded waiting: every poll has a deadline, and a wait on a process fails at once (with its output) when the
 * process exits instead of running into the timeout. Ports are probed with the CLI's own `tcpOpen`.
 */
import { tcpOpen } from "../../cli/lib/net";
import type { Proc } from "./process";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface WaitOptions {
  /** Poll interval (default 100 ms). */
  everyMs?: number;
  /** Give up early, with its output, if this process exits. */
  proc?: Proc;
}

/** Polls `fn` until it returns a truthy value; the error names what was awaited and the last value or error seen. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, o: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (o.proc && !o.proc.running) throw new Error(`${what}: ${o.proc.name} exited (${o.proc.child.exitCode ?? o.proc.child.signalCode})\n${o.proc.tail()}`);
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${seen}${o.proc ? `\n${o.proc.tail()}` : ""}`);
    }
    await sleep(o.everyMs ?? 100);
  }
}

/** Waits until `proc` accepts TCP connections on every port in `ports` (on 127.0.0.1 unless `host` is given). */
export async function waitPorts(proc: Proc, ports: number[], timeoutMs = 30_000, host = "127.0.0.1"): Promise<void> {
  for (const port of ports) await waitFor(`${proc.name} listening on ${host}:${port}`, () => tcpOpen(port, host), timeoutMs, { proc, everyMs: 25 });
}
