/**
 * The attackers' HTTP side: one `send` that never throws (a refused connection is an outcome too), a tally of
 * what came back per attack, and bounded loops (a count and a deadline, whichever comes first). A 5xx is either
 * one of the answers the adapter is designed to give when its storage fails — 507 with Retry-After when the disk
 * is full, 503 naming the partition whose file cannot be opened, 503 when the catalog cannot be reached before a
 * commit — or a failure of the attack.
 */
import { request as httpRequest } from "node:http";
import { sleep } from "../../test/harness";

export interface Answer {
  status: number;
  /** With `expectContinue`: whether the body went out (the server asked for it). */
  bodySent?: boolean;
  body: string;
  headers: Headers | null;
  ms: number;
  error?: string;
}

/**
 * One request over its own connection. An answer that arrives while the body is still being sent counts: a
 * server that refuses before reading a large body answers and closes, and the client's write then fails — the
 * answer is what matters (fetch would report only the write error).
 */
export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  /**
   * Send `Expect: 100-continue` and the body only once the server asks for it: an answer that comes first proves
   * the server decided without reading the body (`bodySent` stays false).
   */
  expectContinue?: boolean;
}

export function send(url: string, init: SendInit = {}): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Omit<Answer, "ms">) => {
      if (settled) return;
      settled = true;
      resolve({ ...a, ms: performance.now() - t0 });
    };
    let bodySent = false;
    const headers = init.expectContinue ? { ...init.headers, expect: "100-continue" } : init.headers;
    const req = httpRequest(url, { method: init.method ?? "GET", headers, agent: false, timeout: init.timeoutMs ?? 60_000 });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    // A write error may come before the answer that caused it is parsed: give the answer a moment.
    req.on("error", (e) => setTimeout(() => done({ status: 0, body: "", headers: null, error: e.message }), 200));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
      const finish = () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers, ...(init.expectContinue ? { bodySent } : {}) });
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", finish);
      res.on("error", finish);
      res.on("aborted", finish);
    });
    if (init.expectContinue) {
      req.on("continue", () => {
        bodySent = true;
        req.end(init.body);
      });
      req.flushHeaders();
    } else req.end(init.body);
  });
}

/** Which designed storage answer a 5xx is, or null when it is not one. */
export function designed5xx(a: Answer): string | null {
  const retryAfter = a.headers?.get("retry-after");
  if (a.status === 507 && retryAfter && /out of disk space/.test(a.body)) return "507 disk full (Retry-After)";
  if (a.status === 503 && retryAfter && /the storage of (ns:[a-z0-9-]+|cluster|catalog) is unavailable/.test(a.body)) return "503 partition unavailable (names it)";
  if (a.status === 503 && retryAfter && /metrics catalog could not be reached/.test(a.body)) return "503 catalog unreachable before a commit";
  return null;
}

export class Tally {
  readonly statuses = new Map<string, number>();
  readonly designed = new Map<string, number>();
  /** The first answer of each designed kind, for the report. */
  readonly designedSamples = new Map<string, string>();
  readonly unexpected: string[] = [];
  unexpectedCount = 0;
  requests = 0;

  add(a: Answer, what: string): Answer {
    this.requests++;
    const key = a.status === 0 ? `error` : String(a.status);
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
    if (a.status >= 500) {
      const d = designed5xx(a);
      if (d) {
        this.designed.set(d, (this.designed.get(d) ?? 0) + 1);
        if (!this.designedSamples.has(d)) this.designedSamples.set(d, `${what}: ${a.body.slice(0, 300)}`);
      }
      else {
        this.unexpectedCount++;
        if (this.unexpected.length < 5) this.unexpected.push(`${a.status} ${what}: ${a.body.slice(0, 300)}`);
      }
    }
    return a;
  }

  /** Adds another tally's counts (a sub-tally kept for one check) to this one. */
  merge(other: Tally): void {
    this.requests += other.requests;
    for (const [k, v] of other.statuses) this.statuses.set(k, (this.statuses.get(k) ?? 0) + v);
    for (const [k, v] of other.designed) this.designed.set(k, (this.designed.get(k) ?? 0) + v);
    for (const [k, v] of other.designedSamples) if (!this.designedSamples.has(k)) this.designedSamples.set(k, v);
    this.unexpected.push(...other.unexpected.slice(0, 5 - this.unexpected.length));
    this.unexpectedCount += other.unexpectedCount;
  }

  count(status: number | "error"): number {
    return this.statuses.get(String(status)) ?? 0;
  }

  get fiveXX(): number {
    let n = 0;
    for (const [k, v] of this.statuses) if (k !== "error" && Number(k) >= 500) n += v;
    return n;
  }
}

/**
 * Runs `workers` concurrent loops of `step(i)` until `maxSteps` steps in total, `seconds`, or `enough()`, whichever
 * comes first; returns how many steps ran. `step` gets a global sequence number.
 */
export async function bounded(workers: number, maxSteps: number, seconds: number, step: (i: number) => Promise<unknown>, enough: () => boolean = () => false): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let next = 0;
  const loop = async () => {
    while (next < maxSteps && Date.now() < deadline && !enough()) await step(next++);
  };
  await Promise.all(Array.from({ length: workers }, loop));
  return next;
}

/** Polls `probe` every `everyMs` until it returns true or `seconds` pass; returns whether it did. */
export async function eventually(seconds: number, probe: () => Promise<boolean>, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}
