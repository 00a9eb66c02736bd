/**
 * Proof for the front-end table (./shapes.ts): a probe worker stands in for the bundle on the edge node's exact
 * socket configuration (cli/lib/workerd.ts: the aggregator socket over TLS with client certificates, the public
 * socket over HTTP). Its first statement counts the request, and every response it makes carries `x-probe-worker`;
 * it never fails. A response without the mark was made by workerd before any Worker code ran.
 *
 * `checkRows` sends each row's examples one at a time and reads the probe's counter before and after (it must not
 * move); `checkRequests` sends generated requests and checks that the shapes predict the front end exactly:
 * a row's shape never reaches the Worker and always gets the row's status from the front end, a refused head
 * never reaches the Worker, and no other shape ever gets a 5xx from the front end.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { clientTls, tempDir, WorkerdNode } from "../../test/harness";
import { sendFresh, type Endpoint, type Outcome, type Target } from "./client";
import { frontEndRow, WORKERD_FRONT_END, type FrontEndRow, type Shape } from "./shapes";

const MARK = "x-probe-worker";

const PROBE_WORKER = `
let seen = 0;
const marked = (body) => new Response(body, { headers: { "${MARK}": "1" } });
export class MetricsStore {
  async fetch() { return marked("probe object"); }
}
export default {
  async fetch(request) {
    seen++;
    let path = "";
    try { path = new URL(request.url).pathname; } catch {}
    if (path === "/__probe/seen") return marked(String(--seen));
    try { await request.arrayBuffer(); } catch {}
    return marked("seen");
  },
};
`;

export interface Probe {
  node: WorkerdNode;
  endpoint(target: Target): Endpoint;
  stop(): Promise<void>;
}

/** An edge node whose Worker is the probe, on the same configuration as the real one. */
export async function startProbe(): Promise<Probe> {
  const dir = tempDir("front-end-probe");
  const bundle = join(dir, "probe-worker.js");
  writeFileSync(bundle, PROBE_WORKER);
  const node = await WorkerdNode.create({ name: "probe-workerd", dir, bundle, tokens: [] });
  await node.start();
  const tls = clientTls(node.pki);
  return {
    node,
    endpoint: (target) => (target === "public" ? { port: node.publicPort } : { port: node.aggregatorPort, tls }),
    stop: () => node.stop(),
  };
}

const fromWorker = (o: Outcome) => o.kind === "response" && o.resp.headers[MARK] === "1";
const describe = (o: Outcome) => (o.kind === "response" ? `${o.resp.status}${fromWorker(o) ? " from the Worker" : " from workerd"}` : o.kind);

async function seenCount(p: Probe): Promise<number> {
  const r = await fetch(`${p.node.base}/__probe/seen`);
  return Number(await r.text());
}

/** Each row's examples, one at a time: the row's status, no mark, and the Worker's counter unchanged. */
export async function checkRows(p: Probe, rows: readonly FrontEndRow[] = WORKERD_FRONT_END): Promise<string[]> {
  const problems: string[] = [];
  const host = `127.0.0.1:${p.node.publicPort}`;
  for (const row of rows) {
    for (const example of row.examples) {
      const before = await seenCount(p);
      const o = await sendFresh(p.endpoint("public"), Buffer.from(example.replaceAll("{HOST}", host), "latin1"), false);
      const after = await seenCount(p);
      const ok = o.kind === "response" && o.resp.status === row.status && !fromWorker(o) && after === before;
      if (!ok) problems.push(`row ${row.shape} (${row.status}) does not hold: ${JSON.stringify(example.slice(0, 80))} got ${describe(o)}, Worker count ${before} → ${after}`);
    }
  }
  return problems;
}

export interface ShapeTally {
  sent: number;
  /** Answered by the front end with the row's status. */
  frontEnd: number;
  worker: number;
  /** A 4xx from workerd, a closed connection, a timeout. */
  other: number;
}

/** Sends `requests` (each on its own connection) and checks every answer against the shape it was tagged with. */
export async function checkRequests(
  p: Probe,
  requests: { raw: Buffer; target: Target; shape: Shape; method: string }[],
  concurrency = 8,
): Promise<{ problems: string[]; tally: Map<Shape, ShapeTally> }> {
  const problems: string[] = [];
  const tally = new Map<Shape, ShapeTally>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const o = await sendFresh(p.endpoint(r.target), r.raw, r.method === "HEAD");
      const t = tally.get(r.shape) ?? tally.set(r.shape, { sent: 0, frontEnd: 0, worker: 0, other: 0 }).get(r.shape)!;
      t.sent++;
      const row = frontEndRow(r.shape);
      const show = () => `${JSON.stringify(r.raw.subarray(0, 120).toString("latin1"))} (${r.target} socket)`;
      if (fromWorker(o)) {
        t.worker++;
        if (row || r.shape === "refused-head") problems.push(`shape ${r.shape} reached the Worker: ${show()}`);
      } else if (row) {
        if (o.kind === "response" && o.resp.status === row.status) t.frontEnd++;
        else problems.push(`shape ${r.shape} got ${describe(o)}, not the row's ${row.status}: ${show()}`);
      } else if (o.kind === "response" && o.resp.status >= 500) {
        problems.push(`workerd answered ${o.resp.status} before the Worker to shape ${r.shape}: ${show()}`);
      } else t.other++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { problems, tally };
}
