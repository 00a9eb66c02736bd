/**
 * V8's `--trace-gc` lines from workerd (`BENCH_V8_FLAGS=--trace-gc`), collected with the time they arrived, and
 * summarised per measured row: how many scavenges and mark-compacts ran, and the longest pause. This is the GC
 * half of the stall question (sync-trace.ts is the fsync half; profile.ts shows both from the sampler's side).
 *
 * A line looks like (V8 12–14):
 *   [123:0x5555]   45678 ms: Mark-Compact 61.2 (80.0) -> 40.1 (78.5) MB, pooled: 0 MB, 85.31 / 0.00 ms (average mu = …) …
 * The first figure after the sizes is the main-thread pause in ms.
 */
export interface GcTrace {
  scavenges: number;
  markCompacts: number;
  /** Longest main-thread pause of any GC, ms. */
  maxPauseMs: number;
  /** Kind of that GC. */
  maxPauseKind: string;
  /** All pauses, summed, ms. */
  totalPauseMs: number;
}

const LINE = /ms: (Scavenge|Mark-Compact(?: \(reduce\))?|Minor Mark-Sweep|Mark-Sweep)[^,]*MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

export class GcLog {
  readonly #events: { at: number; kind: string; pauseMs: number; text: string }[] = [];

  /** Feed every output line of workerd. */
  line = (text: string): void => {
    const m = LINE.exec(text);
    if (m) this.#events.push({ at: Date.now(), kind: m[1]!, pauseMs: Number(m[2]), text });
  };

  /** The raw lines of the mark-compacts (and any pause over `minMs`), with wall-clock times, for the results. */
  notable(minMs = 20): string {
    return this.#events
      .filter((e) => e.kind.startsWith("Mark-") || e.pauseMs >= minMs)
      .map((e) => `${new Date(e.at).toISOString()} ${e.text.trim()}`)
      .join("\n");
  }

  between(from: number, to: number): GcTrace {
    const events = this.#events.filter((e) => e.at >= from && e.at <= to);
    const worst = events.reduce<{ kind: string; pauseMs: number } | null>((w, e) => (w === null || e.pauseMs > w.pauseMs ? e : w), null);
    return {
      scavenges: events.filter((e) => e.kind === "Scavenge" || e.kind === "Minor Mark-Sweep").length,
      markCompacts: events.filter((e) => e.kind.startsWith("Mark-")).length,
      maxPauseMs: worst?.pauseMs ?? 0,
      maxPauseKind: worst?.kind ?? "–",
      totalPauseMs: events.reduce((a, e) => a + e.pauseMs, 0),
    };
  }
}
