/**
 * `cli check` against broken endpoints that real TLS servers on loopback stand in for: an edge that refuses the
 * .svc SNI (what Cloudflare does), a server that never asks for a client certificate, wrong discovery documents,
 * a slow server. (The good endpoint, wrong CA, wrong name and rogue client certificate are in edge.test.ts;
 * the bridge with its upstream down in bridge.test.ts; wrangler dev over HTTPS in wrangler-https.test.ts.)
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer as createTlsServer, createSecureContext, type Server as TlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { cleanup, cli, freePort, tempDir, testPki, WorkerdNode, type TestPkiWithClient } from "../harness";

let pki: TestPkiWithClient;
const read = (p: string) => readFileSync(p, "utf8");
const servers: (HttpsServer | TlsServer)[] = [];

async function listen<S extends HttpsServer | TlsServer>(server: S): Promise<number> {
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  servers.push(server);
  return port;
}

const check = (port: number, ...extra: string[]) =>
  cli(["check", `https://127.0.0.1:${port}`, "--ca", pki.ca, "--client-cert", pki.clientCert, "--client-key", pki.clientKey, ...extra]);

/** An https server with the right .svc certificate; `handler` decides the answers. */
function svcServer(handler: Parameters<typeof createHttpsServer>[1], requestCert = true): HttpsServer {
  return createHttpsServer(
    { key: read(pki.serverKey), cert: read(pki.serverCert), ca: read(pki.frontProxyCa), requestCert, rejectUnauthorized: requestCert },
    handler,
  );
}

beforeAll(async () => {
  pki = await testPki(tempDir("pki"));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await cleanup();
});

describe("cli check on broken endpoints", () => {
  it("an edge that refuses the .svc SNI (as Cloudflare does): handshake fails and the output explains SNI and the bridge", async () => {
    const publicCtx = createSecureContext({ key: read(pki.serverKey), cert: read(pki.serverCert) });
    const server = createTlsServer({
      SNICallback: (name, cb) => (name === "edge-metrics-adapter.example.workers.dev" ? cb(null, publicCtx) : cb(new Error(`no certificate for ${name}`))),
    });
    server.on("tlsClientError", () => {});
    const port = await listen(server);
    const r = await check(port);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+TLS handshake/m);
    expect(r.stdout).toMatch(/SNI/);
    expect(r.stdout).toMatch(/bridge/);
    expect(r.stdout).toMatch(/custom-metrics-apiserver\.custom-metrics\.svc/);
    expect(r.stdout).toMatch(/verdict: kube-apiserver could NOT use this endpoint/);
    // The suggested --upstream keeps the port it was given.
    expect(r.stdout).toContain(`--upstream https://127.0.0.1:${port} `);
  });

  it("a workers.dev hostname: explains the SNI limitation instead of failing cryptically", async () => {
    const r = await cli(["check", "https://edge-metrics-adapter.example.workers.dev", "--ca", pki.ca, "--client-cert", pki.clientCert, "--client-key", pki.clientKey]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Cloudflare/);
    expect(r.stdout).toMatch(/SNI/);
    expect(r.stdout).toMatch(/--mode bridge --upstream https:\/\/edge-metrics-adapter\.example\.workers\.dev/);
  });

  it("a server that does not demand a client certificate fails 'client certificate demanded'", async () => {
    const port = await listen(
      svcServer((_req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ kind: "APIResourceList", apiVersion: "v1", groupVersion: _req.url!.replace("/apis/", ""), resources: [] }));
      }, false),
    );
    const r = await check(port);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+client certificate demanded\s+server answered HTTP 200 to a client WITHOUT a certificate/m);
    expect(r.stdout).toMatch(/^PASS\s+certificate name/m);
  });

  it("wrong discovery documents: non-2xx, wrong kind, wrong groupVersion", async () => {
    const port = await listen(
      svcServer((req, res) => {
        res.setHeader("content-type", "application/json");
        if (req.url === "/apis/custom.metrics.k8s.io/v1beta1") {
          res.statusCode = 503;
          res.end(JSON.stringify({ kind: "Status", code: 503 }));
        } else if (req.url === "/apis/custom.metrics.k8s.io/v1beta2") {
          res.end(JSON.stringify({ kind: "APIGroupList" }));
        } else {
          res.end(JSON.stringify({ kind: "APIResourceList", groupVersion: "external.metrics.k8s.io/v1beta2", resources: [] }));
        }
      }),
    );
    const r = await check(port);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^PASS\s+client certificate demanded/m);
    expect(r.stdout).toMatch(/^FAIL\s+discovery custom\.metrics\.k8s\.io\/v1beta1\s+HTTP 503/m);
    expect(r.stdout).toMatch(/^FAIL\s+discovery custom\.metrics\.k8s\.io\/v1beta2\s+HTTP 200 but not an APIResourceList/m);
    expect(r.stdout).toMatch(/^FAIL\s+discovery external\.metrics\.k8s\.io\/v1beta1\s+APIResourceList for groupVersion/m);
  });

  it("a discovery answer slower than 5 s fails the latency check", async () => {
    const port = await listen(
      svcServer((req, res) => {
        const gv = req.url!.replace("/apis/", "");
        const send = () => {
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources: [] }));
        };
        if (gv === "custom.metrics.k8s.io/v1beta2") setTimeout(send, 5300);
        else send();
      }),
    );
    const r = await check(port, "--no-external-metrics", "--timeout-ms", "8000");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^PASS\s+latency custom\.metrics\.k8s\.io\/v1beta1/m);
    expect(r.stdout).toMatch(/^FAIL\s+latency custom\.metrics\.k8s\.io\/v1beta2\s+\d+ ms \(kube-apiserver gives up after 5000 ms\)/m);
    expect(r.stdout).not.toMatch(/external\.metrics/);
  });

  it("a wrong --service: the chain passes, the name fails, and the output names the Service the certificate is for", async () => {
    const port = await listen(svcServer((req, res) => res.end("{}")));
    const r = await check(port, "--service", "metrics-adapter", "--no-external-metrics");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^PASS\s+certificate chain\s+/m);
    expect(r.stdout).toMatch(/^FAIL\s+certificate name\s+not valid for metrics-adapter\.custom-metrics\.svc/m);
    expect(r.stdout).toMatch(/The certificate is for the Service custom-metrics-apiserver in namespace custom-metrics\. .*\n.*--service custom-metrics-apiserver --namespace custom-metrics/);
  });

  it("--help documents every check and exits 0", async () => {
    const r = await cli(["check", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/client certificate demanded/);
  });
});

