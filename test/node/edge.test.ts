/**
 * Edge node: real workerd running the real bundle with the config `cli workerd-config --mode edge` generates.
 * Proves the aggregator socket's TLS exactly as kube-apiserver meets it (Node TLS client and kubectl), the
 * per-socket policy, and that Durable Object storage on local disk survives a restart.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundle, cleanup, cli, clientTls, freePort, kubeconfig, kubectl, makeTokens, startWorkerd, SVC_NAME, tempDir, testPki, tlsRequest,
  type Proc, type TestPkiWithClient,
} from "../harness";

const READ_TOKEN = "edge-read-token-1234";
let pki: TestPkiWithClient;
let aggPort: number;
let pubPort: number;
let config: string;
let stateDir: string;
let workerd: Proc & { startMs: number };
let writeToken: string;
const figures: Record<string, number> = {};

const read = (p: string) => readFileSync(p, "utf8");
const good = () => clientTls(pki);
const getRaw = (cfg: string, path: string) => kubectl(["get", "--raw", path], { kubeconfig: cfg, requestTimeout: "10s" });
const pub = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${pubPort}${path}`, init);
const write = (path: string, body: string, headers: Record<string, string> = {}) =>
  pub(path, { method: "POST", body, headers: { "content-type": "application/json", authorization: `Bearer ${writeToken}`, ...headers } });

beforeAll(async () => {
  pki = await testPki(tempDir("pki"));
  [aggPort, pubPort] = [await freePort(), await freePort()];
  const out = tempDir("edge");
  stateDir = join(tempDir("edge-state"), "do");
  const tokens = join(tempDir("edge-tokens"), "write-tokens.json");
  const writer = await makeTokens([{ name: "edge-writer", namespaces: ["*"] }]);
  writeToken = writer.token["edge-writer"]!;
  writeFileSync(tokens, writer.writeTokens);
  const r = await cli([
    "workerd-config", "--mode", "edge", "--out", out, "--bundle", bundle(), "--pki", pki.dir,
    "--aggregator-port", String(aggPort), "--public-port", String(pubPort), "--state", stateDir, "--read-token", READ_TOKEN, "--write-tokens", tokens,
  ]);
  expect(r.status, r.stderr).toBe(0);
  config = r.stdout.trim();
  workerd = await startWorkerd(config, [aggPort, pubPort], { args: ["--verbose"] });
  figures.workerdStartMs = workerd.startMs;
});

afterAll(async () => {
  console.log(`edge figures: ${JSON.stringify(figures)}`);
  await cleanup();
});

describe("generated config", () => {
  it("embeds relative paths next to the config, requires client certs, stamps both sockets", () => {
    const text = read(config);
    expect(text).toContain(`requireClientCerts = true`);
    expect(text).toContain(`trustedCertificates = [embed "tls/front-proxy-ca.crt"]`);
    expect(text).toContain(`minVersion = tls1Dot2`);
    expect(text).toContain(`enableSql = true`);
    expect(text).toMatch(/injectRequestHeaders = \[\(name = "x-edge-metrics-socket", value = "aggregator"\)\]/);
    expect(text).toMatch(/injectRequestHeaders = \[\(name = "x-edge-metrics-socket", value = "public"\)\]/);
    expect(text).not.toMatch(/embed "\//);
    expect(text).not.toContain(writeToken); // only the hash is configured
  });
});

describe("aggregator socket, Node TLS client", () => {
  it("correct CA + SNI name + front-proxy client certificate → 200 APIResourceList", async () => {
    for (const gv of ["custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2", "external.metrics.k8s.io/v1beta1"]) {
      const r = await tlsRequest({ port: aggPort, path: `/apis/${gv}`, ...good() });
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(200);
      expect(r.contentType).toContain("application/json");
      expect(JSON.parse(r.body!)).toMatchObject({ kind: "APIResourceList", groupVersion: gv });
    }
  });

  it("no client certificate → refused in the handshake (no HTTP response)", async () => {
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta1", ca: read(pki.ca) });
    expect(r.status).toBeUndefined();
    expect(`${r.error?.code} ${r.error?.message}`).toMatch(/CERTIFICATE_REQUIRED|certificate required|ECONNRESET|socket hang up/i);
  });

  it("client certificate from another CA → refused", async () => {
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta1", ca: read(pki.ca), cert: read(pki.rogueClientCert), key: read(pki.rogueClientKey) });
    expect(r.status).toBeUndefined();
    expect(`${r.error?.code} ${r.error?.message}`).toMatch(/UNKNOWN_CA|unknown ca|ECONNRESET|socket hang up/i);
  });

  it("wrong server name → verification fails", async () => {
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta1", servername: "other-service.custom-metrics.svc", ...good() });
    expect(r.status).toBeUndefined();
    expect(r.error?.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("a CA other than the caBundle → verification fails", async () => {
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta1", ...good(), ca: read(pki.rogueCa) });
    expect(r.status).toBeUndefined();
    expect(r.error?.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/);
  });

  it("refuses writes with a 403 Status, even with a valid client certificate", async () => {
    const r = await tlsRequest({
      port: aggPort, method: "POST", path: "/write-metrics/namespaces/default/pods/web-0/http_requests", body: '"1"',
      headers: { "content-type": "application/json" }, ...good(),
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body!)).toMatchObject({ kind: "Status", status: "Failure", code: 403 });
  });

  it("a client-sent x-edge-metrics-socket cannot turn the aggregator socket into the public one", async () => {
    const r = await tlsRequest({
      port: aggPort, method: "POST", path: "/write-metrics/namespaces/default/pods/web-0/http_requests", body: '"1"',
      headers: { "content-type": "application/json", "x-edge-metrics-socket": "public" }, ...good(),
    });
    expect(r.status).toBe(403);
  });
});

describe("aggregator socket, kubectl (kubeconfig with CA data, tls-server-name, client certificate)", () => {
  const server = () => `https://127.0.0.1:${aggPort}`;

  it("correct CA + name + front-proxy client certificate → 200", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: SVC_NAME, cert: pki.clientCert, key: pki.clientKey });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta2");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: "APIResourceList", groupVersion: "custom.metrics.k8s.io/v1beta2" });
  });

  it("no client certificate → refused", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: SVC_NAME });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta2");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/certificate required/);
  });

  it("client certificate from another CA → refused", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: SVC_NAME, cert: pki.rogueClientCert, key: pki.rogueClientKey });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta2");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown certificate authority/);
  });

  // The custom-metrics-apiserver test adapter's README: `kubectl get --raw
  // "/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/my-pod/"` lists the metrics of one pod.
  it("one pod's metrics, as the test adapter's README lists them (trailing slash), verbatim", async () => {
    expect((await write("/write-metrics/namespaces/default/pods/my-pod/rps", '"5"')).status).toBe(200);
    expect((await write("/write-metrics/namespaces/default/pods/my-pod/latency_ms", '"250m"')).status).toBe(200);
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: SVC_NAME, cert: pki.clientCert, key: pki.clientKey });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/my-pod/");
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe("MetricValueList");
    expect(list.items.map((i: any) => [i.describedObject.name, i.metricName, i.value]).sort()).toEqual([["my-pod", "latency_ms", "250m"], ["my-pod", "rps", "5"]]);
  });

  it("wrong tls-server-name → x509 name error", async () => {
    const cfg = kubeconfig({ server: server(), ca: pki.ca, serverName: "wrong.custom-metrics.svc", cert: pki.clientCert, key: pki.clientKey });
    const r = await getRaw(cfg, "/apis/custom.metrics.k8s.io/v1beta2");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/x509: certificate is valid for custom-metrics-apiserver\.custom-metrics\.svc.*not wrong\.custom-metrics\.svc/);
  });
});

describe("public socket", () => {
  it("accepts writes; the value is readable through the aggregator socket", async () => {
    const anonymous = await pub("/write-metrics/namespaces/default/pods/web-0/http_requests", { method: "POST", body: '"42"', headers: { "content-type": "application/json" } });
    expect(anonymous.status).toBe(401);
    const w = await write("/write-metrics/namespaces/default/pods/web-0/http_requests", '"42"');
    expect(w.status).toBe(200);
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests", ...good() });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body!).items).toEqual([expect.objectContaining({ value: "42", describedObject: expect.objectContaining({ name: "web-0" }) })]);
  });

  it("ignores forged X-Remote-* and x-edge-metrics-socket headers: reads still need the token", async () => {
    const forged = { "x-remote-user": "system:kube-aggregator", "x-remote-group": "system:masters", "x-edge-metrics-socket": "aggregator" };
    const r = await pub("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests", { headers: forged });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ kind: "Status", code: 401 });
    const ok = await pub("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests", { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it("a forged x-edge-metrics-socket: aggregator does not make the public socket refuse writes (workerd replaced it)", async () => {
    const w = await write("/write-metrics/namespaces/default/pods/web-1/http_requests", '"7"', { "x-edge-metrics-socket": "aggregator" });
    expect(w.status).toBe(200);
  });
});

describe("cli push to the public socket", () => {
  it("writes an object metric with labels and an external metric", async () => {
    const base = `http://127.0.0.1:${pubPort}`;
    const w = await cli(["push", base, "default/deployments.apps/web/queue_depth", "12", "--labels", "queue=jobs", "--token", writeToken]);
    expect(w.status, w.stdout + w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^200 /);
    const e = await cli(["push", "--external", base, "default/backlog", "3k", "--token", writeToken]);
    expect(e.status, e.stdout + e.stderr).toBe(0);
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/web/queue_depth?metricLabelSelector=queue%3Djobs", ...good() });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body!).items[0]).toMatchObject({ value: "12", metric: { name: "queue_depth" } });
    const x = await tlsRequest({ port: aggPort, path: "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/backlog", ...good() });
    expect(JSON.parse(x.body!).items[0]).toMatchObject({ metricName: "backlog", value: "3k" });
  });

  it("reports a refused write with a non-zero exit code", async () => {
    const w = await cli(["push", `http://127.0.0.1:${pubPort}`, "default/pods/web-0/http_requests", "not-a-quantity", "--token", writeToken]);
    expect(w.status).toBe(1);
    expect(w.stdout).toMatch(/^400 /);
  });
});

describe("storage on local disk", () => {
  it("survives a workerd restart", async () => {
    const w = await write("/write-metrics/namespaces/persist/services/api/queue_depth", '"1500m"');
    expect(w.status).toBe(200);
    await workerd.stop();
    const files = readdirSync(join(stateDir, "edge-metrics-adapter-MetricsStore"));
    expect(files.some((f) => f.endsWith(".sqlite"))).toBe(true);
    workerd = await startWorkerd(config, [aggPort, pubPort], { args: ["--verbose"] });
    figures.workerdRestartMs = workerd.startMs;
    const r = await tlsRequest({ port: aggPort, path: "/apis/custom.metrics.k8s.io/v1beta1/namespaces/persist/services/api/queue_depth", ...good() });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body!).items[0]).toMatchObject({ value: "1500m", metricName: "queue_depth" });
    expect(existsSync(stateDir)).toBe(true);
  });
});

describe("cli check against the edge node", () => {
  const base = () => [`https://127.0.0.1:${aggPort}`, "--ca", pki.ca, "--client-cert", pki.clientCert, "--client-key", pki.clientKey];

  it("passes every check on the correct endpoint", async () => {
    const r = await cli(["check", ...base()]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    for (const c of ["TLS handshake", "certificate chain", "certificate name", "client certificate accepted", "client certificate demanded"]) {
      expect(r.stdout).toMatch(new RegExp(`^PASS\\s+${c}`, "m"));
    }
    expect(r.stdout.match(/^PASS\s+discovery /gm)).toHaveLength(3);
    expect(r.stdout.match(/^PASS\s+latency /gm)).toHaveLength(3);
  });

  it("fails the chain check with the wrong CA", async () => {
    const r = await cli(["check", `https://127.0.0.1:${aggPort}`, "--ca", pki.rogueCa, "--client-cert", pki.clientCert, "--client-key", pki.clientKey]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+certificate chain/m);
  });

  it("fails the name check for another service name", async () => {
    const r = await cli(["check", ...base(), "--service", "other-adapter"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+certificate name\s+not valid for other-adapter\.custom-metrics\.svc/m);
  });

  it("fails when the client certificate is from another CA", async () => {
    const r = await cli(["check", `https://127.0.0.1:${aggPort}`, "--ca", pki.ca, "--client-cert", pki.rogueClientCert, "--client-key", pki.rogueClientKey]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+client certificate accepted.*unknown ca/m);
  });
});
