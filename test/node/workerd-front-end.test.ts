/**
 * The fuzz's front-end table (bench/fuzz/shapes.ts) against the pinned workerd: each row's requests get the row's
 * status from workerd itself, without the probe worker ever running (its counter does not move, its mark is
 * missing), and the shape classifier (bench/fuzz/http1-head.ts) predicts workerd exactly on hand-picked heads at
 * the edges of its rules and on generated fuzz requests. When a newer workerd fixes a row, this fails on that row:
 * delete it from the table.
 *
 * The request shapes workerd 1.20260426.1 answered with 500 before the Worker ran (duplicate Host, non-origin-form
 * targets, bad Content-Length or Transfer-Encoding) are checked against the real bundle too: each gets a 4xx now,
 * from workerd's parser or from src/index.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendFresh } from "../../bench/fuzz/client";
import { generate } from "../../bench/fuzz/generators";
import { checkRequests, checkRows, startProbe, type Probe } from "../../bench/fuzz/probe";
import { reseed } from "../../bench/fuzz/random";
import { shapeOf, WORKERD_FRONT_END, type Shape } from "../../bench/fuzz/shapes";
import { cleanup, WorkerdNode } from "../harness";

let probe: Probe;
let edge: WorkerdNode;

beforeAll(async () => {
  probe = await startProbe();
  edge = await WorkerdNode.create({ name: "front-end-edge" });
  await edge.start();
});

afterAll(cleanup);

/** Heads at the edges of the classifier's rules, with the shape it must give them; `{HOST}` = host:port. */
const EDGES: [string, Shape][] = [
  ["GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Bad: a\x01\x7fb\r\n\r\n", "other"], // control bytes in a value pass
  ["GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Bad: a\x00b\r\n\r\n", "refused-head"],
  ["GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Bad: a\rb\r\n\r\n", "refused-head"],
  ["GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX{: v\r\n\r\n", "refused-head"],
  ["GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nX-Fold: a\r\n b\r\n\r\n", "refused-head"],
  ["GET /\xc3\xa9 HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "other"], // UTF-8 in the path
  ["GET /\xe9 HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"], // not UTF-8
  ["GET /a<b HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"],
  ["GET /?a\"b HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"],
  ["GET /a\"{}b HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "other"],
  ["FOO a:b HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "unknown-method"], // authority-form
  ["FOO a%b HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"],
  ["FOO a/b HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"],
  ["FOO [::1]:80 HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "unknown-method"],
  ["FOO http://a:b:c/ HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"],
  ["FOO ** HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "unknown-method"],
  ["FOO  /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"], // two spaces
  ["G@T /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "refused-head"],
  ["\r\n\r\nFOO /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "unknown-method"], // leading empty lines skipped
  ["FOO /healthz HTTP/1.1\r\n\r\n", "unknown-method"], // no Host: the method is checked first
  ["MSEARCH /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "other"],
  ["QUERY /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n", "other"],
  ["POST /healthz HTTP/1.0\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "refused-head"],
  ["POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: x, chunked\r\n\r\n0\r\n\r\n", "other"],
  ["POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", "refused-head"],
  ["POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n[]", "other"],
  ["POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 2, 2\r\n\r\n[]", "refused-head"],
  ["POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "refused-head"],
  ["POST /healthz HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n0\r\n\r\n", "other"],
  ["CONNECT /write-metrics HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "connect"],
  [`GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n${"X: v\r\n".repeat(16_383)}\r\n`, "other"], // 16,384 header lines
  [`GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n${"X: v\r\n".repeat(16_384)}\r\n`, "refused-head"],
];

describe("workerd front end (probe worker on the edge node's socket configuration)", () => {
  it("the probe sees a well-formed request (so an unmarked answer means the Worker never ran)", async () => {
    const before = Number(await (await fetch(`${probe.node.base}/__probe/seen`)).text());
    const r = await fetch(`${probe.node.base}/write-metrics`, { method: "POST", body: "[]" });
    expect(r.headers.get("x-probe-worker")).toBe("1");
    expect(await r.text()).toBe("seen");
    expect(Number(await (await fetch(`${probe.node.base}/__probe/seen`)).text())).toBe(before + 1);
  });

  for (const row of WORKERD_FRONT_END) {
    it(`${row.shape}: ${row.status} from workerd, the Worker never runs`, async () => {
      for (const example of row.examples) expect(shapeOf(Buffer.from(example, "latin1"))).toBe(row.shape);
      expect(await checkRows(probe, [row])).toEqual([]);
    });
  }

  it("the shapes predict workerd exactly at the edges of the parser's rules", async () => {
    const host = `127.0.0.1:${probe.node.publicPort}`;
    const requests = EDGES.map(([text, shape]) => {
      const raw = Buffer.from(text.replaceAll("{HOST}", host), "latin1");
      expect(shapeOf(raw), JSON.stringify(text.slice(0, 80))).toBe(shape);
      return { raw, target: "public" as const, shape, method: "*" };
    });
    const { problems, tally } = await checkRequests(probe, requests, 4);
    expect(problems).toEqual([]);
    expect(tally.get("other")?.worker).toBe(EDGES.filter(([, s]) => s === "other").length);
  });

  it("the shapes predict workerd exactly on 1,500 generated fuzz requests", async () => {
    reseed(20261117);
    const ctx = { publicPort: probe.node.publicPort, writer: `ema_${"A".repeat(43)}`, scoped: `ema_${"B".repeat(43)}`, readToken: probe.node.readToken };
    const requests = Array.from({ length: 1500 }, (_, i) => generate(ctx, i));
    const { problems, tally } = await checkRequests(probe, requests);
    expect(problems).toEqual([]);
    // The sample exercises the parser's refusals and the Worker both.
    expect(tally.get("refused-head")?.sent).toBeGreaterThan(20);
    expect(tally.get("other")?.worker).toBeGreaterThan(1000);
  });
});

describe("the shapes workerd 1.20260426.1 answered with 500 get a 4xx from the real edge node", () => {
  const cases: [string, string, RegExp | null][] = [
    ["duplicate Host", "GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nHost: evil.example\r\n\r\n", /the Host header must be a single host\[:port\]/],
    ["Host with a path", "GET /healthz HTTP/1.1\r\nHost: evil.example/apis\r\n\r\n", /the Host header must be a single host\[:port\]/],
    ["Host with a space", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", /the Host header must be a single host\[:port\]/],
    ["asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: {HOST}\r\n\r\n", /the request target is not a valid origin-form URL path/],
    ["absolute-form write without a token", "POST http://evil.example/write-metrics HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 2\r\n\r\n[]", null],
    ["authority-form", "GET evil.example:80 HTTP/1.1\r\nHost: {HOST}\r\n\r\n", null],
    ["Transfer-Encoding gzip, chunked", "POST /write-metrics HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n", null],
    ["Transfer-Encoding identity", "POST /write-metrics HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: identity\r\n\r\n[]", null],
    ["Content-Length +2", "POST /write-metrics HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: +2\r\n\r\n[]", null],
    ["two different Content-Lengths", "POST /write-metrics HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n[]", null],
  ];
  for (const [name, text, message] of cases) {
    it(name, async () => {
      const raw = Buffer.from(text.replaceAll("{HOST}", `127.0.0.1:${edge.publicPort}`), "latin1");
      const o = await sendFresh({ port: edge.publicPort }, raw, false);
      expect(o.kind).toBe("response");
      if (o.kind !== "response") return;
      expect(o.resp.status, o.resp.body.toString()).toBeGreaterThanOrEqual(400);
      expect(o.resp.status).toBeLessThan(500);
      if (message) {
        expect(o.resp.status).toBe(400);
        expect(JSON.parse(o.resp.body.toString())).toMatchObject({ kind: "Status", reason: "BadRequest", message: expect.stringMatching(message) });
      }
    });
  }
});