describe("cli check against a real edge node", () => {
  let node: WorkerdNode;
  beforeAll(async () => {
    node = await WorkerdNode.create({ name: "check-workerd", pki });
    await node.start();
  });

  it("its public port (plain HTTP): says so at once instead of timing out", async () => {
    const t0 = Date.now();
    const r = await check(node.publicPort);
    expect(r.status).toBe(1);
    expect(Date.now() - t0).toBeLessThan(4000 + 2000); // no 5 s handshake timeout (2 s of it is tsx starting)
    expect(r.stdout).toMatch(/^FAIL\s+TLS handshake\s+this is plain HTTP, not TLS: 127\.0\.0\.1:\d+ answered "HTTP\/1\.1 200 OK"/m);
    expect(r.stdout).toMatch(/check its aggregator socket instead: the port given with --aggregator-port \(default 8443\)/);
  });

  it("the aggregator socket with the client certificate: every check passes", async () => {
    const r = await check(node.aggregatorPort);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/^(FAIL|SKIP)/m);
  });

  it("--no-client-cert: checks the server side, says what it could not check, exit 0", async () => {
    const r = await cli(["check", `https://127.0.0.1:${node.aggregatorPort}`, "--ca", pki.ca, "--no-client-cert"]);
    expect(r.status, r.stdout).toBe(0);
    for (const c of ["TLS handshake", "certificate chain", "certificate name", "client certificate demanded"]) expect(r.stdout).toMatch(new RegExp(`^PASS\\s+${c}\\s`, "m"));
    expect(r.stdout).toMatch(/^SKIP\s+client certificate accepted\s+needs a front-proxy client certificate/m);
    for (const gv of ["custom.metrics.k8s.io/v1beta1", "custom.metrics.k8s.io/v1beta2", "external.metrics.k8s.io/v1beta1"]) {
      expect(r.stdout).toMatch(new RegExp(`^SKIP\\s+discovery ${gv.replace(/\./g, "\\.")}`, "m"));
    }
    expect(r.stdout).toMatch(/verdict: the server side is as kube-apiserver needs it; NOT checked: client certificate accepted, discovery, latency/);
  });

  it("--no-client-cert against a server that does not demand one: fails", async () => {
    const port = await listen(svcServer((_req, res) => res.end("{}"), false));
    const r = await cli(["check", `https://127.0.0.1:${port}`, "--ca", pki.ca, "--no-client-cert"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+client certificate demanded\s+server answered HTTP 200 to a client WITHOUT a certificate/m);
  });

  it("without --client-cert and without --no-client-cert: a usage error that points at --no-client-cert", async () => {
    const r = await cli(["check", `https://127.0.0.1:${node.aggregatorPort}`, "--ca", pki.ca]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --client-cert and --client-key are required .* use --no-client-cert to check everything else/);
  });
});
