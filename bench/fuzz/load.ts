/**
 * The fuzz load: CONCURRENCY workers send generated requests (keep-alive where the framing allows, a fresh
 * connection where it does not) until the target count or the deadline, and classify every answer.
 *
 * Every 5xx is a failure, except a response whose status is the one the front-end table (./shapes.ts) names for
 * the request's shape: those were answered by workerd before the Worker ran, which bench/fuzz/probe.ts proves
 * at the start of each run. A 2xx to a request that could change state is a failure on its own.
 */
import { Conn, sendFresh, type Endpoint, type Outcome } from "./client";
import { generate, type FuzzReq } from "./generators";
import type { Ctx } from "./inputs";
import { frontEndRow, type Shape } from "./shapes";

export interface LoadOptions {
  target: number;
  concurrency: number;
  deadline: number;
  endpoints: { public: Endpoint; aggregator: Endpoint };
  /** Polled every 2,000 requests; the run stops when it returns false. */
  alive: () => boolean;
  log: (line: string) => void;
}

export interface LoadStats {
  done: number;
  seconds: number;
  bytesOut: number;
  /** Outcome → count ("200", "error ECONNRESET", "timeout", …). */
  histogram: Map<string, number>;
  byCategory: Map<string, Map<string, number>>;
  /** Requests sent per shape. */
  shapes: Map<Shape, number>;
  /** 5xx the front-end table accounts for, by shape. */
  frontEnd: Map<Shape, number>;
  /** Every other 5xx: failures. */
  fiveXX: number;
  fiveXXSamples: string[];
  writes2xx: number;
  writes2xxSamples: string[];
  /** Well-framed keep-alive requests that got no response. */
  noResponse: number;
  noResponseSamples: string[];
  stoppedEarly: boolean;
}

const fmt = (n: number) => n.toLocaleString("en-US");
export const showRaw = (raw: Buffer) => JSON.stringify(raw.subarray(0, 400).toString("latin1")) + (raw.length > 400 ? ` …(${fmt(raw.length)} bytes)` : "");
const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

export async function runLoad(ctx: Ctx, o: LoadOptions): Promise<LoadStats> {
  const s: LoadStats = {
    done: 0, seconds: 0, bytesOut: 0, histogram: new Map(), byCategory: new Map(), shapes: new Map(), frontEnd: new Map(),
    fiveXX: 0, fiveXXSamples: [], writes2xx: 0, writes2xxSamples: [], noResponse: 0, noResponseSamples: [], stoppedEarly: false,
  };
  const t0 = performance.now();
  let sent = 0;
  let lastReport = t0;

  const record = (req: FuzzReq, outcome: Outcome, reused: boolean) => {
    const key = outcome.kind === "response" ? String(outcome.resp.status) : outcome.kind === "error" ? `error ${outcome.code}` : outcome.kind;
    bump(s.histogram, key);
    bump(s.byCategory.get(req.category) ?? s.byCategory.set(req.category, new Map()).get(req.category)!, outcome.kind === "response" ? String(outcome.resp.status) : outcome.kind);
    bump(s.shapes, req.shape);
    if (outcome.kind !== "response") {
      if (!req.fresh) {
        s.noResponse++;
        if (s.noResponseSamples.length < 3) s.noResponseSamples.push(`${key} [${req.category}, ${req.target} socket, reused ${reused}] request ${showRaw(req.raw)}`);
      }
      return;
    }
    const status = outcome.resp.status;
    const info = () => `${status} [${req.category}, shape ${req.shape}, ${req.target} socket] request ${showRaw(req.raw)}\n      response ${JSON.stringify(outcome.resp.body.subarray(0, 300).toString("utf8"))}`;
    if (status >= 500) {
      if (frontEndRow(req.shape)?.status === status) bump(s.frontEnd, req.shape);
      else {
        s.fiveXX++;
        if (s.fiveXXSamples.length < 5) s.fiveXXSamples.push(info());
      }
    }
    if (status >= 200 && status < 300 && req.mutating) {
      s.writes2xx++;
      if (s.writes2xxSamples.length < 5) s.writes2xxSamples.push(info());
    }
  };

  const worker = async () => {
    const conns = { public: new Conn(o.endpoints.public), aggregator: new Conn(o.endpoints.aggregator) };
    while (sent < o.target && Date.now() < o.deadline && !s.stoppedEarly) {
      const req = generate(ctx, sent++);
      s.bytesOut += req.raw.length;
      const head = req.method === "HEAD";
      const conn = conns[req.target];
      let outcome = req.fresh ? await sendFresh(o.endpoints[req.target], req.raw, head) : await conn.send(req.raw, head);
      // A keep-alive connection the server had already closed: retry once on a new one.
      if (!req.fresh && conn.reused && (outcome.kind === "closed" || (outcome.kind === "error" && /EPIPE|ECONNRESET/.test(outcome.code)))) {
        outcome = await conn.send(req.raw, head);
      }
      record(req, outcome, !req.fresh && conn.reused);
      s.done++;
      if (s.done % 2000 === 0) {
        if (!o.alive()) s.stoppedEarly = true;
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          const rate = s.done / ((performance.now() - t0) / 1000);
          o.log(`${fmt(s.done)} requests, ${rate.toFixed(0)}/s, 5xx ${s.fiveXX} (+${fmt([...s.frontEnd.values()].reduce((a, b) => a + b, 0))} in the front-end table), 2xx on writes ${s.writes2xx}`);
        }
      }
    }
    conns.public.close();
    conns.aggregator.close();
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  s.seconds = (performance.now() - t0) / 1000;
  return s;
}
