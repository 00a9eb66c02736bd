/**
 * The suite's side of the "HPA" reader (./hpa-reader.ts): starts it as a supervised process against one
 * aggregator socket, keeps its samples, and summarises the samples of a time window — an attack — as latency
 * percentiles and wrong answers. Windows may exclude intervals when workerd was deliberately down (a restart the
 * attack itself caused); reads that fell in those are counted apart, not hidden.
 */
import { join } from "node:path";
import { ROOT, startProcess, SVC_NAME, type Proc, type TestPki } from "../../test/harness";
import type { ReaderOptions, Sample } from "./hpa-reader";

export interface ReadStats {
  reads: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Failed reads that are the subject's documented answer (the bridge's 503 while its upstream is marked down). */
  designedErrors: number;
  /** Up to 5 distinct reasons. */
  errorSamples: string[];
  /** Reads that started while workerd was deliberately down (not in the figures above). */
  duringDowntime: number;
}

export class HpaWatch {
  readonly samples: Sample[] = [];
  private constructor(readonly name: string, readonly proc: Proc) {}

  static start(name: string, o: { port: number; pki: TestPki; podsPath: string; expectItems: number; everyMs?: number; lifetimeSeconds: number; discoveryPath?: string }): HpaWatch {
    if (!o.pki.clientCert || !o.pki.clientKey) throw new Error("the HPA reader needs the front-proxy client certificate");
    const options: ReaderOptions = {
      port: o.port,
      servername: SVC_NAME,
      caFile: o.pki.ca,
      certFile: o.pki.clientCert,
      keyFile: o.pki.clientKey,
      discoveryPath: o.discoveryPath ?? "/apis/custom.metrics.k8s.io/v1beta2",
      podsPath: o.podsPath,
      expectItems: o.expectItems,
      everyMs: o.everyMs ?? 200,
      lifetimeSeconds: o.lifetimeSeconds,
    };
    let watch: HpaWatch | undefined;
    const pending: Sample[] = [];
    const proc = startProcess(process.execPath, ["--import", "tsx", join(ROOT, "bench/attack/hpa-reader.ts"), JSON.stringify(options)], {
      name,
      lifetimeSeconds: o.lifetimeSeconds + 30,
      onLine: (line) => {
        if (!line.startsWith("{")) return;
        try {
          (watch?.samples ?? pending).push(JSON.parse(line) as Sample);
        } catch {
          /* a partial line at exit */
        }
      },
    });
    watch = new HpaWatch(name, proc);
    watch.samples.push(...pending);
    return watch;
  }

  /** Waits until the reader has answered at least `n` reads after `since`. */
  async warm(n = 4, since = Date.now(), timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.samples.filter((s) => s.t >= since && s.ok).length < n) {
      if (Date.now() > until || !this.proc.running) throw new Error(`${this.name} got no good answers: ${JSON.stringify(this.samples.slice(-3))}\n${this.proc.tail(20)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stats(from: number, to: number, downtime: [number, number][] = [], designed: (s: Sample) => boolean = () => false): ReadStats {
    const inWindow = this.samples.filter((s) => s.t >= from && s.t <= to);
    // A read that was in flight at any moment of a downtime (started before the kill, say) belongs to it.
    const down = (s: Sample) => downtime.some(([a, b]) => s.t <= b && s.t + s.ms >= a);
    const counted = inWindow.filter((s) => !down(s));
    const ms = counted.map((s) => s.ms).sort((a, b) => a - b);
    const pct = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]! : NaN);
    const failed = counted.filter((s) => !s.ok);
    const errors = failed.filter((s) => !designed(s));
    return {
      reads: counted.length,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      maxMs: ms.length ? ms[ms.length - 1]! : NaN,
      errors: errors.length,
      designedErrors: failed.length - errors.length,
      errorSamples: [...new Set(failed.map((s) => `${s.k}: ${s.e}`))].slice(0, 5),
      duringDowntime: inWindow.length - counted.length,
    };
  }

  async stop(): Promise<void> {
    await this.proc.stop(2_000);
  }
}
