/**
 * The Pushgateway API next to the Pushgateway itself: every request here goes to a real workerd edge node's public
 * socket and to Debian's prometheus-pushgateway (run locally, Debian's defaults), and the answers are compared.
 * Bad input — malformed text lines, inconsistent types, duplicate series, bad grouping-key paths, timestamps,
 * invalid protobuf and gzip — is a 4xx with a plain-text message and nothing stored, and the message is the
 * Pushgateway's, byte for byte, wherever the Pushgateway has its own words for it (its prototext rendering of a
 * metric is the one part that differs: protobuf-go changed that format on purpose between versions). Limits the
 * Pushgateway does not have (body size, gzip bombs) are 413 here. A push that both accept shows the same
 * GET /api/v1/metrics view.
 *
 * Debian ships Pushgateway 1.5.1; the adapter follows v1.11.1 (src/ingest/pushgateway*.ts), and every message
 * compared here is the same in both (handler/push.go, storage/diskmetricstore.go, prometheus/common expfmt).
 */
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, freePort, startProcess, tempDir, waitPorts, WorkerdNode } from "../harness";

const NS = "pgu";
const TEXT = { "content-type": "text/plain; version=0.0.4" };
const PROTO = { "content-type": "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited" };
let edge: WorkerdNode;
let token: string;
let upstream: string;

