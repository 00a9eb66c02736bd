/**
 * Group commit inside a partition's Durable Object: a write that arrives while another is waiting joins it, and
 * they are stored in one synchronous run — one SQLite transaction, one durable commit — before any of them is
 * answered (the object's output gate holds every answer until the commit is durable). Each write (unit) is still
 * checked and stored all or nothing on its own, and answered on its own.
 *
 * Why here and not in the stateless Worker: the Workers runtime does not let one request wait on a promise that
 * another request's I/O resolves (it cancels the waiter as hung), while a Durable Object's requests share one
 * context. Why timers: the first write of a batch yields (setTimeout 0) until a turn of the event loop brings no
 * new write, at most MAX_YIELDS times, so the requests already read from the sockets — several promise hops away
 * from this object — join before the commit. Under no load that costs one turn; under load it is what makes a
 * commit carry more than one write, and every commit is an fsync that holds workerd's only thread
 * (bench/results/stalls.md).
 *
 * Bounded: a run takes at most MAX_UNITS units and MAX_SAMPLES samples; the rest go in the next run.
 */
import type { ExternalSample, ObjectSample } from "../domain/metric";
import type { WriteOutcome, WriteUnit } from "./metrics-object";

const MAX_UNITS = 256;
const MAX_SAMPLES = 20_000;
const MAX_YIELDS = 4;

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
      if (!this.#flushing) {
        this.#flushing = true;
        void this.#gatherThenFlush();
      }
    });
  }

  async #gatherThenFlush(): Promise<void> {
    let seen = 0;
    for (let i = 0; i < MAX_YIELDS && this.#waiting.length > seen && this.#waiting.length < MAX_UNITS; i++) {
      seen = this.#waiting.length;
      await new Promise((res) => setTimeout(res, 0));
    }
    await this.#flush();
  }

  async #flush(): Promise<void> {
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
