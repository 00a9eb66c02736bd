/**
 * The edge node's request log (src/http/request-log.ts) as an operator reads it from workerd's output: one
 * line per request with method, path, status, duration, socket and the credential's name, never a token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, clientTls, tlsRequest, waitFor, WorkerdNode } from "../harness";

const LINE = /^(GET|POST|PUT|DELETE|HEAD) (\S+) (\d{3}) (\d+)ms (public|aggregator|-) who=(\S+)$/;

let node: WorkerdNode;
const lines: string[] = [];
const logged = (path: string) => waitFor(`a log line for ${path}`, async () => lines.find((l) => LINE.exec(l)?.[2] === path), 10_000);

beforeAll(async () => {
  node = await WorkerdNode.create({ tokens: [{ name: "log-writer", namespaces: ["*"] }], start: { onLine: (l) => lines.push(l.trim()) } });
  await node.start();
});
afterAll(cleanup);

describe("request log on the edge node (DEPLOYMENT=edge: on by default)", () => {
  it("a write: method, path, status, duration, socket and the token's name, not the token", async () => {
    const path = "/write-metrics/namespaces/default/pods/web-0/http_requests";
    const token = node.tokens["log-writer"]!;
    const r = await fetch(node.base + path, { method: "POST", body: '"42"', headers: { authorization: `Bearer ${token}` } });
    expect(r.status, await r.text()).toBe(200);
    const line = await logged(path);
    expect(line).toMatch(new RegExp(`^POST ${path} 200 \\d+ms public who=token:log-writer$`));
    expect(lines.join("\n")).not.toContain(token);
  });

  it("a refused token: 401 and who=-, the presented token nowhere in the output", async () => {
    const path = "/write-metrics/namespaces/default/pods/web-1/http_requests";
    const bogus = "ema_this-is-not-a-valid-token-but-must-not-be-logged";
    const r = await fetch(node.base + path, { method: "POST", body: '"1"', headers: { authorization: `Bearer ${bogus}` } });
    expect(r.status).toBe(401);
    expect(await logged(path)).toMatch(/ 401 \d+ms public who=-$/);
    expect(lines.join("\n")).not.toContain(bogus);
  });

  it("a read with the read token that finds nothing: 404, who=read-token; the query string is not logged", async () => {
    const path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-0/http_requests";
    const r = await fetch(`${node.base}${path}?metricLabelSelector=secret%3Dvalue`, { headers: { authorization: `Bearer ${node.readToken}` } });
    expect(r.status, await r.text()).toBe(404); // no series has the label secret=value
    const line = await logged(path);
    expect(line).toMatch(/^GET \S+ 404 \d+ms public who=read-token$/);
    expect(lines.join("\n")).not.toContain("metricLabelSelector");
  });

  it("the aggregator socket: who=aggregator", async () => {
    const r = await tlsRequest({ port: node.aggregatorPort, path: "/apis/external.metrics.k8s.io/v1beta1", ...clientTls(node.pki) });
    expect(r.status).toBe(200);
    expect(await logged("/apis/external.metrics.k8s.io/v1beta1")).toMatch(/^GET \S+ 200 \d+ms aggregator who=aggregator$/);
  });
});

describe("REQUEST_LOG=off", () => {
  it("logs nothing", async () => {
    const quiet: string[] = [];
    const off = await WorkerdNode.create({ name: "quiet-workerd", vars: { REQUEST_LOG: "off" }, start: { onLine: (l) => quiet.push(l) } });
    await off.start();
    const r = await fetch(`${off.base}/write-metrics/namespaces/default/pods/p/m`, { method: "POST", body: '"1"', headers: { authorization: `Bearer ${off.tokens.writer}` } });
    expect(r.status).toBe(200);
    // The same request on the logging node appears within milliseconds; give this one a generous second.
    await new Promise((res) => setTimeout(res, 1000));
    expect(quiet.filter((l) => LINE.test(l.trim()))).toEqual([]);
    await off.stop();
  });
});
