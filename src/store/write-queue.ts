/**
 * Group commit at the caller: writes to one partition that arrive while an earlier one is in flight wait, and
 * go together in the next call (MetricsStore.writeUnits), so they share one Durable Object event and one durable
 * commit. Each write (unit) is still checked and stored all or nothing on its own and answered on its own; the
 * first write of a quiet partition goes alone, at once. On self-hosted workerd every request runs in one isolate,
 * so every concurrent writer of a namespace shares the queue; on Cloudflare, writers in one isolate do.
 *
 * Bounded: a call carries at most MAX_UNITS units and MAX_SAMPLES samples; the rest wait for the next call.
 */
import type { ExternalSample, ObjectSample } from "../domain/metric";
import type { WriteOutcome, WriteUnit } from "./metrics-object";

const MAX_UNITS = 256;
const MAX_SAMPLES = 20_000;

interface Waiting {
  readonly unit: WriteUnit;
  readonly now: number;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

export type SendUnits = (units: WriteUnit[], now: number) => Promise<WriteOutcome[]>;

export class PartitionWriteQueue {
  readonly #waiting: Waiting[] = [];
  #flushing = false;

  constructor(private readonly send: SendUnits) {}

  submit(objects: readonly ObjectSample[], externals: readonly ExternalSample[], writer: string | null, now: number): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.#waiting.push({ unit: { objects, externals, writer }, now, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#take();
        try {
          const outcomes = await this.send(batch.map((w) => w.unit), Math.max(...batch.map((w) => w.now)));
          batch.forEach((w, i) => w.resolve(outcomes[i]!));
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  #take(): Waiting[] {
    let samples = 0;
    let n = 0;
    while (n < this.#waiting.length && n < MAX_UNITS) {
      const size = this.#waiting[n]!.unit.objects.length + this.#waiting[n]!.unit.externals.length;
      if (n > 0 && samples + size > MAX_SAMPLES) break;
      samples += size;
      n++;
    }
    return this.#waiting.splice(0, n);
  }
}