beforeAll(async () => {
  const exe = spawnSync("sh", ["-c", "command -v prometheus-pushgateway"], { encoding: "utf8" }).stdout.trim();
  if (!exe) throw new Error("prometheus-pushgateway is not installed (Debian: apt-get install prometheus-pushgateway; .ci/run installs it)");
  const port = await freePort();
  const pg = startProcess(exe, [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${join(tempDir("pgu-upstream"), "data")}`, "--log.level=error"], {
    name: "prometheus-pushgateway", lifetimeSeconds: 300,
  });
  upstream = `http://127.0.0.1:${port}`;
  edge = await WorkerdNode.create({ name: "pushgateway-upstream-edge", tokens: [{ name: "pusher", namespaces: [NS], operations: ["write", "delete", "read"] }] });
  await Promise.all([edge.start(), waitPorts(pg, [port])]);
  token = edge.tokens.pusher!;
});

afterAll(() => cleanup());

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

async function send(base: string, method: string, path: string, body: string | Uint8Array<ArrayBuffer> | undefined, headers: Record<string, string>): Promise<Answer> {
  const auth: Record<string, string> = base === edge.base ? { authorization: `Bearer ${token}` } : {};
  const r = await fetch(base + path, { method, body, headers: { ...headers, ...auth }, signal: AbortSignal.timeout(30_000) });
  return { status: r.status, contentType: r.headers.get("content-type") ?? "", body: await r.text() };
}

/** The same request to both; ours must be a plain-text 4xx. */
async function both(path: string, body: string | Uint8Array<ArrayBuffer> | undefined, headers: Record<string, string> = TEXT, method = "PUT") {
  const [ours, theirs] = [await send(edge.base, method, path, body, headers), await send(upstream, method, path, body, headers)];
  expect(ours.status, ours.body).toBeGreaterThanOrEqual(400);
  expect(ours.status, ours.body).toBeLessThan(500);
  expect(ours.contentType).toContain("text/plain");
  return { ours, theirs };
}

/** Nothing of the case was stored: no group in the namespace, no external metric `name`. */
async function expectNothingStored(...names: string[]): Promise<void> {
  const groups = await fetch(`${edge.base}/api/v1/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) }).then((r) => r.json()) as { data: any[] };
  expect(groups.data.filter((g) => g.labels.namespace === NS && g.labels.job !== "view")).toEqual([]);
  for (const name of names) {
    const r = await fetch(`${edge.base}/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${name}`, { headers: { authorization: `Bearer ${edge.readToken}` }, signal: AbortSignal.timeout(10_000) });
    expect(r.status, `${name}: ${await r.text()}`).toBe(404);
  }
}

const PATH = `/metrics/job/refusal/namespace/${NS}`;

describe("refused alike, with the Pushgateway's message", () => {
  it.each([
    ["a malformed label set", "m{ 1\n"],
    ["a value that is not a float", "m abc\n"],
    ["a second TYPE line (inconsistent types)", "# TYPE m gauge\n# TYPE m counter\nm 1\n"],
    ["a TYPE after the family's samples", "m 1\n# TYPE m counter\n"],
    ["a second HELP line", "# HELP m one\n# HELP m two\nm 1\n"],
    ["an unknown TYPE", "# TYPE m gauges\nm 1\n"],
    ["a histogram bucket without a number as le", '# TYPE m histogram\nm_bucket{le="x"} 1\n'],
    ["a summary quantile that is not a float", '# TYPE m summary\nm{quantile="high"} 1\n'],
    ["a label value without quotes", "m{a=b} 1\n"],
    ["a reserved __name__ label", 'm{__name__="x"} 1\n'],
    ["a sample timestamp", "m 1 1700000000000\n"],
  ])("%s", async (_name, text) => {
    const { ours, theirs } = await both(PATH, text);
    expect(theirs.status).toBe(400);
    expect(ours).toMatchObject({ status: theirs.status, body: theirs.body });
    await expectNothingStored("m");
  });

  it.each([
    ["an odd number of path components", "/metrics/job/j/namespace"],
    ["an improper label name in the path", `/metrics/job/j/namespace/${NS}/a.b/1`],
    ["invalid base64 in a job name", "/metrics/job@base64/!!"],
    ["invalid base64 in a label value", `/metrics/job/j/namespace/${NS}/pod@base64/!!`],
  ])("%s", async (_name, path) => {
    const { ours, theirs } = await both(path, "m 1\n");
    expect(theirs.status).toBe(400);
    expect(ours).toMatchObject({ status: theirs.status, body: theirs.body });
    await expectNothingStored("m");
  });
});

describe("duplicate series: the consistency check's message (the metric is printed in each version's prototext)", () => {
  const withoutMetric = (s: string) => s.replace(/\{ .*\} (was collected before)/g, "{ … } $1");

  it.each([
    ["the same series twice", 'm{a="1"} 1\nm{a="1"} 2\n'],
    ["two series made one by the grouping key", '# TYPE m gauge\nm{namespace="x"} 1\nm{namespace="y"} 2\n'],
  ])("%s", async (_name, text) => {
    const { ours, theirs } = await both(PATH, text);
    expect(theirs.status).toBe(400);
    expect(theirs.body).toMatch(/^pushed metrics are invalid or inconsistent with existing metrics: collected metric "m" \{ .*\} was collected before with the same name and label values\n$/);
    expect(ours.status).toBe(400);
    expect(withoutMetric(ours.body)).toBe(withoutMetric(theirs.body));
    await expectNothingStored("m");
  });

  it("two families whose names collide, one of them with a duplicate: every error, in prometheus.MultiError's list", async () => {
    // The second m_count sample joins the gauge family m_count (the text parser's rule), which then holds the
    // same series twice, and collides with the summary m's m_count.
    const { ours, theirs } = await both(PATH, "# TYPE m_count gauge\nm_count 3\n# TYPE m summary\nm_sum 1\nm_count 2\n");
    // Which family the Pushgateway gathers first depends on Go's map order: m first gives one error (m_count is
    // skipped whole), m_count first gives two. Ours gathers by name, so m comes first.
    const collision = 'collected metric named "m_count" collides with previously collected summary named "m"';
    const PREFIX = "pushed metrics are invalid or inconsistent with existing metrics: ";
    expect(ours.body).toBe(`${PREFIX}${collision}\n`);
    if (theirs.body !== ours.body) {
      expect(withoutMetric(theirs.body)).toBe(
        `${PREFIX}2 error(s) occurred:\n* collected metric "m_count" { … } was collected before with the same name and label values\n` +
        '* collected histogram or summary named "m" collides with previously collected metric named "m_count"\n',
      );
    }
    await expectNothingStored("m_count", "m_sum");
  });

  it("two duplicates: both errors, in prometheus.MultiError's list", async () => {
    const { ours, theirs } = await both(PATH, 'a 1\na 2\nb{x="1"} 1\nb{x="1"} 2\n');
    // The Pushgateway lists them in Go's map order; ours by name.
    const lines = (body: string) => withoutMetric(body).split("\n").sort();
    expect(lines(ours.body)).toEqual(lines(theirs.body));
    expect(withoutMetric(ours.body)).toBe(
      "pushed metrics are invalid or inconsistent with existing metrics: 2 error(s) occurred:\n" +
      '* collected metric "a" { … } was collected before with the same name and label values\n' +
      '* collected metric "b" { … } was collected before with the same name and label values\n',
    );
    await expectNothingStored("a", "b");
  });
});

describe("bodies that are not what they say", () => {
  it("invalid delimited protobuf: both 400; here the message says where the body went wrong", async () => {
    // A length prefix of 5 followed by 5 bytes that are not a MetricFamily (field 12, wire type 7: invalid).
    const { ours, theirs } = await both(PATH, new Uint8Array([5, 0x67, 1, 2, 3, 4]), PROTO);
    expect(theirs.status).toBe(400);
    expect(ours.status).toBe(400);
    expect(ours.body).toMatch(/MetricFamily/);
    await expectNothingStored("m");
  });

  it("a length prefix longer than the body: both 400", async () => {
    const { ours, theirs } = await both(PATH, new Uint8Array([32, 10, 1, 0x6d]), PROTO);
    expect(theirs).toMatchObject({ status: 400, body: "unexpected EOF\n" });
    expect(ours.status).toBe(400);
    expect(ours.body).toContain("declares 32 bytes but only 3 remain");
    await expectNothingStored("m");
  });

  it("Content-Encoding: gzip on a body that is not gzip: both 400", async () => {
    const { ours, theirs } = await both(PATH, "m 1\n", { ...TEXT, "content-encoding": "gzip" });
    expect(theirs.status).toBe(400);
    expect(ours.status).toBe(400);
    expect(ours.body).toBe("the request body is not valid gzip data: invalid gzip data\n");
    await expectNothingStored("m");
  });
});

describe("limits the Pushgateway does not have: 413, nothing stored, the node unharmed", () => {
  it("a body over 8 MiB, announced by its Content-Length: refused before it is read", async () => {
    const line = "m_big 1\n";
    const text = line.repeat(Math.ceil((8 * 1024 * 1024 + 1) / line.length));
    // With `Expect: 100-continue` (curl's way with large bodies) the refusal comes before the body is sent. A
    // client that sends the body at once may instead see the connection close under its upload (EPIPE): the
    // answer comes without the body being read.
    const ours = await putExpectingContinue(edge.base + PATH, text);
    expect(ours.status).toBe(413);
    expect(ours.body).toBe("the request body exceeds 8388608 bytes (after decompression); split it into smaller requests\n");
    expect(ours.sentBody).toBe(false);
    await expectNothingStored("m_big");
  });

  it("a gzip bomb: 64 MiB of text in a small body is refused once 8 MiB have been inflated", async () => {
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(64 * 1024 * 1024, "m_bomb 1\n"), { level: 9 }));
    expect(bomb.length).toBeLessThan(512 * 1024);
    const rssBefore = rssMiB(edge.pid()!);
    const ours = await send(edge.base, "PUT", PATH, bomb, { ...TEXT, "content-encoding": "gzip" });
    expect(ours.status).toBe(413);
    expect(ours.body).toContain("exceeds 8388608 bytes (after decompression)");
    // The bound holds while inflating: workerd never holds the 64 MiB.
    expect(rssMiB(edge.pid()!) - rssBefore).toBeLessThan(128);
    await expectNothingStored("m_bomb");
    const health = await fetch(`${edge.base}/healthz`);
    expect(health.status).toBe(200);
  });
});

/** PUT with `Expect: 100-continue`: the body goes only if the server asks for it. */
function putExpectingContinue(url: string, body: string): Promise<{ status: number; body: string; sentBody: boolean }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let sentBody = false;
    const req = request({
      host: u.hostname, port: u.port, method: "PUT", path: u.pathname, timeout: 30_000,
      headers: { ...TEXT, authorization: `Bearer ${token}`, "content-length": Buffer.byteLength(body), expect: "100-continue" },
    });
    req.on("continue", () => {
      sentBody = true;
      req.end(body);
    });
    req.on("response", (r) => {
      let text = "";
      r.on("data", (d) => (text += d));
      r.on("end", () => resolve({ status: r.statusCode ?? 0, body: text, sentBody }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.flushHeaders();
  });
}

function rssMiB(pid: number): number {
  const status = spawnSync("cat", [`/proc/${pid}/status`], { encoding: "utf8" }).stdout;
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

describe("accepted alike: the same GET /api/v1/metrics view", () => {
  it("gauge, counter, untyped, summary and histogram, with values Go prints in both notations", async () => {
    const text = [
      "# HELP g A gauge.", "# TYPE g gauge", 'g{k="v"} 1234567', 'g{k="w"} 0.00001',
      "# TYPE c counter", "c 42",
      "u 1.5",
      "# HELP s A summary.", "# TYPE s summary", 's{quantile="0.5"} 0.25', 's{quantile="0.99"} 3e+06', "s_sum 12.5", "s_count 7",
      "# TYPE h histogram", 'h_bucket{le="0.1"} 1', 'h_bucket{le="1"} 3', 'h_bucket{le="+Inf"} 4', "h_sum 2.75", "h_count 4",
      "",
    ].join("\n");
    const path = `/metrics/job/view/namespace/${NS}/instance/i1`;
    for (const base of [edge.base, upstream]) {
      const r = await send(base, "PUT", path, text, TEXT);
      expect(r.status, r.body).toBeLessThan(300);
    }
    const view = async (base: string) => {
      const r = await fetch(`${base}/api/v1/metrics`, { headers: base === edge.base ? { authorization: `Bearer ${token}` } : {} });
      const group = ((await r.json()) as { data: any[] }).data.find((g) => g.labels.job === "view");
      // Times differ between the two servers; everything else must not.
      for (const f of Object.values(group) as any[]) if (f && typeof f === "object" && "time_stamp" in f) f.time_stamp = "<time>";
      group.push_time_seconds.metrics[0].value = group.push_time_seconds.metrics[0].value.replace(/^\d\.\d+e\+09$/, "<unix time>");
      return group;
    };
    const [ours, theirs] = [await view(edge.base), await view(upstream)];
    expect(ours.push_time_seconds.metrics[0].value).toBe("<unix time>");
    expect(ours).toEqual(theirs);
  });
});
