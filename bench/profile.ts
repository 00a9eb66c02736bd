/**
 * CPU profiles of workerd through its inspector (`workerd serve --inspector-addr`), for finding what a
 * scenario spends its time on. bench/run.ts uses it when BENCH_PROFILE names scenarios: the profile of the
 * measured run is written next to the results (`<id>.cpuprofile`, loadable in Chrome DevTools) with a
 * self-time summary (`<id>.profile.txt`).
 *
 * Needs a WebSocket client: Node 20 has one behind --experimental-websocket (the bench script passes it).
 */
import { writeFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export class Inspector {
  #ws: WebSocket;
  #seq = 0;
  #pending = new Map<number, (v: any) => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener("message", (ev) => {
      const msg = JSON.parse(String(ev.data));
      if (msg.id !== undefined) this.#pending.get(msg.id)?.(msg);
    });
  }

  /** Connects to the first target workerd lists (the worker's isolate). */
  static async connect(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl?: string; id?: string }[];
    const url = list[0]?.webSocketDebuggerUrl ?? `ws://127.0.0.1:${port}/${list[0]?.id ?? ""}`;
    const WS = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (!WS) throw new Error("no WebSocket in this Node: run with --experimental-websocket");
    const ws = new WS(url);
    await new Promise<void>((res, rej) => {
      ws.addEventListener("open", () => res());
      ws.addEventListener("error", (e) => rej(new Error(`inspector: ${String((e as ErrorEvent).message ?? e)}`)));
    });
    return new Inspector(ws);
  }

  send(method: string, params: object = {}): Promise<any> {
    const id = ++this.#seq;
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`inspector ${method} timed out`)), 60_000);
      this.#pending.set(id, (msg) => {
        clearTimeout(t);
        this.#pending.delete(id);
        if (msg.error) rej(new Error(`${method}: ${JSON.stringify(msg.error)}`));
        else res(msg.result);
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: 200 });
    await this.send("Profiler.start");
  }

  async stop(): Promise<Profile> {
    return (await this.send("Profiler.stop")).profile as Profile;
  }

  close(): void {
    this.#ws.close();
  }
}

/** Self time per function (top N) and total sampled time, as text. */
export function summarize(profile: Profile, top = 40): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const agg = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const file = f.url.split("/").pop() ?? "";
    const key = `${f.functionName || "(anonymous)"} ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    agg.set(key, (agg.get(key) ?? 0) + us);
  }
  // Inclusive time per function name (each sample counts once per distinct function on its stack).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const key = f.functionName || "(anonymous)";
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`sampled ${(total / 1000).toFixed(0)} ms`, ``, ...stalls(profile, byId), ``, `self time:`];
  for (const [k, us] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  lines.push(``, `inclusive time (by function name):`);
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  return lines.join("\n") + "\n";
}

/**
 * Where the thread stopped: V8 samples the isolate's thread every interval, so a gap far above the interval
 * means the thread was not running JavaScript nor idle in the event loop at all (blocked in a system call such
 * as fsync, or not scheduled by the OS); a long run of "(garbage collector)" samples is a GC pause.
 */
function stalls(profile: Profile, byId: Map<number, ProfileNode>): string[] {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const name = (i: number) => byId.get(samples[i]!)?.callFrame.functionName || "(anonymous)";
  const sorted = [...deltas].sort((a, b) => a - b);
  const interval = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const gaps = deltas.map((d, i) => ({ d, i })).sort((a, b) => b.d - a.d).slice(0, 5);
  let gc = 0;
  let longestGc = 0;
  let busy = 0;
  let longestBusy = 0;
  samples.forEach((_, i) => {
    const n = name(i);
    gc = n === "(garbage collector)" ? gc + (deltas[i] ?? 0) : 0;
    busy = n === "(idle)" ? 0 : busy + (deltas[i] ?? 0);
    longestGc = Math.max(longestGc, gc);
    longestBusy = Math.max(longestBusy, busy);
  });
  const ms = (us: number) => `${(us / 1000).toFixed(1)} ms`;
  return [
    `stalls: sampling interval ${ms(interval)}; longest GC pause ${ms(longestGc)}; longest stretch without an idle sample ${ms(longestBusy)}`,
    `largest gaps between samples (thread not sampled: blocked in a system call or not scheduled): ${gaps.map((g) => `${ms(g.d)} before ${name(g.i)}`).join(", ")}`,
  ];
}

export function saveProfile(profile: Profile, base: string): string {
  writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
  const text = summarize(profile);
  writeFileSync(`${base}.profile.txt`, text);
  return text;
}
